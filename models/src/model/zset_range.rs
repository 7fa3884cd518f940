//! The model's sorted-set range, pop and set-operation commands (see `zset` for the gaps).

use std::collections::BTreeMap;

use super::db::wrongtype;
use super::keyspace::{Score, Value};
use super::num::parse_f64;
use super::reply::Reply;
use super::zset::{dbl, lex_bounds, lex_span, pairs_reply, read, score_bounds, score_span, sorted, write, ZMap};
use super::{Ctx, Model};

type Pairs = Vec<(Vec<u8>, f64)>;

const ERR_NOT_INT: &str = "ERR value is not an integer or out of range";
const ERR_SYNTAX: &str = "ERR syntax error";

fn int(a: &[u8]) -> Option<i64> {
    super::num::parse_i64(a)
}

#[derive(Clone, Copy, PartialEq)]
enum Kind {
    Rank,
    Score,
    Lex,
}

struct Spec {
    kind: Kind,
    rev: bool,
    withscores: bool,
    offset: i64,
    limit: i64,
}

fn parse_spec(argv: &[Vec<u8>], first: usize, store: bool, kind: Option<Kind>, rev: Option<bool>) -> Result<Spec, Reply> {
    let mut s = Spec { kind: Kind::Rank, rev: rev.unwrap_or(false), withscores: false, offset: 0, limit: -1 };
    let (mut k, mut rev_set) = (kind, rev.is_some());
    let mut j = first + 2;
    while j < argv.len() {
        let left = argv.len() - j - 1;
        match argv[j].to_ascii_lowercase().as_slice() {
            b"withscores" if !store => s.withscores = true,
            b"limit" if left >= 2 => {
                s.offset = int(&argv[j + 1]).ok_or_else(|| Reply::err(ERR_NOT_INT))?;
                s.limit = int(&argv[j + 2]).ok_or_else(|| Reply::err(ERR_NOT_INT))?;
                j += 2;
            }
            b"rev" if !rev_set => {
                s.rev = true;
                rev_set = true;
            }
            b"bylex" if k.is_none() => k = Some(Kind::Lex),
            b"byscore" if k.is_none() => k = Some(Kind::Score),
            _ => return Err(Reply::err(ERR_SYNTAX)),
        }
        j += 1;
    }
    s.kind = k.unwrap_or(Kind::Rank);
    if s.limit != -1 && s.kind == Kind::Rank {
        return Err(Reply::err("ERR syntax error, LIMIT is only supported in combination with either BYSCORE or BYLEX"));
    }
    if s.withscores && s.kind == Kind::Lex {
        return Err(Reply::err("ERR syntax error, WITHSCORES not supported in combination with BYLEX"));
    }
    Ok(s)
}

/// Select the pairs of a range request over ascending `v`, in walk order.
fn select(v: &Pairs, s: &Spec, lo: &[u8], hi: &[u8]) -> Result<Pairs, Reply> {
    let (lo, hi) = if s.rev && s.kind != Kind::Rank { (hi, lo) } else { (lo, hi) };
    let span = match s.kind {
        Kind::Rank => {
            let (Some(a), Some(b)) = (int(lo), int(hi)) else { return Err(Reply::err(ERR_NOT_INT)) };
            let len = v.len() as i64;
            let a = if a < 0 { (len + a).max(0) } else { a };
            let b = if b < 0 { len + b } else { b };
            if a > b || a >= len {
                return Ok(Vec::new());
            }
            let b = b.min(len - 1);
            let (a, b) = (a as usize, b as usize);
            let top = v.len() - 1;
            return Ok(if s.rev { v[top - b..=top - a].iter().rev().cloned().collect() } else { v[a..=b].to_vec() });
        }
        Kind::Score => {
            let r = score_bounds(lo, hi).ok_or_else(|| Reply::err("ERR min or max is not a float"))?;
            score_span(v, &r)
        }
        Kind::Lex => {
            let r = lex_bounds(lo, hi).ok_or_else(|| Reply::err("ERR min or max not valid string range item"))?;
            let span = lex_span(v, &r);
            return Ok(walk(v, span, s, |p, rev| if rev { r_gte(&r, p) } else { r_lte(&r, p) }));
        }
    };
    Ok(walk(v, span, s, |_, _| true))
}

