//! The checks of a run: engine replies against the model, the whole keyspace against the model
//! (audit), and after every crash the durability oracle over the epoch's write log.
//!
//! # Epoch log
//! An *epoch* runs from a server start to its crash. [`EpochLog`] keeps the state the epoch
//! started from (the recovered state, prefix `k = 0`) and, for each executed write in execution
//! order (a MULTI/EXEC counts once), its client, size, execution and acknowledgement times and
//! its *delta*: the keys whose entry changed in the model, with their new entry (or none). The
//! state after prefix `k` is the base plus the first `k` deltas.
//!
//! Why deltas and not digests recorded at write time: a key with a TTL that was live when the
//! write ran may have expired by the time the server restarts, so the prefix states must be
//! compared as seen *at recovery time* (`now_ms` of the restart). At a crash the log replays the
//! deltas once, filtering each prefix state at that time, to build the oracle's
//! [`History`] with the right rolling digests; `full_compare(k)` rebuilds state `k` on demand.
//!
//! Invariant: deltas are diffs of the model's *unfiltered* state (expired-but-present keys
//! included), so base + deltas reproduces the model exactly; changes made by lazy expiry
//! between writes are folded into the next write's delta, which is harmless because such keys
//! are expired at recovery time anyway.

use std::collections::{BTreeMap, BTreeSet};
use std::fmt;

use keel::resp::Frame;
use keel::server::Server;
use keel_models::model::{digest_state, first_difference};
use keel_models::oracle::{
    check_ack_order, check_expiry_visibility, check_recovery, History, Policy, Recovery, RecoveryVerdict,
    Violation, WriteId,
};
use keel_models::{Model, Reply, State, Value};

/// A check that failed, with enough context to reproduce and understand it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Failure {
    /// Index of the scenario event during which the check failed.
    pub event: usize,
    /// Short class, used by `shrink` to keep the same failure: `reply`, `audit`, `recovery`,
    /// `ack-order`, `protocol`, `panic`.
    pub kind: &'static str,
    /// The first diverging command or key, if known.
    pub at: String,
    /// What was expected and what was found.
    pub detail: String,
}

impl fmt::Display for Failure {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} violation at event #{}: {}: {}", self.kind, self.event, self.at, self.detail)
    }
}

/// An engine reply frame as the model's reply type. RESP3-only frames (the workload never
/// negotiates RESP3) become an error text that no model reply equals.
pub fn frame_to_reply(frame: &Frame) -> Reply {
    match frame {
        Frame::Simple(s) => Reply::Simple(s.clone()),
        Frame::Error(s) => Reply::Error(s.clone()),
        Frame::Integer(n) => Reply::Int(*n),
        Frame::Bulk(b) => Reply::Bulk(b.clone()),
        Frame::Null => Reply::Nil,
        Frame::NullArray => Reply::NilArray,
        Frame::Array(items) => Reply::Array(items.iter().map(frame_to_reply).collect()),
        other => Reply::Error(format!("<unexpected RESP3 frame {other:?}>")),
    }
}

/// The engine's keyspace as a model state, every stored key included (expired or not).
pub fn engine_state(server: &Server) -> State {
    let mut state = State::new();
    for (index, db) in server.ks.dbs.iter().enumerate() {
        let mut keys = BTreeMap::new();
        for (key, entry) in db.dict.iter() {
            let value = model_value(&entry.value);
            keys.insert(key.to_vec(), (value, db.expire_of(key)));
        }
        if !keys.is_empty() {
            state.insert(index, keys);
        }
    }
    state
}

