//! List commands (`t_list.c`, Redis 7.0): the command table of the family, the keyspace
//! helpers every list command shares, and the commands that read or edit a list in place
//! (LPUSH, RPUSH, LPUSHX, RPUSHX, LINSERT, LLEN, LINDEX, LSET, LRANGE, LTRIM, LREM, LPOS).
//! Pops and moves live in `list_pop`, the blocking commands in `list_block`.
//!
//! Contracts shared by every list command:
//! - a list in the keyspace is never empty: a command that empties one deletes the key;
//! - every modification touches WATCHers (`signalModifiedKey`) and adds to `ks.dirty` the
//!   number of elements changed (Redis's `server.dirty` arithmetic);
//! - creating a list key signals it as ready for clients blocked on it (Redis 7.0's `dbAdd`
//!   → `signalKeyAsReady`), so BLPOP & co. are served after the command completes;
//! - arguments are validated in Redis's order (some before the key lookup, some after), since
//!   that order decides which error a client sees.

use super::{arg_i64, Command, Ctx, R, W, WD};
use crate::commands::flags::FAST;
use crate::keyspace::Keyspace;
use crate::object::Value;
use crate::resp::Argv;
use crate::server::client::Client;
use crate::server::Server;
use crate::types::list::List;
use crate::types::TypeLimits;

use super::list_block as block;
use super::list_pop as pop;

/// This family's rows of the command table.
pub static COMMANDS: &[Command] = &[
    cmd!("lpush", -3, WD | FAST, 1, 1, 1, lpush),
    cmd!("rpush", -3, WD | FAST, 1, 1, 1, rpush),
    cmd!("lpushx", -3, WD | FAST, 1, 1, 1, lpushx),
    cmd!("rpushx", -3, WD | FAST, 1, 1, 1, rpushx),
    cmd!("linsert", 5, WD, 1, 1, 1, linsert),
    cmd!("llen", 2, R | FAST, 1, 1, 1, llen),
    cmd!("lindex", 3, R, 1, 1, 1, lindex),
    cmd!("lset", 4, WD, 1, 1, 1, lset),
    cmd!("lrange", 4, R, 1, 1, 1, lrange),
    cmd!("ltrim", 4, W, 1, 1, 1, ltrim),
    cmd!("lrem", 4, W, 1, 1, 1, lrem),
    cmd!("lpos", -3, R, 1, 1, 1, lpos),
    cmd!("lpop", -2, W | FAST, 1, 1, 1, pop::lpop),
    cmd!("rpop", -2, W | FAST, 1, 1, 1, pop::rpop),
    cmd!("rpoplpush", 3, WD, 1, 2, 1, pop::rpoplpush),
    cmd!("lmove", 5, WD, 1, 2, 1, pop::lmove),
    cmd!("lmpop", -4, W, 0, 0, 0, pop::lmpop),
    cmd!("blpop", -3, W, 1, -2, 1, block::blpop),
    cmd!("brpop", -3, W, 1, -2, 1, block::brpop),
    cmd!("brpoplpush", 4, WD, 1, 2, 1, block::brpoplpush),
    cmd!("blmove", 6, WD, 1, 2, 1, block::blmove),
    cmd!("blmpop", -5, W, 0, 0, 0, block::blmpop),
];

/// The list at `key` after lazy expiry: `Ok(None)` if missing, `Err(())` on another type.
/// `read` selects `lookupKeyRead` (hit/miss statistics) over `lookupKeyWrite`.
pub(crate) fn get_list<'a>(ks: &'a mut Keyspace, db: usize, key: &[u8], read: bool) -> Result<Option<&'a mut List>, ()> {
    let entry = if read { ks.lookup_read(db, key) } else { ks.lookup_write(db, key) };
    match entry.map(|e| &mut e.value) {
        None => Ok(None),
        Some(Value::List(l)) => Ok(Some(l)),
        Some(_) => Err(()),
    }
}

/// The list at `key` without any lookup side effect (the caller already looked it up).
pub(crate) fn list_at<'a>(ks: &'a mut Keyspace, db: usize, key: &[u8]) -> Option<&'a mut List> {
    match ks.dbs[db].dict.get_mut(key).map(|e| &mut e.value) {
        Some(Value::List(l)) => Some(l),
        _ => None,
    }
}

