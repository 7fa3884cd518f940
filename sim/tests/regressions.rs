//! Replays every seed of `sim/regressions.txt` (seeds that once failed) and requires each to
//! pass; a failure prints the seed, the commit and the replay command.

use keel_sim::report::failure_report;
use keel_sim::runner::run_seed_with;
use keel_sim::scenario::PersistMode;

const CORPUS: &str = include_str!("../regressions.txt");

/// Seeds listed in the corpus: the first word of each non-comment line, and the persistence
/// mode it failed under (an optional second word, as `--persistence` takes it; default mixed).
fn corpus_seeds() -> Vec<(u64, PersistMode)> {
    CORPUS
        .lines()
        .map(|l| l.split('#').next().unwrap_or("").trim())
        .filter(|l| !l.is_empty())
        .map(|l| {
            let mut words = l.split_whitespace();
            let seed = words.next().unwrap_or("").parse().expect("a seed is a u64");
            let mode = words.next().map_or(Ok(PersistMode::Mixed), PersistMode::parse).expect("a persistence mode");
            (seed, mode)
        })
        .collect()
}

#[test]
fn every_seed_of_the_regression_corpus_passes() {
    let mut failures = String::new();
    for (seed, mode) in corpus_seeds() {
        if let Some(f) = run_seed_with(seed, mode).failure {
            failures.push_str(&format!("(--persistence {})\n", mode.name()));
            failures.push_str(&failure_report(seed, &keel_sim::cli::commit(), &f));
        }
    }
    assert!(failures.is_empty(), "regression corpus failures:\n{failures}");
}

#[test]
fn the_corpus_parses() {
    // The header is comments only; every listed seed must parse (checked by corpus_seeds).
    let seeds = corpus_seeds();
    assert!(seeds.iter().all(|(s, _)| *s < u64::MAX));
    assert!(CORPUS.starts_with('#'), "the corpus starts with its header comment");
}
