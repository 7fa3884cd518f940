//! The sorted set type (`t_zset.c`): members with `f64` scores, ordered by (score, member).
//!
//! Two encodings, as in Redis ≤ 6.2 (Redis 7 names the compact one `listpack`):
//! - `ziplist`: one [`Ziplist`] holding `member, score, member, score, …` in (score, member)
//!   order, while the count is ≤ `zset-max-ziplist-entries` and every member is ≤
//!   `zset-max-ziplist-value` bytes. A score that is an integer in ±2^62 is stored as that
//!   integer (Redis 7's `double2ll` in `zzlInsertAt`), so `-0.0` becomes `0` here; other scores
//!   as their `%.17g` text.
//! - `skiplist`: a [`Skiplist`] ordered by (score, member) plus a [`Dict`] member → score for
//!   O(1) ZSCORE. A `-0.0` score stays `-0.0` (Redis replies and digests it as `-0`).
//!
//! Invariants: members are unique; no score is NaN (callers reject NaN before calling
//! [`ZSet::add`]); in the skiplist encoding the dict and the skiplist hold the same members with
//! the same scores. Conversion is one way, ziplist → skiplist, done by [`ZSet::add`] before an
//! insert that would break a limit (`zsetAdd`); results of the *STORE commands are built with
//! [`ZSet::from_items`], which picks the encoding from the final content
//! (`zsetConvertToListpackIfNeeded`).
//!
//! Ranks are 0-based here (the skiplist's are 1-based, as `zslGetRank`'s).

mod ziplist_ops;
mod range;

pub use range::{RankRange, ScanBatch};

use super::TypeLimits;
use crate::bytes::SmallBytes;
use crate::dict::Dict;
use crate::encoding::skiplist::Skiplist;
use crate::encoding::ziplist::{Ziplist, ZlValue};
use crate::env::{KeyedState, Rng};

/// The skiplist encoding: the ordered index and the member → score dict.
#[derive(Clone, Debug)]
pub struct SkipZSet {
    pub(crate) zsl: Skiplist,
    pub(crate) dict: Dict<SmallBytes, f64>,
}

/// A sorted set in one of its two encodings (see the module doc).
#[derive(Clone, Debug)]
pub enum ZSet {
    Ziplist(Ziplist),
    Skiplist(Box<SkipZSet>),
}

impl Default for ZSet {
    fn default() -> Self {
        ZSet::Ziplist(Ziplist::new())
    }
}

/// What a mutation may need besides the set itself: the encoding limits, the PRNG for skiplist
/// levels and the hasher for a dict created by a conversion.
pub struct ZEnv<'a> {
    pub limits: TypeLimits,
    pub rng: &'a mut Rng,
    pub hasher: &'a KeyedState,
}

/// ZADD's input flags (`ZADD_IN_*`).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct AddFlags {
    pub incr: bool,
    pub nx: bool,
    pub xx: bool,
    pub gt: bool,
    pub lt: bool,
}

/// ZADD's per-element outcome (`ZADD_OUT_*`); `score` is the member's score afterwards when
/// the element was processed.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum AddOutcome {
    Added(f64),
    Updated(f64),
    /// Present, processed, score unchanged (INCR by 0, same score).
    Unchanged(f64),
    /// Not processed (NX on a present member, XX on a missing one, GT/LT refused).
    Nop,
    /// The increment made the score NaN (`inf + -inf`); nothing changed.
    Nan,
}

impl ZSet {
    pub fn len(&self) -> usize {
        match self {
            ZSet::Ziplist(zl) => zl.len() / 2,
            ZSet::Skiplist(s) => s.zsl.len(),
        }
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    pub fn encoding_name(&self) -> &'static str {
        match self {
            ZSet::Ziplist(_) => "ziplist",
            ZSet::Skiplist(_) => "skiplist",
        }
    }

    /// Members in score order (ties by member bytes).
    pub fn for_each(&self, f: &mut dyn FnMut(&[u8], f64)) {
        match self {
            ZSet::Ziplist(zl) => ziplist_ops::pairs(zl).for_each(|(m, s)| f(&m, s)),
            ZSet::Skiplist(s) => s.zsl.iter().for_each(|(score, m)| f(m, score)),
        }
    }