fn r_gte(r: &super::zset::LexBounds, p: &(Vec<u8>, f64)) -> bool {
    super::zset::lex_gte(r, &p.0)
}

fn r_lte(r: &super::zset::LexBounds, p: &(Vec<u8>, f64)) -> bool {
    super::zset::lex_lte(r, &p.0)
}

/// Apply LIMIT to the span and walk it in the request's direction while `keep` holds.
fn walk(v: &Pairs, span: Option<(usize, usize)>, s: &Spec, keep: impl Fn(&(Vec<u8>, f64), bool) -> bool) -> Pairs {
    let Some((first, last)) = span else { return Vec::new() };
    if s.offset < 0 || s.limit == 0 {
        return Vec::new();
    }
    let offset = s.offset as usize;
    let n = last - first + 1;
    if offset >= n {
        return Vec::new();
    }
    let take = if s.limit < 0 { n - offset } else { (s.limit as usize).min(n - offset) };
    let items: Pairs = if s.rev {
        v[first..=last - offset].iter().rev().take(take).cloned().collect()
    } else {
        v[first + offset..=last].iter().take(take).cloned().collect()
    };
    items.into_iter().take_while(|p| keep(p, s.rev)).collect()
}

fn range_generic(m: &mut Model, ctx: &Ctx, argv: &[Vec<u8>], kind: Option<Kind>, rev: Option<bool>) -> Reply {
    let s = match parse_spec(argv, 2, false, kind, rev) {
        Ok(s) => s,
        Err(e) => return e,
    };
    // Bounds are validated before the lookup.
    if let Err(e) = select(&Vec::new(), &s, &argv[2], &argv[3]) {
        return e;
    }
    match read(m, ctx, &argv[1]) {
        Ok(z) => {
            let v = z.map(|z| sorted(&z)).unwrap_or_default();
            match select(&v, &s, &argv[2], &argv[3]) {
                Ok(p) => pairs_reply(&p, s.withscores),
                Err(e) => e,
            }
        }
        Err(e) => e,
    }
}

pub(super) fn zrange(m: &mut Model, ctx: &mut Ctx, argv: &[Vec<u8>]) -> Reply {
    range_generic(m, ctx, argv, None, None)
}
pub(super) fn zrevrange(m: &mut Model, ctx: &mut Ctx, argv: &[Vec<u8>]) -> Reply {
    range_generic(m, ctx, argv, Some(Kind::Rank), Some(true))
}
pub(super) fn zrangebyscore(m: &mut Model, ctx: &mut Ctx, argv: &[Vec<u8>]) -> Reply {
    range_generic(m, ctx, argv, Some(Kind::Score), Some(false))
}
pub(super) fn zrevrangebyscore(m: &mut Model, ctx: &mut Ctx, argv: &[Vec<u8>]) -> Reply {
    range_generic(m, ctx, argv, Some(Kind::Score), Some(true))
}
pub(super) fn zrangebylex(m: &mut Model, ctx: &mut Ctx, argv: &[Vec<u8>]) -> Reply {
    range_generic(m, ctx, argv, Some(Kind::Lex), Some(false))
}
pub(super) fn zrevrangebylex(m: &mut Model, ctx: &mut Ctx, argv: &[Vec<u8>]) -> Reply {
    range_generic(m, ctx, argv, Some(Kind::Lex), Some(true))
}

fn to_map(p: &Pairs) -> ZMap {
    p.iter().map(|(m, s)| (m.clone(), Score(if *s == 0.0 { 0.0 } else { *s }))).collect()
}

/// Store a result as the *STORE commands do: replace (dropping the TTL) or delete.
fn store(m: &mut Model, db: usize, key: &[u8], p: &Pairs) {
    if p.is_empty() {
        m.delete(db, key);
    } else {
        m.set_key(db, key, Value::ZSet(to_map(p)), false);
    }
}

