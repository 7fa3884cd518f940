//! Coverage marks: named rare events a sweep should reach, counted per seed and summed per sweep.
//!
//! A mark is hit by the harness when it observes the event (e.g. an EXEC answered with a nil
//! array after a WATCHed key changed). Crash phases (`crash in phase: …`) are marks too: the
//! summary prints them as "crashes by phase". The registry [`MARKS`] lists every mark with whether the
//! engine's current features can reach it; marks for features still to come (AOF, RDB, fork)
//! are listed as unreachable so the summary shows them at 0 without failing the coverage test.
//! When a feature lands, flip its marks to reachable and make the harness hit them.
//!
//! Invariant: [`Marks::hit`] only accepts names listed in [`MARKS`] (a typo is a programmer
//! error and panics in debug builds; in release it is counted under its own name anyway).

use std::collections::BTreeMap;

pub const EXPIRED_ACTIVELY: &str = "key expired actively";
pub const EXPIRED_LAZILY: &str = "key expired lazily";
pub const PROCESS_CRASH: &str = "process crash";
pub const POWER_LOSS: &str = "power loss";
pub const RECOVERY_CHECKED: &str = "recovery checked";
pub const RECOVERED_NONEMPTY: &str = "recovered a non-empty state";
pub const PIPELINE_8: &str = "pipelined batch >= 8";
pub const SPLIT_FEED: &str = "command split across feeds";
pub const WATCH_ABORTED: &str = "WATCH aborted EXEC";
pub const EXECABORT: &str = "MULTI with EXECABORT";
pub const EXEC_COMMITTED: &str = "EXEC committed a transaction";
pub const BIG_TIME_JUMP: &str = "time jump >= 10 s";
pub const EMBSTR_RAW_BOUNDARY: &str = "44/45-byte value stored";
pub const NONDET_ADOPTED: &str = "nondeterministic reply adopted";
pub const CONFIG_SET: &str = "CONFIG SET applied";
pub const AOF_TAIL_TORN: &str = "AOF tail torn mid-command truncated at load";
pub const REWRITE_RACE: &str = "rewrite finished while writes arrived";
pub const FLUSH_POSTPONED: &str = "flush postponed because an fsync was pending";
pub const SHORT_WRITE_ROLLED_BACK: &str = "short write rolled back";
pub const CHILD_KILLED: &str = "child killed";
pub const MISCONF_CLEARED: &str = "MISCONF entered and cleared";
pub const EXPIRED_DURING_SNAPSHOT: &str = "key expired during a snapshot";
pub const RDB_LOADED: &str = "RDB loaded at start";
pub const AOF_LOADED: &str = "AOF loaded at start";
pub const SNAPSHOT_DURABLE: &str = "RDB snapshot made durable";
pub const REWRITE_INSTALLED: &str = "AOF rewrite installed";
pub const ORPHAN_STEPPED: &str = "orphan child stepped after a parent crash";
pub const FATAL_EXIT: &str = "fatal AOF error: exit without releasing replies";
pub const FSYNC_ERROR_SEEN: &str = "AOF fsync error seen by the engine";
pub const STARTUP_RETRIED: &str = "start-up failed under an injected fault and was retried";
pub const MISCONF_REPLY: &str = "write refused with MISCONF";
pub const LOST_ACKED_ALLOWED: &str = "acknowledged write lost within the policy's bound";

/// Crash phases: where a crash landed (counted as marks, printed as "crashes by phase").
pub const CRASH_PHASE_PREFIX: &str = "crash in phase: ";
pub const CRASH_RDB_FORKED: &str = "crash in phase: rdb child forked, nothing written";
pub const CRASH_RDB_WRITING: &str = "crash in phase: rdb temp file being written";
pub const CRASH_RDB_FSYNCED_BEFORE_RENAME: &str = "crash in phase: rdb after fsync, before rename";
pub const CRASH_RDB_RENAMED_BEFORE_DIR_FSYNC: &str = "crash in phase: rdb after rename, before dir fsync";
pub const CRASH_RDB_DONE_UNREAPED: &str = "crash in phase: rdb child done, not yet reaped";
pub const CRASH_AOF_REWRITE_CHILD: &str = "crash in phase: aof rewrite child running";
pub const CRASH_AOF_RENAME_BEFORE_DIR_FSYNC: &str = "crash in phase: aof rewrite renamed, before dir fsync";
pub const CRASH_AOF_FSYNC_IN_FLIGHT: &str = "crash in phase: aof background fsync in flight";
pub const CRASH_AOF_UNSYNCED: &str = "crash in phase: aof written, not yet fsynced";
pub const CRASH_IDLE: &str = "crash in phase: nothing pending";

