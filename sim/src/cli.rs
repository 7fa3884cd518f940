//! The `keel-sim` command line: `run`, `merge`, `replay`, `shrink`, and (in `cli_report.rs`)
//! `report`, `exhaust`, `replay --file`.
//!
//! CLI layer: this file reads and writes result files with `std::fs`, asks git for the commit
//! with `std::process`, and (through [`crate::campaign`]) uses threads and the wall clock. None
//! of it reaches inside a seed. Exit codes: 0 = no violation, 1 = a violation, 2 = bad usage or
//! unreadable input.
#![allow(clippy::disallowed_methods)] // CLI layer: result files are real files, not SimFs.

use std::collections::BTreeMap;
// CLI layer: wall-clock only for --time-limit parsing and throughput.
use std::time::Duration;

use crate::campaign::Campaign;
use crate::harness::Hooks;
use crate::cli_report::{cmd_exhaust, cmd_replay_file, cmd_report, dirty_files, write_failure_file, ReportArgs};
use crate::failure_file::FailureFile;
use crate::report::{failure_report, read_results_with, replay_command, results_file_with, summary_text, RunMeta};
use crate::runner::{run_scenario, SeedResult, Summary};
use crate::scenario::{PersistMode, Scenario};
use crate::shrink::{regression_test, shrink};

const USAGE: &str = "usage:
  keel-sim run [--seeds N | --seed S] [--from A] [--jobs J] [--shard i/n] [--time-limit D] [--json F]
               [--persistence P]
  keel-sim merge F1 F2 ... [--json OUT]
  keel-sim replay --seed S [--trace] [--persistence P]
  keel-sim replay --file reports/failures/<commit7>-<seed>.json [--trace]
  keel-sim shrink --seed S [--runs N] [--trace] [--persistence P] [--failure-dir DIR]
  keel-sim exhaust [--scenario NAME] [--states-max N] [--json F]
  keel-sim report RESULT.json [MORE.json ...] [--exhaust EXHAUST.json] [--out DIR] [--name CAMPAIGN]
                  [--date YYYY-MM-DD] [--runs N]
durations: 90, 90s, 5m, 1h
persistence P: mixed (default: chosen per seed), rdb, always, everysec, no";

/// The commit this binary was built from: `KEEL_COMMIT` at build time, else `git rev-parse`.
pub fn commit() -> String {
    if let Some(c) = option_env!("KEEL_COMMIT") {
        return c.to_string();
    }
    std::process::Command::new("git")
        .args(["rev-parse", "--short", "HEAD"])
        .output()
        .ok()
        .filter(|o| o.status.success())
        .and_then(|o| String::from_utf8(o.stdout).ok())
        .map(|s| s.trim().to_string())
        .filter(|s| !s.is_empty())
        .unwrap_or_else(|| "unknown".into())
}

/// Parsed `--flag value` options and positional arguments.
struct Args {
    flags: BTreeMap<String, String>,
    switches: Vec<String>,
    positional: Vec<String>,
}

const SWITCHES: &[&str] = &["--trace", "--quiet"];

fn parse_args(args: &[String]) -> Result<Args, String> {
    let mut out = Args { flags: BTreeMap::new(), switches: Vec::new(), positional: Vec::new() };
    let mut it = args.iter();
    while let Some(a) = it.next() {
        if SWITCHES.contains(&a.as_str()) {
            out.switches.push(a.clone());
        } else if a.starts_with("--") {
            let v = it.next().ok_or_else(|| format!("{a} needs a value"))?;
            out.flags.insert(a.clone(), v.clone());
        } else {
            out.positional.push(a.clone());
        }
    }
    Ok(out)
}

impl Args {
    fn num(&self, name: &str) -> Result<Option<u64>, String> {
        self.flags.get(name).map(|v| v.parse().map_err(|_| format!("{name}: not a number: {v}"))).transpose()
    }

    fn has(&self, switch: &str) -> bool {
        self.switches.iter().any(|s| s == switch)
    }

    fn persistence(&self) -> Result<PersistMode, String> {
        self.flags.get("--persistence").map_or(Ok(PersistMode::Mixed), |p| PersistMode::parse(p))
    }
}

