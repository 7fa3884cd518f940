//! Lists through RDB: quicklist values of every shape (integers and strings, one node and many,
//! LZF-compressed interior nodes) survive Keel's writer and loader with the same elements and
//! the same DEBUG DIGEST, and Debian's redis-server 7.0 loads Keel's file with the same
//! per-key `DEBUG DIGEST-VALUE` (the Redis half is skipped when redis-server is absent).
#![allow(clippy::disallowed_methods, clippy::disallowed_types)] // writes files for redis-server

mod support;

use keel::object::{Entry, Value};
use keel::rdb::save::{snapshot_bytes, Header};
use keel::rdb::startup::load_into;
use keel::rdb::LoadOptions;
use keel::resp::Frame;
use keel::types::list::List;
use keel::types::TypeLimits;

const HEADER: Header = Header { ctime_s: 1_700_000_000, used_mem: 0, aof_preamble: false };

fn items(n: usize, shape: usize) -> Vec<Vec<u8>> {
    (0..n)
        .map(|i| match (i + shape) % 5 {
            0 => (i as i64 * 7919 - 50_000).to_string().into_bytes(),
            1 => i64::MIN.to_string().into_bytes(),
            2 => format!("element-{i}-{}", "x".repeat(i % 80)).into_bytes(),
            3 => Vec::new(),
            _ => vec![b'a' + (i % 26) as u8; 300],
        })
        .collect()
}

/// Keys `l0..`: lists of 1, 127, 128, 129 and 2000 elements, built under `limits`.
fn keyspace_with_lists(limits: &TypeLimits) -> keel::keyspace::Keyspace {
    let mut ks = keel::keyspace::Keyspace::new(4, keel::env::Rng::new(1));
    for (i, n) in [1usize, 127, 128, 129, 2000].into_iter().enumerate() {
        let list = List::from_items(items(n, i), limits);
        ks.dbs[0].insert(format!("l{i}").as_bytes(), Entry { value: Value::List(Box::new(list)), lru: 0 });
    }
    ks
}

fn contents(ks: &keel::keyspace::Keyspace, key: &str) -> Vec<Vec<u8>> {
    let mut out = Vec::new();
    if let Some(keel::object::Stored { value: Value::List(l) }) = ks.dbs[0].dict.get(key.as_bytes()) {
        l.for_each(&mut |e| out.push(e.to_vec()));
    }
    out
}

fn limit_sets() -> [TypeLimits; 3] {
    let d = TypeLimits::default();
    [d, TypeLimits { list_max_ziplist_size: 4, list_compress_depth: 1, ..d }, TypeLimits { list_max_ziplist_size: -1, list_compress_depth: 2, ..d }]
}

#[test]
fn lists_survive_save_and_load_with_the_same_elements_and_digest() {
    for limits in limit_sets() {
        let ks = keyspace_with_lists(&limits);
        for compress in [false, true] {
            let file = snapshot_bytes(&ks.dbs, &HEADER, compress, true);
            let mut back = keel::keyspace::Keyspace::new(4, keel::env::Rng::new(1));
            load_into(&mut back, &file, LoadOptions::default(), None, &mut |_| {}).expect("own file loads");
            assert_eq!(keel::digest_ks::dataset_digest(&back), keel::digest_ks::dataset_digest(&ks));
            for i in 0..5 {
                let key = format!("l{i}");
                assert_eq!(contents(&back, &key), contents(&ks, &key), "{key} under {limits:?}");
            }
        }
    }
}

#[test]
fn redis_server_loads_keel_lists_with_the_same_digests() {
    if !support::redis_available() {
        eprintln!("SKIP: redis-server not installed; the Redis half of the list RDB test not run");
        return;
    }
    for limits in limit_sets() {
        let ks = keyspace_with_lists(&limits);
        let file = snapshot_bytes(&ks.dbs, &HEADER, true, true);
        let srv = support::start_redis(&[]);
        std::fs::write(srv.dir.path().join("dump.rdb"), &file).expect("write dump.rdb");
        let mut c = support::Client::connect(srv.port);
        assert_eq!(c.cmd_str("DEBUG RELOAD NOSAVE"), Frame::Simple("OK".into()), "redis refused the file");
        for i in 0..5 {
            let key = format!("l{i}");
            let Some(entry) = ks.dbs[0].dict.get(key.as_bytes()) else { panic!("{key} missing") };
            let want = keel::rdb::LoadedValue::from_engine(&entry.value).digest_hex(false);
            let got = match c.cmd_str(&format!("DEBUG DIGEST-VALUE {key}")) {
                Frame::Array(v) => v.into_iter().next(),
                other => panic!("DEBUG DIGEST-VALUE: {other:?}"),
            };
            assert_eq!(got, Some(Frame::Simple(want)), "{key} under {limits:?}");
            let len = contents(&ks, &key).len() as i64;
            assert_eq!(c.cmd_str(&format!("LLEN {key}")), Frame::Integer(len));
        }
    }
}
