//! The default sweep: seeds `0..SWEEP_SEEDS` through the whole harness, with zero violations
//! allowed, and the coverage marks the current engine can reach all reached. The sweep runs
//! once per test binary (shared by both tests through a `OnceLock`).

use std::sync::OnceLock;

use keel_sim::marks::MARKS;
use keel_sim::report::failure_report;
use keel_sim::runner::{run_seed, SeedResult, Summary};

/// Seeds in the default sweep. Measured at commit 6b3286a: 200 seeds take 1.7 s of CPU in the
/// opt-level-1 test profile (about 120 seeds/s), so 1000 seeds stay near 10 s, far under the
/// 2-minute CI budget on 2 cores.
const SWEEP_SEEDS: u64 = 1000;

fn sweep() -> &'static Vec<SeedResult> {
    static RESULTS: OnceLock<Vec<SeedResult>> = OnceLock::new();
    RESULTS.get_or_init(|| (0..SWEEP_SEEDS).map(run_seed).collect())
}

#[test]
fn default_sweep_has_no_violations() {
    let results = sweep();
    let commit = keel_sim::cli::commit();
    let reports: Vec<String> = results
        .iter()
        .filter_map(|r| r.failure.as_ref().map(|f| failure_report(r.seed, &commit, f)))
        .collect();
    assert!(reports.is_empty(), "{} of {SWEEP_SEEDS} seeds failed:\n{}", reports.len(), reports.join(""));
    let s = Summary::of(results);
    assert!(s.commands > 10_000, "the sweep runs a real workload ({} commands)", s.commands);
    assert!(s.recoveries > 0, "the sweep crashes and recovers");
}

#[test]
fn default_sweep_reaches_every_reachable_coverage_mark() {
    let s = Summary::of(sweep());
    let missing = s.marks.missing();
    assert!(missing.is_empty(), "coverage marks never reached by the default sweep: {missing:?}");
    assert!(MARKS.iter().any(|(_, reachable)| !reachable), "future marks are registered too");
}
