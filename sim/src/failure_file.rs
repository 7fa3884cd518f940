//! Failure files, `reports/failures/<commit7>-<seed>.json` (`<commit7>-<seed>-<persistence>.json`
//! under a forced `--persistence`): everything needed to replay one
//! failure exactly, written by `keel-sim report` (and `keel-sim shrink --out DIR`) and replayed
//! by `keel-sim replay --file F`. A failure that does not replay from its file to the same
//! first divergence is itself a bug (`replay --file` exits 3).
//!
//! Schema (pretty-printed JSON):
//! ```text
//! {"format": "keel-sim failure 1", "seed": 7, "commit": "abc1234", "persistence": "always",
//!  "replay": "cargo run -p keel-sim --release -- replay --file reports/failures/abc1234-7.json",
//!  "hooks": {"flip_reply_at": null},                 // test-only harness hooks in force
//!  "config": {...},                                  // scenario_json::config_to_json
//!  "fault_schedule": {"rates": {...},                // scenario_json::faults_to_json
//!                     "events": [{"event": 3, "what": "FailNext { op: Fsync, fault: Eio }"}]},
//!  "events": [...],                                  // the minimized scenario's events
//!  "original_events": 412, "shrink_runs": 950,
//!  "first_divergence": {"event": 2, "kind": "recovery", "at": "...", "detail": "expected ..., found ..."},
//!  "trace": ["event #0: ...", ...]}                  // the minimized run's trace (capped)
//! ```
//! The fault schedule's `events` list the crash and fault events of `events` for reading; the
//! replay uses `config`, `fault_schedule.rates`, `events` and `hooks`.

use crate::check::Failure;
use crate::harness::Hooks;
use crate::json::Json;
use crate::report::kind_name;
use crate::runner::run_events;
use crate::scenario::{Event, PersistMode, Scenario};
use crate::scenario_json::{config_from_json, config_to_json, event_to_json, events_from_json, faults_from_json, faults_to_json};
use crate::shrink::Shrunk;

/// The `format` member of every failure file.
pub const FORMAT: &str = "keel-sim failure 1";
/// Trace lines kept in a failure file.
pub const TRACE_LINES_MAX: usize = 3000;

/// One failure, as written to and read from its file.
#[derive(Clone, Debug, PartialEq)]
pub struct FailureFile {
    pub commit: String,
    pub persistence: PersistMode,
    pub hooks: Hooks,
    /// The minimized scenario (seed, configuration, events).
    pub scenario: Scenario,
    pub original_events: usize,
    pub shrink_runs: usize,
    /// The first divergence the minimized scenario shows.
    pub failure: Failure,
    pub trace: Vec<String>,
}

/// What replaying a failure file showed.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Replayed {
    /// The same first divergence (event, kind, place and detail).
    Same(Failure),
    /// Another failure than the one recorded.
    Different(Failure),
    /// No failure at all.
    Passed,
}

fn failure_to_json(f: &Failure) -> Json {
    Json::obj([
        ("event", Json::num(f.event as u64)),
        ("kind", Json::str(f.kind)),
        ("at", Json::str(f.at.as_str())),
        ("detail", Json::str(f.detail.as_str())),
    ])
}

fn failure_from_json(v: &Json) -> Result<Failure, String> {
    let text = |k: &str| v.get(k).and_then(Json::as_str).map(str::to_string).ok_or_else(|| format!("first_divergence without {k}"));
    Ok(Failure {
        event: v.get("event").and_then(Json::as_u64).ok_or("first_divergence without event")? as usize,
        kind: kind_name(&text("kind")?),
        at: text("at")?,
        detail: text("detail")?,
    })
}

/// Crash and fault events of a scenario, for the file's `fault_schedule`.
fn schedule(events: &[Event]) -> Json {
    let faulty = |e: &Event| {
        matches!(e, Event::FailNext { .. } | Event::Crash { .. } | Event::CrashKeepChild | Event::KillChild)
    };
    let items = events
        .iter()
        .enumerate()
        .filter(|(_, e)| faulty(e))
        .map(|(i, e)| Json::obj([("event", Json::num(i as u64)), ("what", Json::str(format!("{e:?}")))]))
        .collect();
    Json::Arr(items)
}

