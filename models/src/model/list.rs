//! List commands (Redis 7.0 `t_list.c`) on a plain `VecDeque`: LPUSH, RPUSH, LPUSHX, RPUSHX,
//! LINSERT, LLEN, LINDEX, LSET, LRANGE, LTRIM, LREM, LPOS, LPOP, RPOP, RPOPLPUSH, LMOVE,
//! LMPOP, and the blocking BLPOP, BRPOP, BRPOPLPUSH, BLMOVE, BLMPOP.
//!
//! Rules the model keeps: an emptied list deletes its key; every change touches WATCHers;
//! arguments are validated in Redis's order (some errors win over a missing key, some don't).
//!
//! Blocking commands are modelled by their immediate outcome only: when a key holds a list
//! they behave as the non-blocking form; when every key is empty the model answers what
//! Redis answers where blocking is denied (inside MULTI/EXEC): a nil array, or a nil bulk for
//! BLMOVE/BRPOPLPUSH. The model has no blocked clients, so a harness must not send a blocking
//! command that would really block.

use std::collections::VecDeque;

use super::db::wrongtype;
use super::keyspace::{Entry, Value};
use super::num::{int_arg, parse_i64};
use super::reply::Reply;
use super::{Ctx, Model};

type List = VecDeque<Vec<u8>>;

const ERR_SYNTAX: &str = "ERR syntax error";

/// The list at `key` (after lazy expiry): `Ok(None)` if missing, WRONGTYPE otherwise.
fn get<'a>(m: &'a mut Model, ctx: &Ctx, key: &[u8]) -> Result<Option<&'a mut List>, Reply> {
    match m.lookup_ctx(ctx, key) {
        None => Ok(None),
        Some(Entry { value: Value::List(l), .. }) => Ok(Some(l)),
        Some(_) => Err(wrongtype()),
    }
}

/// The list at `key` without expiry (the caller looked it up already).
fn at<'a>(m: &'a mut Model, db: usize, key: &[u8]) -> Option<&'a mut List> {
    match m.dbs[db].get_mut(key) {
        Some(Entry { value: Value::List(l), .. }) => Some(l),
        _ => None,
    }
}

/// After a change: delete the key if its list is empty, touch WATCHers.
fn changed(m: &mut Model, db: usize, key: &[u8]) {
    if at(m, db, key).is_some_and(|l| l.is_empty()) {
        m.delete(db, key);
    } else {
        m.touch(db, key);
    }
}

fn side(arg: &[u8]) -> Option<bool> {
    if arg.eq_ignore_ascii_case(b"left") {
        Some(true)
    } else if arg.eq_ignore_ascii_case(b"right") {
        Some(false)
    } else {
        None
    }
}

fn pop_end(l: &mut List, head: bool) -> Option<Vec<u8>> {
    if head {
        l.pop_front()
    } else {
        l.pop_back()
    }
}

fn push_end(l: &mut List, v: Vec<u8>, head: bool) {
    if head {
        l.push_front(v);
    } else {
        l.push_back(v);
    }
}

fn push(m: &mut Model, ctx: &Ctx, argv: &[Vec<u8>], head: bool, xx: bool) -> Reply {
    let key = &argv[1];
    match get(m, ctx, key) {
        Err(e) => return e,
        Ok(None) if xx => return Reply::Int(0),
        Ok(None) => m.insert_entry(ctx.db, key, Entry::new(Value::List(List::new()))),
        Ok(Some(_)) => {}
    }
    let Some(l) = at(m, ctx.db, key) else { return Reply::Int(0) };
    for v in &argv[2..] {
        push_end(l, v.clone(), head);
    }
    let len = l.len();
    m.touch(ctx.db, key);
    Reply::Int(len as i64)
}

pub(super) fn lpush(m: &mut Model, ctx: &mut Ctx, argv: &[Vec<u8>]) -> Reply {
    push(m, ctx, argv, true, false)
}
pub(super) fn rpush(m: &mut Model, ctx: &mut Ctx, argv: &[Vec<u8>]) -> Reply {
    push(m, ctx, argv, false, false)
}
pub(super) fn lpushx(m: &mut Model, ctx: &mut Ctx, argv: &[Vec<u8>]) -> Reply {
    push(m, ctx, argv, true, true)
}
pub(super) fn rpushx(m: &mut Model, ctx: &mut Ctx, argv: &[Vec<u8>]) -> Reply {
    push(m, ctx, argv, false, true)
}

