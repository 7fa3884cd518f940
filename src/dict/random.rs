//! Random entries of a [`Dict`]: RANDOMKEY (Redis's `dictGetFairRandomKey` over
//! `dictGetRandomKey`) and eviction sampling (`dictGetSomeKeys`). All randomness comes from the
//! caller's seeded [`Rng`], so a seed replays the same picks.
//!
//! While rehashing, buckets `0..rehash_idx` of `ht[0]` are known to be empty and are skipped.

use std::hash::Hash;

use super::table::{Link, Node};
use super::Dict;
use crate::env::Rng;

/// Entries `dictGetFairRandomKey` samples before picking one (Redis's `GETFAIR_NUM_ENTRIES`).
const FAIR_SAMPLE: usize = 15;

impl<K: Hash + Eq, V> Dict<K, V> {
    /// A random key, as RANDOMKEY picks it (Redis's `dictGetFairRandomKey`): sample up to 15
    /// entries from consecutive buckets and pick one of them, which evens out the bias towards
    /// keys in short chains; fall back to [`Dict::random_entry_unfair`] if the sample is empty.
    pub fn random_key(&self, rng: &mut Rng) -> Option<&K> {
        self.random_entry(rng).map(|(k, _)| k)
    }

    /// [`Dict::random_key`] with the value.
    pub fn random_entry(&self, rng: &mut Rng) -> Option<(&K, &V)> {
        let sample = self.sample_entries(rng, FAIR_SAMPLE);
        if sample.is_empty() {
            return self.random_entry_unfair(rng);
        }
        let pick = rng.below(sample.len() as u64) as usize;
        sample.get(pick).copied()
    }

    /// Redis's `dictGetRandomKey`: a random non-empty bucket, then a random entry of its chain.
    /// Entries in long chains are less likely to be picked.
    pub fn random_entry_unfair(&self, rng: &mut Rng) -> Option<(&K, &V)> {
        if self.is_empty() {
            return None;
        }
        let head = match self.rehash_index() {
            Some(idx) => self.random_bucket_rehashing(rng, idx),
            None => self.random_bucket(rng),
        };
        let len = chain_len(head);
        let mut pick = rng.below(len.max(1) as u64);
        let mut cur = head.as_deref();
        while let Some(node) = cur {
            if pick == 0 {
                return Some((&node.key, &node.value));
            }
            pick -= 1;
            cur = node.next.as_deref();
        }
        None
    }

    /// A non-empty bucket of `ht[0]`; the dict is non-empty and not rehashing.
    fn random_bucket(&self, rng: &mut Rng) -> &Link<K, V> {
        let t = &self.ht[0];
        loop {
            let h = (rng.next_u64() as usize) & t.mask();
            if t.buckets[h].is_some() {
                return &t.buckets[h];
            }
        }
    }

    /// A non-empty bucket among the unmoved buckets of `ht[0]` and all of `ht[1]`.
    fn random_bucket_rehashing(&self, rng: &mut Rng, idx: usize) -> &Link<K, V> {
        let s0 = self.ht[0].size();
        let span = (self.slots() - idx) as u64;
        loop {
            let h = idx + rng.below(span) as usize;
            let link = if h >= s0 { &self.ht[1].buckets[h - s0] } else { &self.ht[0].buckets[h] };
            if link.is_some() {
                return link;
            }
        }
    }

    /// Up to `count` keys from a random stretch of consecutive buckets (Redis's
    /// `dictGetSomeKeys`, used by eviction sampling). Not uniformly random; may return fewer
    /// than `count` (it gives up after `10 * count` bucket steps), and a key twice when a jump
    /// lands on buckets already visited.
    pub fn sample(&self, rng: &mut Rng, count: usize) -> Vec<&K> {
        self.sample_entries(rng, count).into_iter().map(|(k, _)| k).collect()
    }

    /// [`Dict::sample`] with values.
    pub fn sample_entries(&self, rng: &mut Rng, count: usize) -> Vec<(&K, &V)> {
        let count = count.min(self.len());
        let mut out = Vec::with_capacity(count);
        if count == 0 {
            return out;
        }
        let tables = if self.rehash_idx.is_some() { 2 } else { 1 };
        let max_mask = self.ht[0].mask().max(if tables == 2 { self.ht[1].mask() } else { 0 });
        let rehash_idx = self.rehash_index().unwrap_or(0);
        let mut i = (rng.next_u64() as usize) & max_mask;
        let mut empty_len = 0;
        for _ in 0..count.saturating_mul(10) {
            for t in 0..tables {
                if tables == 2 && t == 0 && i < rehash_idx {
                    // Buckets below rehash_idx of ht[0] are empty; if i is also beyond ht[1]
                    // (shrinking), nothing lives there in either table: jump ahead.
                    if i >= self.ht[1].size() {
                        i = rehash_idx;
                    } else {
                        continue;
                    }
                }
                let Some(link) = self.ht[t].buckets.get(i) else { continue };
                if link.is_none() {
                    empty_len += 1;
                    if empty_len >= 5 && empty_len > count {
                        i = (rng.next_u64() as usize) & max_mask;
                        empty_len = 0;
                    }
                    continue;
                }
                empty_len = 0;
                if collect_chain(link, &mut out, count) {
                    return out;
                }
            }
            i = (i + 1) & max_mask;
        }
        out
    }
}

fn chain_len<K, V>(link: &Link<K, V>) -> usize {
    let mut n = 0;
    let mut cur = link.as_deref();
    while let Some(node) = cur {
        n += 1;
        cur = node.next.as_deref();
    }
    n
}

/// Append the chain's entries until `out` holds `count`; true when full.
fn collect_chain<'a, K, V>(link: &'a Link<K, V>, out: &mut Vec<(&'a K, &'a V)>, count: usize) -> bool {
    let mut cur: Option<&'a Node<K, V>> = link.as_deref();
    while let Some(node) = cur {
        out.push((&node.key, &node.value));
        if out.len() == count {
            return true;
        }
        cur = node.next.as_deref();
    }
    false
}
