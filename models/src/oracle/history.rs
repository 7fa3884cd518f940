//! The history the harness records: executed writes with their rolling digests, acks,
//! durability points, fsync errors and RDB snapshot points.
//!
//! Times are simulated microseconds. Invariants the harness must keep (checked by the
//! recording methods, which ignore out-of-range ids instead of panicking): writes are recorded
//! in execution order; `durable_through(Some(id))` means writes `..=id` are on stable storage as
//! the harness (which sees SimFs's durable bytes) observed it.

/// Index of a write in execution order.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct WriteId(pub usize);

/// Index of a registered RDB snapshot.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct SnapshotId(pub usize);

/// One executed write (or one whole MULTI/EXEC).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Write {
    pub client: u64,
    /// Model digest after this write (the rolling digest of the prefix ending here).
    pub digest_after: u64,
    /// Commands in the transaction (1 for a plain write).
    pub txn_size: usize,
    pub executed_at_us: u64,
    pub acked_at_us: Option<u64>,
    /// For a transaction: the model digest after each of its commands, if the harness gave
    /// them (the last one equals `digest_after`). Used to diagnose half a MULTI/EXEC.
    pub step_digests: Vec<u64>,
}

/// A durability point: writes `..=through` are durable from `at_us` on.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Durable {
    pub through: Option<WriteId>,
    pub at_us: u64,
}

/// An RDB snapshot: its fork point (prefix length) and when it became durable, if it did.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Snapshot {
    pub prefix_k: usize,
    pub forked_at_us: u64,
    pub durable_at_us: Option<u64>,
}

/// The recorded history. Built incrementally by the harness.
#[derive(Clone, Debug, Default)]
pub struct History {
    pub(crate) initial_digest: u64,
    pub(crate) writes: Vec<Write>,
    pub(crate) durable: Vec<Durable>,
    pub(crate) fsync_errors: Vec<u64>,
    /// Per fsync error, how many durability points were recorded before it: a point recorded
    /// after the error follows it even at the same simulated time (one cron can learn a
    /// background fsync error and then fsync a rewritten file).
    pub(crate) fsync_error_seq: Vec<usize>,
    pub(crate) snapshots: Vec<Snapshot>,
}

impl History {
    /// A history starting from a state with digest `initial_digest` (prefix k = 0), e.g.
    /// `Model::new().digest(0)`.
    pub fn new(initial_digest: u64) -> History {
        History {
            initial_digest,
            ..History::default()
        }
    }

    /// A write (or a whole MULTI/EXEC, as one atomic write) executed.
    pub fn write(
        &mut self,
        client: u64,
        digest_after: u64,
        txn_size: usize,
        executed_at_us: u64,
    ) -> WriteId {
        self.writes.push(Write {
            client,
            digest_after,
            txn_size,
            executed_at_us,
            acked_at_us: None,
            step_digests: Vec::new(),
        });
        WriteId(self.writes.len() - 1)
    }

    /// The model digest after each command of transaction `id` (for HalfTransaction).
    pub fn txn_step_digests(&mut self, id: WriteId, digests: Vec<u64>) {
        if let Some(w) = self.writes.get_mut(id.0) {
            w.step_digests = digests;
        }
    }

    /// The client saw the reply of write `id` at `at_us` (first ack wins).
    pub fn ack(&mut self, id: WriteId, at_us: u64) {
        if let Some(w) = self.writes.get_mut(id.0) {
            w.acked_at_us.get_or_insert(at_us);
        }
    }

    /// Writes `..=id` became durable at `at_us` (`None`: a durability point covering nothing).
    pub fn durable_through(&mut self, id: Option<WriteId>, at_us: u64) {
        self.durable.push(Durable { through: id, at_us });
    }

    /// An fsync (or AOF write) failed at `at_us`.
    pub fn fsync_error(&mut self, at_us: u64) {
        self.fsync_errors.push(at_us);
        self.fsync_error_seq.push(self.durable.len());
    }

    /// An RDB child forked after write `after` (`None`: before any write).
    pub fn snapshot_forked(&mut self, after: Option<WriteId>, at_us: u64) -> SnapshotId {
        let prefix_k = after.map_or(0, |w| w.0 + 1);
        self.snapshots.push(Snapshot {
            prefix_k,
            forked_at_us: at_us,
            durable_at_us: None,
        });
        SnapshotId(self.snapshots.len() - 1)
    }

    /// The snapshot's file, rename and directory fsync all completed at `at_us`.
    pub fn snapshot_durable(&mut self, id: SnapshotId, at_us: u64) {
        if let Some(s) = self.snapshots.get_mut(id.0) {
            s.durable_at_us.get_or_insert(at_us);
        }
    }

    pub fn writes(&self) -> &[Write] {
        &self.writes
    }

    /// Digest of the state after prefix `k` (`k = 0` is the initial state).
    pub fn digest_at(&self, k: usize) -> Option<u64> {
        match k {
            0 => Some(self.initial_digest),
            k => self.writes.get(k - 1).map(|w| w.digest_after),
        }
    }

    /// The highest write covered by a durability point observed at or before `t_us`.
    pub(crate) fn durable_k_at(&self, t_us: u64) -> usize {
        self.durable
            .iter()
            .filter(|d| d.at_us <= t_us)
            .filter_map(|d| d.through)
            .map(|w| w.0 + 1)
            .max()
            .unwrap_or(0)
    }

    /// Did any durability point covering `id` happen in `(after_us, until_us]`?
    pub(crate) fn covered_between(
        &self,
        id: WriteId,
        after_us: Option<u64>,
        until_us: u64,
    ) -> bool {
        self.durable.iter().any(|d| {
            d.through.is_some_and(|t| t >= id)
                && d.at_us <= until_us
                && after_us.is_none_or(|a| d.at_us > a)
        })
    }
}