pub(super) fn linsert(m: &mut Model, ctx: &mut Ctx, argv: &[Vec<u8>]) -> Reply {
    let after = match argv[2].to_ascii_lowercase().as_slice() {
        b"after" => true,
        b"before" => false,
        _ => return Reply::err(ERR_SYNTAX),
    };
    let l = match get(m, ctx, &argv[1]) {
        Err(e) => return e,
        Ok(None) => return Reply::Int(0),
        Ok(Some(l)) => l,
    };
    let Some(i) = l.iter().position(|e| *e == argv[3]) else { return Reply::Int(-1) };
    l.insert(if after { i + 1 } else { i }, argv[4].clone());
    let len = l.len();
    m.touch(ctx.db, &argv[1]);
    Reply::Int(len as i64)
}

pub(super) fn llen(m: &mut Model, ctx: &mut Ctx, argv: &[Vec<u8>]) -> Reply {
    match get(m, ctx, &argv[1]) {
        Err(e) => e,
        Ok(l) => Reply::Int(l.map_or(0, |l| l.len() as i64)),
    }
}

fn index_of(index: i64, len: usize) -> Option<usize> {
    let i = if index < 0 { i128::from(index) + len as i128 } else { i128::from(index) };
    (0..len as i128).contains(&i).then_some(i as usize)
}

pub(super) fn lindex(m: &mut Model, ctx: &mut Ctx, argv: &[Vec<u8>]) -> Reply {
    let l = match get(m, ctx, &argv[1]) {
        Err(e) => return e,
        Ok(None) => return Reply::Nil,
        Ok(Some(l)) => l,
    };
    match int_arg(&argv[2]) {
        Err(e) => e,
        Ok(i) => index_of(i, l.len()).map_or(Reply::Nil, |i| Reply::Bulk(l[i].clone())),
    }
}

pub(super) fn lset(m: &mut Model, ctx: &mut Ctx, argv: &[Vec<u8>]) -> Reply {
    let l = match get(m, ctx, &argv[1]) {
        Err(e) => return e,
        Ok(None) => return Reply::err("ERR no such key"),
        Ok(Some(l)) => l,
    };
    let i = match int_arg(&argv[2]) {
        Err(e) => return e,
        Ok(i) => i,
    };
    let Some(i) = index_of(i, l.len()) else { return Reply::err("ERR index out of range") };
    l[i] = argv[3].clone();
    m.touch(ctx.db, &argv[1]);
    Reply::ok()
}

/// The inclusive range `start..=end` (negative from the tail) clamped: `(first, count)`.
fn range_of(start: i64, end: i64, len: usize) -> Option<(usize, usize)> {
    let len = len as i128;
    let (mut s, mut e) = (i128::from(start), i128::from(end));
    if s < 0 {
        s += len;
    }
    if e < 0 {
        e += len;
    }
    let s = s.max(0);
    if s > e || s >= len {
        return None;
    }
    let e = e.min(len - 1);
    Some((s as usize, (e - s + 1) as usize))
}

pub(super) fn lrange(m: &mut Model, ctx: &mut Ctx, argv: &[Vec<u8>]) -> Reply {
    let (start, end) = match (int_arg(&argv[2]), int_arg(&argv[3])) {
        (Ok(s), Ok(e)) => (s, e),
        (Err(e), _) | (_, Err(e)) => return e,
    };
    let l = match get(m, ctx, &argv[1]) {
        Err(e) => return e,
        Ok(None) => return Reply::Array(Vec::new()),
        Ok(Some(l)) => l,
    };
    match range_of(start, end, l.len()) {
        None => Reply::Array(Vec::new()),
        Some((first, n)) => Reply::Array(l.iter().skip(first).take(n).cloned().map(Reply::Bulk).collect()),
    }
}

pub(super) fn ltrim(m: &mut Model, ctx: &mut Ctx, argv: &[Vec<u8>]) -> Reply {
    let (start, end) = match (int_arg(&argv[2]), int_arg(&argv[3])) {
        (Ok(s), Ok(e)) => (s, e),
        (Err(e), _) | (_, Err(e)) => return e,
    };
    let l = match get(m, ctx, &argv[1]) {
        Err(e) => return e,
        Ok(None) => return Reply::ok(),
        Ok(Some(l)) => l,
    };
    let kept: List = match range_of(start, end, l.len()) {
        None => List::new(),
        Some((first, n)) => l.iter().skip(first).take(n).cloned().collect(),
    };
    *l = kept;
    changed(m, ctx.db, &argv[1]);
    Reply::ok()
}

