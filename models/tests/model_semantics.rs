//! Unit tests of the model's trickier Redis 7.0 semantics. Expected replies were checked
//! against `redis-server` 7.0.15.

use keel_models::{Model, Reply};

const NOW: i64 = 1_700_000_000_000;

fn argv(cmd: &str) -> Vec<Vec<u8>> {
    cmd.split(' ').map(|s| s.as_bytes().to_vec()).collect()
}

fn run(m: &mut Model, cmd: &str) -> Reply {
    m.apply(0, &argv(cmd), NOW)
}

fn bulk(s: &str) -> Reply {
    Reply::Bulk(s.as_bytes().to_vec())
}

fn err(s: &str) -> Reply {
    Reply::Error(s.to_string())
}

const WRONGTYPE: &str = "WRONGTYPE Operation against a key holding the wrong kind of value";

#[test]
fn set_get_on_a_list_fails_with_wrongtype_and_keeps_the_list() {
    let mut m = Model::new();
    run(&mut m, "RPUSH l a");
    assert_eq!(run(&mut m, "SET l x GET"), err(WRONGTYPE));
    assert_eq!(run(&mut m, "TYPE l"), Reply::Simple("list".into()));
    assert_eq!(run(&mut m, "SET s old"), Reply::ok());
    assert_eq!(run(&mut m, "SET s new GET"), bulk("old"));
    assert_eq!(run(&mut m, "SET nokey v GET"), Reply::Nil);
}

#[test]
fn set_keepttl_keeps_the_expire_time_and_plain_set_drops_it() {
    let mut m = Model::new();
    run(&mut m, "SET k v PX 5000");
    assert_eq!(run(&mut m, "SET k w KEEPTTL"), Reply::ok());
    assert_eq!(run(&mut m, "PTTL k"), Reply::Int(5000));
    run(&mut m, "SET k z");
    assert_eq!(run(&mut m, "PTTL k"), Reply::Int(-1));
    assert_eq!(
        run(&mut m, "SET k v KEEPTTL EX 10"),
        err("ERR syntax error")
    );
}

#[test]
fn getex_persist_removes_the_ttl_and_returns_the_value() {
    let mut m = Model::new();
    run(&mut m, "SET k v EX 100");
    assert_eq!(run(&mut m, "GETEX k PERSIST"), bulk("v"));
    assert_eq!(run(&mut m, "TTL k"), Reply::Int(-1));
    assert_eq!(
        run(&mut m, "GETEX k EX 0"),
        err("ERR invalid expire time in 'getex' command")
    );
    assert_eq!(
        run(&mut m, "GETEX k PXAT 1"),
        bulk("v"),
        "a past PXAT deletes after replying"
    );
    assert_eq!(run(&mut m, "EXISTS k"), Reply::Int(0));
}

#[test]
fn incrby_handles_negatives_and_refuses_overflow_without_changing_the_value() {
    let mut m = Model::new();
    assert_eq!(run(&mut m, "INCRBY n -5"), Reply::Int(-5));
    run(&mut m, "SET n 9223372036854775806");
    assert_eq!(
        run(&mut m, "INCRBY n 2"),
        err("ERR increment or decrement would overflow")
    );
    assert_eq!(run(&mut m, "GET n"), bulk("9223372036854775806"));
    assert_eq!(
        run(&mut m, "DECRBY n -9223372036854775808"),
        err("ERR decrement would overflow")
    );
    assert_eq!(
        run(&mut m, "INCRBY n 1x"),
        err("ERR value is not an integer or out of range")
    );
    run(&mut m, "SET z 01");
    assert_eq!(
        run(&mut m, "INCR z"),
        err("ERR value is not an integer or out of range")
    );
}

#[test]
fn setrange_pads_with_zero_bytes_and_checks_the_offset() {
    let mut m = Model::new();
    assert_eq!(run(&mut m, "SETRANGE k 3 ab"), Reply::Int(5));
    assert_eq!(run(&mut m, "GET k"), Reply::Bulk(b"\0\0\0ab".to_vec()));
    assert_eq!(
        run(&mut m, "SETRANGE k -1 x"),
        err("ERR offset is out of range")
    );
    assert_eq!(
        run(&mut m, "SETRANGE k 536870912 x"),
        err("ERR string exceeds maximum allowed size (proto-max-bulk-len)")
    );
    assert_eq!(run(&mut m, "SETRANGE empty 5 "), Reply::Int(0));
}

