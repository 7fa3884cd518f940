//! Set commands in the model: SADD, SREM, SMOVE, SISMEMBER, SMISMEMBER, SCARD, SMEMBERS,
//! SINTER, SINTERCARD, SINTERSTORE, SUNION, SUNIONSTORE, SDIFF, SDIFFSTORE, SPOP, SRANDMEMBER,
//! SSCAN — plain `BTreeSet`s, Redis 7.0's replies and errors in Redis's order of checks.
//!
//! Nondeterministic replies go through [`check_nondet`]: SMEMBERS, SINTER, SUNION and SDIFF
//! compare as multisets (the engine replies in its encoding's iteration order), SRANDMEMBER
//! and SSCAN by validity, and SPOP by validity after which the engine's choice is adopted (the
//! popped members are removed from the model, the key deleted if emptied).

use std::collections::BTreeSet;

use super::db::wrongtype;
use super::glob;
use super::hash::{
    check_picks, check_scan, empty_scan, random_count, repeat_count_ok, same_multiset, scan_as_reply, scan_cursor,
    scan_pattern, RandomPlan, ScanPlan,
};
use super::keyspace::{Entry, Value};
use super::num::parse_i64;
use super::reply::Reply;
use super::{Ctx, Model};

type SetOf = BTreeSet<Vec<u8>>;

fn set_mut<'a>(m: &'a mut Model, ctx: &Ctx, key: &[u8]) -> Result<Option<&'a mut SetOf>, Reply> {
    match m.lookup_ctx(ctx, key) {
        None => Ok(None),
        Some(Entry { value: Value::Set(s), .. }) => Ok(Some(s)),
        Some(_) => Err(wrongtype()),
    }
}

fn set_read(m: &mut Model, ctx: &Ctx, key: &[u8]) -> Result<Option<SetOf>, Reply> {
    set_mut(m, ctx, key).map(|s| s.cloned())
}

/// Delete `key` if its set is empty, else touch it.
fn touch_or_delete(m: &mut Model, db: usize, key: &[u8]) {
    let empty = matches!(m.dbs[db].get(key), Some(Entry { value: Value::Set(s), .. }) if s.is_empty());
    if empty {
        m.delete(db, key);
    } else {
        m.touch(db, key);
    }
}

fn members_reply(s: &SetOf) -> Reply {
    Reply::Array(s.iter().map(|m| Reply::Bulk(m.clone())).collect())
}

pub(super) fn sadd(m: &mut Model, ctx: &mut Ctx, argv: &[Vec<u8>]) -> Reply {
    match set_mut(m, ctx, &argv[1]) {
        Err(e) => return e,
        Ok(Some(_)) => {}
        Ok(None) => m.insert_entry(ctx.db, &argv[1], Entry::new(Value::Set(BTreeSet::new()))),
    }
    let Some(Entry { value: Value::Set(s), .. }) = m.dbs[ctx.db].get_mut(&argv[1]) else { return wrongtype() };
    let added = argv[2..].iter().filter(|x| s.insert((*x).clone())).count();
    if added > 0 {
        m.touch(ctx.db, &argv[1]);
    }
    Reply::Int(added as i64)
}

pub(super) fn srem(m: &mut Model, ctx: &mut Ctx, argv: &[Vec<u8>]) -> Reply {
    let s = match set_mut(m, ctx, &argv[1]) {
        Err(e) => return e,
        Ok(None) => return Reply::Int(0),
        Ok(Some(s)) => s,
    };
    let removed = argv[2..].iter().filter(|x| s.remove(*x)).count();
    if removed > 0 {
        touch_or_delete(m, ctx.db, &argv[1]);
    }
    Reply::Int(removed as i64)
}

pub(super) fn smove(m: &mut Model, ctx: &mut Ctx, argv: &[Vec<u8>]) -> Reply {
    let (src, dst, member) = (&argv[1], &argv[2], &argv[3]);
    let src_set = set_read(m, ctx, src);
    let dst_set = set_read(m, ctx, dst);
    let dst_exists = match (src_set, dst_set) {
        (Ok(None), _) => return Reply::Int(0),
        (Err(e), _) | (_, Err(e)) => return e,
        (Ok(Some(_)), Ok(d)) => d.is_some(),
    };
    if src == dst {
        let present = set_read(m, ctx, src).ok().flatten().is_some_and(|s| s.contains(member));
        return Reply::Int(i64::from(present));
    }
    let removed = set_mut(m, ctx, src).ok().flatten().is_some_and(|s| s.remove(member));
    if !removed {
        return Reply::Int(0);
    }
    touch_or_delete(m, ctx.db, src);
    if !dst_exists {
        m.insert_entry(ctx.db, dst, Entry::new(Value::Set(BTreeSet::new())));
    }
    if set_mut(m, ctx, dst).ok().flatten().is_some_and(|s| s.insert(member.clone())) {
        m.touch(ctx.db, dst);
    }
    Reply::Int(1)
}