/// ` --persistence P` for replay commands, empty for the default.
fn persistence_flag(mode: PersistMode) -> String {
    if mode == PersistMode::Mixed {
        String::new()
    } else {
        format!(" --persistence {}", mode.name())
    }
}

/// `90`, `90s`, `5m`, `1h`.
pub fn parse_duration(text: &str) -> Result<Duration, String> {
    let (digits, unit) = text.split_at(text.find(|c: char| !c.is_ascii_digit()).unwrap_or(text.len()));
    let n: u64 = digits.parse().map_err(|_| format!("bad duration {text:?}"))?;
    let secs = match unit {
        "" | "s" => n,
        "m" => n * 60,
        "h" => n * 3600,
        _ => return Err(format!("bad duration unit in {text:?}")),
    };
    Ok(Duration::from_secs(secs))
}

/// `i/n` with `i < n`.
fn parse_shard(text: &str) -> Result<(u64, u64), String> {
    let (i, n) = text.split_once('/').ok_or_else(|| format!("bad shard {text:?}, expected i/n"))?;
    let (i, n): (u64, u64) = (i.parse().map_err(|_| "bad shard index")?, n.parse().map_err(|_| "bad shard count")?);
    if n == 0 || i >= n {
        return Err(format!("bad shard {text:?}: need 0 <= i < n"));
    }
    Ok((i, n))
}

/// Entry point; returns the process exit code. `report` then needs `--date`.
pub fn main_with(args: &[String]) -> i32 {
    main_with_date(args, None)
}

/// Entry point with today's date (`YYYY-MM-DD`, from the binary's `main`) as `report`'s
/// default `--date`.
pub fn main_with_date(args: &[String], today: Option<&str>) -> i32 {
    let Some((command, rest)) = args.split_first() else {
        eprintln!("{USAGE}");
        return 2;
    };
    let parsed = match parse_args(rest) {
        Ok(p) => p,
        Err(e) => {
            eprintln!("keel-sim: {e}\n{USAGE}");
            return 2;
        }
    };
    let outcome = match command.as_str() {
        "run" => cmd_run(&parsed),
        "merge" => cmd_merge(&parsed),
        "replay" => cmd_replay(&parsed),
        "shrink" => cmd_shrink(&parsed),
        "exhaust" => cmd_exhaust(
            parsed.flags.get("--scenario").map(String::as_str),
            parsed.num("--states-max").unwrap_or(None),
            parsed.flags.get("--json").map(String::as_str),
            &commit(),
        ),
        "report" => report(&parsed, today),
        "help" | "--help" | "-h" => {
            println!("{USAGE}");
            Ok(0)
        }
        other => Err(format!("unknown command {other:?}")),
    };
    outcome.unwrap_or_else(|e| {
        eprintln!("keel-sim: {e}\n{USAGE}");
        2
    })
}

fn seeds_of(a: &Args) -> Result<Vec<u64>, String> {
    let from = a.num("--from")?.unwrap_or(0);
    let mut seeds: Vec<u64> = match (a.num("--seed")?, a.num("--seeds")?) {
        (Some(s), None) => vec![s],
        (None, n) => (from..from.saturating_add(n.unwrap_or(100))).collect(),
        (Some(_), Some(_)) => return Err("give --seeds or --seed, not both".into()),
    };
    if let Some(shard) = a.flags.get("--shard") {
        let (i, n) = parse_shard(shard)?;
        seeds.retain(|s| s % n == i);
    }
    Ok(seeds)
}

fn print_failures(results: &[SeedResult], commit: &str) -> usize {
    let failed: Vec<&SeedResult> = results.iter().filter(|r| r.failure.is_some()).collect();
    for r in failed.iter().take(10) {
        if let Some(f) = &r.failure {
            eprint!("{}", failure_report(r.seed, commit, f));
        }
    }
    if failed.len() > 10 {
        eprintln!("… and {} more failed seeds (see the summary / --json)", failed.len() - 10);
    }
    failed.len()
}

