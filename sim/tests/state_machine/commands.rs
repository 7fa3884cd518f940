//! The command vocabulary of the state-machine test: proptest strategies for one command of
//! every family the model covers (strings, keys and expiry, lists, hashes, sets, zsets,
//! MULTI/EXEC/WATCH and the db commands), over four keys (`k0`..`k3`) so that types collide
//! (WRONGTYPE) and commands meet each other's keys, in two dbs.
//!
//! Values straddle the encoding limits: integers in and out of `long long`, 44/45-byte strings
//! (embstr/raw), a 70-byte value (over the 64-byte listpack limit of hashes and zsets), and one
//! "big" command per aggregate family that crosses the 128-entry limit.
//!
//! Symbolic times (`@ms+N`) are resolved at send time against the simulated clock, by the
//! harness for the engine and by the reference for the model (`keel_sim::workload`).
//!
//! Left out on purpose: commands whose effect is random (SPOP, INCRBYFLOAT's `long double` vs
//! the model's `f64`), blocking commands, and commands the model does not have.

use proptest::prelude::*;
use proptest::sample::select;

/// One command as text arguments (readable in a shrunk failure).
pub type Cmd = Vec<String>;

const KEYS: &[&str] = &["k0", "k1", "k2", "k3"];
const MEMBERS: &[&str] = &["a", "b", "c", "1", "-7"];
const SET_OPTIONS: &[&[&str]] =
    &[&[], &["PX", "10"], &["PX", "1000"], &["EX", "1"], &["KEEPTTL"], &["NX"], &["XX"], &["GET"], &["PX", "100", "NX"], &["XX", "GET"]];
const ZADD_FLAGS: &[&[&str]] = &[&[], &["NX"], &["XX"], &["GT", "CH"], &["LT"], &["INCR"]];

fn key() -> impl Strategy<Value = String> {
    select(KEYS).prop_map(str::to_string)
}

fn member() -> impl Strategy<Value = String> {
    select(MEMBERS).prop_map(str::to_string)
}

/// Values around the encodings' boundaries.
fn value() -> impl Strategy<Value = String> {
    prop_oneof![
        select(&["", "v", "1", "-7", "0", "3.5", "12345678901234567890", "9223372036854775807"][..])
            .prop_map(str::to_string),
        Just("e".repeat(44)),
        Just("r".repeat(45)),
        Just("x".repeat(70)),
    ]
}

fn small_int() -> impl Strategy<Value = String> {
    (-3i64..6).prop_map(|n| n.to_string())
}

fn ttl_ms() -> impl Strategy<Value = String> {
    select(&["1", "10", "100", "1000", "5000"][..]).prop_map(str::to_string)
}

fn cmd(parts: &[&str]) -> Cmd {
    parts.iter().map(|p| p.to_string()).collect()
}

/// One command of any family; `big` commands are rare.
pub fn command() -> impl Strategy<Value = Cmd> {
    prop_oneof![
        6 => string_cmd(),
        4 => key_cmd(),
        3 => list_cmd(),
        3 => hash_cmd(),
        3 => set_cmd(),
        3 => zset_cmd(),
        2 => txn_cmd(),
        1 => db_cmd(),
        1 => big_cmd(),
    ]
}

fn string_cmd() -> impl Strategy<Value = Cmd> {
    let set_options = select(SET_OPTIONS);
    (key(), key(), value(), set_options, small_int(), ttl_ms(), 0..14u8).prop_map(|(k, k2, v, opts, n, ms, which)| {
        let (k, k2, v) = (k.as_str(), k2.as_str(), v.as_str());
        match which {
            0 => {
                let mut c = cmd(&["SET", k, v]);
                c.extend(opts.iter().map(|o| o.to_string()));
                c
            }
            1 => cmd(&["GET", k]),
            2 => cmd(&["APPEND", k, v]),
            3 => cmd(&["INCR", k]),
            4 => cmd(&["INCRBY", k, v]),
            5 => cmd(&["DECRBY", k, &n]),
            6 => cmd(&["SETRANGE", k, &n.replace('-', ""), v]),
            7 => cmd(&["GETRANGE", k, &n, "-1"]),
            8 => cmd(&["MSET", k, v, k2, "1"]),
            9 => cmd(&["MGET", k, k2]),
            10 => cmd(&["GETDEL", k]),
            11 => cmd(&["GETEX", k, "PX", &ms]),
            12 => cmd(&["SETNX", k, v]),
            _ => cmd(&["PSETEX", k, &ms, v]),
        }
    })
}

