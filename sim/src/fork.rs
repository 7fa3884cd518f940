//! `SimForker`: fork(2) and waitpid(2) for the simulator, implementing `keel::env::Forker`.
//!
//! `shares_memory()` is false: the job owns its snapshot (taken by the engine at fork time).
//! `fork` stores the job and returns a fake pid (1000, 1001, …); the child makes progress only
//! when the scheduler calls [`SimForker::step_child`] / [`SimForker::run_child_to_end`]. Its
//! file operations go through the same SimFs as the parent's.
//!
//! Invariants:
//! - At most one child runs at a time (Redis never has two); `fork` while one runs fails with
//!   EAGAIN, which surfaces an engine bug instead of hiding it.
//! - The parent learns how a child ended only through `try_wait`, once per child, after it
//!   finished: `Step::Done(Ok)` → `ChildExit::Ok`, `Step::Done(Err)` → `Failed(1)`, killed (by
//!   the parent's `kill` or the scheduler's `kill_child`) → `Killed(10)` (SIGUSR1).
//! - After `parent_crashed`, the old child is either dropped or kept as an orphan that the
//!   scheduler may keep stepping (it can still write its temp file); an orphan's exit is never
//!   reported to the new parent.

use std::collections::VecDeque;
use std::io;
use std::sync::{Arc, Mutex, MutexGuard};

use keel::env::{ChildExit, ChildJob, Forker, Pid, Step};

use crate::fs::SimFs;
use crate::trace::Trace;

/// SIGUSR1, the signal Redis kills its children with.
pub const SIGUSR1: i32 = 10;
/// First fake pid.
pub const FIRST_PID: Pid = 1000;

/// What happens to a running child when the parent crashes.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum OrphanPolicy {
    /// The child keeps running as an orphan (step it with `step_orphan`).
    KeepRunning,
    /// The child dies with the parent.
    Drop,
}

/// Result of stepping a child.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum ChildProgress {
    /// There was no child to step.
    NoChild,
    /// The child did one step and has more to do.
    Running,
    /// The child finished with this status (reported by `try_wait` for a non-orphan).
    Exited(ChildExit),
}

struct Child {
    pid: Pid,
    job: Box<dyn ChildJob>,
    steps: u64,
}

#[derive(Default)]
struct ForkState {
    child: Option<Child>,
    orphans: VecDeque<Child>,
    exited: VecDeque<(Pid, ChildExit)>,
    next_pid: Pid,
    fail_next: bool,
    last_cow_bytes: u64,
}

/// A shared handle on the simulated process table.
#[derive(Clone)]
pub struct SimForker {
    state: Arc<Mutex<ForkState>>,
    trace: Trace,
    fs: Option<SimFs>,
}

fn exit_of(result: Result<(), String>) -> ChildExit {
    match result {
        Ok(()) => ChildExit::Ok,
        Err(_) => ChildExit::Failed(1),
    }
}

impl SimForker {
    pub fn new(trace: Trace) -> SimForker {
        let state = ForkState { next_pid: FIRST_PID, ..ForkState::default() };
        SimForker { state: Arc::new(Mutex::new(state)), trace, fs: None }
    }

    /// Run child steps inside `fs.as_child(pid, ..)`, so files a child opens survive a crash
    /// of the server process (needed for `OrphanPolicy::KeepRunning`).
    pub fn with_fs(mut self, fs: SimFs) -> SimForker {
        self.fs = Some(fs);
        self
    }

    /// One step of `child`; `parent_alive` is false for an orphan.
    fn run_step(&self, child: &mut Child, parent_alive: bool) -> Step {
        child.steps += 1;
        match &self.fs {
            // The child runs beside the parent: its fsyncs take no time from the parent's
            // event loop (the scheduler decides when the child makes progress).
            Some(fs) => fs.as_child(child.pid, || fs.in_background(|| child.job.step(parent_alive))),
            None => child.job.step(parent_alive),
        }
    }

