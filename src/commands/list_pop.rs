//! List pops and moves (`t_list.c`, Redis 7.0): LPOP, RPOP (with COUNT), RPOPLPUSH, LMOVE,
//! LMPOP, and the pop/move primitives the blocking commands reuse when a list is ready.
//!
//! Effects: these commands propagate as themselves, except LMPOP, which propagates as
//! `LPOP|RPOP key n` with `n` the number of elements actually popped (so a replayed AOF pops
//! the same elements whatever other keys hold).
//!
//! Limits: a client's COUNT is never used to size an allocation: it is capped by the length
//! of the list before anything is reserved or popped.

use super::list::{create_list, get_list, list_at, removed};
use super::Ctx;
use crate::resp::Argv;
use crate::server::client::Client;
use crate::server::Server;

pub fn lpop(s: &mut Server, c: &mut Client, a: &Argv, _: &mut Ctx) {
    pop_generic(s, c, a, true);
}

pub fn rpop(s: &mut Server, c: &mut Client, a: &Argv, _: &mut Ctx) {
    pop_generic(s, c, a, false);
}

/// `popGenericCommand`: one element as a bulk, or with COUNT an array (`LPOP k 0` on an
/// existing key answers an empty array; a missing key answers a null array with COUNT).
fn pop_generic(s: &mut Server, c: &mut Client, a: &Argv, head: bool) {
    if a.len() > 3 {
        let name = if head { "lpop" } else { "rpop" };
        return c.add_error(&format!("ERR wrong number of arguments for '{name}' command"));
    }
    let count = match a.try_get(2) {
        None => None,
        Some(arg) => match super::arg_i64(arg).filter(|n| *n >= 0) {
            Some(n) => Some(n),
            None => return c.add_error("ERR value is out of range, must be positive"),
        },
    };
    let (db, key) = (c.db, a.get(1));
    let list = match get_list(&mut s.ks, db, key, false) {
        Err(()) => return c.add_wrong_type(),
        Ok(None) if count.is_some() => return c.add_null_array(),
        Ok(None) => return c.add_null(),
        Ok(Some(l)) => l,
    };
    match count {
        None => {
            let value = list.pop(head);
            c.add_bulk_or_null(value.as_deref());
            removed(s, db, key, usize::from(value.is_some()));
        }
        Some(0) => c.add_array_len(0),
        Some(n) => {
            let popped = pop_range_reply(s, c, db, key, head, n);
            removed(s, db, key, popped);
        }
    }
}

/// Pop up to `count` elements of the list at `key` and reply them as an array, in pop order
/// (`listPopRangeAndReplyWithKey` without the key). Returns how many were popped; the caller
/// runs [`removed`].
pub(crate) fn pop_range_reply(s: &mut Server, c: &mut Client, db: usize, key: &[u8], head: bool, count: i64) -> usize {
    let Some(list) = list_at(&mut s.ks, db, key) else {
        c.add_array_len(0);
        return 0;
    };
    let n = usize::try_from(count).unwrap_or(usize::MAX).min(list.len());
    c.add_array_len(n);
    for _ in 0..n {
        match list.pop(head) {
            Some(v) => c.add_bulk(&v),
            None => c.add_null(), // unreachable: n <= len
        }
    }
    n
}

/// `LEFT`/`RIGHT` → head?; anything else is a syntax error (`getListPositionFromObjectOrReply`).
pub(crate) fn parse_where(arg: &[u8]) -> Option<bool> {
    if arg.eq_ignore_ascii_case(b"left") {
        Some(true)
    } else if arg.eq_ignore_ascii_case(b"right") {
        Some(false)
    } else {
        None
    }
}

pub fn rpoplpush(s: &mut Server, c: &mut Client, a: &Argv, _: &mut Ctx) {
    lmove_generic(s, c, a.get(1), a.get(2), false, true);
}

pub fn lmove(s: &mut Server, c: &mut Client, a: &Argv, _: &mut Ctx) {
    let (Some(from_head), Some(to_head)) = (parse_where(a.get(3)), parse_where(a.get(4))) else {
        return c.add_syntax_error();
    };
    lmove_generic(s, c, a.get(1), a.get(2), from_head, to_head);
}

/// What an LMOVE did.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Moved {
    /// The source is missing: nil was replied.
    NoSource,
    /// A type error was replied; nothing changed.
    WrongType,
    /// One element moved and was replied.
    Done,
}

/// `lmoveGenericCommand`: pop from `src`, push to `dst` (created if missing, which signals it
/// ready), reply the element. `src == dst` rotates the list. Both types are checked before
/// anything changes.
pub(crate) fn lmove_generic(s: &mut Server, c: &mut Client, src: &[u8], dst: &[u8], from_head: bool, to_head: bool) -> Moved {
    let db = c.db;
    match get_list(&mut s.ks, db, src, false) {
        Err(()) => {
            c.add_wrong_type();
            return Moved::WrongType;
        }
        Ok(None) => {
            c.add_null();
            return Moved::NoSource;
        }
        Ok(Some(_)) => {}
    }
    move_checked_source(s, c, src, dst, from_head, to_head)
}

