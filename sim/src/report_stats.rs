//! Campaign totals for the report (`report_md.rs`): the sums, the durability ledger per
//! policy, crash sites and phases, recovery outcomes, faults and coverage marks of one or more
//! campaign result files.
//!
//! Buckets (shared by the tables and the plots):
//! - `k - k_min` (how far above its lower bound a recovery was): 0, 1, 2, 3-4, 5-8, 9-16,
//!   17-64, 65+;
//! - acknowledged writes lost per crash: 0, 1, 2, 3-4, 5-8, 9+;
//! - data-loss window (simulated ms from the first write not recovered to the crash):
//!   0, ≤1, ≤10, ≤100, ≤1000, ≤10000, >10000.

use std::collections::BTreeMap;

use crate::ledger::{CrashRecord, Outcome};
use crate::marks::Marks;
use crate::runner::SeedResult;

/// Policies in report order (the oracle's names, `ledger.rs`).
pub const POLICIES: &[&str] = &["always", "everysec", "no", "rdb", "none"];

pub const SLACK_BUCKETS: &[(&str, u64)] = &[("0", 0), ("1", 1), ("2", 2), ("3-4", 4), ("5-8", 8), ("9-16", 16), ("17-64", 64), ("65+", u64::MAX)];
pub const LOST_BUCKETS: &[(&str, u64)] = &[("0", 0), ("1", 1), ("2", 2), ("3-4", 4), ("5-8", 8), ("9+", u64::MAX)];
pub const WINDOW_MS_BUCKETS: &[(&str, u64)] =
    &[("0", 0), ("≤1", 1), ("≤10", 10), ("≤100", 100), ("≤1000", 1000), ("≤10000", 10_000), (">10000", u64::MAX)];

/// Index of the first bucket whose upper bound is at least `v`.
pub fn bucket(buckets: &[(&str, u64)], v: u64) -> usize {
    buckets.iter().position(|(_, hi)| v <= *hi).unwrap_or(buckets.len() - 1)
}

/// The durability ledger of one policy.
#[derive(Clone, Debug, Default)]
pub struct PolicyLedger {
    pub crashes: u64,
    /// Crashes whose recovery the oracle accepted (k known).
    pub checked: u64,
    pub at_bound: u64,
    pub slack: Vec<u64>,
    pub lost: Vec<u64>,
    pub windows_ms: Vec<u64>,
    pub lost_total: u64,
    pub lost_max: u64,
    pub crashes_losing: u64,
    /// Executed writes not recovered, summed.
    pub unrecovered_total: u64,
}

impl PolicyLedger {
    fn add(&mut self, r: &CrashRecord) {
        self.crashes += 1;
        let (Some(k), Some(k_min)) = (r.k, r.k_min) else { return };
        self.checked += 1;
        if k == k_min {
            self.at_bound += 1;
        }
        self.slack.push(k.saturating_sub(k_min));
        self.lost.push(r.lost_acked);
        self.windows_ms.push(r.window_us / 1000);
        self.lost_total += r.lost_acked;
        self.lost_max = self.lost_max.max(r.lost_acked);
        self.crashes_losing += u64::from(r.lost_acked > 0);
        self.unrecovered_total += r.writes.saturating_sub(k);
    }

    /// Counts per bucket of `values`.
    pub fn histogram(values: &[u64], buckets: &[(&str, u64)]) -> Vec<(String, u64)> {
        let mut counts = vec![0; buckets.len()];
        for &v in values {
            counts[bucket(buckets, v)] += 1;
        }
        buckets.iter().zip(counts).map(|((name, _), n)| (name.to_string(), n)).collect()
    }
}

/// The `q` quantile (0..=1) of `values` (nearest rank), 0 when empty.
pub fn quantile(values: &[u64], q: f64) -> u64 {
    if values.is_empty() {
        return 0;
    }
    let mut sorted = values.to_vec();
    sorted.sort_unstable();
    let rank = ((q * sorted.len() as f64).ceil() as usize).clamp(1, sorted.len());
    sorted[rank - 1]
}