/// Every mark: name and whether the current engine can reach it.
pub const MARKS: &[(&str, bool)] = &[
    (EXPIRED_ACTIVELY, true),
    (EXPIRED_LAZILY, true),
    (PROCESS_CRASH, true),
    (POWER_LOSS, true),
    (RECOVERY_CHECKED, true),
    (RECOVERED_NONEMPTY, true),
    (PIPELINE_8, true),
    (SPLIT_FEED, true),
    (WATCH_ABORTED, true),
    (EXECABORT, true),
    (EXEC_COMMITTED, true),
    (BIG_TIME_JUMP, true),
    (EMBSTR_RAW_BOUNDARY, true),
    (NONDET_ADOPTED, true),
    (CONFIG_SET, true),
    (AOF_TAIL_TORN, true),
    (REWRITE_RACE, true),
    (FLUSH_POSTPONED, true),
    (SHORT_WRITE_ROLLED_BACK, true),
    (CHILD_KILLED, true),
    (MISCONF_CLEARED, true),
    (EXPIRED_DURING_SNAPSHOT, true),
    (RDB_LOADED, true),
    (AOF_LOADED, true),
    (SNAPSHOT_DURABLE, true),
    (REWRITE_INSTALLED, true),
    (ORPHAN_STEPPED, true),
    (FATAL_EXIT, true),
    (FSYNC_ERROR_SEEN, true),
    (LOST_ACKED_ALLOWED, true),
    (STARTUP_RETRIED, false),
    (MISCONF_REPLY, true),
    (CRASH_RDB_FORKED, true),
    (CRASH_RDB_WRITING, true),
    (CRASH_RDB_FSYNCED_BEFORE_RENAME, true),
    (CRASH_RDB_RENAMED_BEFORE_DIR_FSYNC, true),
    (CRASH_RDB_DONE_UNREAPED, true),
    (CRASH_AOF_REWRITE_CHILD, true),
    (CRASH_AOF_RENAME_BEFORE_DIR_FSYNC, true),
    (CRASH_AOF_FSYNC_IN_FLIGHT, true),
    (CRASH_AOF_UNSYNCED, true),
    (CRASH_IDLE, true),
];

/// Is `name` a registered mark?
pub fn is_registered(name: &str) -> bool {
    MARKS.iter().any(|(m, _)| *m == name)
}

/// The marks the current engine can reach.
pub fn reachable() -> impl Iterator<Item = &'static str> {
    MARKS.iter().filter(|(_, r)| *r).map(|(m, _)| *m)
}

/// Counts of marks hit (only non-zero counts are stored).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Marks {
    counts: BTreeMap<String, u64>,
}

impl Marks {
    pub fn hit(&mut self, name: &str) {
        self.add(name, 1);
    }

    pub fn add(&mut self, name: &str, n: u64) {
        debug_assert!(is_registered(name), "unregistered coverage mark {name:?}");
        if n > 0 {
            *self.counts.entry(name.to_string()).or_insert(0) += n;
        }
    }

    /// Add a count under a name read from a result file (which may come from another
    /// version with other marks).
    pub fn add_unchecked(&mut self, name: &str, n: u64) {
        if n > 0 {
            *self.counts.entry(name.to_string()).or_insert(0) += n;
        }
    }

    pub fn get(&self, name: &str) -> u64 {
        self.counts.get(name).copied().unwrap_or(0)
    }

    /// Add every count of `other`.
    pub fn merge(&mut self, other: &Marks) {
        for (name, n) in &other.counts {
            *self.counts.entry(name.clone()).or_insert(0) += n;
        }
    }

    pub fn iter(&self) -> impl Iterator<Item = (&str, u64)> + '_ {
        self.counts.iter().map(|(k, v)| (k.as_str(), *v))
    }

    /// Reachable marks never hit.
    pub fn missing(&self) -> Vec<&'static str> {
        reachable().filter(|m| self.get(m) == 0).collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn missing_lists_reachable_marks_not_hit() {
        let mut m = Marks::default();
        assert!(m.missing().contains(&PROCESS_CRASH));
        m.hit(PROCESS_CRASH);
        assert!(!m.missing().contains(&PROCESS_CRASH));
        assert!(m.missing().contains(&AOF_TAIL_TORN));
        let mut sum = Marks::default();
        sum.merge(&m);
        sum.merge(&m);
        assert_eq!(sum.get(PROCESS_CRASH), 2);
    }
}