    /// Build from loaded or computed pairs, choosing the encoding from the final content.
    /// Duplicate members keep the last score; NaN scores (only a corrupt input could hold
    /// one) are dropped rather than stored, since no encoding can order them.
    pub fn from_items(pairs: Vec<(Vec<u8>, f64)>, limits: &TypeLimits, rng: &mut Rng) -> ZSet {
        let hasher = KeyedState::new(rng);
        let mut unique = std::collections::BTreeMap::new();
        for (m, s) in pairs.into_iter().filter(|(_, s)| !s.is_nan()) {
            unique.insert(m, s);
        }
        let mut sorted: Vec<(Vec<u8>, f64)> = unique.into_iter().collect();
        // Not total_cmp: -0.0 and 0.0 are the same score, ordered by member.
        sorted.sort_by(|a, b| a.1.partial_cmp(&b.1).unwrap_or(std::cmp::Ordering::Equal).then_with(|| a.0.cmp(&b.0)));
        Self::from_sorted(sorted, limits, rng, &hasher)
    }

    /// Build from pairs already in (score, member) order with unique members and no NaN.
    pub fn from_sorted(sorted: Vec<(Vec<u8>, f64)>, limits: &TypeLimits, rng: &mut Rng, hasher: &KeyedState) -> ZSet {
        let fits = sorted.len() <= limits.zset_max_ziplist_entries
            && sorted.iter().all(|(m, _)| m.len() <= limits.zset_max_ziplist_value);
        if fits {
            let mut zl = Ziplist::new();
            for (m, s) in &sorted {
                ziplist_ops::append(&mut zl, m, *s);
            }
            return ZSet::Ziplist(zl);
        }
        let mut set = SkipZSet { zsl: Skiplist::new(), dict: Dict::new(hasher.clone()) };
        for (m, s) in sorted {
            set.dict.insert(SmallBytes::new(&m), s);
            set.zsl.insert(rng, s, SmallBytes::new(&m));
        }
        ZSet::Skiplist(Box::new(set))
    }

