//! Range operations on a sorted set, reduced to rank intervals: a score or lex interval is
//! turned into the 0-based ranks of its first and last element (`zslFirstInRange` /
//! `zslLastInRange` and their ziplist twins), then elements are read or deleted by rank.
//!
//! Lex intervals assume every element has the same score, as Redis documents; with mixed
//! scores the skiplist's descent and the ziplist's linear walk may pick different first/last
//! elements, exactly as in Redis.

use std::collections::BTreeSet;

use super::{ziplist_ops, ZSet};
use crate::encoding::skiplist::{LexRange, ScoreRange};
use crate::env::Rng;

/// An inclusive interval of 0-based ranks, `first <= last`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct RankRange {
    pub first: usize,
    pub last: usize,
}

impl RankRange {
    pub fn len(&self) -> usize {
        self.last - self.first + 1
    }

    pub fn is_empty(&self) -> bool {
        false
    }

    /// Apply LIMIT: skip `offset` elements from the start of the walk (the low end, or the
    /// high end when `rev`) and keep at most `limit` (`None` = all).
    pub fn window(self, rev: bool, offset: usize, limit: Option<usize>) -> Option<RankRange> {
        if offset >= self.len() || limit == Some(0) {
            return None;
        }
        let n = limit.map_or(self.len() - offset, |l| l.min(self.len() - offset));
        Some(if rev {
            RankRange { first: self.last - offset + 1 - n, last: self.last - offset }
        } else {
            RankRange { first: self.first + offset, last: self.first + offset + n - 1 }
        })
    }
}

/// One ZSCAN step: the next cursor and the pairs returned.
#[derive(Clone, Debug, Default)]
pub struct ScanBatch {
    pub cursor: u64,
    pub pairs: Vec<(Vec<u8>, f64)>,
}

impl ZSet {
    /// Pairs at ranks `r`, lowest first, or highest first when `rev`.
    pub fn pairs_by_rank(&self, r: RankRange, rev: bool) -> Vec<(Vec<u8>, f64)> {
        match self {
            ZSet::Ziplist(zl) if rev => {
                ziplist_ops::pairs_rev(zl).skip(self.len() - 1 - r.last).take(r.len()).collect()
            }
            ZSet::Ziplist(zl) => ziplist_ops::pairs(zl).skip(r.first).take(r.len()).collect(),
            ZSet::Skiplist(s) => {
                let start = s.zsl.by_rank(if rev { r.last } else { r.first } + 1);
                let step = |id| if rev { s.zsl.prev(id) } else { s.zsl.next(id) };
                std::iter::successors(start, |&id| step(id))
                    .take(r.len())
                    .map(|id| (s.zsl.member(id).to_vec(), s.zsl.score(id)))
                    .collect()
            }
        }
    }

    /// The ranks of all elements, if any.
    pub fn all_ranks(&self) -> Option<RankRange> {
        (!self.is_empty()).then(|| RankRange { first: 0, last: self.len() - 1 })
    }

    /// Ranks of the elements with a score in `range` (`zslFirstInRange`, `zslLastInRange`).
    pub fn score_ranks(&self, range: &ScoreRange) -> Option<RankRange> {
        match self {
            ZSet::Ziplist(zl) => {
                let scores: Vec<f64> = ziplist_ops::pairs(zl).map(|(_, s)| s).collect();
                let first = scores.iter().position(|&s| range.above_min(s))?;
                let last = scores.iter().rposition(|&s| range.below_max(s))?;
                (range.below_max(scores[first]) && range.above_min(scores[last]) && first <= last)
                    .then_some(RankRange { first, last })
            }
            ZSet::Skiplist(s) => {
                let first = s.zsl.first_in_range(range)?;
                let last = s.zsl.last_in_range(range)?;
                self.node_ranks(s.zsl.score(first), s.zsl.member(first), s.zsl.score(last), s.zsl.member(last))
            }
        }
    }

    /// Ranks of the elements in the lex `range` (`zslFirstInLexRange`, `zslLastInLexRange`).
    pub fn lex_ranks(&self, range: &LexRange) -> Option<RankRange> {
        match self {
            ZSet::Ziplist(zl) => {
                let members: Vec<Vec<u8>> = ziplist_ops::pairs(zl).map(|(m, _)| m).collect();
                let (head, tail) = (members.first()?, members.last()?);
                if !range.above_min(tail) || !range.below_max(head) {
                    return None;
                }
                let first = members.iter().position(|m| range.above_min(m))?;
                let last = members.iter().rposition(|m| range.below_max(m))?;
                (range.below_max(&members[first]) && range.above_min(&members[last]) && first <= last)
                    .then_some(RankRange { first, last })
            }
            ZSet::Skiplist(s) => {
                let first = s.zsl.first_in_lex_range(range)?;
                let last = s.zsl.last_in_lex_range(range)?;
                self.node_ranks(s.zsl.score(first), s.zsl.member(first), s.zsl.score(last), s.zsl.member(last))
            }
        }
    }

