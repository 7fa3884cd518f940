//! One bucket table of a [`Dict`](super::Dict): a power-of-two vector of chains (Redis's
//! `dictht`, `ht_table[i]` in 7.0).
//!
//! Invariants:
//! - `buckets.len()` is 0 or a power of two; a node with hash `h` lives in the chain of bucket
//!   `h & (len - 1)`.
//! - `used` is the number of nodes in all chains.
//! - A key appears at most once in the table.
//!
//! Nodes do not store their key's hash, as Redis's `dictEntry` does not: a lookup compares
//! keys directly along the chain, and rehashing hashes each moved key again with the dict's
//! keyed hasher (so a keyspace node is key + value + next: 56 bytes, glibc's 56-byte class).

use std::borrow::Borrow;

/// A chain link: the empty bucket is `None`, so a bucket costs one pointer.
pub(crate) type Link<K, V> = Option<Box<Node<K, V>>>;

/// One entry (Redis's `dictEntry`).
pub(crate) struct Node<K, V> {
    pub(crate) key: K,
    pub(crate) value: V,
    pub(crate) next: Link<K, V>,
}

/// Ask the CPU to load the cache line holding `at` (a hint: never faults, changes nothing).
fn prefetch_line<T>(at: &T) {
    #[cfg(target_arch = "x86_64")]
    // SAFETY: a prefetch instruction reads nothing architecturally and cannot fault; `at` is a
    // valid reference anyway.
    unsafe {
        std::arch::x86_64::_mm_prefetch((at as *const T).cast::<i8>(), std::arch::x86_64::_MM_HINT_T0);
    }
    #[cfg(not(target_arch = "x86_64"))]
    let _ = at;
}

/// A bucket table.
pub(crate) struct Table<K, V> {
    /// Exact-size (no `Vec` capacity word): the dict struct stays small.
    pub(crate) buckets: Box<[Link<K, V>]>,
    pub(crate) used: usize,
}

impl<K, V> Table<K, V> {
    /// The table with no buckets (Redis's reset `dictht`).
    pub(crate) fn empty() -> Self {
        Table { buckets: Box::new([]), used: 0 }
    }

    /// An empty table of `size` buckets; `size` must be a power of two.
    pub(crate) fn with_size(size: usize) -> Self {
        debug_assert!(size.is_power_of_two());
        Table { buckets: (0..size).map(|_| None).collect(), used: 0 }
    }

    pub(crate) fn size(&self) -> usize {
        self.buckets.len()
    }

    /// `size - 1`; only meaningful when `size > 0`.
    pub(crate) fn mask(&self) -> usize {
        self.buckets.len().wrapping_sub(1)
    }

    /// Prefetch the bucket of `hash` (see [`super::Dict::prefetch`]).
    pub(crate) fn prefetch_bucket(&self, hash: u64) {
        prefetch_line(&self.buckets[self.index(hash)]);
    }

    /// Prefetch the first node in the bucket of `hash` (see [`super::Dict::prefetch_chain`]).
    pub(crate) fn prefetch_first_node(&self, hash: u64) {
        if let Some(node) = &self.buckets[self.index(hash)] {
            prefetch_line(&**node);
        }
    }

    fn index(&self, hash: u64) -> usize {
        (hash as usize) & self.mask()
    }

    /// The node holding `key`, if any.
    pub(crate) fn find<Q>(&self, hash: u64, key: &Q) -> Option<&Node<K, V>>
    where
        K: Borrow<Q>,
        Q: ?Sized + Eq,
    {
        if self.buckets.is_empty() {
            return None;
        }
        let mut cur = self.buckets[self.index(hash)].as_deref();
        while let Some(node) = cur {
            if node.key.borrow() == key {
                return Some(node);
            }
            cur = node.next.as_deref();
        }
        None
    }

    /// The node holding `key`, mutably, if any.
    pub(crate) fn find_mut<Q>(&mut self, hash: u64, key: &Q) -> Option<&mut Node<K, V>>
    where
        K: Borrow<Q>,
        Q: ?Sized + Eq,
    {
        if self.buckets.is_empty() {
            return None;
        }
        let idx = self.index(hash);
        let mut cur = self.buckets[idx].as_deref_mut();
        while let Some(node) = cur {
            if node.key.borrow() == key {
                return Some(node);
            }
            cur = node.next.as_deref_mut();
        }
        None
    }

    /// Put `node` at the head of its chain (Redis inserts at the head: recently added
    /// entries are the likeliest to be looked up). The table must have buckets.
    /// `hash` is the hash of the node's key.
    pub(crate) fn push_front(&mut self, hash: u64, mut node: Box<Node<K, V>>) -> &mut Node<K, V> {
        debug_assert!(!self.buckets.is_empty());
        let idx = self.index(hash);
        let slot = &mut self.buckets[idx];
        node.next = slot.take();
        self.used += 1;
        slot.insert(node)
    }

    /// Remove and return the node holding `key`.
    pub(crate) fn unlink<Q>(&mut self, hash: u64, key: &Q) -> Option<Box<Node<K, V>>>
    where
        K: Borrow<Q>,
        Q: ?Sized + Eq,
    {
        if self.buckets.is_empty() {
            return None;
        }
        let idx = self.index(hash);
        let mut link = &mut self.buckets[idx];
        loop {
            let found = match link.as_deref() {
                None => return None,
                Some(node) => node.key.borrow() == key,
            };
            if found {
                let mut node = link.take()?;
                *link = node.next.take();
                self.used -= 1;
                return Some(node);
            }
            link = &mut link.as_mut()?.next;
        }
    }

    /// Detach the whole chain of bucket `idx` (for rehashing).
    pub(crate) fn take_chain(&mut self, idx: usize) -> Link<K, V> {
        self.buckets[idx].take()
    }
}

impl<K: Clone, V: Clone> Clone for Table<K, V> {
    /// A copy with the same bucket layout and chain order, so a clone iterates and scans
    /// exactly like the original (the simulator's fork snapshot relies on it).
    fn clone(&self) -> Self {
        let mut buckets: Vec<Link<K, V>> = Vec::with_capacity(self.buckets.len());
        let mut chain: Vec<&Node<K, V>> = Vec::new();
        for bucket in &self.buckets {
            chain.clear();
            let mut cur = bucket.as_deref();
            while let Some(node) = cur {
                chain.push(node);
                cur = node.next.as_deref();
            }
            let mut head: Link<K, V> = None;
            for node in chain.iter().rev() {
                head = Some(Box::new(Node {
                    key: node.key.clone(),
                    value: node.value.clone(),
                    next: head,
                }));
            }
            buckets.push(head);
        }
        Table { buckets: buckets.into_boxed_slice(), used: self.used }
    }
}

impl<K, V> Drop for Table<K, V> {
    /// Frees chains iteratively: the default recursive drop of `Box` chains would use stack
    /// proportional to the chain length.
    fn drop(&mut self) {
        for bucket in &mut self.buckets {
            let mut cur = bucket.take();
            while let Some(mut node) = cur {
                cur = node.next.take();
            }
        }
    }
}
