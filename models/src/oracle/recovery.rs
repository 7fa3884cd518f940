//! P1 + P2 after a crash: which prefix did the engine recover, and is it long enough for the
//! fsync policy?
//!
//! P1: candidates are the prefixes `k` whose rolling digest equals the recovered digest; states
//! repeat (SET a 1; DEL a), so several `k` may match and the largest one confirmed by the full
//! comparison callback is taken (the most favourable explanation for the engine). Under the
//! snapshot-only policies (`RdbOnly`, `None`) only the allowed snapshot points are candidates,
//! so a repeated state never hides an allowed point behind a larger disallowed one. No candidate:
//! `HalfTransaction` if the digest equals a partial state of a transaction, else `NotAPrefix`.
//!
//! P2, the lower bound `k_min` on the recovered prefix:
//! - `Always`: every write acknowledged before the crash;
//! - `Everysec { window_us }`: every write acknowledged more than `window_us` before the crash
//!   (the harness computes the window from the trace: cadence + postponement + fsync latency);
//! - `No`: none;
//! - for the three AOF policies, also every write the harness saw made durable, unless an fsync
//!   error happened before the crash (after EIO Linux may have dropped those pages);
//! - `RdbOnly`: not a bound but a set: the fork point of the last durable snapshot, or of a later
//!   snapshot still in flight at the crash (its rename may or may not have survived);
//! - `None` (no persistence): the empty state, k = 0.

use super::history::{History, WriteId};
use super::violation::Violation;

/// The persistence configuration in force at the crash.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Policy {
    Always,
    Everysec { window_us: u64 },
    No,
    RdbOnly,
    None,
}

/// What the harness observed at restart.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Recovery {
    /// `Model::digest` of the state the restarted engine serves (loaded into a model).
    pub recovered_digest: u64,
    pub crash_at_us: u64,
    pub policy: Policy,
}

/// A passing recovery: which prefix was recovered and what was required.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RecoveryVerdict {
    pub matched_prefix_k: usize,
    pub k_min: usize,
    /// Acknowledged writes not in the recovered prefix (allowed by the policy).
    pub lost_acked: usize,
}

/// Check P1 and P2. `full_compare(k)` compares the recovered state with the model's state after
/// prefix `k` and returns the first diverging key, or `None` if they are equal.
pub fn check_recovery(
    h: &History,
    r: &Recovery,
    full_compare: impl Fn(usize) -> Option<String>,
) -> Result<RecoveryVerdict, Violation> {
    let n = h
        .writes
        .iter()
        .take_while(|w| w.executed_at_us <= r.crash_at_us)
        .count();
    let allowed = allowed_points(h, r);
    let matching = |k: &usize| h.digest_at(*k) == Some(r.recovered_digest) && full_compare(*k).is_none();
    // Under snapshot-only policies states may repeat (a FLUSHALL, keys expired by recovery
    // time), so the largest matching prefix need not be an allowed point although an allowed
    // point matches too: only the allowed points are candidates.
    let matched = match &allowed {
        Some(points) => points.iter().rev().copied().find(|k| *k <= n && matching(k)),
        None => (0..=n).rev().find(matching),
    };
    let Some(k) = matched else {
        if let (Some(allowed_k), Some(recovered_k)) = (allowed, (0..=n).rev().find(matching)) {
            return Err(Violation::NotASnapshotPoint { recovered_k, allowed_k });
        }
        return Err(no_prefix(h, r, n, &full_compare));
    };
    let acked_before_crash = |i: usize| h.writes[i].acked_at_us.is_some_and(|a| a <= r.crash_at_us);
    let k_min = required_k(h, r, n);
    if k < k_min {
        let first_diff = full_compare(k_min);
        return Err(Violation::LostAckedWrite {
            required_k: k_min,
            recovered_k: k,
            first_lost: WriteId(k),
            first_diff,
        });
    }
    let durable_k = durable_floor(h, r).min(n);
    if k < durable_k {
        let first_diff = full_compare(durable_k);
        return Err(Violation::LostDurableWrite {
            durable_k,
            recovered_k: k,
            first_diff,
        });
    }
    let lost_acked = (k..n).filter(|&i| acked_before_crash(i)).count();
    Ok(RecoveryVerdict {
        matched_prefix_k: k,
        k_min,
        lost_acked,
    })
}

