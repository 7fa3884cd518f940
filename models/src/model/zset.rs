//! Sorted set commands over `Value::ZSet(BTreeMap<member, Score>)`: the (score, member) order
//! is computed on the fly, and there are no encodings. Replies are Redis 7.0's (RESP2).
//!
//! Known gaps (documented, not hidden): scores print with a `%.17g` written here; a `-0.0`
//! score is stored as `0` (what Redis's compact encoding does; its skiplist keeps `-0`, which
//! the simulator's workload never produces); lex ranges follow the compact encoding's linear
//! walk (Redis's skiplist descent differs only when scores differ, which Redis leaves
//! undefined; the workload keeps lex commands on keys whose scores are all 0); hex scores are
//! not parsed. ZRANDMEMBER and ZSCAN are checked by validity in `zset_check`.

use std::collections::BTreeMap;

use super::db::wrongtype;
use super::keyspace::{Entry, Score, Value};
use super::num::parse_f64;
use super::reply::Reply;
use super::{Ctx, Model};

pub(super) type ZMap = BTreeMap<Vec<u8>, Score>;
type Pairs = Vec<(Vec<u8>, f64)>;

const ERR_NOT_INT: &str = "ERR value is not an integer or out of range";
const ERR_NOT_FLOAT: &str = "ERR value is not a valid float";
const ERR_SYNTAX: &str = "ERR syntax error";

/// C's `printf("%.17g", v)` with Redis's `inf`/`-inf`.
pub(super) fn fmt17(v: f64) -> String {
    if v.is_infinite() {
        return if v > 0.0 { "inf" } else { "-inf" }.to_string();
    }
    if v == 0.0 {
        return "0".to_string();
    }
    let sci = format!("{v:.16e}");
    let (mant, exp) = sci.split_once('e').unwrap_or((&sci, "0"));
    let exp: i32 = exp.parse().unwrap_or(0);
    let trim = |s: &str| -> String {
        if s.contains('.') {
            s.trim_end_matches('0').trim_end_matches('.').to_string()
        } else {
            s.to_string()
        }
    };
    if !(-4..17).contains(&exp) {
        let sign = if exp < 0 { '-' } else { '+' };
        format!("{}e{sign}{:02}", trim(mant), exp.abs())
    } else {
        let decimals = (16 - exp).max(0) as usize;
        trim(&format!("{v:.decimals$}"))
    }
}

pub(super) fn dbl(v: f64) -> Reply {
    Reply::Bulk(fmt17(v).into_bytes())
}

/// Ascending (score, member) order.
pub(super) fn sorted(z: &ZMap) -> Pairs {
    let mut v: Pairs = z.iter().map(|(m, s)| (m.clone(), s.0)).collect();
    v.sort_by(|a, b| a.1.partial_cmp(&b.1).unwrap_or(std::cmp::Ordering::Equal).then_with(|| a.0.cmp(&b.0)));
    v
}

pub(super) fn pairs_reply(p: &[(Vec<u8>, f64)], withscores: bool) -> Reply {
    let mut out = Vec::new();
    for (m, s) in p {
        out.push(Reply::Bulk(m.clone()));
        if withscores {
            out.push(dbl(*s));
        }
    }
    Reply::Array(out)
}

/// Redis `string2l`-style integer argument.
fn int(a: &[u8]) -> Option<i64> {
    super::num::parse_i64(a)
}

/// The sorted set at `key`: `Ok(None)` if missing.
pub(super) fn read(m: &mut Model, ctx: &Ctx, key: &[u8]) -> Result<Option<ZMap>, Reply> {
    match m.lookup_ctx(ctx, key) {
        None => Ok(None),
        Some(Entry { value: Value::ZSet(z), .. }) => Ok(Some(z.clone())),
        Some(_) => Err(wrongtype()),
    }
}

/// Write back a modified set (keeping the TTL), deleting it when empty; touches WATCHers.
pub(super) fn write(m: &mut Model, db: usize, key: &[u8], z: ZMap) {
    if z.is_empty() {
        m.delete(db, key);
        return;
    }
    match m.dbs[db].get_mut(key) {
        Some(e) => e.value = Value::ZSet(z),
        None => {
            m.dbs[db].insert(key.to_vec(), Entry::new(Value::ZSet(z)));
        }
    }
    m.touch(db, key);
}

fn score_of(v: f64) -> Score {
    Score(if v == 0.0 { 0.0 } else { v })
}