pub(super) fn lrem(m: &mut Model, ctx: &mut Ctx, argv: &[Vec<u8>]) -> Reply {
    let count = match int_arg(&argv[2]) {
        Err(e) => return e,
        Ok(n) => n,
    };
    let l = match get(m, ctx, &argv[1]) {
        Err(e) => return e,
        Ok(None) => return Reply::Int(0),
        Ok(Some(l)) => l,
    };
    let limit = if count == 0 { u64::MAX } else { count.unsigned_abs() };
    let mut removed = 0u64;
    let items: Vec<Vec<u8>> = if count < 0 { l.iter().rev().cloned().collect() } else { l.iter().cloned().collect() };
    let mut kept: Vec<Vec<u8>> = Vec::new();
    for e in items {
        if e == argv[3] && removed < limit {
            removed += 1;
        } else {
            kept.push(e);
        }
    }
    if count < 0 {
        kept.reverse();
    }
    *l = kept.into_iter().collect();
    if removed > 0 {
        changed(m, ctx.db, &argv[1]);
    }
    Reply::Int(removed as i64)
}

/// LPOS options: (rank, count, maxlen) with Redis's errors.
fn lpos_opts(argv: &[Vec<u8>]) -> Result<(i64, Option<i64>, i64), Reply> {
    let (mut rank, mut count, mut maxlen) = (1i64, None, 0i64);
    let mut i = 3;
    while i < argv.len() {
        let opt = argv[i].to_ascii_lowercase();
        let Some(v) = argv.get(i + 1) else { return Err(Reply::err(ERR_SYNTAX)) };
        match opt.as_slice() {
            b"rank" => {
                rank = int_arg(v)?;
                if rank == 0 {
                    return Err(Reply::err("ERR RANK can't be zero: use 1 to start from the first match, 2 from the second ... or use negative to start from the end of the list"));
                }
            }
            b"count" => count = Some(parse_i64(v).filter(|n| *n >= 0).ok_or_else(|| Reply::err("ERR COUNT can't be negative"))?),
            b"maxlen" => maxlen = parse_i64(v).filter(|n| *n >= 0).ok_or_else(|| Reply::err("ERR MAXLEN can't be negative"))?,
            _ => return Err(Reply::err(ERR_SYNTAX)),
        }
        i += 2;
    }
    Ok((rank, count, maxlen))
}

pub(super) fn lpos(m: &mut Model, ctx: &mut Ctx, argv: &[Vec<u8>]) -> Reply {
    let (rank, count, maxlen) = match lpos_opts(argv) {
        Ok(o) => o,
        Err(e) => return e,
    };
    let l = match get(m, ctx, &argv[1]) {
        Err(e) => return e,
        Ok(None) if count.is_some() => return Reply::Array(Vec::new()),
        Ok(None) => return Reply::Nil,
        Ok(Some(l)) => l,
    };
    let len = l.len();
    let from_tail = rank < 0;
    let rank = if from_tail { rank.wrapping_neg() } else { rank };
    let order: Vec<usize> = if from_tail { (0..len).rev().collect() } else { (0..len).collect() };
    let scan = if maxlen == 0 { len } else { (maxlen as u64).min(len as u64) as usize };
    let (mut matches, mut found) = (0i64, Vec::new());
    for &i in order.iter().take(scan) {
        if l[i] != argv[2] {
            continue;
        }
        matches += 1;
        if matches < rank {
            continue;
        }
        found.push(i);
        match count {
            None => break,
            Some(n) if n != 0 && matches.wrapping_sub(rank).wrapping_add(1) >= n => break,
            _ => {}
        }
    }
    match count {
        Some(_) => Reply::Array(found.iter().map(|&i| Reply::Int(i as i64)).collect()),
        None => found.first().map_or(Reply::Nil, |&i| Reply::Int(i as i64)),
    }
}