    fn lock(&self) -> MutexGuard<'_, ForkState> {
        self.state.lock().unwrap_or_else(|e| e.into_inner())
    }

    pub fn has_child(&self) -> bool {
        self.lock().child.is_some()
    }

    pub fn child_pid(&self) -> Option<Pid> {
        self.lock().child.as_ref().map(|c| c.pid)
    }

    /// The next `fork` fails with ENOMEM (as when fork(2) cannot allocate).
    pub fn fail_fork_next(&self) {
        self.lock().fail_next = true;
    }

    /// Set what `last_cow_bytes` reports (the harness's stand-in for copy-on-write size).
    pub fn set_last_cow_bytes(&self, bytes: u64) {
        self.lock().last_cow_bytes = bytes;
    }

    /// Run one step of the child. The job runs without the fork lock held, so it may use any
    /// other seam (its writes go through SimFs).
    pub fn step_child(&self) -> ChildProgress {
        let Some(mut child) = self.lock().child.take() else { return ChildProgress::NoChild };
        let step = self.run_step(&mut child, true);
        let pid = child.pid;
        match step {
            Step::Continue => {
                self.trace.record(format_args!("fork.step pid={pid} n={}", child.steps));
                self.lock().child = Some(child);
                ChildProgress::Running
            }
            Step::Done(result) => {
                let exit = exit_of(result);
                self.trace.record(format_args!("fork.exit pid={pid} steps={} {exit:?}", child.steps));
                self.lock().exited.push_back((pid, exit.clone()));
                ChildProgress::Exited(exit)
            }
        }
    }

    /// Step the child until it finishes; `None` if there was no child.
    pub fn run_child_to_end(&self) -> Option<ChildExit> {
        loop {
            match self.step_child() {
                ChildProgress::NoChild => return None,
                ChildProgress::Running => {}
                ChildProgress::Exited(exit) => return Some(exit),
            }
        }
    }

    /// Kill the running child (the parent will see `Killed(SIGUSR1)`); false if none runs.
    pub fn kill_child(&self) -> bool {
        let mut st = self.lock();
        let Some(child) = st.child.take() else { return false };
        st.exited.push_back((child.pid, ChildExit::Killed(SIGUSR1)));
        drop(st);
        self.trace.record(format_args!("fork.kill pid={} after steps={}", child.pid, child.steps));
        true
    }

    /// The parent process crashed: unreaped exits are forgotten and the running child is
    /// dropped or kept as an orphan, per `policy`.
    pub fn parent_crashed(&self, policy: OrphanPolicy) {
        let mut st = self.lock();
        st.exited.clear();
        if let Some(child) = st.child.take() {
            self.trace.record(format_args!("fork.parent_crashed pid={} {policy:?}", child.pid));
            if policy == OrphanPolicy::KeepRunning {
                st.orphans.push_back(child);
            }
        }
    }

    /// Number of orphans still running.
    pub fn orphans(&self) -> usize {
        self.lock().orphans.len()
    }

    /// Run one step of the oldest orphan; its exit goes nowhere.
    pub fn step_orphan(&self) -> ChildProgress {
        let Some(mut child) = self.lock().orphans.pop_front() else { return ChildProgress::NoChild };
        let step = self.run_step(&mut child, false);
        match step {
            Step::Continue => {
                self.trace.record(format_args!("fork.orphan_step pid={} n={}", child.pid, child.steps));
                self.lock().orphans.push_front(child);
                ChildProgress::Running
            }
            Step::Done(result) => {
                let exit = exit_of(result);
                self.trace.record(format_args!("fork.orphan_exit pid={} {exit:?}", child.pid));
                ChildProgress::Exited(exit)
            }
        }
    }

    /// Drop every orphan (e.g. at power loss).
    pub fn drop_orphans(&self) {
        self.lock().orphans.clear();
    }
}

impl Forker for SimForker {
    fn shares_memory(&self) -> bool {
        false
    }

    fn fork(&self, job: Box<dyn ChildJob>) -> io::Result<Pid> {
        let mut st = self.lock();
        if std::mem::take(&mut st.fail_next) {
            drop(st);
            self.trace.record("fork -> ENOMEM");
            return Err(io::Error::from_raw_os_error(12));
        }
        if st.child.is_some() {
            return Err(io::Error::from_raw_os_error(11));
        }
        let pid = st.next_pid;
        st.next_pid += 1;
        st.child = Some(Child { pid, job, steps: 0 });
        drop(st);
        self.trace.record(format_args!("fork -> pid={pid}"));
        Ok(pid)
    }

    fn try_wait(&self) -> Option<(Pid, ChildExit)> {
        let reaped = self.lock().exited.pop_front();
        if let Some((pid, exit)) = &reaped {
            self.trace.record(format_args!("fork.reap pid={pid} {exit:?}"));
        }
        reaped
    }

    fn kill(&self, pid: Pid) -> io::Result<()> {
        if self.child_pid() == Some(pid) && self.kill_child() {
            Ok(())
        } else {
            Err(io::Error::from_raw_os_error(3))
        }
    }

    fn last_cow_bytes(&self) -> u64 {
        self.lock().last_cow_bytes
    }
}
