//! The harness's persistence events: time passing with the event loop running, fork-child
//! steps, kills and orphans, administrative commands (BGSAVE, SAVE, BGREWRITEAOF, CONFIG SET
//! appendonly), a server that exits on a fatal persistence error, and crash + restart + the
//! oracle's check.
//!
//! Time passes as in production: while an `Advance` runs, the event loop keeps calling cron
//! (`maybe_cron`, every `1000/hz` ms) and bio jobs complete when they are due, in steps of at
//! most [`ADVANCE_STEP_US`]. That is what makes everysec's bound checkable: the window the
//! oracle uses assumes a running loop (see [`crate::persist::Tracker::everysec_window_us`]).
//!
//! Invariant: a server with `fatal_error()` set never sends another byte: the harness crashes
//! it at once (its pending replies are never acknowledged) and restarts it.

use keel::env::Clock;
use keel::resp::{encode_command, parse_frame, FrameLimits};
use keel::server::Server;

use crate::check::{engine_state, visible_at, Failure};
use crate::fork::{ChildProgress, OrphanPolicy};
use crate::harness::Harness;
use crate::marks;
use crate::persist::ADVANCE_STEP_US;

/// How the server goes down.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum CrashKind {
    /// `kill -9`; a running child is dropped or kept as an orphan.
    Process(OrphanPolicy),
    /// The machine loses power.
    PowerLoss,
}

/// Start-up attempts after a crash when injected faults make start-up fail. Refusing to start
/// under an I/O error is P4's documented behaviour (e.g. start-up can't make the loaded AOF
/// durable), and faults queued by `FailNext` events fire one per attempt, so several queued
/// ones refuse several starts in a row (seed 177 under `--persistence always` needed 6).
const STARTS_MAX: u32 = 50;

/// Log lines that prove a rare path ran (coverage only, never correctness).
const SHORT_WRITE_LOG: &str = "Short write while writing to the AOF file";
const SHORT_WRITE_NOT_REMOVED_LOG: &str = "Could not remove short write";

impl Harness {
    /// Observe persistence after an event; a fatal persistence error makes the server exit.
    pub(crate) fn observe(&mut self) -> Result<(), Failure> {
        self.tracker.observe(&self.server, &self.sim, &mut self.log, &mut self.stats.marks);
        self.scan_log_marks();
        if self.server.fatal_error().is_some() {
            return self.fatal_exit();
        }
        Ok(())
    }

    fn scan_log_marks(&mut self) {
        let lines = self.server.log.drain();
        let short = lines.iter().any(|l| l.contains(SHORT_WRITE_LOG));
        let kept = lines.iter().any(|l| l.contains(SHORT_WRITE_NOT_REMOVED_LOG));
        if short && !kept {
            self.stats.marks.hit(marks::SHORT_WRITE_ROLLED_BACK);
        }
    }

    /// The engine must exit (`fatal_error`): it crashes without releasing any reply.
    pub(crate) fn fatal_exit(&mut self) -> Result<(), Failure> {
        let why = self.server.fatal_error().unwrap_or_default();
        self.sim.trace.record(format_args!("fatal persistence error, exiting: {why}"));
        self.stats.marks.hit(marks::FATAL_EXIT);
        self.crash_and_restart(CrashKind::Process(OrphanPolicy::Drop))
    }

    /// `us` of simulated time pass with the event loop running (see the module doc).
    pub(crate) fn advance(&mut self, us: u64) -> Result<(), Failure> {
        let end = self.now_us().saturating_add(us);
        while self.now_us() < end {
            let now = self.now_us();
            let mut next = (now + ADVANCE_STEP_US).min(end);
            if let Some(due) = self.sim.background.next_due_us().filter(|&d| d > now) {
                next = next.min(due);
            }
            self.sim.clock.advance_us(next - now);
            self.sim.background.complete_due(self.now_us());
            self.count_active_expiry(|s| {
                s.maybe_cron();
            });
            self.observe()?;
        }
        Ok(())
    }

    /// A command from the administrative client; its reply is traced, not checked.
    pub(crate) fn admin_command(&mut self, cmd: &[String]) {
        let args: Vec<&[u8]> = cmd.iter().map(|a| a.as_bytes()).collect();
        let mut bytes = Vec::new();
        encode_command(&args, &mut bytes);
        let before = self.server.pending_output(self.admin).map_or(0, <[u8]>::len);
        self.server.feed(self.admin, &bytes);
        let out = self.server.pending_output(self.admin).unwrap_or_default();
        let reply = parse_frame(&out[before.min(out.len())..], &FrameLimits::DEFAULT).ok().flatten().map(|(f, _)| f);
        self.sim.trace.record(format_args!("admin {} -> {reply:?}", cmd.join(" ")));
    }

    /// One step of the running fork child.
    pub(crate) fn child_step(&mut self) -> Result<(), Failure> {
        let progress = self.sim.forker.step_child();
        if progress != ChildProgress::NoChild {
            self.tracker.child_stepped();
        }
        Ok(())
    }

    pub(crate) fn kill_child(&mut self) {
        if self.sim.forker.kill_child() {
            self.stats.marks.hit(marks::CHILD_KILLED);
        }
    }

