//! Files Keel writes are files Redis reads: Debian's `redis-server` 7.0 loads them (`DEBUG RELOAD
//! NOSAVE` after copying the file in) with the same `DEBUG DIGEST` / `DEBUG DIGEST-VALUE` Keel
//! computes, and `redis-check-rdb` accepts them. Also the other direction for encodings the
//! writer does not produce: hand-built files with zipmap, LIST_ZIPLIST, text-score ZSET and the
//! Redis 7 listpack types load in Redis with the digests Keel's loader computes.
//!
//! The Redis parts print a notice and pass when `redis-server` is not installed.
#![allow(clippy::disallowed_methods, clippy::disallowed_types)] // drives real processes and files

mod rdb_files;
mod support;

use std::process::Command;

use keel::config::Config;
use keel::env::Env;
use keel::object::{Entry, Str, Value};
use keel::rdb::{Event, LoadOptions, LoadedValue, Parser};
use keel::resp::Frame;
use keel::server::Server;

fn redis_or_skip() -> bool {
    let ok = support::redis_available();
    if !ok {
        eprintln!("NOTICE: redis-server not installed; skipping the Redis half of this test");
    }
    ok
}

fn text(f: Frame) -> String {
    match f {
        Frame::Simple(s) => s,
        Frame::Bulk(b) => String::from_utf8_lossy(&b).into_owned(),
        other => format!("{other:?}"),
    }
}

/// Load `file` into a fresh redis-server; returns the running server and a client.
fn redis_with(file: &[u8]) -> (support::ServerProcess, support::Client) {
    let srv = support::start_redis(&[]);
    std::fs::write(srv.dir.path().join("dump.rdb"), file).expect("write dump.rdb");
    let mut c = support::Client::connect(srv.port);
    let reply = c.cmd_str("DEBUG RELOAD NOSAVE");
    assert_eq!(reply, Frame::Simple("OK".into()), "redis refused the file");
    (srv, c)
}

fn redis_check_rdb_accepts(file: &[u8]) {
    let dir = tempfile::tempdir().expect("tempdir");
    let path = dir.path().join("keel.rdb");
    std::fs::write(&path, file).expect("write");
    let out = Command::new("redis-check-rdb").arg(&path).output().expect("run redis-check-rdb");
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(out.status.success() && stdout.contains("RDB looks OK"), "redis-check-rdb:\n{stdout}");
}

/// A server on the real file system in a temp dir, with a dataset of strings of every shape.
fn keel_server_with_strings(dir: &std::path::Path) -> Server {
    let config = Config { dir: dir.to_string_lossy().into_owned(), save_points: vec![], ..Config::default() };
    let mut s = Server::new(Env::os(), config);
    let far = 4_102_444_800_000; // 2100-01-01
    let values: Vec<Vec<u8>> = vec![
        b"12".to_vec(),
        b"-100".to_vec(),
        b"1000".to_vec(),
        b"100000".to_vec(),
        b"12345678901234".to_vec(),
        b"-9223372036854775808".to_vec(),
        b"007".to_vec(),
        Vec::new(),
        vec![0, 1, 0xfe, 0xff, b'\r', b'\n'],
        vec![b'a'; 200],
        (0..5000u32).map(|i| (i * 7 % 251) as u8).collect(),
        b"hello world".to_vec(),
    ];
    for (i, v) in values.iter().enumerate() {
        let db = if i % 4 == 3 { 2 } else { 0 };
        let key = format!("key:{i}").into_bytes();
        let entry = Entry { value: Value::Str(Str::from_bytes(v)), lru: 0 };
        s.ks.dbs[db].insert(&key, entry);
        if i % 3 == 0 {
            s.ks.dbs[db].set_expire(&key, far + i as i64);
        }
    }
    s
}

