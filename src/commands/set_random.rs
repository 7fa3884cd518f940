//! SPOP key [count] and SRANDMEMBER key [count] (`t_set.c`, Redis 7.0 semantics).
//!
//! - SPOP without count pops one random member (nil for a missing key) and propagates as
//!   `SREM key member`. With a count it pops `min(count, size)` distinct members: all of them
//!   (propagated as `DEL key`, the key is deleted) or, when fewer, propagated as `SREM key m…`
//!   in batches of [`SREM_BATCH_MAX`] members (Redis 7.0 emits one SREM per member; the
//!   effect is the same). When most of the set goes, the members to keep are drawn instead and
//!   become a new set built from scratch — so, as in Redis, a hashtable set can come back as an
//!   intset. `dirty` grows by the count asked for, as in Redis.
//! - SRANDMEMBER: no count gives one member; count ≥ 0 gives `min(count, size)` distinct
//!   members; count < 0 gives |count| independent picks (repeats allowed), refused beyond
//!   [`REPEAT_COUNT_MAX`] with [`REPEAT_COUNT_ERROR`] (DESIGN §7: Redis 7.0 would try to build
//!   a reply of up to 2^63 elements).
//!
//! Randomness comes only from the keyspace's seeded PRNG.

use super::hash::modified;
use super::hash_random::{parse_count, sample_indexes, REPEAT_COUNT_ERROR, REPEAT_COUNT_MAX};
use super::set::{delete_if_empty, get_set};
use super::Ctx;
use crate::env::{KeyedState, Rng};
use crate::keyspace::Keyspace;
use crate::object::Value;
use crate::resp::Argv;
use crate::server::client::Client;
use crate::server::Server;
use crate::types::set::Set;
use crate::types::TypeLimits;
use crate::util::number::string2l;

/// Members per propagated SREM when SPOP pops several.
pub const SREM_BATCH_MAX: usize = 1024;
/// Redis's `SPOP_MOVE_STRATEGY_MUL`: pop one by one while `remaining * 5 > count`.
const SPOP_MOVE_STRATEGY_MUL: usize = 5;

/// The set at `key` and the keyspace's PRNG, borrowed together (after the caller's lookup).
fn set_and_rng<'a>(ks: &'a mut Keyspace, db: usize, key: &[u8]) -> Option<(&'a mut Set, &'a mut Rng)> {
    match ks.dbs[db].dict.get_mut(key).map(|e| &mut e.value) {
        Some(Value::Set(set)) => Some((set, &mut ks.rng)),
        _ => None,
    }
}

/// Pop one random member.
fn pop_one(set: &mut Set, rng: &mut Rng) -> Option<Vec<u8>> {
    let m = set.random(rng)?;
    set.remove(&m);
    Some(m)
}

pub fn spop(s: &mut Server, c: &mut Client, a: &Argv, ctx: &mut Ctx) {
    if a.len() == 3 {
        return spop_count(s, c, a, ctx);
    }
    if a.len() > 3 {
        return c.add_syntax_error();
    }
    let key = a.get(1);
    match get_set(&mut s.ks, c.db, key, false) {
        Err(()) => return c.add_wrong_type(),
        Ok(None) => return c.add_null(),
        Ok(Some(_)) => {}
    }
    let Some(m) = set_and_rng(&mut s.ks, c.db, key).and_then(|(set, rng)| pop_one(set, rng)) else {
        return c.add_null();
    };
    c.add_bulk(&m);
    delete_if_empty(&mut s.ks, c.db, key);
    modified(&mut s.ks, c.db, key, 1);
    ctx.propagated = true;
    s.ks.propagate(c.db, vec![b"SREM".to_vec(), key.to_vec(), m]);
}

