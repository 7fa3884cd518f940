//! Eviction (`evict.c`): when `maxmemory` is set and exceeded, free memory by deleting keys
//! chosen by `maxmemory-policy` before a command runs.
//!
//! - `noeviction`: nothing is deleted; commands flagged denyoom get the OOM error.
//! - `allkeys-*` sample from the whole keyspace of each db, `volatile-*` only from keys with
//!   a TTL (so volatile policies never delete a key without one).
//! - LRU, LFU and TTL use Redis's approximation: `maxmemory-samples` keys sampled per db with
//!   the seeded PRNG feed an **eviction pool** of 16 candidates kept sorted by score (idle time;
//!   `255 - decayed LFU counter`; `u64::MAX - expire time`), and the best candidate that still
//!   exists is deleted. `*-random` deletes a random key, visiting dbs round-robin.
//! - Each deletion propagates `DEL`, counts `evicted_keys` and touches WATCHers.
//! - Progress is measured with the `MemoryGauge`; the loop also stops when no candidate is left
//!   (then the command fails with OOM if it is denyoom), so a gauge that does not move (the
//!   simulator's) cannot loop forever: at most one pass over the keys.

use crate::config::MaxmemoryPolicy as P;
use crate::object;
use crate::server::Server;

/// Candidates kept in the eviction pool (`EVPOOL_SIZE`).
const POOL_SIZE: usize = 16;

/// One pool entry: higher `score` = better candidate.
#[derive(Clone, Debug, PartialEq, Eq)]
struct Candidate {
    score: u64,
    db: usize,
    key: Vec<u8>,
}

/// The eviction pool, kept across calls as in Redis (sorted ascending by score).
#[derive(Clone, Debug, Default)]
pub struct EvictionPool {
    entries: Vec<Candidate>,
    next_random_db: usize,
}

impl EvictionPool {
    /// Insert keeping the pool sorted and bounded; the worst candidates fall off.
    fn offer(&mut self, c: Candidate) {
        if self.entries.iter().any(|e| e.db == c.db && e.key == c.key) {
            return;
        }
        if self.entries.len() == POOL_SIZE && self.entries[0].score >= c.score {
            return;
        }
        let at = self.entries.partition_point(|e| e.score < c.score);
        self.entries.insert(at, c);
        if self.entries.len() > POOL_SIZE {
            self.entries.remove(0);
        }
    }

    fn pop_best(&mut self) -> Option<Candidate> {
        self.entries.pop()
    }
}

/// Why eviction could not bring memory under the limit.
#[derive(Debug, PartialEq, Eq)]
pub enum EvictError {
    /// `noeviction`, or nothing left to evict under the policy.
    CannotFree,
}

fn volatile(p: P) -> bool {
    matches!(p, P::VolatileLru | P::VolatileLfu | P::VolatileRandom | P::VolatileTtl)
}

/// `performEvictions`: Ok when memory is (now) under the limit or no limit is set.
pub fn perform_evictions(s: &mut Server) -> Result<(), EvictError> {
    if s.config.maxmemory == 0 || (s.env.memory.used() as u64) <= s.config.maxmemory {
        return Ok(());
    }
    let policy = s.config.maxmemory_policy;
    if policy == P::NoEviction {
        return Err(EvictError::CannotFree);
    }
    let budget = s.ks.total_keys();
    for _ in 0..budget {
        let Some((db, key)) = pick_victim(s, policy) else { return Err(EvictError::CannotFree) };
        evict_key(s, db, &key);
        if (s.env.memory.used() as u64) <= s.config.maxmemory {
            return Ok(());
        }
    }
    Err(EvictError::CannotFree)
}

fn evict_key(s: &mut Server, db: usize, key: &[u8]) {
    if s.ks.delete(db, key).is_some() {
        s.ks.stats.evicted_keys += 1;
        s.ks.propagate(db, vec![b"DEL".to_vec(), key.to_vec()]);
    }
}

fn pick_victim(s: &mut Server, policy: P) -> Option<(usize, Vec<u8>)> {
    match policy {
        P::AllkeysRandom | P::VolatileRandom => random_victim(s, volatile(policy)),
        _ => pool_victim(s, policy),
    }
}

