//! Reports: the one-screen summary, the failure report (seed, commit, replay command) and the
//! JSON result file that `run --json` writes and `merge` reads.
//!
//! JSON schema (one document):
//! `{"commit": "abc1234", "wall_ms": 1234, "results": [R...]}` where each `R` is
//! `{"seed": 7, "hash": "<16 hex>", "trace_hash": "<16 hex>", "commands": N, "writes": N,
//!   "crashes": N, "power_losses": N, "recoveries": N, "faults": {"Kind": N},
//!   "marks": {"name": N}, "failure": null | {"event": N, "kind": "...", "at": "...",
//!   "detail": "..."}, "persistence": "mixed", "sim_time_us": N, "ledger": ["<record>", ...],
//!   "refusals": {"<start-up error>": N}}`. `hash` is the per-seed result hash: equal for equal
//! runs. Ledger records are encoded as `ledger.rs` specifies. Files from before the ledger
//! existed (no `persistence`, `sim_time_us`, `ledger`, `refusals`) read with those empty.
//! `run` also writes `"jobs": J` and `"dirty": ["path", ...]` (files that differed from the
//! commit when the campaign ran) at the top level.

use std::collections::BTreeMap;
use std::fmt::Write as _;

use crate::check::Failure;
use crate::json::Json;
use crate::ledger::CrashRecord;
use crate::scenario::PersistMode;
use crate::marks::{Marks, CRASH_PHASE_PREFIX, MARKS};
use crate::runner::{SeedResult, Summary};

/// The replay command of a seed.
pub fn replay_command(seed: u64) -> String {
    format!("cargo run -p keel-sim --release -- replay --seed {seed}")
}

/// The replay command of a seed run under `mode`.
pub fn replay_command_with(seed: u64, mode: PersistMode) -> String {
    match mode {
        PersistMode::Mixed => replay_command(seed),
        m => format!("{} --persistence {}", replay_command(seed), m.name()),
    }
}

/// What every failure prints: seed, commit, the violation and how to replay it.
pub fn failure_report(seed: u64, commit: &str, failure: &Failure) -> String {
    format!(
        "FAILED seed {seed} (commit {commit})\n  {failure}\n  replay: {}\n  shrink: cargo run -p keel-sim --release -- shrink --seed {seed}\n",
        replay_command(seed)
    )
}

fn hex(n: u64) -> Json {
    Json::str(format!("{n:016x}"))
}

fn counts<'a>(items: impl Iterator<Item = (&'a str, u64)>) -> Json {
    Json::Obj(items.map(|(k, v)| (k.to_string(), Json::num(v))).collect())
}

pub fn result_to_json(r: &SeedResult) -> Json {
    let failure = r.failure.as_ref().map_or(Json::Null, |f| {
        Json::Obj(vec![
            ("event".into(), Json::num(f.event as u64)),
            ("kind".into(), Json::str(f.kind)),
            ("at".into(), Json::str(f.at.clone())),
            ("detail".into(), Json::str(f.detail.clone())),
        ])
    });
    Json::Obj(vec![
        ("seed".into(), Json::num(r.seed)),
        ("hash".into(), hex(r.hash)),
        ("trace_hash".into(), hex(r.trace_hash)),
        ("commands".into(), Json::num(r.commands)),
        ("writes".into(), Json::num(r.writes)),
        ("crashes".into(), Json::num(r.crashes)),
        ("power_losses".into(), Json::num(r.power_losses)),
        ("recoveries".into(), Json::num(r.recoveries)),
        ("faults".into(), counts(r.faults.iter().map(|(k, v)| (k.as_str(), *v)))),
        ("marks".into(), counts(r.marks.iter())),
        ("failure".into(), failure),
        ("persistence".into(), Json::str(r.persistence.name())),
        ("sim_time_us".into(), Json::num(r.sim_time_us)),
        ("ledger".into(), Json::Arr(r.ledger.iter().map(|c| Json::str(c.to_string())).collect())),
        ("refusals".into(), counts(r.refusals.iter().map(|(k, v)| (k.as_str(), *v)))),
    ])
}

