//! Running seeds: one scenario through the harness into a [`SeedResult`], and the sum of many
//! results into a [`Summary`].
//!
//! Invariant: a [`SeedResult`] is a pure function of the seed (and the hooks): it holds no wall
//! time, and its `hash` covers the run's whole trace (every fs operation, every command and
//! reply, every flush and crash) plus its counters and failure, so two runs of a seed in any
//! order, on any shard or thread, give equal results. An engine panic is caught and reported as
//! a failure of kind `panic` instead of taking the campaign down.

use std::collections::BTreeMap;
use std::panic::{catch_unwind, AssertUnwindSafe};

use crate::check::Failure;
use crate::harness::{Harness, Hooks};
use crate::ledger::CrashRecord;
use crate::marks::Marks;
use crate::scenario::{Event, PersistMode, Scenario};
use crate::trace::Trace;

/// The outcome of one seed.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SeedResult {
    pub seed: u64,
    /// Hash of the trace, counters and failure (see the module doc).
    pub hash: u64,
    pub trace_hash: u64,
    pub commands: u64,
    pub writes: u64,
    pub crashes: u64,
    pub power_losses: u64,
    pub recoveries: u64,
    pub faults: BTreeMap<String, u64>,
    pub marks: Marks,
    pub failure: Option<Failure>,
    /// The persistence the seed ran under (`Mixed`: chosen per seed).
    pub persistence: PersistMode,
    /// Simulated time at the end of the run.
    pub sim_time_us: u64,
    /// The durability ledger: one record per crash.
    pub ledger: Vec<CrashRecord>,
    /// Start-up attempts refused under an injected fault, by normalized error.
    pub refusals: BTreeMap<String, u64>,
}

/// Run `seed`'s generated scenario.
pub fn run_seed(seed: u64) -> SeedResult {
    run_seed_with(seed, PersistMode::Mixed)
}

/// Run `seed`'s generated scenario with the persistence `mode` forced.
pub fn run_seed_with(seed: u64, mode: PersistMode) -> SeedResult {
    let mut result = run_scenario(&Scenario::generate_with(seed, mode), Hooks::default()).0;
    result.persistence = mode;
    result
}

/// Run a scenario; also returns the trace for `replay`.
pub fn run_scenario(scenario: &Scenario, hooks: Hooks) -> (SeedResult, Trace) {
    run_events(scenario, &scenario.events, hooks)
}

/// Run `events` (a subset of a scenario's, for `shrink`) under the scenario's configuration.
pub fn run_events(scenario: &Scenario, events: &[Event], hooks: Hooks) -> (SeedResult, Trace) {
    let mut harness = None;
    let outcome = catch_unwind(AssertUnwindSafe(|| {
        let h = harness.insert(Harness::new(scenario, hooks));
        h.run(events)
    }));
    let failure = match outcome {
        Ok(Ok(())) => None,
        Ok(Err(f)) => Some(f),
        Err(panic) => Some(panic_failure(panic.as_ref(), harness.as_ref())),
    };
    let Some(h) = harness else {
        let result = empty_result(scenario.seed, failure);
        return (result, Trace::new(0));
    };
    let trace = h.sim.trace.clone();
    let s = &h.stats;
    let mut result = SeedResult {
        seed: scenario.seed,
        hash: 0,
        trace_hash: trace.hash(),
        commands: s.commands,
        writes: s.writes,
        crashes: s.crashes,
        power_losses: s.power_losses,
        recoveries: s.recoveries,
        faults: h.fault_counts(),
        marks: s.marks.clone(),
        failure,
        persistence: PersistMode::Mixed,
        sim_time_us: h.now_us(),
        ledger: s.ledger.clone(),
        refusals: s.refusals.clone(),
    };
    result.hash = result_hash(&result);
    (result, trace)
}

fn panic_failure(panic: &(dyn std::any::Any + Send), harness: Option<&Harness>) -> Failure {
    let text = panic
        .downcast_ref::<String>()
        .cloned()
        .or_else(|| panic.downcast_ref::<&str>().map(|s| s.to_string()))
        .unwrap_or_else(|| "non-string panic payload".into());
    let event = harness.map_or(0, Harness::current_event);
    Failure { event, kind: "panic", at: "engine or harness".into(), detail: text }
}

fn empty_result(seed: u64, failure: Option<Failure>) -> SeedResult {
    let mut r = SeedResult {
        seed,
        hash: 0,
        trace_hash: 0,
        commands: 0,
        writes: 0,
        crashes: 0,
        power_losses: 0,
        recoveries: 0,
        faults: BTreeMap::new(),
        marks: Marks::default(),
        failure,
        persistence: PersistMode::Mixed,
        sim_time_us: 0,
        ledger: Vec::new(),
        refusals: BTreeMap::new(),
    };
    r.hash = result_hash(&r);
    r
}

/// FNV-1a over the result's deterministic fields.
fn result_hash(r: &SeedResult) -> u64 {
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    let mut eat = |bytes: &[u8]| {
        for &b in bytes {
            h ^= u64::from(b);
            h = h.wrapping_mul(0x0000_0100_0000_01b3);
        }
    };
    for n in [r.seed, r.trace_hash, r.commands, r.writes, r.crashes, r.power_losses, r.recoveries] {
        eat(&n.to_le_bytes());
    }
    for (k, v) in &r.faults {
        eat(k.as_bytes());
        eat(&v.to_le_bytes());
    }
    for (k, v) in r.marks.iter() {
        eat(k.as_bytes());
        eat(&v.to_le_bytes());
    }
    if let Some(f) = &r.failure {
        eat(f.to_string().as_bytes());
    }
    h
}

/// Totals over many seeds.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Summary {
    pub seeds: u64,
    pub commands: u64,
    pub writes: u64,
    pub crashes: u64,
    pub power_losses: u64,
    pub recoveries: u64,
    pub faults: BTreeMap<String, u64>,
    pub marks: Marks,
    /// Seeds that failed, in seed order.
    pub failed: Vec<u64>,
}

impl Summary {
    pub fn of(results: &[SeedResult]) -> Summary {
        let mut s = Summary::default();
        for r in results {
            s.add(r);
        }
        s
    }

    pub fn add(&mut self, r: &SeedResult) {
        self.seeds += 1;
        self.commands += r.commands;
        self.writes += r.writes;
        self.crashes += r.crashes;
        self.power_losses += r.power_losses;
        self.recoveries += r.recoveries;
        for (k, v) in &r.faults {
            *self.faults.entry(k.clone()).or_insert(0) += v;
        }
        self.marks.merge(&r.marks);
        if r.failure.is_some() {
            self.failed.push(r.seed);
            self.failed.sort_unstable();
        }
    }
}
