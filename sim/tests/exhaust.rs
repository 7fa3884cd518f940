//! The bounded exhaustive mode: every crash point × every crash state of the short scenarios
//! recovers with no violation; the states include torn writes, and what a power loss keeps
//! really decides what is recovered; results are deterministic; and a broken run is reported
//! with its crash point and state.

use keel_sim::exhaust::{exhaust, exhaust_with, STATES_MAX_DEFAULT};
use keel_sim::exhaust_scenarios::{by_name, scenarios, SEED};
use keel_sim::fs::{KeepAll, LoseAll, PendingChoice, PowerLossPlan};
use keel_sim::harness::{Harness, Hooks};
use keel_sim::scenario::Scenario;

#[test]
fn every_crash_state_of_every_short_scenario_recovers() {
    let mut sites = std::collections::BTreeSet::new();
    let mut truncated = 0;
    for s in scenarios() {
        let r = exhaust(&s, STATES_MAX_DEFAULT);
        let shown: Vec<String> = r.violations.iter().take(5).map(|v| format!("crash point {} ({}), {}: {}", v.crash_point, v.site, v.state, v.failure)).collect();
        assert!(r.violations.is_empty(), "{}: {} violations:\n{}", r.name, r.violations.len(), shown.join("\n"));
        assert_eq!(r.capped_points, 0, "{}: every crash state is run", r.name);
        assert!(r.crash_points >= 4 && r.power_loss_states > r.crash_points, "{}: {r:?}", r.name);
        assert_eq!(r.states, r.power_loss_states + r.crash_points, "{}: one process crash per crash point", r.name);
        sites.extend(r.by_site.keys().cloned());
        truncated += r.outcomes.get("truncated").copied().unwrap_or(0);
    }
    for site in ["AOF write", "AOF fsync", "rewrite child write", "AOF rewrite rename", "dir fsync", "RDB temp write", "RDB rename"] {
        assert!(sites.contains(site), "no crash point after a {site:?}: {sites:?}");
    }
    assert!(truncated > 0, "some crash state leaves a torn AOF tail that the loader truncates");
}

#[test]
fn exhaustive_results_are_deterministic() {
    let s = by_name("bgrewriteaof-race-always").expect("a scenario");
    assert_eq!(exhaust(&s, STATES_MAX_DEFAULT), exhaust(&s, STATES_MAX_DEFAULT));
}

fn at_last_crash_point(name: &str) -> Harness {
    let s = by_name(name).expect("a scenario");
    let scenario = Scenario { seed: SEED, config: s.config, events: s.events };
    let points = exhaust(&by_name(name).expect("a scenario"), STATES_MAX_DEFAULT).crash_points;
    let mut h = Harness::new(&scenario, Hooks::default());
    h.sim.fs.arm_crash_point(points - 1);
    assert_eq!(h.run_to_crash_point(&scenario.events), Ok(true), "the last crash point is reached");
    h
}

fn recovered_prefix(name: &str, plan: &mut dyn PowerLossPlan) -> (u64, Option<u64>) {
    let mut h = at_last_crash_point(name);
    h.crash_at_crash_point(Some(plan)).expect("the recovery passes the oracle");
    let record = h.stats.ledger.last().expect("the crash is in the ledger").clone();
    (record.writes, record.k)
}

#[test]
fn what_a_power_loss_keeps_decides_the_recovered_prefix() {
    // Under `appendfsync no` nothing is fsynced, so losing every pending write recovers the
    // empty prefix and keeping all of them recovers every write.
    let (writes, lost_all) = recovered_prefix("set-no", &mut LoseAll);
    let (_, kept_all) = recovered_prefix("set-no", &mut KeepAll);
    assert!(writes >= 5, "{writes}");
    assert_eq!((lost_all, kept_all), (Some(0), Some(writes)));
    let h = at_last_crash_point("set-no");
    let choices = h.sim.fs.crash_point_choices().expect("a crash point was taken");
    let torn = choices.pending.iter().any(|c| matches!(c, PendingChoice::Write { pieces, .. } if *pieces >= 3));
    assert!(torn, "a three-sector write is pending, so it can be torn: {choices:?}");
}

#[test]
fn a_broken_run_is_reported_with_its_crash_point_and_state() {
    let s = by_name("set-always").expect("a scenario");
    let r = exhaust_with(&s, STATES_MAX_DEFAULT, Hooks { flip_reply_at: Some(1) });
    assert!(!r.violations.is_empty());
    let v = &r.violations[r.violations.len() - 1];
    assert_eq!(v.failure.kind, "reply", "{v:?}");
    assert!(v.failure.detail.contains("INJECTED"), "{v:?}");
}