/// An engine value as the model represents it (no encodings).
fn model_value(value: &keel::object::Value) -> Value {
    use keel::object::Value as V;
    match value {
        V::Str(s) => Value::Str(s.to_bytes().into_owned()),
        V::List(l) => {
            let mut items = std::collections::VecDeque::new();
            l.for_each(&mut |e| items.push_back(e.to_vec()));
            Value::List(items)
        }
        V::Set(set) => {
            let mut items = std::collections::BTreeSet::new();
            set.for_each(&mut |m| {
                items.insert(m.to_vec());
            });
            Value::Set(items)
        }
        V::Hash(h) => {
            let mut fields = BTreeMap::new();
            h.for_each(&mut |f, v| {
                fields.insert(f.to_vec(), v.to_vec());
            });
            Value::Hash(fields)
        }
        V::ZSet(z) => {
            let mut members = BTreeMap::new();
            z.for_each(&mut |m, s| {
                members.insert(m.to_vec(), keel_models::model::Score(s));
            });
            Value::ZSet(members)
        }
        V::Stream(st) => {
            let entries = st.entries.iter().map(|(id, f)| ((id.ms, id.seq), f.clone())).collect();
            Value::Stream { entries, last_id: (st.last_id.ms, st.last_id.seq) }
        }
    }
}

/// `state` as visible at `now_ms`: keys whose expire time has passed removed.
pub fn visible_at(state: &State, now_ms: i64) -> State {
    let mut out = state.clone();
    for keys in out.values_mut() {
        keys.retain(|_, (_, expire)| expire.is_none_or(|t| now_ms <= t));
    }
    out.retain(|_, keys| !keys.is_empty());
    out
}

/// Audit: the engine's visible keyspace must equal the model's.
pub fn audit(server: &Server, model: &Model, now_ms: i64) -> Result<(), String> {
    let engine = visible_at(&engine_state(server), now_ms);
    match first_difference(&model.state(now_ms), &engine) {
        None => Ok(()),
        Some(diff) => Err(diff),
    }
}

type Delta = Vec<(usize, Vec<u8>, Option<(Value, Option<i64>)>)>;

#[derive(Clone, Debug)]
struct WriteRec {
    client: u64,
    txn_size: usize,
    executed_at_us: u64,
    acked_at_us: Option<u64>,
    delta: Delta,
}

/// An RDB snapshot of the epoch: its fork point (prefix length) and when it became durable.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
struct SnapshotRec {
    prefix_k: usize,
    forked_at_us: u64,
    durable_at_us: Option<u64>,
}

/// The writes of one epoch (see the module doc), with the durability evidence the harness
/// observed: durability points (writes `..k` durable from a time on), fsync errors the engine
/// saw, and RDB snapshots.
#[derive(Clone, Debug, Default)]
pub struct EpochLog {
    base: State,
    current: State,
    writes: Vec<WriteRec>,
    /// `(k, at_us)`: the first `k` writes are durable from `at_us` on (`k = 0`: a durability
    /// point covering no write of this epoch).
    durable: Vec<(usize, u64)>,
    /// `(at_us, durability points recorded before it)`.
    fsync_errors: Vec<(u64, usize)>,
    snapshots: Vec<SnapshotRec>,
}

fn diff(before: &State, after: &State) -> Delta {
    let empty = BTreeMap::new();
    let dbs: BTreeSet<usize> = before.keys().chain(after.keys()).copied().collect();
    let mut delta = Delta::new();
    for db in dbs {
        let (b, a) = (before.get(&db).unwrap_or(&empty), after.get(&db).unwrap_or(&empty));
        let keys: BTreeSet<&Vec<u8>> = b.keys().chain(a.keys()).collect();
        for key in keys {
            if b.get(key) != a.get(key) {
                delta.push((db, key.clone(), a.get(key).cloned()));
            }
        }
    }
    delta
}

fn apply_delta(state: &mut State, delta: &Delta) {
    for (db, key, entry) in delta {
        match entry {
            Some(e) => {
                state.entry(*db).or_default().insert(key.clone(), e.clone());
            }
            None => {
                if let Some(keys) = state.get_mut(db) {
                    keys.remove(key);
                    if keys.is_empty() {
                        state.remove(db);
                    }
                }
            }
        }
    }
}

