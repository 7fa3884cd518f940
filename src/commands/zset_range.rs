//! The range commands: ZRANGE (rank, BYSCORE, BYLEX, REV, LIMIT, WITHSCORES) and its older
//! spellings, ZRANGESTORE, ZCOUNT, ZLEXCOUNT and ZREMRANGEBYSCORE/RANK/LEX
//! (`zrangeGenericCommand`, `zremrangeGenericCommand`).
//!
//! Options are checked before the interval, and both before the key is looked up, so a
//! syntax error wins over WRONGTYPE, as in Redis. LIMIT with a negative offset selects
//! nothing; a negative count means no limit.

use super::zset::{parse_lex_range, parse_score_range, probe_write, read_zset, reply_pairs, store_result, with_zset, WrongType};
use super::zset::{ERR_MINMAX_FLOAT, ERR_MINMAX_LEX};
use super::Ctx;
use crate::encoding::skiplist::{LexRange, ScoreRange};
use crate::resp::Argv;
use crate::server::client::Client;
use crate::server::Server;
use crate::types::zset::{RankRange, ZSet};
use crate::util::number::string2l;

const ERR_NOT_INT: &str = "ERR value is not an integer or out of range";

#[derive(Clone, Copy, PartialEq, Eq)]
enum Kind {
    Rank,
    Score,
    Lex,
}

/// A parsed range request: `first` is the index of the first bound argument.
struct Spec {
    kind: Kind,
    rev: bool,
    withscores: bool,
    offset: i64,
    /// -1 = no LIMIT given (as Redis's `opt_limit`).
    limit: i64,
    first: usize,
}

/// The interval itself.
enum Bounds {
    Rank(i64, i64),
    Score(ScoreRange),
    Lex(LexRange),
}

/// Step 1 of `zrangeGenericCommand`: the options after `<src> <min> <max>`; `kind`/`rev`
/// are fixed by the older command names, `None` lets ZRANGE's keywords choose.
fn parse_spec(a: &Argv, first: usize, store: bool, kind: Option<Kind>, rev: Option<bool>) -> Result<Spec, &'static str> {
    let mut spec = Spec { kind: Kind::Rank, rev: rev.unwrap_or(false), withscores: false, offset: 0, limit: -1, first };
    let (mut kind_set, mut rev_set) = (kind, rev.is_some());
    let mut j = first + 2;
    while j < a.len() {
        let left = a.len() - j - 1;
        match a.get(j).to_ascii_lowercase().as_slice() {
            b"withscores" if !store => spec.withscores = true,
            b"limit" if left >= 2 => {
                spec.offset = string2l(a.get(j + 1)).ok_or(ERR_NOT_INT)?;
                spec.limit = string2l(a.get(j + 2)).ok_or(ERR_NOT_INT)?;
                j += 2;
            }
            b"rev" if !rev_set => (spec.rev, rev_set) = (true, true),
            b"bylex" if kind_set.is_none() => kind_set = Some(Kind::Lex),
            b"byscore" if kind_set.is_none() => kind_set = Some(Kind::Score),
            _ => return Err("ERR syntax error"),
        }
        j += 1;
    }
    spec.kind = kind_set.unwrap_or(Kind::Rank);
    if spec.limit != -1 && spec.kind == Kind::Rank {
        return Err("ERR syntax error, LIMIT is only supported in combination with either BYSCORE or BYLEX");
    }
    if spec.withscores && spec.kind == Kind::Lex {
        return Err("ERR syntax error, WITHSCORES not supported in combination with BYLEX");
    }
    Ok(spec)
}

/// Step 2: the interval (given as max, min for reversed score and lex ranges).
fn parse_bounds(a: &Argv, spec: &Spec) -> Result<Bounds, &'static str> {
    let (mut lo, mut hi) = (a.get(spec.first), a.get(spec.first + 1));
    if spec.rev && spec.kind != Kind::Rank {
        std::mem::swap(&mut lo, &mut hi);
    }
    match spec.kind {
        Kind::Rank => match (string2l(lo), string2l(hi)) {
            (Some(start), Some(end)) => Ok(Bounds::Rank(start, end)),
            _ => Err(ERR_NOT_INT),
        },
        Kind::Score => parse_score_range(lo, hi).map(Bounds::Score).ok_or(ERR_MINMAX_FLOAT),
        Kind::Lex => parse_lex_range(lo, hi).map(Bounds::Lex).ok_or(ERR_MINMAX_LEX),
    }
}

