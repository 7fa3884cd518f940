//! `SimBackground`: Redis's bio threads for the simulator, implementing
//! `keel::env::Background`.
//!
//! Jobs queue per kind, FIFO per kind as in bio (one thread per kind). At `submit` each job gets
//! a due time = now + a seeded latency for its kind ([`BackgroundLatency`]; for fsync this is
//! the slow-fsync fault). Nothing completes on its own: the scheduler calls
//! [`SimBackground::complete_next`], [`SimBackground::complete_due`] or
//! [`SimBackground::complete_all`]. A job runs at completion time, not at submit time:
//! `Job::Fsync` calls `fdatasync` then (so it covers whatever the file holds at that moment,
//! like a real bio fsync), `Job::Close` calls `close`, `Job::LazyFree` drops the value.
//!
//! Invariants: `pending(kind)` counts jobs from `submit` until their result is in the completed
//! list; results come out of `take_completed` in completion order; a job never completes
//! before an earlier job of the same kind. A process crash drops queued jobs unrun (the
//! threads die with the process) and forgets unread results.

use std::collections::{BTreeMap, VecDeque};
use std::sync::{Arc, Mutex, MutexGuard};

use keel::env::{Background, Clock, Job, JobDone, JobKind};

use crate::clock::SimClock;
use crate::fs::SimFs;
use crate::rng::SimRng;
use crate::trace::Trace;

/// Latency ranges (inclusive, µs) drawn per job at submit.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct BackgroundLatency {
    pub fsync_us: (u64, u64),
    pub close_us: (u64, u64),
    pub lazyfree_us: (u64, u64),
}

struct Queued {
    seq: u64,
    due_us: u64,
    job: Job,
}

struct BgState {
    queues: BTreeMap<JobKind, VecDeque<Queued>>,
    completed: Vec<JobDone>,
    rng: SimRng,
    latency: BackgroundLatency,
    next_seq: u64,
}

/// A shared handle on the simulated bio queues.
#[derive(Clone)]
pub struct SimBackground {
    state: Arc<Mutex<BgState>>,
    clock: SimClock,
    trace: Trace,
    fs: Option<SimFs>,
}

impl SimBackground {
    /// Queues timed by `clock`, latencies drawn from `rng` (normally `streams(seed).latency`).
    pub fn new(clock: SimClock, trace: Trace, rng: SimRng, latency: BackgroundLatency) -> Self {
        let state = BgState {
            queues: BTreeMap::new(),
            completed: Vec::new(),
            rng,
            latency,
            next_seq: 0,
        };
        SimBackground { state: Arc::new(Mutex::new(state)), clock, trace, fs: None }
    }

    /// Run fsync jobs inside `fs.in_background`, so they do not advance the clock themselves.
    pub fn with_fs(mut self, fs: SimFs) -> Self {
        self.fs = Some(fs);
        self
    }

    fn lock(&self) -> MutexGuard<'_, BgState> {
        self.state.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// The earliest due time among the jobs that can complete next (queue fronts).
    pub fn next_due_us(&self) -> Option<u64> {
        self.lock().queues.values().filter_map(|q| q.front()).map(|j| j.due_us).min()
    }

    /// Complete the oldest job of `kind` whatever its due time; false if none is queued.
    pub fn complete_next(&self, kind: JobKind) -> bool {
        let job = self.lock().queues.get_mut(&kind).and_then(VecDeque::pop_front);
        match job {
            Some(q) => {
                self.run(q);
                true
            }
            None => false,
        }
    }

    /// Complete, in due-time order, every job due at or before `now_us`; returns how many.
    pub fn complete_due(&self, now_us: u64) -> usize {
        let mut n = 0;
        while let Some(q) = self.pop_earliest(Some(now_us)) {
            self.run(q);
            n += 1;
        }
        n
    }

    /// Complete every queued job, in due-time order; returns how many.
    pub fn complete_all(&self) -> usize {
        let mut n = 0;
        while let Some(q) = self.pop_earliest(None) {
            self.run(q);
            n += 1;
        }
        n
    }

    /// The process crashed: queued jobs are dropped unrun, unread results forgotten.
    pub fn process_crash(&self) {
        let mut st = self.lock();
        let dropped: usize = st.queues.values().map(VecDeque::len).sum();
        st.queues.clear();
        st.completed.clear();
        drop(st);
        self.trace.record(format_args!("bio.crash dropped={dropped}"));
    }

    /// Pop the queue front with the smallest (due, seq), if due by `now_us`.
    fn pop_earliest(&self, now_us: Option<u64>) -> Option<Queued> {
        let mut st = self.lock();
        let kind = st
            .queues
            .iter()
            .filter_map(|(k, q)| q.front().map(|j| (j.due_us, j.seq, *k)))
            .filter(|(due, _, _)| now_us.is_none_or(|now| *due <= now))
            .min()?
            .2;
        st.queues.get_mut(&kind).and_then(VecDeque::pop_front)
    }

    /// Run one job (no bio lock held: the job may use SimFs) and queue its result.
    fn run(&self, q: Queued) {
        let kind = q.job.kind();
        let done = match q.job {
            Job::Fsync { file, tag } => {
                let result = match &self.fs {
                    Some(fs) => fs.in_background(|| file.fdatasync()),
                    None => file.fdatasync(),
                };
                JobDone { kind, tag, result }
            }
            Job::Close { file } => JobDone { kind, tag: 0, result: file.close() },
            Job::LazyFree { value } => {
                drop(value);
                JobDone { kind, tag: 0, result: Ok(()) }
            }
        };
        let outcome = match &done.result {
            Ok(()) => "ok".to_string(),
            Err(e) => format!("{:?}", e.kind()),
        };
        self.trace.record(format_args!("bio.done #{} {kind:?} tag={} {outcome}", q.seq, done.tag));
        self.lock().completed.push(done);
    }
}

impl Background for SimBackground {
    fn submit(&self, job: Job) {
        let now = self.clock.monotonic_us();
        let kind = job.kind();
        let mut st = self.lock();
        let (lo, hi) = match kind {
            JobKind::Fsync => st.latency.fsync_us,
            JobKind::Close => st.latency.close_us,
            JobKind::LazyFree => st.latency.lazyfree_us,
        };
        let due_us = now.saturating_add(st.rng.range_inclusive(lo, hi));
        let seq = st.next_seq;
        st.next_seq += 1;
        st.queues.entry(kind).or_default().push_back(Queued { seq, due_us, job });
        drop(st);
        self.trace.record(format_args!("bio.submit #{seq} {kind:?} due={due_us}"));
    }

    fn pending(&self, kind: JobKind) -> usize {
        self.lock().queues.get(&kind).map_or(0, VecDeque::len)
    }

    fn take_completed(&self) -> Vec<JobDone> {
        std::mem::take(&mut self.lock().completed)
    }
}
