//! SORT and SORT_RO in the model (Redis 7.0 `sort.c` semantics, written from the command's
//! contract, not from Keel's code).
//!
//! - Options left to right: ASC, DESC, ALPHA, `LIMIT offset count` (integers, else
//!   "value is not an integer"), `BY pattern` (no `*` = "don't sort", sticky), `GET pattern`
//!   (repeatable), `STORE dst` (not for SORT_RO); anything else is a syntax error.
//! - The key: missing = empty; a string or hash = WRONGTYPE.
//! - A set sorted "don't sort" with STORE is sorted ALPHA without BY.
//! - "Don't sort" order: list order, sorted-set rank order (both reversed by DESC), a set's
//!   own order (DESC ignored; the engine's order is its encoding's, so such replies are
//!   checked as multisets, see [`check_nondet`]).
//! - Weights: the element, or the BY lookup (`*` replaced by the element; `key->field` reads
//!   a hash field; missing = weight 0 / sorts first under ALPHA). Numeric weights follow C
//!   `strtod` read to the end of the C string (a NUL ends it), with Redis's refusals (NaN,
//!   overflow, inexact underflow): one refusal makes the reply "One or more scores can't be
//!   converted into double". Equal numeric weights order by the elements' bytes; the sort is
//!   stable.
//! - LIMIT: offset < 0 is 0, count < 0 is all.
//! - Output: the elements or, per element, one value per GET (`#` = the element, nil if
//!   missing). STORE writes the output as a list (missing GET values as empty strings) and
//!   drops the destination's TTL, or deletes the destination when the output is empty; the
//!   reply is the output length.
//!
//! ALPHA with a BY pattern whose weights tie keeps the input order, which Redis leaves to a
//! set's or sorted set's hash order (or to an unstable quicksort under LIMIT): those replies
//! are checked by validity. A STORE of such an order cannot be checked, so harnesses must not
//! send it.

use std::cmp::Ordering;
use std::collections::VecDeque;

use super::db::wrongtype;
use super::keyspace::Value;
use super::num::parse_i64;
use super::reply::Reply;
use super::{Ctx, Model};

const ERR_SYNTAX: &str = "ERR syntax error";
const ERR_NOT_INT: &str = "ERR value is not an integer or out of range";
const ERR_NOT_DOUBLE: &str = "ERR One or more scores can't be converted into double";

#[derive(Clone, Debug, Default)]
struct Opts {
    desc: bool,
    alpha: bool,
    offset: i64,
    count: i64,
    by: Option<Vec<u8>>,
    dontsort: bool,
    gets: Vec<Vec<u8>>,
    store: Option<Vec<u8>>,
}

/// What a SORT computed, before it is replied or stored.
struct Outcome {
    /// The output values in order (`None`: a GET found nothing).
    out: Vec<Option<Vec<u8>>>,
    /// The whole output without LIMIT, and whether its order is the model's choice.
    full: Vec<Option<Vec<u8>>>,
    unordered: bool,
}

fn parse(argv: &[Vec<u8>], readonly: bool) -> Result<Opts, Reply> {
    let mut o = Opts { count: -1, ..Opts::default() };
    let mut j = 2;
    while j < argv.len() {
        let left = argv.len() - j - 1;
        let word = argv[j].to_ascii_lowercase();
        match word.as_slice() {
            b"asc" => o.desc = false,
            b"desc" => o.desc = true,
            b"alpha" => o.alpha = true,
            b"limit" if left >= 2 => {
                o.offset = parse_i64(&argv[j + 1]).ok_or_else(|| Reply::err(ERR_NOT_INT))?;
                o.count = parse_i64(&argv[j + 2]).ok_or_else(|| Reply::err(ERR_NOT_INT))?;
                j += 2;
            }
            b"store" if left >= 1 && !readonly => {
                o.store = Some(argv[j + 1].clone());
                j += 1;
            }
            b"by" if left >= 1 => {
                o.dontsort |= !argv[j + 1].contains(&b'*');
                o.by = Some(argv[j + 1].clone());
                j += 1;
            }
            b"get" if left >= 1 => {
                o.gets.push(argv[j + 1].clone());
                j += 1;
            }
            _ => return Err(Reply::err(ERR_SYNTAX)),
        }
        j += 1;
    }
    Ok(o)
}

