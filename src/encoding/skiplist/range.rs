//! Range queries and range deletions on the skiplist: by score (`zrangespec`), by lex
//! (`zlexrangespec`, for elements that all share one score) and by rank, as t_zset.c's
//! `zslFirstInRange` / `zslLastInRange` / `zslDeleteRangeBy*` do them.

use super::{NodeId, Skiplist, HEADER, LEVEL_MAX, NIL};

/// A score interval with optionally exclusive ends (`zrangespec`).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct ScoreRange {
    pub min: f64,
    pub max: f64,
    pub min_exclusive: bool,
    pub max_exclusive: bool,
}

impl ScoreRange {
    /// `zslValueGteMin`.
    pub fn above_min(&self, v: f64) -> bool {
        if self.min_exclusive {
            v > self.min
        } else {
            v >= self.min
        }
    }

    /// `zslValueLteMax`.
    pub fn below_max(&self, v: f64) -> bool {
        if self.max_exclusive {
            v < self.max
        } else {
            v <= self.max
        }
    }

    pub fn contains(&self, v: f64) -> bool {
        self.above_min(v) && self.below_max(v)
    }

    fn is_empty(&self) -> bool {
        self.min > self.max || (self.min == self.max && (self.min_exclusive || self.max_exclusive))
    }
}

/// One end of a ZRANGEBYLEX interval: `-`, `+`, `[member` or `(member`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum LexBound {
    NegInf,
    PosInf,
    Inclusive(Vec<u8>),
    Exclusive(Vec<u8>),
}

impl LexBound {
    /// Compare a member with this bound (`sdscmplex` with the shared min/max strings).
    fn cmp_member(&self, m: &[u8]) -> std::cmp::Ordering {
        use std::cmp::Ordering::*;
        match self {
            LexBound::NegInf => Greater,
            LexBound::PosInf => Less,
            LexBound::Inclusive(b) | LexBound::Exclusive(b) => m.cmp(b.as_slice()),
        }
    }

    fn exclusive(&self) -> bool {
        matches!(self, LexBound::Exclusive(_))
    }

    fn rank(&self) -> (u8, &[u8]) {
        match self {
            LexBound::NegInf => (0, &[]),
            LexBound::Inclusive(b) | LexBound::Exclusive(b) => (1, b),
            LexBound::PosInf => (2, &[]),
        }
    }
}

/// A lexicographic interval (`zlexrangespec`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LexRange {
    pub min: LexBound,
    pub max: LexBound,
}

impl LexRange {
    /// `zslLexValueGteMin`.
    pub fn above_min(&self, m: &[u8]) -> bool {
        let c = self.min.cmp_member(m);
        if self.min.exclusive() {
            c.is_gt()
        } else {
            c.is_ge()
        }
    }

    /// `zslLexValueLteMax`.
    pub fn below_max(&self, m: &[u8]) -> bool {
        let c = self.max.cmp_member(m);
        if self.max.exclusive() {
            c.is_lt()
        } else {
            c.is_le()
        }
    }

    pub fn contains(&self, m: &[u8]) -> bool {
        self.above_min(m) && self.below_max(m)
    }

    fn is_empty(&self) -> bool {
        let c = self.min.rank().cmp(&self.max.rank());
        c.is_gt() || (c.is_eq() && (self.min.exclusive() || self.max.exclusive()))
    }
}

impl Skiplist {
    /// Whether any element could be in `range` (`zslIsInRange`).
    pub fn intersects(&self, range: &ScoreRange) -> bool {
        !range.is_empty()
            && self.last().is_some_and(|t| range.above_min(self.score(t)))
            && self.first().is_some_and(|h| range.below_max(self.score(h)))
    }

    /// Lowest element in `range` (`zslFirstInRange`).
    pub fn first_in_range(&self, range: &ScoreRange) -> Option<NodeId> {
        if !self.intersects(range) {
            return None;
        }
        let x = self.descend(|sl, n| !range.above_min(sl.heads[n].score));
        let x = self.some(self.fwd(x, 0))?;
        range.below_max(self.score(x)).then_some(x)
    }

    /// Highest element in `range` (`zslLastInRange`).
    pub fn last_in_range(&self, range: &ScoreRange) -> Option<NodeId> {
        if !self.intersects(range) {
            return None;
        }
        let x = self.descend(|sl, n| range.below_max(sl.heads[n].score));
        let x = self.some(x).filter(|id| id.0 != HEADER)?;
        range.above_min(self.score(x)).then_some(x)
    }