/// Seeds of one persistence mode.
#[derive(Clone, Debug, Default)]
pub struct ModeSeeds {
    pub count: u64,
    pub first: u64,
    pub last: u64,
}

/// Totals over every result of a report.
#[derive(Clone, Debug, Default)]
pub struct Totals {
    pub seeds: u64,
    pub modes: BTreeMap<String, ModeSeeds>,
    pub commands: u64,
    pub writes: u64,
    pub sim_time_us: u64,
    pub recoveries: u64,
    pub crash_kinds: BTreeMap<String, u64>,
    /// Server starts after crashes: one per crash plus each refused attempt.
    pub restarts: u64,
    pub ledger: BTreeMap<String, PolicyLedger>,
    pub sites: BTreeMap<String, u64>,
    pub phases: BTreeMap<String, u64>,
    pub outcomes: BTreeMap<Outcome, u64>,
    /// Start-up refusals retried under an injected fault, by normalized error.
    pub refusals: BTreeMap<String, u64>,
    pub faults: BTreeMap<String, u64>,
    pub marks: Marks,
    /// Failed seeds: persistence mode name, seed.
    pub failed: Vec<(String, u64)>,
}

impl Totals {
    pub fn of<'a>(results: impl IntoIterator<Item = &'a SeedResult>) -> Totals {
        let mut t = Totals::default();
        for r in results {
            t.add(r);
        }
        t
    }

    fn add(&mut self, r: &SeedResult) {
        self.seeds += 1;
        let mode = self.modes.entry(r.persistence.name().to_string()).or_insert(ModeSeeds { count: 0, first: r.seed, last: r.seed });
        mode.count += 1;
        mode.first = mode.first.min(r.seed);
        mode.last = mode.last.max(r.seed);
        self.commands += r.commands;
        self.writes += r.writes;
        self.sim_time_us += r.sim_time_us;
        self.recoveries += r.recoveries;
        for c in &r.ledger {
            *self.crash_kinds.entry(c.kind.clone()).or_insert(0) += 1;
            self.restarts += 1 + c.refused;
            self.ledger.entry(c.policy.clone()).or_default().add(c);
            *self.sites.entry(c.site.clone()).or_insert(0) += 1;
            *self.phases.entry(c.phase.clone()).or_insert(0) += 1;
            *self.outcomes.entry(c.outcome).or_insert(0) += 1;
        }
        for (k, v) in &r.refusals {
            *self.refusals.entry(k.clone()).or_insert(0) += v;
        }
        for (k, v) in &r.faults {
            *self.faults.entry(k.clone()).or_insert(0) += v;
        }
        self.marks.merge(&r.marks);
        if r.failure.is_some() {
            self.failed.push((r.persistence.name().to_string(), r.seed));
        }
    }

    /// Crashes in the ledger.
    pub fn crashes(&self) -> u64 {
        self.crash_kinds.values().sum()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn buckets_and_quantiles() {
        assert_eq!(bucket(SLACK_BUCKETS, 0), 0);
        assert_eq!(bucket(SLACK_BUCKETS, 3), 3);
        assert_eq!(bucket(SLACK_BUCKETS, 1000), SLACK_BUCKETS.len() - 1);
        assert_eq!(bucket(WINDOW_MS_BUCKETS, 11), 3);
        assert_eq!(quantile(&[5, 1, 3, 2, 4], 0.5), 3);
        assert_eq!(quantile(&[5, 1, 3, 2, 4], 1.0), 5);
        assert_eq!(quantile(&[], 0.99), 0);
        let h = PolicyLedger::histogram(&[0, 0, 1, 7, 100], LOST_BUCKETS);
        assert_eq!(h.iter().map(|(_, n)| *n).collect::<Vec<_>>(), vec![2, 1, 0, 0, 1, 1]);
    }
}