impl EpochLog {
    /// An epoch starting from `base` (the model's unfiltered state at start).
    pub fn new(base: State) -> EpochLog {
        EpochLog { current: base.clone(), base, ..EpochLog::default() }
    }

    pub fn len(&self) -> usize {
        self.writes.len()
    }

    pub fn is_empty(&self) -> bool {
        self.writes.is_empty()
    }

    /// A write executed; `model` is the model right after it. Returns the write's index.
    pub fn record(&mut self, client: u64, txn_size: usize, executed_at_us: u64, model: &Model) -> usize {
        let after = model.state(i64::MIN);
        let delta = diff(&self.current, &after);
        self.current = after;
        self.writes.push(WriteRec { client, txn_size, executed_at_us, acked_at_us: None, delta });
        self.writes.len() - 1
    }

    /// When write `index` (0-based) executed.
    pub fn executed_at_us(&self, index: usize) -> Option<u64> {
        self.writes.get(index).map(|w| w.executed_at_us)
    }

    /// The client received the reply of write `index` at `at_us` (first ack wins).
    pub fn ack(&mut self, index: usize, at_us: u64) {
        if let Some(w) = self.writes.get_mut(index) {
            w.acked_at_us.get_or_insert(at_us);
        }
    }

    /// Unfiltered state after prefix `k`.
    pub fn prefix_state(&self, k: usize) -> State {
        let mut state = self.base.clone();
        for w in self.writes.iter().take(k) {
            apply_delta(&mut state, &w.delta);
        }
        state
    }

    /// The first `k` writes are durable from `at_us` on.
    pub fn durable_through(&mut self, k: usize, at_us: u64) {
        self.durable.push((k.min(self.writes.len()), at_us));
    }

    /// The engine saw an AOF fsync (or write) error at `at_us`.
    pub fn fsync_error(&mut self, at_us: u64) {
        self.fsync_errors.push((at_us, self.durable.len()));
    }

    pub fn fsync_errors(&self) -> usize {
        self.fsync_errors.len()
    }

    /// An RDB child forked (or a foreground save ran) after the first `prefix_k` writes;
    /// returns the snapshot's index.
    pub fn snapshot_forked(&mut self, prefix_k: usize, at_us: u64) -> usize {
        self.snapshots.push(SnapshotRec { prefix_k, forked_at_us: at_us, durable_at_us: None });
        self.snapshots.len() - 1
    }

    /// Snapshot `index`'s file, rename and directory fsync completed at `at_us`.
    pub fn snapshot_durable(&mut self, index: usize, at_us: u64) {
        if let Some(s) = self.snapshots.get_mut(index) {
            s.durable_at_us.get_or_insert(at_us);
        }
    }

    /// The durability evidence as oracle calls on `h`.
    fn add_evidence(&self, h: &mut History) {
        // Interleaved in the order they were observed (see `fsync_error`).
        let mut errors = self.fsync_errors.iter().peekable();
        for (i, &(k, at)) in self.durable.iter().enumerate() {
            while let Some(&(e, _)) = errors.next_if(|&&(_, seq)| seq <= i) {
                h.fsync_error(e);
            }
            h.durable_through(k.checked_sub(1).map(WriteId), at);
        }
        for &(e, _) in errors {
            h.fsync_error(e);
        }
        for s in &self.snapshots {
            let id = h.snapshot_forked(s.prefix_k.checked_sub(1).map(WriteId), s.forked_at_us);
            if let Some(at) = s.durable_at_us {
                h.snapshot_durable(id, at);
            }
        }
    }