/// Store a new empty list at `key` (which must be missing) and signal it ready for blocked
/// clients; the caller pushes at least one element before the command returns.
pub(crate) fn create_list(s: &mut Server, db: usize, key: &[u8]) {
    let list = List::new(&TypeLimits::from_config(&s.config));
    s.ks.set_key(db, key, Value::List(Box::new(list)), false);
    s.blocked.signal(db, key);
}

/// After removing `n` elements from the list at `key`: delete the key if the list is empty,
/// touch WATCHers, count the change (`listElementsRemoved`).
pub(crate) fn removed(s: &mut Server, db: usize, key: &[u8], n: usize) {
    if list_at(&mut s.ks, db, key).is_some_and(|l| l.is_empty()) {
        s.ks.delete(db, key);
    }
    s.ks.touch_watched(db, key);
    s.ks.dirty += n as u64;
}

/// Resolve a possibly negative index against `len` (`-1` is the last element).
pub(crate) fn resolve_index(index: i64, len: usize) -> Option<usize> {
    let len = len as i64;
    let i = if index < 0 { index.checked_add(len)? } else { index };
    (0..len).contains(&i).then_some(i as usize)
}

/// LRANGE/LTRIM's range arithmetic: the inclusive `start..=end` (negative from the tail)
/// clamped to the list, as `(first, count)`; `None` when the range is empty.
pub(crate) fn resolve_range(start: i64, end: i64, len: usize) -> Option<(usize, usize)> {
    let len = len as i64;
    let start = if start < 0 { start.saturating_add(len) } else { start }.max(0);
    let end = if end < 0 { end.saturating_add(len) } else { end };
    if start > end || start >= len {
        return None;
    }
    let end = end.min(len - 1);
    Some((start as usize, (end - start + 1) as usize))
}

pub fn lpush(s: &mut Server, c: &mut Client, a: &Argv, _: &mut Ctx) {
    push_generic(s, c, a, true, false);
}

pub fn rpush(s: &mut Server, c: &mut Client, a: &Argv, _: &mut Ctx) {
    push_generic(s, c, a, false, false);
}

pub fn lpushx(s: &mut Server, c: &mut Client, a: &Argv, _: &mut Ctx) {
    push_generic(s, c, a, true, true);
}

pub fn rpushx(s: &mut Server, c: &mut Client, a: &Argv, _: &mut Ctx) {
    push_generic(s, c, a, false, true);
}

/// `pushGenericCommand`: push every element in argument order; `xx` (the X forms) only when
/// the key exists. Replies the new length.
fn push_generic(s: &mut Server, c: &mut Client, a: &Argv, head: bool, xx: bool) {
    let (db, key) = (c.db, a.get(1));
    match get_list(&mut s.ks, db, key, false) {
        Err(()) => return c.add_wrong_type(),
        Ok(None) if xx => return c.add_int(0),
        Ok(None) => create_list(s, db, key),
        Ok(Some(_)) => {}
    }
    let Some(list) = list_at(&mut s.ks, db, key) else { return c.add_int(0) };
    for i in 2..a.len() {
        list.push(a.get(i), head);
    }
    let len = list.len();
    s.ks.touch_watched(db, key);
    s.ks.dirty += (a.len() - 2) as u64;
    c.add_int(len as i64);
}

/// LINSERT key BEFORE|AFTER pivot element: -1 when the pivot is missing, 0 when the key is.
pub fn linsert(s: &mut Server, c: &mut Client, a: &Argv, _: &mut Ctx) {
    let after = match a.get(2).to_ascii_lowercase().as_slice() {
        b"after" => true,
        b"before" => false,
        _ => return c.add_syntax_error(),
    };
    let (db, key) = (c.db, a.get(1));
    let list = match get_list(&mut s.ks, db, key, false) {
        Err(()) => return c.add_wrong_type(),
        Ok(None) => return c.add_int(0),
        Ok(Some(l)) => l,
    };
    let Some(pivot) = list.iter().position(|e| e == a.get(3)) else { return c.add_int(-1) };
    list.insert(pivot, a.get(4), after);
    let len = list.len();
    s.ks.touch_watched(db, key);
    s.ks.dirty += 1;
    c.add_int(len as i64);
}