/// LMOVE once `src` is known to hold a non-empty list (also the blocked-client path).
pub(crate) fn move_checked_source(s: &mut Server, c: &mut Client, src: &[u8], dst: &[u8], from_head: bool, to_head: bool) -> Moved {
    let db = c.db;
    let dst_missing = match get_list(&mut s.ks, db, dst, false) {
        Err(()) => {
            c.add_wrong_type();
            return Moved::WrongType;
        }
        Ok(d) => d.is_none(),
    };
    let Some(value) = list_at(&mut s.ks, db, src).and_then(|l| l.pop(from_head)) else {
        c.add_null();
        return Moved::NoSource;
    };
    if dst_missing {
        create_list(s, db, dst);
    }
    if let Some(d) = list_at(&mut s.ks, db, dst) {
        d.push(&value, to_head);
    }
    s.ks.touch_watched(db, dst);
    c.add_bulk(&value);
    removed(s, db, src, 1);
    Moved::Done
}

/// The parsed tail of LMPOP/BLMPOP: `numkeys key... LEFT|RIGHT [COUNT n]`.
pub(crate) struct MpopArgs {
    /// Index of the first key in argv.
    pub first_key: usize,
    pub numkeys: usize,
    pub head: bool,
    pub count: i64,
}

/// `lmpopGenericCommand`'s parsing from `numkeys_idx`, with Redis's error texts. A numkeys
/// larger than the arguments present is a syntax error (checked without overflow).
pub(crate) fn parse_mpop(a: &Argv, numkeys_idx: usize) -> Result<MpopArgs, &'static str> {
    let numkeys = super::arg_i64(a.get(numkeys_idx)).filter(|n| *n >= 1).ok_or("ERR numkeys should be greater than 0")?;
    let numkeys = usize::try_from(numkeys).unwrap_or(usize::MAX);
    let where_idx = numkeys_idx.checked_add(numkeys).and_then(|i| i.checked_add(1)).filter(|&i| i < a.len());
    let where_idx = where_idx.ok_or("ERR syntax error")?;
    let head = parse_where(a.get(where_idx)).ok_or("ERR syntax error")?;
    let mut count = None;
    let mut j = where_idx + 1;
    while j < a.len() {
        if count.is_none() && a.get(j).eq_ignore_ascii_case(b"count") && j + 1 < a.len() {
            let n = super::arg_i64(a.get(j + 1)).filter(|n| *n >= 1).ok_or("ERR count should be greater than 0")?;
            count = Some(n);
            j += 2;
        } else {
            return Err("ERR syntax error");
        }
    }
    Ok(MpopArgs { first_key: numkeys_idx + 1, numkeys, head, count: count.unwrap_or(1) })
}

/// The first key of `m` holding a non-empty list: `Ok(Some(index))`, `Ok(None)` if none,
/// `Err(())` when a key before it holds another type.
pub(crate) fn first_nonempty(s: &mut Server, db: usize, a: &Argv, first: usize, n: usize) -> Result<Option<usize>, ()> {
    for i in first..first + n {
        if let Some(l) = get_list(&mut s.ks, db, a.get(i), false)? {
            if !l.is_empty() {
                return Ok(Some(i));
            }
        }
    }
    Ok(None)
}

/// Pop `count` from the list at `key`, reply `[key, [elements]]`, propagate as
/// `LPOP|RPOP key n`.
pub(crate) fn mpop_from(s: &mut Server, c: &mut Client, key: &[u8], head: bool, count: i64) {
    let db = c.db;
    c.add_array_len(2);
    c.add_bulk(key);
    let n = pop_range_reply(s, c, db, key, head, count);
    removed(s, db, key, n);
    let name: &[u8] = if head { b"LPOP" } else { b"RPOP" };
    s.ks.propagate(db, vec![name.to_vec(), key.to_vec(), n.to_string().into_bytes()]);
}

pub fn lmpop(s: &mut Server, c: &mut Client, a: &Argv, ctx: &mut Ctx) {
    let m = match parse_mpop(a, 1) {
        Ok(m) => m,
        Err(e) => return c.add_error(e),
    };
    ctx.propagated = true;
    match first_nonempty(s, c.db, a, m.first_key, m.numkeys) {
        Err(()) => c.add_wrong_type(),
        Ok(None) => c.add_null_array(),
        Ok(Some(i)) => mpop_from(s, c, a.get(i), m.head, m.count),
    }
}
