//! A minimal slice of the list, set and hash commands (LPUSH, RPUSH, LLEN, LRANGE, SADD, SCARD,
//! SISMEMBER, HSET, HGET, HLEN): enough for keys of every type to exist, so WRONGTYPE, TYPE,
//! SCAN TYPE, COPY and RENAME are exercised on non-strings. Full list/set/hash/zset families
//! are future work.

use std::collections::{BTreeMap, BTreeSet};

use super::db::wrongtype;
use super::keyspace::{Entry, Value};
use super::reply::Reply;
use super::table::arity_error;
use super::{Ctx, Model};

/// Look up `key`, creating it with `empty` if missing; WRONGTYPE if `fits` rejects it.
fn write_target<'a>(
    m: &'a mut Model,
    ctx: &Ctx,
    key: &[u8],
    empty: Value,
    fits: fn(&Value) -> bool,
) -> Result<&'a mut Value, Reply> {
    if m.lookup_ctx(ctx, key).is_none() {
        m.insert_entry(ctx.db, key, Entry::new(empty));
    }
    m.touch(ctx.db, key);
    match m.dbs[ctx.db].get_mut(key) {
        Some(e) if fits(&e.value) => Ok(&mut e.value),
        _ => Err(wrongtype()),
    }
}

/// Read-only access: `Ok(None)` if missing, WRONGTYPE if `pick` rejects the value.
fn read<T>(
    m: &mut Model,
    ctx: &Ctx,
    key: &[u8],
    pick: fn(&Value) -> Option<T>,
) -> Result<Option<T>, Reply> {
    match m.lookup_ctx(ctx, key) {
        None => Ok(None),
        Some(e) => pick(&e.value).map(Some).ok_or_else(wrongtype),
    }
}

pub(super) fn sadd(m: &mut Model, ctx: &mut Ctx, argv: &[Vec<u8>]) -> Reply {
    let empty = Value::Set(BTreeSet::new());
    if matches!(m.lookup_ctx(ctx, &argv[1]), Some(e) if !matches!(e.value, Value::Set(_))) {
        return wrongtype();
    }
    match write_target(m, ctx, &argv[1], empty, |v| matches!(v, Value::Set(_))) {
        Ok(Value::Set(set)) => {
            let added = argv[2..]
                .iter()
                .filter(|i| set.insert((*i).clone()))
                .count();
            Reply::Int(added as i64)
        }
        Ok(_) => wrongtype(),
        Err(e) => e,
    }
}

pub(super) fn scard(m: &mut Model, ctx: &mut Ctx, argv: &[Vec<u8>]) -> Reply {
    let pick = |v: &Value| match v {
        Value::Set(s) => Some(s.len()),
        _ => None,
    };
    match read(m, ctx, &argv[1], pick) {
        Ok(n) => Reply::Int(n.unwrap_or(0) as i64),
        Err(e) => e,
    }
}

pub(super) fn sismember(m: &mut Model, ctx: &mut Ctx, argv: &[Vec<u8>]) -> Reply {
    let pick = |v: &Value| match v {
        Value::Set(s) => Some(s.clone()),
        _ => None,
    };
    match read(m, ctx, &argv[1], pick) {
        Ok(s) => Reply::Int(i64::from(s.is_some_and(|s| s.contains(&argv[2])))),
        Err(e) => e,
    }
}

pub(super) fn hset(m: &mut Model, ctx: &mut Ctx, argv: &[Vec<u8>]) -> Reply {
    if argv.len() % 2 == 1 {
        return arity_error("hset");
    }
    if matches!(m.lookup_ctx(ctx, &argv[1]), Some(e) if !matches!(e.value, Value::Hash(_))) {
        return wrongtype();
    }
    let empty = Value::Hash(BTreeMap::new());
    match write_target(m, ctx, &argv[1], empty, |v| matches!(v, Value::Hash(_))) {
        Ok(Value::Hash(h)) => {
            let pairs = argv[2..].chunks(2);
            let added = pairs
                .filter(|p| h.insert(p[0].clone(), p[1].clone()).is_none())
                .count();
            Reply::Int(added as i64)
        }
        Ok(_) => wrongtype(),
        Err(e) => e,
    }
}

pub(super) fn hget(m: &mut Model, ctx: &mut Ctx, argv: &[Vec<u8>]) -> Reply {
    let pick = |v: &Value| match v {
        Value::Hash(h) => Some(h.clone()),
        _ => None,
    };
    match read(m, ctx, &argv[1], pick) {
        Ok(h) => h
            .and_then(|h| h.get(&argv[2]).cloned())
            .map_or(Reply::Nil, Reply::Bulk),
        Err(e) => e,
    }
}

pub(super) fn hlen(m: &mut Model, ctx: &mut Ctx, argv: &[Vec<u8>]) -> Reply {
    let pick = |v: &Value| match v {
        Value::Hash(h) => Some(h.len()),
        _ => None,
    };
    match read(m, ctx, &argv[1], pick) {
        Ok(n) => Reply::Int(n.unwrap_or(0) as i64),
        Err(e) => e,
    }
}
