//! The list type (`t_list.c`'s `listType*` layer): a [`Quicklist`] of ziplist nodes, built with
//! the configuration's `list-max-ziplist-size` (the fill) and `list-compress-depth`.
//!
//! Invariants: the encoding is always `quicklist` (as in Redis 3.2–6.2; Redis 7 names the same
//! structure `quicklist` too, with listpack nodes); a list stored in the keyspace is never
//! empty — the commands delete a key whose list they empty. Indexes given to this layer are
//! already resolved to `0..len()`; negative-index arithmetic belongs to the commands.

use super::TypeLimits;
use crate::encoding::quicklist::Quicklist;

#[derive(Clone, Debug)]
pub struct List {
    ql: Quicklist,
}

impl Default for List {
    fn default() -> Self {
        List::new(&TypeLimits::default())
    }
}

impl List {
    /// An empty list with the node fill and compression depth of `limits`.
    pub fn new(limits: &TypeLimits) -> List {
        List { ql: Quicklist::new(limits.list_max_ziplist_size, limits.list_compress_depth) }
    }

    pub fn len(&self) -> usize {
        self.ql.len()
    }
    pub fn is_empty(&self) -> bool {
        self.ql.is_empty()
    }
    pub fn encoding_name(&self) -> &'static str {
        "quicklist"
    }

    /// Visit the elements head to tail (digest, RDB, AOF rewrite).
    pub fn for_each(&self, f: &mut dyn FnMut(&[u8])) {
        for node in self.ql.nodes() {
            for v in node.ziplist().iter() {
                f(&v.to_vec());
            }
        }
    }

    /// Build from loaded elements (head first).
    pub fn from_items(items: Vec<Vec<u8>>, limits: &TypeLimits) -> List {
        let mut list = List::new(limits);
        for item in &items {
            list.push(item, false);
        }
        list
    }

    /// The underlying quicklist (the RDB writer's node view, tests).
    pub fn quicklist(&self) -> &Quicklist {
        &self.ql
    }

    /// `listTypePush`: at the head or the tail.
    pub fn push(&mut self, value: &[u8], head: bool) {
        self.ql.push(value, head);
    }

    /// `listTypePop`: from the head or the tail; `None` if empty.
    pub fn pop(&mut self, head: bool) -> Option<Vec<u8>> {
        self.ql.pop(head)
    }

    /// The element at `index` (0-based from the head).
    pub fn get(&self, index: usize) -> Option<Vec<u8>> {
        self.ql.get(index)
    }

    /// Replace the element at `index`; false if out of range.
    pub fn set(&mut self, index: usize, value: &[u8]) -> bool {
        self.ql.set(index, value)
    }

    /// Insert `value` before or after the element at `index`; false if out of range.
    pub fn insert(&mut self, index: usize, value: &[u8], after: bool) -> bool {
        self.ql.insert(index, value, after)
    }

    /// Delete up to `count` elements from `start`; returns how many were deleted.
    pub fn delete_range(&mut self, start: usize, count: usize) -> usize {
        self.ql.delete_range(start, count)
    }

    /// Visit `count` elements from `start` (head to tail), skipping whole nodes before
    /// `start` without decoding them.
    pub fn range(&self, start: usize, count: usize, f: &mut dyn FnMut(&[u8])) {
        let mut skip = start;
        let mut left = count;
        for node in self.ql.nodes() {
            if left == 0 {
                break;
            }
            if skip >= node.count() {
                skip -= node.count();
                continue;
            }
            for v in node.ziplist().iter().skip(skip).take(left) {
                v.with_bytes(&mut *f);
                left -= 1;
            }
            skip = 0;
        }
    }

    /// Visit `count` elements going towards the head from `start_from_tail` (0 = the tail),
    /// skipping whole nodes without decoding them.
    pub fn range_rev(&self, start_from_tail: usize, count: usize, f: &mut dyn FnMut(&[u8])) {
        let mut skip = start_from_tail;
        let mut left = count;
        for node in self.ql.nodes().rev() {
            if left == 0 {
                break;
            }
            if skip >= node.count() {
                skip -= node.count();
                continue;
            }
            for v in node.ziplist().iter_rev().skip(skip).take(left) {
                v.with_bytes(&mut *f);
                left -= 1;
            }
            skip = 0;
        }
    }

    /// Elements head to tail (owned copies).
    pub fn iter(&self) -> impl Iterator<Item = Vec<u8>> + '_ {
        self.ql.iter()
    }

    /// Elements tail to head (owned copies).
    pub fn iter_rev(&self) -> impl Iterator<Item = Vec<u8>> + '_ {
        self.ql.iter_rev()
    }

    /// Keep only `start..start + count` (LTRIM); returns how many were removed.
    pub fn trim(&mut self, start: usize, count: usize) -> usize {
        let len = self.len();
        let count = count.min(len.saturating_sub(start));
        let tail_removed = self.ql.delete_range(start + count, len - start - count);
        tail_removed + self.ql.delete_range(0, start)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn items(l: &List) -> Vec<Vec<u8>> {
        let mut out = Vec::new();
        l.for_each(&mut |e| out.push(e.to_vec()));
        out
    }

    #[test]
    fn push_pop_get_set_insert_round_trip() {
        let mut l = List::default();
        for i in 0..300 {
            l.push(i.to_string().as_bytes(), i % 2 == 0);
        }
        assert_eq!(l.len(), 300);
        assert_eq!(l.get(0), Some(b"298".to_vec()));
        assert_eq!(l.get(299), Some(b"299".to_vec()));
        assert!(l.set(1, b"x"));
        assert!(l.insert(1, b"y", true));
        assert_eq!(l.get(2), Some(b"y".to_vec()));
        assert_eq!(l.pop(true), Some(b"298".to_vec()));
        assert_eq!(l.pop(false), Some(b"299".to_vec()));
        assert_eq!(l.len(), 299);
        assert_eq!(l.encoding_name(), "quicklist");
        l.quicklist().check_invariants().expect("invariants");
    }

    #[test]
    fn range_and_trim_match_a_vector() {
        let limits = TypeLimits { list_max_ziplist_size: 4, list_compress_depth: 1, ..TypeLimits::default() };
        let want: Vec<Vec<u8>> = (0..50).map(|i| format!("element-{i}").into_bytes()).collect();
        let mut l = List::from_items(want.clone(), &limits);
        assert_eq!(items(&l), want);
        let mut got = Vec::new();
        l.range(7, 20, &mut |e| got.push(e.to_vec()));
        assert_eq!(got, want[7..27].to_vec());
        let mut rev = Vec::new();
        l.range_rev(2, 3, &mut |e| rev.push(e.to_vec()));
        assert_eq!(rev, vec![want[47].clone(), want[46].clone(), want[45].clone()]);
        let mixed: Vec<Vec<u8>> =
            (0..30).map(|i| if i % 3 == 0 { format!("{}", i * 1000 - 7000) } else { format!("e{i}") }.into_bytes()).collect();
        let m = List::from_items(mixed.clone(), &limits);
        let reversed: Vec<Vec<u8>> = mixed.iter().rev().cloned().collect();
        for start in 0..32 {
            for count in 0..32 {
                let (mut fwd, mut back) = (Vec::new(), Vec::new());
                m.range(start, count, &mut |e| fwd.push(e.to_vec()));
                m.range_rev(start, count, &mut |e| back.push(e.to_vec()));
                let end = (start + count).min(30).max(start.min(30));
                assert_eq!(fwd, mixed[start.min(30)..end].to_vec(), "range {start} {count}");
                assert_eq!(back, reversed[start.min(30)..end].to_vec(), "range_rev {start} {count}");
            }
        }
        assert_eq!(l.trim(10, 5), 45);
        assert_eq!(items(&l), want[10..15].to_vec());
        l.quicklist().check_invariants().expect("invariants");
    }
}