fn no_prefix(
    h: &History,
    r: &Recovery,
    n: usize,
    full_compare: &impl Fn(usize) -> Option<String>,
) -> Violation {
    for (i, w) in h.writes.iter().take(n).enumerate() {
        let partial = w
            .step_digests
            .iter()
            .take(w.step_digests.len().saturating_sub(1));
        if let Some(j) = partial.into_iter().position(|&d| d == r.recovered_digest) {
            return Violation::HalfTransaction {
                txn: WriteId(i),
                commands_applied: j + 1,
                txn_size: w.txn_size,
            };
        }
    }
    Violation::NotAPrefix {
        recovered_digest: r.recovered_digest,
        closest_k: n,
        first_diff: full_compare(n),
    }
}

/// P2's lower bound on k for the AOF policies (see the module doc).
fn required_k(h: &History, r: &Recovery, n: usize) -> usize {
    let acked_since = |min_age_us: u64| {
        h.writes
            .iter()
            .take(n)
            .enumerate()
            .filter(|(_, w)| {
                w.acked_at_us
                    .is_some_and(|a| a <= r.crash_at_us && r.crash_at_us - a > min_age_us)
            })
            .map(|(i, _)| i + 1)
            .max()
            .unwrap_or(0)
    };
    match r.policy {
        Policy::Always => h
            .writes
            .iter()
            .take(n)
            .enumerate()
            .filter(|(_, w)| w.acked_at_us.is_some_and(|a| a <= r.crash_at_us))
            .map(|(i, _)| i + 1)
            .max()
            .unwrap_or(0),
        Policy::Everysec { window_us } => acked_since(window_us),
        Policy::No | Policy::RdbOnly | Policy::None => 0,
    }
}

/// Writes seen durable before the crash, for AOF policies with no fsync error before it.
fn durable_floor(h: &History, r: &Recovery) -> usize {
    let aof = matches!(
        r.policy,
        Policy::Always | Policy::Everysec { .. } | Policy::No
    );
    let errored = h.fsync_errors.iter().any(|&e| e <= r.crash_at_us);
    if aof && !errored {
        h.durable_k_at(r.crash_at_us)
    } else {
        0
    }
}

/// The allowed recovered prefixes for snapshot-only policies; `None` for AOF policies.
fn allowed_points(h: &History, r: &Recovery) -> Option<Vec<usize>> {
    match r.policy {
        Policy::None => Some(vec![0]),
        Policy::RdbOnly => {
            let durable_by_crash =
                |s: &super::history::Snapshot| s.durable_at_us.is_some_and(|d| d <= r.crash_at_us);
            let last = h.snapshots.iter().rposition(durable_by_crash);
            let base = last.map_or(0, |i| h.snapshots[i].prefix_k);
            let first_after = last.map_or(0, |i| i + 1);
            let mut allowed: Vec<usize> = h.snapshots[first_after..]
                .iter()
                .filter(|s| s.forked_at_us <= r.crash_at_us)
                .map(|s| s.prefix_k)
                .collect();
            allowed.push(base);
            allowed.sort_unstable();
            allowed.dedup();
            Some(allowed)
        }
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// States repeat: prefix 2 (`SET a 1; DEL a`) equals prefix 0. A recovery of the empty state
    /// under `RdbOnly` with no durable snapshot is the allowed point 0, not the disallowed 2.
    #[test]
    fn a_repeated_state_matches_the_allowed_snapshot_point() {
        let mut h = History::new(7);
        h.write(1, 8, 1, 10);
        h.write(1, 7, 1, 20);
        let r = Recovery { recovered_digest: 7, crash_at_us: 30, policy: Policy::RdbOnly };
        let verdict = check_recovery(&h, &r, |_| None).expect("prefix 0 is allowed");
        assert_eq!(verdict.matched_prefix_k, 0);
        let r = Recovery { recovered_digest: 8, ..r };
        assert!(matches!(check_recovery(&h, &r, |_| None), Err(Violation::NotASnapshotPoint { recovered_k: 1, .. })));
    }
}