pub fn llen(s: &mut Server, c: &mut Client, a: &Argv, _: &mut Ctx) {
    match get_list(&mut s.ks, c.db, a.get(1), true) {
        Err(()) => c.add_wrong_type(),
        Ok(l) => c.add_int(l.map_or(0, |l| l.len() as i64)),
    }
}

/// LINDEX: the key is looked up before the index is parsed (a missing key answers nil even
/// for a malformed index).
pub fn lindex(s: &mut Server, c: &mut Client, a: &Argv, _: &mut Ctx) {
    let list = match get_list(&mut s.ks, c.db, a.get(1), true) {
        Err(()) => return c.add_wrong_type(),
        Ok(None) => return c.add_null(),
        Ok(Some(l)) => l,
    };
    let Some(index) = arg_i64(a.get(2)) else { return c.add_not_integer() };
    let value = resolve_index(index, list.len()).and_then(|i| list.get(i));
    c.add_bulk_or_null(value.as_deref());
}

pub fn lset(s: &mut Server, c: &mut Client, a: &Argv, _: &mut Ctx) {
    let (db, key) = (c.db, a.get(1));
    let list = match get_list(&mut s.ks, db, key, false) {
        Err(()) => return c.add_wrong_type(),
        Ok(None) => return c.add_error("ERR no such key"),
        Ok(Some(l)) => l,
    };
    let Some(index) = arg_i64(a.get(2)) else { return c.add_not_integer() };
    let Some(i) = resolve_index(index, list.len()) else { return c.add_error("ERR index out of range") };
    list.set(i, a.get(3));
    s.ks.touch_watched(db, key);
    s.ks.dirty += 1;
    c.add_ok();
}

/// LRANGE: both indexes are parsed before the lookup.
pub fn lrange(s: &mut Server, c: &mut Client, a: &Argv, _: &mut Ctx) {
    let (Some(start), Some(end)) = (arg_i64(a.get(2)), arg_i64(a.get(3))) else { return c.add_not_integer() };
    let list = match get_list(&mut s.ks, c.db, a.get(1), true) {
        Err(()) => return c.add_wrong_type(),
        Ok(None) => return c.add_array_len(0),
        Ok(Some(l)) => l,
    };
    let Some((first, count)) = resolve_range(start, end, list.len()) else { return c.add_array_len(0) };
    c.add_array_len(count);
    list.range(first, count, &mut |e| c.add_bulk(e));
}

/// LTRIM: an out-of-range start empties (deletes) the list; always touches WATCHers.
pub fn ltrim(s: &mut Server, c: &mut Client, a: &Argv, _: &mut Ctx) {
    let (Some(start), Some(end)) = (arg_i64(a.get(2)), arg_i64(a.get(3))) else { return c.add_not_integer() };
    let (db, key) = (c.db, a.get(1));
    let list = match get_list(&mut s.ks, db, key, false) {
        Err(()) => return c.add_wrong_type(),
        Ok(None) => return c.add_ok(),
        Ok(Some(l)) => l,
    };
    let n = match resolve_range(start, end, list.len()) {
        Some((first, count)) => list.trim(first, count),
        None => list.delete_range(0, list.len()),
    };
    removed(s, db, key, n);
    c.add_ok();
}

/// LREM key count element: count > 0 from the head, < 0 from the tail, 0 all.
pub fn lrem(s: &mut Server, c: &mut Client, a: &Argv, _: &mut Ctx) {
    let Some(count) = arg_i64(a.get(2)) else { return c.add_not_integer() };
    let (db, key, value) = (c.db, a.get(1), a.get(3));
    let list = match get_list(&mut s.ks, db, key, false) {
        Err(()) => return c.add_wrong_type(),
        Ok(None) => return c.add_int(0),
        Ok(Some(l)) => l,
    };
    // At most `len` matches exist, so the limit needs no further cap.
    let limit = if count == 0 { usize::MAX } else { usize::try_from(count.unsigned_abs()).unwrap_or(usize::MAX) };
    let len = list.len();
    let mut hits: Vec<usize> = if count < 0 {
        list.iter_rev().enumerate().filter(|(_, e)| e == value).map(|(i, _)| len - 1 - i).take(limit).collect()
    } else {
        list.iter().enumerate().filter(|(_, e)| e == value).map(|(i, _)| i).take(limit).collect()
    };
    // Delete from the highest index down so earlier indexes stay valid.
    hits.sort_unstable_by(|x, y| y.cmp(x));
    for &i in &hits {
        list.delete_range(i, 1);
    }
    if !hits.is_empty() {
        removed(s, db, key, hits.len());
    }
    c.add_int(hits.len() as i64);
}

