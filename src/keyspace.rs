//! The keyspace: the databases plus everything a command needs that is not I/O — the command
//! time snapshot, lazy expiry (`expireIfNeeded`), LRU/LFU updates, hit/miss statistics, WATCH
//! invalidation (`signalModifiedKey`), the dirty counter and the effects to propagate.
//!
//! Contracts:
//! - `now_ms` is set once per command by the server (Redis's `commandTimeSnapshot`); every expiry
//!   decision of the command uses it, so a command never sees a key expire half-way.
//! - A key is expired iff `now_ms > expire_at` (Redis 7.0 `keyIsExpired`).
//! - Deleting an expired key (lazily or actively) pushes `DEL key` to `effects` before the
//!   command's own effects, counts `expired_keys`, and touches WATCHers.
//! - `lookup_read` counts `keyspace_hits`/`keyspace_misses`; `lookup_write` and `lookup_notouch`
//!   do not. LRU/LFU is updated on access except by NOTOUCH lookups and while a fork child runs
//!   (to avoid copy-on-write of every touched page).

use std::collections::BTreeSet;

use crate::db::Db;
use crate::env::hash::KeyedMap;
use crate::env::{KeyedState, Rng};
use crate::object::{self, Entry, Stored, Value};

/// A command's effect to append to the AOF (and to replicas): db and argv.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Effect {
    pub db: usize,
    pub argv: Vec<Vec<u8>>,
}

/// Keyspace statistics shown by INFO stats.
#[derive(Clone, Debug, Default)]
pub struct KeyspaceStats {
    pub keyspace_hits: u64,
    pub keyspace_misses: u64,
    pub expired_keys: u64,
    pub evicted_keys: u64,
    pub expired_stale_perc: f64,
    pub expired_time_cap_reached_count: u64,
}

/// Eviction/LRU policy family that decides what the `lru` field holds.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum LruMode {
    Lru,
    Lfu { log_factor: u32, decay_minutes: u32 },
}

pub type ClientId = u64;

/// One db's watched keys: key → (client, already expired when WATCHed).
type WatchedKeys = KeyedMap<Box<[u8]>, Vec<(ClientId, bool)>>;

pub struct Keyspace {
    pub dbs: Vec<Db>,
    pub now_ms: i64,
    pub stats: KeyspaceStats,
    /// Changes since the last successful save (`server.dirty`).
    pub dirty: u64,
    pub effects: Vec<Effect>,
    pub lru_mode: LruMode,
    /// Someone consumes effects (AOF on, a rewrite running, an observer): record them.
    /// When false, commands skip building effect argvs (the common no-persistence case).
    pub record_effects: bool,
    /// A fork child is running: don't touch LRU fields, don't resize tables.
    pub child_running: bool,
    /// Loading or a replica: no lazy expiry deletions (keys still read as missing).
    pub expiry_paused: bool,
    /// Replaying the AOF: no key is expired at all (Redis's `keyIsExpired` while loading), so
    /// a replayed `SET … XX` or `INCR` sees the key its original execution saw; the replay is
    /// faithful because lazy and active expiry were propagated as `DEL`s.
    pub loading: bool,
    pub rng: Rng,
    hash: KeyedState,
    /// Per db: watched key → clients watching it, each with Redis's `wk->expired` flag (the
    /// key was already logically expired when WATCHed).
    watched: Vec<WatchedKeys>,
    /// Clients whose watched keys were touched (CLIENT_DIRTY_CAS).
    dirty_cas: BTreeSet<ClientId>,
}

impl Keyspace {
    pub fn new(databases: usize, mut rng: Rng) -> Keyspace {
        let hash = KeyedState::new(&mut rng);
        let dbs = (0..databases).map(|i| Db::new(i, &hash)).collect();
        let watched = (0..databases).map(|_| KeyedMap::with_hasher(hash.clone())).collect();
        Keyspace {
            dbs,
            now_ms: 0,
            stats: KeyspaceStats::default(),
            dirty: 0,
            effects: Vec::new(),
            record_effects: true,
            lru_mode: LruMode::Lru,
            child_running: false,
            expiry_paused: false,
            loading: false,
            rng,
            hash,
            watched,
            dirty_cas: BTreeSet::new(),
        }
    }

    pub fn hasher(&self) -> &KeyedState {
        &self.hash
    }

    /// The LRU/LFU field for a value created now.
    /// A fork child started or ended (Redis's `updateDictResizePolicy`): while it runs, no
    /// table grows unless it is badly overfull, so the parent copies as few pages as possible.
    pub fn set_child_running(&mut self, running: bool) {
        self.child_running = running;
        for db in &mut self.dbs {
            db.dict.set_resize_allowed(!running);
            db.expires.set_resize_allowed(!running);
        }
    }