pub(super) fn zrangestore(m: &mut Model, ctx: &mut Ctx, argv: &[Vec<u8>]) -> Reply {
    let s = match parse_spec(argv, 3, true, None, None) {
        Ok(s) => s,
        Err(e) => return e,
    };
    if let Err(e) = select(&Vec::new(), &s, &argv[3], &argv[4]) {
        return e;
    }
    let v = match read(m, ctx, &argv[2]) {
        Ok(z) => z.map(|z| sorted(&z)).unwrap_or_default(),
        Err(e) => return e,
    };
    let p = select(&v, &s, &argv[3], &argv[4]).unwrap_or_default();
    store(m, ctx.db, &argv[1], &p);
    Reply::Int(p.len() as i64)
}

fn count(m: &mut Model, ctx: &Ctx, argv: &[Vec<u8>], lex: bool) -> Reply {
    let span = |v: &Pairs| -> Result<Option<(usize, usize)>, Reply> {
        if lex {
            let r = lex_bounds(&argv[2], &argv[3]).ok_or_else(|| Reply::err("ERR min or max not valid string range item"))?;
            Ok(super::zset::lex_run_pub(v, &r))
        } else {
            let r = score_bounds(&argv[2], &argv[3]).ok_or_else(|| Reply::err("ERR min or max is not a float"))?;
            Ok(score_span(v, &r))
        }
    };
    if let Err(e) = span(&Vec::new()) {
        return e;
    }
    match read(m, ctx, &argv[1]) {
        Ok(z) => {
            let v = z.map(|z| sorted(&z)).unwrap_or_default();
            Reply::Int(span(&v).ok().flatten().map_or(0, |(a, b)| (b - a + 1) as i64))
        }
        Err(e) => e,
    }
}

pub(super) fn zcount(m: &mut Model, ctx: &mut Ctx, argv: &[Vec<u8>]) -> Reply {
    count(m, ctx, argv, false)
}
pub(super) fn zlexcount(m: &mut Model, ctx: &mut Ctx, argv: &[Vec<u8>]) -> Reply {
    count(m, ctx, argv, true)
}

fn remrange(m: &mut Model, ctx: &Ctx, argv: &[Vec<u8>], kind: Kind) -> Reply {
    let span = |v: &Pairs| -> Result<Option<(usize, usize)>, Reply> {
        match kind {
            Kind::Rank => {
                let (Some(a), Some(b)) = (int(&argv[2]), int(&argv[3])) else { return Err(Reply::err(ERR_NOT_INT)) };
                let len = v.len() as i64;
                let a = if a < 0 { (len + a).max(0) } else { a };
                let b = if b < 0 { len + b } else { b };
                Ok((a <= b && a < len).then(|| (a as usize, b.min(len - 1) as usize)))
            }
            Kind::Score => Ok(score_span(v, &score_bounds(&argv[2], &argv[3]).ok_or_else(|| Reply::err("ERR min or max is not a float"))?)),
            Kind::Lex => Ok(super::zset::lex_run_pub(v, &lex_bounds(&argv[2], &argv[3]).ok_or_else(|| Reply::err("ERR min or max not valid string range item"))?)),
        }
    };
    if let Err(e) = span(&Vec::new()) {
        return e;
    }
    let v = match read(m, ctx, &argv[1]) {
        Ok(Some(z)) => sorted(&z),
        Ok(None) => return Reply::Int(0),
        Err(e) => return e,
    };
    let Some((a, b)) = span(&v).ok().flatten() else { return Reply::Int(0) };
    let mut z = to_map(&v);
    for (mm, _) in &v[a..=b] {
        z.remove(mm);
    }
    write(m, ctx.db, &argv[1], z);
    Reply::Int((b - a + 1) as i64)
}

