//! Values, entries and the visible-state snapshot, with the canonical digest.
//!
//! Invariants: a key is expired iff `now_ms > expire_at_ms` (Redis 7.0 `keyIsExpired`), and an
//! expired key is invisible to every command. `State` holds only visible keys, so two models
//! with the same visible data have equal `State`s and equal digests.
//!
//! Digest serialization (all integers little-endian, FNV-1a 64 over the bytes):
//! for each non-empty db in index order: `db:u64 nkeys:u64`, then per key in byte order
//! `klen:u64 key type:u8 value expire_tag:u8 [expire_at_ms:i64]`, where a string value is
//! `len:u64 bytes`, a list `n:u64 (len bytes)*`, a set the same in order, a hash
//! `n:u64 (flen field vlen value)*`. Example: db 0 with `"k" -> "v"`, no TTL, serializes as
//! `00*8 01 00*7 | 01 00*7 6b | 00 | 01 00*7 76 | 00`.

use std::collections::{BTreeMap, BTreeSet, VecDeque};

/// A value. No encodings: a list is a list, whatever Redis would store it as.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Value {
    Str(Vec<u8>),
    List(VecDeque<Vec<u8>>),
    Set(BTreeSet<Vec<u8>>),
    Hash(BTreeMap<Vec<u8>, Vec<u8>>),
    /// Member → score.
    ZSet(BTreeMap<Vec<u8>, Score>),
    /// Entries by `(ms, seq)` ID, each its flat field/value list; and the last ID ever added.
    /// Consumer groups are not modelled.
    Stream { entries: BTreeMap<(u64, u64), Vec<Vec<u8>>>, last_id: (u64, u64) },
}

/// A sorted-set score: an `f64` that is never NaN, ordered and hashed by value (`-0.0` and
/// `0.0` are the same score, as in Redis).
#[derive(Clone, Copy, Debug)]
pub struct Score(pub f64);

impl PartialEq for Score {
    fn eq(&self, other: &Score) -> bool {
        self.0 == other.0
    }
}

impl Eq for Score {}

impl PartialOrd for Score {
    fn partial_cmp(&self, other: &Score) -> Option<std::cmp::Ordering> {
        Some(self.cmp(other))
    }
}

impl Ord for Score {
    fn cmp(&self, other: &Score) -> std::cmp::Ordering {
        if self.0 == other.0 {
            std::cmp::Ordering::Equal
        } else {
            self.0.total_cmp(&other.0)
        }
    }
}

impl std::hash::Hash for Score {
    fn hash<H: std::hash::Hasher>(&self, state: &mut H) {
        let canonical = if self.0 == 0.0 { 0.0f64 } else { self.0 };
        canonical.to_bits().hash(state);
    }
}

impl Value {
    /// The TYPE reply for this value.
    pub fn type_name(&self) -> &'static str {
        match self {
            Value::Str(_) => "string",
            Value::List(_) => "list",
            Value::Set(_) => "set",
            Value::Hash(_) => "hash",
            Value::ZSet(_) => "zset",
            Value::Stream { .. } => "stream",
        }
    }

    fn tag(&self) -> u8 {
        match self {
            Value::Str(_) => 0,
            Value::List(_) => 1,
            Value::Set(_) => 2,
            Value::Hash(_) => 4,
            Value::ZSet(_) => 3,
            Value::Stream { .. } => 6,
        }
    }
}

/// One key's value and absolute expire time (unix ms).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Entry {
    pub value: Value,
    pub expire_at_ms: Option<i64>,
}

impl Entry {
    pub fn new(value: Value) -> Entry {
        Entry {
            value,
            expire_at_ms: None,
        }
    }

    /// Redis 7.0 `keyIsExpired`: `now > when`.
    pub fn is_expired(&self, now_ms: i64) -> bool {
        matches!(self.expire_at_ms, Some(when) if now_ms > when)
    }
}

/// One database: key -> entry, expired entries included until something removes them.
pub type Db = BTreeMap<Vec<u8>, Entry>;

/// Visible state: db index -> key -> (value, expire time). Empty dbs are omitted.
pub type State = BTreeMap<usize, BTreeMap<Vec<u8>, (Value, Option<i64>)>>;

