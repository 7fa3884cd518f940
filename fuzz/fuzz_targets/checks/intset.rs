//! Target `intset`: `Intset::from_bytes` gates all access.
//!
//! Input: `[u16 LE blob length][blob][operations...]`. An accepted blob keeps its bytes,
//! iterates strictly ascending, answers `contains` / `get_checked` consistently, and stays
//! valid (re-validated from its bytes) through random add / remove checked against a
//! `BTreeSet` model.

use std::collections::BTreeSet;

use keel::encoding::intset::Intset;

use super::input::Input;

pub fn check(data: &[u8]) {
    let mut input = Input::new(data);
    let blob = input.blob();
    let Ok(mut set) = Intset::from_bytes(blob.to_vec()) else { return };
    assert_eq!(set.as_bytes(), blob);
    let mut model: BTreeSet<i64> = set.iter().collect();
    if let Ok(loader) = keel::rdb::blob::intset::parse(blob) {
        assert!(loader.iter().copied().eq(model.iter().copied()), "rdb::blob::intset::parse and Intset disagree");
    }
    assert_consistent(&set, &model);
    for _ in 0..32 {
        if input.is_empty() {
            break;
        }
        let v = input.int();
        if input.bool() {
            assert_eq!(set.add(v), model.insert(v));
        } else {
            assert_eq!(set.remove(v), model.remove(&v));
        }
        assert_consistent(&set, &model);
        if !set.is_empty() {
            let again = Intset::from_bytes(set.as_bytes().to_vec()).expect("an operation broke the intset's validity");
            assert_eq!(again, set);
        }
    }
}

fn assert_consistent(set: &Intset, model: &BTreeSet<i64>) {
    assert_eq!(set.len(), model.len());
    assert!(set.iter().eq(model.iter().copied()));
    assert_eq!(set.blob_len(), 8 + set.len() * set.encoding());
    for (i, v) in model.iter().enumerate() {
        assert!(set.contains(*v));
        assert_eq!(set.get_checked(i), Some(*v));
    }
    assert_eq!(set.get_checked(model.len()), None);
}