/// Redis's rank sanitizing: negative indexes count from the end; `None` when empty.
/// The result is in ranks counted from the walk's start (the top when reversed).
fn rank_window(len: usize, start: i64, end: i64) -> Option<(usize, usize)> {
    let len = len as i64;
    let start = if start < 0 { (len + start).max(0) } else { start };
    let end = if end < 0 { len + end } else { end };
    if start > end || start >= len {
        return None;
    }
    Some((start as usize, end.min(len - 1) as usize))
}

/// Ascending ranks a request selects, before LIMIT for score/lex kinds.
fn select_ranks(z: &ZSet, spec: &Spec, bounds: &Bounds) -> Option<RankRange> {
    match bounds {
        Bounds::Rank(start, end) => {
            let (s, e) = rank_window(z.len(), *start, *end)?;
            let top = z.len() - 1;
            Some(if spec.rev { RankRange { first: top - e, last: top - s } } else { RankRange { first: s, last: e } })
        }
        Bounds::Score(r) => limit(z.score_ranks(r)?, spec),
        Bounds::Lex(r) => limit(z.lex_ranks(r)?, spec),
    }
}

fn limit(r: RankRange, spec: &Spec) -> Option<RankRange> {
    let offset = usize::try_from(spec.offset).ok()?;
    let limit = usize::try_from(spec.limit).ok();
    r.window(spec.rev, offset, limit)
}

/// The selected pairs in walk order. Like Redis, the walk from the first (or last) element
/// in the interval stops at the first element past the far end, which matters only for lex
/// intervals over mixed scores.
fn select(z: &ZSet, spec: &Spec, bounds: &Bounds) -> Vec<(Vec<u8>, f64)> {
    let mut pairs = select_ranks(z, spec, bounds).map_or_else(Vec::new, |r| z.pairs_by_rank(r, spec.rev));
    if let Bounds::Lex(r) = bounds {
        let run = pairs.iter().take_while(|(m, _)| if spec.rev { r.above_min(m) } else { r.below_max(m) }).count();
        pairs.truncate(run);
    }
    pairs
}

/// `zrangeGenericCommand` for the replying forms.
fn range_generic(s: &mut Server, c: &mut Client, a: &Argv, kind: Option<Kind>, rev: Option<bool>) {
    let spec = match parse_spec(a, 2, false, kind, rev) {
        Ok(spec) => spec,
        Err(e) => return c.add_error(e),
    };
    let bounds = match parse_bounds(a, &spec) {
        Ok(b) => b,
        Err(e) => return c.add_error(e),
    };
    match read_zset(s, c.db, a.get(1)) {
        Ok(z) => {
            let pairs = z.map_or_else(Vec::new, |z| select(z, &spec, &bounds));
            reply_pairs(c, &pairs, spec.withscores);
        }
        Err(WrongType) => c.add_wrong_type(),
    }
}

pub fn zrange(s: &mut Server, c: &mut Client, a: &Argv, _: &mut Ctx) {
    range_generic(s, c, a, None, None);
}

pub fn zrevrange(s: &mut Server, c: &mut Client, a: &Argv, _: &mut Ctx) {
    range_generic(s, c, a, Some(Kind::Rank), Some(true));
}

pub fn zrangebyscore(s: &mut Server, c: &mut Client, a: &Argv, _: &mut Ctx) {
    range_generic(s, c, a, Some(Kind::Score), Some(false));
}

pub fn zrevrangebyscore(s: &mut Server, c: &mut Client, a: &Argv, _: &mut Ctx) {
    range_generic(s, c, a, Some(Kind::Score), Some(true));
}

pub fn zrangebylex(s: &mut Server, c: &mut Client, a: &Argv, _: &mut Ctx) {
    range_generic(s, c, a, Some(Kind::Lex), Some(false));
}

pub fn zrevrangebylex(s: &mut Server, c: &mut Client, a: &Argv, _: &mut Ctx) {
    range_generic(s, c, a, Some(Kind::Lex), Some(true));
}