/// A failure kind read back from a file: map it onto the static names the harness uses.
pub(crate) fn kind_name(kind: &str) -> &'static str {
    ["reply", "audit", "recovery", "ack-order", "protocol", "panic", "config", "startup"]
        .into_iter()
        .find(|k| *k == kind)
        .unwrap_or("other")
}

pub fn result_from_json(v: &Json) -> Result<SeedResult, String> {
    let num = |k: &str| v.get(k).and_then(Json::as_u64).ok_or_else(|| format!("result without {k}"));
    let hex = |k: &str| {
        let s = v.get(k).and_then(Json::as_str).ok_or_else(|| format!("result without {k}"))?;
        u64::from_str_radix(s, 16).map_err(|e| format!("{k}: {e}"))
    };
    let map = |k: &str| -> BTreeMap<String, u64> {
        match v.get(k) {
            Some(Json::Obj(m)) => m.iter().filter_map(|(k, n)| Some((k.clone(), n.as_u64()?))).collect(),
            _ => BTreeMap::new(),
        }
    };
    let mut marks = Marks::default();
    for (name, n) in map("marks") {
        marks.add_unchecked(&name, n);
    }
    let failure = match v.get("failure") {
        Some(f @ Json::Obj(_)) => Some(Failure {
            event: f.get("event").and_then(Json::as_u64).unwrap_or(0) as usize,
            kind: kind_name(f.get("kind").and_then(Json::as_str).unwrap_or("")),
            at: f.get("at").and_then(Json::as_str).unwrap_or("").to_string(),
            detail: f.get("detail").and_then(Json::as_str).unwrap_or("").to_string(),
        }),
        _ => None,
    };
    let persistence = match v.get("persistence").and_then(Json::as_str) {
        Some(p) => PersistMode::parse(p)?,
        None => PersistMode::Mixed,
    };
    let ledger = match v.get("ledger") {
        Some(Json::Arr(items)) => items
            .iter()
            .map(|i| i.as_str().ok_or_else(|| "a ledger record is not a string".to_string()).and_then(CrashRecord::parse))
            .collect::<Result<Vec<_>, _>>()?,
        _ => Vec::new(),
    };
    Ok(SeedResult {
        persistence,
        sim_time_us: v.get("sim_time_us").and_then(Json::as_u64).unwrap_or(0),
        ledger,
        refusals: map("refusals"),
        seed: num("seed")?,
        hash: hex("hash")?,
        trace_hash: hex("trace_hash")?,
        commands: num("commands")?,
        writes: num("writes")?,
        crashes: num("crashes")?,
        power_losses: num("power_losses")?,
        recoveries: num("recoveries")?,
        faults: map("faults"),
        marks,
        failure,
    })
}

/// The top-level facts of a result file besides its results.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct RunMeta {
    pub commit: String,
    pub wall_ms: u64,
    /// Worker threads (0: unknown).
    pub jobs: u64,
    /// Files that differed from the commit when the campaign ran.
    pub dirty: Vec<String>,
}

/// The result file of a campaign.
pub fn results_file(commit: &str, wall_ms: u64, results: &[SeedResult]) -> String {
    results_file_with(&RunMeta { commit: commit.into(), wall_ms, ..RunMeta::default() }, results)
}

/// The result file of a campaign, with every top-level fact.
pub fn results_file_with(meta: &RunMeta, results: &[SeedResult]) -> String {
    let dirty = Json::Arr(meta.dirty.iter().map(|d| Json::str(d.as_str())).collect());
    let doc = Json::Obj(vec![
        ("commit".into(), Json::str(meta.commit.as_str())),
        ("wall_ms".into(), Json::num(meta.wall_ms)),
        ("jobs".into(), Json::num(meta.jobs)),
        ("dirty".into(), dirty),
        ("results".into(), Json::Arr(results.iter().map(result_to_json).collect())),
    ]);
    let mut text = doc.to_text();
    text.push('\n');
    text
}

