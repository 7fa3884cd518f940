//! The determinism gate: a seed run twice gives the same trace hash and the same result; seeds
//! run in another order, or through a multi-threaded campaign, give the same per-seed results;
//! different seeds give different traces.

use keel_sim::campaign::Campaign;
use keel_sim::report::{read_results_file, results_file};
use keel_sim::runner::{run_seed, SeedResult};

const SAMPLE: [u64; 8] = [0, 1, 7, 42, 99, 1234, 65_537, u64::MAX];

#[test]
fn a_seed_run_twice_gives_the_same_trace_hash() {
    for seed in SAMPLE {
        let (a, b) = (run_seed(seed), run_seed(seed));
        assert_eq!(a.trace_hash, b.trace_hash, "seed {seed}");
        assert_eq!(a, b, "seed {seed}");
    }
}

#[test]
fn different_seeds_give_different_traces() {
    let hashes: Vec<u64> = SAMPLE.iter().map(|&s| run_seed(s).trace_hash).collect();
    for (i, a) in hashes.iter().enumerate() {
        for b in &hashes[i + 1..] {
            assert_ne!(a, b);
        }
    }
}

#[test]
fn order_and_threads_do_not_change_per_seed_results() {
    let forward: Vec<SeedResult> = (10..22).map(run_seed).collect();
    let mut backward: Vec<SeedResult> = (10..22).rev().map(run_seed).collect();
    backward.reverse();
    assert_eq!(forward, backward);
    let campaign = Campaign {
        seeds: (10..22).rev().collect(),
        jobs: 3,
        time_limit: None,
        progress: false,
        persistence: Default::default(),
    };
    assert_eq!(campaign.run().results, forward);
}

#[test]
fn result_files_round_trip() {
    let results: Vec<SeedResult> = (0..4).map(run_seed).collect();
    let text = results_file("abc1234", 17, &results);
    let (commit, wall_ms, back) = read_results_file(&text).expect("own file parses");
    assert_eq!((commit.as_str(), wall_ms), ("abc1234", 17));
    assert_eq!(back, results);
}
