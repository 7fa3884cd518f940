//! Target `listpack`: `Listpack::parse` gates all access.
//!
//! Input: `[u16 LE blob length][blob][values to push...]`. An accepted blob keeps its bytes,
//! iterates to the same values both ways and by index, re-encodes (`from_values`) to the same
//! values, and stays valid (re-parsed from its bytes) after pushes.

use keel::encoding::listpack::Listpack;

use super::input::Input;

pub fn check(data: &[u8]) {
    let mut input = Input::new(data);
    let blob = input.blob();
    let Ok(mut lp) = Listpack::parse(blob.to_vec()) else { return };
    assert_eq!(lp.as_bytes(), blob, "an accepted listpack must keep its bytes");
    let mut model = values(&lp);
    assert_consistent(&lp, &model);
    if let Ok(loader) = keel::rdb::blob::listpack::parse(blob) {
        assert_eq!(loader, model, "rdb::blob::listpack::parse and Listpack disagree");
    }
    let rebuilt = Listpack::from_values(model.iter().map(Vec::as_slice));
    assert_eq!(values(&rebuilt), model);
    for _ in 0..16 {
        if input.is_empty() {
            break;
        }
        let v = input.value();
        lp.push(&v);
        model.push(v);
        let again = Listpack::parse(lp.as_bytes().to_vec()).expect("push broke the listpack's validity");
        assert_eq!(values(&again), model);
        assert_consistent(&lp, &model);
    }
}

fn values(lp: &Listpack) -> Vec<Vec<u8>> {
    lp.iter().map(|v| v.to_vec()).collect()
}

fn assert_consistent(lp: &Listpack, model: &[Vec<u8>]) {
    assert_eq!(lp.len(), model.len());
    assert_eq!(values(lp), model);
    let mut back: Vec<Vec<u8>> = lp.iter_rev().map(|v| v.to_vec()).collect();
    back.reverse();
    assert_eq!(back, model, "backward iteration disagrees with forward");
    if let Some(last) = model.last() {
        assert_eq!(lp.get(model.len() - 1).map(|v| v.to_vec()).as_ref(), Some(last));
    }
    assert!(lp.get(model.len()).is_none());
}
