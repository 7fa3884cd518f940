//! DUMP / RESTORE between Keel and Debian's redis-server in both directions: a payload one
//! writes, the other restores to the same `DEBUG DIGEST-VALUE`; error replies are identical.
//! Also DEBUG RELOAD keeps the dataset. Skipped with a notice without redis-server.
#![allow(clippy::disallowed_methods, clippy::disallowed_types)] // drives real processes

mod support;

use keel::resp::Frame;
use support::{redis_available, start_keel, start_redis, Client};

fn values() -> Vec<Vec<u8>> {
    vec![
        b"bar".to_vec(),
        b"12".to_vec(),
        b"-70000".to_vec(),
        b"4294967297".to_vec(),
        Vec::new(),
        vec![b'z'; 5000],
        (0..=255u8).collect(),
    ]
}

fn digest(c: &mut Client, key: &[u8]) -> Frame {
    c.cmd(&[b"DEBUG", b"DIGEST-VALUE", key])
}

#[test]
fn payloads_move_both_ways_between_keel_and_redis() {
    if !redis_available() {
        eprintln!("SKIP: redis-server not installed; DUMP/RESTORE compatibility not checked");
        return;
    }
    let (ks, rs) = (start_keel(&[]), start_redis(&[]));
    let mut clients = [Client::connect(ks.port), Client::connect(rs.port)];
    for (i, v) in values().iter().enumerate() {
        let key = format!("key:{i}");
        let key = key.as_bytes();
        for (from, to) in [(0, 1), (1, 0)] {
            assert_eq!(clients[from].cmd(&[b"SET", key, v]), Frame::Simple("OK".into()));
            let Frame::Bulk(payload) = clients[from].cmd(&[b"DUMP", key]) else { panic!("DUMP of {key:?}") };
            assert_eq!(clients[to].cmd(&[b"RESTORE", key, b"0", &payload, b"REPLACE"]), Frame::Simple("OK".into()));
            let (a, b) = (digest(&mut clients[from], key), digest(&mut clients[to], key));
            assert_eq!(a, b, "value {i} from {from} to {to}");
        }
    }
}

/// A stream with a consumer group and pending entries: Keel's payload (type 15) restores in
/// Redis and Redis's (type 19) in Keel, with the same entries and the same pending list.
#[test]
fn stream_payloads_move_both_ways_with_their_groups() {
    if !redis_available() {
        eprintln!("SKIP: redis-server not installed; stream DUMP/RESTORE not checked");
        return;
    }
    let (ks, rs) = (start_keel(&[]), start_redis(&[]));
    let mut clients = [Client::connect(ks.port), Client::connect(rs.port)];
    for c in clients.iter_mut() {
        for line in ["XADD s 1-1 a 1 b 2", "XADD s 2-1 a 3 b 4", "XADD s 3-0 z 9", "XDEL s 2-1", "XGROUP CREATE s g 0", "XREADGROUP GROUP g c COUNT 2 STREAMS s >"] {
            assert!(!matches!(c.cmd_str(line), Frame::Error(_)), "{line}");
        }
    }
    for (from, to) in [(0, 1), (1, 0)] {
        let Frame::Bulk(payload) = clients[from].cmd(&[b"DUMP", b"s"]) else { panic!("DUMP of a stream") };
        assert_eq!(clients[to].cmd(&[b"RESTORE", b"copy", b"0", &payload, b"REPLACE"]), Frame::Simple("OK".into()));
        for q in ["XRANGE copy - +", "XPENDING copy g", "XLEN copy"] {
            let original = clients[from].cmd_str(&q.replace("copy", "s"));
            assert_eq!(clients[to].cmd_str(q), original, "{q} from {from} to {to}");
        }
    }
}

#[test]
fn restore_errors_match_redis() {
    if !redis_available() {
        eprintln!("SKIP: redis-server not installed; RESTORE error texts not compared");
        return;
    }
    let (ks, rs) = (start_keel(&[]), start_redis(&[]));
    let (mut k, mut r) = (Client::connect(ks.port), Client::connect(rs.port));
    let Frame::Bulk(good) = ({
        r.cmd(&[b"SET", b"src", b"hello"]);
        r.cmd(&[b"DUMP", b"src"])
    }) else {
        panic!("DUMP")
    };
    let mut bad = good.clone();
    bad[1] ^= 0x40;
    let cases: Vec<Vec<&[u8]>> = vec![
        vec![b"RESTORE", b"src", b"0", &good],
        vec![b"RESTORE", b"new", b"-1", &good],
        vec![b"RESTORE", b"new", b"x", &good],
        vec![b"RESTORE", b"new", b"0", &bad],
        vec![b"RESTORE", b"new", b"0", b"garbage"],
        vec![b"RESTORE", b"new", b"0", &good, b"IDLETIME", b"-1"],
        vec![b"RESTORE", b"new", b"0", &good, b"FREQ", b"300"],
        vec![b"RESTORE", b"new", b"0", &good, b"BOGUS"],
        vec![b"RESTORE", b"new2", b"1", &good, b"ABSTTL"],
        vec![b"EXISTS", b"new2"],
    ];
    k.cmd(&[b"SET", b"src", b"hello"]);
    for case in cases {
        assert_eq!(k.cmd(&case), r.cmd(&case), "{:?}", String::from_utf8_lossy(case[0]));
    }
}

#[test]
fn debug_reload_keeps_the_dataset() {
    let ks = start_keel(&[]);
    let mut k = Client::connect(ks.port);
    for i in 0..100 {
        k.cmd_str(&format!("SET key:{i} value:{i}"));
    }
    k.cmd_str("EXPIRE key:1 1000");
    let before = k.cmd_str("DEBUG DIGEST");
    assert_eq!(k.cmd_str("DEBUG RELOAD"), Frame::Simple("OK".into()));
    assert_eq!(k.cmd_str("DEBUG DIGEST"), before);
    assert_eq!(k.cmd_str("DBSIZE"), Frame::Integer(100));
}
