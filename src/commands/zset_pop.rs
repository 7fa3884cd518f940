//! Pops and random reads: ZPOPMIN, ZPOPMAX, ZMPOP, ZRANDMEMBER and ZSCAN
//! (`genericZpopCommand`, `zmpopGenericCommand`, `zrandmemberWithCountCommand`,
//! `scanGenericCommand`), and the pop helpers the blocking forms in `zset_block` share.
//!
//! Effects: ZPOPMIN/ZPOPMAX propagate as themselves; ZMPOP as `ZPOPMIN|ZPOPMAX key n` (`n` =
//! the members popped), so a replay never depends on which key was ready.
//!
//! ZRANDMEMBER with a negative count repeats members; Redis allocates whatever the client asks
//! for (`ZRANDMEMBER k -9223372036854775807` exhausts its memory), Keel refuses counts beyond
//! [`RANDOM_REPEAT_MAX`] with an error (DESIGN §7).

use super::scan::parse_cursor;
use super::zset::{probe_write, read_zset, reply_pairs, with_zset, WrongType};
use super::Ctx;
use crate::resp::Argv;
use crate::server::client::Client;
use crate::server::Server;
use crate::types::zset::ZSet;
use crate::util::glob::string_match;
use crate::util::number::{d2string, string2l};

/// Most elements a ZRANDMEMBER with a negative count may return (repetition allowed).
pub const RANDOM_REPEAT_MAX: u64 = 1 << 20;

const ERR_POSITIVE: &str = "ERR value is out of range, must be positive";

/// Which end to pop from, and what the reply looks like.
#[derive(Clone, Copy)]
pub(crate) struct PopReq {
    pub(crate) max: bool,
    pub(crate) count: usize,
    /// ZPOP with an explicit count: RESP3 pairs. Without: always flat.
    pub(crate) counted: bool,
}

/// Pop from `key` (a non-empty sorted set, already probed), counting the change.
pub(crate) fn pop_key(s: &mut Server, db: usize, key: &[u8], req: PopReq) -> Vec<(Vec<u8>, f64)> {
    let popped = with_zset(s, db, key, |z, _| z.pop(req.max, req.count)).unwrap_or_default();
    if !popped.is_empty() {
        s.ks.dirty += popped.len() as u64;
        s.ks.touch_watched(db, key);
    }
    popped
}

/// Record `ZPOPMIN|ZPOPMAX key [count]` as the command's effect (BZPOPMIN/BZPOPMAX propagate
/// without a count, (B)ZMPOP with one).
pub(crate) fn propagate_as_zpop(s: &mut Server, db: usize, key: &[u8], count: Option<usize>, max: bool, ctx: &mut Ctx) {
    ctx.propagated = true;
    let name: &[u8] = if max { b"ZPOPMAX" } else { b"ZPOPMIN" };
    let mut argv = vec![name.to_vec(), key.to_vec()];
    argv.extend(count.map(|n| n.to_string().into_bytes()));
    s.ks.propagate(db, argv);
}

/// RESP2 and RESP3 alike: `member, score, member, score…` (ZPOP without a count).
fn flat_pairs(c: &mut Client, pairs: &[(Vec<u8>, f64)]) {
    c.add_array_len(pairs.len() * 2);
    for (m, score) in pairs {
        c.add_bulk(m);
        c.add_double(*score);
    }
}

/// ZPOPMIN/ZPOPMAX key [count]; propagates as itself.
fn zpop(s: &mut Server, c: &mut Client, a: &Argv, max: bool) {
    if a.len() > 3 {
        return c.add_syntax_error();
    }
    let mut req = PopReq { max, count: 1, counted: a.len() == 3 };
    if req.counted {
        match string2l(a.get(2)) {
            Some(n) if n >= 0 => req.count = usize::try_from(n).unwrap_or(usize::MAX),
            _ => return c.add_error(ERR_POSITIVE),
        }
    }
    match probe_write(s, c.db, a.get(1)) {
        Err(WrongType) => return c.add_wrong_type(),
        Ok(false) => return c.add_array_len(0),
        Ok(true) if req.count == 0 => return c.add_array_len(0),
        Ok(true) => {}
    }
    let popped = pop_key(s, c.db, a.get(1), req);
    if req.counted {
        reply_pairs(c, &popped, true);
    } else {
        flat_pairs(c, &popped);
    }
}