/// The value a BY/GET pattern names for `elem`.
fn lookup_pattern(m: &mut Model, ctx: &Ctx, pattern: &[u8], elem: &[u8]) -> Option<Vec<u8>> {
    if pattern == b"#" {
        return Some(elem.to_vec());
    }
    let star = pattern.iter().position(|&c| c == b'*')?;
    let rest = &pattern[star + 1..];
    let arrow = rest.windows(2).position(|w| w == b"->").filter(|&i| i + 2 < rest.len());
    let (suffix, field) = match arrow {
        Some(i) => (&rest[..i], Some(&rest[i + 2..])),
        None => (rest, None),
    };
    let key = [&pattern[..star], elem, suffix].concat();
    match (m.lookup_ctx(ctx, &key).map(|e| &e.value), field) {
        (Some(Value::Str(s)), None) => Some(s.clone()),
        (Some(Value::Hash(h)), Some(f)) => h.get(f).cloned(),
        _ => None,
    }
}

/// C `strtod` over a C string, whole, with Redis's refusals (see the module doc).
fn weight(value: &[u8]) -> Option<f64> {
    let end = value.iter().position(|&c| c == 0).unwrap_or(value.len());
    let text = std::str::from_utf8(&value[..end]).ok()?;
    let body = text.trim_start_matches([' ', '\t', '\n', '\r', '\x0b', '\x0c']);
    if body.is_empty() {
        return (text.is_empty()).then_some(0.0);
    }
    let (sign, unsigned) = match body.as_bytes()[0] {
        b'-' => (-1.0, &body[1..]),
        b'+' => (1.0, &body[1..]),
        _ => (1.0, body),
    };
    let lower = unsigned.to_ascii_lowercase();
    let v = if let Some(hex) = lower.strip_prefix("0x") {
        hex_float(hex)?
    } else if lower == "inf" || lower == "infinity" {
        return Some(sign * f64::INFINITY);
    } else {
        let ok = !lower.is_empty() && lower.bytes().all(|c| c.is_ascii_digit() || b".e+-".contains(&c)) && !lower.starts_with(['+', '-']);
        if !ok {
            return None;
        }
        let v: f64 = lower.parse().ok()?;
        let nonzero = lower.split('e').next().is_some_and(|m| m.bytes().any(|c| (b'1'..=b'9').contains(&c)));
        if v.is_infinite() || ((v == 0.0 || v.is_subnormal()) && nonzero) {
            return None;
        }
        v
    };
    Some(sign * v)
}

/// `[digits][.digits][p[+-]exp]` in hexadecimal; exact values only (what the workloads send).
fn hex_float(s: &str) -> Option<f64> {
    let (mantissa, exp) = match s.split_once('p') {
        Some((m, e)) => (m, e.parse::<i32>().ok()?),
        None => (s, 0),
    };
    let (int, frac) = mantissa.split_once('.').unwrap_or((mantissa, ""));
    if int.is_empty() && frac.is_empty() {
        return None;
    }
    let mut v = 0.0f64;
    for c in int.chars().chain(frac.chars()) {
        v = v * 16.0 + f64::from(c.to_digit(16)?);
    }
    let mut scale = exp - 4 * i32::try_from(frac.len()).ok()?;
    // Scale in steps that stay representable, so 0x1p-1074 lands on the subnormal.
    while scale < -1000 {
        v *= 2f64.powi(-1000);
        scale += 1000;
    }
    while scale > 1000 {
        v *= 2f64.powi(1000);
        scale -= 1000;
    }
    let v = v * 2f64.powi(scale);
    (v.is_finite() && !(v == 0.0 && mantissa.bytes().any(|c| c != b'0' && c != b'.'))).then_some(v)
}

/// The elements in "don't sort" order; `Err` on WRONGTYPE. Returns whether the key is a set.
fn elements(m: &mut Model, ctx: &Ctx, key: &[u8], o: &Opts) -> Result<(Vec<Vec<u8>>, bool), Reply> {
    let rev = o.desc && o.dontsort;
    Ok(match m.lookup_ctx(ctx, key).map(|e| &e.value) {
        None => (Vec::new(), false),
        Some(Value::List(l)) => (ordered(l.iter().cloned(), rev), false),
        Some(Value::Set(s)) => (s.iter().cloned().collect(), true),
        Some(Value::ZSet(z)) => {
            let mut pairs: Vec<(&Vec<u8>, f64)> = z.iter().map(|(m, s)| (m, s.0)).collect();
            pairs.sort_by(|a, b| a.1.partial_cmp(&b.1).unwrap_or(Ordering::Equal).then_with(|| a.0.cmp(b.0)));
            (ordered(pairs.into_iter().map(|(m, _)| m.clone()), rev), false)
        }
        Some(_) => return Err(wrongtype()),
    })
}

fn ordered(items: impl DoubleEndedIterator<Item = Vec<u8>>, rev: bool) -> Vec<Vec<u8>> {
    if rev {
        items.rev().collect()
    } else {
        items.collect()
    }
}

