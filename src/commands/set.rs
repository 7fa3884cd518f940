//! Set commands (`t_set.c`): the table rows, the keyspace access helpers, and SADD, SREM,
//! SMOVE, SISMEMBER, SMISMEMBER, SCARD, SSCAN. The multi-key algebra (SINTER, SUNION, SDIFF,
//! their STORE forms, SINTERCARD, SMEMBERS) is in `set_ops`; SPOP and SRANDMEMBER in
//! `set_random`.
//!
//! Contracts: WRONGTYPE leaves every key alone; each modification bumps `dirty` by Redis's
//! amount and touches WATCHers; a set emptied by SREM or SMOVE is deleted; adds may convert the
//! encoding (intset → hashtable) as `types::set` describes. All of these propagate as their
//! argv.

use super::flags::FAST;
use super::hash::{modified, Conv};
use super::hash_scan::{parse_scan_opts, reply_empty_scan, reply_scan, scan_loop};
use super::scan::parse_cursor;
use super::{set_ops, set_random, Command, Ctx, R, W, WD};
use crate::keyspace::Keyspace;
use crate::object::Value;
use crate::resp::Argv;
use crate::server::client::Client;
use crate::server::Server;
use crate::types::set::Set;

/// This family's rows of the command table (arity and flags as Redis 7.0).
pub static COMMANDS: &[Command] = &[
    cmd!("sadd", -3, WD | FAST, 1, 1, 1, sadd),
    cmd!("srem", -3, W | FAST, 1, 1, 1, srem),
    cmd!("smove", 4, W | FAST, 1, 2, 1, smove),
    cmd!("sismember", 3, R | FAST, 1, 1, 1, sismember),
    cmd!("smismember", -3, R | FAST, 1, 1, 1, smismember),
    cmd!("scard", 2, R | FAST, 1, 1, 1, scard),
    cmd!("sscan", -3, R, 1, 1, 1, sscan),
    cmd!("smembers", 2, R, 1, 1, 1, set_ops::smembers),
    cmd!("sinter", -2, R, 1, -1, 1, set_ops::sinter),
    cmd!("sintercard", -3, R, 0, 0, 0, set_ops::sintercard),
    cmd!("sinterstore", -3, WD, 1, -1, 1, set_ops::sinterstore),
    cmd!("sunion", -2, R, 1, -1, 1, set_ops::sunion),
    cmd!("sunionstore", -3, WD, 1, -1, 1, set_ops::sunionstore),
    cmd!("sdiff", -2, R, 1, -1, 1, set_ops::sdiff),
    cmd!("sdiffstore", -3, WD, 1, -1, 1, set_ops::sdiffstore),
    cmd!("spop", -2, W | FAST, 1, 1, 1, set_random::spop),
    cmd!("srandmember", -2, R, 1, 1, 1, set_random::srandmember),
];

/// The set at `key` (lazy expiry applied; `read` selects `lookupKeyRead` statistics):
/// `Ok(None)` if missing, `Err(())` if the key holds another type.
pub(crate) fn get_set<'a>(ks: &'a mut Keyspace, db: usize, key: &[u8], read: bool) -> Result<Option<&'a mut Set>, ()> {
    let entry = if read { ks.lookup_read(db, key) } else { ks.lookup_write(db, key) };
    match entry.map(|e| &mut e.value) {
        None => Ok(None),
        Some(Value::Set(set)) => Ok(Some(set)),
        Some(_) => Err(()),
    }
}

/// The set stored at `key`, without lookup side effects (the caller has looked it up).
pub(crate) fn stored_set<'a>(ks: &'a Keyspace, db: usize, key: &[u8]) -> Option<&'a Set> {
    match ks.dbs[db].dict.get(key).map(|e| &e.value) {
        Some(Value::Set(set)) => Some(set),
        _ => None,
    }
}

/// [`stored_set`], mutable.
pub(crate) fn stored_set_mut<'a>(ks: &'a mut Keyspace, db: usize, key: &[u8]) -> Option<&'a mut Set> {
    match ks.dbs[db].dict.get_mut(key).map(|e| &mut e.value) {
        Some(Value::Set(set)) => Some(set),
        _ => None,
    }
}

/// Delete `key` if its set is now empty; true if it did.
pub(crate) fn delete_if_empty(ks: &mut Keyspace, db: usize, key: &[u8]) -> bool {
    if stored_set(ks, db, key).is_some_and(Set::is_empty) {
        ks.delete(db, key);
        return true;
    }
    false
}

pub fn sadd(s: &mut Server, c: &mut Client, a: &Argv, _: &mut Ctx) {
    let (key, cv) = (a.get(1), Conv::of(s));
    match get_set(&mut s.ks, c.db, key, false) {
        Err(()) => return c.add_wrong_type(),
        Ok(Some(_)) => {}
        Ok(None) => {
            let entry = s.ks.entry(Value::Set(Set::for_first_member(a.get(2), &cv.hasher)));
            s.ks.dbs[c.db].insert(key, entry);
        }
    }
    let Some(set) = stored_set_mut(&mut s.ks, c.db, key) else { return c.add_int(0) };
    let added = a.iter().skip(2).filter(|m| set.add(m, &cv.limits, &cv.hasher)).count() as u64;
    if added > 0 {
        modified(&mut s.ks, c.db, key, added);
    }
    c.add_int(added as i64);
}

