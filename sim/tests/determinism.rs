//! Determinism: one seed, one trace. A small random workload of fs operations, injected faults,
//! crashes, background jobs and a forked child, driven only by the seed's streams.

use std::path::{Path, PathBuf};

use keel::env::{write_all, Background, ChildJob, FileRef, Forker, Fs, Job, JobKind, OpenOptions, Step};
use keel_sim::{FaultConfig, OrphanPolicy, SimEnv, SimRng};

struct Countdown(u32);

impl ChildJob for Countdown {
    fn step(&mut self, _parent_alive: bool) -> Step {
        self.0 = self.0.saturating_sub(1);
        if self.0 == 0 {
            Step::Done(Ok(()))
        } else {
            Step::Continue
        }
    }
}

fn path(i: u64) -> PathBuf {
    Path::new("/d").join(format!("f{i}"))
}

fn one_op(sim: &mut SimEnv, rng: &mut SimRng, files: &mut Vec<FileRef>) {
    match rng.below(12) {
        0..=2 => {
            if let Ok(f) = sim.fs.open(&path(rng.below(4)), OpenOptions::APPEND) {
                files.push(f);
            }
        }
        3..=5 if !files.is_empty() => {
            let f = &files[rng.below(files.len() as u64) as usize];
            let data = vec![b'x'; rng.range_inclusive(1, 2000) as usize];
            let _ = write_all(&**f, &data);
        }
        6 if !files.is_empty() => {
            let f = files[rng.below(files.len() as u64) as usize].clone();
            sim.background.submit(Job::Fsync { file: f, tag: rng.below(100) });
        }
        7 => {
            let _ = sim.fs.rename(&path(rng.below(4)), &path(rng.below(4)));
        }
        8 => {
            let _ = sim.fs.fsync_dir(Path::new("/d"));
        }
        9 => {
            sim.clock.advance_us(rng.below(1_000_000));
            sim.background.complete_due(keel::env::Clock::monotonic_us(&sim.clock));
        }
        10 => {
            if !sim.forker.has_child() {
                let _ = sim.forker.fork(Box::new(Countdown(rng.range_inclusive(1, 5) as u32)));
            }
            sim.forker.step_child();
            sim.forker.try_wait();
        }
        _ => {
            let _ = sim.background.pending(JobKind::Fsync);
        }
    }
}

fn run(seed: u64) -> u64 {
    let config = FaultConfig::swarm(&mut SimRng::new(seed, 77));
    let config = FaultConfig { short_write: 0.2, eio_fsync: 0.1, fsync_latency_us: (0, 500_000), ..config };
    let mut sim = SimEnv::new(seed, config);
    sim.fs.create_dir_all(Path::new("/d")).unwrap();
    let mut rng = sim.workload.clone();
    let mut files = Vec::new();
    for i in 0..300 {
        one_op(&mut sim, &mut rng, &mut files);
        if i % 100 == 99 {
            files.clear();
            if rng.chance(0.5) {
                sim.power_loss();
            } else {
                sim.process_crash(OrphanPolicy::Drop);
            }
        }
    }
    sim.trace.hash()
}

#[test]
fn same_seed_gives_the_same_trace_hash() {
    assert_eq!(run(11), run(11));
    assert_eq!(run(12), run(12));
}

#[test]
fn different_seeds_give_different_trace_hashes() {
    assert_ne!(run(11), run(12));
}

#[test]
fn the_workload_records_many_events() {
    let sim = SimEnv::new(1, FaultConfig::default());
    sim.fs.create_dir_all(Path::new("/d")).unwrap();
    let before = sim.trace.len();
    let f = sim.fs.open(&path(1), OpenOptions::APPEND).unwrap();
    write_all(&*f, b"abc").unwrap();
    assert!(sim.trace.len() >= before + 2);
    assert!(sim.trace.events().iter().any(|e| e.starts_with("fs.write")));
}
