//! Files written by a real Redis 7.0.15 (`tests/fixtures/rdb/`, see the README there) load into
//! exactly the content Redis itself reports: per key, the type, whether it has a TTL and
//! `DEBUG DIGEST-VALUE` (recorded in `*.expected.txt` by `expected.sh` from a live
//! `redis-server`), streams included; the whole file's `DEBUG DIGEST` matches too.

use std::collections::BTreeSet;
use std::path::PathBuf;

use keel::rdb::startup::load_into;
use keel::rdb::{Event, LoadOptions, Parser, RdbError};

fn fixture(name: &str) -> Vec<u8> {
    let path = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/rdb").join(name);
    #[allow(clippy::disallowed_methods)] // test fixture, not engine I/O
    std::fs::read(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

/// `db<N> <key> <type> ttl=<yes|no> <digest>` for every key the loader returns, as Redis would
/// after loading as a master at `now` (already-expired keys dropped). `now: None` is the
/// file's `ctime`: `expected.sh` asked Redis right after the save, and judging by today's
/// clock would expire the keys with a relative TTL as the fixture ages.
fn keel_lines(buf: &[u8], now: Option<i64>) -> BTreeSet<String> {
    let mut p = Parser::new(buf, LoadOptions::default()).expect("valid header");
    let mut lines = BTreeSet::new();
    let fixed = now.is_some();
    let mut now = now.unwrap_or(i64::MIN);
    while let Some(ev) = p.next_event().expect("valid file") {
        match ev {
            Event::Aux { key, value, .. } if key == b"ctime" && !fixed => {
                let secs: i64 = String::from_utf8_lossy(&value).parse().expect("ctime is seconds");
                now = secs * 1000;
            }
            Event::Key(k) if k.expire_ms.is_none_or(|t| t >= now) => {
                let ttl = if k.expire_ms.is_some() { "yes" } else { "no" };
                let key = String::from_utf8_lossy(&k.key);
                lines.insert(format!("db{} {key} {} ttl={ttl} {}", k.db, k.value.type_name(), k.value.digest_hex(k.expire_ms.is_some())));
            }
            _ => {}
        }
    }
    lines
}

fn expected_lines(name: &str) -> BTreeSet<String> {
    let text = String::from_utf8(fixture(name)).expect("utf-8");
    text.lines().filter(|l| l.starts_with("db")).map(str::to_string).collect()
}

/// When `expected.sh` asked Redis: right after the save (the file's `ctime`), or long after it.
#[derive(Clone, Copy)]
enum AsOf {
    Saved,
    Now,
}

fn assert_same_content(rdb: &str, expected: &str, as_of: AsOf) {
    let now = match as_of {
        AsOf::Saved => None,
        AsOf::Now => Some(now_ms()),
    };
    let got = keel_lines(&fixture(rdb), now);
    let want = expected_lines(expected);
    let missing: Vec<_> = want.difference(&got).collect();
    let extra: Vec<_> = got.difference(&want).collect();
    assert!(missing.is_empty() && extra.is_empty(), "{rdb}: missing {missing:#?}\nunexpected {extra:#?}");
}

#[test]
fn all_types_sample_loads_with_the_digests_redis_reports() {
    assert_same_content("all-types.rdb", "all-types.expected.txt", AsOf::Saved);
}

#[test]
fn nocompress_sample_loads_with_the_digests_redis_reports() {
    assert_same_content("nocompress.rdb", "nocompress.expected.txt", AsOf::Saved);
}

#[test]
fn expired_keys_sample_keeps_only_the_live_key() {
    assert_same_content("expired-keys.rdb", "expired-keys.expected.txt", AsOf::Now);
}

#[test]
fn functions_sample_skips_the_library_and_loads_the_key() {
    assert_same_content("functions.rdb", "functions.expected.txt", AsOf::Now);
}

/// The stream of `nocompress.rdb` (type 19, a consumer group with a pending entry whose
/// stream entry was deleted) loads with its counters, group, PEL and consumer.
#[test]
fn stream_loads_with_its_group_pel_and_consumer() {
    use keel::types::stream::StreamId;
    let buf = fixture("nocompress.rdb");
    let mut p = Parser::new(&buf, LoadOptions::default()).expect("valid header");
    let st = loop {
        match p.next_event().expect("valid file") {
            Some(Event::Key(k)) if k.key == b"stream:s" => match k.value {
                keel::rdb::LoadedValue::Stream(st) => break st,
                other => panic!("stream:s loaded as {}", other.type_name()),
            },
            Some(_) => {}
            None => panic!("no stream:s"),
        }
    };
    let ids: Vec<String> = st.entries.keys().map(|id| id.to_string()).collect();
    assert_eq!(ids, ["1-1", "2-0"]);
    assert_eq!((st.last_id, st.max_deleted_id, st.entries_added), (StreamId::new(2, 0), StreamId::new(1, 2), 3));
    let g = &st.groups[&b"grp1"[..]];
    assert_eq!((g.last_id, g.entries_read), (StreamId::new(1, 2), 2));
    let pending: Vec<String> = g.pel.keys().map(|id| id.to_string()).collect();
    assert_eq!(pending, ["1-1", "1-2"], "1-2 stays pending after XDEL, as in Redis");
    let alice = &g.consumers[&b"alice"[..]];
    assert_eq!(alice.pel.len(), 2);
    assert!(g.pel.values().all(|n| n.consumer == b"alice" && n.delivery_count == 1));
}

/// Now, for the "already expired" decision of the string-only samples (their expiries are
/// either long past or far in the future, so the answer does not change as they age).
fn now_ms() -> i64 {
    use keel::env::Clock;
    keel::env::os_clock::OsClock::new().unix_ms()
}

fn keyspace() -> keel::keyspace::Keyspace {
    keel::keyspace::Keyspace::new(16, keel::env::Rng::new(7))
}

#[test]
fn engine_loads_the_string_only_samples_like_a_redis_master() {
    let mut ks = keyspace();
    let sum = load_into(&mut ks, &fixture("expired-keys.rdb"), LoadOptions::default(), Some(now_ms()), &mut |_| {}).expect("loads");
    assert_eq!((sum.keys_loaded, sum.keys_expired), (1, 2));
    assert_eq!(keel::digest_ks::dataset_digest(&ks), "cd7cceaf66209d415e7ab053471618a208c85b01");
    let mut ks = keyspace();
    let sum = load_into(&mut ks, &fixture("functions.rdb"), LoadOptions::default(), Some(now_ms()), &mut |_| {}).expect("loads");
    assert_eq!((sum.keys_loaded, sum.functions_skipped), (1, 1));
    assert_eq!(keel::digest_ks::dataset_digest(&ks), "34eee3a0c01d741cf8bc30883bcac96269c8e812");
}

/// The engine loads every type of the samples; the dataset digest is the one Redis reported.
#[test]
fn engine_loads_every_sample_with_the_dataset_digest_redis_reports() {
    for (rdb, expected) in [("all-types.rdb", "all-types.expected.txt"), ("nocompress.rdb", "nocompress.expected.txt")] {
        let buf = fixture(rdb);
        let ctime = keel::rdb::check::check(&buf, rdb, 0).aux.iter().find(|(k, _)| k == "ctime").map(|(_, v)| v.parse::<i64>().expect("seconds"));
        let mut ks = keyspace();
        load_into(&mut ks, &buf, LoadOptions::default(), ctime.map(|s| s * 1000), &mut |_| {}).expect("loads");
        let text = String::from_utf8(fixture(expected)).expect("utf-8");
        let want = text.lines().find_map(|l| l.strip_prefix("digest ")).expect("digest line");
        assert_eq!(keel::digest_ks::dataset_digest(&ks), want, "{rdb}");
    }
}

#[test]
fn check_report_counts_keys_expires_and_types() {
    let rep = keel::rdb::check::check(&fixture("nocompress.rdb"), "nocompress.rdb", now_ms());
    assert!(rep.is_ok(), "{}", rep.render());
    assert_eq!(rep.keys(), 34);
    assert_eq!(rep.version, 10);
    assert!(rep.checksum_ok);
    assert_eq!(rep.aux.iter().find(|(k, _)| k == "redis-ver").map(|(_, v)| v.as_str()), Some("7.0.15"));
    assert_eq!(rep.dbs[&0].by_type.get("stream"), Some(&1));
    assert_eq!(rep.dbs[&0].expires, 4);
    let rep = keel::rdb::check::check(&fixture("expired-keys.rdb"), "expired-keys.rdb", now_ms());
    assert_eq!(rep.dbs[&0].already_expired, 2);
    let mut bad = fixture("expired-keys.rdb");
    bad.truncate(100);
    let rep = keel::rdb::check::check(&bad, "cut.rdb", now_ms());
    assert!(matches!(rep.error, Some(RdbError::Truncated { .. })), "{}", rep.render());
    assert!(rep.render().contains("RDB ERROR DETECTED"));
}
