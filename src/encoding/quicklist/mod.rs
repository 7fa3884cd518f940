//! The quicklist (Redis 3.2–6.2 `quicklist.c`): a list stored as a sequence of ziplist nodes.
//!
//! - `fill` (`list-max-ziplist-size`): negative −1..−5 caps a node's ziplist at 4/8/16/32/64 KiB;
//!   positive caps its entry count, with a node never grown past 8 KiB by count alone
//!   (`SIZE_SAFETY_LIMIT`). Values outside −5..=32767 are clamped as `quicklistSetFill` does.
//! - `compress_depth` (`list-compress-depth`): that many nodes at each end stay raw; the nodes
//!   between are LZF-compressed when that saves at least 8 bytes. A node is decompressed when
//!   an operation touches it and recompressed afterwards if it is interior.
//!
//! Invariants: no node is empty; the cached count is the sum of node counts; edge nodes are
//! raw. There is no on-disk format of its own: RDB writes each node's ziplist (or its LZF form),
//! exposed through [`Quicklist::nodes`].

mod node;

use std::borrow::Cow;

use crate::encoding::ziplist::Ziplist;
use node::Node;

/// A node never grows past this by entry count alone (`SIZE_SAFETY_LIMIT`).
const SAFETY_SIZE_MAX: usize = 8192;
/// Byte limits for fill −1..−5 (`optimization_level`).
const FILL_BYTES: [usize; 5] = [4096, 8192, 16384, 32768, 65536];
/// Largest positive fill (`FILL_MAX`).
const FILL_MAX: i32 = (1 << 15) - 1;

/// A list of byte strings in ziplist nodes.
#[derive(Debug, Clone)]
pub struct Quicklist {
    nodes: Vec<Node>,
    count: usize,
    fill: i32,
    compress_depth: usize,
}

/// Read access to one node, for the RDB writer.
pub struct NodeRef<'a>(&'a Node);

impl NodeRef<'_> {
    pub fn count(&self) -> usize {
        self.0.count()
    }
    /// The node's ziplist (decompressed into a temporary when the node is compressed).
    pub fn ziplist(&self) -> Cow<'_, Ziplist> {
        self.0.ziplist()
    }
    /// The LZF bytes and the uncompressed size, when the node is compressed.
    pub fn compressed(&self) -> Option<(&[u8], usize)> {
        self.0.compressed().map(|c| (c, self.0.size()))
    }
    /// Bytes the node's data holds on the heap (MEMORY USAGE).
    pub fn alloc_bytes(&self) -> usize {
        self.0.alloc_bytes()
    }
}

/// `_quicklistNodeSizeMeetsOptimizationRequirement`.
fn meets_size_limit(sz: usize, fill: i32) -> bool {
    if fill >= 0 {
        return false;
    }
    FILL_BYTES.get((-fill - 1) as usize).is_some_and(|&limit| sz <= limit)
}

impl Quicklist {
    pub fn new(fill: i32, compress_depth: usize) -> Quicklist {
        let fill = fill.clamp(-5, FILL_MAX);
        Quicklist { nodes: Vec::new(), count: 0, fill, compress_depth }
    }

    pub fn len(&self) -> usize {
        self.count
    }

    pub fn is_empty(&self) -> bool {
        self.count == 0
    }

    pub fn node_count(&self) -> usize {
        self.nodes.len()
    }

    /// Bytes of the node array (capacity × node size; MEMORY USAGE).
    pub fn node_array_bytes(&self) -> usize {
        self.nodes.capacity() * std::mem::size_of::<Node>()
    }

    pub fn nodes(&self) -> impl DoubleEndedIterator<Item = NodeRef<'_>> + '_ {
        self.nodes.iter().map(NodeRef)
    }

    /// Append a whole ziplist as a new tail node (RDB loading, `quicklistAppendZiplist`);
    /// empty ziplists are skipped, as Redis 7 does.
    pub fn append_ziplist(&mut self, zl: Ziplist) {
        if zl.is_empty() {
            return;
        }
        self.count += zl.len();
        self.nodes.push(Node::new(zl));
        self.apply_compression();
    }

    /// Push at the head or the tail (`quicklistPush`).
    pub fn push(&mut self, value: &[u8], head: bool) {
        let at = if head { 0 } else { self.nodes.len().wrapping_sub(1) };
        match self.nodes.get_mut(at).filter(|n| allow_insert(n, self.fill, value.len())) {
            Some(n) => {
                n.ziplist_mut().push(value, head);
                n.sync();
            }
            None => {
                let at = if head { 0 } else { self.nodes.len() };
                self.nodes.insert(at, single(value));
            }
        }
        self.count += 1;
        self.apply_compression();
    }

    /// Pop from the head or the tail (`quicklistPop`).
    pub fn pop(&mut self, head: bool) -> Option<Vec<u8>> {
        let at = if head { 0 } else { self.nodes.len().checked_sub(1)? };
        let n = self.nodes.get_mut(at)?;
        let zl = n.ziplist_mut();
        let i = if head { 0 } else { zl.len() - 1 };
        let v = zl.get(i).map(|v| v.to_vec());
        zl.delete(i);
        n.sync();
        self.after_delete(at, 1);
        v
    }