    /// Keep a ziplist loaded from outside (already walked by [`Ziplist::from_bytes`]) as the
    /// sorted set, when it is what [`ZSet::from_items`] would build: an even count, at most
    /// `zset-max-ziplist-entries` pairs, members of at most `zset-max-ziplist-value` bytes,
    /// canonical and distinct, scores stored as [`score_bytes`] stores them (no NaN), and the
    /// pairs strictly in (score, member) order. `None` otherwise; the caller then goes through
    /// the pairs (which sorts, converts, or reports the problem).
    pub fn adopt_ziplist(zl: Ziplist, limits: &TypeLimits) -> Option<ZSet> {
        let n = zl.len();
        if !n.is_multiple_of(2) || n / 2 > limits.zset_max_ziplist_entries {
            return None;
        }
        let mut members = Vec::with_capacity(n / 2);
        let mut prev: Option<(f64, ZlValue<'_>)> = None;
        let mut it = zl.iter();
        while let (Some(m), Some(s)) = (it.next(), it.next()) {
            let score = ziplist_ops::stored_score(s)?;
            if !m.is_canonical() || m.byte_len() > limits.zset_max_ziplist_value {
                return None;
            }
            if let Some((prev_score, prev_member)) = prev {
                let after = prev_score < score || (prev_score == score && prev_member.with_bytes(|a| m.with_bytes(|b| a < b)));
                if !after {
                    return None;
                }
            }
            prev = Some((score, m));
            members.push(m);
        }
        if !crate::encoding::ziplist::all_distinct(&mut members) {
            return None;
        }
        Some(ZSet::Ziplist(zl))
    }

    /// The member's score (`zsetScore`).
    pub fn score(&self, member: &[u8]) -> Option<f64> {
        match self {
            ZSet::Ziplist(zl) => ziplist_ops::find(zl, member).map(|(_, s)| s),
            ZSet::Skiplist(s) => s.dict.get(member).copied(),
        }
    }

    /// `zsetAdd`: add or update one member under `flags`; `score` must not be NaN. May
    /// convert the encoding to skiplist (before an insert that would exceed a limit).
    pub fn add(&mut self, score: f64, member: &[u8], flags: AddFlags, env: &mut ZEnv<'_>) -> AddOutcome {
        debug_assert!(!score.is_nan(), "callers reject NaN scores");
        // The member's pair index in the ziplist encoding, and its score.
        let found = match self {
            ZSet::Ziplist(zl) => ziplist_ops::find(zl, member),
            // One dict lookup: the entry found is the one updated (as `zsetAdd` keeps `de`).
            ZSet::Skiplist(s) => {
                let SkipZSet { zsl, dict } = &mut **s;
                if let Some(cur) = dict.get_mut(member) {
                    let new = match new_score(flags, score, *cur) {
                        Ok(new) => new,
                        Err(outcome) => return outcome,
                    };
                    zsl.update_score(env.rng, *cur, member, new);
                    *cur = new;
                    return AddOutcome::Updated(new);
                }
                None
            }
        };
        let Some((i, cur)) = found else {
            if flags.xx {
                return AddOutcome::Nop;
            }
            self.insert_new(score, member, env);
            return AddOutcome::Added(score);
        };
        let new = match new_score(flags, score, cur) {
            Ok(new) => new,
            Err(outcome) => return outcome,
        };
        if let ZSet::Ziplist(zl) = self {
            zl.delete_range(2 * i, 2);
            ziplist_ops::insert(zl, member, new);
        }
        AddOutcome::Updated(new)
    }

    fn insert_new(&mut self, score: f64, member: &[u8], env: &mut ZEnv<'_>) {
        if let ZSet::Ziplist(zl) = self {
            let fits = zl.len() / 2 < env.limits.zset_max_ziplist_entries
                && member.len() <= env.limits.zset_max_ziplist_value
                && zl.safe_to_add(Ziplist::entry_size_max(member) + 32);
            if fits {
                ziplist_ops::insert(zl, member, score);
                return;
            }
            self.convert(env);
        }
        if let ZSet::Skiplist(s) = self {
            s.dict.insert(SmallBytes::new(member), score);
            s.zsl.insert(env.rng, score, SmallBytes::new(member));
        }
    }

    /// Convert a ziplist-encoded set to the skiplist encoding (`zsetConvert`); no-op otherwise.
    pub fn convert(&mut self, env: &mut ZEnv<'_>) {
        let ZSet::Ziplist(zl) = self else { return };
        let mut set = SkipZSet { zsl: Skiplist::new(), dict: Dict::new(env.hasher.clone()) };
        for (m, s) in ziplist_ops::pairs(zl) {
            set.dict.insert(SmallBytes::new(&m), s);
            set.zsl.insert(env.rng, s, SmallBytes::new(&m));
        }
        *self = ZSet::Skiplist(Box::new(set));
    }

    /// Remove a member (`zsetDel`); false if absent.
    pub fn remove(&mut self, member: &[u8]) -> bool {
        match self {
            ZSet::Ziplist(zl) => match ziplist_ops::find(zl, member) {
                Some((i, _)) => zl.delete_range(2 * i, 2) == 2,
                None => false,
            },
            ZSet::Skiplist(s) => match s.dict.remove(member) {
                Some((_, score)) => s.zsl.delete(score, member),
                None => false,
            },
        }
    }

    /// 0-based rank of `member` from the lowest score (or the highest when `rev`), with its
    /// score (`zsetRank`).
    pub fn rank(&self, member: &[u8], rev: bool) -> Option<(usize, f64)> {
        let (rank, score) = match self {
            ZSet::Ziplist(zl) => ziplist_ops::find(zl, member)?,
            ZSet::Skiplist(s) => {
                let score = *s.dict.get(member)?;
                (s.zsl.rank(score, member)?.checked_sub(1)?, score)
            }
        };
        Some((if rev { self.len() - 1 - rank } else { rank }, score))
    }
}

/// The score a present member gets under `flags` (`zsetAdd`'s checks), or the outcome that
/// leaves it as it is: NX, NaN from INCR, GT/LT refused, or the same score.
fn new_score(flags: AddFlags, score: f64, cur: f64) -> Result<f64, AddOutcome> {
    if flags.nx {
        return Err(AddOutcome::Nop);
    }
    let new = if flags.incr { score + cur } else { score };
    if new.is_nan() {
        return Err(AddOutcome::Nan);
    }
    if (flags.lt && new >= cur) || (flags.gt && new <= cur) {
        return Err(AddOutcome::Nop);
    }
    if new == cur {
        return Err(AddOutcome::Unchanged(new));
    }
    Ok(new)
}

/// The integer a score is stored as in the ziplist encoding, if any (`double2ll`: integral
/// and |d| ≤ 2^62, `-0.0` included, which becomes `0`).
fn score_as_int(score: f64) -> Option<i64> {
    const HALF: f64 = (i64::MAX / 2) as f64;
    ((-HALF..=HALF).contains(&score) && score == score.trunc()).then_some(score as i64)
}

/// The bytes a score is stored as in the ziplist encoding: the integer of [`score_as_int`],
/// else `%.17g`.
pub fn score_bytes(score: f64) -> Vec<u8> {
    match score_as_int(score) {
        Some(i) => crate::util::number::ll2vec(i),
        None => crate::util::number::d2string(score).into_bytes(),
    }
}

#[cfg(test)]
mod tests;