fn read_with(m: &mut Model, ctx: &Ctx, key: &[u8], f: impl FnOnce(&SetOf) -> Reply) -> Reply {
    match set_read(m, ctx, key) {
        Err(e) => e,
        Ok(s) => f(&s.unwrap_or_default()),
    }
}

pub(super) fn sismember(m: &mut Model, ctx: &mut Ctx, argv: &[Vec<u8>]) -> Reply {
    read_with(m, ctx, &argv[1], |s| Reply::Int(i64::from(s.contains(&argv[2]))))
}

pub(super) fn smismember(m: &mut Model, ctx: &mut Ctx, argv: &[Vec<u8>]) -> Reply {
    read_with(m, ctx, &argv[1], |s| Reply::Array(argv[2..].iter().map(|x| Reply::Int(i64::from(s.contains(x)))).collect()))
}

pub(super) fn scard(m: &mut Model, ctx: &mut Ctx, argv: &[Vec<u8>]) -> Reply {
    read_with(m, ctx, &argv[1], |s| Reply::Int(s.len() as i64))
}

/// Look every key up (lazy expiry) and type-check it: the sets, `None` for missing keys.
fn sources(m: &mut Model, ctx: &Ctx, keys: &[Vec<u8>]) -> Result<Vec<Option<SetOf>>, Reply> {
    keys.iter().map(|k| set_read(m, ctx, k)).collect()
}

fn intersection(sets: &[Option<SetOf>]) -> SetOf {
    if sets.iter().any(Option::is_none) {
        return SetOf::new();
    }
    let mut sets = sets.iter().flatten();
    let first = sets.next().cloned().unwrap_or_default();
    sets.fold(first, |acc, s| acc.intersection(s).cloned().collect())
}

fn union(sets: &[Option<SetOf>]) -> SetOf {
    sets.iter().flatten().flat_map(|s| s.iter().cloned()).collect()
}

fn difference(sets: &[Option<SetOf>]) -> SetOf {
    let Some(Some(first)) = sets.first() else { return SetOf::new() };
    first.iter().filter(|x| !sets[1..].iter().flatten().any(|s| s.contains(*x))).cloned().collect()
}

/// Which algebra a command computes.
#[derive(Clone, Copy)]
enum Op {
    Inter,
    Union,
    Diff,
}

fn compute(m: &mut Model, ctx: &Ctx, keys: &[Vec<u8>], op: Op) -> Result<SetOf, Reply> {
    let sets = sources(m, ctx, keys)?;
    Ok(match op {
        Op::Inter => intersection(&sets),
        Op::Union => union(&sets),
        Op::Diff => difference(&sets),
    })
}

fn read_op(m: &mut Model, ctx: &Ctx, keys: &[Vec<u8>], op: Op) -> Reply {
    match compute(m, ctx, keys, op) {
        Ok(s) => members_reply(&s),
        Err(e) => e,
    }
}

fn store_op(m: &mut Model, ctx: &Ctx, argv: &[Vec<u8>], op: Op) -> Reply {
    let result = match compute(m, ctx, &argv[2..], op) {
        Ok(s) => s,
        Err(e) => return e,
    };
    let n = result.len() as i64;
    if n > 0 {
        m.set_key(ctx.db, &argv[1], Value::Set(result), false);
    } else {
        m.delete(ctx.db, &argv[1]);
    }
    Reply::Int(n)
}

pub(super) fn smembers(m: &mut Model, ctx: &mut Ctx, argv: &[Vec<u8>]) -> Reply {
    read_op(m, ctx, &argv[1..], Op::Inter)
}

pub(super) fn sinter(m: &mut Model, ctx: &mut Ctx, argv: &[Vec<u8>]) -> Reply {
    read_op(m, ctx, &argv[1..], Op::Inter)
}