#[test]
fn getrange_negative_indexes_count_from_the_end() {
    let mut m = Model::new();
    run(&mut m, "SET k Hello");
    assert_eq!(run(&mut m, "GETRANGE k -3 -1"), bulk("llo"));
    assert_eq!(
        run(&mut m, "GETRANGE k -100 -50"),
        bulk("H"),
        "both clamp to 0, as Redis 7.0 does"
    );
    assert_eq!(run(&mut m, "GETRANGE k -1 -3"), bulk(""));
    assert_eq!(run(&mut m, "GETRANGE k 0 100"), bulk("Hello"));
}

#[test]
fn expire_gt_on_a_key_without_ttl_is_refused_and_lt_is_accepted() {
    let mut m = Model::new();
    run(&mut m, "SET k v");
    assert_eq!(run(&mut m, "EXPIRE k 100 GT"), Reply::Int(0));
    assert_eq!(run(&mut m, "TTL k"), Reply::Int(-1));
    assert_eq!(run(&mut m, "EXPIRE k 100 LT"), Reply::Int(1));
    assert_eq!(run(&mut m, "TTL k"), Reply::Int(100));
    assert_eq!(
        run(&mut m, "EXPIRE k 1 NX GT"),
        err("ERR NX and XX, GT or LT options at the same time are not compatible")
    );
    assert_eq!(
        run(&mut m, "EXPIRE k -1"),
        Reply::Int(1),
        "a past time deletes the key"
    );
    assert_eq!(run(&mut m, "EXISTS k"), Reply::Int(0));
}

#[test]
fn rename_to_the_same_key_is_ok_only_if_it_exists() {
    let mut m = Model::new();
    assert_eq!(run(&mut m, "RENAME k k"), err("ERR no such key"));
    run(&mut m, "SET k v EX 50");
    assert_eq!(run(&mut m, "RENAME k k"), Reply::ok());
    assert_eq!(run(&mut m, "RENAMENX k k"), Reply::Int(0));
    assert_eq!(run(&mut m, "RENAME k j"), Reply::ok());
    assert_eq!(
        run(&mut m, "TTL j"),
        Reply::Int(50),
        "the TTL moves with the value"
    );
}

#[test]
fn copy_with_replace_overwrites_and_without_it_refuses() {
    let mut m = Model::new();
    run(&mut m, "SET a 1");
    run(&mut m, "SET b 2");
    assert_eq!(run(&mut m, "COPY a b"), Reply::Int(0));
    assert_eq!(run(&mut m, "COPY a b REPLACE"), Reply::Int(1));
    assert_eq!(run(&mut m, "GET b"), bulk("1"));
    assert_eq!(
        run(&mut m, "COPY a a"),
        err("ERR source and destination objects are the same")
    );
    assert_eq!(run(&mut m, "COPY a a DB 1"), Reply::Int(1));
    assert_eq!(
        run(&mut m, "COPY a a DB 16"),
        err("ERR DB index is out of range")
    );
}

#[test]
fn msetnx_sets_nothing_if_any_key_exists() {
    let mut m = Model::new();
    run(&mut m, "SET b old");
    assert_eq!(run(&mut m, "MSETNX a 1 b 2"), Reply::Int(0));
    assert_eq!(run(&mut m, "EXISTS a"), Reply::Int(0));
    assert_eq!(run(&mut m, "GET b"), bulk("old"));
    assert_eq!(run(&mut m, "MSETNX a 1 c 3"), Reply::Int(1));
    assert_eq!(
        run(&mut m, "MGET a c"),
        Reply::Array(vec![bulk("1"), bulk("3")])
    );
}

