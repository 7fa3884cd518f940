//! "Loaded or refused, never panic": every single-byte change (four bit patterns) and every
//! truncation of a valid RDB file, a valid AOF and a valid ziplist goes through the fuzz
//! targets' checks (`fuzz/fuzz_targets/checks/`), which assert more than the absence of a
//! panic: a refused RDB leaves no key behind and an accepted one re-saves and re-loads to the
//! same dataset; an AOF either starts the server or fails start-up with a message, and one
//! that started reloads to the same dataset; an accepted ziplist keeps its bytes, iterates
//! both ways and survives edits.
//!
//! On top of that, each walk checks what the format promises for truncation: an RDB or a
//! ziplist cut short is always refused; an AOF of plain commands cut anywhere loads under
//! `aof-load-truncated yes` (the torn tail is dropped, DESIGN §5 P4) and under `no` either
//! loads (the cut fell between commands) or refuses with "Unexpected end of file".
#![allow(clippy::disallowed_methods, clippy::disallowed_types)] // reads a fixture from disk

#[allow(dead_code)] // only some of the targets' checks are used here
#[path = "../fuzz/fuzz_targets/checks/mod.rs"]
mod checks;

use std::path::Path;

use checks::sim_server::{quiet_config, SimServer};
use keel::rdb::{LoadOptions, Parser};

const MASKS: [u8; 4] = [0x01, 0x80, 0xff, 0x3f];

/// Every single-byte mutant of `original` (each mask XORed into each byte).
fn for_each_flip(original: &[u8], mut f: impl FnMut(&[u8])) {
    let mut buf = original.to_vec();
    for i in 0..original.len() {
        for mask in MASKS {
            buf[i] = original[i] ^ mask;
            f(&buf);
        }
        buf[i] = original[i];
    }
}

fn parses_completely(buf: &[u8], verify: bool) -> bool {
    let opts = LoadOptions { verify_checksum: verify, ..LoadOptions::default() };
    let Ok(mut p) = Parser::new(buf, opts) else { return false };
    loop {
        match p.next_event() {
            Ok(Some(_)) => {}
            Ok(None) => return true,
            Err(_) => return false,
        }
    }
}

#[test]
fn every_flip_and_truncation_of_a_redis_rdb_is_loaded_or_refused() {
    let rdb = std::fs::read(Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/rdb/expired-keys.rdb")).expect("fixture");
    assert!(parses_completely(&rdb, true));
    for_each_flip(&rdb, checks::rdb_load::check);
    for cut in 0..rdb.len() {
        checks::rdb_load::check(&rdb[..cut]);
        assert!(!parses_completely(&rdb[..cut], false), "cut at {cut} parsed as a complete file");
    }
}

/// A few hundred bytes of AOF written by Keel: every type, expiry, a transaction, SELECT.
fn keel_written_aof() -> Vec<u8> {
    let mut config = quiet_config();
    config.appendonly = true;
    let name = format!("{}/{}", config.dir, config.appendfilename);
    let mut s = SimServer::start(config, &[]);
    let cmds = [
        "SET s hello",
        "SET n 12",
        "INCR n",
        "RPUSH l a 1 b",
        "SADD set 1 2 x",
        "HSET h f v g 7",
        "ZADD z 1.5 m -2 n",
        "PEXPIRE s 100000000",
        "MULTI",
        "SET t 1",
        "DEL n",
        "EXEC",
        "SELECT 3",
        "SET db3 v",
    ];
    for c in cmds {
        s.line(c);
    }
    s.sim.fs.visible_contents(Path::new(&name)).expect("the AOF exists")
}

fn start_with_aof(aof: &[u8], load_truncated: bool) -> Option<String> {
    let mut config = quiet_config();
    config.appendonly = true;
    config.aof_load_truncated = load_truncated;
    let name = format!("{}/{}", config.dir, config.appendfilename);
    SimServer::start(config, &[(name.as_str(), aof)]).server.startup_error()
}

#[test]
fn every_flip_and_truncation_of_a_keel_aof_is_loaded_or_refused() {
    let aof = keel_written_aof();
    assert!((200..2000).contains(&aof.len()), "{} bytes", aof.len());
    assert_eq!(start_with_aof(&aof, false), None);
    let (mut loaded, mut refused) = (0, 0);
    for_each_flip(&aof, |mutant| {
        match start_with_aof(mutant, true) {
            None => loaded += 1,
            Some(err) => {
                assert!(err.contains("append only file"), "untyped start-up error: {err}");
                refused += 1;
            }
        }
        checks::aof_load::check(&[&[1u8][..], mutant].concat());
    });
    assert!(loaded > 0 && refused > 0, "loaded {loaded}, refused {refused}");
    for cut in 0..aof.len() {
        assert_eq!(start_with_aof(&aof[..cut], true), None, "cut at {cut} with aof-load-truncated yes");
        if let Some(err) = start_with_aof(&aof[..cut], false) {
            assert!(err.starts_with("Unexpected end of file"), "cut at {cut}: {err}");
        }
    }
}

#[test]
fn every_flip_and_truncation_of_a_ziplist_is_accepted_or_refused() {
    let values: Vec<Vec<u8>> = ["a", "12", "-7", "", "300000", "5000000000", "127", "-32768"]
        .iter()
        .map(|v| v.as_bytes().to_vec())
        .chain([vec![b'x'; 70], vec![b'y'; 260]])
        .collect();
    let zl = keel::rdb::blob::ziplist::encode(values.iter().map(Vec::as_slice));
    assert!(keel::encoding::ziplist::Ziplist::from_bytes(zl.clone()).is_ok());
    let ops = [0u8, 1, 1, b'q', 2, 3, 0, 3, 1, 4, 0, 3, 5, 2, 1, 1, b'r'];
    let (mut accepted, mut refused) = (0, 0);
    for_each_flip(&zl, |mutant| {
        match keel::encoding::ziplist::Ziplist::from_bytes(mutant.to_vec()) {
            Ok(_) => accepted += 1,
            Err(e) => {
                assert!(e.offset <= mutant.len(), "{e}");
                refused += 1;
            }
        }
        checks::ziplist::check(&checks::input::with_len_prefix(mutant, &ops));
    });
    assert!(accepted > 0 && refused > 0, "accepted {accepted}, refused {refused}");
    for cut in 0..zl.len() {
        assert!(keel::encoding::ziplist::Ziplist::from_bytes(zl[..cut].to_vec()).is_err(), "cut at {cut} accepted");
        checks::ziplist::check(&checks::input::with_len_prefix(&zl[..cut], &ops));
    }
}
