//! Target `rdb_load`: arbitrary bytes through the RDB parser and the start-up loader.
//!
//! Input: the whole file. Asserts: parsing (with and without checksum verification) ends in
//! events or a typed `RdbError`, consuming input as it goes; `load_into` either loads or
//! refuses leaving every database empty; a loaded file re-saves (`snapshot_bytes`) and
//! re-loads to the same dataset (DEBUG DIGEST), the same keys and expires, and re-saves to
//! the same digest again.

use keel::env::Rng;
use keel::keyspace::Keyspace;
use keel::rdb::save::{snapshot_bytes, Header};
use keel::rdb::startup::load_into;
use keel::rdb::{Event, LoadOptions, Parser};

const HEADER: Header = Header { ctime_s: 1_700_000_000, used_mem: 0, aof_preamble: false };

pub fn check(data: &[u8]) {
    for verify in [false, true] {
        parse_all(data, verify);
    }
    // Checksum off so the fuzzer's changes reach the value decoders; keep expired keys.
    let opts = LoadOptions { verify_checksum: false, ..LoadOptions::default() };
    let mut ks = Keyspace::new(16, Rng::new(1));
    if load_into(&mut ks, data, opts, None, &mut |_| {}).is_err() {
        assert_eq!(ks.total_keys(), 0, "a refused file must leave no keys behind");
        return;
    }
    resave_reload(&ks);
}

/// Every event, or the first error; `Ok` means a complete file. A second parser keeps
/// fitting ziplists as they are (`adopt_blobs`, the start-up loader's fast path): it must stop
/// at the same error, and each value must convert to the engine's value with the same
/// content and encoding as the decoded pairs do.
fn parse_all(data: &[u8], verify: bool) {
    let opts = LoadOptions { verify_checksum: verify, ..LoadOptions::default() };
    let Ok(mut p) = Parser::new(data, opts) else { return };
    let mut fast = Parser::new(data, LoadOptions { adopt_blobs: true, ..opts }).expect("same header");
    let mut events = 0usize;
    loop {
        let (slow_event, fast_event) = (p.next_event(), fast.next_event());
        match (slow_event, fast_event) {
            (Ok(Some(a)), Ok(Some(b))) => same_value(a, b),
            (Ok(None), Ok(None)) => return,
            (Err(a), Err(b)) => {
                assert_eq!(a.to_string(), b.to_string(), "the fast path fails differently");
                return;
            }
            (a, b) => panic!("the fast path diverges: {a:?} vs {b:?}"),
        }
        events += 1;
        assert!(events <= data.len(), "more events than bytes: the parser is not consuming input");
        assert!(p.offset() <= data.len() as u64);
    }
}

fn same_value(slow: Event, fast: Event) {
    let (Event::Key(a), Event::Key(b)) = (slow, fast) else { return };
    let limits = LoadOptions::default().type_limits;
    let a = a.value.into_engine_with(&limits, &mut Rng::new(1));
    let b = b.value.into_engine_with(&limits, &mut Rng::new(1));
    match (a, b) {
        (Ok(a), Ok(b)) => {
            assert_eq!(a.encoding_name(), b.encoding_name(), "adopted value has another encoding");
            assert!(a == b, "adopted value has other content");
        }
        (a, b) => assert_eq!(a.is_ok(), b.is_ok()),
    }
}

fn resave_reload(ks: &Keyspace) {
    for compress in [false, true] {
        let file = snapshot_bytes(&ks.dbs, &HEADER, compress, true);
        let mut back = Keyspace::new(16, Rng::new(1));
        load_into(&mut back, &file, LoadOptions::default(), None, &mut |_| {}).expect("Keel's own file must load");
        assert_eq!(back.total_keys(), ks.total_keys());
        let digest = keel::digest_ks::dataset_digest(ks);
        assert_eq!(keel::digest_ks::dataset_digest(&back), digest, "re-saved file loads to another dataset");
        for (db, back_db) in ks.dbs.iter().zip(&back.dbs) {
            assert_eq!(db.len(), back_db.len());
            for (k, _) in db.dict.iter() {
                assert!(back_db.dict.get(k).is_some(), "key lost by save/load");
                assert_eq!(back_db.expire_of(k), db.expire_of(k));
            }
        }
        let again = snapshot_bytes(&back.dbs, &HEADER, compress, true);
        let mut third = Keyspace::new(16, Rng::new(1));
        load_into(&mut third, &again, LoadOptions::default(), None, &mut |_| {}).expect("second save loads");
        assert_eq!(keel::digest_ks::dataset_digest(&third), digest);
    }
}
