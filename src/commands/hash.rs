//! Hash commands (`t_hash.c`): the table rows, the keyspace access helpers, and the writing
//! commands HSET, HMSET, HSETNX, HDEL, HINCRBY, HINCRBYFLOAT. Reads are in `hash_read`,
//! HRANDFIELD in `hash_random`, HSCAN in `hash_scan`.
//!
//! Contracts shared by every handler here:
//! - argument errors that Redis detects before the lookup (arity parity, unparsable numbers)
//!   are answered before the key is touched, in Redis's order;
//! - a key holding another type answers WRONGTYPE and is left alone;
//! - every modification bumps `dirty` by Redis's amount and touches WATCHers; a hash emptied
//!   by HDEL is deleted;
//! - writes may convert the encoding (ziplist → hashtable) following `types::hash`;
//! - HINCRBYFLOAT propagates as `HSET key field <result>` (Redis 7.0), so a replay does not
//!   depend on float formatting; every other command propagates as its argv.

use super::flags::FAST;
use super::{arg_i64, hash_random, hash_read, hash_scan, Command, Ctx, R, W, WD};
use crate::env::KeyedState;
use crate::keyspace::Keyspace;
use crate::object::Value;
use crate::resp::Argv;
use crate::server::client::Client;
use crate::server::Server;
use crate::types::hash::Hash;
use crate::types::TypeLimits;
use crate::util::longdouble::{incr_by_float, string2ld, IncrFloatError};
use crate::util::number::string2ll;

/// This family's rows of the command table (arity and flags as Redis 7.0).
pub static COMMANDS: &[Command] = &[
    cmd!("hset", -4, WD | FAST, 1, 1, 1, hset),
    cmd!("hmset", -4, WD | FAST, 1, 1, 1, hmset),
    cmd!("hsetnx", 4, WD | FAST, 1, 1, 1, hsetnx),
    cmd!("hdel", -3, W | FAST, 1, 1, 1, hdel),
    cmd!("hincrby", 4, WD | FAST, 1, 1, 1, hincrby),
    cmd!("hincrbyfloat", 4, WD | FAST, 1, 1, 1, hincrbyfloat),
    cmd!("hget", 3, R | FAST, 1, 1, 1, hash_read::hget),
    cmd!("hmget", -3, R | FAST, 1, 1, 1, hash_read::hmget),
    cmd!("hlen", 2, R | FAST, 1, 1, 1, hash_read::hlen),
    cmd!("hstrlen", 3, R | FAST, 1, 1, 1, hash_read::hstrlen),
    cmd!("hexists", 3, R | FAST, 1, 1, 1, hash_read::hexists),
    cmd!("hgetall", 2, R, 1, 1, 1, hash_read::hgetall),
    cmd!("hkeys", 2, R, 1, 1, 1, hash_read::hkeys),
    cmd!("hvals", 2, R, 1, 1, 1, hash_read::hvals),
    cmd!("hrandfield", -2, R, 1, 1, 1, hash_random::hrandfield),
    cmd!("hscan", -3, R, 1, 1, 1, hash_scan::hscan),
];

/// What an encoding conversion needs: the configured limits and the keyspace's hasher.
pub(crate) struct Conv {
    pub limits: TypeLimits,
    pub hasher: KeyedState,
}

impl Conv {
    pub(crate) fn of(s: &Server) -> Conv {
        Conv { limits: TypeLimits::from_config(&s.config), hasher: s.ks.hasher().clone() }
    }
}

/// The hash at `key` (lazy expiry applied; `read` selects `lookupKeyRead` statistics):
/// `Ok(None)` if missing, `Err(())` if the key holds another type.
pub(crate) fn get_hash<'a>(ks: &'a mut Keyspace, db: usize, key: &[u8], read: bool) -> Result<Option<&'a mut Hash>, ()> {
    let entry = if read { ks.lookup_read(db, key) } else { ks.lookup_write(db, key) };
    match entry.map(|e| &mut e.value) {
        None => Ok(None),
        Some(Value::Hash(h)) => Ok(Some(h)),
        Some(_) => Err(()),
    }
}

/// `hashTypeLookupWriteOrCreate`: the hash at `key`, created empty if missing.
fn hash_or_create<'a>(ks: &'a mut Keyspace, db: usize, key: &[u8]) -> Result<&'a mut Hash, ()> {
    match ks.lookup_write(db, key).map(|e| matches!(e.value, Value::Hash(_))) {
        Some(false) => return Err(()),
        Some(true) => {}
        None => {
            let entry = ks.entry(Value::Hash(Hash::default()));
            ks.dbs[db].insert(key, entry);
        }
    }
    match ks.dbs[db].dict.get_mut(key).map(|e| &mut e.value) {
        Some(Value::Hash(h)) => Ok(h),
        _ => Err(()),
    }
}

/// Record a modification of `key`: WATCH invalidation and `n` dirty changes.
pub(crate) fn modified(ks: &mut Keyspace, db: usize, key: &[u8], n: u64) {
    ks.touch_watched(db, key);
    ks.dirty += n;
}

/// Delete `key` if its hash is now empty (after HDEL).
fn delete_if_empty(ks: &mut Keyspace, db: usize, key: &[u8]) {
    if matches!(ks.dbs[db].dict.get(key).map(|e| &e.value), Some(Value::Hash(h)) if h.is_empty()) {
        ks.delete(db, key);
    }
}

pub fn hset(s: &mut Server, c: &mut Client, a: &Argv, _: &mut Ctx) {
    hset_generic(s, c, a, "hset");
}

