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
use keel::rdb::{LoadOptions, Parser};

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

/// Every event, or the first error; `Ok` means a complete file.
fn parse_all(data: &[u8], verify: bool) {
    let opts = LoadOptions { verify_checksum: verify, ..LoadOptions::default() };
    let Ok(mut p) = Parser::new(data, opts) else { return };
    let mut events = 0usize;
    while let Ok(Some(_)) = p.next_event() {
        events += 1;
        assert!(events <= data.len(), "more events than bytes: the parser is not consuming input");
        assert!(p.offset() <= data.len() as u64);
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
