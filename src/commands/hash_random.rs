//! HRANDFIELD key [count [WITHVALUES]] (`hrandfieldCommand`, Redis 7.0 semantics).
//!
//! - No count: one random field, or nil for a missing key.
//! - count ≥ 0: that many *distinct* fields (all of them when count ≥ size), in the hash's
//!   iteration order (Redis's listpack case replies in listpack order too).
//! - count < 0: |count| fields chosen independently, so they may repeat.
//!
//! Limit (DESIGN §7): Redis 7.0 accepts any negative count down to -LONG_MAX and builds the
//! reply until memory runs out. Keel answers [`REPEAT_COUNT_ERROR`] when a negative count asks
//! for more than [`REPEAT_COUNT_MAX`] elements of an existing hash (a missing key still gets
//! the empty reply, as in Redis). SRANDMEMBER shares the limit.
//!
//! Randomness comes from the keyspace's seeded PRNG only; the command is read-only and is not
//! propagated.

use super::hash::get_hash;
use super::Ctx;
use crate::env::Rng;
use crate::keyspace::Keyspace;
use crate::object::Value;
use crate::resp::Argv;
use crate::server::client::Client;
use crate::server::Server;
use crate::types::hash::Hash;
use crate::util::number::string2ll;

/// Most elements a negative count may ask for (see the module doc).
pub const REPEAT_COUNT_MAX: u64 = 1_000_000;
/// The reply to a negative count beyond [`REPEAT_COUNT_MAX`].
pub const REPEAT_COUNT_ERROR: &str = "ERR value is out of range, a negative count must be >= -1000000";

/// `getRangeLongFromObjectOrReply(c, o, -LONG_MAX, LONG_MAX, ...)`.
pub(crate) fn parse_count(arg: &[u8]) -> Result<i64, String> {
    match string2ll(arg) {
        None => Err("ERR value is not an integer or out of range".to_string()),
        Some(i64::MIN) => Err(format!("ERR value is out of range, value must between {} and {}", -i64::MAX, i64::MAX)),
        Some(n) => Ok(n),
    }
}

/// `k` distinct indexes of `0..n` in ascending order (Knuth's selection sampling).
pub(crate) fn sample_indexes(rng: &mut Rng, n: usize, k: usize) -> Vec<usize> {
    let mut out = Vec::with_capacity(k.min(n));
    for i in 0..n {
        let (left, need) = ((n - i) as u64, (k - out.len()) as u64);
        if need == 0 {
            break;
        }
        if rng.below(left) < need {
            out.push(i);
        }
    }
    out
}

pub fn hrandfield(s: &mut Server, c: &mut Client, a: &Argv, _: &mut Ctx) {
    if a.len() < 3 {
        return single(s, c, a.get(1));
    }
    let count = match parse_count(a.get(2)) {
        Ok(n) => n,
        Err(e) => return c.add_error(&e),
    };
    let withvalues = a.len() == 4;
    if a.len() > 4 || (withvalues && !a.get(3).eq_ignore_ascii_case(b"withvalues")) {
        return c.add_syntax_error();
    }
    if withvalues && !(-(i64::MAX / 2)..=i64::MAX / 2).contains(&count) {
        return c.add_error("ERR value is out of range");
    }
    with_count(s, c, a.get(1), count, withvalues);
}

/// The hash at `key` and the keyspace's PRNG, borrowed together (the caller has already
/// looked the key up, so expiry and statistics are done).
fn hash_and_rng<'a>(ks: &'a mut Keyspace, db: usize, key: &[u8]) -> Option<(&'a Hash, &'a mut Rng)> {
    match ks.dbs[db].dict.get(key).map(|e| &e.value) {
        Some(Value::Hash(h)) => Some((h, &mut ks.rng)),
        _ => None,
    }
}

/// Look the key up: `Ok(true)` if a hash is there, `Ok(false)` if missing, `Err` WRONGTYPE.
fn lookup(s: &mut Server, db: usize, key: &[u8]) -> Result<bool, ()> {
    get_hash(&mut s.ks, db, key, true).map(|h| h.is_some())
}

fn single(s: &mut Server, c: &mut Client, key: &[u8]) {
    match lookup(s, c.db, key) {
        Err(()) => return c.add_wrong_type(),
        Ok(false) => return c.add_null(),
        Ok(true) => {}
    }
    match hash_and_rng(&mut s.ks, c.db, key).and_then(|(h, rng)| h.random_pair(rng)) {
        Some((field, _)) => c.add_bulk(&field),
        None => c.add_null(),
    }
}

fn reply_pair(c: &mut Client, field: &[u8], value: &[u8], withvalues: bool) {
    if withvalues && c.resp == 3 {
        c.add_array_len(2);
    }
    c.add_bulk(field);
    if withvalues {
        c.add_bulk(value);
    }
}

fn reply_len(c: &mut Client, n: usize, withvalues: bool) {
    let flat = withvalues && c.resp != 3;
    c.add_array_len(if flat { n.saturating_mul(2) } else { n });
}

/// `hrandfieldWithCountCommand`.
fn with_count(s: &mut Server, c: &mut Client, key: &[u8], count: i64, withvalues: bool) {
    match lookup(s, c.db, key) {
        Err(()) => return c.add_wrong_type(),
        Ok(false) => return c.add_array_len(0),
        Ok(true) => {}
    }
    let Some((h, rng)) = hash_and_rng(&mut s.ks, c.db, key) else { return c.add_array_len(0) };
    let wanted = count.unsigned_abs();
    if wanted == 0 {
        return c.add_array_len(0);
    }
    if count < 0 && wanted > REPEAT_COUNT_MAX {
        return c.add_error(REPEAT_COUNT_ERROR);
    }
    if count < 0 || wanted == 1 {
        return with_repetition(c, h, rng, wanted as usize, withvalues);
    }
    let pairs = h.pairs();
    let picked = sample_indexes(rng, pairs.len(), usize::try_from(wanted).unwrap_or(usize::MAX));
    reply_len(c, picked.len(), withvalues);
    for i in picked {
        reply_pair(c, &pairs[i].0, &pairs[i].1, withvalues);
    }
}

/// CASE 1: `n` independent picks (n ≤ [`REPEAT_COUNT_MAX`]).
fn with_repetition(c: &mut Client, h: &Hash, rng: &mut Rng, n: usize, withvalues: bool) {
    reply_len(c, n, withvalues);
    if let Hash::Ziplist(_) = h {
        // Materialise the small ziplist once instead of walking it for every pick.
        let pairs = h.pairs();
        for _ in 0..n {
            let (f, v) = &pairs[rng.below(pairs.len() as u64) as usize];
            reply_pair(c, f, v, withvalues);
        }
        return;
    }
    for _ in 0..n {
        if let Some((f, v)) = h.random_pair(rng) {
            reply_pair(c, &f, &v, withvalues);
        }
    }
}