/// The visible state of `dbs` at `now_ms`.
pub fn visible_state(dbs: &[Db], now_ms: i64) -> State {
    let mut state = State::new();
    for (index, db) in dbs.iter().enumerate() {
        let keys: BTreeMap<_, _> = db
            .iter()
            .filter(|(_, e)| !e.is_expired(now_ms))
            .map(|(k, e)| (k.clone(), (e.value.clone(), e.expire_at_ms)))
            .collect();
        if !keys.is_empty() {
            state.insert(index, keys);
        }
    }
    state
}

/// FNV-1a 64-bit, a fixed function so digests are stable across runs and platforms.
#[derive(Clone, Copy, Debug)]
pub struct Fnv64(u64);

impl Default for Fnv64 {
    fn default() -> Self {
        Fnv64(0xcbf2_9ce4_8422_2325)
    }
}

impl Fnv64 {
    pub fn bytes(&mut self, bytes: &[u8]) {
        for &b in bytes {
            self.0 ^= u64::from(b);
            self.0 = self.0.wrapping_mul(0x0000_0100_0000_01b3);
        }
    }

    pub fn u64(&mut self, v: u64) {
        self.bytes(&v.to_le_bytes());
    }

    fn blob(&mut self, bytes: &[u8]) {
        self.u64(bytes.len() as u64);
        self.bytes(bytes);
    }

    pub fn finish(&self) -> u64 {
        self.0
    }
}

/// The canonical digest of a visible state (serialization in the module doc).
pub fn digest_state(state: &State) -> u64 {
    let mut h = Fnv64::default();
    for (db, keys) in state {
        h.u64(*db as u64);
        h.u64(keys.len() as u64);
        for (key, (value, expire)) in keys {
            h.blob(key);
            digest_value(&mut h, value);
            match expire {
                None => h.bytes(&[0]),
                Some(t) => {
                    h.bytes(&[1]);
                    h.bytes(&t.to_le_bytes());
                }
            }
        }
    }
    h.finish()
}

fn digest_value(h: &mut Fnv64, value: &Value) {
    h.bytes(&[value.tag()]);
    match value {
        Value::Str(s) => h.blob(s),
        Value::List(items) => {
            h.u64(items.len() as u64);
            items.iter().for_each(|i| h.blob(i));
        }
        Value::Set(items) => {
            h.u64(items.len() as u64);
            items.iter().for_each(|i| h.blob(i));
        }
        Value::Hash(fields) => {
            h.u64(fields.len() as u64);
            for (f, v) in fields {
                h.blob(f);
                h.blob(v);
            }
        }
        Value::ZSet(members) => {
            h.u64(members.len() as u64);
            for (m, s) in members {
                h.blob(m);
                h.u64(if s.0 == 0.0 { 0 } else { s.0.to_bits() });
            }
        }
        Value::Stream { entries, last_id } => {
            h.u64(last_id.0);
            h.u64(last_id.1);
            h.u64(entries.len() as u64);
            for ((ms, seq), fields) in entries {
                h.u64(*ms);
                h.u64(*seq);
                h.u64(fields.len() as u64);
                fields.iter().for_each(|f| h.blob(f));
            }
        }
    }
}

/// The first difference between two states, as `db N key "k": expected .. found ..`,
/// or `None` when they are equal. Keys are visited in (db, key) order.
pub fn first_difference(expected: &State, found: &State) -> Option<String> {
    let empty = BTreeMap::new();
    let dbs: BTreeSet<usize> = expected.keys().chain(found.keys()).copied().collect();
    for db in dbs {
        let e = expected.get(&db).unwrap_or(&empty);
        let f = found.get(&db).unwrap_or(&empty);
        let keys: BTreeSet<&Vec<u8>> = e.keys().chain(f.keys()).collect();
        for key in keys {
            let (ev, fv) = (e.get(key), f.get(key));
            if ev != fv {
                return Some(format!(
                    "db {db} key {:?}: expected {}, found {}",
                    String::from_utf8_lossy(key),
                    describe(ev),
                    describe(fv)
                ));
            }
        }
    }
    None
}

fn describe(entry: Option<&(Value, Option<i64>)>) -> String {
    match entry {
        None => "no key".to_string(),
        Some((Value::Str(s), ttl)) => {
            format!(
                "string {:?} expire_at_ms {ttl:?}",
                String::from_utf8_lossy(s)
            )
        }
        Some((v, ttl)) => format!("{v:?} expire_at_ms {ttl:?}"),
    }
}