fn pop(m: &mut Model, ctx: &Ctx, argv: &[Vec<u8>], head: bool) -> Reply {
    if argv.len() > 3 {
        let name = if head { "lpop" } else { "rpop" };
        return super::table::arity_error(name);
    }
    let count = match argv.get(2) {
        None => None,
        Some(a) => match parse_i64(a).filter(|n| *n >= 0) {
            Some(n) => Some(n),
            None => return Reply::err("ERR value is out of range, must be positive"),
        },
    };
    let key = &argv[1];
    let l = match get(m, ctx, key) {
        Err(e) => return e,
        Ok(None) if count.is_some() => return Reply::NilArray,
        Ok(None) => return Reply::Nil,
        Ok(Some(l)) => l,
    };
    let reply = match count {
        None => pop_end(l, head).map_or(Reply::Nil, Reply::Bulk),
        Some(0) => return Reply::Array(Vec::new()),
        Some(n) => Reply::Array(pop_n(l, head, n)),
    };
    changed(m, ctx.db, key);
    reply
}

fn pop_n(l: &mut List, head: bool, n: i64) -> Vec<Reply> {
    let n = usize::try_from(n).unwrap_or(usize::MAX).min(l.len());
    (0..n).filter_map(|_| pop_end(l, head)).map(Reply::Bulk).collect()
}

pub(super) fn lpop(m: &mut Model, ctx: &mut Ctx, argv: &[Vec<u8>]) -> Reply {
    pop(m, ctx, argv, true)
}
pub(super) fn rpop(m: &mut Model, ctx: &mut Ctx, argv: &[Vec<u8>]) -> Reply {
    pop(m, ctx, argv, false)
}

/// LMOVE semantics; `Ok(None)` = the source is missing.
fn lmove_at(m: &mut Model, ctx: &Ctx, src: &[u8], dst: &[u8], from_head: bool, to_head: bool) -> Result<Option<Vec<u8>>, Reply> {
    if get(m, ctx, src)?.is_none() {
        return Ok(None);
    }
    let dst_missing = get(m, ctx, dst)?.is_none();
    let Some(v) = at(m, ctx.db, src).and_then(|l| pop_end(l, from_head)) else { return Ok(None) };
    if dst_missing {
        m.insert_entry(ctx.db, dst, Entry::new(Value::List(List::new())));
    }
    if let Some(d) = at(m, ctx.db, dst) {
        push_end(d, v.clone(), to_head);
    }
    m.touch(ctx.db, dst);
    changed(m, ctx.db, src);
    Ok(Some(v))
}

fn lmove_reply(r: Result<Option<Vec<u8>>, Reply>) -> Reply {
    match r {
        Err(e) => e,
        Ok(v) => v.map_or(Reply::Nil, Reply::Bulk),
    }
}

pub(super) fn rpoplpush(m: &mut Model, ctx: &mut Ctx, argv: &[Vec<u8>]) -> Reply {
    lmove_reply(lmove_at(m, ctx, &argv[1], &argv[2], false, true))
}

pub(super) fn lmove(m: &mut Model, ctx: &mut Ctx, argv: &[Vec<u8>]) -> Reply {
    let (Some(f), Some(t)) = (side(&argv[3]), side(&argv[4])) else { return Reply::err(ERR_SYNTAX) };
    lmove_reply(lmove_at(m, ctx, &argv[1], &argv[2], f, t))
}

/// LMPOP's tail from `numkeys_idx`: (keys, head, count).
fn mpop_args(argv: &[Vec<u8>], numkeys_idx: usize) -> Result<(Vec<Vec<u8>>, bool, i64), Reply> {
    let numkeys = parse_i64(&argv[numkeys_idx]).filter(|n| *n >= 1).ok_or_else(|| Reply::err("ERR numkeys should be greater than 0"))?;
    let where_idx = (numkeys_idx as u128) + (numkeys as u128) + 1;
    if where_idx >= argv.len() as u128 {
        return Err(Reply::err(ERR_SYNTAX));
    }
    let where_idx = where_idx as usize;
    let head = side(&argv[where_idx]).ok_or_else(|| Reply::err(ERR_SYNTAX))?;
    let mut count = None;
    let mut j = where_idx + 1;
    while j < argv.len() {
        if count.is_none() && argv[j].eq_ignore_ascii_case(b"count") && j + 1 < argv.len() {
            count = Some(parse_i64(&argv[j + 1]).filter(|n| *n >= 1).ok_or_else(|| Reply::err("ERR count should be greater than 0"))?);
            j += 2;
        } else {
            return Err(Reply::err(ERR_SYNTAX));
        }
    }
    Ok((argv[numkeys_idx + 1..where_idx].to_vec(), head, count.unwrap_or(1)))
}