// ---- ZADD and point commands ----

#[derive(Default, Clone, Copy)]
struct Flags {
    nx: bool,
    xx: bool,
    gt: bool,
    lt: bool,
    ch: bool,
    incr: bool,
}

pub(super) fn zadd(m: &mut Model, ctx: &mut Ctx, argv: &[Vec<u8>]) -> Reply {
    let mut f = Flags::default();
    let mut i = 2;
    while i < argv.len() {
        match argv[i].to_ascii_lowercase().as_slice() {
            b"nx" => f.nx = true,
            b"xx" => f.xx = true,
            b"gt" => f.gt = true,
            b"lt" => f.lt = true,
            b"ch" => f.ch = true,
            b"incr" => f.incr = true,
            _ => break,
        }
        i += 1;
    }
    let elements = argv.len() - i;
    if elements == 0 || elements % 2 == 1 {
        return Reply::err(ERR_SYNTAX);
    }
    if f.nx && f.xx {
        return Reply::err("ERR XX and NX options at the same time are not compatible");
    }
    if (f.gt || f.lt) && f.nx || (f.gt && f.lt) {
        return Reply::err("ERR GT, LT, and/or NX options at the same time are not compatible");
    }
    if f.incr && elements > 2 {
        return Reply::err("ERR INCR option supports a single increment-element pair");
    }
    let mut pairs = Vec::new();
    for j in (i..argv.len()).step_by(2) {
        match parse_f64(&argv[j]) {
            Some(s) => pairs.push((s, argv[j + 1].clone())),
            None => return Reply::err(ERR_NOT_FLOAT),
        }
    }
    zadd_generic(m, ctx, &argv[1], f, &pairs)
}

pub(super) fn zincrby(m: &mut Model, ctx: &mut Ctx, argv: &[Vec<u8>]) -> Reply {
    let Some(s) = parse_f64(&argv[2]) else { return Reply::err(ERR_NOT_FLOAT) };
    let f = Flags { incr: true, ..Flags::default() };
    zadd_generic(m, ctx, &argv[1], f, &[(s, argv[3].clone())])
}

fn zadd_generic(m: &mut Model, ctx: &Ctx, key: &[u8], f: Flags, pairs: &[(f64, Vec<u8>)]) -> Reply {
    let existing = match read(m, ctx, key) {
        Ok(z) => z,
        Err(e) => return e,
    };
    let (mut added, mut updated, mut last, mut nan) = (0, 0, None, false);
    if existing.is_some() || !f.xx {
        let mut z = existing.unwrap_or_default();
        for (score, member) in pairs {
            match z.get(member).map(|s| s.0) {
                None if f.xx => {}
                None => {
                    z.insert(member.clone(), score_of(*score));
                    added += 1;
                    last = Some(*score);
                }
                Some(_) if f.nx => {}
                Some(cur) => {
                    let new = if f.incr { score + cur } else { *score };
                    if new.is_nan() {
                        nan = true;
                        break;
                    }
                    if (f.lt && new >= cur) || (f.gt && new <= cur) {
                        continue;
                    }
                    last = Some(new);
                    if new != cur {
                        z.insert(member.clone(), score_of(new));
                        updated += 1;
                    }
                }
            }
        }
        if added + updated > 0 {
            write(m, ctx.db, key, z);
        }
    }
    if nan {
        return Reply::err("ERR resulting score is not a number (NaN)");
    }
    if f.incr {
        return last.map_or(Reply::Nil, dbl);
    }
    Reply::Int(if f.ch { added + updated } else { added })
}

pub(super) fn zrem(m: &mut Model, ctx: &mut Ctx, argv: &[Vec<u8>]) -> Reply {
    let mut z = match read(m, ctx, &argv[1]) {
        Ok(Some(z)) => z,
        Ok(None) => return Reply::Int(0),
        Err(e) => return e,
    };
    let n = argv[2..].iter().filter(|a| z.remove(*a).is_some()).count();
    if n > 0 {
        write(m, ctx.db, &argv[1], z);
    }
    Reply::Int(n as i64)
}

pub(super) fn zcard(m: &mut Model, ctx: &mut Ctx, argv: &[Vec<u8>]) -> Reply {
    match read(m, ctx, &argv[1]) {
        Ok(z) => Reply::Int(z.map_or(0, |z| z.len() as i64)),
        Err(e) => e,
    }
}

