//! The `keel-sim` subcommands that read and write report files: `report`, `exhaust` and
//! `replay --file`.
//!
//! CLI layer: result, report and failure files are real files (`std::fs`), the wall clock
//! times the exhaustive mode, and `git status` names uncommitted changes; none of it reaches
//! inside a seed. The report date comes from `--date` or from the binary's `main` (the library
//! never reads the real date).
#![allow(clippy::disallowed_methods)] // CLI layer: real files, wall clock, git.

use std::path::Path;
// CLI layer: wall-clock time of the exhaustive mode, for the report.
use std::time::Instant;

use crate::exhaust::{exhaust, ExhaustResult, STATES_MAX_DEFAULT};
use crate::exhaust_scenarios::{by_name, scenarios};
use crate::failure_file::{FailureFile, Replayed};
use crate::harness::Hooks;
use crate::json::Json;
use crate::report::{failure_report, read_results_with};
use crate::report_md::{base_name, build, CampaignFile, ExhaustFile, FailureNote, ReportInput};
use crate::runner::run_events;
use crate::scenario::Scenario;
use crate::shrink::shrink;

/// The one command that regenerates the committed report (see `reports/README.md`).
pub const REGENERATE: &str = "bash reports/make-report.sh";
/// Failed seeds shrunk into failure files per report (the rest are listed only).
const FAILURES_SHRUNK_MAX: usize = 20;
/// Markers around the generated list of reports in `reports/README.md`.
const README_BEGIN: &str = "<!-- keel-sim report: generated list, do not edit by hand -->";
const README_END: &str = "<!-- /keel-sim report -->";

/// Paths of files that differ from HEAD under the directories a campaign's result depends
/// on (`git status --porcelain`), or empty if git is unavailable.
pub fn dirty_files() -> Vec<String> {
    let out = std::process::Command::new("git")
        .args(["status", "--porcelain", "--", "src", "sim", "models", "Cargo.toml", "Cargo.lock"])
        .output();
    let Some(out) = out.ok().filter(|o| o.status.success()) else { return Vec::new() };
    String::from_utf8_lossy(&out.stdout).lines().filter_map(|l| l.get(3..)).map(str::to_string).collect()
}

fn read(path: &str) -> Result<String, String> {
    std::fs::read_to_string(path).map_err(|e| format!("reading {path}: {e}"))
}

fn write(path: &Path, text: &str) -> Result<(), String> {
    std::fs::write(path, text).map_err(|e| format!("writing {}: {e}", path.display()))
}

/// `keel-sim exhaust [--scenario NAME] [--states-max N] [--json F]`.
pub fn cmd_exhaust(scenario: Option<&str>, states_max: Option<u64>, json: Option<&str>, commit: &str) -> Result<i32, String> {
    let chosen = match scenario {
        Some(name) => vec![by_name(name).ok_or_else(|| format!("no exhaustive scenario {name:?}"))?],
        None => scenarios(),
    };
    let started = Instant::now();
    let mut results = Vec::new();
    println!("keel-sim exhaust: commit {commit}");
    println!("  {:<36} {:>12} {:>14} {:>10}", "scenario", "crash points", "crash states", "violations");
    for s in &chosen {
        let r = exhaust(s, states_max.unwrap_or(STATES_MAX_DEFAULT));
        let capped = if r.capped_points > 0 { format!(" ({} points capped)", r.capped_points) } else { String::new() };
        println!("  {:<36} {:>12} {:>14} {:>10}{capped}", r.name, r.crash_points, r.states, r.violations.len());
        for v in r.violations.iter().take(3) {
            println!("    crash point {} after {}, {}: {}", v.crash_point, v.site, v.state, v.failure);
        }
        results.push(r);
    }
    let wall_ms = started.elapsed().as_millis() as u64;
    let states: u64 = results.iter().map(|r| r.states).sum();
    let violations: usize = results.iter().map(|r| r.violations.len()).sum();
    println!("  {:<36} {:>12} {:>14} {:>10}   ({:.1} s)", "total", results.iter().map(|r| r.crash_points).sum::<u64>(), states, violations, wall_ms as f64 / 1000.0);
    if let Some(path) = json {
        let doc = Json::obj([
            ("commit", Json::str(commit)),
            ("wall_ms", Json::num(wall_ms)),
            ("scenarios", Json::Arr(results.iter().map(ExhaustResult::to_json).collect())),
        ]);
        write(Path::new(path), &doc.to_pretty())?;
    }
    Ok(if violations > 0 { 1 } else { 0 })
}

