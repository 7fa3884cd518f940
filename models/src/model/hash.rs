//! Hash commands in the model: HSET, HMSET, HSETNX, HDEL, HINCRBY, HINCRBYFLOAT, HGET, HMGET,
//! HLEN, HSTRLEN, HEXISTS, HGETALL, HKEYS, HVALS, HRANDFIELD, HSCAN — plain `BTreeMap`s, no
//! encodings, Redis 7.0's replies and error texts in Redis's order of checks.
//!
//! Nondeterministic replies are checked by validity in [`check_nondet`] (reached from
//! `Model::check_and_adopt`): HGETALL/HKEYS/HVALS as multisets (the engine's order is its
//! encoding's iteration order), HRANDFIELD and HSCAN by membership and counts, HINCRBYFLOAT
//! with a float tolerance (the engine computes in `long double`) and then the engine's text is
//! adopted. The scan-option parsing and the multiset comparison are shared with `set`.
//!
//! Keel's limit (DESIGN §7, shared with SRANDMEMBER): a negative HRANDFIELD count beyond
//! [`REPEAT_COUNT_MAX`] on an existing key is refused with [`REPEAT_COUNT_ERROR`].

use std::collections::BTreeMap;

use super::db::wrongtype;
use super::glob;
use super::keyspace::{Entry, Value};
use super::num::{format_human, int_arg, parse_f64, parse_i64};
use super::reply::Reply;
use super::table::arity_error;
use super::{Ctx, Model};

/// Most elements a negative HRANDFIELD/SRANDMEMBER count may ask for (Keel's limit).
pub(super) const REPEAT_COUNT_MAX: u64 = 1_000_000;
pub(super) const REPEAT_COUNT_ERROR: &str = "ERR value is out of range, a negative count must be >= -1000000";
/// Relative tolerance between the engine's long double HINCRBYFLOAT and the model's `f64`.
const FLOAT_TOLERANCE_RELATIVE: f64 = 1e-9;

type HashMap = BTreeMap<Vec<u8>, Vec<u8>>;

/// The hash at `key`: `Ok(None)` if missing, WRONGTYPE for another type.
fn hash_mut<'a>(m: &'a mut Model, ctx: &Ctx, key: &[u8]) -> Result<Option<&'a mut HashMap>, Reply> {
    match m.lookup_ctx(ctx, key) {
        None => Ok(None),
        Some(Entry { value: Value::Hash(h), .. }) => Ok(Some(h)),
        Some(_) => Err(wrongtype()),
    }
}

/// A copy of the hash at `key` (reads).
fn hash_read(m: &mut Model, ctx: &Ctx, key: &[u8]) -> Result<Option<HashMap>, Reply> {
    hash_mut(m, ctx, key).map(|h| h.cloned())
}

/// The hash at `key`, created empty if missing (`hashTypeLookupWriteOrCreate`).
fn hash_or_create<'a>(m: &'a mut Model, ctx: &Ctx, key: &[u8]) -> Result<&'a mut HashMap, Reply> {
    if hash_mut(m, ctx, key)?.is_none() {
        m.insert_entry(ctx.db, key, Entry::new(Value::Hash(BTreeMap::new())));
    }
    match m.dbs[ctx.db].get_mut(key) {
        Some(Entry { value: Value::Hash(h), .. }) => Ok(h),
        _ => Err(wrongtype()),
    }
}

fn hset_generic(m: &mut Model, ctx: &Ctx, argv: &[Vec<u8>], name: &str) -> Reply {
    if argv.len() % 2 == 1 {
        return arity_error(name);
    }
    let h = match hash_or_create(m, ctx, &argv[1]) {
        Ok(h) => h,
        Err(e) => return e,
    };
    let created = argv[2..].chunks(2).filter(|p| h.insert(p[0].clone(), p[1].clone()).is_none()).count();
    m.touch(ctx.db, &argv[1]);
    if name == "hset" {
        Reply::Int(created as i64)
    } else {
        Reply::ok()
    }
}