pub(super) fn zscore(m: &mut Model, ctx: &mut Ctx, argv: &[Vec<u8>]) -> Reply {
    match read(m, ctx, &argv[1]) {
        Ok(z) => z.and_then(|z| z.get(&argv[2]).map(|s| dbl(s.0))).unwrap_or(Reply::Nil),
        Err(e) => e,
    }
}

pub(super) fn zmscore(m: &mut Model, ctx: &mut Ctx, argv: &[Vec<u8>]) -> Reply {
    match read(m, ctx, &argv[1]) {
        Ok(z) => Reply::Array(argv[2..].iter().map(|a| z.as_ref().and_then(|z| z.get(a)).map_or(Reply::Nil, |s| dbl(s.0))).collect()),
        Err(e) => e,
    }
}

fn rank(m: &mut Model, ctx: &Ctx, argv: &[Vec<u8>], rev: bool) -> Reply {
    match read(m, ctx, &argv[1]) {
        Ok(z) => {
            let v = z.map(|z| sorted(&z)).unwrap_or_default();
            match v.iter().position(|(mm, _)| *mm == argv[2]) {
                Some(p) => Reply::Int(if rev { (v.len() - 1 - p) as i64 } else { p as i64 }),
                None => Reply::Nil,
            }
        }
        Err(e) => e,
    }
}

pub(super) fn zrank(m: &mut Model, ctx: &mut Ctx, argv: &[Vec<u8>]) -> Reply {
    rank(m, ctx, argv, false)
}

pub(super) fn zrevrank(m: &mut Model, ctx: &mut Ctx, argv: &[Vec<u8>]) -> Reply {
    rank(m, ctx, argv, true)
}

// ---- interval parsing ----

/// strtod over the whole input (`zslParseRange`): empty reads 0, leading spaces skipped.
fn strtod_whole(s: &[u8]) -> Option<f64> {
    if s.is_empty() {
        return Some(0.0);
    }
    let start = s.iter().position(|b| !matches!(b, b' ' | b'\t' | b'\n' | 0x0b | 0x0c | b'\r'))?;
    let text = std::str::from_utf8(&s[start..]).ok()?;
    let body = text.trim_start_matches(['+', '-']).to_ascii_lowercase();
    if text.len() - body.len() > 1 {
        return None;
    }
    let word = body == "inf" || body == "infinity";
    let ok = word || (!body.is_empty() && body.bytes().all(|b| b.is_ascii_digit() || matches!(b, b'.' | b'e' | b'+' | b'-')));
    if !ok {
        return None;
    }
    text.parse::<f64>().ok().filter(|v| !v.is_nan())
}

#[derive(Clone, Copy)]
pub(super) struct ScoreBounds {
    min: f64,
    max: f64,
    minex: bool,
    maxex: bool,
}

impl ScoreBounds {
    fn gte_min(&self, v: f64) -> bool {
        if self.minex { v > self.min } else { v >= self.min }
    }
    fn lte_max(&self, v: f64) -> bool {
        if self.maxex { v < self.max } else { v <= self.max }
    }
}

fn score_bound(a: &[u8]) -> Option<(f64, bool)> {
    match a.split_first() {
        Some((b'(', rest)) => Some((strtod_whole(rest)?, true)),
        _ => Some((strtod_whole(a)?, false)),
    }
}

pub(super) fn score_bounds(min: &[u8], max: &[u8]) -> Option<ScoreBounds> {
    let (min, minex) = score_bound(min)?;
    let (max, maxex) = score_bound(max)?;
    Some(ScoreBounds { min, max, minex, maxex })
}

/// A lex bound: (class 0 = `-`, 1 = member, 2 = `+`, member, exclusive).
#[derive(Clone)]
pub(super) struct LexBounds {
    min: (u8, Vec<u8>, bool),
    max: (u8, Vec<u8>, bool),
}

fn lex_bound(a: &[u8]) -> Option<(u8, Vec<u8>, bool)> {
    match a.split_first()? {
        (b'-', []) => Some((0, Vec::new(), false)),
        (b'+', []) => Some((2, Vec::new(), false)),
        (b'[', rest) => Some((1, rest.to_vec(), false)),
        (b'(', rest) => Some((1, rest.to_vec(), true)),
        _ => None,
    }
}

pub(super) fn lex_bounds(min: &[u8], max: &[u8]) -> Option<LexBounds> {
    Some(LexBounds { min: lex_bound(min)?, max: lex_bound(max)? })
}

