//! Target `ziplist`: `Ziplist::from_bytes` gates all access.
//!
//! Input: `[u16 LE blob length][blob][operations...]`. A blob that is accepted must give back
//! the same bytes (an empty ziplist's zltail is normalised to 10, the one documented rewrite),
//! iterate to the same values both ways and by index, and keep all of that — re-validated
//! from its bytes after every step — through random push / insert / delete / delete_range /
//! replace, checked against a plain `Vec` model.

use keel::encoding::ziplist::Ziplist;

use super::input::Input;

pub fn check(data: &[u8]) {
    let mut input = Input::new(data);
    let blob = input.blob();
    let Ok(zl) = Ziplist::from_bytes(blob.to_vec()) else { return };
    if !zl.is_empty() {
        assert_eq!(zl.as_bytes(), blob, "an accepted ziplist must keep its bytes");
    }
    let mut model = values(&zl);
    assert_consistent(&zl, &model);
    // The RDB loader's own walker must read the same values from the same bytes.
    if let Ok(loader) = keel::rdb::blob::ziplist::parse(blob) {
        assert_eq!(loader, model, "rdb::blob::ziplist::parse and Ziplist disagree");
    }
    let rebuilt = rebuild(&model);
    assert_eq!(values(&rebuilt), model, "re-encoding the values gives other values");
    let mut zl = zl;
    for _ in 0..32 {
        if input.is_empty() {
            break;
        }
        step(&mut zl, &mut model, &mut input);
        let again = Ziplist::from_bytes(zl.as_bytes().to_vec()).expect("an operation broke the ziplist's validity");
        assert_eq!(again, zl);
        assert_consistent(&zl, &model);
    }
}

fn step(zl: &mut Ziplist, model: &mut Vec<Vec<u8>>, input: &mut Input<'_>) {
    let n = model.len();
    match input.u8() % 6 {
        0 | 1 => {
            let head = input.bool();
            let v = input.value();
            zl.push(&v, head);
            if head {
                model.insert(0, v);
            } else {
                model.push(v);
            }
        }
        2 => {
            let at = input.below(n + 2);
            let v = input.value();
            let ok = zl.insert(at, &v);
            assert_eq!(ok, at <= n);
            if ok {
                model.insert(at, v);
            }
        }
        3 => {
            let at = input.below(n + 1);
            assert_eq!(zl.delete(at), at < n);
            if at < n {
                model.remove(at);
            }
        }
        4 => {
            let at = input.below(n + 1);
            let count = input.below(8);
            let removed = zl.delete_range(at, count);
            let want = count.min(n.saturating_sub(at));
            assert_eq!(removed, want);
            model.drain(at.min(n)..at.min(n) + want);
        }
        _ => {
            let at = input.below(n + 1);
            let v = input.value();
            assert_eq!(zl.replace(at, &v), at < n);
            if at < n {
                model[at] = v;
            }
        }
    }
}

fn values(zl: &Ziplist) -> Vec<Vec<u8>> {
    zl.iter().map(|v| v.to_vec()).collect()
}

fn rebuild(values: &[Vec<u8>]) -> Ziplist {
    let mut zl = Ziplist::new();
    for v in values {
        zl.push(v, false);
    }
    zl
}

fn assert_consistent(zl: &Ziplist, model: &[Vec<u8>]) {
    assert_eq!(zl.len(), model.len());
    assert_eq!(values(zl), model);
    let mut back: Vec<Vec<u8>> = zl.iter_rev().map(|v| v.to_vec()).collect();
    back.reverse();
    assert_eq!(back, model, "backward iteration disagrees with forward");
    for (i, v) in model.iter().enumerate() {
        assert_eq!(zl.get(i).map(|x| x.to_vec()).as_ref(), Some(v));
    }
    assert!(zl.get(model.len()).is_none());
    assert_eq!(zl.blob_len(), zl.as_bytes().len());
}