pub fn zpopmin(s: &mut Server, c: &mut Client, a: &Argv, _: &mut Ctx) {
    zpop(s, c, a, false);
}

pub fn zpopmax(s: &mut Server, c: &mut Client, a: &Argv, _: &mut Ctx) {
    zpop(s, c, a, true);
}

/// The first of `n` keys from argument `first` that holds a sorted set, in argument order
/// (`lookupKeyWrite` each); a key of another type stops the search with WRONGTYPE.
pub(crate) fn first_ready(s: &mut Server, db: usize, a: &Argv, first: usize, n: usize) -> Result<Option<Vec<u8>>, WrongType> {
    for i in first..first + n {
        if probe_write(s, db, a.get(i))? {
            return Ok(Some(a.get(i).to_vec()));
        }
    }
    Ok(None)
}

/// Parsed `numkeys key … MIN|MAX [COUNT n]` starting at `numkeys_idx`.
pub(crate) struct MpopArgs {
    pub(crate) first_key: usize,
    pub(crate) numkeys: usize,
    pub(crate) req: PopReq,
}

/// `zmpopGenericCommand`'s parsing, errors in Redis's order.
pub(crate) fn parse_mpop(a: &Argv, numkeys_idx: usize) -> Result<MpopArgs, &'static str> {
    const ERR_NUMKEYS: &str = "ERR numkeys should be greater than 0";
    let numkeys = string2l(a.get(numkeys_idx)).filter(|&n| n >= 1).ok_or(ERR_NUMKEYS)?;
    let numkeys = usize::try_from(numkeys).map_err(|_| ERR_NUMKEYS)?;
    let where_idx = numkeys_idx.checked_add(numkeys).and_then(|w| w.checked_add(1)).filter(|&w| w < a.len()).ok_or("ERR syntax error")?;
    let max = match a.get(where_idx).to_ascii_lowercase().as_slice() {
        b"min" => false,
        b"max" => true,
        _ => return Err("ERR syntax error"),
    };
    let mut req = PopReq { max, count: 1, counted: true };
    let mut count_seen = false;
    let mut j = where_idx + 1;
    while j < a.len() {
        if count_seen || !a.get(j).eq_ignore_ascii_case(b"count") || j + 1 >= a.len() {
            return Err("ERR syntax error");
        }
        let n = string2l(a.get(j + 1)).filter(|&n| n >= 1).ok_or("ERR count should be greater than 0")?;
        req.count = usize::try_from(n).unwrap_or(usize::MAX);
        count_seen = true;
        j += 2;
    }
    Ok(MpopArgs { first_key: numkeys_idx + 1, numkeys, req })
}

/// ZMPOP numkeys key … MIN|MAX [COUNT n]: `[key, [[member, score], …]]` or the null
/// array; propagates as `ZPOPMIN|ZPOPMAX key count`.
pub fn zmpop(s: &mut Server, c: &mut Client, a: &Argv, ctx: &mut Ctx) {
    let m = match parse_mpop(a, 1) {
        Ok(m) => m,
        Err(e) => return c.add_error(e),
    };
    match first_ready(s, c.db, a, m.first_key, m.numkeys) {
        Err(WrongType) => c.add_wrong_type(),
        Ok(None) => c.add_null_array(),
        Ok(Some(key)) => mpop_from(s, c, &key, m.req, ctx),
    }
}

/// Pop up to `req.count` from `key` (a non-empty sorted set), reply
/// `[key, [[member, score], …]]` and propagate `ZPOPMIN|ZPOPMAX key n` where `n` is the
/// count clamped to the set's length, as Redis 7.0 writes it.
pub(crate) fn mpop_from(s: &mut Server, c: &mut Client, key: &[u8], req: PopReq, ctx: &mut Ctx) {
    let popped = pop_key(s, c.db, key, req);
    propagate_as_zpop(s, c.db, key, Some(popped.len()), req.max, ctx);
    c.add_array_len(2);
    c.add_bulk(key);
    c.add_array_len(popped.len());
    for (member, score) in &popped {
        c.add_array_len(2);
        c.add_bulk(member);
        c.add_double(*score);
    }
}