impl LexBounds {
    fn gte_min(&self, m: &[u8]) -> bool {
        match &self.min {
            (0, _, _) => true,
            (2, _, _) => false,
            (_, b, ex) => if *ex { m > b.as_slice() } else { m >= b.as_slice() },
        }
    }
    fn lte_max(&self, m: &[u8]) -> bool {
        match &self.max {
            (0, _, _) => false,
            (2, _, _) => true,
            (_, b, ex) => if *ex { m < b.as_slice() } else { m <= b.as_slice() },
        }
    }
    fn empty(&self) -> bool {
        let (a, b) = ((self.min.0, &self.min.1), (self.max.0, &self.max.1));
        a > b || (a == b && (self.min.2 || self.max.2))
    }
}

/// First/last indexes of an interval over `v` (ascending), as the compact encoding finds
/// them: score `zzlFirstInRange`/`zzlLastInRange`, lex with `zzlIsInLexRange` first.
pub(super) fn score_span(v: &Pairs, r: &ScoreBounds) -> Option<(usize, usize)> {
    let first = v.iter().position(|p| r.gte_min(p.1))?;
    let last = v.iter().rposition(|p| r.lte_max(p.1))?;
    (r.lte_max(v[first].1) && r.gte_min(v[last].1) && first <= last).then_some((first, last))
}

pub(super) fn lex_span(v: &Pairs, r: &LexBounds) -> Option<(usize, usize)> {
    if r.empty() || !r.gte_min(&v.last()?.0) || !r.lte_max(&v.first()?.0) {
        return None;
    }
    let first = v.iter().position(|p| r.gte_min(&p.0))?;
    let last = v.iter().rposition(|p| r.lte_max(&p.0))?;
    (r.lte_max(&v[first].0) && r.gte_min(&v[last].0) && first <= last).then_some((first, last))
}

/// The lex run the compact encoding deletes or counts: from `first` while `<= max`.
fn lex_run(v: &Pairs, r: &LexBounds) -> Option<(usize, usize)> {
    let (first, last) = lex_span(v, r)?;
    let run = v[first..=last].iter().take_while(|p| r.lte_max(&p.0)).count();
    (run > 0).then_some((first, first + run - 1))
}

pub(super) fn lex_gte(r: &LexBounds, m: &[u8]) -> bool {
    r.gte_min(m)
}

pub(super) fn lex_lte(r: &LexBounds, m: &[u8]) -> bool {
    r.lte_max(m)
}

pub(super) fn lex_run_pub(v: &Pairs, r: &LexBounds) -> Option<(usize, usize)> {
    lex_run(v, r)
}

/// The model's ZSCAN: everything in one batch with cursor 0 (errors as Redis orders them:
/// cursor, then the key, then the options).
pub(super) fn zscan_model(m: &mut Model, ctx: &mut Ctx, argv: &[Vec<u8>]) -> Reply {
    if !argv[2].iter().all(u8::is_ascii_digit) || argv[2].is_empty() {
        let neg_ok = argv[2].first() == Some(&b'-') && argv[2].len() > 1 && argv[2][1..].iter().all(u8::is_ascii_digit);
        if !neg_ok {
            return Reply::err("ERR invalid cursor");
        }
    }
    let z = match read(m, ctx, &argv[1]) {
        Ok(Some(z)) => z,
        Ok(None) => return Reply::Array(vec![Reply::bulk(b"0"), Reply::Array(Vec::new())]),
        Err(e) => return e,
    };
    let mut pattern: Option<&[u8]> = None;
    let mut i = 3;
    while i < argv.len() {
        if i + 1 >= argv.len() {
            return Reply::err(ERR_SYNTAX);
        }
        match argv[i].to_ascii_lowercase().as_slice() {
            b"count" => match int(&argv[i + 1]) {
                None => return Reply::err(ERR_NOT_INT),
                Some(n) if n < 1 => return Reply::err(ERR_SYNTAX),
                Some(_) => {}
            },
            b"match" => pattern = Some(&argv[i + 1]),
            _ => return Reply::err(ERR_SYNTAX),
        }
        i += 2;
    }
    let items = sorted(&z)
        .into_iter()
        .filter(|(mm, _)| pattern.is_none_or(|p| super::glob::matches(p, mm)))
        .flat_map(|(mm, s)| [Reply::Bulk(mm), dbl(s)])
        .collect();
    Reply::Array(vec![Reply::bulk(b"0"), Reply::Array(items)])
}