fn key_cmd() -> impl Strategy<Value = Cmd> {
    (key(), key(), ttl_ms(), 0..14u8).prop_map(|(k, k2, ms, which)| {
        let (k, k2) = (k.as_str(), k2.as_str());
        match which {
            0 => cmd(&["DEL", k, k2]),
            1 => cmd(&["EXISTS", k, k2]),
            2 => cmd(&["TYPE", k]),
            3 => cmd(&["PEXPIRE", k, &ms]),
            4 => cmd(&["EXPIRE", k, "1"]),
            5 => cmd(&["PEXPIREAT", k, &format!("@ms+{ms}")]),
            6 => cmd(&["PERSIST", k]),
            7 => cmd(&["PTTL", k]),
            8 => cmd(&["TTL", k]),
            9 => cmd(&["RENAME", k, k2]),
            10 => cmd(&["RENAMENX", k, k2]),
            11 => cmd(&["COPY", k, k2, "REPLACE"]),
            12 => cmd(&["UNLINK", k]),
            _ => cmd(&["PEXPIRE", k, &ms, "NX"]),
        }
    })
}

fn list_cmd() -> impl Strategy<Value = Cmd> {
    (key(), key(), value(), value(), small_int(), 0..13u8).prop_map(|(k, k2, v, v2, n, which)| {
        let (k, k2, v, v2) = (k.as_str(), k2.as_str(), v.as_str(), v2.as_str());
        match which {
            0 => cmd(&["LPUSH", k, v, v2]),
            1 => cmd(&["RPUSH", k, v]),
            2 => cmd(&["LPOP", k]),
            3 => cmd(&["RPOP", k, "2"]),
            4 => cmd(&["LRANGE", k, "0", "-1"]),
            5 => cmd(&["LLEN", k]),
            6 => cmd(&["LINDEX", k, &n]),
            7 => cmd(&["LSET", k, &n, v]),
            8 => cmd(&["LREM", k, &n, v]),
            9 => cmd(&["LINSERT", k, "BEFORE", v, v2]),
            10 => cmd(&["LTRIM", k, "1", &n]),
            11 => cmd(&["LMOVE", k, k2, "LEFT", "RIGHT"]),
            _ => cmd(&["LPOS", k, v]),
        }
    })
}

fn hash_cmd() -> impl Strategy<Value = Cmd> {
    (key(), member(), member(), value(), small_int(), 0..11u8).prop_map(|(k, f, f2, v, n, which)| {
        let (k, f, f2, v) = (k.as_str(), f.as_str(), f2.as_str(), v.as_str());
        match which {
            0 => cmd(&["HSET", k, f, v, f2, "1"]),
            1 => cmd(&["HGET", k, f]),
            2 => cmd(&["HDEL", k, f, f2]),
            3 => cmd(&["HLEN", k]),
            4 => cmd(&["HEXISTS", k, f]),
            5 => cmd(&["HINCRBY", k, f, &n]),
            6 => cmd(&["HMGET", k, f, f2]),
            7 => cmd(&["HSETNX", k, f, v]),
            8 => cmd(&["HSTRLEN", k, f]),
            9 => cmd(&["HGETALL", k]),
            _ => cmd(&["HKEYS", k]),
        }
    })
}

