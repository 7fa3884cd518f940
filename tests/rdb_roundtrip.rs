//! Round trip: save → load → save gives the same content, for random string datasets (integers
//! in and out of the INT encodings' range, empty, binary, long LZF-compressible values, several
//! databases, expires) and for random values of every type through the loader's representation.

mod rdb_files;

use keel::object::{Entry, Str, Value};
use keel::rdb::save::{snapshot_bytes, Header};
use keel::rdb::startup::load_into;
use keel::rdb::{LoadOptions, LoadedValue};
use proptest::prelude::*;

fn value_strategy() -> impl Strategy<Value = Vec<u8>> {
    prop_oneof![
        any::<i64>().prop_map(|n| n.to_string().into_bytes()),
        (-200_000i64..200_000).prop_map(|n| n.to_string().into_bytes()),
        Just(Vec::new()),
        proptest::collection::vec(any::<u8>(), 0..64),
        (1usize..3000, any::<u8>()).prop_map(|(n, b)| vec![b; n]),
        (1usize..400).prop_map(|n| b"abcabcabd".iter().cycle().take(n * 9).copied().collect()),
    ]
}

type Dataset = Vec<(usize, Vec<u8>, Vec<u8>, Option<i64>)>;

fn dataset_strategy() -> impl Strategy<Value = Dataset> {
    proptest::collection::vec((0usize..3, proptest::collection::vec(any::<u8>(), 0..12), value_strategy(), proptest::option::of(1i64..i64::MAX / 2)), 0..60)
}

fn keyspace(seed: u64) -> keel::keyspace::Keyspace {
    keel::keyspace::Keyspace::new(4, keel::env::Rng::new(seed))
}

const HEADER: Header = Header { ctime_s: 1_700_000_000, used_mem: 0, aof_preamble: false };

proptest! {
    #![proptest_config(ProptestConfig::with_cases(200))]

    #[test]
    fn string_datasets_survive_save_load_save(data in dataset_strategy(), compress in any::<bool>()) {
        let mut ks = keyspace(1);
        for (db, key, value, expire) in &data {
            ks.dbs[*db].insert(key, Entry { value: Value::Str(Str::from_bytes(value)), lru: 0 });
            match expire {
                Some(t) => ks.dbs[*db].set_expire(key, *t),
                None => { ks.dbs[*db].persist(key); }
            }
        }
        let first = snapshot_bytes(&ks.dbs, &HEADER, compress, true);
        let mut back = keyspace(1);
        load_into(&mut back, &first, LoadOptions::default(), None, &mut |_| {}).expect("own file loads");
        prop_assert_eq!(keel::digest_ks::dataset_digest(&back), keel::digest_ks::dataset_digest(&ks));
        for (i, db) in ks.dbs.iter().enumerate() {
            prop_assert_eq!(back.dbs[i].len(), db.len());
            for (k, e) in db.dict.iter() {
                let got = back.dbs[i].dict.get(k).map(|e| e.value.clone());
                prop_assert_eq!(got, Some(e.value.clone()));
                prop_assert_eq!(back.dbs[i].expire_of(k), db.expire_of(k));
            }
        }
        // The second save holds the same content (key order may differ with insertion history).
        let second = snapshot_bytes(&back.dbs, &HEADER, compress, true);
        prop_assert_eq!(keel::digest_ks::dataset_digest(&back), keel::digest_ks::dataset_digest(&ks));
        prop_assert_eq!(second.len(), first.len());
    }

    #[test]
    fn values_of_every_type_survive_write_and_load(items in proptest::collection::vec(value_strategy(), 1..700), kind in 0u8..5, compress in any::<bool>()) {
        let mut unique = items.clone();
        unique.sort();
        unique.dedup();
        let value = match kind {
            0 => LoadedValue::Str(items[0].clone()),
            1 => LoadedValue::List(items),
            2 => LoadedValue::Set(unique),
            3 => LoadedValue::Hash(unique.iter().map(|m| (m.clone(), m.iter().rev().copied().collect())).collect()),
            _ => LoadedValue::ZSet(unique.iter().enumerate().map(|(i, m)| (m.clone(), i as f64 / 7.0 - 3.0)).collect()),
        };
        let file = rdb_files::writer_file(&[(b"k".to_vec(), value.clone(), None)], compress);
        let mut p = keel::rdb::Parser::new(&file, LoadOptions::default()).expect("header");
        let mut got = None;
        while let Some(ev) = p.next_event().expect("valid") {
            if let keel::rdb::Event::Key(k) = ev { got = Some(k.value); }
        }
        let got = got.expect("one key");
        prop_assert_eq!(got.digest_hex(false), value.digest_hex(false));
        prop_assert_eq!(got.len(), value.len());
    }
}