    pub fn new_lru(&self) -> u32 {
        match self.lru_mode {
            LruMode::Lru => object::lru_clock(self.now_ms),
            LruMode::Lfu { .. } => object::lfu_initial(self.now_ms),
        }
    }

    /// Wrap a value into an entry stamped with the current LRU clock.
    pub fn entry(&self, value: Value) -> Entry {
        Entry { value, lru: self.new_lru() }
    }

    /// Is `key` in `db` logically expired at the command time?
    pub fn is_expired(&self, db: usize, key: &[u8]) -> bool {
        if self.loading {
            return false;
        }
        match self.dbs[db].expire_of(key) {
            Some(when) => self.now_ms > when,
            None => false,
        }
    }

    /// `expireIfNeeded`: delete `key` if it is expired; true if it was (or is logically) gone.
    pub fn expire_if_needed(&mut self, db: usize, key: &[u8]) -> bool {
        if !self.is_expired(db, key) {
            return false;
        }
        if self.expiry_paused {
            return true;
        }
        self.delete_expired(db, key);
        true
    }

    /// Delete an expired key: stats, DEL propagation, WATCH invalidation.
    pub fn delete_expired(&mut self, db: usize, key: &[u8]) {
        if self.dbs[db].remove(key).is_some() {
            self.stats.expired_keys += 1;
            if self.record_effects {
                self.effects.push(Effect { db, argv: vec![b"DEL".to_vec(), key.to_vec()] });
            }
            self.touch_watched(db, key);
        }
    }

    fn lookup(&mut self, db: usize, key: &[u8], touch: bool, count: bool) -> Option<&mut Stored> {
        if self.expire_if_needed(db, key) {
            if count {
                self.stats.keyspace_misses += 1;
            }
            return None;
        }
        let update = touch && !self.child_running;
        let (mode, now) = (self.lru_mode, self.now_ms);
        let (rng, stats) = (&mut self.rng, &mut self.stats);
        match self.dbs[db].dict.get_key_value_mut(key) {
            Some((k, stored)) => {
                if count {
                    stats.keyspace_hits += 1;
                }
                if update {
                    k.set_lru(touched_lru(mode, now, k.lru(), rng));
                }
                Some(stored)
            }
            None => {
                if count {
                    stats.keyspace_misses += 1;
                }
                None
            }
        }
    }

    /// `lookupKeyRead`: lazy expiry, LRU update, hits/misses.
    pub fn lookup_read(&mut self, db: usize, key: &[u8]) -> Option<&mut Stored> {
        self.lookup(db, key, true, true)
    }

    /// `lookupKeyWrite`: lazy expiry and LRU update, no hit/miss counting.
    pub fn lookup_write(&mut self, db: usize, key: &[u8]) -> Option<&mut Stored> {
        self.lookup(db, key, true, false)
    }

    /// `lookupKeyReadWithFlags(LOOKUP_NOTOUCH)`: lazy expiry and hits/misses, no LRU update
    /// (TTL, TYPE, OBJECT, EXISTS).
    pub fn lookup_notouch(&mut self, db: usize, key: &[u8]) -> Option<&mut Stored> {
        self.lookup(db, key, false, true)
    }

    /// A lookup with lazy expiry only: no statistics, no LRU update (internal probes).
    pub fn lookup_quiet(&mut self, db: usize, key: &[u8]) -> Option<&mut Stored> {
        self.lookup(db, key, false, false)
    }

    /// `setKey`: store a value, keeping the old LRU on overwrite (as Redis's `dbOverwrite`),
    /// clearing any expire unless `keep_ttl`, and touching WATCHers.
    pub fn set_key(&mut self, db: usize, key: &[u8], value: Value, keep_ttl: bool) {
        let lru = self.new_lru();
        let d = &mut self.dbs[db];
        match d.dict.get_mut(key) {
            Some(old) => old.value = value,
            None => {
                d.dict.insert(crate::db::Key::with_lru(key, lru), Stored { value });
            }
        }
        if !keep_ttl {
            d.persist(key);
        }
        self.touch_watched(db, key);
    }

    /// Delete a key (DEL semantics; expiry already applied by the caller's lookup).
    pub fn delete(&mut self, db: usize, key: &[u8]) -> Option<Entry> {
        let entry = self.dbs[db].remove(key)?;
        self.touch_watched(db, key);
        Some(entry)
    }

