//! The loader's fast path for small hashes and sorted sets (`LoadOptions::adopt_blobs`): a
//! HASH_ZIPLIST or ZSET_ZIPLIST blob that already is what the engine would build is kept as
//! the value instead of being decoded into pairs and re-encoded. The property: for any blob,
//! canonical or not (integer-like strings stored as strings), sorted or not, with repeats,
//! NaN, `-0`, integral or unparsable text scores, and under any encoding limits, loading with
//! the fast path gives exactly what the pairs path gives: the same error, or a value with the
//! same pairs in the same order (scores bit for bit) and the same encoding.
#![allow(clippy::disallowed_methods)]

mod rdb_files;

use keel::env::Rng;
use keel::keyspace::Keyspace;
use keel::object::Value;
use keel::rdb::blob::ziplist;
use keel::rdb::format::{put_string, TYPE_HASH_ZIPLIST, TYPE_ZSET_ZIPLIST};
use keel::rdb::startup::load_into;
use keel::rdb::{Event, LoadOptions, Parser};
use keel::types::hash::Hash;
use keel::types::zset::ZSet;
use keel::types::TypeLimits;
use proptest::prelude::*;
use rdb_files::{raw_file, RawKey};

/// A ziplist whose entries are encoded as `ziplist::encode` would (integer-like strings as
/// integers) where `canonical[i]`, else as strings (6-bit lengths; entries are short), so
/// `"12"` may be stored both ways in one blob, as only a blob from outside can.
fn mixed_ziplist(entries: &[Vec<u8>], canonical: &[bool]) -> Vec<u8> {
    let mut out = vec![0u8; 10];
    let (mut prev, mut last) = (0usize, 10usize);
    for (i, e) in entries.iter().enumerate() {
        last = out.len();
        out.push(prev as u8);
        if canonical.get(i).copied().unwrap_or(true) {
            let one = ziplist::encode([e.as_slice()]);
            out.extend_from_slice(&one[11..one.len() - 1]);
        } else {
            out.push(e.len() as u8);
            out.extend_from_slice(e);
        }
        prev = out.len() - last;
    }
    out.push(0xFF);
    let total = out.len() as u32;
    out[0..4].copy_from_slice(&total.to_le_bytes());
    out[4..8].copy_from_slice(&(last as u32).to_le_bytes());
    out[8..10].copy_from_slice(&(entries.len() as u16).to_le_bytes());
    out
}

type Shape = (String, Vec<(Vec<u8>, Vec<u8>)>, Option<Vec<u8>>);

/// What a value is, for comparison: type, encoding, its elements in iteration order, and
/// for the ziplist encoding the blob itself (an adopted blob must be byte for byte the one
/// the engine builds from the pairs).
fn shape(v: &Value) -> Shape {
    let mut items = Vec::new();
    let blob = match v {
        Value::Hash(h) => {
            h.for_each(&mut |f, x| items.push((f.to_vec(), x.to_vec())));
            match h {
                Hash::Ziplist(zl) => Some(zl.as_bytes().to_vec()),
                _ => None,
            }
        }
        Value::ZSet(z) => {
            z.for_each(&mut |m, s| items.push((m.to_vec(), s.to_bits().to_le_bytes().to_vec())));
            match z {
                ZSet::Ziplist(zl) => Some(zl.as_bytes().to_vec()),
                _ => None,
            }
        }
        other => panic!("unexpected type {}", other.type_name()),
    };
    (format!("{} {}", v.type_name(), v.encoding_name()), items, blob)
}

/// Load through the fast path (`load_into`), and through the pairs (the parser without
/// adoption, then the engine's conversion).
fn both_paths(file: &[u8], limits: TypeLimits) -> (Result<Option<Value>, String>, Result<Option<Value>, String>) {
    let opts = LoadOptions { type_limits: limits, ..LoadOptions::default() };
    let mut ks = Keyspace::new(16, Rng::new(1));
    let fast = load_into(&mut ks, file, opts, None, &mut |_| {})
        .map(|_| ks.dbs[0].dict.get(&b"k"[..]).map(|e| e.value.clone()))
        .map_err(|e| e.to_string());
    let slow = (|| {
        let mut p = Parser::new(file, opts).map_err(|e| e.to_string())?;
        let mut out = None;
        while let Some(ev) = p.next_event().map_err(|e| e.to_string())? {
            if let Event::Key(k) = ev {
                out = Some(k.value.into_engine_with(&limits, &mut Rng::new(1)).map_err(|t| t.to_string())?);
            }
        }
        Ok(out)
    })();
    (fast, slow)
}

fn file_with(rdb_type: u8, blob: &[u8]) -> Vec<u8> {
    let mut body = Vec::new();
    put_string(&mut body, blob, false);
    raw_file(9, &[RawKey { rdb_type, key: b"k".to_vec(), body, expire_ms: None, expect: keel::rdb::LoadedValue::Str(Vec::new()) }])
}

