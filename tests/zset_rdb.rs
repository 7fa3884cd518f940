//! Sorted sets through RDB: Keel's snapshot of zsets in both encodings (ziplist and
//! skiplist, with `inf`, `-0`, integer and `%.17g` scores, 64/65-byte members, 128/129
//! entries) loads back into Keel with the same digest, encodings and pairs, and Debian's
//! redis-server 7.0 loads the file Keel saved with the same `DEBUG DIGEST` (SKIP without it).
#![allow(clippy::disallowed_methods, clippy::disallowed_types)] // drives real processes and files

mod support;

use keel::object::{Entry, Value};
use keel::rdb::save::{snapshot_bytes, Header};
use keel::rdb::startup::load_into;
use keel::rdb::LoadOptions;
use keel::resp::Frame;
use keel::types::zset::ZSet;
use keel::types::TypeLimits;

const HEADER: Header = Header { ctime_s: 1_700_000_000, used_mem: 0, aof_preamble: false };

#[allow(clippy::type_complexity)]
fn sample_sets() -> Vec<(Vec<u8>, Vec<(Vec<u8>, f64)>)> {
    let scores = [0.0, -0.0, 1.5, f64::INFINITY, f64::NEG_INFINITY, 1e17, 0.1, -3.0, 1e300];
    let small: Vec<(Vec<u8>, f64)> = scores.iter().enumerate().map(|(i, s)| (format!("m{i}").into_bytes(), *s)).collect();
    let sized = |n: usize| (0..n).map(|i| (format!("e{i}").into_bytes(), (i % 10) as f64 / 4.0)).collect::<Vec<_>>();
    let mut long = small.clone();
    long.push((vec![b'x'; 65], 2.0));
    let mut edge = small.clone();
    edge.push((vec![b'y'; 64], 2.0));
    edge.push((b"12345".to_vec(), -0.0));
    vec![
        (b"small".to_vec(), small),
        (b"n128".to_vec(), sized(128)),
        (b"n129".to_vec(), sized(129)),
        (b"long65".to_vec(), long),
        (b"edge64".to_vec(), edge),
    ]
}

fn pairs(z: &ZSet) -> Vec<(Vec<u8>, u64)> {
    let mut v = Vec::new();
    z.for_each(&mut |m, s| v.push((m.to_vec(), s.to_bits())));
    v
}

#[test]
fn zsets_of_both_encodings_survive_save_and_load() {
    let mut ks = keel::keyspace::Keyspace::new(2, keel::env::Rng::new(3));
    let limits = TypeLimits::default();
    for (key, items) in sample_sets() {
        let z = ZSet::from_items(items, &limits, &mut ks.rng);
        ks.dbs[0].insert(&key, Entry { value: Value::ZSet(z), lru: 0 });
    }
    let enc = |ks: &keel::keyspace::Keyspace, k: &[u8]| ks.dbs[0].dict.get(k).map(|e| e.value.encoding_name());
    assert_eq!(enc(&ks, b"n128"), Some("ziplist"));
    assert_eq!(enc(&ks, b"n129"), Some("skiplist"));
    assert_eq!(enc(&ks, b"long65"), Some("skiplist"));
    assert_eq!(enc(&ks, b"edge64"), Some("ziplist"));
    for compress in [false, true] {
        let file = snapshot_bytes(&ks.dbs, &HEADER, compress, true);
        let mut back = keel::keyspace::Keyspace::new(2, keel::env::Rng::new(9));
        load_into(&mut back, &file, LoadOptions::default(), None, &mut |_| {}).expect("own file loads");
        assert_eq!(keel::digest_ks::dataset_digest(&back), keel::digest_ks::dataset_digest(&ks));
        for (key, _) in sample_sets() {
            let (Some(a), Some(b)) = (ks.dbs[0].dict.get(&key[..]), back.dbs[0].dict.get(&key[..])) else { panic!("key lost") };
            let (Value::ZSet(za), Value::ZSet(zb)) = (&a.value, &b.value) else { panic!("type changed") };
            assert_eq!(za.encoding_name(), zb.encoding_name(), "{}", String::from_utf8_lossy(&key));
            assert_eq!(pairs(za), pairs(zb), "{}", String::from_utf8_lossy(&key));
        }
    }
}

#[test]
fn redis_server_loads_keel_zsets_with_the_same_digest() {
    if !support::redis_available() {
        eprintln!("SKIP: redis-server not installed; zset RDB compatibility not checked");
        return;
    }
    let keel = support::start_keel(&[]);
    let mut k = support::Client::connect(keel.port);
    for (key, items) in sample_sets() {
        let mut cmd: Vec<Vec<u8>> = vec![b"ZADD".to_vec(), key];
        for (m, s) in items {
            cmd.push(keel::util::number::d2string(s).into_bytes());
            cmd.push(m);
        }
        let args: Vec<&[u8]> = cmd.iter().map(Vec::as_slice).collect();
        assert!(matches!(k.cmd(&args), Frame::Integer(_)));
    }
    assert_eq!(k.cmd_str("SAVE"), Frame::Simple("OK".into()));
    let digest = k.cmd_str("DEBUG DIGEST");
    let file = std::fs::read(keel.dir.path().join("dump.rdb")).expect("keel wrote dump.rdb");
    let redis = support::start_redis(&[]);
    std::fs::write(redis.dir.path().join("dump.rdb"), &file).expect("copy dump.rdb");
    let mut r = support::Client::connect(redis.port);
    assert_eq!(r.cmd_str("DEBUG RELOAD NOSAVE"), Frame::Simple("OK".into()));
    assert_eq!(r.cmd_str("DEBUG DIGEST"), digest);
    assert_eq!(r.cmd_str("ZSCORE long65 m1"), k.cmd_str("ZSCORE long65 m1"));
    assert_eq!(r.cmd_str("ZCARD n129"), Frame::Integer(129));
}
