//! Failure files replay exactly: a failure produced by a deliberately broken run (the harness's
//! test-only hook that corrupts one engine reply, as in `checker_catches.rs`), shrunk and
//! written as `reports/failures/<commit7>-<seed>.json`, reads back equal and replays — through
//! the library and through `keel-sim replay --file` — to the same first divergence; a file whose
//! recorded divergence does not reproduce is reported as such (exit 3).
#![allow(clippy::disallowed_methods, clippy::disallowed_types)] // real temp files

use keel_sim::failure_file::{FailureFile, Replayed};
use keel_sim::harness::Hooks;
use keel_sim::json::Json;
use keel_sim::scenario::{PersistMode, Scenario};
use keel_sim::shrink::shrink;

fn broken() -> Hooks {
    Hooks { flip_reply_at: Some(10) }
}

fn shrunk_failure_file() -> FailureFile {
    let scenario = Scenario::generate_with(3, PersistMode::Mixed);
    let shrunk = shrink(&scenario, broken(), 5_000).expect("the broken run fails");
    FailureFile::from_shrunk(&shrunk, "abc1234def", PersistMode::Mixed, broken())
}

#[test]
fn a_written_failure_file_reads_back_and_replays_to_the_same_divergence() {
    let file = shrunk_failure_file();
    assert_eq!(file.file_name(), "abc1234-3.json");
    let forced = FailureFile { persistence: PersistMode::parse("always").expect("a mode"), ..file.clone() };
    assert_eq!(forced.file_name(), "abc1234-3-always.json", "a seed fails differently under each policy");
    assert_eq!(file.failure.kind, "reply");
    assert!(!file.trace.is_empty(), "the minimized run's trace is recorded");
    let text = file.to_json("reports/failures/abc1234-3.json").to_pretty();
    for member in ["\"seed\": 3", "\"commit\": \"abc1234def\"", "\"fault_schedule\"", "\"first_divergence\"", "replay --file reports/failures/abc1234-3.json"] {
        assert!(text.contains(member), "{member:?} missing from the failure file");
    }
    let back = FailureFile::parse(&text).expect("the file parses");
    assert_eq!(back, file);
    assert_eq!(back.replay(), Replayed::Same(file.failure.clone()));
}

#[test]
fn replay_file_exits_1_when_it_reproduces_and_3_when_it_does_not() {
    let file = shrunk_failure_file();
    let dir = tempfile::tempdir().expect("a temp dir");
    let path = dir.path().join(file.file_name());
    let path_text = path.display().to_string();
    std::fs::write(&path, file.to_json(&path_text).to_pretty()).expect("write");
    let replay = |p: &str| keel_sim::cli::main_with(&["replay".to_string(), "--file".to_string(), p.to_string()]);
    assert_eq!(replay(&path_text), 1, "reproduces the recorded divergence");

    // The same file with another recorded divergence no longer replays to it.
    let mut other = file.clone();
    other.failure.detail.push_str(" (edited)");
    let edited = dir.path().join("edited.json");
    std::fs::write(&edited, other.to_json("edited.json").to_pretty()).expect("write");
    assert_eq!(replay(&edited.display().to_string()), 3);

    // Without the broken hook the minimized scenario passes.
    let mut fixed = file.clone();
    fixed.hooks = Hooks::default();
    assert_eq!(fixed.replay(), Replayed::Passed);

    let bad = dir.path().join("bad.json");
    std::fs::write(&bad, Json::obj([("format", Json::str("something else"))]).to_text()).expect("write");
    assert_eq!(replay(&bad.display().to_string()), 2, "an unreadable file is a usage error");
}