pub(super) fn zremrangebyscore(m: &mut Model, ctx: &mut Ctx, argv: &[Vec<u8>]) -> Reply {
    remrange(m, ctx, argv, Kind::Score)
}
pub(super) fn zremrangebyrank(m: &mut Model, ctx: &mut Ctx, argv: &[Vec<u8>]) -> Reply {
    remrange(m, ctx, argv, Kind::Rank)
}
pub(super) fn zremrangebylex(m: &mut Model, ctx: &mut Ctx, argv: &[Vec<u8>]) -> Reply {
    remrange(m, ctx, argv, Kind::Lex)
}

// ---- pops ----

/// Pop up to `n` from `key` (a present sorted set); pairs in pop order.
fn pop(m: &mut Model, db: usize, key: &[u8], z: ZMap, max: bool, n: usize) -> Pairs {
    let mut v = sorted(&z);
    if max {
        v.reverse();
    }
    v.truncate(n);
    let mut z = z;
    for (mm, _) in &v {
        z.remove(mm);
    }
    write(m, db, key, z);
    v
}

fn flat(p: &Pairs) -> Vec<Reply> {
    p.iter().flat_map(|(mm, s)| [Reply::Bulk(mm.clone()), dbl(*s)]).collect()
}

fn zpop(m: &mut Model, ctx: &Ctx, argv: &[Vec<u8>], max: bool) -> Reply {
    if argv.len() > 3 {
        return Reply::err(ERR_SYNTAX);
    }
    let mut n = 1usize;
    if argv.len() == 3 {
        match int(&argv[2]) {
            Some(c) if c >= 0 => n = c as usize,
            _ => return Reply::err("ERR value is out of range, must be positive"),
        }
    }
    match read(m, ctx, &argv[1]) {
        Err(e) => e,
        Ok(None) => Reply::Array(Vec::new()),
        Ok(Some(_)) if n == 0 => Reply::Array(Vec::new()),
        Ok(Some(z)) => Reply::Array(flat(&pop(m, ctx.db, &argv[1], z, max, n))),
    }
}

pub(super) fn zpopmin(m: &mut Model, ctx: &mut Ctx, argv: &[Vec<u8>]) -> Reply {
    zpop(m, ctx, argv, false)
}
pub(super) fn zpopmax(m: &mut Model, ctx: &mut Ctx, argv: &[Vec<u8>]) -> Reply {
    zpop(m, ctx, argv, true)
}

fn timeout_ok(a: &[u8]) -> Result<(), Reply> {
    match parse_f64(a) {
        None => Err(Reply::err("ERR timeout is not a float or out of range")),
        Some(t) if t < 0.0 => Err(Reply::err("ERR timeout is negative")),
        Some(_) => Ok(()),
    }
}

/// The first key holding a sorted set, WRONGTYPE stopping the search.
fn first_ready(m: &mut Model, ctx: &Ctx, keys: &[Vec<u8>]) -> Result<Option<(Vec<u8>, ZMap)>, Reply> {
    for k in keys {
        if let Some(z) = read(m, ctx, k)? {
            return Ok(Some((k.clone(), z)));
        }
    }
    Ok(None)
}

fn bzpop(m: &mut Model, ctx: &Ctx, argv: &[Vec<u8>], max: bool) -> Reply {
    if let Err(e) = timeout_ok(&argv[argv.len() - 1]) {
        return e;
    }
    match first_ready(m, ctx, &argv[1..argv.len() - 1]) {
        Err(e) => e,
        Ok(None) => Reply::NilArray,
        Ok(Some((k, z))) => {
            let p = pop(m, ctx.db, &k, z, max, 1);
            let mut out = vec![Reply::Bulk(k)];
            out.extend(flat(&p));
            Reply::Array(out)
        }
    }
}

pub(super) fn bzpopmin(m: &mut Model, ctx: &mut Ctx, argv: &[Vec<u8>]) -> Reply {
    bzpop(m, ctx, argv, false)
}
pub(super) fn bzpopmax(m: &mut Model, ctx: &mut Ctx, argv: &[Vec<u8>]) -> Reply {
    bzpop(m, ctx, argv, true)
}