pub fn srem(s: &mut Server, c: &mut Client, a: &Argv, _: &mut Ctx) {
    let key = a.get(1);
    let set = match get_set(&mut s.ks, c.db, key, false) {
        Err(()) => return c.add_wrong_type(),
        Ok(None) => return c.add_int(0),
        Ok(Some(set)) => set,
    };
    let mut removed = 0u64;
    for m in a.iter().skip(2) {
        if set.remove(m) {
            removed += 1;
            if set.is_empty() {
                break;
            }
        }
    }
    if removed > 0 {
        delete_if_empty(&mut s.ks, c.db, key);
        modified(&mut s.ks, c.db, key, removed);
    }
    c.add_int(removed as i64);
}

pub fn smove(s: &mut Server, c: &mut Client, a: &Argv, _: &mut Ctx) {
    let (src, dst, member, cv) = (a.get(1), a.get(2), a.get(3), Conv::of(s));
    let src_type = get_set(&mut s.ks, c.db, src, false).map(|v| v.is_some());
    let dst_type = get_set(&mut s.ks, c.db, dst, false).map(|v| v.is_some());
    let dst_exists = match (src_type, dst_type) {
        (Ok(false), _) => return c.add_int(0),
        (Err(()), _) | (_, Err(())) => return c.add_wrong_type(),
        (Ok(true), Ok(dst_exists)) => dst_exists,
    };
    if src == dst {
        let present = stored_set(&s.ks, c.db, src).is_some_and(|set| set.contains(member));
        return c.add_int(i64::from(present));
    }
    if !stored_set_mut(&mut s.ks, c.db, src).is_some_and(|set| set.remove(member)) {
        return c.add_int(0);
    }
    delete_if_empty(&mut s.ks, c.db, src);
    if !dst_exists {
        let entry = s.ks.entry(Value::Set(Set::for_first_member(member, &cv.hasher)));
        s.ks.dbs[c.db].insert(dst, entry);
    }
    modified(&mut s.ks, c.db, src, 1);
    if stored_set_mut(&mut s.ks, c.db, dst).is_some_and(|set| set.add(member, &cv.limits, &cv.hasher)) {
        modified(&mut s.ks, c.db, dst, 1);
    }
    c.add_int(1);
}

pub fn sismember(s: &mut Server, c: &mut Client, a: &Argv, _: &mut Ctx) {
    match get_set(&mut s.ks, c.db, a.get(1), true) {
        Err(()) => c.add_wrong_type(),
        Ok(set) => c.add_int(i64::from(set.is_some_and(|set| set.contains(a.get(2))))),
    }
}

pub fn smismember(s: &mut Server, c: &mut Client, a: &Argv, _: &mut Ctx) {
    let set = match get_set(&mut s.ks, c.db, a.get(1), true) {
        Err(()) => return c.add_wrong_type(),
        Ok(set) => set,
    };
    let answers: Vec<bool> = a.iter().skip(2).map(|m| set.as_ref().is_some_and(|set| set.contains(m))).collect();
    c.add_array_len(answers.len());
    for present in answers {
        c.add_int(i64::from(present));
    }
}

pub fn scard(s: &mut Server, c: &mut Client, a: &Argv, _: &mut Ctx) {
    match get_set(&mut s.ks, c.db, a.get(1), true) {
        Err(()) => c.add_wrong_type(),
        Ok(set) => c.add_int(set.map_or(0, |set| set.len()) as i64),
    }
}

/// SSCAN key cursor [MATCH pattern] [COUNT count]: checks in the order `hash_scan` describes;
/// an intset is returned whole with cursor 0.
pub fn sscan(s: &mut Server, c: &mut Client, a: &Argv, _: &mut Ctx) {
    let key = a.get(1);
    let Some(cursor) = parse_cursor(a.get(2)) else { return c.add_error("ERR invalid cursor") };
    match get_set(&mut s.ks, c.db, key, true) {
        Err(()) => return c.add_wrong_type(),
        Ok(None) => return reply_empty_scan(c),
        Ok(Some(_)) => {}
    }
    let o = match parse_scan_opts(a, 3) {
        Ok(o) => o,
        Err(e) => return c.add_error(e),
    };
    let Some(set) = stored_set(&s.ks, c.db, key) else { return reply_empty_scan(c) };
    let (cursor, items) = match set {
        Set::Intset(_) => (0, set.members()),
        Set::Table(_) => scan_loop(cursor, o.count, |cur, items| {
            set.scan_table(cur, &mut |m| items.push(m.to_vec())).unwrap_or(0)
        }),
    };
    reply_scan(c, cursor, &items, false, o.pattern);
}
