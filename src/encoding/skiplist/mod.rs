//! The sorted set's skiplist (`zsl*` in t_zset.c), in an index arena instead of pointers.
//!
//! Elements are ordered by (score, member bytes). Node 0 is the header with
//! [`LEVEL_MAX`] levels; each node has 1..=32 levels, drawn with P = 1/4 from the seeded
//! [`Rng`] (`zslRandomLevel`). Level `i` of a node links `forward` to the next node having that
//! level and records `span`, the number of level-0 steps that link covers, so a rank is the sum
//! of spans along a search path. Level 0 is a doubly linked list (`backward`), and `tail` is
//! the last node. The member → score dict that makes ZSCORE O(1) belongs to the zset type, not
//! here; callers must not insert a member twice (Redis's `zslInsert` contract).
//!
//! Layout (for cache behaviour, like Redis's node with its level array inline): a node with
//! `h` levels owns the `h` consecutive slots `id..id + h` of `links`, so level `i` of node `id`
//! is `links[id + i]`; its score, member, back link and height live in `heads[id]` (the
//! other `h - 1` head slots stay empty). Each link also caches the score of the node it points
//! to (`fwd_score`), so a search step reads one link and touches a node's head only on a score
//! tie — one cache miss per step, as in Redis. Freed slot runs are reused by height.
//!
//! Ranks are 1-based as in Redis (`zslGetRank`, `zslGetElementByRank`).

mod range;

pub use range::{LexBound, LexRange, ScoreRange};

use crate::bytes::SmallBytes;
use crate::env::Rng;

/// Enough for 2^64 elements with P = 1/4 (`ZSKIPLIST_MAXLEVEL`).
pub const LEVEL_MAX: usize = 32;
/// Probability of each extra level (`ZSKIPLIST_P`).
const P: f64 = 0.25;
/// No node; also the limit of slots, which links store as `u32`.
const NIL: usize = u32::MAX as usize;
const HEADER: usize = 0;

/// A handle on an element, valid until the skiplist is next modified.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct NodeId(usize);

/// One level of a node, 16 bytes (four to a cache line): slot numbers and spans are `u32`
/// (a skiplist of 2^32 slots would take hundreds of GB). Invariant: when `forward != NIL`,
/// `fwd_score` is that node's score.
#[derive(Debug, Clone, Copy)]
struct Link {
    forward: u32,
    span: u32,
    fwd_score: f64,
}

const UNLINKED: Link = Link { forward: NIL as u32, span: 0, fwd_score: 0.0 };

/// What a node holds besides its links (only the first slot of a node's run is used).
#[derive(Debug, Clone, Default)]
struct Head {
    /// Up to 22 bytes inside the head, so a score tie compares without another cache miss.
    member: SmallBytes,
    score: f64,
    backward: usize,
    height: usize,
}

/// A skiplist of (score, member).
#[derive(Debug, Clone)]
pub struct Skiplist {
    links: Vec<Link>,
    heads: Vec<Head>,
    /// `free[h]`: first slots of released runs of `h` slots.
    free: Vec<Vec<usize>>,
    tail: usize,
    length: usize,
    level: usize,
}

impl Default for Skiplist {
    fn default() -> Self {
        Skiplist::new()
    }
}

/// Redis's `zslRandomLevel`: keep adding a level while a 16-bit draw is below P * 0xFFFF.
pub fn random_level(rng: &mut Rng) -> usize {
    let mut level = 1;
    while ((rng.next_u64() & 0xFFFF) as f64) < P * 65535.0 && level < LEVEL_MAX {
        level += 1;
    }
    level
}

impl Skiplist {
    pub fn new() -> Skiplist {
        let mut heads = vec![Head::default(); LEVEL_MAX];
        heads[HEADER] = Head { member: SmallBytes::default(), score: 0.0, backward: NIL, height: LEVEL_MAX };
        Skiplist {
            links: vec![UNLINKED; LEVEL_MAX],
            heads,
            free: vec![Vec::new(); LEVEL_MAX + 1],
            tail: NIL,
            length: 0,
            level: 1,
        }
    }

    pub fn len(&self) -> usize {
        self.length
    }

    pub fn is_empty(&self) -> bool {
        self.length == 0
    }

    /// Current height of the list (highest level in use, at least 1).
    pub fn level(&self) -> usize {
        self.level
    }

    pub fn score(&self, id: NodeId) -> f64 {
        self.heads[id.0].score
    }

    pub fn member(&self, id: NodeId) -> &[u8] {
        &self.heads[id.0].member
    }

    /// Next element in order.
    pub fn next(&self, id: NodeId) -> Option<NodeId> {
        self.some(self.fwd(id.0, 0))
    }

    /// Previous element in order.
    pub fn prev(&self, id: NodeId) -> Option<NodeId> {
        self.some(self.heads[id.0].backward)
    }

    pub fn first(&self) -> Option<NodeId> {
        self.some(self.fwd(HEADER, 0))
    }