    /// The value at `index` from the head.
    pub fn get(&self, index: usize) -> Option<Vec<u8>> {
        let (ni, off) = self.locate(index)?;
        let zl = self.nodes[ni].ziplist();
        zl.get(off).map(|v| v.to_vec())
    }

    /// Replace the value at `index` (`quicklistReplaceAtIndex`); false if out of range.
    pub fn set(&mut self, index: usize, value: &[u8]) -> bool {
        let Some((ni, off)) = self.locate(index) else { return false };
        let replaced = self.nodes[ni].ziplist_mut().replace(off, value);
        self.apply_compression();
        replaced
    }

    /// Insert before or after the element at `index` (`_quicklistInsert`); false if out of
    /// range. A full node is split at the insertion point and the pieces merged back when the
    /// fill allows.
    pub fn insert(&mut self, index: usize, value: &[u8], after: bool) -> bool {
        let Some((ni, off)) = self.locate(index) else { return false };
        let fill = self.fill;
        let full = !allow_insert(&self.nodes[ni], fill, value.len());
        let at_tail = after && off + 1 == self.nodes[ni].count();
        let at_head = !after && off == 0;
        let pos = if after { off + 1 } else { off };
        if !full {
            let n = &mut self.nodes[ni];
            let inserted = n.ziplist_mut().insert(pos, value);
            debug_assert!(inserted, "position inside the node");
            n.sync();
        } else if at_tail && self.nodes.get(ni + 1).is_some_and(|n| allow_insert(n, fill, value.len())) {
            let n = &mut self.nodes[ni + 1];
            n.ziplist_mut().push(value, true);
            n.sync();
        } else if at_head && ni > 0 && allow_insert(&self.nodes[ni - 1], fill, value.len()) {
            let n = &mut self.nodes[ni - 1];
            n.ziplist_mut().push(value, false);
            n.sync();
        } else if at_tail || at_head {
            self.nodes.insert(if after { ni + 1 } else { ni }, single(value));
        } else {
            self.split_insert(ni, pos, value);
        }
        self.count += 1;
        self.apply_compression();
        true
    }

    /// Delete up to `count` elements from `start`; returns how many (`quicklistDelRange`).
    pub fn delete_range(&mut self, start: usize, count: usize) -> usize {
        let mut left = count.min(self.count.saturating_sub(start));
        let total = left;
        while left > 0 {
            let Some((ni, off)) = self.locate(start) else { break };
            let n = &mut self.nodes[ni];
            let removed = n.ziplist_mut().delete_range(off, left);
            n.sync();
            left -= removed;
            self.after_delete(ni, removed);
        }
        total - left
    }