/// ZRANGESTORE dst src min max [BYSCORE|BYLEX] [REV] [LIMIT offset count].
pub fn zrangestore(s: &mut Server, c: &mut Client, a: &Argv, _: &mut Ctx) {
    let spec = match parse_spec(a, 3, true, None, None) {
        Ok(spec) => spec,
        Err(e) => return c.add_error(e),
    };
    let bounds = match parse_bounds(a, &spec) {
        Ok(b) => b,
        Err(e) => return c.add_error(e),
    };
    let pairs = match read_zset(s, c.db, a.get(2)) {
        Ok(z) => z.map_or_else(Vec::new, |z| select(z, &spec, &bounds)),
        Err(WrongType) => return c.add_wrong_type(),
    };
    let mut sorted = pairs;
    if spec.rev {
        sorted.reverse();
    }
    let n = sorted.len();
    let z = super::zset::build_zset(s, sorted);
    store_result(s, c.db, a.get(1), z);
    c.add_int(n as i64);
}

fn count_generic(s: &mut Server, c: &mut Client, a: &Argv, lex: bool) {
    let bounds = if lex {
        parse_lex_range(a.get(2), a.get(3)).map(Bounds::Lex).ok_or(ERR_MINMAX_LEX)
    } else {
        parse_score_range(a.get(2), a.get(3)).map(Bounds::Score).ok_or(ERR_MINMAX_FLOAT)
    };
    let bounds = match bounds {
        Ok(b) => b,
        Err(e) => return c.add_error(e),
    };
    match read_zset(s, c.db, a.get(1)) {
        Ok(z) => {
            let ranks = z.and_then(|z| match &bounds {
                Bounds::Score(r) => z.score_ranks(r),
                Bounds::Lex(r) if matches!(z, ZSet::Ziplist(_)) => z.lex_run(r),
                Bounds::Lex(r) => z.lex_ranks(r),
                Bounds::Rank(..) => None,
            });
            c.add_int(ranks.map_or(0, |r| r.len() as i64));
        }
        Err(WrongType) => c.add_wrong_type(),
    }
}

pub fn zcount(s: &mut Server, c: &mut Client, a: &Argv, _: &mut Ctx) {
    count_generic(s, c, a, false);
}

pub fn zlexcount(s: &mut Server, c: &mut Client, a: &Argv, _: &mut Ctx) {
    count_generic(s, c, a, true);
}

/// `zremrangeGenericCommand`: parse, look up, delete the selected ranks.
fn remrange_generic(s: &mut Server, c: &mut Client, a: &Argv, kind: Kind) {
    let bounds = match kind {
        Kind::Rank => match (string2l(a.get(2)), string2l(a.get(3))) {
            (Some(start), Some(end)) => Ok(Bounds::Rank(start, end)),
            _ => Err(ERR_NOT_INT),
        },
        Kind::Score => parse_score_range(a.get(2), a.get(3)).map(Bounds::Score).ok_or(ERR_MINMAX_FLOAT),
        Kind::Lex => parse_lex_range(a.get(2), a.get(3)).map(Bounds::Lex).ok_or(ERR_MINMAX_LEX),
    };
    let bounds = match bounds {
        Ok(b) => b,
        Err(e) => return c.add_error(e),
    };
    let (db, key) = (c.db, a.get(1));
    match probe_write(s, db, key) {
        Err(WrongType) => return c.add_wrong_type(),
        Ok(false) => return c.add_int(0),
        Ok(true) => {}
    }
    let spec = Spec { kind, rev: false, withscores: false, offset: 0, limit: -1, first: 2 };
    let deleted = with_zset(s, db, key, |z, _| {
        let ranks = match &bounds {
            Bounds::Lex(r) => z.lex_run(r),
            _ => select_ranks(z, &spec, &bounds),
        };
        ranks.map_or(0, |r| z.delete_ranks(r))
    });
    let deleted = deleted.unwrap_or(0);
    if deleted > 0 {
        s.ks.dirty += deleted as u64;
        s.ks.touch_watched(db, key);
    }
    c.add_int(deleted as i64);
}

pub fn zremrangebyscore(s: &mut Server, c: &mut Client, a: &Argv, _: &mut Ctx) {
    remrange_generic(s, c, a, Kind::Score);
}

pub fn zremrangebyrank(s: &mut Server, c: &mut Client, a: &Argv, _: &mut Ctx) {
    remrange_generic(s, c, a, Kind::Rank);
}

pub fn zremrangebylex(s: &mut Server, c: &mut Client, a: &Argv, _: &mut Ctx) {
    remrange_generic(s, c, a, Kind::Lex);
}
