//! Generates one test per line of `regressions.txt` (the regression corpus) into
//! `$OUT_DIR/regressions.rs`, included by `tests/regressions.rs`: each test is named
//! `<behaviour_name>_seed_<seed>` and carries the line's story as its doc comment.
//!
//! Line format (comments start with `#`):
//! `<seed> <persistence> <behaviour_name>  # <story>`, e.g.
//! `85 always aof_replay_does_not_expire_keys  # lost durable write: …`.
//! A malformed line fails the build with its line number.
#![allow(clippy::disallowed_methods)] // a build script writes its generated file with std::fs

use std::fmt::Write as _;

const MODES: &[&str] = &["mixed", "rdb", "always", "everysec", "no"];

fn main() {
    println!("cargo:rerun-if-changed=regressions.txt");
    let corpus = std::fs::read_to_string("regressions.txt").expect("sim/regressions.txt is readable");
    let mut out = String::new();
    for (number, line) in corpus.lines().enumerate() {
        let (entry, story) = line.split_once('#').unwrap_or((line, ""));
        let words: Vec<&str> = entry.split_whitespace().collect();
        if words.is_empty() {
            continue;
        }
        let line_no = number + 1;
        let [seed, mode, name] = words[..] else {
            panic!("regressions.txt:{line_no}: expected `<seed> <persistence> <behaviour_name>  # <story>`, found {line:?}");
        };
        let seed: u64 = seed.parse().unwrap_or_else(|_| panic!("regressions.txt:{line_no}: bad seed {seed:?}"));
        assert!(MODES.contains(&mode), "regressions.txt:{line_no}: bad persistence {mode:?}, expected one of {MODES:?}");
        let valid = name.starts_with(|c: char| c.is_ascii_lowercase()) && name.chars().all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_');
        assert!(valid, "regressions.txt:{line_no}: behaviour name {name:?} must be a snake_case identifier");
        let story = story.trim();
        assert!(!story.is_empty(), "regressions.txt:{line_no}: the story of the bug is missing (after `#`)");
        let _ = writeln!(out, "/// {story}");
        let _ = writeln!(out, "///");
        let _ = writeln!(out, "/// Seed {seed} under `--persistence {mode}` (`sim/regressions.txt` line {line_no}).");
        let _ = writeln!(out, "#[test]");
        let _ = writeln!(out, "fn {name}_seed_{seed}() {{");
        let _ = writeln!(out, "    replay_corpus_seed({seed}, {mode:?});");
        let _ = writeln!(out, "}}\n");
    }
    let path = std::path::Path::new(&std::env::var("OUT_DIR").expect("cargo sets OUT_DIR")).join("regressions.rs");
    std::fs::write(&path, out).expect("writing the generated regression tests");
}