#[test]
fn keel_snapshot_of_strings_loads_in_redis_with_the_same_digest() {
    let dir = tempfile::tempdir().expect("tempdir");
    let mut s = keel_server_with_strings(dir.path());
    let keel_digest = keel::digest_ks::dataset_digest(&s.ks);
    keel::rdb::save_sync(&mut s).expect("SAVE");
    assert_eq!(s.ks.dirty, 0);
    let file = std::fs::read(dir.path().join("dump.rdb")).expect("dump.rdb written");
    assert_eq!(&file[..9], b"REDIS0009");
    assert!(std::fs::read_dir(dir.path()).expect("list").all(|e| !e.expect("entry").file_name().to_string_lossy().starts_with("temp-")));

    // Keel reads its own file back to the same content.
    let config = Config { dir: dir.path().to_string_lossy().into_owned(), ..Config::default() };
    let mut again = Server::new(Env::os(), config);
    keel::rdb::startup_load(&mut again);
    assert_eq!(again.rdb.load_error, None);
    assert_eq!(keel::digest_ks::dataset_digest(&again.ks), keel_digest);

    if !redis_or_skip() {
        return;
    }
    redis_check_rdb_accepts(&file);
    let (_srv, mut c) = redis_with(&file);
    assert_eq!(text(c.cmd_str("DEBUG DIGEST")), keel_digest);
    assert_eq!(c.cmd_str("DBSIZE"), Frame::Integer(s.ks.dbs[0].len() as i64));
}

/// Per-key digests of `keys` must match what Redis computes after loading `file`.
fn assert_redis_digests(file: &[u8], keys: &[(Vec<u8>, LoadedValue, bool)]) {
    let (_srv, mut c) = redis_with(file);
    for (key, value, has_ttl) in keys {
        let got = c.cmd(&[b"DEBUG", b"DIGEST-VALUE", key]);
        let got = match got {
            Frame::Array(items) => items.into_iter().map(text).next().unwrap_or_default(),
            other => text(other),
        };
        assert_eq!(got, value.digest_hex(*has_ttl), "key {}", String::from_utf8_lossy(key));
        let t = text(c.cmd(&[b"TYPE", key]));
        assert_eq!(t, value.type_name(), "type of {}", String::from_utf8_lossy(key));
    }
}

fn loaded(file: &[u8]) -> Vec<(Vec<u8>, LoadedValue, bool)> {
    let mut p = Parser::new(file, LoadOptions::default()).expect("header");
    let mut out = Vec::new();
    while let Some(ev) = p.next_event().expect("valid") {
        if let Event::Key(k) = ev {
            out.push((k.key, k.value, k.expire_ms.is_some()));
        }
    }
    out
}

#[test]
fn hand_built_file_with_every_encoding_loads_to_the_expected_values() {
    let keys = rdb_files::every_encoding_keys();
    for version in [6, 9, 10] {
        let file = rdb_files::raw_file(version, &keys);
        let got = loaded(&file);
        assert_eq!(got.len(), keys.len());
        for ((k, v, _), want) in got.iter().zip(&keys) {
            assert_eq!(k, &want.key, "version {version}");
            // Digests: element order matters for lists only, as in Redis.
            assert_eq!(v.digest_hex(false), want.expect.digest_hex(false), "{} version {version}: {v:?}", String::from_utf8_lossy(k));
        }
    }
    if !redis_or_skip() {
        return;
    }
    for version in [6, 9, 10] {
        let file = rdb_files::raw_file(version, &keys);
        assert_redis_digests(&file, &loaded(&file));
    }
}

/// `n` entries over three nodes' worth of IDs (fields shared or not), one deleted, and a
/// group with two consumers and pending entries.
fn stream_with_group(n: u64) -> keel::types::stream::Stream {
    use keel::types::stream::{Group, Stream, StreamId};
    let mut st = Stream::default();
    for i in 0..n {
        let fields = if i % 4 == 0 { vec![b"other".to_vec(), i.to_string().into_bytes()] } else { vec![b"f".to_vec(), vec![b'v'; (i % 90) as usize]] };
        st.append(StreamId::new(1_700_000_000_000 + i / 3, i % 3), fields);
    }
    st.delete(StreamId::new(1_700_000_000_001, 1));
    let mut g = Group::new(StreamId::new(1_700_000_000_010, 0), 31);
    g.consumer_or_create(b"alice", 5);
    g.consumer_or_create(b"bob", 6);
    g.assign(StreamId::new(1_700_000_000_002, 0), b"alice", 1_700_000_000_100, 3);
    g.assign(StreamId::new(1_700_000_000_003, 2), b"bob", 1_700_000_000_200, 1);
    st.groups.insert(b"grp".to_vec(), g);
    st
}

