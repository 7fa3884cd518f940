//! Shrinking a failing seed to a minimal scenario, printed as a ready-to-paste regression test.
//!
//! The failing scenario is replayed deterministically with parts removed; a candidate is kept
//! when it still fails with the same kind of failure (`reply`, `recovery`, …). Passes, each
//! repeated until nothing changes:
//! 1. events after the failing event are dropped;
//! 2. delta debugging (ddmin) over the event list: try removing chunks, halving the chunk size
//!    down to single events — this shrinks the command sequence and the crash schedule alike;
//! 3. single commands are removed from pipelined batches, and split feeds are fed whole;
//! 4. each SimFs fault kind is turned off (rate 0, no capacity limit, instant fsync).
//!
//! Every replay runs from the scenario's seed, so fault decisions, engine randomness and
//! latencies stay seeded; removing an event can change later random draws, which is fine: the
//! predicate is re-checked on each candidate and the result replays exactly.
//!
//! Invariant: the result fails when run with [`crate::runner::run_events`]; the number of
//! replays is bounded by `runs_max`.

use crate::check::Failure;
use crate::harness::Hooks;
use crate::runner::run_events;
use crate::scenario::{Event, Scenario, ScenarioConfig};

/// A minimal failing scenario.
#[derive(Clone, Debug)]
pub struct Shrunk {
    pub scenario: Scenario,
    pub failure: Failure,
    pub original_events: usize,
    pub runs: usize,
}

struct Shrinker {
    seed: u64,
    kind: &'static str,
    hooks: Hooks,
    runs: usize,
    runs_max: usize,
}

impl Shrinker {
    /// Does this candidate still fail the same way?
    fn fails(&mut self, config: &ScenarioConfig, events: &[Event]) -> Option<Failure> {
        if self.runs >= self.runs_max {
            return None;
        }
        self.runs += 1;
        let scenario = Scenario { seed: self.seed, config: config.clone(), events: Vec::new() };
        let failure = run_events(&scenario, events, self.hooks).0.failure?;
        (failure.kind == self.kind).then_some(failure)
    }

    /// ddmin: remove chunks of decreasing size while the failure persists.
    fn events(&mut self, config: &ScenarioConfig, mut events: Vec<Event>) -> Vec<Event> {
        let mut chunk = events.len().div_ceil(2).max(1);
        loop {
            let mut start = 0;
            let mut removed_any = false;
            while start < events.len() {
                let end = (start + chunk).min(events.len());
                let candidate: Vec<Event> = events[..start].iter().chain(&events[end..]).cloned().collect();
                if !candidate.is_empty() && self.fails(config, &candidate).is_some() {
                    events = candidate;
                    removed_any = true;
                } else {
                    start = end;
                }
            }
            if chunk == 1 && !removed_any {
                return events;
            }
            chunk = if removed_any { chunk } else { chunk.div_ceil(2) }.min(events.len().max(1));
        }
    }

    /// Remove single commands from batches, and feed batches whole instead of split.
    fn commands(&mut self, config: &ScenarioConfig, mut events: Vec<Event>) -> Vec<Event> {
        for i in 0..events.len() {
            if let Event::Send { client, cmds, split_permille: Some(_) } = &events[i] {
                let mut candidate = events.clone();
                candidate[i] = Event::Send { client: *client, cmds: cmds.clone(), split_permille: None };
                if self.fails(config, &candidate).is_some() {
                    events = candidate;
                }
            }
            let mut j = 0;
            while let Event::Send { client, cmds, split_permille } = &events[i] {
                if j >= cmds.len() || cmds.len() == 1 {
                    break;
                }
                let mut fewer = cmds.clone();
                fewer.remove(j);
                let mut candidate = events.clone();
                candidate[i] = Event::Send { client: *client, cmds: fewer, split_permille: *split_permille };
                if self.fails(config, &candidate).is_some() {
                    events = candidate;
                } else {
                    j += 1;
                }
            }
        }
        events
    }

    /// Turn fault kinds off one at a time.
    fn faults(&mut self, mut config: ScenarioConfig, events: &[Event]) -> ScenarioConfig {
        let edits: [fn(&mut ScenarioConfig); 6] = [
            |c| c.faults.short_write = 0.0,
            |c| c.faults.eio_write = 0.0,
            |c| c.faults.eio_fsync = 0.0,
            |c| c.faults.eio_close = 0.0,
            |c| c.faults.capacity_bytes = None,
            |c| c.faults.fsync_latency_us = (0, 0),
        ];
        for edit in edits {
            let mut candidate = config.clone();
            edit(&mut candidate);
            if candidate != config && self.fails(&candidate, events).is_some() {
                config = candidate;
            }
        }
        config
    }
}

