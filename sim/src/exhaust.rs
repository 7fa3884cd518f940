//! The bounded exhaustive mode, `keel-sim exhaust` (CrashMonkey's bounded black-box idea,
//! inside the simulator): for each short scenario of `exhaust_scenarios.rs`, crash at **every**
//! disk-operation boundary and, at each, in **every** state a crash may leave, then restart and
//! run the oracle's check.
//!
//! # Crash states
//! A scenario's run (after the first start-up) performs `N` state-changing disk operations
//! (`fs/site.rs`), so it has `N + 1` crash points: before the first operation and after each.
//! At crash point `i` the crash states are:
//! - one **process crash** (the page cache survives whole);
//! - every **power loss** SimFs's fault model allows (`fs/crash.rs`): each pending write of a
//!   file a directory entry can name survives whole, is lost, or is torn after any of its
//!   512-byte pieces but the last; each pending `set_len` survives or not; an oldest-first
//!   prefix of the pending directory changes survives (`0..=m` of them). The states are the
//!   product of these choices, enumerated in mixed-radix order.
//!
//! Each state is a fresh, deterministic run of the scenario up to crash point `i`
//! (`SimFs::arm_crash_point`), then the crash, the restart and the check (P1–P4, expiry), as
//! after any crash of a campaign. A crash point with more than `states_max` power-loss states
//! runs only the first `states_max` of them and is counted as capped (the result says so: such
//! a scenario is not exhaustive).

use std::collections::BTreeMap;

use crate::check::Failure;
use crate::fs::{PendingChoice, PendingWrite, PowerLossChoices, PowerLossPlan, Survival};
use crate::harness::{Harness, Hooks};
use crate::json::Json;
use crate::exhaust_scenarios::{ExhaustScenario, SEED};
use crate::scenario::Scenario;

/// Default cap on power-loss states per crash point.
pub const STATES_MAX_DEFAULT: u64 = 100_000;

/// One violation found: where, in which state, and what the check said.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ExhaustViolation {
    pub crash_point: u64,
    pub site: String,
    /// `process crash`, or the power-loss choices (see [`describe`]).
    pub state: String,
    pub failure: Failure,
}

/// The outcome of one scenario.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct ExhaustResult {
    pub name: String,
    pub about: String,
    pub crash_points: u64,
    /// Crash states checked (process crashes + power-loss states).
    pub states: u64,
    pub power_loss_states: u64,
    /// Crash points whose power-loss states were more than `states_max`.
    pub capped_points: u64,
    /// Crash states checked, by the site of the operation the crash point follows.
    pub by_site: BTreeMap<String, u64>,
    /// Recoveries by outcome (`ledger::Outcome` names).
    pub outcomes: BTreeMap<String, u64>,
    pub violations: Vec<ExhaustViolation>,
}

/// A power loss that takes the choices of one enumerated state. Writes are keyed by inode and
/// position among its pending operations; `set_len` choices are taken per inode in visiting
/// order (`fs/crash.rs` visits each file's pending operations oldest first). Anything not
/// listed (a file no directory entry can name) is lost.
struct StatePlan {
    writes: BTreeMap<(u64, usize), u64>,
    set_lens: BTreeMap<u64, Vec<bool>>,
    dir_changes: usize,
}

impl PowerLossPlan for StatePlan {
    fn write(&mut self, w: &PendingWrite) -> Survival {
        match self.writes.get(&(w.ino, w.index)) {
            Some(0) => Survival::Whole,
            Some(&k) if k >= 2 => Survival::Torn { sectors: k - 1 },
            _ => Survival::Lost,
        }
    }
    fn set_len(&mut self, ino: u64, _: u64) -> bool {
        match self.set_lens.get_mut(&ino) {
            Some(v) if !v.is_empty() => v.remove(0),
            _ => false,
        }
    }
    fn dir_changes_kept(&mut self, pending: usize) -> usize {
        self.dir_changes.min(pending)
    }
}

/// The choices of state number `n` (mixed radix over `choices`, the directory prefix last).
fn decode(choices: &PowerLossChoices, mut n: u64) -> (Vec<u64>, usize) {
    let mut picks = Vec::with_capacity(choices.pending.len());
    for c in &choices.pending {
        let radix = c.outcomes();
        picks.push(n % radix);
        n /= radix;
    }
    (picks, n as usize)
}