/// The first key holding a non-empty list, checking types in order.
fn first_nonempty(m: &mut Model, ctx: &Ctx, keys: &[Vec<u8>]) -> Result<Option<Vec<u8>>, Reply> {
    for k in keys {
        if get(m, ctx, k)?.is_some_and(|l| !l.is_empty()) {
            return Ok(Some(k.clone()));
        }
    }
    Ok(None)
}

fn mpop_from(m: &mut Model, ctx: &Ctx, key: &[u8], head: bool, count: i64) -> Reply {
    let items = at(m, ctx.db, key).map(|l| pop_n(l, head, count)).unwrap_or_default();
    changed(m, ctx.db, key);
    Reply::Array(vec![Reply::bulk(key), Reply::Array(items)])
}

pub(super) fn lmpop(m: &mut Model, ctx: &mut Ctx, argv: &[Vec<u8>]) -> Reply {
    let (keys, head, count) = match mpop_args(argv, 1) {
        Ok(a) => a,
        Err(e) => return e,
    };
    match first_nonempty(m, ctx, &keys) {
        Err(e) => e,
        Ok(None) => Reply::NilArray,
        Ok(Some(k)) => mpop_from(m, ctx, &k, head, count),
    }
}

/// A blocking timeout: Redis's errors for malformed or negative values (plain decimals; the
/// model does not reproduce long double corner cases such as `1e400`).
fn timeout_ok(arg: &[u8]) -> Result<(), Reply> {
    let text = std::str::from_utf8(arg).map_err(|_| Reply::err("ERR timeout is not a float or out of range"))?;
    let valid = !text.is_empty() && !text.starts_with(char::is_whitespace) && !text.to_ascii_lowercase().contains("nan");
    let v: f64 = text.parse().ok().filter(|_| valid).ok_or_else(|| Reply::err("ERR timeout is not a float or out of range"))?;
    if (v * 1000.0).ceil() < 0.0 || v.is_infinite() {
        return Err(Reply::err("ERR timeout is negative"));
    }
    Ok(())
}

fn bpop(m: &mut Model, ctx: &Ctx, argv: &[Vec<u8>], head: bool) -> Reply {
    if let Err(e) = timeout_ok(&argv[argv.len() - 1]) {
        return e;
    }
    match first_nonempty(m, ctx, &argv[1..argv.len() - 1]) {
        Err(e) => e,
        Ok(None) => Reply::NilArray,
        Ok(Some(k)) => {
            let v = at(m, ctx.db, &k).and_then(|l| pop_end(l, head)).unwrap_or_default();
            changed(m, ctx.db, &k);
            Reply::Array(vec![Reply::Bulk(k), Reply::Bulk(v)])
        }
    }
}

pub(super) fn blpop(m: &mut Model, ctx: &mut Ctx, argv: &[Vec<u8>]) -> Reply {
    bpop(m, ctx, argv, true)
}
pub(super) fn brpop(m: &mut Model, ctx: &mut Ctx, argv: &[Vec<u8>]) -> Reply {
    bpop(m, ctx, argv, false)
}

pub(super) fn blmpop(m: &mut Model, ctx: &mut Ctx, argv: &[Vec<u8>]) -> Reply {
    let (keys, head, count) = match mpop_args(argv, 2) {
        Ok(a) => a,
        Err(e) => return e,
    };
    if let Err(e) = timeout_ok(&argv[1]) {
        return e;
    }
    match first_nonempty(m, ctx, &keys) {
        Err(e) => e,
        Ok(None) => Reply::NilArray,
        Ok(Some(k)) => mpop_from(m, ctx, &k, head, count),
    }
}

pub(super) fn brpoplpush(m: &mut Model, ctx: &mut Ctx, argv: &[Vec<u8>]) -> Reply {
    if let Err(e) = timeout_ok(&argv[3]) {
        return e;
    }
    lmove_reply(lmove_at(m, ctx, &argv[1], &argv[2], false, true))
}

pub(super) fn blmove(m: &mut Model, ctx: &mut Ctx, argv: &[Vec<u8>]) -> Reply {
    let (Some(f), Some(t)) = (side(&argv[3]), side(&argv[4])) else { return Reply::err(ERR_SYNTAX) };
    if let Err(e) = timeout_ok(&argv[5]) {
        return e;
    }
    lmove_reply(lmove_at(m, ctx, &argv[1], &argv[2], f, t))
}
