//! The keyed hasher: every hash table in the engine hashes with keys drawn from the seeded PRNG
//! (Redis seeds siphash from its random seed), so iteration order, SCAN, KEYS and RDB key order
//! replay exactly for a seed, and clients cannot predict bucket collisions.

use std::hash::BuildHasher;

/// A `BuildHasher` with explicit keys.
#[derive(Clone)]
pub struct KeyedState(ahash::RandomState); // determinism-ok: only ever built with explicit seeds

/// The hasher produced by [`KeyedState`].
pub type KeyedHasher = ahash::AHasher;

impl KeyedState {
    pub fn new(rng: &mut super::Rng) -> KeyedState {
        KeyedState(ahash::RandomState::with_seeds(rng.next_u64(), rng.next_u64(), rng.next_u64(), rng.next_u64())) // determinism-ok: seeds from the run's PRNG
    }
    /// Fixed keys, for tests and tools that need a stable order.
    pub fn fixed() -> KeyedState {
        KeyedState(ahash::RandomState::with_seeds(1, 2, 3, 4)) // determinism-ok: fixed seeds
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
