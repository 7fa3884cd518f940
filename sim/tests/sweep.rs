//! The default sweep: seeds `0..SWEEP_SEEDS` through the whole harness, with zero violations
//! allowed, and the coverage marks the current engine can reach all reached. The sweep runs
//! once per test binary (shared by both tests through a `OnceLock`).

use std::sync::OnceLock;

use keel::config::AppendFsync;
use keel_sim::fs::{Fault, FaultConfig, FsOp};
use keel_sim::marks::{self, MARKS};
use keel_sim::scenario::{Event, PersistMode, Scenario, ScenarioConfig};
use keel_sim::report::failure_report;
use keel_sim::runner::{run_scenario, run_seed, SeedResult, Summary};

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

/// Marks too rare for the default sweep's random seeds, each reached by a scripted scenario
/// below instead. A crash between a rewrite's rename and its directory fsync needs an injected
/// EIO on exactly that fsync: 1 crash in about 3,000 (the 100,000-seed campaign report counts
/// them), so 1,000 seeds reach it only by luck.
const TARGETED: &[&str] = &[marks::CRASH_AOF_RENAME_BEFORE_DIR_FSYNC];

#[test]
fn default_sweep_reaches_every_reachable_coverage_mark() {
    let s = Summary::of(sweep());
    let missing: Vec<&str> = s.marks.missing().into_iter().filter(|m| !TARGETED.contains(m)).collect();
    assert!(missing.is_empty(), "coverage marks never reached by the default sweep: {missing:?}");
    assert!(MARKS.iter().any(|(_, reachable)| !reachable), "future marks are registered too");
}

/// BGREWRITEAOF under `everysec` whose directory fsync after the rename fails, and so do cron's
/// retries: the machine loses power while the rename is not yet durable (the phase), and the
/// restart recovers a prefix the policy allows.
#[test]
fn a_crash_between_the_rewrite_rename_and_its_dir_fsync_is_reached_and_recovers() {
    let mut config = ScenarioConfig::from_seed_with(1, PersistMode::Aof(AppendFsync::Everysec));
    config.faults = FaultConfig::default();
    (config.hz, config.clients, config.save_points, config.auto_aof_rewrite_percentage) = (10, 1, Vec::new(), 0);
    let mut events = vec![Event::send(0, &[&["SET", "a", "1"]]), Event::Flush, Event::Admin { cmd: vec!["BGREWRITEAOF".into()] }];
    events.extend(vec![Event::ChildStep; 6]);
    events.extend(vec![Event::FailNext { op: FsOp::FsyncDir, fault: Fault::Eio }; 6]);
    events.extend([Event::Advance { us: 250_000 }, Event::Crash { power_loss: true }]);
    events.extend([Event::send(0, &[&["SET", "b", "2"]]), Event::Flush, Event::Audit]);
    let (result, _) = run_scenario(&Scenario { seed: 1, config, events }, Default::default());
    assert_eq!(result.failure, None);
    for m in TARGETED {
        assert!(result.marks.get(m) > 0, "{m:?} not reached: {:?}", result.marks);
    }
}
