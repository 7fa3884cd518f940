//! BGSAVE: fork a child that writes the snapshot (`rdbSaveBackground`), and the parent's done
//! handler (`backgroundSaveDoneHandlerDisk`).
//!
//! The child's view of the keyspace ([`Snapshot`]):
//! - with a real `fork(2)` ([`crate::env::Forker::shares_memory`]), the child reads the
//!   databases through a pointer into its own copy-on-write copy of the parent's memory — no
//!   copy is made, as in Redis;
//! - in the simulator, the job owns a clone of the databases taken at fork time.
//!
//! Parent-side contract: `dirty_before_bgsave` is recorded at fork; on success the done handler
//! sets `dirty -= dirty_before_bgsave` (writes made while the child ran stay dirty), `lastsave`
//! and status ok; on failure the status is err (MISCONF if `stop-writes-on-bgsave-error`); a
//! child killed by a signal other than SIGUSR1 is a failure too, and its temp file is removed.

use super::job::{SaveCore, SaveTarget};
use super::{save_target, SaveStatus};
use crate::db::Db;
use crate::env::{ChildExit, ChildJob, Pid, Step};
use crate::server::Server;

/// SIGUSR1: Redis kills its own children with it, and does not count that as a failure.
const SIGUSR1: i32 = 10;

/// A pointer to the parent's databases, valid only inside a forked child.
struct FrozenDbs(*const Vec<Db>);

// SAFETY: a `FrozenDbs` is only created when `Forker::shares_memory()` is true, i.e. the job runs
// in a child process made by fork(2). The child has a private copy-on-write copy of the whole
// address space as it was at fork time: nothing else mutates or frees the pointee there (the
// child runs only this job, on one thread, then `_exit`s without running destructors). The
// parent drops its copy of the job without dereferencing the pointer.
unsafe impl Send for FrozenDbs {}

enum Snapshot {
    Owned(Vec<Db>),
    Frozen(FrozenDbs),
}

impl Snapshot {
    fn dbs(&self) -> &[Db] {
        match self {
            Snapshot::Owned(dbs) => dbs,
            // SAFETY: see `FrozenDbs`: the pointee is the child's frozen copy, alive until exit.
            Snapshot::Frozen(p) => unsafe { &*p.0 },
        }
    }
}

/// The child job of a BGSAVE.
pub struct BgsaveJob {
    core: SaveCore,
    snapshot: Snapshot,
}

impl BgsaveJob {
    /// The phase reached (for the simulator's crash-phase statistics).
    pub fn phase(&self) -> super::job::Phase {
        self.core.phase
    }
}

impl ChildJob for BgsaveJob {
    fn step(&mut self, parent_alive: bool) -> Step {
        if !parent_alive {
            self.core.abort();
            return Step::Done(Err("the parent server died: snapshot abandoned (an orphan never replaces the RDB file)".into()));
        }
        match self.core.step(self.snapshot.dbs()) {
            Ok(false) => Step::Continue,
            Ok(true) => Step::Done(Ok(())),
            Err(e) => Step::Done(Err(e)),
        }
    }
}

/// Start a background save. `Err` carries Redis's reply text for the refusal.
pub fn start(s: &mut Server) -> Result<Pid, String> {
    if s.rdb.child_pid.is_some() || s.aof.child_pid.is_some() {
        return Err("ERR Background save already in progress".into());
    }
    let target: SaveTarget = save_target(s, s.env.pid);
    let snapshot = if s.env.forker.shares_memory() {
        Snapshot::Frozen(FrozenDbs(&s.ks.dbs))
    } else {
        Snapshot::Owned(s.ks.dbs.clone())
    };
    let job = BgsaveJob { core: SaveCore::new(s.env.fs.clone(), target), snapshot };
    s.rdb.dirty_before_bgsave = s.ks.dirty;
    s.rdb.last_bgsave_try_s = s.env.clock.unix_ms() / 1000;
    s.rdb.saves_total += 1;
    let fork_start = s.env.clock.monotonic_us();
    match s.env.forker.fork(Box::new(job)) {
        Ok(pid) => {
            s.rdb.stat_fork_time_us = s.env.clock.monotonic_us().saturating_sub(fork_start);
            s.rdb.child_pid = Some(pid);
            s.rdb.bgsave_start_mono_us = Some(s.env.clock.monotonic_us());
            s.ks.set_child_running(true);
            s.log_notice(&format!("Background saving started by pid {pid}"));
            Ok(pid)
        }
        Err(e) => {
            s.rdb.last_bgsave_status = SaveStatus::Err;
            s.log_warning(&format!("Can't save in background: fork: {e}"));
            Err(format!("ERR Can't save in background: fork: {e}"))
        }
    }
}

/// The child `pid` ended with `exit`; returns false if it is not ours.
pub fn done(s: &mut Server, pid: Pid, exit: &ChildExit) -> bool {
    if s.rdb.child_pid != Some(pid) {
        return false;
    }
    let now_s = s.env.clock.unix_ms() / 1000;
    match exit {
        ChildExit::Ok => {
            s.log_notice("Background saving terminated with success");
            s.ks.dirty = s.ks.dirty.saturating_sub(s.rdb.dirty_before_bgsave);
            s.rdb.lastsave_s = Some(now_s);
            s.rdb.last_bgsave_status = SaveStatus::Ok;
        }
        ChildExit::Failed(_) => {
            s.log_warning("Background saving error");
            s.rdb.last_bgsave_status = SaveStatus::Err;
        }
        ChildExit::Killed(sig) => {
            s.log_warning(&format!("Background saving terminated by signal {sig}"));
            let temp = super::dir(s).join(SaveTarget::temp_name_for(s.env.pid));
            let _ = s.env.fs.unlink(&temp);
            if *sig != SIGUSR1 {
                s.rdb.last_bgsave_status = SaveStatus::Err;
            }
        }
    }
    s.rdb.child_pid = None;
    s.ks.set_child_running(s.aof.child_pid.is_some());
    if let Some(start) = s.rdb.bgsave_start_mono_us.take() {
        s.rdb.last_bgsave_time_s = Some((s.env.clock.monotonic_us().saturating_sub(start) / 1_000_000) as i64);
    }
    s.rdb.last_cow_bytes = s.env.forker.last_cow_bytes();
    true
}