#[test]
fn another_clients_write_to_a_watched_key_aborts_exec() {
    let mut m = Model::new();
    assert_eq!(m.apply(1, &argv("WATCH k"), NOW), Reply::ok());
    assert_eq!(m.apply(2, &argv("SET k other"), NOW), Reply::ok());
    assert_eq!(m.apply(1, &argv("MULTI"), NOW), Reply::ok());
    assert_eq!(
        m.apply(1, &argv("SET k mine"), NOW),
        Reply::Simple("QUEUED".into())
    );
    assert_eq!(m.apply(1, &argv("EXEC"), NOW), Reply::NilArray);
    assert_eq!(run(&mut m, "GET k"), bulk("other"));
    // Without interference the same transaction runs.
    m.apply(1, &argv("WATCH k"), NOW);
    m.apply(1, &argv("MULTI"), NOW);
    m.apply(1, &argv("SET k mine"), NOW);
    assert_eq!(
        m.apply(1, &argv("EXEC"), NOW),
        Reply::Array(vec![Reply::ok()])
    );
}

#[test]
fn a_watched_key_that_expires_before_exec_aborts_it() {
    let mut m = Model::new();
    m.apply(1, &argv("SET k v PX 10"), NOW);
    m.apply(1, &argv("WATCH k"), NOW);
    m.apply(1, &argv("MULTI"), NOW);
    m.apply(1, &argv("PING"), NOW);
    assert_eq!(m.apply(1, &argv("EXEC"), NOW + 11), Reply::NilArray);
}

#[test]
fn unknown_command_inside_multi_makes_exec_abort() {
    let mut m = Model::new();
    run(&mut m, "MULTI");
    assert_eq!(run(&mut m, "SET k v"), Reply::Simple("QUEUED".into()));
    assert_eq!(
        run(&mut m, "NOSUCH a"),
        err("ERR unknown command 'NOSUCH', with args beginning with: 'a' ")
    );
    assert_eq!(
        run(&mut m, "MULTI"),
        err("ERR MULTI calls can not be nested")
    );
    assert_eq!(
        run(&mut m, "EXEC"),
        err("EXECABORT Transaction discarded because of previous errors.")
    );
    assert_eq!(run(&mut m, "EXISTS k"), Reply::Int(0));
    assert_eq!(run(&mut m, "EXEC"), err("ERR EXEC without MULTI"));
}

#[test]
fn expired_keys_are_invisible_and_purge_removes_them() {
    let mut m = Model::new();
    run(&mut m, "SET k v PX 100");
    assert_eq!(
        m.apply(0, &argv("GET k"), NOW + 100),
        bulk("v"),
        "now == expire time is not expired"
    );
    assert!(m.state(NOW + 101).is_empty());
    m.purge_expired(NOW + 101);
    assert!(
        m.state(NOW).is_empty(),
        "purged keys are gone even at an earlier clock"
    );
}

#[test]
fn digest_depends_only_on_visible_state() {
    let (mut a, mut b) = (Model::new(), Model::new());
    run(&mut a, "SET x 1");
    run(&mut a, "SET y 2");
    run(&mut b, "MSET y 2 x 1");
    assert_eq!(a.digest(NOW), b.digest(NOW));
    run(&mut b, "SET x 2");
    assert_ne!(a.digest(NOW), b.digest(NOW));
}

#[test]
fn check_and_adopt_accepts_any_key_order_but_rejects_wrong_keys() {
    let mut m = Model::new();
    run(&mut m, "MSET a 1 b 2");
    let keys = argv("KEYS *");
    assert!(Model::is_nondeterministic(&keys));
    assert!(m
        .check_and_adopt(0, &keys, NOW, &Reply::Array(vec![bulk("b"), bulk("a")]))
        .is_ok());
    assert!(m
        .check_and_adopt(0, &keys, NOW, &Reply::Array(vec![bulk("a")]))
        .is_err());
    assert!(m
        .check_and_adopt(0, &argv("RANDOMKEY"), NOW, &bulk("c"))
        .is_err());
    assert!(m
        .check_and_adopt(0, &argv("RANDOMKEY"), NOW, &bulk("b"))
        .is_ok());
}

#[test]
fn check_and_adopt_takes_the_engines_incrbyfloat_digits() {
    let mut m = Model::new();
    run(&mut m, "SET f 12345.678");
    let cmd = argv("INCRBYFLOAT f 0.001");
    assert!(m
        .check_and_adopt(0, &cmd, NOW, &bulk("12345.67900000000000027"))
        .is_ok());
    assert_eq!(run(&mut m, "GET f"), bulk("12345.67900000000000027"));
    assert!(m.check_and_adopt(0, &cmd, NOW, &bulk("12346")).is_err());
}
