//! Production background jobs: one thread per job kind, like Redis's bio (`bio.c`), each with a
//! FIFO queue. The main thread submits jobs, asks how many of a kind are pending (the everysec
//! postponement decision) and collects results.
//!
//! Invariant: `pending(kind)` counts a job from `submit` until its result is queued in
//! `completed`, so a main thread that sees `pending == 0` also sees the job's result.
//! Ordering: jobs of one kind run in submission order (one thread per kind); jobs of different
//! kinds are not ordered with respect to each other, as in Redis's bio (a Close may run before
//! an earlier Fsync of the same file; the AOF ignores fsync results of an older generation).
//!
//! The locks, condition variables and threads come from [`crate::sync`], so
//! `tests/loom_background.rs` checks this exact code under every interleaving.
#![allow(clippy::disallowed_methods, clippy::disallowed_types)] // this file is the OS seam

use std::collections::VecDeque;

use crate::sync::thread::{Builder, JoinHandle};
use crate::sync::{Arc, Condvar, Mutex};

use super::{Background, Job, JobDone, JobKind};

const KINDS: [JobKind; 3] = [JobKind::Fsync, JobKind::Close, JobKind::LazyFree];

#[derive(Default)]
struct Queues {
    jobs: [VecDeque<Job>; 3],
    pending: [usize; 3],
    completed: Vec<JobDone>,
    /// Set by [`OsBackground::shutdown`]: workers finish their queue, then exit.
    stopping: bool,
}

struct Shared {
    state: Mutex<Queues>,
    wake: [Condvar; 3],
}

pub struct OsBackground {
    shared: Arc<Shared>,
    workers: Vec<JoinHandle<()>>,
}

fn index(kind: JobKind) -> usize {
    match kind {
        JobKind::Fsync => 0,
        JobKind::Close => 1,
        JobKind::LazyFree => 2,
    }
}

fn run(job: Job) -> JobDone {
    let kind = job.kind();
    match job {
        Job::Fsync { file, tag } => JobDone { kind, tag, result: file.fdatasync() },
        Job::Close { file } => JobDone { kind, tag: 0, result: file.close() },
        Job::LazyFree { value } => {
            drop(value);
            JobDone { kind, tag: 0, result: Ok(()) }
        }
    }
}

fn worker(shared: Arc<Shared>, i: usize) {
    loop {
        let job = {
            let mut state = shared.state.lock().expect("bio lock poisoned");
            loop {
                if let Some(job) = state.jobs[i].pop_front() {
                    break job;
                }
                if state.stopping {
                    return;
                }
                state = shared.wake[i].wait(state).expect("bio lock poisoned");
            }
        };
        let done = run(job);
        let mut state = shared.state.lock().expect("bio lock poisoned");
        state.pending[i] -= 1;
        state.completed.push(done);
    }
}

impl OsBackground {
    /// Start one thread per job kind.
    pub fn start() -> OsBackground {
        let shared = Arc::new(Shared {
            state: Mutex::new(Queues::default()),
            wake: [Condvar::new(), Condvar::new(), Condvar::new()],
        });
        let workers = KINDS
            .iter()
            .map(|&kind| {
                let s = Arc::clone(&shared);
                Builder::new()
                    .name(format!("bio_{kind:?}").to_lowercase())
                    .spawn(move || worker(s, index(kind)))
                    .expect("spawning a bio thread at start-up")
            })
            .collect();
        OsBackground { shared, workers }
    }

    /// Let every worker finish the jobs already queued, join the threads, and return the
    /// results not yet taken. The server never calls this (its bio threads live as long as
    /// the process, as Redis's do); it lets the loom models end with no thread left blocked.
    pub fn shutdown(mut self) -> Vec<JobDone> {
        self.shared.state.lock().expect("bio lock poisoned").stopping = true;
        for wake in &self.shared.wake {
            wake.notify_all();
        }
        for w in std::mem::take(&mut self.workers) {
            w.join().expect("a bio thread panicked");
        }
        self.take_completed()
    }
}

impl Background for OsBackground {
    fn submit(&self, job: Job) {
        let i = index(job.kind());
        let mut state = self.shared.state.lock().expect("bio lock poisoned");
        state.pending[i] += 1;
        state.jobs[i].push_back(job);
        self.shared.wake[i].notify_one();
    }

    fn pending(&self, kind: JobKind) -> usize {
        self.shared.state.lock().expect("bio lock poisoned").pending[index(kind)]
    }

    fn take_completed(&self) -> Vec<JobDone> {
        std::mem::take(&mut self.shared.state.lock().expect("bio lock poisoned").completed)
    }
}
