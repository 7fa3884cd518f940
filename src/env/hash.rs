//! The keyed hasher: every hash table in the engine hashes with keys drawn from the seeded PRNG
//! (Redis seeds siphash from its random seed), so iteration order, SCAN, KEYS and RDB key order
//! replay exactly for a seed, and clients cannot predict bucket collisions.

use std::hash::BuildHasher;
use std::sync::{Arc, OnceLock};

/// A `BuildHasher` with explicit keys. The 32 bytes of keys are shared (`Arc`): every set,
/// hash and sorted-set dict holds a copy of its keyspace's hasher, so a copy costs 8 bytes.
#[derive(Clone)]
pub struct KeyedState(Arc<ahash::RandomState>); // determinism-ok: only ever built with explicit seeds

/// The hasher produced by [`KeyedState`].
pub type KeyedHasher = ahash::AHasher;

impl KeyedState {
    pub fn new(rng: &mut super::Rng) -> KeyedState {
        KeyedState(Arc::new(ahash::RandomState::with_seeds(rng.next_u64(), rng.next_u64(), rng.next_u64(), rng.next_u64()))) // determinism-ok: seeds from the run's PRNG
    }
    /// Fixed keys, for tests and tools that need a stable order (one shared instance: the
    /// loader gives one to every set it builds).
    pub fn fixed() -> KeyedState {
        static FIXED: OnceLock<Arc<ahash::RandomState>> = OnceLock::new(); // determinism-ok: fixed seeds
        KeyedState(FIXED.get_or_init(|| Arc::new(ahash::RandomState::with_seeds(1, 2, 3, 4))).clone()) // determinism-ok: fixed seeds
    }
    /// Hash bytes with these keys.
    pub fn hash_bytes(&self, bytes: &[u8]) -> u64 {
        self.0.hash_one(bytes)
    }
}

impl BuildHasher for KeyedState {
    type Hasher = KeyedHasher;
    fn build_hasher(&self) -> KeyedHasher {
        self.0.build_hasher()
    }
}

/// A `HashMap` with the keyed hasher.
pub type KeyedMap<K, V> = std::collections::HashMap<K, V, KeyedState>;
/// A `HashSet` with the keyed hasher.
pub type KeyedSet<K> = std::collections::HashSet<K, KeyedState>;