pub(super) fn sunion(m: &mut Model, ctx: &mut Ctx, argv: &[Vec<u8>]) -> Reply {
    read_op(m, ctx, &argv[1..], Op::Union)
}

pub(super) fn sdiff(m: &mut Model, ctx: &mut Ctx, argv: &[Vec<u8>]) -> Reply {
    read_op(m, ctx, &argv[1..], Op::Diff)
}

pub(super) fn sinterstore(m: &mut Model, ctx: &mut Ctx, argv: &[Vec<u8>]) -> Reply {
    store_op(m, ctx, argv, Op::Inter)
}

pub(super) fn sunionstore(m: &mut Model, ctx: &mut Ctx, argv: &[Vec<u8>]) -> Reply {
    store_op(m, ctx, argv, Op::Union)
}

pub(super) fn sdiffstore(m: &mut Model, ctx: &mut Ctx, argv: &[Vec<u8>]) -> Reply {
    store_op(m, ctx, argv, Op::Diff)
}

pub(super) fn sintercard(m: &mut Model, ctx: &mut Ctx, argv: &[Vec<u8>]) -> Reply {
    let numkeys = match parse_i64(&argv[1]) {
        Some(n) if n >= 1 => n as u64,
        _ => return Reply::err("ERR numkeys should be greater than 0"),
    };
    if numkeys > (argv.len() - 2) as u64 {
        return Reply::err("ERR Number of keys can't be greater than number of args");
    }
    let end = 2 + numkeys as usize;
    let mut limit = 0u64;
    let mut i = end;
    while i < argv.len() {
        if !argv[i].eq_ignore_ascii_case(b"limit") || i + 1 >= argv.len() {
            return Reply::err("ERR syntax error");
        }
        match parse_i64(&argv[i + 1]) {
            Some(n) if n >= 0 => limit = n as u64,
            _ => return Reply::err("ERR LIMIT can't be negative"),
        }
        i += 2;
    }
    match compute(m, ctx, &argv[2..end], Op::Inter) {
        Ok(s) if limit > 0 => Reply::Int((s.len() as u64).min(limit) as i64),
        Ok(s) => Reply::Int(s.len() as i64),
        Err(e) => e,
    }
}

/// SPOP's plan (`count: None` for the single form) — the pool is the whole set.
fn spop_plan(m: &mut Model, ctx: &Ctx, argv: &[Vec<u8>]) -> RandomPlan<Vec<u8>> {
    let count = match argv.len() {
        2 => None,
        3 => match parse_i64(&argv[2]) {
            Some(n) if n >= 0 => Some(n),
            _ => return RandomPlan::Exact(Reply::err("ERR value is out of range, must be positive")),
        },
        _ => return RandomPlan::Exact(Reply::err("ERR syntax error")),
    };
    let s = match set_read(m, ctx, &argv[1]) {
        Err(e) => return RandomPlan::Exact(e),
        Ok(None) => return RandomPlan::Exact(if count.is_some() { Reply::Array(Vec::new()) } else { Reply::Nil }),
        Ok(Some(s)) => s,
    };
    if count == Some(0) {
        return RandomPlan::Exact(Reply::Array(Vec::new()));
    }
    RandomPlan::Pick { pool: s.into_iter().collect(), count }
}

/// Remove `popped` from the set at `key` (deleting it if emptied).
fn adopt_pop(m: &mut Model, ctx: &Ctx, key: &[u8], popped: &[Vec<u8>]) {
    if popped.is_empty() {
        return;
    }
    if let Ok(Some(s)) = set_mut(m, ctx, key) {
        for x in popped {
            s.remove(x);
        }
    }
    touch_or_delete(m, ctx.db, key);
}

/// SPOP through `apply`: pops the smallest members (a valid choice).
pub(super) fn spop(m: &mut Model, ctx: &mut Ctx, argv: &[Vec<u8>]) -> Reply {
    let (pool, count) = match spop_plan(m, ctx, argv) {
        RandomPlan::Exact(r) => return r,
        RandomPlan::Pick { pool, count } => (pool, count),
    };
    let n = count.map_or(1, |c| (c as usize).min(pool.len()));
    let popped: Vec<Vec<u8>> = pool.into_iter().take(n).collect();
    adopt_pop(m, ctx, &argv[1], &popped);
    match count {
        None => popped.first().map_or(Reply::Nil, |x| Reply::Bulk(x.clone())),
        Some(_) => Reply::Array(popped.into_iter().map(Reply::Bulk).collect()),
    }
}

