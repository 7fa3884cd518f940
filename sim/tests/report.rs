//! `keel-sim report`: from campaign result files (and the exhaustive mode's), the report page
//! has every section the issue asks for, its SVG plots exist beside it, `README.md` lists it,
//! and a failed seed is listed with its first divergence and replay command.
#![allow(clippy::disallowed_methods, clippy::disallowed_types)] // real temp files

use keel_sim::campaign::Campaign;
use keel_sim::check::Failure;
use keel_sim::report::{results_file_with, RunMeta};
use keel_sim::scenario::PersistMode;

fn campaign(seeds: std::ops::Range<u64>, persistence: PersistMode) -> Vec<keel_sim::runner::SeedResult> {
    Campaign { seeds: seeds.collect(), jobs: 2, time_limit: None, progress: false, persistence }.run().results
}

fn cli(args: &[&str]) -> i32 {
    keel_sim::cli::main_with(&args.iter().map(|a| a.to_string()).collect::<Vec<_>>())
}

#[test]
fn a_report_has_every_section_its_plots_and_a_readme_entry() {
    let dir = tempfile::tempdir().expect("a temp dir");
    let path = |name: &str| dir.path().join(name).display().to_string();
    let meta = RunMeta { commit: "abc1234ffff".into(), wall_ms: 1500, jobs: 2, dirty: vec!["src/aof/load.rs".into()] };
    let mixed = campaign(0..40, PersistMode::Mixed);
    let always = campaign(0..30, PersistMode::parse("always").expect("a mode"));
    assert!(mixed.iter().chain(&always).map(|r| r.ledger.len()).sum::<usize>() > 20, "the seeds crash");
    std::fs::write(path("mixed.json"), results_file_with(&meta, &mixed)).expect("write");
    std::fs::write(path("always.json"), results_file_with(&meta, &always)).expect("write");
    assert_eq!(cli(&["exhaust", "--scenario", "set-always", "--json", &path("exhaust.json")]), 0);
    let out = path("reports");
    let code = cli(&["report", &path("mixed.json"), &path("always.json"), "--exhaust", &path("exhaust.json"), "--out", &out, "--name", "t", "--date", "2026-01-02"]);
    assert_eq!(code, 0, "no failed seed");
    let page = std::fs::read_to_string(dir.path().join("reports/2026-01-02-abc1234-t.md")).expect("the page is written");
    for text in [
        "## 1. The campaign",
        "| seeds | 70:",
        "crash-recover-check cycles/s",
        "uncommitted changes to `src/aof/load.rs`",
        "## 2. Durability ledger per fsync policy",
        "| `always` |",
        "Acknowledged writes lost under `always`: **0**",
        "## 3. Crash-point coverage",
        "Sites never hit by a campaign crash:",
        "| `set-always` |",
        "## 4. Faults injected and recovery outcomes",
        "| clean start |",
        "## 5. Coverage marks",
        "## 6. Failures",
        "None: 0 of 70 seeds failed.",
        "bash reports/make-report.sh",
    ] {
        assert!(page.contains(text), "{text:?} missing from the report:\n{page}");
    }
    for plot in ["slack", "lost", "window", "sites", "phases", "exhaust"] {
        let svg = std::fs::read_to_string(dir.path().join(format!("reports/2026-01-02-abc1234-t-{plot}.svg"))).expect("plot written");
        assert!(svg.starts_with("<svg"), "{plot}");
        assert!(page.contains(&format!("(2026-01-02-abc1234-t-{plot}.svg)")), "{plot} is linked");
    }
    let readme = std::fs::read_to_string(dir.path().join("reports/README.md")).expect("README written");
    assert!(readme.contains("[2026-01-02-abc1234-t.md](2026-01-02-abc1234-t.md) (latest)"), "{readme}");
}

#[test]
fn a_failed_seed_is_listed_with_its_divergence_and_replay_command() {
    let dir = tempfile::tempdir().expect("a temp dir");
    let mut results = campaign(5..7, PersistMode::Mixed);
    // A failure recorded by an older build: this build passes the seed, so it cannot be
    // shrunk into a failure file, and the report says so.
    results[1].failure = Some(Failure { event: 4, kind: "recovery", at: "restart".into(), detail: "expected a, found b".into() });
    let file = dir.path().join("r.json");
    std::fs::write(&file, results_file_with(&RunMeta { commit: "0123456".into(), ..RunMeta::default() }, &results)).expect("write");
    let out = dir.path().join("out").display().to_string();
    let code = cli(&["report", &file.display().to_string(), "--out", &out, "--name", "f", "--date", "2026-01-02", "--runs", "50"]);
    assert_eq!(code, 1, "a failed seed makes the report exit 1");
    let page = std::fs::read_to_string(dir.path().join("out/2026-01-02-0123456-f.md")).expect("written");
    for text in ["1 of 2 seeds failed", "### Seed 6", "recovery violation at event #4: restart: expected a, found b", "replay --seed 6", "does not fail on the build"] {
        assert!(page.contains(text), "{text:?} missing:\n{page}");
    }
    assert_eq!(cli(&["report", "--out", &out, "--date", "2026-01-02"]), 2, "no result file is a usage error");
    assert_eq!(cli(&["report", &file.display().to_string(), "--date", "yesterday"]), 2);
}
