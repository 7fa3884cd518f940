//! Production background jobs: one thread per job kind, like Redis's bio (`bio.c`), each with a
//! FIFO queue. The main thread submits jobs, asks how many of a kind are pending (the everysec
//! postponement decision) and collects results.
//!
//! Invariant: `pending(kind)` counts a job from `submit` until its result is queued in
//! `completed`, so a main thread that sees `pending == 0` also sees the job's result.
#![allow(clippy::disallowed_methods, clippy::disallowed_types)] // this file is the OS seam

use std::collections::VecDeque;
use std::sync::{Arc, Condvar, Mutex};

use super::{Background, Job, JobDone, JobKind};

const KINDS: [JobKind; 3] = [JobKind::Fsync, JobKind::Close, JobKind::LazyFree];

#[derive(Default)]
struct Queues {
    jobs: [VecDeque<Job>; 3],
    pending: [usize; 3],
    completed: Vec<JobDone>,
}

struct Shared {
    state: Mutex<Queues>,
    wake: [Condvar; 3],
}

pub struct OsBackground {
    shared: Arc<Shared>,
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
        for kind in KINDS {
            let s = Arc::clone(&shared);
            std::thread::Builder::new()
                .name(format!("bio_{kind:?}").to_lowercase())
                .spawn(move || worker(s, index(kind)))
                .expect("spawning a bio thread at start-up");
        }
        OsBackground { shared }
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