    /// The oracle's history, digests taken of each prefix state as visible at `now_ms`.
    pub fn history(&self, now_ms: i64) -> History {
        let mut state = self.base.clone();
        let mut h = History::new(digest_state(&visible_at(&state, now_ms)));
        for w in &self.writes {
            apply_delta(&mut state, &w.delta);
            let id = h.write(w.client, digest_state(&visible_at(&state, now_ms)), w.txn_size, w.executed_at_us);
            if let Some(at) = w.acked_at_us {
                h.ack(id, at);
            }
        }
        self.add_evidence(&mut h);
        h
    }

    /// Ack ordering (and P3) over this epoch.
    pub fn check_acks(&self, policy: &Policy) -> Result<(), Violation> {
        let mut h = History::new(0);
        for w in &self.writes {
            let id = h.write(w.client, 0, w.txn_size, w.executed_at_us);
            if let Some(at) = w.acked_at_us {
                h.ack(id, at);
            }
        }
        self.add_evidence(&mut h);
        check_ack_order(&h, policy)
    }

    /// P1/P2 and expiry visibility for a restart that recovered `recovered` (unfiltered engine
    /// state) at `now_ms`, after a crash at `crash_at_us`.
    pub fn check_recovery(
        &self,
        recovered: &State,
        now_ms: i64,
        crash_at_us: u64,
        policy: Policy,
    ) -> Result<RecoveryVerdict, Violation> {
        let visible = visible_at(recovered, now_ms);
        let h = self.history(now_ms);
        let r = Recovery { recovered_digest: digest_state(&visible), crash_at_us, policy };
        let compare = |k: usize| first_difference(&visible_at(&self.prefix_state(k), now_ms), &visible);
        let verdict = check_recovery(&h, &r, compare)?;
        // The engine serves a stored key only while its expire time is in the future (lazy
        // expiry on every lookup), so what a client can see is `visible`; an AOF load may keep
        // expired keys stored until they are touched, which is not a violation. Keys served
        // after the restart are checked reply by reply against the reset model.
        check_expiry_visibility(&self.prefix_state(verdict.matched_prefix_k), &visible, now_ms)?;
        Ok(verdict)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn set(model: &mut Model, key: &str, value: &str, now_ms: i64) {
        let argv = vec![b"SET".to_vec(), key.as_bytes().to_vec(), value.as_bytes().to_vec()];
        model.apply(1, &argv, now_ms);
    }

    #[test]
    fn prefix_states_replay_the_model() {
        let mut model = Model::new();
        let mut log = EpochLog::new(model.state(i64::MIN));
        set(&mut model, "a", "1", 0);
        log.record(1, 1, 10, &model);
        set(&mut model, "a", "2", 0);
        log.record(1, 1, 20, &model);
        assert_eq!(log.prefix_state(2), model.state(i64::MIN));
        assert!(log.prefix_state(0).is_empty());
        assert_ne!(log.prefix_state(1), log.prefix_state(2));
    }

    #[test]
    fn recovery_of_the_empty_state_passes_only_under_no_persistence_when_nothing_was_kept() {
        let mut model = Model::new();
        let mut log = EpochLog::new(model.state(i64::MIN));
        set(&mut model, "a", "1", 0);
        let id = log.record(1, 1, 10, &model);
        log.ack(id, 11);
        let empty = State::new();
        assert!(log.check_recovery(&empty, 0, 20, Policy::None).is_ok());
        assert!(log.check_recovery(&empty, 0, 20, Policy::Always).is_err());
        let everything = model.state(i64::MIN);
        assert!(log.check_recovery(&everything, 0, 20, Policy::None).is_err());
        assert!(log.check_recovery(&everything, 0, 20, Policy::Always).is_ok());
    }

    #[test]
    fn frames_map_to_model_replies() {
        let f = Frame::Array(vec![Frame::Integer(1), Frame::Null, Frame::bulk("v")]);
        assert_eq!(frame_to_reply(&f), Reply::Array(vec![Reply::Int(1), Reply::Nil, Reply::bulk(b"v")]));
        assert!(frame_to_reply(&Frame::Boolean(true)).is_error());
    }
}