fn mpop(m: &mut Model, ctx: &Ctx, argv: &[Vec<u8>], idx: usize, blocking: bool) -> Reply {
    let Some(numkeys) = int(&argv[idx]).filter(|&n| n >= 1) else { return Reply::err("ERR numkeys should be greater than 0") };
    let w = idx as i64 + numkeys + 1;
    if w >= argv.len() as i64 {
        return Reply::err(ERR_SYNTAX);
    }
    let w = w as usize;
    let max = match argv[w].to_ascii_lowercase().as_slice() {
        b"min" => false,
        b"max" => true,
        _ => return Reply::err(ERR_SYNTAX),
    };
    let mut n = 1usize;
    let rest = &argv[w + 1..];
    match rest.len() {
        0 => {}
        2 if rest[0].eq_ignore_ascii_case(b"count") => match int(&rest[1]).filter(|&c| c >= 1) {
            Some(c) => n = usize::try_from(c).unwrap_or(usize::MAX),
            None => return Reply::err("ERR count should be greater than 0"),
        },
        _ => return Reply::err(ERR_SYNTAX),
    }
    if blocking {
        if let Err(e) = timeout_ok(&argv[1]) {
            return e;
        }
    }
    match first_ready(m, ctx, &argv[idx + 1..w]) {
        Err(e) => e,
        Ok(None) => Reply::NilArray,
        Ok(Some((k, z))) => {
            let p = pop(m, ctx.db, &k, z, max, n);
            let items = p.iter().map(|(mm, s)| Reply::Array(vec![Reply::Bulk(mm.clone()), dbl(*s)])).collect();
            Reply::Array(vec![Reply::Bulk(k), Reply::Array(items)])
        }
    }
}

pub(super) fn zmpop(m: &mut Model, ctx: &mut Ctx, argv: &[Vec<u8>]) -> Reply {
    mpop(m, ctx, argv, 1, false)
}
pub(super) fn bzmpop(m: &mut Model, ctx: &mut Ctx, argv: &[Vec<u8>]) -> Reply {
    mpop(m, ctx, argv, 2, true)
}

// ---- ZUNION / ZINTER / ZDIFF ----

#[derive(Clone, Copy, PartialEq)]
enum Op {
    Union,
    Inter,
    Diff,
}

struct Src {
    pairs: Pairs,
    map: BTreeMap<Vec<u8>, f64>,
    weight: f64,
}

fn agg(t: &mut f64, v: f64, how: u8) {
    match how {
        0 => {
            *t += v;
            if t.is_nan() {
                *t = 0.0;
            }
        }
        1 => {
            if v < *t {
                *t = v;
            }
        }
        _ => {
            if v > *t {
                *t = v;
            }
        }
    }
}

fn nan0(v: f64) -> f64 {
    if v.is_nan() { 0.0 } else { v }
}

