//! Sorted set commands (`t_zset.c`): the command table and what the handlers share — typed
//! lookups, the mutation environment, argument parsers for score and lex intervals, and the
//! reply shapes (RESP2 flat `member, score` lists; RESP3 `[member, score]` pairs with native
//! doubles). The handlers live in `zset_add` (ZADD and the point commands), `zset_range`
//! (ranges, counts, range deletions, ZRANGESTORE), `zset_pop` (pops, ZRANDMEMBER, ZSCAN),
//! `zset_block` (BZPOPMIN, BZPOPMAX, BZMPOP) and `zset_store` (ZUNION/ZINTER/ZDIFF and their
//! STORE forms).
//!
//! Creating a sorted set key signals it ready for clients blocked on it (Redis 7.0's `dbAdd`
//! → `signalKeyAsReady`).
//!
//! Every modification touches WATCHers and adds to `dirty`; an emptied set is deleted. All
//! commands propagate as themselves except the blocking pops (as ZPOPMIN/ZPOPMAX) and ZMPOP
//! (as ZPOPMIN/ZPOPMAX key count), which have deterministic effects either way.

use super::{zset_add as add, zset_block as block, zset_pop as pop, zset_range as range, zset_store as store};
use super::{Command, FAST, R, W, WD};
use crate::encoding::skiplist::{LexBound, LexRange, ScoreRange};
use crate::env::KeyedState;
use crate::object::{Stored, Value};
use crate::server::client::Client;
use crate::server::Server;
use crate::types::zset::{ZEnv, ZSet};
use crate::types::TypeLimits;

/// This family's rows of the command table.
pub static COMMANDS: &[Command] = &[
    cmd!("zadd", -4, WD | FAST, 1, 1, 1, add::zadd),
    cmd!("zincrby", 4, WD | FAST, 1, 1, 1, add::zincrby),
    cmd!("zrem", -3, W | FAST, 1, 1, 1, add::zrem),
    cmd!("zcard", 2, R | FAST, 1, 1, 1, add::zcard),
    cmd!("zscore", 3, R | FAST, 1, 1, 1, add::zscore),
    cmd!("zmscore", -3, R | FAST, 1, 1, 1, add::zmscore),
    cmd!("zrank", 3, R | FAST, 1, 1, 1, add::zrank),
    cmd!("zrevrank", 3, R | FAST, 1, 1, 1, add::zrevrank),
    cmd!("zrange", -4, R, 1, 1, 1, range::zrange),
    cmd!("zrangestore", -5, WD, 1, 2, 1, range::zrangestore),
    cmd!("zrangebyscore", -4, R, 1, 1, 1, range::zrangebyscore),
    cmd!("zrevrangebyscore", -4, R, 1, 1, 1, range::zrevrangebyscore),
    cmd!("zrangebylex", -4, R, 1, 1, 1, range::zrangebylex),
    cmd!("zrevrangebylex", -4, R, 1, 1, 1, range::zrevrangebylex),
    cmd!("zrevrange", -4, R, 1, 1, 1, range::zrevrange),
    cmd!("zcount", 4, R | FAST, 1, 1, 1, range::zcount),
    cmd!("zlexcount", 4, R | FAST, 1, 1, 1, range::zlexcount),
    cmd!("zremrangebyscore", 4, W, 1, 1, 1, range::zremrangebyscore),
    cmd!("zremrangebyrank", 4, W, 1, 1, 1, range::zremrangebyrank),
    cmd!("zremrangebylex", 4, W, 1, 1, 1, range::zremrangebylex),
    cmd!("zpopmin", -2, W | FAST, 1, 1, 1, pop::zpopmin),
    cmd!("zpopmax", -2, W | FAST, 1, 1, 1, pop::zpopmax),
    cmd!("bzpopmin", -3, W, 1, -2, 1, block::bzpopmin),
    cmd!("bzpopmax", -3, W, 1, -2, 1, block::bzpopmax),
    cmd!("zmpop", -4, W, 0, 0, 0, pop::zmpop),
    cmd!("bzmpop", -5, W, 0, 0, 0, block::bzmpop),
    cmd!("zrandmember", -2, R, 1, 1, 1, pop::zrandmember),
    cmd!("zscan", -3, R, 1, 1, 1, pop::zscan),
    cmd!("zunionstore", -4, WD, 1, 1, 1, store::zunionstore),
    cmd!("zinterstore", -4, WD, 1, 1, 1, store::zinterstore),
    cmd!("zdiffstore", -4, WD, 1, 1, 1, store::zdiffstore),
    cmd!("zunion", -3, R, 0, 0, 0, store::zunion),
    cmd!("zinter", -3, R, 0, 0, 0, store::zinter),
    cmd!("zdiff", -3, R, 0, 0, 0, store::zdiff),
];

pub(crate) const ERR_NOT_FLOAT: &str = "ERR value is not a valid float";
pub(crate) const ERR_MINMAX_FLOAT: &str = "ERR min or max is not a float";
pub(crate) const ERR_MINMAX_LEX: &str = "ERR min or max not valid string range item";

/// The key holds another type.
pub(crate) struct WrongType;

/// The sorted set at `key` for reading (lazy expiry, hit/miss counted).
pub(crate) fn read_zset<'a>(s: &'a mut Server, db: usize, key: &[u8]) -> Result<Option<&'a ZSet>, WrongType> {
    match s.ks.lookup_read(db, key).map(|e| &e.value) {
        None => Ok(None),
        Some(Value::ZSet(z)) => Ok(Some(z)),
        Some(_) => Err(WrongType),
    }
}