    /// The run Redis's ziplist walk takes for a lex interval (`zzlFirstInLexRange`, then
    /// forward while `<= max`): the same as [`ZSet::lex_ranks`] when all scores are equal.
    pub fn lex_run(&self, range: &LexRange) -> Option<RankRange> {
        let r = self.lex_ranks(range)?;
        let run = self.pairs_by_rank(r, false).iter().take_while(|(m, _)| range.below_max(m)).count();
        (run > 0).then(|| RankRange { first: r.first, last: r.first + run - 1 })
    }

    fn node_ranks(&self, s1: f64, m1: &[u8], s2: f64, m2: &[u8]) -> Option<RankRange> {
        let ZSet::Skiplist(s) = self else { return None };
        let first = s.zsl.rank(s1, m1)?.checked_sub(1)?;
        let last = s.zsl.rank(s2, m2)?.checked_sub(1)?;
        (first <= last).then_some(RankRange { first, last })
    }

    /// Delete the elements at ranks `r`; returns how many were deleted.
    pub fn delete_ranks(&mut self, r: RankRange) -> usize {
        match self {
            ZSet::Ziplist(zl) => zl.delete_range(2 * r.first, 2 * r.len()) / 2,
            ZSet::Skiplist(s) => {
                let removed = s.zsl.delete_range_by_rank(r.first + 1, r.last + 1);
                for m in &removed {
                    s.dict.remove(m.as_slice());
                }
                removed.len()
            }
        }
    }

    /// Remove and return up to `count` elements from the low end (or the high end when
    /// `max`), in pop order (`genericZpopCommand`).
    pub fn pop(&mut self, max: bool, count: usize) -> Vec<(Vec<u8>, f64)> {
        let n = count.min(self.len());
        if n == 0 {
            return Vec::new();
        }
        let r = if max {
            RankRange { first: self.len() - n, last: self.len() - 1 }
        } else {
            RankRange { first: 0, last: n - 1 }
        };
        let popped = self.pairs_by_rank(r, max);
        self.delete_ranks(r);
        popped
    }

    /// The pair at 0-based rank `rank`.
    pub fn at_rank(&self, rank: usize) -> Option<(Vec<u8>, f64)> {
        (rank < self.len()).then(|| self.pairs_by_rank(RankRange { first: rank, last: rank }, false)).and_then(|mut v| v.pop())
    }

    /// `count` uniformly random pairs, with repetition.
    pub fn random_pairs(&self, rng: &mut Rng, count: usize) -> Vec<(Vec<u8>, f64)> {
        if self.is_empty() {
            return Vec::new();
        }
        let len = self.len() as u64;
        let ranks: Vec<usize> = (0..count).map(|_| rng.below(len) as usize).collect();
        self.pairs_at(&ranks)
    }

    /// `count` distinct random pairs (`count < len()`), in random order. Many of a small
    /// set: a partial Fisher-Yates shuffle of all ranks; few: draws with rejection.
    pub fn random_distinct_pairs(&self, rng: &mut Rng, count: usize) -> Vec<(Vec<u8>, f64)> {
        let len = self.len();
        let count = count.min(len);
        let ranks: Vec<usize> = if count.saturating_mul(3) > len {
            let mut all: Vec<usize> = (0..len).collect();
            for i in 0..count {
                let j = i + rng.below((len - i) as u64) as usize;
                all.swap(i, j);
            }
            all.truncate(count);
            all
        } else {
            let mut chosen = BTreeSet::new();
            let mut order = Vec::with_capacity(count);
            while order.len() < count {
                let r = rng.below(len as u64) as usize;
                if chosen.insert(r) {
                    order.push(r);
                }
            }
            order
        };
        self.pairs_at(&ranks)
    }

    /// The pairs at the given ranks, in that order (a ziplist is decoded once).
    fn pairs_at(&self, ranks: &[usize]) -> Vec<(Vec<u8>, f64)> {
        match self {
            ZSet::Ziplist(zl) => {
                let all: Vec<(Vec<u8>, f64)> = ziplist_ops::pairs(zl).collect();
                ranks.iter().filter_map(|&r| all.get(r).cloned()).collect()
            }
            ZSet::Skiplist(_) => ranks.iter().filter_map(|&r| self.at_rank(r)).collect(),
        }
    }

    /// One ZSCAN step. A ziplist is returned whole with cursor 0, as Redis does; a skiplist
    /// is scanned through its dict's reverse-binary cursor, visiting at most `count * 10`
    /// buckets or stopping once `count` pairs are collected.
    pub fn scan(&self, cursor: u64, count: usize) -> ScanBatch {
        match self {
            ZSet::Ziplist(zl) => ScanBatch { cursor: 0, pairs: ziplist_ops::pairs(zl).collect() },
            ZSet::Skiplist(s) => {
                let mut batch = ScanBatch { cursor, pairs: Vec::new() };
                let mut budget = count.saturating_mul(10);
                loop {
                    batch.cursor = s.dict.scan(batch.cursor, |m, v| batch.pairs.push((m.to_vec(), *v)));
                    budget = budget.saturating_sub(1);
                    if batch.cursor == 0 || budget == 0 || batch.pairs.len() >= count {
                        return batch;
                    }
                }
            }
        }
    }
}