pub(super) fn hset(m: &mut Model, ctx: &mut Ctx, argv: &[Vec<u8>]) -> Reply {
    hset_generic(m, ctx, argv, "hset")
}

pub(super) fn hmset(m: &mut Model, ctx: &mut Ctx, argv: &[Vec<u8>]) -> Reply {
    hset_generic(m, ctx, argv, "hmset")
}

pub(super) fn hsetnx(m: &mut Model, ctx: &mut Ctx, argv: &[Vec<u8>]) -> Reply {
    let h = match hash_or_create(m, ctx, &argv[1]) {
        Ok(h) => h,
        Err(e) => return e,
    };
    if h.contains_key(&argv[2]) {
        return Reply::Int(0);
    }
    h.insert(argv[2].clone(), argv[3].clone());
    m.touch(ctx.db, &argv[1]);
    Reply::Int(1)
}

pub(super) fn hdel(m: &mut Model, ctx: &mut Ctx, argv: &[Vec<u8>]) -> Reply {
    let h = match hash_mut(m, ctx, &argv[1]) {
        Err(e) => return e,
        Ok(None) => return Reply::Int(0),
        Ok(Some(h)) => h,
    };
    let deleted = argv[2..].iter().filter(|f| h.remove(*f).is_some()).count();
    let empty = h.is_empty();
    if empty {
        m.delete(ctx.db, &argv[1]);
    } else if deleted > 0 {
        m.touch(ctx.db, &argv[1]);
    }
    Reply::Int(deleted as i64)
}

/// Store an increment's result and touch the key.
fn store_field(m: &mut Model, ctx: &Ctx, key: &[u8], field: &[u8], value: Vec<u8>) {
    if let Ok(h) = hash_or_create(m, ctx, key) {
        h.insert(field.to_vec(), value);
    }
    m.touch(ctx.db, key);
}

pub(super) fn hincrby(m: &mut Model, ctx: &mut Ctx, argv: &[Vec<u8>]) -> Reply {
    let incr = match int_arg(&argv[3]) {
        Ok(n) => n,
        Err(e) => return e,
    };
    let current = match hash_read(m, ctx, &argv[1]) {
        Err(e) => return e,
        Ok(h) => h.and_then(|h| h.get(&argv[2]).cloned()),
    };
    let current = match current.map(|v| parse_i64(&v)) {
        None => 0,
        Some(Some(n)) => n,
        Some(None) => return Reply::err("ERR hash value is not an integer"),
    };
    let Some(new) = current.checked_add(incr) else {
        return Reply::err("ERR increment or decrement would overflow");
    };
    store_field(m, ctx, &argv[1], &argv[2], new.to_string().into_bytes());
    Reply::Int(new)
}

pub(super) fn hincrbyfloat(m: &mut Model, ctx: &mut Ctx, argv: &[Vec<u8>]) -> Reply {
    let incr = match parse_f64(&argv[3]) {
        None => return Reply::err("ERR value is not a valid float"),
        Some(v) if v.is_infinite() => return Reply::err("ERR value is NaN or Infinity"),
        Some(v) => v,
    };
    let current = match hash_read(m, ctx, &argv[1]) {
        Err(e) => return e,
        Ok(h) => h.and_then(|h| h.get(&argv[2]).cloned()),
    };
    let current = match current.map(|v| parse_f64(&v)) {
        None => 0.0,
        Some(Some(v)) => v,
        Some(None) => return Reply::err("ERR hash value is not a float"),
    };
    let sum = current + incr;
    if !sum.is_finite() {
        return Reply::err("ERR increment would produce NaN or Infinity");
    }
    let text = format_human(sum).into_bytes();
    store_field(m, ctx, &argv[1], &argv[2], text.clone());
    Reply::Bulk(text)
}

/// Run `f` on a copy of the hash at `argv[1]` (an empty one if missing), or WRONGTYPE.
fn read_with(m: &mut Model, ctx: &Ctx, argv: &[Vec<u8>], f: impl FnOnce(&HashMap) -> Reply) -> Reply {
    match hash_read(m, ctx, &argv[1]) {
        Err(e) => e,
        Ok(h) => f(&h.unwrap_or_default()),
    }
}