/// `*-random`: a random key of the next db (round-robin) that has candidates.
fn random_victim(s: &mut Server, volatile: bool) -> Option<(usize, Vec<u8>)> {
    let dbs = s.ks.dbs.len();
    for _ in 0..dbs {
        let db = s.ks_pool().next_random_db % dbs;
        s.ks_pool().next_random_db = (db + 1) % dbs;
        let ks = &mut s.ks;
        let key = if volatile {
            ks.dbs[db].expires.random_key(&mut ks.rng).map(|k| k.to_vec())
        } else {
            ks.dbs[db].dict.random_key(&mut ks.rng).map(|k| k.to_vec())
        };
        if key.is_some() {
            return key.map(|k| (db, k));
        }
    }
    None
}

/// LRU / LFU / TTL through the pool.
fn pool_victim(s: &mut Server, policy: P) -> Option<(usize, Vec<u8>)> {
    populate_pool(s, policy);
    while let Some(best) = s.ks_pool().pop_best() {
        let db = &s.ks.dbs[best.db];
        let present = if volatile(policy) { db.expires.contains_key(&best.key[..]) } else { db.dict.contains_key(&best.key[..]) };
        if present {
            return Some((best.db, best.key));
        }
    }
    None
}

/// `evictionPoolPopulate` for every db.
fn populate_pool(s: &mut Server, policy: P) {
    let samples = usize::try_from(s.config.maxmemory_samples).unwrap_or(5).max(1);
    let now_clock = object::lru_clock(s.ks.now_ms);
    let decay = s.config.lfu_decay_time;
    let now_ms = s.ks.now_ms;
    let mut found = Vec::new();
    for db in 0..s.ks.dbs.len() {
        let ks = &mut s.ks;
        let d = &ks.dbs[db];
        let keys: Vec<Vec<u8>> = if volatile(policy) {
            d.expires.sample(&mut ks.rng, samples).into_iter().map(|k| k.to_vec()).collect()
        } else {
            d.dict.sample(&mut ks.rng, samples).into_iter().map(|k| k.to_vec()).collect()
        };
        for key in keys {
            let Some(lru) = d.lru_of(&key) else { continue };
            let score = match policy {
                P::AllkeysLru | P::VolatileLru => object::idle_ms(lru, now_clock),
                P::AllkeysLfu | P::VolatileLfu => 255 - u64::from(lfu_decayed(lru, now_ms, decay)),
                _ => u64::MAX - d.expire_of(&key).map_or(0, |t| t.max(0) as u64),
            };
            found.push(Candidate { score, db, key });
        }
    }
    for c in found {
        s.ks_pool().offer(c);
    }
}

/// `LFUDecrAndReturn`: the counter after the decay periods elapsed since its last update.
fn lfu_decayed(lru: u32, now_ms: i64, decay_minutes: u32) -> u8 {
    let now = object::lfu_minutes(now_ms);
    let last = lru >> 8;
    let elapsed = if now >= last { now - last } else { 65535 - last + now };
    let periods = elapsed.checked_div(decay_minutes).unwrap_or(0);
    let counter = u32::from(object::lfu_counter(lru));
    counter.saturating_sub(periods) as u8
}

impl Server {
    fn ks_pool(&mut self) -> &mut EvictionPool {
        &mut self.eviction_pool
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pool_keeps_the_sixteen_best_candidates_sorted() {
        let mut pool = EvictionPool::default();
        for i in 0..40u64 {
            pool.offer(Candidate { score: (i * 7919) % 101, db: 0, key: i.to_string().into_bytes() });
        }
        assert_eq!(pool.entries.len(), POOL_SIZE);
        assert!(pool.entries.windows(2).all(|w| w[0].score <= w[1].score));
        let best = pool.pop_best().expect("non-empty");
        assert_eq!(best.score, (0..40u64).map(|i| (i * 7919) % 101).max().expect("scores"));
    }

    #[test]
    fn lfu_counter_decays_one_per_period() {
        let lru = (10u32 << 8) | 20;
        assert_eq!(lfu_decayed(lru, 15 * 60_000, 1), 15);
        assert_eq!(lfu_decayed(lru, 15 * 60_000, 0), 20);
    }
}