impl FailureFile {
    /// The file for a shrunk failure; replays it once to record its trace.
    pub fn from_shrunk(shrunk: &Shrunk, commit: &str, persistence: PersistMode, hooks: Hooks) -> FailureFile {
        let (_, trace) = run_events(&shrunk.scenario, &shrunk.scenario.events, hooks);
        let mut lines = trace.events();
        lines.truncate(TRACE_LINES_MAX);
        FailureFile {
            commit: commit.to_string(),
            persistence,
            hooks,
            scenario: shrunk.scenario.clone(),
            original_events: shrunk.original_events,
            shrink_runs: shrunk.runs,
            failure: shrunk.failure.clone(),
            trace: lines,
        }
    }

    /// `<commit7>-<seed>.json`, or `<commit7>-<seed>-<persistence>.json` for a seed run under a
    /// forced `--persistence` (the same seed fails differently under each policy).
    pub fn file_name(&self) -> String {
        let commit: String = self.commit.chars().take(7).collect();
        match self.persistence {
            PersistMode::Mixed => format!("{commit}-{}.json", self.scenario.seed),
            mode => format!("{commit}-{}-{}.json", self.scenario.seed, mode.name()),
        }
    }

    /// The JSON document; `path` is where the file will be (for its replay command).
    pub fn to_json(&self, path: &str) -> Json {
        let s = &self.scenario;
        let hooks = Json::obj([("flip_reply_at", self.hooks.flip_reply_at.map_or(Json::Null, Json::num))]);
        let schedule = Json::obj([("rates", faults_to_json(&s.config.faults)), ("events", schedule(&s.events))]);
        Json::obj([
            ("format", Json::str(FORMAT)),
            ("seed", Json::num(s.seed)),
            ("commit", Json::str(self.commit.as_str())),
            ("persistence", Json::str(self.persistence.name())),
            ("replay", Json::str(format!("cargo run -p keel-sim --release -- replay --file {path}"))),
            ("hooks", hooks),
            ("config", config_to_json(&s.config)),
            ("fault_schedule", schedule),
            ("events", Json::Arr(s.events.iter().map(event_to_json).collect())),
            ("original_events", Json::num(self.original_events as u64)),
            ("shrink_runs", Json::num(self.shrink_runs as u64)),
            ("first_divergence", failure_to_json(&self.failure)),
            ("trace", Json::Arr(self.trace.iter().map(|l| Json::str(l.as_str())).collect())),
        ])
    }

    /// Read a failure file.
    pub fn parse(text: &str) -> Result<FailureFile, String> {
        let v = Json::parse(text)?;
        if v.get("format").and_then(Json::as_str) != Some(FORMAT) {
            return Err(format!("not a failure file (no \"format\": {FORMAT:?})"));
        }
        let get = |k: &str| v.get(k).ok_or_else(|| format!("missing {k:?}"));
        let num = |k: &str| get(k)?.as_u64().ok_or_else(|| format!("{k:?} is not a number"));
        let rates = get("fault_schedule")?.get("rates").ok_or("fault_schedule without rates")?;
        let config = config_from_json(get("config")?, faults_from_json(rates)?)?;
        let flip = match get("hooks")?.get("flip_reply_at") {
            None | Some(Json::Null) => None,
            Some(n) => Some(n.as_u64().ok_or("bad hooks.flip_reply_at")?),
        };
        let trace = get("trace")?.as_array().unwrap_or_default().iter().filter_map(|l| l.as_str().map(str::to_string)).collect();
        Ok(FailureFile {
            commit: get("commit")?.as_str().unwrap_or("unknown").to_string(),
            persistence: PersistMode::parse(get("persistence")?.as_str().unwrap_or(""))?,
            hooks: Hooks { flip_reply_at: flip },
            scenario: Scenario { seed: num("seed")?, config, events: events_from_json(get("events")?)? },
            original_events: num("original_events")? as usize,
            shrink_runs: num("shrink_runs")? as usize,
            failure: failure_from_json(get("first_divergence")?)?,
            trace,
        })
    }

    /// Replay the minimized scenario with the recorded hooks and compare the first divergence.
    pub fn replay(&self) -> Replayed {
        let (result, _) = run_events(&self.scenario, &self.scenario.events, self.hooks);
        match result.failure {
            None => Replayed::Passed,
            Some(f) if f == self.failure => Replayed::Same(f),
            Some(f) => Replayed::Different(f),
        }
    }
}