fn bulk_or_nil(v: Option<&Vec<u8>>) -> Reply {
    v.map_or(Reply::Nil, |v| Reply::Bulk(v.clone()))
}

pub(super) fn hget(m: &mut Model, ctx: &mut Ctx, argv: &[Vec<u8>]) -> Reply {
    read_with(m, ctx, argv, |h| bulk_or_nil(h.get(&argv[2])))
}

pub(super) fn hmget(m: &mut Model, ctx: &mut Ctx, argv: &[Vec<u8>]) -> Reply {
    read_with(m, ctx, argv, |h| Reply::Array(argv[2..].iter().map(|f| bulk_or_nil(h.get(f))).collect()))
}

pub(super) fn hlen(m: &mut Model, ctx: &mut Ctx, argv: &[Vec<u8>]) -> Reply {
    read_with(m, ctx, argv, |h| Reply::Int(h.len() as i64))
}

pub(super) fn hstrlen(m: &mut Model, ctx: &mut Ctx, argv: &[Vec<u8>]) -> Reply {
    read_with(m, ctx, argv, |h| Reply::Int(h.get(&argv[2]).map_or(0, Vec::len) as i64))
}

pub(super) fn hexists(m: &mut Model, ctx: &mut Ctx, argv: &[Vec<u8>]) -> Reply {
    read_with(m, ctx, argv, |h| Reply::Int(i64::from(h.contains_key(&argv[2]))))
}

pub(super) fn hgetall(m: &mut Model, ctx: &mut Ctx, argv: &[Vec<u8>]) -> Reply {
    read_with(m, ctx, argv, |h| {
        Reply::Array(h.iter().flat_map(|(f, v)| [Reply::Bulk(f.clone()), Reply::Bulk(v.clone())]).collect())
    })
}

pub(super) fn hkeys(m: &mut Model, ctx: &mut Ctx, argv: &[Vec<u8>]) -> Reply {
    read_with(m, ctx, argv, |h| Reply::Array(h.keys().map(|f| Reply::Bulk(f.clone())).collect()))
}

pub(super) fn hvals(m: &mut Model, ctx: &mut Ctx, argv: &[Vec<u8>]) -> Reply {
    read_with(m, ctx, argv, |h| Reply::Array(h.values().map(|v| Reply::Bulk(v.clone())).collect()))
}

/// What a random-count command must answer: an exact reply, or `count` picks from `pool`
/// (`count > 0`: distinct, at most the pool's size; `count < 0`: |count| picks, repeats
/// allowed; `None`: one bare element).
pub(super) enum RandomPlan<T> {
    Exact(Reply),
    Pick { pool: Vec<T>, count: Option<i64> },
}

/// `getRangeLongFromObjectOrReply(-LONG_MAX, LONG_MAX)`.
pub(super) fn random_count(arg: &[u8]) -> Result<i64, Reply> {
    match int_arg(arg)? {
        i64::MIN => Err(Reply::Error(format!("ERR value is out of range, value must between {} and {}", -i64::MAX, i64::MAX))),
        n => Ok(n),
    }
}

/// Keel's cap on negative counts, checked once the key is known to exist.
pub(super) fn repeat_count_ok(count: i64) -> Result<(), Reply> {
    if count < 0 && count.unsigned_abs() > REPEAT_COUNT_MAX {
        return Err(Reply::err(REPEAT_COUNT_ERROR));
    }
    Ok(())
}