/// Check the key for a write: lazy expiry, then `Ok(true)` if a sorted set is there.
pub(crate) fn probe_write(s: &mut Server, db: usize, key: &[u8]) -> Result<bool, WrongType> {
    match s.ks.lookup_write(db, key).map(|e| &e.value) {
        None => Ok(false),
        Some(Value::ZSet(_)) => Ok(true),
        Some(_) => Err(WrongType),
    }
}

/// Run `f` on the sorted set at `key` (already probed with [`probe_write`]) with the
/// mutation environment; deletes the key if `f` leaves the set empty. `None` if absent.
pub(crate) fn with_zset<T>(s: &mut Server, db: usize, key: &[u8], f: impl FnOnce(&mut ZSet, &mut ZEnv<'_>) -> T) -> Option<T> {
    let hasher: KeyedState = s.ks.hasher().clone();
    let limits = TypeLimits::from_config(&s.config);
    let ks = &mut s.ks;
    let Some(Stored { value: Value::ZSet(z) }) = ks.dbs[db].dict.get_mut(key) else { return None };
    let mut env = ZEnv { limits, rng: &mut ks.rng, hasher: &hasher };
    let out = f(z, &mut env);
    let empty = z.is_empty();
    if empty {
        s.ks.delete(db, key);
    }
    Some(out)
}

/// Store `z` at `key` (replacing any value and TTL), or delete `key` when `z` is empty, as
/// the *STORE commands do; counts the change in `dirty` (an empty result over a missing key
/// changes nothing, as in Redis).
pub(crate) fn store_result(s: &mut Server, db: usize, key: &[u8], z: ZSet) {
    if z.is_empty() {
        if s.ks.delete(db, key).is_some() {
            s.ks.dirty += 1;
        }
    } else {
        s.ks.set_key(db, key, Value::ZSet(z), false);
        s.blocked.signal(db, key);
        s.ks.dirty += 1;
    }
}

/// Build a set from ordered pairs with the server's limits and PRNG.
pub(crate) fn build_zset(s: &mut Server, sorted: Vec<(Vec<u8>, f64)>) -> ZSet {
    let hasher = s.ks.hasher().clone();
    let limits = TypeLimits::from_config(&s.config);
    ZSet::from_sorted(sorted, &limits, &mut s.ks.rng, &hasher)
}

/// `member, score` pairs: RESP2 flattens them, RESP3 nests `[member, score]` pairs; without
/// scores just the members.
pub(crate) fn reply_pairs(c: &mut Client, pairs: &[(Vec<u8>, f64)], withscores: bool) {
    if !withscores {
        c.add_array_len(pairs.len());
        pairs.iter().for_each(|(m, _)| c.add_bulk(m));
        return;
    }
    let resp3 = c.resp == 3;
    c.add_array_len(if resp3 { pairs.len() } else { pairs.len() * 2 });
    for (m, score) in pairs {
        if resp3 {
            c.add_array_len(2);
        }
        c.add_bulk(m);
        c.add_double(*score);
    }
}

/// C `isspace`.
fn is_c_space(b: u8) -> bool {
    matches!(b, b' ' | b'\t' | b'\n' | 0x0b | 0x0c | b'\r')
}

/// C `strtod` that must consume the whole input, as `zslParseRange` uses it: leading
/// whitespace skipped, overflow to ±inf and underflow to 0 accepted, NaN refused, and the
/// empty string reads as 0 (strtod converts nothing and stops at the terminator).
pub(crate) fn strtod_whole(s: &[u8]) -> Option<f64> {
    if s.is_empty() {
        return Some(0.0);
    }
    let start = s.iter().position(|&b| !is_c_space(b))?;
    let text = std::str::from_utf8(&s[start..]).ok()?;
    let body = text.strip_prefix(['+', '-']).unwrap_or(text);
    let lower = body.to_ascii_lowercase();
    if lower.starts_with("0x") {
        return crate::util::longdouble::strtod_exact(text.as_bytes());
    }
    let word = lower == "inf" || lower == "infinity";
    let decimal = !body.is_empty() && body.bytes().all(|b| b.is_ascii_digit() || matches!(b, b'.' | b'e' | b'E' | b'+' | b'-'));
    if !word && !decimal {
        return None;
    }
    text.parse::<f64>().ok().filter(|v| !v.is_nan())
}

/// One end of a score interval: `(` makes it exclusive.
fn parse_score_bound(arg: &[u8]) -> Option<(f64, bool)> {
    match arg.split_first() {
        Some((b'(', rest)) => Some((strtod_whole(rest)?, true)),
        _ => Some((strtod_whole(arg)?, false)),
    }
}

/// `zslParseRange`.
pub(crate) fn parse_score_range(min: &[u8], max: &[u8]) -> Option<ScoreRange> {
    let (min, min_exclusive) = parse_score_bound(min)?;
    let (max, max_exclusive) = parse_score_bound(max)?;
    Some(ScoreRange { min, max, min_exclusive, max_exclusive })
}

/// `zslParseLexRangeItem`: `+`, `-`, `[member` or `(member`.
fn parse_lex_bound(arg: &[u8]) -> Option<LexBound> {
    match arg.split_first()? {
        (b'+', []) => Some(LexBound::PosInf),
        (b'-', []) => Some(LexBound::NegInf),
        (b'[', rest) => Some(LexBound::Inclusive(rest.to_vec())),
        (b'(', rest) => Some(LexBound::Exclusive(rest.to_vec())),
        _ => None,
    }
}

/// `zslParseLexRange`.
pub(crate) fn parse_lex_range(min: &[u8], max: &[u8]) -> Option<LexRange> {
    Some(LexRange { min: parse_lex_bound(min)?, max: parse_lex_bound(max)? })
}