#[test]
fn keel_writer_output_for_every_type_loads_in_redis_with_the_same_digests() {
    let big: Vec<Vec<u8>> = (0..1500).map(|i| format!("member-{i}").into_bytes()).collect();
    let far = Some(4_102_444_800_000);
    let keys: Vec<(Vec<u8>, LoadedValue, Option<i64>)> = vec![
        (b"list:big".to_vec(), LoadedValue::List(big.clone()), None),
        (b"list:small".to_vec(), LoadedValue::List(vec![b"1".to_vec(), b"x".to_vec()]), far),
        (b"set:big".to_vec(), LoadedValue::Set(big.clone()), None),
        (b"set:ints".to_vec(), LoadedValue::Set((0..600).map(|i| (i * 3).to_string().into_bytes()).collect()), None),
        (b"set:intset".to_vec(), LoadedValue::Set(vec![b"5".to_vec(), b"-70000".to_vec()]), None),
        (b"hash:big".to_vec(), LoadedValue::Hash(big.iter().map(|m| (m.clone(), m.clone())).collect()), None),
        (b"hash:small".to_vec(), LoadedValue::Hash(vec![(b"f".to_vec(), b"1".to_vec())]), far),
        (b"zset:big".to_vec(), LoadedValue::ZSet(big.iter().enumerate().map(|(i, m)| (m.clone(), i as f64 * 0.5 - 100.0)).collect()), None),
        (b"zset:small".to_vec(), LoadedValue::ZSet(vec![(b"a".to_vec(), 1e300), (b"b".to_vec(), f64::INFINITY), (b"c".to_vec(), -0.125)]), None),
        (b"str".to_vec(), LoadedValue::Str(vec![b'q'; 1000]), None),
        (b"stream:big".to_vec(), LoadedValue::Stream(Box::new(stream_with_group(250))), None),
        (b"stream:empty".to_vec(), LoadedValue::Stream(Box::default()), far),
    ];
    for compress in [true, false] {
        let file = rdb_files::writer_file(&keys, compress);
        let back = loaded(&file);
        assert_eq!(back.len(), keys.len());
        for ((k, v, ttl), (wk, wv, wexp)) in back.iter().zip(&keys) {
            assert_eq!((k, ttl), (wk, &wexp.is_some()));
            assert_eq!(v.digest_hex(*ttl), wv.digest_hex(wexp.is_some()), "{}", String::from_utf8_lossy(k));
        }
        if let Some((_, LoadedValue::Stream(st), _)) = back.iter().find(|(k, _, _)| k == b"stream:big") {
            let want = stream_with_group(250);
            assert_eq!((&st.entries, st.last_id, &st.groups[&b"grp"[..]].pel), (&want.entries, want.last_id, &want.groups[&b"grp"[..]].pel));
        }
        if redis_or_skip() {
            redis_check_rdb_accepts(&file);
            assert_redis_digests(&file, &back);
            let (_srv, mut c) = redis_with(&file);
            let Frame::Array(rows) = c.cmd_str("XPENDING stream:big grp - + 10") else { panic!("XPENDING replies an array") };
            let rows: Vec<(Frame, Frame, Frame)> = rows
                .into_iter()
                .map(|r| match r {
                    Frame::Array(cols) if cols.len() == 4 => (cols[0].clone(), cols[1].clone(), cols[3].clone()),
                    other => panic!("{other:?}"),
                })
                .collect();
            let row = |id: &str, who: &str, n: i64| (Frame::Bulk(id.into()), Frame::Bulk(who.into()), Frame::Integer(n));
            assert_eq!(rows, vec![row("1700000000002-0", "alice", 3), row("1700000000003-2", "bob", 1)]);
        }
    }
}