fn set_cmd() -> impl Strategy<Value = Cmd> {
    (key(), key(), member(), member(), 0..11u8).prop_map(|(k, k2, m, m2, which)| {
        let (k, k2, m, m2) = (k.as_str(), k2.as_str(), m.as_str(), m2.as_str());
        match which {
            0 => cmd(&["SADD", k, m, m2]),
            1 => cmd(&["SREM", k, m]),
            2 => cmd(&["SISMEMBER", k, m]),
            3 => cmd(&["SCARD", k]),
            4 => cmd(&["SMISMEMBER", k, m, m2]),
            5 => cmd(&["SMOVE", k, k2, m]),
            6 => cmd(&["SINTERSTORE", k2, k, k2]),
            7 => cmd(&["SUNIONSTORE", k2, k, k2]),
            8 => cmd(&["SDIFFSTORE", k2, k, k2]),
            9 => cmd(&["SINTERCARD", "2", k, k2]),
            _ => cmd(&["SMEMBERS", k]),
        }
    })
}

fn zset_cmd() -> impl Strategy<Value = Cmd> {
    let score = select(&["0", "1", "-2.5", "3", "inf", "-inf"][..]);
    let flags = select(ZADD_FLAGS);
    (key(), key(), member(), score, flags, 0..12u8).prop_map(|(k, k2, m, s, flags, which)| {
        let (k, k2, m) = (k.as_str(), k2.as_str(), m.as_str());
        match which {
            0 => {
                let mut c = cmd(&["ZADD", k]);
                c.extend(flags.iter().map(|f| f.to_string()));
                c.extend([s.to_string(), m.to_string()]);
                c
            }
            1 => cmd(&["ZREM", k, m]),
            2 => cmd(&["ZSCORE", k, m]),
            3 => cmd(&["ZCARD", k]),
            4 => cmd(&["ZINCRBY", k, s, m]),
            5 => cmd(&["ZRANGE", k, "0", "-1", "WITHSCORES"]),
            6 => cmd(&["ZRANGEBYSCORE", k, "-inf", s]),
            7 => cmd(&["ZRANK", k, m]),
            8 => cmd(&["ZCOUNT", k, "-inf", "+inf"]),
            9 => cmd(&["ZPOPMIN", k]),
            10 => cmd(&["ZUNIONSTORE", k2, "2", k, k2]),
            _ => cmd(&["ZREMRANGEBYRANK", k, "0", "0"]),
        }
    })
}

fn txn_cmd() -> impl Strategy<Value = Cmd> {
    (key(), 0..6u8).prop_map(|(k, which)| match which {
        0 | 1 => cmd(&["MULTI"]),
        2 | 3 => cmd(&["EXEC"]),
        4 => cmd(&["DISCARD"]),
        _ => cmd(&["WATCH", &k]),
    })
}

fn db_cmd() -> impl Strategy<Value = Cmd> {
    (0..8u8).prop_map(|which| match which {
        0 | 1 => cmd(&["SELECT", "1"]),
        2 | 3 => cmd(&["SELECT", "0"]),
        4 => cmd(&["SWAPDB", "0", "1"]),
        5 => cmd(&["FLUSHDB"]),
        6 => cmd(&["DBSIZE"]),
        _ => cmd(&["PING"]),
    })
}

/// Aggregates past the 128-entry listpack/intset limits (and a 512-entry intset).
fn big_cmd() -> impl Strategy<Value = Cmd> {
    (key(), 0..4u8).prop_map(|(k, which)| {
        let mut c = match which {
            0 => cmd(&["RPUSH", &k]),
            1 => cmd(&["HSET", &k]),
            2 => cmd(&["SADD", &k]),
            _ => cmd(&["ZADD", &k]),
        };
        let n = if which == 2 { 520 } else { 130 };
        for i in 0..n {
            match which {
                1 => c.extend([format!("f{i}"), i.to_string()]),
                3 => c.extend([i.to_string(), format!("m{i}")]),
                _ => c.push(i.to_string()),
            }
        }
        c
    })
}
