//! Corruption: every single-byte change and every truncation of small valid RDB files — Redis
//! samples and a file holding every encoding the loader knows — is either loaded (the byte did
//! not matter) or refused with an error; never a panic, a hang or a huge allocation.
//!
//! The checksum is what normally catches a flipped byte, so each mutant is parsed twice: with
//! verification (the production path) and without it, so the value decoders themselves see
//! the damaged bytes.

mod rdb_files;

use keel::rdb::startup::load_into;
use keel::rdb::{LoadOptions, Parser, RdbError};

/// Parse every event; `Ok(number of events)` or the first error.
fn parse_all(buf: &[u8], verify: bool) -> Result<usize, RdbError> {
    let opts = LoadOptions { verify_checksum: verify, ..LoadOptions::default() };
    let mut p = Parser::new(buf, opts)?;
    let mut n = 0;
    while p.next_event()?.is_some() {
        n += 1;
        assert!(n <= buf.len(), "more events than bytes: the parser is not consuming input");
    }
    Ok(n)
}

#[derive(Default, Debug)]
struct Tally {
    loaded: usize,
    refused: usize,
}

fn exercise(buf: &[u8], tally: &mut Tally) {
    for verify in [false, true] {
        match parse_all(buf, verify) {
            Ok(_) => tally.loaded += 1,
            Err(_) => tally.refused += 1,
        }
    }
    let mut ks = keel::keyspace::Keyspace::new(16, keel::env::Rng::new(1));
    if load_into(&mut ks, buf, LoadOptions { verify_checksum: false, ..LoadOptions::default() }, Some(0), &mut |_| {}).is_err() {
        assert_eq!(ks.total_keys(), 0, "a refused file must leave no keys behind");
    }
}

fn walk_all_mutations(name: &str, original: &[u8]) -> Tally {
    assert!(parse_all(original, true).is_ok(), "{name} must be valid to start with");
    let mut tally = Tally::default();
    let mut buf = original.to_vec();
    for i in 0..original.len() {
        for mask in [0x01u8, 0x80, 0xff, 0x3f] {
            buf[i] = original[i] ^ mask;
            exercise(&buf, &mut tally);
        }
        buf[i] = original[i];
    }
    for cut in 0..original.len() {
        for verify in [false, true] {
            let r = parse_all(&original[..cut], verify);
            assert!(r.is_err(), "{name} cut at {cut} of {} parsed as complete", original.len());
        }
    }
    tally
}

#[test]
fn every_flip_and_truncation_of_redis_samples_is_loaded_or_refused() {
    for name in ["expired-keys.rdb", "functions.rdb"] {
        let t = walk_all_mutations(name, &rdb_files::fixture(name));
        assert!(t.refused > 0 && t.loaded > 0, "{name}: {t:?}");
    }
}

#[test]
fn every_flip_and_truncation_of_a_file_with_every_encoding_is_loaded_or_refused() {
    let file = rdb_files::every_encoding_file();
    assert!(file.len() < 4096, "keep the walk fast: {} bytes", file.len());
    let t = walk_all_mutations("every-encoding", &file);
    assert!(t.refused > t.loaded, "{t:?}");
}
