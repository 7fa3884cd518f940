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
//! Ranks are 1-based as in Redis (`zslGetRank`, `zslGetElementByRank`).

mod range;

pub use range::{LexBound, LexRange, ScoreRange};

use crate::env::Rng;

/// Enough for 2^64 elements with P = 1/4 (`ZSKIPLIST_MAXLEVEL`).
pub const LEVEL_MAX: usize = 32;
/// Probability of each extra level (`ZSKIPLIST_P`).
const P: f64 = 0.25;
const NIL: usize = usize::MAX;
const HEADER: usize = 0;

/// A handle on an element, valid until the skiplist is next modified.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct NodeId(usize);

#[derive(Debug, Clone, Copy)]
struct Level {
    forward: usize,
    span: usize,
}

#[derive(Debug, Clone)]
struct Node {
    member: Vec<u8>,
    score: f64,
    backward: usize,
    levels: Vec<Level>,
}

/// A skiplist of (score, member).
#[derive(Debug, Clone)]
pub struct Skiplist {
    nodes: Vec<Node>,
    free: Vec<usize>,
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
        let header = Node {
            member: Vec::new(),
            score: 0.0,
            backward: NIL,
            levels: vec![Level { forward: NIL, span: 0 }; LEVEL_MAX],
        };
        Skiplist { nodes: vec![header], free: Vec::new(), tail: NIL, length: 0, level: 1 }
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
        self.nodes[id.0].score
    }

    pub fn member(&self, id: NodeId) -> &[u8] {
        &self.nodes[id.0].member
    }

    /// Next element in order.
    pub fn next(&self, id: NodeId) -> Option<NodeId> {
        self.some(self.fwd(id.0, 0))
    }

    /// Previous element in order.
    pub fn prev(&self, id: NodeId) -> Option<NodeId> {
        self.some(self.nodes[id.0].backward)
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
    pub fn insert(&mut self, rng: &mut Rng, score: f64, member: Vec<u8>) -> NodeId {
        assert!(!score.is_nan(), "skiplist scores are never NaN");
        let mut update = [HEADER; LEVEL_MAX];
        let mut rank = [0usize; LEVEL_MAX];
        let mut x = HEADER;
        for i in (0..self.level).rev() {
            rank[i] = if i == self.level - 1 { 0 } else { rank[i + 1] };
            while let Some(f) = self.some(self.fwd(x, i)) {
                if !self.before(f.0, score, &member) {
                    break;
                }
                rank[i] += self.nodes[x].levels[i].span;
                x = f.0;
            }
            update[i] = x;
        }
        let level = random_level(rng);
        if level > self.level {
            for i in self.level..level {
                rank[i] = 0;
                update[i] = HEADER;
                self.nodes[HEADER].levels[i].span = self.length;
            }
            self.level = level;
        }
        let x = self.alloc(Node {
            member,
            score,
            backward: NIL,
            levels: vec![Level { forward: NIL, span: 0 }; level],
        });
        for i in 0..level {
            let u = update[i];
            let ulevel = self.nodes[u].levels[i];
            self.nodes[x].levels[i] =
                Level { forward: ulevel.forward, span: ulevel.span - (rank[0] - rank[i]) };
            self.nodes[u].levels[i] = Level { forward: x, span: rank[0] - rank[i] + 1 };
        }
        for (i, &u) in update.iter().enumerate().take(self.level).skip(level) {
            self.nodes[u].levels[i].span += 1;
        }
        self.nodes[x].backward = if update[0] == HEADER { NIL } else { update[0] };
        match self.fwd(x, 0) {
            NIL => self.tail = x,
            f => self.nodes[f].backward = x,
        }
        self.length += 1;
        NodeId(x)
    }

    /// Delete (score, member); false if absent (`zslDelete`).
    pub fn delete(&mut self, score: f64, member: &[u8]) -> bool {
        let (update, x) = self.find_update(score, member);
        if x == NIL || self.nodes[x].score != score || self.nodes[x].member != member {
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
        if x == NIL || self.nodes[x].score != cur_score || self.nodes[x].member != member {
            return None;
        }
        let back = self.nodes[x].backward;
        let fwd = self.fwd(x, 0);
        if (back == NIL || self.nodes[back].score < new_score)
            && (fwd == NIL || self.nodes[fwd].score > new_score)
        {
            self.nodes[x].score = new_score;
            return Some(NodeId(x));
        }
        self.delete_node(x, &update);
        let member = std::mem::take(&mut self.nodes[x].member);
        self.release(x);
        Some(self.insert(rng, new_score, member))
    }

    /// 1-based rank of (score, member), `None` if absent (`zslGetRank`).
    pub fn rank(&self, score: f64, member: &[u8]) -> Option<usize> {
        let mut rank = 0;
        let mut x = HEADER;
        for i in (0..self.level).rev() {
            while let Some(f) = self.some(self.fwd(x, i)) {
                let n = &self.nodes[f.0];
                let le = n.score < score || (n.score == score && n.member.as_slice() <= member);
                if !le {
                    break;
                }
                rank += self.nodes[x].levels[i].span;
                x = f.0;
            }
            if x != HEADER && self.nodes[x].member == member {
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
            while self.fwd(x, i) != NIL && traversed + self.nodes[x].levels[i].span <= rank {
                traversed += self.nodes[x].levels[i].span;
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
        let mut pos = vec![NIL; self.nodes.len()];
        let (mut x, mut n, mut prev) = (self.fwd(HEADER, 0), 0usize, NIL);
        while x != NIL {
            n += 1;
            pos[x] = n;
            if self.nodes[x].backward != prev {
                return Err(format!("backward link of element {n}"));
            }
            if prev != NIL && !self.before(prev, self.nodes[x].score, &self.nodes[x].member) {
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
                if i >= self.level || pos[x] + self.nodes[x].levels[i].span != pos[f] {
                    return Err(format!("span at level {i} from position {}", pos[x]));
                }
                x = f;
            }
        }
        Ok(())
    }

    // ---- internals ----

    fn fwd(&self, x: usize, i: usize) -> usize {
        self.nodes[x].levels[i].forward
    }

    fn some(&self, x: usize) -> Option<NodeId> {
        (x != NIL).then_some(NodeId(x))
    }

    /// Whether node `n` sorts before (score, member).
    fn before(&self, n: usize, score: f64, member: &[u8]) -> bool {
        let node = &self.nodes[n];
        node.score < score || (node.score == score && node.member.as_slice() < member)
    }

    /// The rightmost node before (score, member) at each level, and the node after it at 0.
    fn find_update(&self, score: f64, member: &[u8]) -> ([usize; LEVEL_MAX], usize) {
        let mut update = [HEADER; LEVEL_MAX];
        let mut x = HEADER;
        for i in (0..self.level).rev() {
            while self.fwd(x, i) != NIL && self.before(self.fwd(x, i), score, member) {
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
                let xl = self.nodes[x].levels[i];
                let ul = &mut self.nodes[u].levels[i];
                ul.span = ul.span + xl.span - 1;
                ul.forward = xl.forward;
            } else {
                self.nodes[u].levels[i].span -= 1;
            }
        }
        let back = self.nodes[x].backward;
        match self.fwd(x, 0) {
            NIL => self.tail = back,
            f => self.nodes[f].backward = back,
        }
        while self.level > 1 && self.fwd(HEADER, self.level - 1) == NIL {
            self.level -= 1;
        }
        self.length -= 1;
    }

    fn alloc(&mut self, node: Node) -> usize {
        match self.free.pop() {
            Some(i) => {
                self.nodes[i] = node;
                i
            }
            None => {
                self.nodes.push(node);
                self.nodes.len() - 1
            }
        }
    }

    fn release(&mut self, x: usize) {
        let node = &mut self.nodes[x];
        node.member = Vec::new();
        node.levels = Vec::new();
        self.free.push(x);
    }
}

#[cfg(test)]
mod tests;