    /// Values head to tail (each node decompressed once).
    pub fn iter(&self) -> impl Iterator<Item = Vec<u8>> + '_ {
        self.nodes.iter().flat_map(|n| n.ziplist().iter().map(|v| v.to_vec()).collect::<Vec<_>>())
    }

    /// Values tail to head.
    pub fn iter_rev(&self) -> impl Iterator<Item = Vec<u8>> + '_ {
        self.nodes
            .iter()
            .rev()
            .flat_map(|n| n.ziplist().iter_rev().map(|v| v.to_vec()).collect::<Vec<_>>())
    }

    /// Check the invariants (for tests): counts, no empty node, raw edge nodes, every node's
    /// ziplist valid, node sizes within the fill limits they were built under.
    pub fn check_invariants(&self) -> Result<(), String> {
        let sum: usize = self.nodes.iter().map(Node::count).sum();
        if sum != self.count {
            return Err(format!("count {} but nodes hold {sum}", self.count));
        }
        let n = self.nodes.len();
        for (i, node) in self.nodes.iter().enumerate() {
            let zl = node.ziplist();
            Ziplist::from_bytes(zl.as_bytes().to_vec()).map_err(|e| format!("node {i}: {e}"))?;
            if zl.len() != node.count() || node.count() == 0 {
                return Err(format!("node {i}: count {} vs {}", node.count(), zl.len()));
            }
            let edge = i < self.compress_depth || i + self.compress_depth >= n;
            if node.is_compressed() && (edge || self.compress_depth == 0) {
                return Err(format!("node {i}: compressed edge node"));
            }
        }
        Ok(())
    }

    /// Node index and offset of element `index`, walking from the nearer end.
    fn locate(&self, index: usize) -> Option<(usize, usize)> {
        if index >= self.count {
            return None;
        }
        if index < self.count / 2 {
            let mut acc = 0;
            for (i, n) in self.nodes.iter().enumerate() {
                if index < acc + n.count() {
                    return Some((i, index - acc));
                }
                acc += n.count();
            }
            None
        } else {
            let mut acc = self.count;
            for (i, n) in self.nodes.iter().enumerate().rev() {
                acc -= n.count();
                if index >= acc {
                    return Some((i, index - acc));
                }
            }
            None
        }
    }

    fn after_delete(&mut self, ni: usize, removed: usize) {
        self.count -= removed;
        if self.nodes[ni].count() == 0 {
            self.nodes.remove(ni);
        }
        self.apply_compression();
    }

    /// Split node `ni` before position `pos`, put `value` at the seam, then merge neighbours
    /// that fit together (`_quicklistSplitNode` + `_quicklistMergeNodes`, simplified).
    fn split_insert(&mut self, ni: usize, pos: usize, value: &[u8]) {
        let node = self.nodes.remove(ni);
        let mut left = node.into_ziplist();
        let mut right = Ziplist::new();
        for v in left.iter().skip(pos) {
            right.push(&v.to_vec(), false);
        }
        let moved = left.len() - pos;
        left.delete_range(pos, moved);
        left.push(value, false);
        self.nodes.insert(ni, Node::new(right));
        self.nodes.insert(ni, Node::new(left));
        self.merge_around(ni + 1);
        self.merge_around(ni);
    }

    /// Merge node `ni` into its neighbours when the fill allows (`_quicklistNodeAllowMerge`).
    fn merge_around(&mut self, ni: usize) {
        if ni + 1 < self.nodes.len() && allow_merge(&self.nodes[ni], &self.nodes[ni + 1], self.fill) {
            self.merge_pair(ni);
        }
        if ni > 0 && ni < self.nodes.len() && allow_merge(&self.nodes[ni - 1], &self.nodes[ni], self.fill) {
            self.merge_pair(ni - 1);
        }
    }

    fn merge_pair(&mut self, ni: usize) {
        let b = self.nodes.remove(ni + 1).into_ziplist();
        let a = std::mem::replace(&mut self.nodes[ni], Node::new(Ziplist::new())).into_ziplist();
        self.nodes[ni] = Node::new(Ziplist::merge(a, b));
    }

    /// Keep `compress_depth` nodes raw at each end and compress the rest
    /// (`quicklistCompress` applied to the whole list; nodes remember failed attempts).
    fn apply_compression(&mut self) {
        let depth = self.compress_depth;
        let n = self.nodes.len();
        if depth == 0 {
            return;
        }
        for (i, node) in self.nodes.iter_mut().enumerate() {
            if i < depth || i + depth >= n {
                node.decompress();
            } else {
                node.compress();
            }
        }
    }
}

fn single(value: &[u8]) -> Node {
    let mut zl = Ziplist::new();
    zl.push(value, false);
    Node::new(zl)
}

/// `_quicklistNodeAllowInsert`: whether `node` may take a `sz`-byte value under `fill`.
fn allow_insert(node: &Node, fill: i32, sz: usize) -> bool {
    let prevlen_overhead = if sz < 254 { 1 } else { 5 };
    let len_overhead = if sz < 64 {
        1
    } else if sz < 16384 {
        2
    } else {
        5
    };
    let new_sz = node.size() + sz + prevlen_overhead + len_overhead;
    if meets_size_limit(new_sz, fill) {
        true
    } else if new_sz > SAFETY_SIZE_MAX {
        false
    } else {
        fill >= 0 && node.count() < fill as usize
    }
}

/// `_quicklistNodeAllowMerge`.
fn allow_merge(a: &Node, b: &Node, fill: i32) -> bool {
    let merge_sz = a.size() + b.size() - 11;
    if meets_size_limit(merge_sz, fill) {
        true
    } else if merge_sz > SAFETY_SIZE_MAX {
        false
    } else {
        fill >= 0 && a.count() + b.count() <= fill as usize
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn byte_fill_minus_2_packs_8_kib_nodes() {
        let mut q = Quicklist::new(-2, 0);
        for i in 0..2000 {
            q.push(format!("value-{i:05}-padding").as_bytes(), false);
        }
        q.check_invariants().expect("invariants");
        assert!(q.nodes().all(|n| n.ziplist().blob_len() <= 8192));
        assert!(q.node_count() > 1);
        assert_eq!(q.get(1234), Some(b"value-01234-padding".to_vec()));
    }

    #[test]
    fn count_fill_and_compression_of_interior_nodes() {
        let mut q = Quicklist::new(4, 1);
        for i in 0..40 {
            q.push(format!("element-{i}-xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx").as_bytes(), false);
        }
        q.check_invariants().expect("invariants");
        assert_eq!(q.node_count(), 10);
        assert!(q.nodes().filter(|n| n.compressed().is_some()).count() >= 7);
        assert_eq!(q.pop(true), Some(b"element-0-xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx".to_vec()));
        assert!(q.insert(17, b"mid", true));
        assert_eq!(q.get(18), Some(b"mid".to_vec()));
        assert_eq!(q.delete_range(5, 20), 20);
        q.check_invariants().expect("invariants");
        assert_eq!(q.iter().count(), 20);
        assert_eq!(q.iter_rev().next(), q.get(19));
    }
}