fn cmd_run(a: &Args) -> Result<i32, String> {
    let seeds = seeds_of(a)?;
    let default_jobs = std::thread::available_parallelism().map_or(1, |n| n.get());
    let jobs = a.num("--jobs")?.map_or(default_jobs, |j| j.max(1) as usize);
    let time_limit = a.flags.get("--time-limit").map(|d| parse_duration(d)).transpose()?;
    let commit = commit();
    let persistence = a.persistence()?;
    let campaign = Campaign { seeds: seeds.clone(), jobs, time_limit, progress: !a.has("--quiet"), persistence };
    let out = campaign.run();
    let wall_s = out.wall.as_secs_f64();
    if let Some(path) = a.flags.get("--json") {
        let meta = RunMeta { commit: commit.clone(), wall_ms: out.wall.as_millis() as u64, jobs: jobs as u64, dirty: dirty_files() };
        std::fs::write(path, results_file_with(&meta, &out.results)).map_err(|e| format!("writing {path}: {e}"))?;
    }
    let range = match (seeds.first(), seeds.last()) {
        (Some(f), Some(l)) => format!("{f}..={l}"),
        _ => "none".into(),
    };
    let title = format!("keel-sim run: seeds {range}, commit {commit}, {jobs} job(s), persistence {}", persistence.name());
    print!("{}", summary_text(&title, &Summary::of(&out.results), wall_s));
    if out.skipped > 0 {
        println!("  time limit reached: {} seeds not run", out.skipped);
    }
    let failed = print_failures(&out.results, &commit);
    if failed > 0 && persistence != PersistMode::Mixed {
        eprintln!("(add{} to the replay and shrink commands above)", persistence_flag(persistence));
    }
    Ok(if failed > 0 { 1 } else { 0 })
}