fn read_exhaust(path: &str) -> Result<ExhaustFile, String> {
    let doc = Json::parse(&read(path)?).map_err(|e| format!("{path}: {e}"))?;
    let items = doc.get("scenarios").and_then(Json::as_array).ok_or_else(|| format!("{path}: no \"scenarios\" array"))?;
    Ok(ExhaustFile {
        commit: doc.get("commit").and_then(Json::as_str).unwrap_or("unknown").into(),
        wall_ms: doc.get("wall_ms").and_then(Json::as_u64).unwrap_or(0),
        results: items.iter().map(ExhaustResult::from_json).collect::<Result<_, _>>().map_err(|e| format!("{path}: {e}"))?,
    })
}

/// `keel-sim replay --file F [--trace]`: exit 0 if it passes now, 1 if it reproduces the
/// recorded first divergence, 3 if it fails differently (a failure file that does not replay
/// is itself a bug).
pub fn cmd_replay_file(path: &str, trace: bool) -> Result<i32, String> {
    let file = FailureFile::parse(&read(path)?).map_err(|e| format!("{path}: {e}"))?;
    let seed = file.scenario.seed;
    if trace {
        let (_, t) = run_events(&file.scenario, &file.scenario.events, file.hooks);
        for line in t.events() {
            println!("{line}");
        }
    }
    println!("{path}: seed {seed}, commit {}, {} events, recorded: {}", file.commit, file.scenario.events.len(), file.failure);
    match file.replay() {
        Replayed::Same(f) => {
            println!("reproduced the recorded first divergence:");
            print!("{}", failure_report(seed, &crate::cli::commit(), &f));
            Ok(1)
        }
        Replayed::Different(f) => {
            println!("DIFFERENT failure from the recorded one (the file does not replay exactly):\n  {f}");
            Ok(3)
        }
        Replayed::Passed => {
            println!("no violation now: the recorded failure no longer reproduces (fixed?)");
            Ok(0)
        }
    }
}

/// Write a failure file for a shrunk failure under `dir/failures/`; returns its path.
pub fn write_failure_file(dir: &str, file: &FailureFile) -> Result<String, String> {
    let failures = Path::new(dir).join("failures");
    std::fs::create_dir_all(&failures).map_err(|e| format!("creating {}: {e}", failures.display()))?;
    let path = failures.join(file.file_name());
    let shown = path.display().to_string();
    write(&path, &file.to_json(&shown).to_pretty())?;
    Ok(shown)
}

/// Shrink each failed seed (up to [`FAILURES_SHRUNK_MAX`]) and write its failure file.
fn failure_notes(campaigns: &[CampaignFile], out: &str, shrink_runs: usize, commit: &str) -> Vec<FailureNote> {
    let failed = campaigns.iter().flat_map(|c| c.results.iter()).filter_map(|r| r.failure.as_ref().map(|f| (r, f)));
    let mut notes = Vec::new();
    for (i, (r, failure)) in failed.enumerate() {
        let mut note = FailureNote { seed: r.seed, persistence: r.persistence, failure: failure.clone(), file: None, note: None };
        if i >= FAILURES_SHRUNK_MAX {
            note.note = Some(format!("only the first {FAILURES_SHRUNK_MAX} failures are shrunk per report"));
            notes.push(note);
            continue;
        }
        eprintln!("shrinking seed {} (--persistence {}) …", r.seed, r.persistence.name());
        let scenario = Scenario::generate_with(r.seed, r.persistence);
        match shrink(&scenario, Hooks::default(), shrink_runs) {
            None => note.note = Some("the seed does not fail on the build that made this report".into()),
            Some(shrunk) => {
                let file = FailureFile::from_shrunk(&shrunk, commit, r.persistence, Hooks::default());
                match write_failure_file(out, &file) {
                    Ok(path) => note.file = Some((path, file)),
                    Err(e) => note.note = Some(e),
                }
            }
        }
        notes.push(note);
    }
    notes
}

/// Options of `keel-sim report`.
pub struct ReportArgs<'a> {
    pub files: &'a [String],
    pub exhaust: Option<&'a str>,
    pub out: &'a str,
    pub name: &'a str,
    pub date: &'a str,
    pub shrink_runs: usize,
}