/// Read a result file: its commit, wall time and results.
pub fn read_results_file(text: &str) -> Result<(String, u64, Vec<SeedResult>), String> {
    read_results_with(text).map(|(meta, results)| (meta.commit, meta.wall_ms, results))
}

/// Read a result file with every top-level fact.
pub fn read_results_with(text: &str) -> Result<(RunMeta, Vec<SeedResult>), String> {
    let doc = Json::parse(text)?;
    let dirty = doc.get("dirty").and_then(Json::as_array).unwrap_or_default();
    let meta = RunMeta {
        commit: doc.get("commit").and_then(Json::as_str).unwrap_or("unknown").to_string(),
        wall_ms: doc.get("wall_ms").and_then(Json::as_u64).unwrap_or(0),
        jobs: doc.get("jobs").and_then(Json::as_u64).unwrap_or(0),
        dirty: dirty.iter().filter_map(|d| d.as_str().map(str::to_string)).collect(),
    };
    let Some(Json::Arr(items)) = doc.get("results") else {
        return Err("no \"results\" array".into());
    };
    let results = items.iter().map(result_from_json).collect::<Result<Vec<_>, _>>()?;
    Ok((meta, results))
}

fn rate(n: u64, wall_s: f64) -> String {
    if wall_s > 0.0 {
        format!("{:.0}", n as f64 / wall_s)
    } else {
        "-".into()
    }
}

/// The one-screen summary. `wall_s` is the campaign's wall time (0 if unknown).
pub fn summary_text(title: &str, s: &Summary, wall_s: f64) -> String {
    let mut out = String::new();
    let _ = writeln!(out, "{title}");
    let _ = writeln!(out, "  seeds        {:>10}   ({} seeds/s, wall {wall_s:.2} s)", s.seeds, rate(s.seeds, wall_s));
    let _ = writeln!(out, "  commands     {:>10}   ({} simulated commands/s)", s.commands, rate(s.commands, wall_s));
    let _ = writeln!(out, "  writes       {:>10}", s.writes);
    let _ = writeln!(out, "  crashes      {:>10}   process crashes, {} power losses", s.crashes, s.power_losses);
    let _ = writeln!(
        out,
        "  recoveries   {:>10}   ({} crash-recover-check cycles/s)",
        s.recoveries,
        rate(s.recoveries, wall_s)
    );
    let faults: Vec<String> = s.faults.iter().map(|(k, v)| format!("{k} {v}")).collect();
    let faults = if faults.is_empty() { "none".to_string() } else { faults.join(", ") };
    let _ = writeln!(out, "  faults       {faults}");
    let _ = writeln!(out, "  crashes by phase (process crashes + power losses + fatal exits):");
    for (name, _) in MARKS.iter().filter(|(m, _)| m.starts_with(CRASH_PHASE_PREFIX)) {
        let phase = &name[CRASH_PHASE_PREFIX.len()..];
        let _ = writeln!(out, "    {phase:<46} {:>9}", s.marks.get(name));
    }
    let _ = writeln!(out, "  coverage marks (count; '-' = not reachable by the current engine):");
    for (name, reachable) in MARKS.iter().filter(|(m, _)| !m.starts_with(CRASH_PHASE_PREFIX)) {
        let n = s.marks.get(name);
        let shown = if *reachable || n > 0 { n.to_string() } else { "-".into() };
        let flag = if *reachable && n == 0 { "   <- never reached" } else { "" };
        let _ = writeln!(out, "    {name:<46} {shown:>9}{flag}");
    }
    let _ = writeln!(out, "  violations   {:>10}", s.failed.len());
    if !s.failed.is_empty() {
        let shown: Vec<String> = s.failed.iter().take(20).map(u64::to_string).collect();
        let more = if s.failed.len() > 20 { " …" } else { "" };
        let _ = writeln!(out, "  failed seeds {}{more}", shown.join(" "));
    }
    out
}
