//! Keyspace access for commands: lookups with lazy expiry, typed reads, writes that keep or
//! drop the TTL, deletes. Every modification calls `touch` (Redis `signalModifiedKey`) so
//! WATCHers see it; a lazy expiry is a modification too, as in Redis 7.0.

use super::keyspace::{Entry, Value};
use super::reply::Reply;
use super::{Ctx, Model};

pub(super) const WRONGTYPE: &str =
    "WRONGTYPE Operation against a key holding the wrong kind of value";

pub(super) fn wrongtype() -> Reply {
    Reply::err(WRONGTYPE)
}

impl Model {
    /// Redis `expireIfNeeded`: delete `key` if it has expired. Returns true if it did.
    pub(super) fn expire_if_needed(&mut self, db: usize, key: &[u8], now_ms: i64) -> bool {
        let expired = self.dbs[db].get(key).is_some_and(|e| e.is_expired(now_ms));
        if expired {
            self.delete(db, key);
        }
        expired
    }

    /// Redis `lookupKey*`: the live entry, after lazily expiring it.
    pub(super) fn lookup(&mut self, db: usize, key: &[u8], now_ms: i64) -> Option<&mut Entry> {
        self.expire_if_needed(db, key, now_ms);
        self.dbs[db].get_mut(key)
    }

    /// Look `key` up in the context's db.
    pub(super) fn lookup_ctx(&mut self, ctx: &Ctx, key: &[u8]) -> Option<&mut Entry> {
        self.lookup(ctx.db, key, ctx.now_ms)
    }

    /// A string value: `Ok(None)` if missing, `Err(WRONGTYPE)` if another type.
    pub(super) fn get_str(&mut self, ctx: &Ctx, key: &[u8]) -> Result<Option<Vec<u8>>, Reply> {
        match self.lookup_ctx(ctx, key) {
            None => Ok(None),
            Some(Entry {
                value: Value::Str(s),
                ..
            }) => Ok(Some(s.clone())),
            Some(_) => Err(wrongtype()),
        }
    }

    /// Redis `setKey`: store `value`, dropping the TTL unless `keep_ttl`.
    pub(super) fn set_key(&mut self, db: usize, key: &[u8], value: Value, keep_ttl: bool) {
        let old_ttl = self.dbs[db].get(key).and_then(|e| e.expire_at_ms);
        let expire_at_ms = if keep_ttl { old_ttl } else { None };
        self.dbs[db].insert(
            key.to_vec(),
            Entry {
                value,
                expire_at_ms,
            },
        );
        self.touch(db, key);
    }

    /// Set or clear the absolute expire time of an existing key.
    pub(super) fn set_expire(&mut self, db: usize, key: &[u8], when_ms: Option<i64>) {
        if let Some(e) = self.dbs[db].get_mut(key) {
            e.expire_at_ms = when_ms;
            self.touch(db, key);
        }
    }

    /// Remove `key` (expired or not). Returns true if it was there.
    pub(super) fn delete(&mut self, db: usize, key: &[u8]) -> bool {
        let removed = self.dbs[db].remove(key).is_some();
        if removed {
            self.touch(db, key);
        }
        removed
    }

    /// Insert an entry as-is (RENAME, COPY, MOVE keep the expire time).
    pub(super) fn insert_entry(&mut self, db: usize, key: &[u8], entry: Entry) {
        self.dbs[db].insert(key.to_vec(), entry);
        self.touch(db, key);
    }

    /// Visible keys of a db in key order, without expiring anything (KEYS semantics).
    pub(super) fn visible_keys(&self, db: usize, now_ms: i64) -> Vec<Vec<u8>> {
        self.dbs[db]
            .iter()
            .filter(|(_, e)| !e.is_expired(now_ms))
            .map(|(k, _)| k.clone())
            .collect()
    }

    /// Number of keys physically present in a db, expired ones included (Redis `dictSize`).
    pub(super) fn physical_len(&self, db: usize) -> usize {
        self.dbs[db].len()
    }

    /// Is the key physically present and expired (Redis `keyIsExpired` on a present key)?
    pub(super) fn is_present_expired(&self, db: usize, key: &[u8], now_ms: i64) -> bool {
        self.dbs[db].get(key).is_some_and(|e| e.is_expired(now_ms))
    }

    pub(super) fn is_present(&self, db: usize, key: &[u8]) -> bool {
        self.dbs[db].contains_key(key)
    }
}
