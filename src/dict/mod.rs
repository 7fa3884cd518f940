//! Redis's `dict.c`: the hash table behind the keyspace and the expires table.
//!
//! A [`Dict`] owns two bucket tables (`ht[0]`, `ht[1]`, see [`table`]). Normally only `ht[0]`
//! has buckets. When it grows or shrinks, a table of the new size becomes `ht[1]` and the dict
//! is *rehashing*: each mutating operation (and each explicit [`Dict::rehash`] call) moves a
//! bucket of `ht[0]` into `ht[1]`, so no single command pays for a whole resize. When `ht[0]` is
//! empty, `ht[1]` replaces it.
//!
//! Invariants:
//! - Table sizes are 0 or powers of two; `ht[1]` has buckets only while rehashing.
//! - While rehashing (`rehash_idx = Some(i)`), the buckets `0..i` of `ht[0]` are empty, and
//!   new entries go to `ht[1]`.
//! - A key is in at most one table; `len() == ht[0].used + ht[1].used`.
//! - Hashes come from the dict's [`KeyedState`] (seeded PRNG), never from std's `RandomState` (determinism-ok),
//!   so iteration and scan order replay for a seed.
//!
//! Resize policy (Redis 7.0 `_dictExpandIfNeeded`, `htNeedsResize`): grow to the next power
//! of two above `used` when `used >= size` and resizing is allowed, or regardless when
//! `used / size > 5` ([`FORCE_RESIZE_RATIO`]); Redis disallows resizing while a fork child
//! runs, to avoid copy-on-write of the whole table. Shrinking happens only when the caller asks
//! ([`Dict::try_shrink`], from the server's cron), when fewer than 10% of the slots are used.
//!
//! Differences from Redis: [`Dict::get`] takes `&self` and does no rehash step (Redis's
//! `dictFind` does one); callers that want lookups to drive rehashing call
//! [`Dict::rehash_step`]. Iterators borrow the dict, so "safe iterators" and rehash pausing are
//! enforced by the borrow checker instead of at run time.

mod iter;
mod random;
mod rehash;
mod scan;
mod table;
#[cfg(test)]
mod tests;

use std::borrow::Borrow;
use std::fmt;
use std::hash::{BuildHasher, Hash};

use crate::env::KeyedState;

pub use iter::Iter;
pub use rehash::{FORCE_RESIZE_RATIO, INITIAL_SIZE, MIN_FILL_PERCENT};
use table::{Node, Table};

/// A Redis-style incrementally rehashed hash table.
pub struct Dict<K, V> {
    ht: [Table<K, V>; 2],
    /// Next bucket of `ht[0]` to move, while rehashing (Redis's `rehashidx`, -1 = `None`).
    /// 32 bits (tables have at most 2^31 buckets), so the dict struct is 72 bytes.
    rehash_idx: Option<u32>,
    hasher: KeyedState,
    /// Redis's `dict_can_resize`.
    resize_allowed: bool,
}

impl<K: Hash + Eq, V> Dict<K, V> {
    /// An empty dict (no buckets until the first insert) hashing with `hasher`.
    pub fn new(hasher: KeyedState) -> Self {
        Dict { ht: [Table::empty(), Table::empty()], rehash_idx: None, hasher, resize_allowed: true }
    }

