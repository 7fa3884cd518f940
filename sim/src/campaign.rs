//! A campaign: many seeds on `jobs` threads, with a progress line and an optional wall-clock
//! limit. CLI layer only: this file uses real threads and the real clock (`std::time`) for
//! throughput figures and `--time-limit`, never inside a seed; each seed runs single-threaded
//! through [`crate::runner::run_seed`] and its result does not depend on which thread ran it,
//! in which order, or how long it took. Results are returned sorted by seed.
#![allow(clippy::disallowed_methods)] // CLI layer: Instant::now for progress and --time-limit.

use std::io::Write as _;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::Mutex;
// CLI layer: wall-clock time for progress, throughput and --time-limit only.
use std::time::{Duration, Instant};

use crate::runner::{run_seed_with, SeedResult};
use crate::scenario::PersistMode;

pub struct Campaign {
    pub seeds: Vec<u64>,
    pub jobs: usize,
    pub time_limit: Option<Duration>,
    /// Print a progress line on stderr.
    pub progress: bool,
    /// Persistence of every seed (`Mixed`: chosen per seed).
    pub persistence: PersistMode,
}

/// What a campaign produced.
pub struct CampaignOutcome {
    pub results: Vec<SeedResult>,
    pub wall: Duration,
    /// Seeds not run because the time limit passed.
    pub skipped: usize,
}

struct Shared<'a> {
    campaign: &'a Campaign,
    next: AtomicUsize,
    stop: AtomicBool,
    results: Mutex<Vec<SeedResult>>,
    started: Instant,
}

impl Campaign {
    pub fn run(&self) -> CampaignOutcome {
        let shared = Shared {
            campaign: self,
            next: AtomicUsize::new(0),
            stop: AtomicBool::new(false),
            results: Mutex::new(Vec::with_capacity(self.seeds.len())),
            started: Instant::now(),
        };
        // CLI layer: worker threads; each seed is still run on one thread, start to end.
        std::thread::scope(|scope| {
            for _ in 0..self.jobs.max(1) {
                scope.spawn(|| worker(&shared));
            }
        });
        if self.progress {
            eprintln!();
        }
        let wall = shared.started.elapsed();
        let mut results = shared.results.into_inner().unwrap_or_else(|e| e.into_inner());
        results.sort_by_key(|r| r.seed);
        let skipped = self.seeds.len() - results.len();
        CampaignOutcome { results, wall, skipped }
    }
}

fn worker(shared: &Shared<'_>) {
    let c = shared.campaign;
    loop {
        if shared.stop.load(Ordering::Relaxed) {
            return;
        }
        if c.time_limit.is_some_and(|limit| shared.started.elapsed() >= limit) {
            shared.stop.store(true, Ordering::Relaxed);
            return;
        }
        let i = shared.next.fetch_add(1, Ordering::Relaxed);
        let Some(&seed) = c.seeds.get(i) else { return };
        let result = run_seed_with(seed, c.persistence);
        let mut results = shared.results.lock().unwrap_or_else(|e| e.into_inner());
        results.push(result);
        if c.progress {
            progress(shared, &results);
        }
    }
}

fn progress(shared: &Shared<'_>, results: &[SeedResult]) {
    let done = results.len();
    let total = shared.campaign.seeds.len();
    let every = (total / 200).max(1);
    if !done.is_multiple_of(every) && done != total {
        return;
    }
    let secs = shared.started.elapsed().as_secs_f64().max(1e-9);
    let failed = results.iter().filter(|r| r.failure.is_some()).count();
    let width = 30;
    let filled = done * width / total.max(1);
    let bar: String = "#".repeat(filled) + &".".repeat(width - filled);
    eprint!("\r[{bar}] {done}/{total} seeds, {:.0} seeds/s, {failed} failed ", done as f64 / secs);
    let _ = std::io::stderr().flush();
}
