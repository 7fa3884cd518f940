//! Target `restore_payload`: `parse_payload`, then RESTORE of an accepted payload into a
//! server and commands on the key (the class of bugs Redis's corrupt-dump fuzzer finds).
//!
//! Input: `[mode][bytes...]`. Mode bit 0 set: the bytes are the payload as-is. Otherwise they
//! are the body (type byte + value) and the footer is appended with a correct CRC-64 and
//! RDB version `(mode >> 1) % 11`, so mutations reach the value decoders.
//!
//! Asserts: no panic anywhere; an accepted payload restores, every read on the key answers;
//! DUMP of the restored key restores again to the same DEBUG DIGEST-VALUE; a few writes and a
//! DEBUG RELOAD keep the server serving.

use keel::encoding::crc64::crc64;
use keel::rdb::dump::parse_payload;
use keel::resp::Frame;

use super::input::Input;
use super::sim_server::{quiet_config, SimServer};

pub fn check(data: &[u8]) {
    let mut input = Input::new(data);
    let mode = input.u8();
    let rest = input.rest();
    let payload = if mode & 1 == 1 { rest.to_vec() } else { with_footer(rest, u16::from(mode >> 1) % 11) };
    if parse_payload(&payload, b"k").is_err() {
        return;
    }
    let mut s = SimServer::start(quiet_config(), &[]);
    let reply = s.cmd(&[&b"RESTORE"[..], b"k", b"0", &payload]);
    if matches!(reply, Frame::Error(_)) {
        // Accepted by the parser but not by the engine (a type it does not hold): nothing
        // may have been created.
        assert_eq!(s.line("EXISTS k"), Frame::Integer(0), "{reply:?}");
        return;
    }
    assert_eq!(reply, Frame::Simple("OK".into()));
    let Frame::Simple(kind) = s.line("TYPE k") else { panic!("TYPE k after RESTORE") };
    let digest = s.line("DEBUG DIGEST-VALUE k");
    assert!(matches!(&digest, Frame::Array(d) if d.len() == 1), "DEBUG DIGEST-VALUE k: {digest:?}");
    s.line("OBJECT ENCODING k");
    reads(&mut s, &kind);
    let Frame::Bulk(dumped) = s.line("DUMP k") else { panic!("DUMP of an existing key") };
    assert_eq!(s.cmd(&[&b"RESTORE"[..], b"k2", b"0", &dumped]), Frame::Simple("OK".into()));
    assert_eq!(s.line("DEBUG DIGEST-VALUE k2"), digest, "DUMP/RESTORE changed the value");
    writes(&mut s, &kind);
    reads(&mut s, &kind);
    assert_eq!(s.line("DEBUG RELOAD"), Frame::Simple("OK".into()));
    reads(&mut s, &kind);
}

fn with_footer(body: &[u8], version: u16) -> Vec<u8> {
    let mut p = body.to_vec();
    p.extend_from_slice(&version.to_le_bytes());
    let crc = crc64(0, &p);
    p.extend_from_slice(&crc.to_le_bytes());
    p
}

fn reads(s: &mut SimServer, kind: &str) {
    let cmds: &[&str] = match kind {
        "string" => &["GET k", "STRLEN k", "GETRANGE k 1 -2"],
        "list" => &["LRANGE k 0 -1", "LLEN k", "LINDEX k -1", "LPOS k 1"],
        "set" => &["SMEMBERS k", "SCARD k", "SISMEMBER k 1", "SRANDMEMBER k -3"],
        "zset" => &["ZRANGE k 0 -1 WITHSCORES", "ZCARD k", "ZRANGEBYSCORE k -inf +inf", "ZSCORE k a"],
        "hash" => &["HGETALL k", "HLEN k", "HGET k a", "HKEYS k"],
        _ => &[],
    };
    for c in cmds {
        let reply = s.line(c);
        assert!(!matches!(&reply, Frame::Error(e) if e.starts_with("ERR")), "{c} -> {reply:?}");
    }
    s.line("DEBUG DIGEST-VALUE k");
}

fn writes(s: &mut SimServer, kind: &str) {
    let cmds: &[&str] = match kind {
        "string" => &["APPEND k x"],
        "list" => &["LPUSH k x", "RPOP k", "LINSERT k BEFORE x y"],
        "set" => &["SADD k 1 x", "SREM k 1"],
        "zset" => &["ZADD k 1 a", "ZREM k a", "ZINCRBY k 2 b"],
        "hash" => &["HSET k a 1", "HDEL k a", "HINCRBY k n 3"],
        _ => &[],
    };
    for c in cmds {
        s.line(c);
    }
}
