//! One database (`redisDb`): the key → value dict and the expires dict (key → unix ms).
//!
//! Invariant: every key of `expires` is a key of `dict`. Lookups here are raw (no expiry, no
//! statistics); [`crate::keyspace::Keyspace`] layers lazy expiry, LRU updates, hits/misses,
//! WATCH invalidation and propagation on top.

use crate::dict::Dict;
use crate::env::KeyedState;
use crate::object::{Entry, Stored};

/// A key as stored: inline up to 20 bytes, boxed beyond, with its object's LRU/LFU field
/// (see `crate::bytes::KeyBytes`).
pub type Key = crate::bytes::KeyBytes;

#[derive(Clone)]
pub struct Db {
    pub id: usize,
    pub dict: Dict<Key, Stored>,
    pub expires: Dict<Key, i64>,
    /// Average TTL of sampled volatile keys, for INFO keyspace (`avg_ttl`).
    pub avg_ttl_ms: i64,
}

impl Db {
    pub fn new(id: usize, hash: &KeyedState) -> Db {
        Db { id, dict: Dict::new(hash.clone()), expires: Dict::new(hash.clone()), avg_ttl_ms: 0 }
    }

    pub fn len(&self) -> usize {
        self.dict.len()
    }

    pub fn is_empty(&self) -> bool {
        self.dict.is_empty()
    }

    /// The expire time of `key`, if it has one.
    pub fn expire_of(&self, key: &[u8]) -> Option<i64> {
        if self.expires.is_empty() {
            return None;
        }
        self.expires.get(key).copied()
    }

    /// Insert or overwrite (value and LRU field); the expire is left as it is (callers decide).
    pub fn insert(&mut self, key: &[u8], entry: Entry) {
        let Entry { value, lru } = entry;
        if let Some((k, slot)) = self.dict.get_key_value_mut(key) {
            k.set_lru(lru);
            slot.value = value;
        } else {
            self.dict.insert(Key::with_lru(key, lru), Stored { value });
        }
    }

    /// Remove the key and its expire; returns the entry.
    pub fn remove(&mut self, key: &[u8]) -> Option<Entry> {
        let (k, stored) = self.dict.remove(key)?;
        if !self.expires.is_empty() {
            self.expires.remove(key);
        }
        Some(Entry { value: stored.value, lru: k.lru() })
    }

    /// The LRU/LFU field of `key`'s value, if the key exists.
    pub fn lru_of(&self, key: &[u8]) -> Option<u32> {
        self.dict.get_key_value(key).map(|(k, _)| k.lru())
    }

    pub fn set_expire(&mut self, key: &[u8], when_ms: i64) {
        if let Some(slot) = self.expires.get_mut(key) {
            *slot = when_ms;
        } else {
            self.expires.insert(Key::new(key), when_ms);
        }
    }

    /// Remove the expire; true if there was one.
    pub fn persist(&mut self, key: &[u8]) -> bool {
        !self.expires.is_empty() && self.expires.remove(key).is_some()
    }

    /// Drop everything; returns how many keys were removed.
    pub fn clear(&mut self) -> usize {
        let n = self.dict.len();
        self.dict.clear();
        self.expires.clear();
        self.avg_ttl_ms = 0;
        n
    }

    /// A little incremental rehashing of both tables (`databasesCron`).
    pub fn rehash_step(&mut self, steps: usize) {
        self.dict.rehash(steps);
        self.expires.rehash(steps);
    }

    /// Shrink the tables if they are mostly empty (`tryResizeHashTables`).
    pub fn try_shrink(&mut self) {
        self.dict.try_shrink();
        self.expires.try_shrink();
    }
}