/// HRANDFIELD's plan: pairs pool and whether values are included.
#[allow(clippy::type_complexity)] // a plan and a flag, used once
fn hrandfield_plan(m: &mut Model, ctx: &Ctx, argv: &[Vec<u8>]) -> (RandomPlan<(Vec<u8>, Vec<u8>)>, bool) {
    let exact = |r| (RandomPlan::Exact(r), false);
    let withvalues = argv.len() == 4;
    let count = if argv.len() >= 3 {
        let n = match random_count(&argv[2]) {
            Ok(n) => n,
            Err(e) => return exact(e),
        };
        if argv.len() > 4 || (withvalues && !argv[3].eq_ignore_ascii_case(b"withvalues")) {
            return exact(Reply::err("ERR syntax error"));
        }
        if withvalues && !(-(i64::MAX / 2)..=i64::MAX / 2).contains(&n) {
            return exact(Reply::err("ERR value is out of range"));
        }
        Some(n)
    } else {
        None
    };
    let h = match hash_read(m, ctx, &argv[1]) {
        Err(e) => return exact(e),
        Ok(None) => return exact(if count.is_some() { Reply::Array(Vec::new()) } else { Reply::Nil }),
        Ok(Some(h)) => h,
    };
    match count {
        Some(0) => return exact(Reply::Array(Vec::new())),
        Some(n) => {
            if let Err(e) = repeat_count_ok(n) {
                return exact(e);
            }
        }
        None => {}
    }
    (RandomPlan::Pick { pool: h.into_iter().collect(), count }, withvalues)
}

/// HRANDFIELD through `apply`: a valid deterministic answer (the first fields in order).
pub(super) fn hrandfield(m: &mut Model, ctx: &mut Ctx, argv: &[Vec<u8>]) -> Reply {
    let (plan, withvalues) = hrandfield_plan(m, ctx, argv);
    let (pool, count) = match plan {
        RandomPlan::Exact(r) => return r,
        RandomPlan::Pick { pool, count } => (pool, count),
    };
    let Some(count) = count else { return Reply::Bulk(pool[0].0.clone()) };
    let n = if count < 0 { count.unsigned_abs() as usize } else { (count as usize).min(pool.len()) };
    let picks = (0..n).map(|i| &pool[i % pool.len()]);
    Reply::Array(picks.flat_map(|(f, v)| pair_replies(f, v, withvalues)).collect())
}

fn pair_replies(f: &[u8], v: &[u8], withvalues: bool) -> Vec<Reply> {
    let mut out = vec![Reply::bulk(f)];
    if withvalues {
        out.push(Reply::bulk(v));
    }
    out
}

/// Validate `found` against a random plan: each element from the pool (compared with `eq`),
/// the right number, distinct for a positive count. `width` replies make one element.
pub(super) fn check_picks<T>(
    plan: RandomPlan<T>,
    found: &Reply,
    width: usize,
    decode: impl Fn(&[Reply]) -> Option<T>,
) -> Result<Vec<T>, String>
where
    T: PartialEq + Ord + Clone + std::fmt::Debug,
{
    let (pool, count) = match plan {
        RandomPlan::Exact(r) if &r == found => return Ok(Vec::new()),
        RandomPlan::Exact(r) => return Err(format!("expected {r}, found {found}")),
        RandomPlan::Pick { pool, count } => (pool, count),
    };
    let items: Vec<Reply> = match (count, found) {
        (None, single) => vec![single.clone()],
        (Some(_), Reply::Array(items)) => items.clone(),
        (Some(_), other) => return Err(format!("expected an array, found {other}")),
    };
    let picks: Vec<T> = items.chunks(width).map(&decode).collect::<Option<_>>().ok_or_else(|| format!("malformed reply {found}"))?;
    if let Some(bad) = picks.iter().find(|p| !pool.contains(p)) {
        return Err(format!("picked {bad:?}, which is not in the value"));
    }
    let want = match count {
        None => 1,
        Some(n) if n < 0 => n.unsigned_abs() as usize,
        Some(n) => (n as usize).min(pool.len()),
    };
    let mut distinct = picks.clone();
    distinct.sort();
    distinct.dedup();
    if picks.len() != want || items.len() != want * width || (count.unwrap_or(1) > 0 && distinct.len() != picks.len()) {
        return Err(format!("expected {want} valid picks, found {found}"));
    }
    Ok(picks)
}