/// `keel-sim report RESULT.json [MORE.json ...] [--exhaust X.json] [--out DIR] [--name N]
/// [--date YYYY-MM-DD]`: write `DIR/<date>-<commit7>-<name>.md`, its SVG plots and failure
/// files, and list it in `DIR/README.md`.
pub fn cmd_report(a: &ReportArgs<'_>) -> Result<i32, String> {
    if a.files.is_empty() {
        return Err("report needs at least one result file".into());
    }
    if !is_date(a.date) {
        return Err(format!("bad --date {:?}: expected YYYY-MM-DD", a.date));
    }
    let mut campaigns = Vec::new();
    for path in a.files {
        let (meta, results) = read_results_with(&read(path)?).map_err(|e| format!("{path}: {e}"))?;
        campaigns.push(CampaignFile { path: path.clone(), commit: meta.commit, wall_ms: meta.wall_ms, jobs: meta.jobs, dirty: meta.dirty, results });
    }
    let exhaust = a.exhaust.map(read_exhaust).transpose()?;
    std::fs::create_dir_all(a.out).map_err(|e| format!("creating {}: {e}", a.out))?;
    let commit = crate::report_md::commit7(&campaigns);
    let failures = failure_notes(&campaigns, a.out, a.shrink_runs, &commit);
    let input = ReportInput { date: a.date, name: a.name, regenerate: REGENERATE, campaigns: &campaigns, exhaust: exhaust.as_ref(), failures: &failures };
    let report = build(&input)?;
    let base = base_name(&input);
    let dir = Path::new(a.out);
    write(&dir.join(format!("{base}.md")), &report.markdown)?;
    for (name, svg) in &report.plots {
        write(&dir.join(name), svg)?;
    }
    update_readme(dir)?;
    println!("wrote {}/{base}.md and {} plots", a.out.trim_end_matches('/'), report.plots.len());
    Ok(if failures.is_empty() { 0 } else { 1 })
}

fn is_date(text: &str) -> bool {
    let b = text.as_bytes();
    b.len() == 10 && b[4] == b'-' && b[7] == b'-' && b.iter().enumerate().all(|(i, c)| i == 4 || i == 7 || c.is_ascii_digit())
}

/// Is `name` a campaign report page (`YYYY-MM-DD-<commit>-<campaign>.md`)?
fn is_report_page(name: &str) -> bool {
    name.ends_with(".md") && name.len() > 11 && is_date(&name[..10]) && name.as_bytes()[10] == b'-'
}

fn update_readme(dir: &Path) -> Result<(), String> {
    let entries = std::fs::read_dir(dir).map_err(|e| format!("listing {}: {e}", dir.display()))?;
    let mut pages: Vec<String> = entries.filter_map(|e| e.ok()?.file_name().into_string().ok()).filter(|n| is_report_page(n)).collect();
    pages.sort_unstable_by(|a, b| b.cmp(a));
    let path = dir.join("README.md");
    let old = std::fs::read_to_string(&path).unwrap_or_else(|_| "# Reports\n".into());
    write(&path, &readme_with_reports(&old, &pages))
}

/// `readme` with its generated list of report pages (newest first) replaced, or appended if
/// it has none yet.
pub fn readme_with_reports(readme: &str, pages: &[String]) -> String {
    let mut section = format!("{README_BEGIN}\nCrash-recovery campaign reports, newest first (regenerate the latest with `{REGENERATE}`):\n\n");
    for (i, page) in pages.iter().enumerate() {
        let latest = if i == 0 { " (latest)" } else { "" };
        section.push_str(&format!("- [{page}]({page}){latest}\n"));
    }
    if pages.is_empty() {
        section.push_str("- none yet\n");
    }
    section.push_str(README_END);
    match (readme.find(README_BEGIN), readme.find(README_END)) {
        (Some(b), Some(e)) if e > b => format!("{}{section}{}", &readme[..b], &readme[e + README_END.len()..]),
        _ => format!("{}\n\n{section}\n", readme.trim_end()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_readme_list_is_replaced_in_place() {
        let pages = vec!["2026-05-02-abc1234-all.md".to_string(), "2026-05-01-abc1234-all.md".to_string()];
        let first = readme_with_reports("# Reports\n\nintro\n", &pages[1..]);
        assert!(first.starts_with("# Reports\n\nintro\n\n<!--"), "{first}");
        let second = readme_with_reports(&(first.clone() + "\ntail\n"), &pages);
        assert!(second.contains("- [2026-05-02-abc1234-all.md](2026-05-02-abc1234-all.md) (latest)\n- [2026-05-01"), "{second}");
        assert_eq!(second.matches(README_BEGIN).count(), 1);
        assert!(second.ends_with("\ntail\n"), "{second}");
    }

    #[test]
    fn dates_and_report_pages_are_recognized() {
        assert!(is_date("2026-05-01"));
        assert!(!is_date("2026-5-01") && !is_date("today"));
        assert!(is_report_page("2026-05-01-abc1234-all.md"));
        assert!(!is_report_page("README.md") && !is_report_page("perf.md"));
    }
}