    /// Number of entries.
    pub fn len(&self) -> usize {
        self.ht[0].used + self.ht[1].used
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Bytes of one entry node (Redis's `sizeof(dictEntry)`): each entry is one allocation
    /// of this size.
    pub const fn node_bytes() -> usize {
        std::mem::size_of::<Node<K, V>>()
    }

    /// Total buckets in both tables (Redis's `dictSlots`).
    pub fn slots(&self) -> usize {
        self.ht[0].size() + self.ht[1].size()
    }

    /// Bucket counts of `ht[0]` and `ht[1]` (DEBUG HTSTATS).
    pub fn table_sizes(&self) -> (usize, usize) {
        (self.ht[0].size(), self.ht[1].size())
    }

    pub fn is_rehashing(&self) -> bool {
        self.rehash_idx.is_some()
    }

    /// The next bucket of `ht[0]` to move, while rehashing.
    pub(crate) fn rehash_index(&self) -> Option<usize> {
        self.rehash_idx.map(|i| i as usize)
    }

    /// Record the next bucket to move (`idx` < a table size, at most 2^31).
    pub(crate) fn set_rehash_index(&mut self, idx: usize) {
        self.rehash_idx = Some(u32::try_from(idx).expect("tables have at most 2^31 buckets"));
    }

    /// The hasher, so a caller can hash a key once and reuse it.
    pub fn hasher(&self) -> &KeyedState {
        &self.hasher
    }

    /// The dict's keyed hash of `key` (also for the `prefetch_*_hashed` hints, so that a batch
    /// hashes each key once).
    pub fn hash<Q: ?Sized + Hash>(&self, key: &Q) -> u64 {
        self.hasher.hash_one(key)
    }

    /// Redis's `_dictRehashStep`: move one bucket if rehashing.
    fn step_if_rehashing(&mut self) {
        if self.rehash_idx.is_some() {
            self.rehash(1);
        }
    }

    /// The value stored under `key`. No rehash step (see the module docs).
    pub fn get<Q>(&self, key: &Q) -> Option<&V>
    where
        K: Borrow<Q>,
        Q: ?Sized + Hash + Eq,
    {
        self.get_key_value(key).map(|(_, v)| v)
    }

    /// The stored key and value for `key`.
    pub fn get_key_value<Q>(&self, key: &Q) -> Option<(&K, &V)>
    where
        K: Borrow<Q>,
        Q: ?Sized + Hash + Eq,
    {
        if self.is_empty() {
            return None;
        }
        let hash = self.hash(key);
        let node = match self.ht[0].find(hash, key) {
            Some(node) => Some(node),
            None if self.rehash_idx.is_some() => self.ht[1].find(hash, key),
            None => None,
        };
        node.map(|n| (&n.key, &n.value))
    }

    /// The stored key and the value for `key`, both mutably. Does a rehash step, like
    /// [`Dict::get_mut`]. The caller may
    /// change only parts of the key that its `Hash` and `Eq` ignore (the keyspace's key keeps
    /// its object's LRU field, see `crate::bytes::KeyBytes`).
    pub fn get_key_value_mut<Q>(&mut self, key: &Q) -> Option<(&mut K, &mut V)>
    where
        K: Borrow<Q>,
        Q: ?Sized + Hash + Eq,
    {
        let hash = self.step_and_hash(key)?;
        self.find_node_mut(hash, key).map(|n| (&mut n.key, &mut n.value))
    }

    /// The common start of a lookup that may change the dict (`dictFind`, `dictDelete`): `None`
    /// for an empty dict, else one rehash step and the key's hash.
    fn step_and_hash<Q>(&mut self, key: &Q) -> Option<u64>
    where
        Q: ?Sized + Hash,
    {
        if self.is_empty() {
            return None;
        }
        self.step_if_rehashing();
        Some(self.hash(key))
    }

    pub fn contains_key<Q>(&self, key: &Q) -> bool
    where
        K: Borrow<Q>,
        Q: ?Sized + Hash + Eq,
    {
        self.get_key_value(key).is_some()
    }

    /// The value under `key`, mutably. Does a rehash step, like `dictFind`.
    pub fn get_mut<Q>(&mut self, key: &Q) -> Option<&mut V>
    where
        K: Borrow<Q>,
        Q: ?Sized + Hash + Eq,
    {
        self.get_key_value_mut(key).map(|(_, v)| v)
    }

    fn find_node_mut<Q>(&mut self, hash: u64, key: &Q) -> Option<&mut Node<K, V>>
    where
        K: Borrow<Q>,
        Q: ?Sized + Eq,
    {
        let rehashing = self.rehash_idx.is_some();
        let [t0, t1] = &mut self.ht;
        if let Some(node) = t0.find_mut(hash, key) {
            return Some(node);
        }
        if rehashing {
            t1.find_mut(hash, key)
        } else {
            None
        }
    }

    /// Ask the CPU to start loading the bucket `key` would be found in or inserted into, so
    /// that a lookup or insert issued after other work finds it in cache. A hint only: it
    /// changes nothing, and the lookup is correct whether or not the line arrived. The RDB
    /// loader calls it for the next key while it still parses that key's value.
    pub fn prefetch<Q>(&self, key: &Q)
    where
        K: Borrow<Q>,
        Q: ?Sized + Hash,
    {
        self.prefetch_hashed(self.hash(key));
    }

    /// The second step after [`Dict::prefetch`]: read the (now cached) bucket and prefetch
    /// the first node of its chain, which a lookup or insert compares its key with.
    pub fn prefetch_chain<Q>(&self, key: &Q)
    where
        K: Borrow<Q>,
        Q: ?Sized + Hash,
    {
        self.prefetch_chain_hashed(self.hash(key));
    }

    /// [`Dict::prefetch`] for a key whose [`Dict::hash`] is `hash`. While rehashing, a
    /// key may be in either table: both buckets are prefetched.
    pub fn prefetch_hashed(&self, hash: u64) {
        self.lookup_tables().for_each(|t| t.prefetch_bucket(hash));
    }

    /// [`Dict::prefetch_chain`] for a key whose [`Dict::hash`] is `hash`.
    pub fn prefetch_chain_hashed(&self, hash: u64) {
        self.lookup_tables().for_each(|t| t.prefetch_first_node(hash));
    }

    /// The tables a lookup reads: the first, and the second while rehashing; those with
    /// buckets.
    fn lookup_tables(&self) -> impl Iterator<Item = &Table<K, V>> {
        let used = 1 + usize::from(self.rehash_idx.is_some());
        self.ht[..used].iter().filter(|t| t.size() > 0)
    }

    /// Insert or replace (Redis's `dictReplace`); returns the previous value. May start a
    /// resize and does a rehash step.
    pub fn insert(&mut self, key: K, value: V) -> Option<V> {
        self.step_if_rehashing();
        self.expand_if_needed();
        let hash = self.hash(&key);
        if let Some(node) = self.find_node_mut(hash, &key) {
            return Some(std::mem::replace(&mut node.value, value));
        }
        self.push_new(hash, key, value);
        None
    }

    /// The value under `key`, inserting `make()` first if the key is absent. One hash
    /// computation; a hit walks the chain twice (a borrow-checker limitation).
    pub fn get_or_insert_with(&mut self, key: K, make: impl FnOnce() -> V) -> &mut V {
        self.step_if_rehashing();
        self.expand_if_needed();
        let hash = self.hash(&key);
        let tables = if self.rehash_idx.is_some() { 2 } else { 1 };
        match (0..tables).find(|&t| self.ht[t].find(hash, &key).is_some()) {
            Some(t) => {
                let node = self.ht[t].find_mut(hash, &key).expect("the key was found in this table just above");
                &mut node.value
            }
            None => &mut self.push_new(hash, key, make()).value,
        }
    }

    /// Add a node known to be absent; the target table has buckets after
    /// `expand_if_needed`.
    fn push_new(&mut self, hash: u64, key: K, value: V) -> &mut Node<K, V> {
        let t = usize::from(self.rehash_idx.is_some());
        if self.ht[t].size() == 0 {
            // Only reachable if expansion failed to allocate the first table; keep the dict
            // usable rather than index an empty vector.
            self.ht[t] = Table::with_size(INITIAL_SIZE);
        }
        self.ht[t].push_front(hash, Box::new(Node { key, value, next: None }))
    }

    /// Remove `key`; returns the stored key and value. Does a rehash step.
    pub fn remove<Q>(&mut self, key: &Q) -> Option<(K, V)>
    where
        K: Borrow<Q>,
        Q: ?Sized + Hash + Eq,
    {
        let hash = self.step_and_hash(key)?;
        let node = match self.ht[0].unlink(hash, key) {
            Some(node) => node,
            None if self.rehash_idx.is_some() => self.ht[1].unlink(hash, key)?,
            None => return None,
        };
        let node = *node;
        Some((node.key, node.value))
    }

    /// Remove everything and free the tables (Redis's `dictEmpty`).
    pub fn clear(&mut self) {
        self.ht = [Table::empty(), Table::empty()];
        self.rehash_idx = None;
    }

    /// Entries in bucket order: `ht[0]` buckets in index order, each chain from its head, then
    /// `ht[1]` while rehashing (Redis's `dictNext`).
    pub fn iter(&self) -> Iter<'_, K, V> {
        Iter::new(&self.ht, self.rehash_idx.is_some(), self.len())
    }

    /// Keys in [`Dict::iter`] order.
    pub fn keys(&self) -> impl Iterator<Item = &K> + '_ {
        self.iter().map(|(k, _)| k)
    }
}

impl<K: Clone, V: Clone> Clone for Dict<K, V> {
    /// Same layout, rehash state and hasher: the clone iterates and scans like the original.
    fn clone(&self) -> Self {
        Dict {
            ht: [self.ht[0].clone(), self.ht[1].clone()],
            rehash_idx: self.rehash_idx,
            hasher: self.hasher.clone(),
            resize_allowed: self.resize_allowed,
        }
    }
}

impl<K: Hash + Eq + fmt::Debug, V: fmt::Debug> fmt::Debug for Dict<K, V> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_map().entries(self.iter()).finish()
    }
}

impl<'a, K: Hash + Eq, V> IntoIterator for &'a Dict<K, V> {
    type Item = (&'a K, &'a V);
    type IntoIter = Iter<'a, K, V>;
    fn into_iter(self) -> Iter<'a, K, V> {
        self.iter()
    }
}