    pub fn last(&self) -> Option<NodeId> {
        self.some(self.tail)
    }

    /// (score, member) from lowest to highest.
    pub fn iter(&self) -> impl Iterator<Item = (f64, &[u8])> + '_ {
        std::iter::successors(self.first(), |&id| self.next(id))
            .map(|id| (self.score(id), self.member(id)))
    }

    /// (score, member) from highest to lowest.
    pub fn iter_rev(&self) -> impl Iterator<Item = (f64, &[u8])> + '_ {
        std::iter::successors(self.last(), |&id| self.prev(id))
            .map(|id| (self.score(id), self.member(id)))
    }

    /// Insert a member that is not present (`zslInsert`). `score` must not be NaN (callers
    /// reject NaN when parsing, as Redis does; inserting one is a programmer error).
    pub fn insert(&mut self, rng: &mut Rng, score: f64, member: SmallBytes) -> NodeId {
        assert!(!score.is_nan(), "skiplist scores are never NaN");
        let mut update = [HEADER; LEVEL_MAX];
        let mut rank = [0usize; LEVEL_MAX];
        let mut x = HEADER;
        for i in (0..self.level).rev() {
            rank[i] = if i == self.level - 1 { 0 } else { rank[i + 1] };
            while self.link_before(x, i, score, &member) {
                rank[i] += self.span(x, i);
                x = self.fwd(x, i);
            }
            update[i] = x;
        }
        let level = random_level(rng);
        if level > self.level {
            for i in self.level..level {
                rank[i] = 0;
                update[i] = HEADER;
                self.links[HEADER + i].span = self.length as u32;
            }
            self.level = level;
        }
        let x = self.alloc(level, Head { member, score, backward: NIL, height: level });
        for i in 0..level {
            let u = self.links[update[i] + i];
            self.links[x + i] = Link { span: u.span - (rank[0] - rank[i]) as u32, ..u };
            self.links[update[i] + i] = Link { forward: x as u32, span: (rank[0] - rank[i] + 1) as u32, fwd_score: score };
        }
        for (i, &u) in update.iter().enumerate().take(self.level).skip(level) {
            self.links[u + i].span += 1;
        }
        self.heads[x].backward = if update[0] == HEADER { NIL } else { update[0] };
        match self.fwd(x, 0) {
            NIL => self.tail = x,
            f => self.heads[f].backward = x,
        }
        self.length += 1;
        NodeId(x)
    }

    /// Delete (score, member); false if absent (`zslDelete`).
    pub fn delete(&mut self, score: f64, member: &[u8]) -> bool {
        let (update, x) = self.find_update(score, member);
        if !self.holds(x, score, member) {
            return false;
        }
        self.delete_node(x, &update);
        self.release(x);
        true
    }

    /// Change the score of a present member (`zslUpdateScore`): in place when the order is
    /// unchanged, else removed and reinserted (with a fresh random level). `None` if absent.
    pub fn update_score(
        &mut self,
        rng: &mut Rng,
        cur_score: f64,
        member: &[u8],
        new_score: f64,
    ) -> Option<NodeId> {
        let (update, x) = self.find_update(cur_score, member);
        if !self.holds(x, cur_score, member) {
            return None;
        }
        let back = self.heads[x].backward;
        let fwd = self.fwd(x, 0);
        if (back == NIL || self.heads[back].score < new_score)
            && (fwd == NIL || self.links[x].fwd_score > new_score)
        {
            self.heads[x].score = new_score;
            for (i, &u) in update.iter().enumerate().take(self.heads[x].height) {
                self.links[u + i].fwd_score = new_score;
            }
            return Some(NodeId(x));
        }
        self.delete_node(x, &update);
        let member = std::mem::take(&mut self.heads[x].member);
        self.release(x);
        Some(self.insert(rng, new_score, member))
    }

    /// 1-based rank of (score, member), `None` if absent (`zslGetRank`).
    pub fn rank(&self, score: f64, member: &[u8]) -> Option<usize> {
        let mut rank = 0;
        let mut x = HEADER;
        for i in (0..self.level).rev() {
            while let Some(f) = self.some(self.fwd(x, i)) {
                let fs = self.links[x + i].fwd_score;
                let le = fs < score || (fs == score && self.heads[f.0].member.as_slice() <= member);
                if !le {
                    break;
                }
                rank += self.span(x, i);
                x = f.0;
            }
            if x != HEADER && *self.heads[x].member == *member {
                return Some(rank);
            }
        }
        None
    }

    /// The element at 1-based `rank` (`zslGetElementByRank`).
    pub fn by_rank(&self, rank: usize) -> Option<NodeId> {
        let mut traversed = 0;
        let mut x = HEADER;
        for i in (0..self.level).rev() {
            while self.fwd(x, i) != NIL && traversed + self.span(x, i) <= rank {
                traversed += self.span(x, i);
                x = self.fwd(x, i);
            }
            if traversed == rank {
                return self.some(x).filter(|id| id.0 != HEADER);
            }
        }
        None
    }

    /// Check every structural invariant (for tests and debug assertions): order, backward
    /// links, tail, length, and that each span equals the level-0 distance it covers.
    pub fn check_invariants(&self) -> Result<(), String> {
        let mut pos = vec![NIL; self.links.len()];
        let (mut x, mut n, mut prev) = (self.fwd(HEADER, 0), 0usize, NIL);
        while x != NIL {
            n += 1;
            pos[x] = n;
            if self.heads[x].backward != prev {
                return Err(format!("backward link of element {n}"));
            }
            if prev != NIL && !self.before(prev, self.heads[x].score, &self.heads[x].member) {
                return Err(format!("order at element {n}"));
            }
            prev = x;
            x = self.fwd(x, 0);
        }
        if n != self.length || prev != self.tail {
            return Err(format!("length {} / tail, walked {n}", self.length));
        }
        pos[HEADER] = 0;
        self.check_spans(&pos)
    }

    fn check_spans(&self, pos: &[usize]) -> Result<(), String> {
        for i in 0..LEVEL_MAX {
            let mut x = HEADER;
            while self.fwd(x, i) != NIL {
                let f = self.fwd(x, i);
                if i >= self.level || i >= self.heads[x].height || pos[x] + self.span(x, i) != pos[f] {
                    return Err(format!("span at level {i} from position {}", pos[x]));
                }
                if self.links[x + i].fwd_score.to_bits() != self.heads[f].score.to_bits() {
                    return Err(format!("cached forward score at level {i} from position {}", pos[x]));
                }
                x = f;
            }
        }
        Ok(())
    }

    // ---- internals ----

    fn fwd(&self, x: usize, i: usize) -> usize {
        self.links[x + i].forward as usize
    }

    fn span(&self, x: usize, i: usize) -> usize {
        self.links[x + i].span as usize
    }

    fn some(&self, x: usize) -> Option<NodeId> {
        (x != NIL).then_some(NodeId(x))
    }

    /// Whether node `x` is (score, member).
    fn holds(&self, x: usize, score: f64, member: &[u8]) -> bool {
        x != NIL && self.heads[x].score == score && *self.heads[x].member == *member
    }

    /// Whether node `n` sorts before (score, member).
    fn before(&self, n: usize, score: f64, member: &[u8]) -> bool {
        let head = &self.heads[n];
        head.score < score || (head.score == score && head.member.as_slice() < member)
    }

    /// Whether level `i` of `x` links to a node that sorts before (score, member); reads the
    /// forward node's head only on a score tie.
    fn link_before(&self, x: usize, i: usize, score: f64, member: &[u8]) -> bool {
        let l = &self.links[x + i];
        l.forward as usize != NIL
            && (l.fwd_score < score
                || (l.fwd_score == score && self.heads[l.forward as usize].member.as_slice() < member))
    }

    /// The rightmost node before (score, member) at each level, and the node after it at 0.
    fn find_update(&self, score: f64, member: &[u8]) -> ([usize; LEVEL_MAX], usize) {
        let mut update = [HEADER; LEVEL_MAX];
        let mut x = HEADER;
        for i in (0..self.level).rev() {
            while self.link_before(x, i, score, member) {
                x = self.fwd(x, i);
            }
            update[i] = x;
        }
        (update, self.fwd(x, 0))
    }

    /// Unlink `x` given its predecessors at every level (`zslDeleteNode`).
    fn delete_node(&mut self, x: usize, update: &[usize; LEVEL_MAX]) {
        for (i, &u) in update.iter().enumerate().take(self.level) {
            if self.fwd(u, i) == x {
                let xl = self.links[x + i];
                let ul = &mut self.links[u + i];
                ul.span = ul.span + xl.span - 1;
                ul.forward = xl.forward;
                ul.fwd_score = xl.fwd_score;
            } else {
                self.links[u + i].span -= 1;
            }
        }
        let back = self.heads[x].backward;
        match self.fwd(x, 0) {
            NIL => self.tail = back,
            f => self.heads[f].backward = back,
        }
        while self.level > 1 && self.fwd(HEADER, self.level - 1) == NIL {
            self.level -= 1;
        }
        self.length -= 1;
    }

    /// A run of `height` link slots (reused by height, else appended) holding `head`.
    fn alloc(&mut self, height: usize, head: Head) -> usize {
        let x = match self.free[height].pop() {
            Some(x) => x,
            None => {
                let x = self.links.len();
                assert!(x + height < NIL, "skiplist slots are u32");
                self.links.resize(x + height, UNLINKED);
                self.heads.resize(x + height, Head::default());
                x
            }
        };
        self.links[x..x + height].fill(UNLINKED);
        self.heads[x] = head;
        x
    }

    fn release(&mut self, x: usize) {
        let height = self.heads[x].height;
        self.heads[x] = Head::default();
        self.free[height].push(x);
    }
}

#[cfg(test)]
mod tests;