pub fn hmset(s: &mut Server, c: &mut Client, a: &Argv, _: &mut Ctx) {
    hset_generic(s, c, a, "hmset");
}

/// `hsetCommand` (HSET replies the number of new fields, HMSET `+OK`).
fn hset_generic(s: &mut Server, c: &mut Client, a: &Argv, name: &str) {
    if a.len() % 2 == 1 {
        return c.add_error(&format!("ERR wrong number of arguments for '{name}' command"));
    }
    let (key, cv) = (a.get(1), Conv::of(s));
    let Ok(h) = hash_or_create(&mut s.ks, c.db, key) else { return c.add_wrong_type() };
    h.try_conversion(a.iter().skip(2), &cv.limits, &cv.hasher);
    let mut created = 0;
    for i in (2..a.len()).step_by(2) {
        created += i64::from(h.set(a.get(i), a.get(i + 1), &cv.limits, &cv.hasher));
    }
    modified(&mut s.ks, c.db, key, (a.len() as u64 - 2) / 2);
    if name == "hset" {
        c.add_int(created);
    } else {
        c.add_ok();
    }
}

pub fn hsetnx(s: &mut Server, c: &mut Client, a: &Argv, _: &mut Ctx) {
    let (key, field, value, cv) = (a.get(1), a.get(2), a.get(3), Conv::of(s));
    let Ok(h) = hash_or_create(&mut s.ks, c.db, key) else { return c.add_wrong_type() };
    // Redis checks for the field before `hashTypeTryConversion`: an existing field leaves the
    // encoding alone even if the refused value is long.
    if h.contains(field) {
        return c.add_int(0);
    }
    h.try_conversion([field, value].into_iter(), &cv.limits, &cv.hasher);
    h.set(field, value, &cv.limits, &cv.hasher);
    modified(&mut s.ks, c.db, key, 1);
    c.add_int(1);
}

pub fn hdel(s: &mut Server, c: &mut Client, a: &Argv, _: &mut Ctx) {
    let key = a.get(1);
    let h = match get_hash(&mut s.ks, c.db, key, false) {
        Err(()) => return c.add_wrong_type(),
        Ok(None) => return c.add_int(0),
        Ok(Some(h)) => h,
    };
    let mut deleted = 0;
    for field in a.iter().skip(2) {
        if h.remove(field) {
            deleted += 1;
            if h.is_empty() {
                break;
            }
        }
    }
    if deleted > 0 {
        delete_if_empty(&mut s.ks, c.db, key);
        modified(&mut s.ks, c.db, key, deleted);
    }
    c.add_int(deleted as i64);
}

/// The current value of `field` for an increment: `Ok(None)` if the hash or field is missing.
fn current_value(s: &mut Server, db: usize, key: &[u8], field: &[u8]) -> Result<Option<Vec<u8>>, ()> {
    Ok(get_hash(&mut s.ks, db, key, false)?.and_then(|h| h.get(field).map(|v| v.into_owned())))
}

/// Store the result of an increment (creating the hash if needed) and record the change.
fn store_increment(s: &mut Server, db: usize, key: &[u8], field: &[u8], value: &[u8]) {
    let cv = Conv::of(s);
    if let Ok(h) = hash_or_create(&mut s.ks, db, key) {
        h.set(field, value, &cv.limits, &cv.hasher);
    }
    modified(&mut s.ks, db, key, 1);
}

pub fn hincrby(s: &mut Server, c: &mut Client, a: &Argv, _: &mut Ctx) {
    let (key, field) = (a.get(1), a.get(2));
    let Some(incr) = arg_i64(a.get(3)) else { return c.add_not_integer() };
    let current = match current_value(s, c.db, key, field) {
        Err(()) => return c.add_wrong_type(),
        Ok(None) => 0,
        Ok(Some(v)) => match string2ll(&v) {
            Some(n) => n,
            None => return c.add_error("ERR hash value is not an integer"),
        },
    };
    let Some(new) = current.checked_add(incr) else {
        return c.add_error("ERR increment or decrement would overflow");
    };
    store_increment(s, c.db, key, field, new.to_string().as_bytes());
    c.add_int(new);
}

pub fn hincrbyfloat(s: &mut Server, c: &mut Client, a: &Argv, ctx: &mut Ctx) {
    let (key, field, incr) = (a.get(1), a.get(2), a.get(3));
    match string2ld(incr) {
        None => return c.add_error("ERR value is not a valid float"),
        Some(v) if v.is_infinite() => return c.add_error("ERR value is NaN or Infinity"),
        Some(_) => {}
    }
    let current = match current_value(s, c.db, key, field) {
        Err(()) => return c.add_wrong_type(),
        Ok(v) => v.unwrap_or_else(|| b"0".to_vec()),
    };
    let new = match incr_by_float(&current, incr) {
        Ok(v) => v,
        Err(IncrFloatError::CurrentNotFloat) => return c.add_error("ERR hash value is not a float"),
        Err(IncrFloatError::IncrNotFloat) => return c.add_error("ERR value is not a valid float"),
        Err(IncrFloatError::NanOrInfinity) => return c.add_error("ERR increment would produce NaN or Infinity"),
    };
    store_increment(s, c.db, key, field, &new);
    c.add_bulk(&new);
    ctx.propagated = true;
    s.ks.propagate(c.db, vec![b"HSET".to_vec(), key.to_vec(), field.to_vec(), new]);
}