/// `(first, count)` of the LIMIT window over `len` elements.
fn window(offset: i64, count: i64, len: usize) -> (usize, usize) {
    let len = len as i64;
    let start = offset.max(0);
    if start >= len || count == 0 {
        return (0, 0);
    }
    let n = if count < 0 { len - start } else { count.min(len - start) };
    (start as usize, n as usize)
}

/// Sort `elems` as the options say; `Err` when a numeric weight is refused. Returns whether
/// two different elements compare equal (ALPHA BY weights that tie, or ALPHA elements equal
/// up to a NUL): their order is then the input order, which may be the engine's own.
fn sort_elems(m: &mut Model, ctx: &Ctx, o: &Opts, elems: &mut Vec<Vec<u8>>) -> Result<bool, Reply> {
    if o.dontsort {
        return Ok(false);
    }
    let mut keyed = Vec::with_capacity(elems.len());
    let mut refused = false;
    for e in elems.drain(..) {
        let by = o.by.as_ref().map(|p| lookup_pattern(m, ctx, p, &e));
        let key = match (&by, o.alpha) {
            (Some(None), true) => (0.0, None),
            (Some(Some(v)), true) => (0.0, Some(v.clone())),
            (None, true) => (0.0, Some(e.clone())),
            (Some(None), false) => (0.0, None),
            (Some(Some(v)), false) => (weight(v).unwrap_or_else(|| { refused = true; 0.0 }), None),
            (None, false) => (weight(&e).unwrap_or_else(|| { refused = true; 0.0 }), None),
        };
        keyed.push((key, e));
    }
    if refused {
        return Err(Reply::err(ERR_NOT_DOUBLE));
    }
    let store = o.store.is_some();
    let cmp = |a: &((f64, Option<Vec<u8>>), Vec<u8>), b: &((f64, Option<Vec<u8>>), Vec<u8>)| {
        let ord = if !o.alpha {
            a.0 .0.partial_cmp(&b.0 .0).unwrap_or(Ordering::Equal).then_with(|| a.1.cmp(&b.1))
        } else {
            match (&a.0 .1, &b.0 .1) {
                (Some(x), Some(y)) if store => x.cmp(y),
                (Some(x), Some(y)) => c_str(x).cmp(c_str(y)),
                (x, y) => x.is_some().cmp(&y.is_some()),
            }
        };
        if o.desc {
            ord.reverse()
        } else {
            ord
        }
    };
    keyed.sort_by(cmp);
    let ties = keyed.windows(2).any(|w| w[0].1 != w[1].1 && cmp(&w[0], &w[1]) == Ordering::Equal);
    elems.extend(keyed.into_iter().map(|(_, e)| e));
    Ok(ties)
}

/// Bytes up to the first NUL (`strcoll` in the C locale).
fn c_str(b: &[u8]) -> &[u8] {
    &b[..b.iter().position(|&c| c == 0).unwrap_or(b.len())]
}

/// The output values of `elems` (one per element, or one per GET per element).
fn output(m: &mut Model, ctx: &Ctx, o: &Opts, elems: &[Vec<u8>]) -> Vec<Option<Vec<u8>>> {
    let mut out = Vec::new();
    for e in elems {
        if o.gets.is_empty() {
            out.push(Some(e.clone()));
        }
        for p in &o.gets {
            out.push(lookup_pattern(m, ctx, p, e));
        }
    }
    out
}

fn run(m: &mut Model, ctx: &Ctx, argv: &[Vec<u8>], readonly: bool) -> Result<(Opts, Outcome), Reply> {
    let mut o = parse(argv, readonly)?;
    let is_set = matches!(m.lookup_ctx(ctx, &argv[1]).map(|e| &e.value), Some(Value::Set(_)));
    if o.dontsort && is_set && o.store.is_some() {
        (o.dontsort, o.alpha, o.by) = (false, true, None);
    }
    let (mut elems, is_set) = elements(m, ctx, &argv[1], &o)?;
    let ties = sort_elems(m, ctx, &o, &mut elems)?;
    let unordered = (o.dontsort && is_set) || ties;
    let (first, n) = window(o.offset, o.count, elems.len());
    let out = output(m, ctx, &o, &elems[first..first + n]);
    // The whole output, for validity checks; GET lookups have no effect worth repeating.
    let full = if unordered { output(m, ctx, &o, &elems) } else { Vec::new() };
    Ok((o, Outcome { out, full, unordered }))
}

fn as_reply(out: &[Option<Vec<u8>>]) -> Reply {
    Reply::Array(out.iter().map(|v| v.as_ref().map_or(Reply::Nil, |b| Reply::Bulk(b.clone()))).collect())
}

