//! The ways a run can break the persistence contracts, each with what was expected, what was
//! found and, where a full comparison ran, the first diverging key.

use std::fmt;

use super::history::WriteId;

#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Violation {
    /// P2: an acknowledged (or otherwise required) write is missing after recovery.
    LostAckedWrite {
        required_k: usize,
        recovered_k: usize,
        first_lost: WriteId,
        first_diff: Option<String>,
    },
    /// P2 (any AOF policy): a write the harness saw made durable is missing after recovery.
    LostDurableWrite {
        durable_k: usize,
        recovered_k: usize,
        first_diff: Option<String>,
    },
    /// P1: the recovered state is no prefix state (a hole, a reordering, half a command).
    NotAPrefix {
        recovered_digest: u64,
        closest_k: usize,
        first_diff: Option<String>,
    },
    /// P1: the recovered state is a prefix plus part of the next MULTI/EXEC.
    HalfTransaction {
        txn: WriteId,
        commands_applied: usize,
        txn_size: usize,
    },
    /// RDB only: the state is a prefix, but not the fork point of an allowed snapshot.
    NotASnapshotPoint {
        recovered_k: usize,
        allowed_k: Vec<usize>,
    },
    /// Ack ordering: an ack precedes the write's execution.
    AckBeforeWrite {
        write: WriteId,
        executed_at_us: u64,
        acked_at_us: u64,
    },
    /// Ack ordering: one client's writes were acknowledged out of execution order.
    AckOutOfOrder {
        client: u64,
        earlier: WriteId,
        later: WriteId,
    },
    /// `appendfsync always`: an ack with no durability point covering the write before it.
    AckBeforeDurable {
        write: WriteId,
        acked_at_us: u64,
        durable_at_us: Option<u64>,
    },
    /// P3: a write acknowledged after an fsync error before a later durability point.
    FalseAckAfterError {
        write: WriteId,
        error_at_us: u64,
        acked_at_us: u64,
    },
    /// Expiry: a key whose expire time has passed is visible after recovery.
    ExpiredKeyVisible {
        db: usize,
        key: Vec<u8>,
        expire_at_ms: i64,
        now_ms: i64,
    },
    /// Expiry check: the recovered state differs from the prefix state otherwise.
    StateMismatch { first_diff: String },
}

fn diff(d: &Option<String>) -> String {
    d.as_ref()
        .map_or(String::new(), |d| format!("; first diverging key: {d}"))
}

impl fmt::Display for Violation {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        use Violation::*;
        match self {
            LostAckedWrite { required_k, recovered_k, first_lost, first_diff } => write!(
                f,
                "lost acknowledged write: expected a prefix of at least {required_k} writes, found prefix {recovered_k} (first lost write #{}){}",
                first_lost.0,
                diff(first_diff)
            ),
            LostDurableWrite { durable_k, recovered_k, first_diff } => write!(
                f,
                "lost durable write: writes ..{durable_k} were durable, found prefix {recovered_k}{}",
                diff(first_diff)
            ),
            NotAPrefix { recovered_digest, closest_k, first_diff } => write!(
                f,
                "recovered state (digest {recovered_digest:#018x}) is not the state after any prefix of executed writes; compared with prefix {closest_k}{}",
                diff(first_diff)
            ),
            HalfTransaction { txn, commands_applied, txn_size } => write!(
                f,
                "half a MULTI/EXEC recovered: transaction #{} has {txn_size} commands, found the state after {commands_applied} of them",
                txn.0
            ),
            NotASnapshotPoint { recovered_k, allowed_k } => write!(
                f,
                "RDB recovery: expected the fork point of the last durable snapshot (prefix in {allowed_k:?}), found prefix {recovered_k}"
            ),
            AckBeforeWrite { write, executed_at_us, acked_at_us } => write!(
                f,
                "write #{} acknowledged at {acked_at_us}us before it executed at {executed_at_us}us",
                write.0
            ),
            AckOutOfOrder { client, earlier, later } => write!(
                f,
                "client {client}: write #{} was acknowledged before the earlier write #{}",
                later.0, earlier.0
            ),
            AckBeforeDurable { write, acked_at_us, durable_at_us } => write!(
                f,
                "appendfsync always: write #{} acknowledged at {acked_at_us}us, expected after an fsync covering it, found fsync at {durable_at_us:?}",
                write.0
            ),
            FalseAckAfterError { write, error_at_us, acked_at_us } => write!(
                f,
                "false acknowledgement: write #{} acknowledged at {acked_at_us}us after an fsync error at {error_at_us}us with no durable fsync since",
                write.0
            ),
            ExpiredKeyVisible { db, key, expire_at_ms, now_ms } => write!(
                f,
                "expired key visible after recovery: db {db} key {:?} expired at {expire_at_ms}ms, now is {now_ms}ms",
                String::from_utf8_lossy(key)
            ),
            StateMismatch { first_diff } => write!(f, "recovered state differs from the prefix state: {first_diff}"),
        }
    }
}

impl std::error::Error for Violation {}