/// ZRANDMEMBER key [count [WITHSCORES]].
pub fn zrandmember(s: &mut Server, c: &mut Client, a: &Argv, _: &mut Ctx) {
    if a.len() == 2 {
        return zrandmember_one(s, c, a.get(1));
    }
    let count = match string2l(a.get(2)) {
        None => return c.add_not_integer(),
        Some(i64::MIN) => return c.add_error("ERR value is out of range, value must between -9223372036854775807 and 9223372036854775807"),
        Some(n) => n,
    };
    let withscores = a.len() == 4;
    if a.len() > 4 || (withscores && !a.get(3).eq_ignore_ascii_case(b"withscores")) {
        return c.add_syntax_error();
    }
    if (withscores && !(-(i64::MAX / 2)..=i64::MAX / 2).contains(&count)) || (count < 0 && count.unsigned_abs() > RANDOM_REPEAT_MAX) {
        return c.add_error("ERR value is out of range");
    }
    let mut rng = s.ks.rng.fork_stream();
    let pairs = match read_zset(s, c.db, a.get(1)) {
        Err(WrongType) => return c.add_wrong_type(),
        Ok(None) => Vec::new(),
        Ok(Some(z)) => random_pairs(z, &mut rng, count),
    };
    reply_pairs(c, &pairs, withscores);
}

fn zrandmember_one(s: &mut Server, c: &mut Client, key: &[u8]) {
    let mut rng = s.ks.rng.fork_stream();
    match read_zset(s, c.db, key) {
        Err(WrongType) => c.add_wrong_type(),
        Ok(z) => match z.and_then(|z| z.random_pairs(&mut rng, 1).pop()) {
            Some((m, _)) => c.add_bulk(&m),
            None => c.add_null(),
        },
    }
}

/// The pairs `zrandmemberWithCountCommand` picks: repetition for a negative count, the
/// whole set in order when the count covers it, else distinct random members.
fn random_pairs(z: &ZSet, rng: &mut crate::env::Rng, count: i64) -> Vec<(Vec<u8>, f64)> {
    let n = usize::try_from(count.unsigned_abs()).unwrap_or(usize::MAX);
    if count < 0 {
        z.random_pairs(rng, n)
    } else if n >= z.len() {
        z.all_ranks().map_or_else(Vec::new, |r| z.pairs_by_rank(r, false))
    } else {
        z.random_distinct_pairs(rng, n)
    }
}

/// ZSCAN key cursor [MATCH pattern] [COUNT count]: scores as text (`%.17g` for a skiplist,
/// the stored form for a ziplist), flat in every protocol.
pub fn zscan(s: &mut Server, c: &mut Client, a: &Argv, _: &mut Ctx) {
    let Some(cursor) = parse_cursor(a.get(2)) else { return c.add_error("ERR invalid cursor") };
    let z = match read_zset(s, c.db, a.get(1)) {
        Err(WrongType) => return c.add_wrong_type(),
        Ok(None) => {
            c.add_array_len(2);
            c.add_bulk(b"0");
            return c.add_array_len(0);
        }
        Ok(Some(z)) => z,
    };
    let (pattern, count) = match parse_scan_opts(a) {
        Ok(o) => o,
        Err(e) => return c.add_error(e),
    };
    let mut batch = z.scan(cursor, count);
    if let Some(p) = pattern {
        batch.pairs.retain(|(m, _)| string_match(p, m, false));
    }
    let ziplist = matches!(z, ZSet::Ziplist(_));
    c.add_array_len(2);
    c.add_bulk(batch.cursor.to_string().as_bytes());
    c.add_array_len(batch.pairs.len() * 2);
    for (m, score) in &batch.pairs {
        c.add_bulk(m);
        let text = if ziplist { crate::types::zset::score_bytes(*score) } else { d2string(*score).into_bytes() };
        c.add_bulk(&text);
    }
}

/// `[MATCH pattern] [COUNT n]` (a pattern of `*` matches everything).
fn parse_scan_opts(a: &Argv) -> Result<(Option<&[u8]>, usize), &'static str> {
    let (mut pattern, mut count) = (None, 10usize);
    let mut i = 3;
    while i < a.len() {
        if i + 1 >= a.len() {
            return Err("ERR syntax error");
        }
        match a.get(i).to_ascii_lowercase().as_slice() {
            b"count" => {
                let n = string2l(a.get(i + 1)).ok_or("ERR value is not an integer or out of range")?;
                if n < 1 {
                    return Err("ERR syntax error");
                }
                count = usize::try_from(n).unwrap_or(usize::MAX);
            }
            b"match" => pattern = Some(a.get(i + 1)).filter(|p| *p != b"*"),
            _ => return Err("ERR syntax error"),
        }
        i += 2;
    }
    Ok((pattern, count))
}