/// The HSCAN/SSCAN cursor (`parseScanCursorOrReply`, strtoul): `Err` is the error reply.
pub(super) fn scan_cursor(arg: &[u8]) -> Result<u64, Reply> {
    let invalid = || Reply::err("ERR invalid cursor");
    if arg.first().is_some_and(u8::is_ascii_whitespace) {
        return Err(invalid());
    }
    let (neg, digits) = match arg.split_first() {
        Some((b'-', rest)) => (true, rest),
        Some((b'+', rest)) => (false, rest),
        _ => (false, arg),
    };
    if digits.is_empty() {
        return Ok(0);
    }
    if !digits.iter().all(u8::is_ascii_digit) {
        return Err(invalid());
    }
    let n: u64 = std::str::from_utf8(digits).ok().and_then(|d| d.parse().ok()).ok_or_else(invalid)?;
    Ok(if neg { n.wrapping_neg() } else { n })
}

/// `[MATCH pattern] [COUNT n]` of HSCAN/SSCAN: the pattern (`None` matches all).
pub(super) fn scan_pattern(argv: &[Vec<u8>]) -> Result<Option<Vec<u8>>, Reply> {
    let mut pattern = None;
    let mut i = 3;
    while i < argv.len() {
        let has_value = i + 1 < argv.len();
        if argv[i].eq_ignore_ascii_case(b"count") && has_value {
            if int_arg(&argv[i + 1])? < 1 {
                return Err(Reply::err("ERR syntax error"));
            }
        } else if argv[i].eq_ignore_ascii_case(b"match") && has_value {
            pattern = Some(argv[i + 1].clone()).filter(|p| p.as_slice() != b"*");
        } else {
            return Err(Reply::err("ERR syntax error"));
        }
        i += 2;
    }
    Ok(pattern)
}

/// A scan's expected content: an exact reply, or the elements (each `width` replies) that
/// may be returned.
pub(super) enum ScanPlan {
    Exact(Reply),
    Elements { all: Vec<Vec<Reply>>, from_zero: bool },
}

/// Check an HSCAN/SSCAN reply: a numeric cursor and only valid elements; a call from cursor 0
/// that returns cursor 0 visited every bucket, so it must return every element.
pub(super) fn check_scan(plan: ScanPlan, found: &Reply, width: usize) -> Result<(), String> {
    let (all, from_zero) = match plan {
        ScanPlan::Exact(r) if &r == found => return Ok(()),
        ScanPlan::Exact(r) => return Err(format!("expected {r}, found {found}")),
        ScanPlan::Elements { all, from_zero } => (all, from_zero),
    };
    let bad = || format!("malformed scan reply {found}");
    let Reply::Array(parts) = found else { return Err(bad()) };
    let [Reply::Bulk(cursor), Reply::Array(items)] = parts.as_slice() else { return Err(bad()) };
    if cursor.is_empty() || !cursor.iter().all(u8::is_ascii_digit) || items.len() % width != 0 {
        return Err(bad());
    }
    let got: Vec<Vec<Reply>> = items.chunks(width).map(<[Reply]>::to_vec).collect();
    if let Some(extra) = got.iter().find(|e| !all.contains(e)) {
        return Err(format!("scan returned {extra:?}, which is not a matching element"));
    }
    if from_zero && cursor.as_slice() == b"0" && all.iter().any(|e| !got.contains(e)) {
        return Err(format!("a complete scan missed elements: {found}"));
    }
    Ok(())
}

fn hscan_plan(m: &mut Model, ctx: &Ctx, argv: &[Vec<u8>]) -> ScanPlan {
    let cursor = match scan_cursor(&argv[2]) {
        Ok(c) => c,
        Err(e) => return ScanPlan::Exact(e),
    };
    let h = match hash_read(m, ctx, &argv[1]) {
        Err(e) => return ScanPlan::Exact(e),
        Ok(None) => return ScanPlan::Exact(empty_scan()),
        Ok(Some(h)) => h,
    };
    let pattern = match scan_pattern(argv) {
        Ok(p) => p,
        Err(e) => return ScanPlan::Exact(e),
    };
    let all = h
        .into_iter()
        .filter(|(f, _)| pattern.as_ref().is_none_or(|p| glob::matches(p, f)))
        .map(|(f, v)| vec![Reply::Bulk(f), Reply::Bulk(v)])
        .collect();
    ScanPlan::Elements { all, from_zero: cursor == 0 }
}