fn cmd_merge(a: &Args) -> Result<i32, String> {
    if a.positional.is_empty() {
        return Err("merge needs result files".into());
    }
    // Keyed by persistence and seed: the same seed under two forced policies is two runs.
    let mut by_seed: BTreeMap<(&'static str, u64), SeedResult> = BTreeMap::new();
    let mut meta = RunMeta::default();
    let mut commits = Vec::new();
    let mut conflicts = 0;
    for path in &a.positional {
        let text = std::fs::read_to_string(path).map_err(|e| format!("reading {path}: {e}"))?;
        let (m, results) = read_results_with(&text).map_err(|e| format!("{path}: {e}"))?;
        meta.wall_ms += m.wall_ms;
        meta.jobs = meta.jobs.max(m.jobs);
        meta.dirty.extend(m.dirty.into_iter().filter(|d| !meta.dirty.contains(d)).collect::<Vec<_>>());
        if !commits.contains(&m.commit) {
            commits.push(m.commit);
        }
        for r in results {
            let key = (r.persistence.name(), r.seed);
            if let Some(old) = by_seed.get(&key).filter(|old| old.hash != r.hash) {
                eprintln!("seed {}: different results in two files ({:016x} vs {:016x}): nondeterminism?", r.seed, old.hash, r.hash);
                conflicts += 1;
            }
            by_seed.insert(key, r);
        }
    }
    let results: Vec<SeedResult> = by_seed.into_values().collect();
    meta.commit = commits.join(",");
    let commit = meta.commit.clone();
    if let Some(out) = a.flags.get("--json") {
        std::fs::write(out, results_file_with(&meta, &results)).map_err(|e| format!("writing {out}: {e}"))?;
    }
    let title = format!("keel-sim merge: {} file(s), commit {commit} (wall = sum of the files' wall times)", a.positional.len());
    print!("{}", summary_text(&title, &Summary::of(&results), meta.wall_ms as f64 / 1000.0));
    let failed = print_failures(&results, &commit);
    Ok(if failed > 0 || conflicts > 0 { 1 } else { 0 })
}

fn seed_arg(a: &Args) -> Result<u64, String> {
    a.num("--seed")?.ok_or_else(|| "--seed S is required".into())
}

fn cmd_replay(a: &Args) -> Result<i32, String> {
    if let Some(path) = a.flags.get("--file") {
        return cmd_replay_file(path, a.has("--trace"));
    }
    let seed = seed_arg(a)?;
    let scenario = Scenario::generate_with(seed, a.persistence()?);
    let (result, trace) = run_scenario(&scenario, Hooks::default());
    if a.has("--trace") {
        println!("config: {:?}", scenario.config);
        for line in trace.events() {
            println!("{line}");
        }
        if trace.len() > trace.events().len() as u64 {
            println!("… trace truncated: {} events recorded", trace.len());
        }
    }
    println!(
        "seed {seed}: {} events, {} commands, {} writes, {} crashes, {} power losses, {} recoveries, result hash {:016x}, trace hash {:016x}",
        scenario.events.len(),
        result.commands,
        result.writes,
        result.crashes,
        result.power_losses,
        result.recoveries,
        result.hash,
        result.trace_hash
    );
    match &result.failure {
        None => {
            println!("no violation");
            Ok(0)
        }
        Some(f) => {
            print!("{}", failure_report(seed, &commit(), f));
            if let Some(e) = scenario.events.get(f.event) {
                println!("  failing event #{}: {}", f.event, e.label());
            }
            Ok(1)
        }
    }
}

fn cmd_shrink(a: &Args) -> Result<i32, String> {
    let seed = seed_arg(a)?;
    let runs_max = a.num("--runs")?.unwrap_or(20_000) as usize;
    let persistence = a.persistence()?;
    let scenario = Scenario::generate_with(seed, persistence);
    let Some(shrunk) = shrink(&scenario, Hooks::default(), runs_max) else {
        println!("seed {seed} does not fail: nothing to shrink ({})", replay_command(seed));
        return Ok(0);
    };
    let commit = commit();
    eprintln!(
        "shrunk seed {seed}: {} -> {} events in {} replays",
        shrunk.original_events,
        shrunk.scenario.events.len(),
        shrunk.runs
    );
    eprint!("{}", failure_report(seed, &commit, &shrunk.failure));
    if a.has("--trace") {
        let (_, trace) = run_scenario(&shrunk.scenario, Hooks::default());
        println!("config: {:?}", shrunk.scenario.config);
        for line in trace.events() {
            println!("{line}");
        }
    }
    println!("{}", regression_test(&shrunk, &commit));
    println!(
        "// corpus line for sim/regressions.txt once the bug is fixed:\n// {seed} {} <behaviour_name>  # {}: <what broke, why, the fix>",
        persistence.name(),
        shrunk.failure.kind
    );
    if let Some(dir) = a.flags.get("--failure-dir") {
        let path = write_failure_file(dir, &FailureFile::from_shrunk(&shrunk, &commit, persistence, Hooks::default()))?;
        eprintln!("failure file: {path} (replay: cargo run -p keel-sim --release -- replay --file {path})");
    }
    Ok(1)
}

fn report(a: &Args, today: Option<&str>) -> Result<i32, String> {
    let date = a.flags.get("--date").map(String::as_str).or(today).ok_or("report needs --date YYYY-MM-DD")?;
    let args = ReportArgs {
        files: &a.positional,
        exhaust: a.flags.get("--exhaust").map(String::as_str),
        out: a.flags.get("--out").map_or("reports", String::as_str),
        name: a.flags.get("--name").map_or("campaign", String::as_str),
        date,
        shrink_runs: a.num("--runs")?.unwrap_or(3_000) as usize,
    };
    cmd_report(&args)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn durations_and_shards_parse() {
        assert_eq!(parse_duration("90").ok(), Some(Duration::from_secs(90)));
        assert_eq!(parse_duration("5m").ok(), Some(Duration::from_secs(300)));
        assert!(parse_duration("5x").is_err());
        assert_eq!(parse_shard("1/4").ok(), Some((1, 4)));
        assert!(parse_shard("4/4").is_err());
    }

    #[test]
    fn shards_partition_the_seeds() {
        let args = |shard: &str| {
            let v: Vec<String> = ["--seeds", "10", "--shard", shard].iter().map(|s| s.to_string()).collect();
            seeds_of(&parse_args(&v).expect("valid")).expect("valid")
        };
        let mut all = args("0/3");
        all.extend(args("1/3"));
        all.extend(args("2/3"));
        all.sort_unstable();
        assert_eq!(all, (0..10).collect::<Vec<u64>>());
    }
}