fn spop_count(s: &mut Server, c: &mut Client, a: &Argv, ctx: &mut Ctx) {
    let key = a.get(1);
    let count = match string2l(a.get(2)) {
        Some(n) if n >= 0 => n as u64,
        _ => return c.add_error("ERR value is out of range, must be positive"),
    };
    match get_set(&mut s.ks, c.db, key, false) {
        Err(()) => return c.add_wrong_type(),
        Ok(None) => return c.add_set_len(0),
        Ok(Some(_)) => {}
    }
    if count == 0 {
        return c.add_set_len(0);
    }
    let (limits, hasher) = (TypeLimits::from_config(&s.config), s.ks.hasher().clone());
    let Some((set, rng)) = set_and_rng(&mut s.ks, c.db, key) else { return c.add_set_len(0) };
    let size = set.len();
    ctx.propagated = true;
    if count >= size as u64 {
        let all = set.members();
        reply_members(c, &all);
        s.ks.delete(c.db, key);
        modified(&mut s.ks, c.db, key, count);
        s.ks.propagate(c.db, vec![b"DEL".to_vec(), key.to_vec()]);
        return;
    }
    let count = count as usize;
    let popped = if (size - count) * SPOP_MOVE_STRATEGY_MUL > count {
        (0..count).filter_map(|_| pop_one(set, rng)).collect()
    } else {
        keep_random(set, rng, size - count, &limits, &hasher)
    };
    reply_members(c, &popped);
    modified(&mut s.ks, c.db, key, count as u64);
    for batch in popped.chunks(SREM_BATCH_MAX) {
        let mut argv = vec![b"SREM".to_vec(), key.to_vec()];
        argv.extend(batch.iter().cloned());
        s.ks.propagate(c.db, argv);
    }
}

/// SPOP's CASE 3: draw the `remaining` members that stay into a new set (created for its first
/// member, `setTypeCreate`), make it the value, and return the old set's other members.
fn keep_random(set: &mut Set, rng: &mut Rng, remaining: usize, limits: &TypeLimits, hasher: &KeyedState) -> Vec<Vec<u8>> {
    let mut kept: Option<Set> = None;
    for _ in 0..remaining {
        let Some(m) = pop_one(set, rng) else { break };
        kept.get_or_insert_with(|| Set::for_first_member(&m, hasher)).add(&m, limits, hasher);
    }
    let popped = set.members();
    if let Some(kept) = kept {
        *set = kept;
    }
    popped
}

fn reply_members(c: &mut Client, members: &[Vec<u8>]) {
    c.add_set_len(members.len());
    for m in members {
        c.add_bulk(m);
    }
}

pub fn srandmember(s: &mut Server, c: &mut Client, a: &Argv, _: &mut Ctx) {
    if a.len() == 3 {
        return srandmember_count(s, c, a);
    }
    if a.len() > 3 {
        return c.add_syntax_error();
    }
    let key = a.get(1);
    match get_set(&mut s.ks, c.db, key, true) {
        Err(()) => return c.add_wrong_type(),
        Ok(None) => return c.add_null(),
        Ok(Some(_)) => {}
    }
    let m = set_and_rng(&mut s.ks, c.db, key).and_then(|(set, rng)| set.random(rng));
    c.add_bulk_or_null(m.as_deref());
}

fn srandmember_count(s: &mut Server, c: &mut Client, a: &Argv) {
    let key = a.get(1);
    let count = match parse_count(a.get(2)) {
        Ok(n) => n,
        Err(e) => return c.add_error(&e),
    };
    match get_set(&mut s.ks, c.db, key, true) {
        Err(()) => return c.add_wrong_type(),
        Ok(None) => return c.add_array_len(0),
        Ok(Some(_)) => {}
    }
    let wanted = count.unsigned_abs();
    if wanted == 0 {
        return c.add_array_len(0);
    }
    if count < 0 && wanted > REPEAT_COUNT_MAX {
        return c.add_error(REPEAT_COUNT_ERROR);
    }
    let Some((set, rng)) = set_and_rng(&mut s.ks, c.db, key) else { return c.add_array_len(0) };
    if count < 0 || wanted == 1 {
        // `wanted` ≤ REPEAT_COUNT_MAX here, so the reply is bounded.
        c.add_array_len(wanted as usize);
        for _ in 0..wanted {
            if let Some(m) = set.random(rng) {
                c.add_bulk(&m);
            }
        }
        return;
    }
    let all = set.members();
    let picked = sample_indexes(rng, all.len(), usize::try_from(wanted).unwrap_or(usize::MAX));
    c.add_array_len(picked.len());
    for i in picked {
        c.add_bulk(&all[i]);
    }
}