fn assert_same(file: &[u8], limits: TypeLimits) -> Result<(), TestCaseError> {
    let (fast, slow) = both_paths(file, limits);
    match (&fast, &slow) {
        (Ok(a), Ok(b)) => prop_assert_eq!(a.as_ref().map(shape), b.as_ref().map(shape)),
        (Err(a), Err(b)) => prop_assert_eq!(a, b),
        _ => prop_assert!(false, "fast path {:?} but pairs path {:?}", fast.as_ref().map(|v| v.as_ref().map(shape)), slow.as_ref().map(|v| v.as_ref().map(shape))),
    }
    Ok(())
}

fn entry() -> impl Strategy<Value = Vec<u8>> {
    prop_oneof![
        4 => "[a-d]{0,2}".prop_map(String::into_bytes),
        3 => (-20i64..20).prop_map(|v| v.to_string().into_bytes()),
        1 => Just(b"-0".to_vec()),
        1 => Just(b"007".to_vec()),
        1 => proptest::collection::vec(b'x'..=b'z', 60..63),
    ]
}

fn score() -> impl Strategy<Value = Vec<u8>> {
    prop_oneof![
        4 => (-4i64..4).prop_map(|v| v.to_string().into_bytes()),
        3 => (-8i32..8).prop_map(|v| (f64::from(v) / 4.0).to_string().into_bytes()),
        1 => prop::sample::select(vec!["inf", "-inf", "nan", "-0", "1.0", "0x10", "abc", "1e3", " 1", "2.50", "0.1", "0.10000000000000001"]).prop_map(|s| s.as_bytes().to_vec()),
    ]
}

fn limits() -> impl Strategy<Value = TypeLimits> {
    (prop_oneof![Just(128usize), 1usize..6], prop_oneof![Just(64usize), 1usize..4]).prop_map(|(entries, value)| TypeLimits {
        hash_max_ziplist_entries: entries,
        hash_max_ziplist_value: value,
        zset_max_ziplist_entries: entries,
        zset_max_ziplist_value: value,
        ..TypeLimits::default()
    })
}



proptest! {
    #![proptest_config(ProptestConfig::with_cases(2000))]

    #[test]
    fn hash_ziplists_load_the_same_with_and_without_adoption(entries in proptest::collection::vec(entry(), 0..12), canonical in proptest::collection::vec(prop::bool::weighted(0.8), 12), limits in limits()) {
        assert_same(&file_with(TYPE_HASH_ZIPLIST, &mixed_ziplist(&entries, &canonical)), limits)?;
    }

    #[test]
    fn zset_ziplists_load_the_same_with_and_without_adoption(pairs in proptest::collection::vec((entry(), score()), 0..8), sort in any::<bool>(), odd in any::<bool>(), canonical in proptest::collection::vec(prop::bool::weighted(0.8), 17), limits in limits()) {
        let mut pairs = pairs;
        if sort {
            let key = |s: &[u8]| std::str::from_utf8(s).ok().and_then(|t| t.parse::<f64>().ok()).unwrap_or(0.0);
            pairs.sort_by(|a, b| key(&a.1).total_cmp(&key(&b.1)).then_with(|| a.0.cmp(&b.0)));
        }
        let mut entries: Vec<Vec<u8>> = pairs.into_iter().flat_map(|(m, s)| [m, s]).collect();
        if odd {
            entries.push(b"x".to_vec());
        }
        assert_same(&file_with(TYPE_ZSET_ZIPLIST, &mixed_ziplist(&entries, &canonical)), limits)?;
    }
}

/// The fast path is taken: a small hash and a small sorted set load as ziplists whose blob is
/// the file's, byte for byte.
#[test]
fn fitting_ziplists_are_kept_as_stored() {
    let hash = ziplist::encode([&b"f1"[..], b"v1", b"n", b"7"]);
    let zset = ziplist::encode([&b"a"[..], b"1", b"b", b"2.5"]);
    for (t, blob) in [(TYPE_HASH_ZIPLIST, hash), (TYPE_ZSET_ZIPLIST, zset)] {
        let mut ks = Keyspace::new(16, Rng::new(1));
        load_into(&mut ks, &file_with(t, &blob), LoadOptions::default(), None, &mut |_| {}).expect("loads");
        let value = &ks.dbs[0].dict.get(&b"k"[..]).expect("key loaded").value;
        let kept = match value {
            Value::Hash(Hash::Ziplist(zl)) => zl.as_bytes().to_vec(),
            Value::ZSet(ZSet::Ziplist(zl)) => zl.as_bytes().to_vec(),
            other => panic!("not a ziplist: {}", other.encoding_name()),
        };
        assert_eq!(kept, blob);
    }
}