/// LPOS's options: RANK (non-zero), COUNT (0 = all matches), MAXLEN (0 = the whole list).
struct LposOpts {
    rank: i64,
    count: Option<i64>,
    maxlen: i64,
}

fn parse_lpos_opts(a: &Argv) -> Result<LposOpts, &'static str> {
    let mut o = LposOpts { rank: 1, count: None, maxlen: 0 };
    let mut i = 3;
    while i < a.len() {
        let opt = a.get(i).to_ascii_lowercase();
        let value = (i + 1 < a.len()).then(|| arg_i64(a.get(i + 1)));
        match (opt.as_slice(), value) {
            (b"rank", Some(v)) => {
                o.rank = v.ok_or("ERR value is not an integer or out of range")?;
                if o.rank == 0 {
                    return Err("ERR RANK can't be zero: use 1 to start from the first match, 2 from the second ... or use negative to start from the end of the list");
                }
            }
            // `getPositiveLongFromObjectOrReply` with a message: a malformed number gets the
            // same text as a negative one.
            (b"count", Some(v)) => o.count = Some(v.filter(|n| *n >= 0).ok_or("ERR COUNT can't be negative")?),
            (b"maxlen", Some(v)) => o.maxlen = v.filter(|n| *n >= 0).ok_or("ERR MAXLEN can't be negative")?,
            _ => return Err("ERR syntax error"),
        }
        i += 2;
    }
    Ok(o)
}

/// LPOS key element [RANK r] [COUNT n] [MAXLEN m]. RANK = i64::MIN reproduces Redis's
/// wrapping negation (it then matches from the first hit, scanning from the tail).
pub fn lpos(s: &mut Server, c: &mut Client, a: &Argv, _: &mut Ctx) {
    let o = match parse_lpos_opts(a) {
        Ok(o) => o,
        Err(e) => return c.add_error(e),
    };
    let list = match get_list(&mut s.ks, c.db, a.get(1), true) {
        Err(()) => return c.add_wrong_type(),
        Ok(None) if o.count.is_some() => return c.add_array_len(0),
        Ok(None) => return c.add_null(),
        Ok(Some(l)) => l,
    };
    let from_tail = o.rank < 0;
    let rank = if from_tail { o.rank.wrapping_neg() } else { o.rank };
    let len = list.len();
    let items: Box<dyn Iterator<Item = Vec<u8>>> = if from_tail { Box::new(list.iter_rev()) } else { Box::new(list.iter()) };
    let scan_max = if o.maxlen == 0 { len } else { (o.maxlen as u64).min(len as u64) as usize };
    let mut matches: i64 = 0;
    let mut found = Vec::new();
    for (i, e) in items.take(scan_max).enumerate() {
        if e != a.get(2) {
            continue;
        }
        matches += 1;
        if matches < rank {
            continue;
        }
        found.push(if from_tail { len - 1 - i } else { i });
        match o.count {
            None => break,
            Some(n) if n != 0 && matches.wrapping_sub(rank).wrapping_add(1) >= n => break,
            Some(_) => {}
        }
    }
    match o.count {
        Some(_) => {
            c.add_array_len(found.len());
            found.iter().for_each(|&i| c.add_int(i as i64));
        }
        None => match found.first() {
            Some(&i) => c.add_int(i as i64),
            None => c.add_null(),
        },
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn index_and_range_arithmetic_follow_redis() {
        assert_eq!(resolve_index(-1, 3), Some(2));
        assert_eq!(resolve_index(3, 3), None);
        assert_eq!(resolve_index(i64::MIN, 3), None);
        assert_eq!(resolve_range(0, -1, 3), Some((0, 3)));
        assert_eq!(resolve_range(-100, 100, 3), Some((0, 3)));
        assert_eq!(resolve_range(2, 1, 3), None);
        assert_eq!(resolve_range(i64::MIN, i64::MAX, 3), Some((0, 3)));
        assert_eq!(resolve_range(5, 10, 3), None);
    }
}