    /// Whether any element could be in the lex `range` (`zslIsInLexRange`).
    pub fn intersects_lex(&self, range: &LexRange) -> bool {
        !range.is_empty()
            && self.last().is_some_and(|t| range.above_min(self.member(t)))
            && self.first().is_some_and(|h| range.below_max(self.member(h)))
    }

    /// Lowest element in the lex `range` (`zslFirstInLexRange`).
    pub fn first_in_lex_range(&self, range: &LexRange) -> Option<NodeId> {
        if !self.intersects_lex(range) {
            return None;
        }
        let x = self.descend(|sl, n| !range.above_min(&sl.heads[n].member));
        let x = self.some(self.fwd(x, 0))?;
        range.below_max(self.member(x)).then_some(x)
    }

    /// Highest element in the lex `range` (`zslLastInLexRange`).
    pub fn last_in_lex_range(&self, range: &LexRange) -> Option<NodeId> {
        if !self.intersects_lex(range) {
            return None;
        }
        let x = self.descend(|sl, n| range.below_max(&sl.heads[n].member));
        let x = self.some(x).filter(|id| id.0 != HEADER)?;
        range.above_min(self.member(x)).then_some(x)
    }

    /// Delete every element with a score in `range`; returns the removed members so the
    /// caller can drop them from its dict (`zslDeleteRangeByScore`).
    pub fn delete_range_by_score(&mut self, range: &ScoreRange) -> Vec<Vec<u8>> {
        let update = self.update_path(|sl, n| !range.above_min(sl.heads[n].score));
        self.delete_while(update, |sl, n| range.below_max(sl.heads[n].score))
    }

    /// Delete every element in the lex `range` (`zslDeleteRangeByLex`).
    pub fn delete_range_by_lex(&mut self, range: &LexRange) -> Vec<Vec<u8>> {
        let update = self.update_path(|sl, n| !range.above_min(&sl.heads[n].member));
        self.delete_while(update, |sl, n| range.below_max(&sl.heads[n].member))
    }

    /// Delete the elements with 1-based ranks `start..=end` (`zslDeleteRangeByRank`).
    pub fn delete_range_by_rank(&mut self, start: usize, end: usize) -> Vec<Vec<u8>> {
        let mut update = [HEADER; LEVEL_MAX];
        let mut traversed = 0;
        let mut x = HEADER;
        for i in (0..self.level).rev() {
            while self.fwd(x, i) != NIL && traversed + self.span(x, i) < start {
                traversed += self.span(x, i);
                x = self.fwd(x, i);
            }
            update[i] = x;
        }
        let mut rank = traversed + 1;
        self.delete_while(update, move |_, _| {
            let keep_going = rank <= end;
            rank += 1;
            keep_going
        })
    }

    /// Walk down from the header, moving forward at each level while `advance(next)` holds;
    /// returns the last node reached (the header if none).
    fn descend(&self, advance: impl Fn(&Skiplist, usize) -> bool) -> usize {
        let mut x = HEADER;
        for i in (0..self.level).rev() {
            while self.fwd(x, i) != NIL && advance(self, self.fwd(x, i)) {
                x = self.fwd(x, i);
            }
        }
        x
    }

    fn update_path(&self, advance: impl Fn(&Skiplist, usize) -> bool) -> [usize; LEVEL_MAX] {
        let mut update = [HEADER; LEVEL_MAX];
        let mut x = HEADER;
        for i in (0..self.level).rev() {
            while self.fwd(x, i) != NIL && advance(self, self.fwd(x, i)) {
                x = self.fwd(x, i);
            }
            update[i] = x;
        }
        update
    }

    /// Delete nodes after `update[0]` while `keep(node)` holds.
    fn delete_while(
        &mut self,
        update: [usize; LEVEL_MAX],
        mut keep: impl FnMut(&Skiplist, usize) -> bool,
    ) -> Vec<Vec<u8>> {
        let mut removed = Vec::new();
        let mut x = self.fwd(update[0], 0);
        while x != NIL && keep(self, x) {
            let next = self.fwd(x, 0);
            self.delete_node(x, &update);
            removed.push(std::mem::take(&mut self.heads[x].member).to_vec());
            self.release(x);
            x = next;
        }
        removed
    }
}
