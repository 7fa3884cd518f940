//! Hashes and sets in RDB files: every encoding (ziplist and hashtable hashes at 128/129 pairs
//! and 64/65-byte values; intset and hashtable sets at 512/513 members and with strings)
//! survives Keel's own SAVE + `DEBUG RELOAD` with the same `DEBUG DIGEST` and encodings, and
//! Debian's `redis-server` 7.0 loads Keel's file with the same digest and per-key
//! `DEBUG DIGEST-VALUE` (encodings mapped: ziplist → listpack). The Redis half prints SKIP
//! when `redis-server` is not installed.
#![allow(clippy::disallowed_methods, clippy::disallowed_types)] // drives real processes and files

mod support;

use keel::resp::Frame;
use support::{redis_available, start_keel, start_redis, Client};

const LIMITS: [&str; 6] = ["--hash-max-ziplist-entries", "128", "--hash-max-ziplist-value", "64", "--set-max-intset-entries", "512"];

/// (key, expected Keel encoding) of the dataset built by [`fill`].
const KEYS: [(&str, &str); 8] = [
    ("h128", "ziplist"),
    ("h129", "hashtable"),
    ("h64", "ziplist"),
    ("h65", "hashtable"),
    ("s512", "intset"),
    ("s513", "hashtable"),
    ("s-str", "hashtable"),
    ("s-neg", "intset"),
];

fn cmd(c: &mut Client, args: &[Vec<u8>]) -> Frame {
    c.cmd(&args.iter().map(Vec::as_slice).collect::<Vec<_>>())
}

fn fill(c: &mut Client) {
    for (key, n) in [("h128", 128), ("h129", 129)] {
        let mut a = vec![b"HSET".to_vec(), key.as_bytes().to_vec()];
        for i in 0..n {
            a.extend([format!("field{i}").into_bytes(), format!("{}", i * 1000 - 7).into_bytes()]);
        }
        cmd(c, &a);
    }
    cmd(c, &[b"HSET".to_vec(), b"h64".to_vec(), b"f".to_vec(), vec![b'x'; 64], b"n".to_vec(), b"-12".to_vec()]);
    cmd(c, &[b"HSET".to_vec(), b"h65".to_vec(), b"f".to_vec(), vec![b'x'; 65]]);
    for (key, n) in [("s512", 512), ("s513", 513)] {
        let mut a = vec![b"SADD".to_vec(), key.as_bytes().to_vec()];
        a.extend((0..n).map(|i: i64| (i * 70_000 - 1).to_string().into_bytes()));
        cmd(c, &a);
    }
    cmd(c, &[b"SADD".to_vec(), b"s-str".to_vec(), b"1".to_vec(), b"member".to_vec(), b"007".to_vec()]);
    cmd(c, &[b"SADD".to_vec(), b"s-neg".to_vec(), b"-9223372036854775808".to_vec(), b"5".to_vec()]);
}

fn digests(c: &mut Client) -> Vec<Frame> {
    let mut out = vec![c.cmd_str("DEBUG DIGEST")];
    out.extend(KEYS.iter().map(|(k, _)| c.cmd(&[b"DEBUG", b"DIGEST-VALUE", k.as_bytes()])));
    out
}

fn encodings(c: &mut Client) -> Vec<String> {
    KEYS.iter()
        .map(|(k, _)| match c.cmd(&[b"OBJECT", b"ENCODING", k.as_bytes()]) {
            Frame::Bulk(e) => String::from_utf8_lossy(&e).replace("listpack", "ziplist"),
            other => format!("{other:?}"),
        })
        .collect()
}

#[test]
fn hashes_and_sets_survive_save_and_reload_and_load_in_redis() {
    let keel = start_keel(&LIMITS);
    let mut k = Client::connect(keel.port);
    fill(&mut k);
    let want_enc: Vec<String> = KEYS.iter().map(|(_, e)| e.to_string()).collect();
    assert_eq!(encodings(&mut k), want_enc);
    let before = digests(&mut k);
    assert_eq!(k.cmd_str("DEBUG RELOAD"), Frame::Simple("OK".into()));
    assert_eq!(digests(&mut k), before, "digests after Keel's own save + load");
    assert_eq!(encodings(&mut k), want_enc, "encodings after Keel's own save + load");

    if !redis_available() {
        eprintln!("SKIP: redis-server not installed; Redis half of the hash/set RDB test not run");
        return;
    }
    assert_eq!(k.cmd_str("SAVE"), Frame::Simple("OK".into()));
    let file = std::fs::read(keel.dir.path().join("dump.rdb")).expect("Keel wrote dump.rdb");
    let redis = start_redis(&LIMITS);
    std::fs::write(redis.dir.path().join("dump.rdb"), &file).expect("copy dump.rdb");
    let mut r = Client::connect(redis.port);
    assert_eq!(r.cmd_str("DEBUG RELOAD NOSAVE"), Frame::Simple("OK".into()), "redis-server refused Keel's file");
    assert_eq!(digests(&mut r), before, "Redis's digests of Keel's file");
    assert_eq!(encodings(&mut r), want_enc, "Redis's encodings of Keel's file");
}