/// Number of power-loss states (saturating).
pub fn state_count(choices: &PowerLossChoices) -> u64 {
    choices.pending.iter().fold(choices.dir_changes as u64 + 1, |acc, c| acc.saturating_mul(c.outcomes()))
}

/// A state in words: `"power loss: ino 3 op 0 torn after 1 of 2 sectors, ino 3 op 1 lost,
/// 1 of 2 directory changes kept"`.
pub fn describe(choices: &PowerLossChoices, picks: &[u64], dir_kept: usize) -> String {
    let mut parts = Vec::new();
    for (c, &p) in choices.pending.iter().zip(picks) {
        parts.push(match (*c, p) {
            (PendingChoice::Write { ino, index, .. }, 0) => format!("ino {ino} op {index} whole"),
            (PendingChoice::Write { ino, index, .. }, 1) => format!("ino {ino} op {index} lost"),
            (PendingChoice::Write { ino, index, pieces }, k) => {
                format!("ino {ino} op {index} torn after {} of {pieces} sectors", k - 1)
            }
            (PendingChoice::SetLen { ino, index }, 0) => format!("ino {ino} op {index} set_len kept"),
            (PendingChoice::SetLen { ino, index }, _) => format!("ino {ino} op {index} set_len lost"),
        });
    }
    parts.push(format!("{dir_kept} of {} directory changes kept", choices.dir_changes));
    format!("power loss: {}", parts.join(", "))
}

fn plan_of(choices: &PowerLossChoices, picks: &[u64], dir_kept: usize) -> StatePlan {
    let mut plan = StatePlan { writes: BTreeMap::new(), set_lens: BTreeMap::new(), dir_changes: dir_kept };
    for (c, &p) in choices.pending.iter().zip(picks) {
        match *c {
            PendingChoice::Write { ino, index, .. } => {
                plan.writes.insert((ino, index), p);
            }
            PendingChoice::SetLen { ino, .. } => plan.set_lens.entry(ino).or_default().push(p == 0),
        }
    }
    plan
}

struct Runner<'a> {
    scenario: Scenario,
    hooks: Hooks,
    result: &'a mut ExhaustResult,
}

impl Runner<'_> {
    /// A fresh run up to crash point `i`; `None` if the run has fewer operations.
    fn run_to(&self, i: u64) -> Result<Option<Harness>, Failure> {
        let mut h = Harness::new(&self.scenario, self.hooks);
        h.sim.fs.arm_crash_point(i);
        match h.run_to_crash_point(&self.scenario.events)? {
            true => Ok(Some(h)),
            false => Ok(None),
        }
    }

    /// Count one checked state and its recovery's outcome, or the violation.
    fn record(&mut self, point: u64, site: &str, state: String, checked: Result<&'static str, Failure>) {
        self.result.states += 1;
        *self.result.by_site.entry(site.to_string()).or_insert(0) += 1;
        match checked {
            Ok(outcome) => {
                *self.result.outcomes.entry(outcome.to_string()).or_insert(0) += 1;
            }
            Err(failure) => {
                *self.result.outcomes.entry("violation".into()).or_insert(0) += 1;
                self.result.violations.push(ExhaustViolation { crash_point: point, site: site.to_string(), state, failure });
            }
        }
    }

    /// Every crash state at crash point `i`; false when the run has no such point (or fails
    /// before it).
    fn crash_point(&mut self, i: u64, states_max: u64) -> bool {
        let mut h = match self.run_to(i) {
            Ok(Some(h)) => h,
            Ok(None) => return false,
            Err(failure) => {
                // The run fails before reaching crash point `i`, so it fails before every later
                // one too: report it once and stop.
                let v = ExhaustViolation { crash_point: i, site: "-".into(), state: "before the crash".into(), failure };
                self.result.violations.push(v);
                return false;
            }
        };
        let site = h.sim.fs.crash_point_taken().and_then(|(_, s)| s).map_or("start".into(), |s| s.label());
        let choices = h.sim.fs.crash_point_choices().unwrap_or_default();
        let checked = crash(&mut h, None);
        self.record(i, &site, "process crash".into(), checked);
        let total = state_count(&choices);
        if total > states_max {
            self.result.capped_points += 1;
        }
        for n in 0..total.min(states_max) {
            let (picks, dir_kept) = decode(&choices, n);
            let state = describe(&choices, &picks, dir_kept);
            let mut plan = plan_of(&choices, &picks, dir_kept);
            let checked = match self.run_to(i) {
                Ok(Some(mut h)) => crash(&mut h, Some(&mut plan)),
                Ok(None) => Err(not_deterministic(i)),
                Err(f) => Err(f),
            };
            self.record(i, &site, state, checked);
        }
        self.result.power_loss_states += total.min(states_max);
        self.result.crash_points += 1;
        true
    }
}

