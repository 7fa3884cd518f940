//! Growing, shrinking and incremental rehashing of a [`Dict`] (Redis 7.0 `dictExpand`,
//! `dictResize`, `dictRehash`, `_dictExpandIfNeeded`, server.c `htNeedsResize`).
//!
//! A resize allocates the new table as `ht[1]` and sets `rehash_idx = 0`; [`Dict::rehash`] then
//! moves whole buckets from `ht[0]` to `ht[1]`, visiting at most `10 * n` empty buckets per call
//! so a sparse table cannot make one step slow. When `ht[0]` is empty, `ht[1]` becomes `ht[0]`.

use std::hash::{BuildHasher, Hash};

use super::table::Table;
use super::Dict;

/// Buckets of the first table (Redis's `DICT_HT_INITIAL_SIZE`).
pub const INITIAL_SIZE: usize = 4;
/// Grow even when resizing is disallowed once `used / size` exceeds this
/// (Redis's `dict_force_resize_ratio`).
pub const FORCE_RESIZE_RATIO: usize = 5;
/// Shrink when fewer than this percentage of the slots are used (Redis's `HASHTABLE_MIN_FILL`).
pub const MIN_FILL_PERCENT: usize = 10;
/// Largest table size; larger requests are refused (keeps `next_power` from overflowing).
const MAX_SIZE: usize = 1 << 31;

/// Smallest power of two `>= size`, at least [`INITIAL_SIZE`] (Redis's `_dictNextExp`).
fn next_power(size: usize) -> usize {
    size.max(INITIAL_SIZE).next_power_of_two()
}

impl<K: Hash + Eq, V> Dict<K, V> {
    /// Allow or forbid growing and shrinking (Redis's `dictEnableResize`/`dictDisableResize`,
    /// toggled by `updateDictResizePolicy` while a fork child runs). Growth is still forced
    /// past [`FORCE_RESIZE_RATIO`].
    pub fn set_resize_allowed(&mut self, allowed: bool) {
        self.resize_allowed = allowed;
    }

    pub fn resize_allowed(&self) -> bool {
        self.resize_allowed
    }

    /// Start a resize to hold `size` entries (Redis's `dictExpand`): the table becomes the next
    /// power of two `>= size`. Returns false, changing nothing, while rehashing, when `size` is
    /// below the entry count, when the size would not change, or when it is too large. The
    /// loader calls it to pre-size from an RDB's resize hint; the allocation is proportional to
    /// `size`, so a caller passing an untrusted size caps it first.
    pub fn expand(&mut self, size: usize) -> bool {
        if self.rehash_idx.is_some() || self.ht[0].used > size || size > MAX_SIZE {
            return false;
        }
        let new_size = next_power(size);
        if new_size == self.ht[0].size() {
            return false;
        }
        if self.ht[0].size() == 0 {
            self.ht[0] = Table::with_size(new_size);
            return true;
        }
        self.ht[1] = Table::with_size(new_size);
        self.set_rehash_index(0);
        true
    }

    /// Grow if the load factor asks for it (Redis's `_dictExpandIfNeeded`).
    pub(crate) fn expand_if_needed(&mut self) {
        if self.rehash_idx.is_some() {
            return;
        }
        let (size, used) = (self.ht[0].size(), self.ht[0].used);
        if size == 0 {
            self.expand(INITIAL_SIZE);
        } else if used >= size && (self.resize_allowed || used / size > FORCE_RESIZE_RATIO) {
            self.expand(used + 1);
        }
    }

    /// Whether the dict is sparse enough to shrink (server.c's `htNeedsResize`): more than
    /// [`INITIAL_SIZE`] slots and under [`MIN_FILL_PERCENT`] of them used.
    pub fn needs_shrink(&self) -> bool {
        let size = self.slots();
        size > INITIAL_SIZE && self.len() * 100 / size < MIN_FILL_PERCENT
    }

    /// Shrink to the smallest table holding the entries (Redis's `dictResize`, called by
    /// `tryResizeHashTables` from cron) if [`Dict::needs_shrink`]. Returns whether a resize
    /// started; never while rehashing or while resizing is disallowed.
    pub fn try_shrink(&mut self) -> bool {
        if !self.resize_allowed || self.rehash_idx.is_some() || !self.needs_shrink() {
            return false;
        }
        self.expand(self.ht[0].used.max(INITIAL_SIZE))
    }

    /// Move up to `n` non-empty buckets from `ht[0]` to `ht[1]` (Redis's `dictRehash`).
    /// Returns true if rehashing is still in progress afterwards. The cron drives it with a
    /// budget (Redis's `dictRehashMilliseconds` calls it with `n = 100` in a timed loop).
    pub fn rehash(&mut self, n: usize) -> bool {
        let Some(mut idx) = self.rehash_index() else {
            return false;
        };
        let mut empty_visits = n.saturating_mul(10);
        let [t0, t1] = &mut self.ht;
        let hasher = &self.hasher;
        for _ in 0..n {
            if t0.used == 0 {
                break;
            }
            while idx < t0.size() && t0.buckets[idx].is_none() {
                idx += 1;
                empty_visits -= 1;
                if empty_visits == 0 {
                    self.set_rehash_index(idx);
                    return true;
                }
            }
            if idx >= t0.size() {
                break; // Unreachable while `used > 0`; guards the index below.
            }
            let mut chain = t0.take_chain(idx);
            while let Some(mut node) = chain {
                chain = node.next.take();
                t0.used -= 1;
                t1.push_front(hasher.hash_one(&node.key), node);
            }
            idx += 1;
        }
        if t0.used == 0 {
            self.ht[0] = std::mem::replace(&mut self.ht[1], Table::empty());
            self.rehash_idx = None;
            return false;
        }
        self.set_rehash_index(idx);
        true
    }

    /// One rehash step (Redis's `_dictRehashStep`): callers whose lookups go through
    /// [`Dict::get`] call it to keep rehashing moving like Redis's `dictFind` does.
    pub fn rehash_step(&mut self) {
        self.rehash(1);
    }
}
