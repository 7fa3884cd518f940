//! The ziplist encoding of a sorted set (`zzl*` in t_zset.c): entries alternate member,
//! score, in (score, member) order. A member that looks like an integer is stored as an
//! integer entry by the ziplist itself; a score as [`super::score_bytes`] gives it.
//!
//! Example: `ZADD z 1 a 2.5 b` gives the entries `"a", 1, "b", "2.5"` — `1` as the immediate
//! integer `f2`, `"2.5"` as a 3-byte string.

use super::{score_as_int, score_bytes};
use crate::encoding::ziplist::{Ziplist, ZlValue};

/// The score a ziplist entry holds (`zzlGetScore`): integers exactly, text as `strtod`.
/// Text this module did not write (a corrupt blob) reads as 0 rather than failing.
pub(super) fn entry_score(v: ZlValue<'_>) -> f64 {
    match v {
        ZlValue::Int(i) => i as f64,
        ZlValue::Str(s) => std::str::from_utf8(s).ok().and_then(|t| t.parse::<f64>().ok()).unwrap_or(0.0),
    }
}

/// The score of an entry that holds one exactly as [`score_bytes`] writes it: an integer, or
/// the `%.17g` text of a number that is neither NaN nor one `score_bytes` stores as an
/// integer. `None` for anything else (only a blob from outside can hold it).
pub(super) fn stored_score(v: ZlValue<'_>) -> Option<f64> {
    match v {
        ZlValue::Int(i) => Some(i as f64),
        ZlValue::Str(s) => {
            let score = std::str::from_utf8(s).ok()?.parse::<f64>().ok()?;
            let canonical = !score.is_nan() && score_as_int(score).is_none() && score_bytes(score) == s;
            canonical.then_some(score)
        }
    }
}

/// (member, score) pairs in order.
pub(super) fn pairs(zl: &Ziplist) -> impl Iterator<Item = (Vec<u8>, f64)> + '_ {
    let mut it = zl.iter();
    std::iter::from_fn(move || {
        let m = it.next()?;
        let s = it.next()?;
        Some((m.to_vec(), entry_score(s)))
    })
}

/// (member, score) pairs from the highest to the lowest.
pub(super) fn pairs_rev(zl: &Ziplist) -> impl Iterator<Item = (Vec<u8>, f64)> + '_ {
    let mut it = zl.iter_rev();
    std::iter::from_fn(move || {
        let s = it.next()?;
        let m = it.next()?;
        Some((m.to_vec(), entry_score(s)))
    })
}

fn member_eq(v: ZlValue<'_>, member: &[u8]) -> bool {
    match v {
        ZlValue::Str(s) => s == member,
        ZlValue::Int(i) => crate::util::number::ll2vec(i) == member,
    }
}

/// Pair index and score of `member` (`zzlFind`).
pub(super) fn find(zl: &Ziplist, member: &[u8]) -> Option<(usize, f64)> {
    let mut it = zl.iter();
    let mut i = 0;
    while let (Some(m), Some(s)) = (it.next(), it.next()) {
        if member_eq(m, member) {
            return Some((i, entry_score(s)));
        }
        i += 1;
    }
    None
}

/// Insert a member that is not present at its ordered place (`zzlInsert`): before the first
/// element with a greater score, or an equal score and a greater member.
pub(super) fn insert(zl: &mut Ziplist, member: &[u8], score: f64) {
    let mut at = 0;
    for (m, s) in pairs(zl) {
        if s > score || (s == score && m.as_slice() > member) {
            break;
        }
        at += 1;
    }
    let placed = zl.insert(2 * at, member) && zl.insert(2 * at + 1, &score_bytes(score));
    debug_assert!(placed, "pair index {at} is within the ziplist");
}

/// Append a pair known to sort after every present one.
pub(super) fn append(zl: &mut Ziplist, member: &[u8], score: f64) {
    zl.push(member, false);
    zl.push(&score_bytes(score), false);
}