/// Shrink `scenario`, which must fail (with `hooks`); `None` if it does not.
pub fn shrink(scenario: &Scenario, hooks: Hooks, runs_max: usize) -> Option<Shrunk> {
    let first = run_events(scenario, &scenario.events, hooks).0.failure?;
    let mut s = Shrinker { seed: scenario.seed, kind: first.kind, hooks, runs: 1, runs_max };
    let mut events: Vec<Event> = scenario.events[..=first.event.min(scenario.events.len() - 1)].to_vec();
    let mut config = scenario.config.clone();
    loop {
        let before = (events.len(), count_commands(&events), config.clone());
        events = s.events(&config, events);
        events = s.commands(&config, events);
        config = s.faults(config, &events);
        if (events.len(), count_commands(&events), config.clone()) == before || s.runs >= s.runs_max {
            break;
        }
    }
    let shrunk = Scenario { seed: scenario.seed, config, events };
    let failure = run_events(&shrunk, &shrunk.events, hooks).0.failure?;
    Some(Shrunk { scenario: shrunk, failure, original_events: scenario.events.len(), runs: s.runs })
}

fn count_commands(events: &[Event]) -> usize {
    events.iter().map(|e| if let Event::Send { cmds, .. } = e { cmds.len() } else { 0 }).sum()
}

/// The shrunk scenario as a regression test to paste into `sim/tests/`.
pub fn regression_test(s: &Shrunk, commit: &str) -> String {
    let seed = s.scenario.seed;
    let original = ScenarioConfig::from_seed(seed);
    let mut overrides = String::new();
    let f = &s.scenario.config.faults;
    let o = &original.faults;
    let fields: [(&str, String, String); 6] = [
        ("short_write", format!("{:?}", f.short_write), format!("{:?}", o.short_write)),
        ("eio_write", format!("{:?}", f.eio_write), format!("{:?}", o.eio_write)),
        ("eio_fsync", format!("{:?}", f.eio_fsync), format!("{:?}", o.eio_fsync)),
        ("eio_close", format!("{:?}", f.eio_close), format!("{:?}", o.eio_close)),
        ("capacity_bytes", format!("{:?}", f.capacity_bytes), format!("{:?}", o.capacity_bytes)),
        ("fsync_latency_us", format!("{:?}", f.fsync_latency_us), format!("{:?}", o.fsync_latency_us)),
    ];
    for (name, now, was) in fields {
        if now != was {
            overrides.push_str(&format!("    config.faults.{name} = {now};\n"));
        }
    }
    // A seed shrunk under a forced `--persistence` keeps that persistence.
    let c = &s.scenario.config;
    let persistence: [(&str, String, String); 4] = [
        ("appendonly", format!("{:?}", c.appendonly), format!("{:?}", original.appendonly)),
        ("appendfsync", format!("keel::config::AppendFsync::{:?}", c.appendfsync), format!("keel::config::AppendFsync::{:?}", original.appendfsync)),
        ("runtime_policy_changes", format!("{:?}", c.runtime_policy_changes), format!("{:?}", original.runtime_policy_changes)),
        ("no_appendfsync_on_rewrite", format!("{:?}", c.no_appendfsync_on_rewrite), format!("{:?}", original.no_appendfsync_on_rewrite)),
    ];
    for (name, now, was) in persistence {
        if now != was {
            overrides.push_str(&format!("    config.{name} = {now};\n"));
        }
    }
    let events: Vec<String> = s.scenario.events.iter().map(|e| format!("        {},", e.to_rust())).collect();
    format!(
        "/// Regression: keel-sim seed {seed} (commit {commit}).\n\
         /// Found: {failure}\n\
         /// Shrunk from {orig} to {n} events by `keel-sim shrink --seed {seed}`.\n\
         /// TODO: tell the story of the bug and its fix here.\n\
         #[test]\n\
         fn sim_seed_{seed}_{kind}_regression() {{\n\
         \x20   use keel_sim::scenario::{{Event, Scenario, ScenarioConfig}};\n\
         \x20   #[allow(unused_mut)]\n\
         \x20   let mut config = ScenarioConfig::from_seed({seed});\n\
         {overrides}\
         \x20   let events = vec![\n{events}\n    ];\n\
         \x20   let scenario = Scenario {{ seed: {seed}, config, events }};\n\
         \x20   let (result, _) = keel_sim::runner::run_scenario(&scenario, Default::default());\n\
         \x20   assert_eq!(result.failure, None, \"replay: cargo run -p keel-sim --release -- replay --seed {seed}\");\n\
         }}\n",
        failure = s.failure,
        orig = s.original_events,
        n = s.scenario.events.len(),
        kind = s.failure.kind.replace('-', "_"),
        events = events.join("\n"),
    )
}