/// Crash at the crash point taken, restart and check; the recovery's outcome name.
fn crash(h: &mut Harness, plan: Option<&mut dyn PowerLossPlan>) -> Result<&'static str, Failure> {
    h.crash_at_crash_point(plan)?;
    Ok(h.stats.ledger.last().map_or("none", |r| r.outcome.name()))
}

fn not_deterministic(point: u64) -> Failure {
    let detail = "the crash point was not reached again: the scenario does not replay deterministically".into();
    Failure { event: 0, kind: "other", at: format!("exhaust crash point {point}"), detail }
}

/// Run every crash state of `s` (see the module doc).
pub fn exhaust(s: &ExhaustScenario, states_max: u64) -> ExhaustResult {
    exhaust_with(s, states_max, Hooks::default())
}

/// [`exhaust`] with test-only harness hooks.
pub fn exhaust_with(s: &ExhaustScenario, states_max: u64, hooks: Hooks) -> ExhaustResult {
    let mut result = ExhaustResult { name: s.name.into(), about: s.about.into(), ..ExhaustResult::default() };
    let scenario = Scenario { seed: SEED, config: s.config.clone(), events: s.events.clone() };
    let mut runner = Runner { scenario, hooks, result: &mut result };
    let mut i = 0;
    while runner.crash_point(i, states_max) {
        i += 1;
    }
    result
}

impl ExhaustResult {
    pub fn to_json(&self) -> Json {
        let counts = |m: &BTreeMap<String, u64>| Json::Obj(m.iter().map(|(k, v)| (k.clone(), Json::num(*v))).collect());
        let violations = self
            .violations
            .iter()
            .map(|v| {
                Json::obj([
                    ("crash_point", Json::num(v.crash_point)),
                    ("site", Json::str(v.site.as_str())),
                    ("state", Json::str(v.state.as_str())),
                    ("failure", Json::str(v.failure.to_string())),
                ])
            })
            .collect();
        Json::obj([
            ("name", Json::str(self.name.as_str())),
            ("about", Json::str(self.about.as_str())),
            ("crash_points", Json::num(self.crash_points)),
            ("states", Json::num(self.states)),
            ("power_loss_states", Json::num(self.power_loss_states)),
            ("capped_points", Json::num(self.capped_points)),
            ("by_site", counts(&self.by_site)),
            ("outcomes", counts(&self.outcomes)),
            ("violations", Json::Arr(violations)),
        ])
    }

    /// Read a result written by [`ExhaustResult::to_json`] (violations keep their text only).
    pub fn from_json(v: &Json) -> Result<ExhaustResult, String> {
        let num = |k: &str| v.get(k).and_then(Json::as_u64).ok_or_else(|| format!("exhaust result without {k}"));
        let text = |k: &str| v.get(k).and_then(Json::as_str).unwrap_or("").to_string();
        let counts = |k: &str| match v.get(k) {
            Some(Json::Obj(m)) => m.iter().filter_map(|(k, n)| Some((k.clone(), n.as_u64()?))).collect(),
            _ => BTreeMap::new(),
        };
        let violations = v
            .get("violations")
            .and_then(Json::as_array)
            .unwrap_or_default()
            .iter()
            .map(|x| ExhaustViolation {
                crash_point: x.get("crash_point").and_then(Json::as_u64).unwrap_or(0),
                site: x.get("site").and_then(Json::as_str).unwrap_or("").into(),
                state: x.get("state").and_then(Json::as_str).unwrap_or("").into(),
                failure: Failure { event: 0, kind: "other", at: String::new(), detail: x.get("failure").and_then(Json::as_str).unwrap_or("").into() },
            })
            .collect();
        Ok(ExhaustResult {
            name: text("name"),
            about: text("about"),
            crash_points: num("crash_points")?,
            states: num("states")?,
            power_loss_states: num("power_loss_states")?,
            capped_points: num("capped_points")?,
            by_site: counts("by_site"),
            outcomes: counts("outcomes"),
            violations,
        })
    }
}