fn srandmember_plan(m: &mut Model, ctx: &Ctx, argv: &[Vec<u8>]) -> RandomPlan<Vec<u8>> {
    let count = match argv.len() {
        2 => None,
        3 => match random_count(&argv[2]) {
            Ok(n) => Some(n),
            Err(e) => return RandomPlan::Exact(e),
        },
        _ => return RandomPlan::Exact(Reply::err("ERR syntax error")),
    };
    let s = match set_read(m, ctx, &argv[1]) {
        Err(e) => return RandomPlan::Exact(e),
        Ok(None) => return RandomPlan::Exact(if count.is_some() { Reply::Array(Vec::new()) } else { Reply::Nil }),
        Ok(Some(s)) => s,
    };
    if count == Some(0) {
        return RandomPlan::Exact(Reply::Array(Vec::new()));
    }
    match count.map_or(Ok(()), repeat_count_ok) {
        Err(e) => RandomPlan::Exact(e),
        Ok(()) => RandomPlan::Pick { pool: s.into_iter().collect(), count },
    }
}

/// SRANDMEMBER through `apply`: the first members in order (a valid choice).
pub(super) fn srandmember(m: &mut Model, ctx: &mut Ctx, argv: &[Vec<u8>]) -> Reply {
    let (pool, count) = match srandmember_plan(m, ctx, argv) {
        RandomPlan::Exact(r) => return r,
        RandomPlan::Pick { pool, count } => (pool, count),
    };
    let Some(count) = count else { return Reply::Bulk(pool[0].clone()) };
    let n = if count < 0 { count.unsigned_abs() as usize } else { (count as usize).min(pool.len()) };
    Reply::Array((0..n).map(|i| Reply::Bulk(pool[i % pool.len()].clone())).collect())
}

fn sscan_plan(m: &mut Model, ctx: &Ctx, argv: &[Vec<u8>]) -> ScanPlan {
    let cursor = match scan_cursor(&argv[2]) {
        Ok(c) => c,
        Err(e) => return ScanPlan::Exact(e),
    };
    let s = match set_read(m, ctx, &argv[1]) {
        Err(e) => return ScanPlan::Exact(e),
        Ok(None) => return ScanPlan::Exact(empty_scan()),
        Ok(Some(s)) => s,
    };
    let pattern = match scan_pattern(argv) {
        Ok(p) => p,
        Err(e) => return ScanPlan::Exact(e),
    };
    let all = s.into_iter().filter(|x| pattern.as_ref().is_none_or(|p| glob::matches(p, x))).map(|x| vec![Reply::Bulk(x)]).collect();
    ScanPlan::Elements { all, from_zero: cursor == 0 }
}

pub(super) fn sscan(m: &mut Model, ctx: &mut Ctx, argv: &[Vec<u8>]) -> Reply {
    scan_as_reply(sscan_plan(m, ctx, argv))
}

fn bulk_of(c: &[Reply]) -> Option<Vec<u8>> {
    match c {
        [Reply::Bulk(x)] => Some(x.clone()),
        _ => None,
    }
}

/// Check the engine's reply to one of the nondeterministic set commands (and adopt its effect).
pub(super) fn check_nondet(m: &mut Model, ctx: &mut Ctx, name: &str, argv: &[Vec<u8>], found: &Reply) -> Result<(), String> {
    let outcome = match name {
        "smembers" => same_multiset(&smembers(m, ctx, argv), found, 1),
        "sinter" => same_multiset(&sinter(m, ctx, argv), found, 1),
        "sunion" => same_multiset(&sunion(m, ctx, argv), found, 1),
        "sdiff" => same_multiset(&sdiff(m, ctx, argv), found, 1),
        "sscan" => check_scan(sscan_plan(m, ctx, argv), found, 1),
        "srandmember" => check_picks(srandmember_plan(m, ctx, argv), found, 1, bulk_of).map(|_| ()),
        "spop" => check_picks(spop_plan(m, ctx, argv), found, 1, bulk_of).map(|popped| adopt_pop(m, ctx, &argv[1], &popped)),
        _ => Err("not a nondeterministic command of this family".to_string()),
    };
    outcome.map_err(|e| format!("{}: {e}", name.to_uppercase()))
}