pub(super) fn empty_scan() -> Reply {
    Reply::Array(vec![Reply::bulk(b"0"), Reply::Array(Vec::new())])
}

/// A plan rendered as a complete scan (the `apply` path).
pub(super) fn scan_as_reply(plan: ScanPlan) -> Reply {
    match plan {
        ScanPlan::Exact(r) => r,
        ScanPlan::Elements { all, .. } => Reply::Array(vec![Reply::bulk(b"0"), Reply::Array(all.concat())]),
    }
}

pub(super) fn hscan(m: &mut Model, ctx: &mut Ctx, argv: &[Vec<u8>]) -> Reply {
    scan_as_reply(hscan_plan(m, ctx, argv))
}

/// Compare two replies as multisets of `width`-element groups (order-free arrays).
pub(super) fn same_multiset(expected: &Reply, found: &Reply, width: usize) -> Result<(), String> {
    let groups = |r: &Reply| match r {
        Reply::Array(items) => {
            let mut g: Vec<String> = items.chunks(width).map(|c| format!("{c:?}")).collect();
            g.sort();
            Some(g)
        }
        _ => None,
    };
    match (groups(expected), groups(found)) {
        (Some(a), Some(b)) if a == b => Ok(()),
        (None, None) if expected == found => Ok(()),
        _ => Err(format!("expected {expected} (in any order), found {found}")),
    }
}

fn close(a: f64, b: f64) -> bool {
    a == b || (a - b).abs() <= FLOAT_TOLERANCE_RELATIVE * a.abs().max(b.abs())
}

/// HINCRBYFLOAT: accept the engine's long double result if close to the model's, then adopt it.
fn check_hincrbyfloat(m: &mut Model, ctx: &mut Ctx, argv: &[Vec<u8>], found: &Reply) -> Result<(), String> {
    let expected = hincrbyfloat(m, ctx, argv);
    let (Reply::Bulk(want), Reply::Bulk(got)) = (&expected, found) else {
        return if &expected == found { Ok(()) } else { Err(format!("expected {expected}, found {found}")) };
    };
    match (parse_f64(want), parse_f64(got)) {
        (Some(a), Some(b)) if close(a, b) => {
            store_field(m, ctx, &argv[1], &argv[2], got.clone());
            Ok(())
        }
        _ => Err(format!("expected about {expected}, found {found}")),
    }
}

/// Check the engine's reply to one of the nondeterministic hash commands (and adopt its effect).
pub(super) fn check_nondet(m: &mut Model, ctx: &mut Ctx, name: &str, argv: &[Vec<u8>], found: &Reply) -> Result<(), String> {
    let outcome = match name {
        "hgetall" => same_multiset(&hgetall(m, ctx, argv), found, 2),
        "hkeys" => same_multiset(&hkeys(m, ctx, argv), found, 1),
        "hvals" => same_multiset(&hvals(m, ctx, argv), found, 1),
        "hincrbyfloat" => check_hincrbyfloat(m, ctx, argv, found),
        "hscan" => check_scan(hscan_plan(m, ctx, argv), found, 2),
        "hrandfield" => {
            let (plan, withvalues) = hrandfield_plan(m, ctx, argv);
            let width = if withvalues { 2 } else { 1 };
            let lookup: BTreeMap<Vec<u8>, Vec<u8>> = match &plan {
                RandomPlan::Pick { pool, .. } => pool.iter().cloned().collect(),
                RandomPlan::Exact(_) => BTreeMap::new(),
            };
            let decode = |c: &[Reply]| match c {
                [Reply::Bulk(f)] => Some((f.clone(), lookup.get(f).cloned().unwrap_or_default())),
                [Reply::Bulk(f), Reply::Bulk(v)] => Some((f.clone(), v.clone())),
                _ => None,
            };
            check_picks(plan, found, width, decode).map(|_| ())
        }
        _ => Err("not a nondeterministic command of this family".to_string()),
    };
    outcome.map_err(|e| format!("{}: {e}", name.to_uppercase()))
}