/// Write the output at the destination (or delete it when empty); the reply.
fn store(m: &mut Model, ctx: &Ctx, dst: &[u8], out: Vec<Option<Vec<u8>>>) -> Reply {
    let n = out.len();
    if n == 0 {
        m.delete(ctx.db, dst);
    } else {
        let list: VecDeque<Vec<u8>> = out.into_iter().map(Option::unwrap_or_default).collect();
        m.set_key(ctx.db, dst, Value::List(list), false);
    }
    Reply::Int(n as i64)
}

fn generic(m: &mut Model, ctx: &Ctx, argv: &[Vec<u8>], readonly: bool) -> Reply {
    match run(m, ctx, argv, readonly) {
        Err(e) => e,
        Ok((o, outcome)) => match o.store {
            Some(dst) => store(m, ctx, &dst, outcome.out),
            None => as_reply(&outcome.out),
        },
    }
}

pub(super) fn sort(m: &mut Model, ctx: &mut Ctx, argv: &[Vec<u8>]) -> Reply {
    generic(m, ctx, argv, false)
}

pub(super) fn sort_ro(m: &mut Model, ctx: &mut Ctx, argv: &[Vec<u8>]) -> Reply {
    generic(m, ctx, argv, true)
}

/// SORT/SORT_RO checked against the engine's reply: exact, except where the order is the
/// engine's choice (see the module doc), where the reply must be a sub-multiset of the whole
/// output of the right length (all of it without LIMIT).
pub(super) fn check_nondet(m: &mut Model, ctx: &mut Ctx, argv: &[Vec<u8>], engine: &Reply, readonly: bool) -> Result<(), String> {
    let shown = || argv.iter().map(|a| String::from_utf8_lossy(a).into_owned()).collect::<Vec<_>>();
    let (o, outcome) = match run(m, ctx, argv, readonly) {
        Err(e) if e == *engine => return Ok(()),
        Err(e) => return Err(format!("{:?}: expected {e}, found {engine}", shown())),
        Ok(done) => done,
    };
    if let Some(dst) = o.store {
        let expected = store(m, ctx, &dst, outcome.out);
        return if expected == *engine { Ok(()) } else { Err(format!("{:?}: expected {expected}, found {engine}", shown())) };
    }
    let expected = as_reply(&outcome.out);
    if !outcome.unordered || expected == *engine {
        return if expected == *engine { Ok(()) } else { Err(format!("{:?}: expected {expected}, found {engine}", shown())) };
    }
    let Reply::Array(got) = engine else { return Err(format!("{:?}: expected an array, found {engine}", shown())) };
    let mut pool: Vec<Reply> = as_reply(&outcome.full).into_array();
    let per = o.gets.len().max(1);
    let fits = got.len() == outcome.out.len()
        && got.chunks(per).all(|tuple| match pool.chunks(per).position(|c| c == tuple) {
            Some(i) => {
                pool.drain(i * per..(i + 1) * per);
                true
            }
            None => false,
        });
    if fits {
        Ok(())
    } else {
        Err(format!("{:?}: expected the values of {expected} in some order, found {engine}", shown()))
    }
}

impl Reply {
    fn into_array(self) -> Vec<Reply> {
        match self {
            Reply::Array(items) => items,
            other => vec![other],
        }
    }
}

#[cfg(test)]
mod tests {
    use super::{weight, window};

    #[test]
    fn weights_are_strtod_with_redis_refusals() {
        assert_eq!(weight(b" 1.5"), Some(1.5));
        assert_eq!(weight(b""), Some(0.0));
        assert_eq!(weight(b" "), None);
        assert_eq!(weight(b"1e3"), Some(1000.0));
        assert_eq!(weight(b"-inf"), Some(f64::NEG_INFINITY));
        assert_eq!(weight(b"0x10"), Some(16.0));
        assert_eq!(weight(b"0x1p-1074"), Some(f64::from_bits(1)));
        assert_eq!(weight(b"1e400"), None);
        assert_eq!(weight(b"1e-400"), None);
        assert_eq!(weight(b"nan"), None);
        assert_eq!(weight(b"1.5x"), None);
        assert_eq!(weight(b"7\0tail"), Some(7.0));
    }

    #[test]
    fn limit_windows() {
        assert_eq!(window(0, -1, 3), (0, 3));
        assert_eq!(window(-5, 2, 3), (0, 2));
        assert_eq!(window(2, 9, 3), (2, 1));
        assert_eq!(window(3, 1, 3), (0, 0));
        assert_eq!(window(1, 0, 3), (0, 0));
    }
}