    pub(crate) fn orphan_step(&mut self) {
        if self.sim.forker.step_orphan() != ChildProgress::NoChild {
            self.stats.marks.hit(marks::ORPHAN_STEPPED);
        }
    }

    /// End the epoch: check acks, crash, restart from the simulated disk, check the recovery
    /// (P1–P4, expiry), and reset the model to what was recovered.
    pub(crate) fn crash_and_restart(&mut self, kind: CrashKind) -> Result<(), Failure> {
        self.check_acks()?;
        let crash_at_us = self.now_us();
        let policy = self.tracker.policy(crash_at_us, self.fsync_max_us);
        let phase = self.tracker.crash_phase(&self.server, &self.sim);
        self.stats.marks.hit(phase);
        self.sim.trace.record(format_args!("crash {kind:?} under {policy:?} in {phase:?}"));
        match kind {
            CrashKind::PowerLoss => {
                self.sim.power_loss();
                self.stats.power_losses += 1;
                self.stats.marks.hit(marks::POWER_LOSS);
            }
            CrashKind::Process(orphans) => {
                self.sim.process_crash(orphans);
                self.stats.crashes += 1;
                self.stats.marks.hit(marks::PROCESS_CRASH);
            }
        }
        self.start_server().map_err(|error| {
            self.fail("startup", format!("restart under {policy:?} after a crash in {phase:?}"), error)
        })?;
        self.mark_load();
        let now_ms = self.sim.clock.unix_ms();
        let recovered = engine_state(&self.server);
        let verdict = self
            .log
            .check_recovery(&recovered, now_ms, crash_at_us, policy.clone())
            .map_err(|v| self.fail("recovery", format!("restart under {policy:?} after a crash in {phase:?}"), v.to_string()))?;
        self.stats.recoveries += 1;
        self.stats.marks.hit(marks::RECOVERY_CHECKED);
        if !visible_at(&recovered, now_ms).is_empty() {
            self.stats.marks.hit(marks::RECOVERED_NONEMPTY);
        }
        if verdict.lost_acked > 0 {
            self.stats.marks.hit(marks::LOST_ACKED_ALLOWED);
        }
        self.sim.trace.record(format_args!(
            "recovered prefix {} of {} (k_min {}, lost acked {})",
            verdict.matched_prefix_k,
            self.log.len(),
            verdict.k_min,
            verdict.lost_acked
        ));
        self.reset_after_restart(&recovered);
        Ok(())
    }

    /// Start a server on the simulated disk. A start-up that fails because an I/O fault was
    /// injected while it ran (EIO on the fsync of the loaded file, …) is retried, as an
    /// operator would restart it; one that fails with no fault injected is P4's failure: from
    /// a crash state without media corruption, start-up must succeed.
    ///
    /// A full disk is not transient: start-up refuses (P4: it must make the loaded AOF durable
    /// by copying it, see `keel::aof::load`), so before the retry the operator adds space
    /// (the capacity doubles).
    pub(crate) fn start_server(&mut self) -> Result<(), String> {
        for attempt in 1..=STARTS_MAX {
            let faults_before = self.io_faults();
            let enospc_before = self.sim.fs.fault_count(crate::fs::FaultKind::Enospc);
            self.server = Server::new(self.sim.env(), self.config.clone());
            self.server.startup();
            let Some(error) = self.server.startup_error() else { return Ok(()) };
            if self.io_faults() == faults_before || attempt == STARTS_MAX {
                return Err(error);
            }
            self.sim.trace.record(format_args!("start-up failed under an injected fault, restarting: {error}"));
            self.stats.marks.hit(marks::STARTUP_RETRIED);
            if self.sim.fs.fault_count(crate::fs::FaultKind::Enospc) > enospc_before {
                let mut config = self.sim.fs.config();
                config.capacity_bytes = config.capacity_bytes.map(|c| c.saturating_mul(2));
                self.sim.trace.record(format_args!("operator adds disk space: capacity {:?}", config.capacity_bytes));
                self.sim.fs.set_config(config);
            }
            self.sim.process_crash(OrphanPolicy::KeepRunning);
        }
        Ok(())
    }

    /// Injected I/O errors so far (not latencies or crash effects).
    fn io_faults(&self) -> u64 {
        use crate::fs::FaultKind as K;
        let counts = self.sim.fs.fault_counts();
        [K::ShortWrite, K::Enospc, K::EioWrite, K::EioFsync, K::EioClose, K::EioOther]
            .iter()
            .map(|k| counts.get(k).copied().unwrap_or(0))
            .sum()
    }

    fn mark_load(&mut self) {
        let s = &self.server;
        if s.rdb.last_load.as_ref().is_some_and(|l| l.keys_loaded > 0) {
            self.stats.marks.hit(marks::RDB_LOADED);
        }
        if s.config.appendonly && s.aof.current_size > 0 {
            self.stats.marks.hit(marks::AOF_LOADED);
        }
        if s.aof.loaded_truncated {
            self.stats.marks.hit(marks::AOF_TAIL_TORN);
        }
    }
}