fn setop(m: &mut Model, ctx: &Ctx, argv: &[Vec<u8>], dst: bool, op: Op, name: &str) -> Reply {
    let ni = if dst { 2 } else { 1 };
    let Some(numkeys) = int(&argv[ni]) else { return Reply::err(ERR_NOT_INT) };
    if numkeys < 1 {
        return Reply::err(&format!("ERR at least 1 input key is needed for '{name}' command"));
    }
    if numkeys > (argv.len() - ni - 1) as i64 {
        return Reply::err(ERR_SYNTAX);
    }
    let n = numkeys as usize;
    let mut srcs = Vec::new();
    for k in &argv[ni + 1..ni + 1 + n] {
        let pairs: Pairs = match m.lookup_ctx(ctx, k).map(|e| &e.value) {
            None => Vec::new(),
            Some(Value::ZSet(z)) => sorted(z),
            Some(Value::Set(s)) => s.iter().map(|mm| (mm.clone(), 1.0)).collect(),
            Some(_) => return wrongtype(),
        };
        let map = pairs.iter().cloned().collect();
        srcs.push(Src { pairs, map, weight: 1.0 });
    }
    let (mut how, mut withscores) = (0u8, false);
    let mut j = ni + 1 + n;
    while j < argv.len() {
        let remaining = argv.len() - j;
        let w = argv[j].to_ascii_lowercase();
        if op != Op::Diff && remaining > n && w == b"weights" {
            for (i, s) in srcs.iter_mut().enumerate() {
                match parse_f64(&argv[j + 1 + i]) {
                    Some(x) => s.weight = x,
                    None => return Reply::err("ERR weight value is not a float"),
                }
            }
            j += 1 + n;
        } else if op != Op::Diff && remaining >= 2 && w == b"aggregate" {
            how = match argv[j + 1].to_ascii_lowercase().as_slice() {
                b"sum" => 0,
                b"min" => 1,
                b"max" => 2,
                _ => return Reply::err(ERR_SYNTAX),
            };
            j += 2;
        } else if !dst && w == b"withscores" {
            withscores = true;
            j += 1;
        } else {
            return Reply::err(ERR_SYNTAX);
        }
    }
    if op != Op::Diff {
        srcs.sort_by_key(|s| s.pairs.len());
    }
    let mut out: BTreeMap<Vec<u8>, f64> = BTreeMap::new();
    match op {
        Op::Union => {
            for s in &srcs {
                for (mm, sc) in &s.pairs {
                    let v = nan0(sc * s.weight);
                    match out.get_mut(mm) {
                        Some(t) => agg(t, v, how),
                        None => {
                            out.insert(mm.clone(), v);
                        }
                    }
                }
            }
        }
        Op::Inter => {
            if let Some((first, rest)) = srcs.split_first() {
                'm: for (mm, sc) in &first.pairs {
                    let mut t = nan0(sc * first.weight);
                    for s in rest {
                        match s.map.get(mm) {
                            Some(v) => agg(&mut t, v * s.weight, how),
                            None => continue 'm,
                        }
                    }
                    out.insert(mm.clone(), t);
                }
            }
        }
        Op::Diff => {
            if let Some((first, rest)) = srcs.split_first() {
                for (mm, sc) in &first.pairs {
                    if rest.iter().all(|s| !s.map.contains_key(mm)) {
                        out.insert(mm.clone(), *sc);
                    }
                }
            }
        }
    }
    let mut v: Pairs = out.into_iter().collect();
    v.sort_by(|a, b| a.1.partial_cmp(&b.1).unwrap_or(std::cmp::Ordering::Equal).then_with(|| a.0.cmp(&b.0)));
    if dst {
        store(m, ctx.db, &argv[1], &v);
        Reply::Int(v.len() as i64)
    } else {
        pairs_reply(&v, withscores)
    }
}

pub(super) fn zunionstore(m: &mut Model, ctx: &mut Ctx, argv: &[Vec<u8>]) -> Reply {
    setop(m, ctx, argv, true, Op::Union, "zunionstore")
}
pub(super) fn zinterstore(m: &mut Model, ctx: &mut Ctx, argv: &[Vec<u8>]) -> Reply {
    setop(m, ctx, argv, true, Op::Inter, "zinterstore")
}
pub(super) fn zdiffstore(m: &mut Model, ctx: &mut Ctx, argv: &[Vec<u8>]) -> Reply {
    setop(m, ctx, argv, true, Op::Diff, "zdiffstore")
}
pub(super) fn zunion(m: &mut Model, ctx: &mut Ctx, argv: &[Vec<u8>]) -> Reply {
    setop(m, ctx, argv, false, Op::Union, "zunion")
}
pub(super) fn zinter(m: &mut Model, ctx: &mut Ctx, argv: &[Vec<u8>]) -> Reply {
    setop(m, ctx, argv, false, Op::Inter, "zinter")
}
pub(super) fn zdiff(m: &mut Model, ctx: &mut Ctx, argv: &[Vec<u8>]) -> Reply {
    setop(m, ctx, argv, false, Op::Diff, "zdiff")
}
