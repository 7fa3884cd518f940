//! The checks themselves are tested: a fake engine bug (one reply corrupted by a test-only
//! harness hook) must be reported with its seed, event, expected and found reply, and the
//! replay command; and `shrink` must cut the failing scenario down to a few events.

use keel_sim::harness::Hooks;
use keel_sim::report::failure_report;
use keel_sim::runner::run_scenario;
use keel_sim::scenario::{Event, Scenario};
use keel_sim::shrink::{regression_test, shrink};

fn flipped(at: u64) -> Hooks {
    Hooks { flip_reply_at: Some(at) }
}

#[test]
fn a_corrupted_reply_is_reported_with_seed_and_replay_command() {
    let scenario = Scenario::generate(3);
    let clean = run_scenario(&scenario, Hooks::default()).0;
    assert!(clean.commands > 20, "seed 3 runs enough commands for the test");
    let (result, _) = run_scenario(&scenario, flipped(10));
    let failure = result.failure.expect("the corrupted reply must be caught");
    assert_eq!(failure.kind, "reply");
    assert!(failure.detail.contains("INJECTED fake engine bug"), "{failure}");
    assert!(failure.detail.contains("expected"), "{failure}");
    let report = failure_report(3, "abc1234", &failure);
    assert!(report.contains("seed 3"));
    assert!(report.contains("abc1234"));
    assert!(report.contains("cargo run -p keel-sim --release -- replay --seed 3"));
    assert_ne!(result.hash, clean.hash);
}

#[test]
fn the_first_reply_of_any_seed_is_checked() {
    for seed in 0..10 {
        let scenario = Scenario::generate(seed);
        let (result, _) = run_scenario(&scenario, flipped(0));
        let sent = scenario.events.iter().any(|e| matches!(e, Event::Send { .. }));
        assert_eq!(result.failure.is_some(), sent, "seed {seed}");
    }
}

#[test]
fn shrink_reduces_a_failing_scenario_to_a_small_regression_test() {
    let scenario = Scenario::generate(3);
    let shrunk = shrink(&scenario, flipped(10), 5_000).expect("the scenario fails");
    assert_eq!(shrunk.failure.kind, "reply");
    assert!(shrunk.scenario.events.len() <= 3, "shrunk to {:?}", shrunk.scenario.events);
    assert!(shrunk.scenario.events.len() < shrunk.original_events);
    let again = run_scenario(&shrunk.scenario, flipped(10)).0;
    assert!(again.failure.is_some(), "the shrunk scenario still fails");
    let test = regression_test(&shrunk, "abc1234");
    assert!(test.contains("fn sim_seed_3_reply_regression()"));
    assert!(test.contains("ScenarioConfig::from_seed(3)"));
    assert!(test.contains("Event::send("));
}