    /// Record an effect to propagate.
    pub fn propagate(&mut self, db: usize, argv: Vec<Vec<u8>>) {
        if self.record_effects {
            self.effects.push(Effect { db, argv });
        }
    }

    // ---- WATCH -------------------------------------------------------------------------

    pub fn watch(&mut self, db: usize, key: &[u8], client: ClientId) {
        let expired = self.dbs[db].dict.contains_key(key) && self.is_expired(db, key);
        let list = self.watched[db].entry(Box::from(key)).or_default();
        if !list.iter().any(|(c, _)| *c == client) {
            list.push((client, expired));
        }
    }

    /// EXEC's `isWatchedKeyExpired` for one key: logically expired now, and not already
    /// expired when it was WATCHed.
    pub fn watched_key_expired(&self, db: usize, key: &[u8], client: ClientId) -> bool {
        let flagged = self.watched[db].get(key).is_some_and(|l| l.iter().any(|(c, e)| *c == client && *e));
        !flagged && self.dbs[db].dict.contains_key(key) && self.is_expired(db, key)
    }

    pub fn unwatch(&mut self, db: usize, key: &[u8], client: ClientId) {
        if let Some(list) = self.watched[db].get_mut(key) {
            list.retain(|(c, _)| *c != client);
            if list.is_empty() {
                self.watched[db].remove(key);
            }
        }
    }

    /// `touchWatchedKey`: mark every client watching `key` as dirty — except that deleting a
    /// key that was already expired when WATCHed is no logical change: the flag is cleared.
    pub fn touch_watched(&mut self, db: usize, key: &[u8]) {
        if self.watched[db].is_empty() {
            return;
        }
        let exists = self.dbs[db].dict.contains_key(key);
        if let Some(list) = self.watched[db].get_mut(key) {
            for (client, expired) in list.iter_mut() {
                if *expired && !exists {
                    *expired = false;
                } else {
                    self.dirty_cas.insert(*client);
                }
            }
        }
    }

    /// FLUSHDB/FLUSHALL/SWAPDB: touch watched keys of `db` that exist (or `all`).
    pub fn touch_all_watched(&mut self, db: usize) {
        let keys: Vec<Box<[u8]>> = self.watched[db].keys().cloned().collect();
        for key in keys {
            if self.dbs[db].dict.get(&key[..]).is_some() {
                self.touch_watched(db, &key);
            }
        }
    }

    /// Mark `client` dirty directly (e.g. a watched key expired before EXEC).
    pub fn mark_dirty(&mut self, client: ClientId) {
        self.dirty_cas.insert(client);
    }

    pub fn is_dirty_cas(&self, client: ClientId) -> bool {
        self.dirty_cas.contains(&client)
    }

    pub fn clear_dirty_cas(&mut self, client: ClientId) {
        self.dirty_cas.remove(&client);
    }

    /// Number of keys watched across all dbs (INFO `watching_clients`-like figures).
    pub fn watched_keys(&self) -> usize {
        self.watched.iter().map(|m| m.len()).sum()
    }

    /// Total keys in every db.
    pub fn total_keys(&self) -> usize {
        self.dbs.iter().map(Db::len).sum()
    }
}

/// The LRU/LFU field after an access (`updateLFU` / LRU clock).
fn touched_lru(mode: LruMode, now_ms: i64, old: u32, rng: &mut Rng) -> u32 {
    match mode {
        LruMode::Lru => object::lru_clock(now_ms),
        LruMode::Lfu { log_factor, decay_minutes } => {
            object::lfu_touch(old, now_ms, log_factor, decay_minutes, rng.unit())
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::object::Str;

    fn fill(ks: &mut Keyspace, from: usize, to: usize) {
        for i in from..to {
            ks.set_key(0, format!("k{i}").as_bytes(), Value::Str(Str::from_bytes(b"v")), false);
        }
    }

    /// While a fork child runs, tables do not grow until they are 5x overfull (copy-on-write),
    /// and grow again once it has ended.
    #[test]
    fn tables_do_not_grow_while_a_child_runs() {
        let mut ks = Keyspace::new(1, Rng::new(7));
        fill(&mut ks, 0, 64);
        let slots = ks.dbs[0].dict.slots();
        ks.set_child_running(true);
        fill(&mut ks, 64, 2 * slots);
        assert_eq!(ks.dbs[0].dict.slots(), slots, "grew while a child ran");
        ks.set_child_running(false);
        fill(&mut ks, 2 * slots, 2 * slots + 1);
        assert!(ks.dbs[0].dict.slots() > slots, "did not grow after the child ended");
    }
}
