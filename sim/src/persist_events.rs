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

use keel_models::oracle::Policy;

use crate::check::{engine_state, visible_at, Failure};
use crate::fork::{ChildProgress, OrphanPolicy};
use crate::fs::PowerLossPlan;
use crate::harness::Harness;
use crate::ledger::{clean_field, CrashRecord, Outcome};
use crate::marks::{self, CRASH_PHASE_PREFIX};
use crate::persist::ADVANCE_STEP_US;

/// How the server goes down.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum CrashKind {
    /// `kill -9`; a running child is dropped or kept as an orphan.
    Process(OrphanPolicy),
    /// The machine loses power.
    PowerLoss,
    /// The engine exits on a fatal persistence error (a process crash that drops the child).
    FatalExit,
}

impl CrashKind {
    /// The ledger's name of the kind (see `ledger.rs`).
    fn name(self) -> &'static str {
        match self {
            CrashKind::Process(OrphanPolicy::KeepRunning) => "process-crash-orphan",
            CrashKind::Process(_) => "process-crash",
            CrashKind::PowerLoss => "power-loss",
            CrashKind::FatalExit => "fatal-exit",
        }
    }
}

/// The ledger's name of an oracle policy.
fn policy_name(policy: &Policy) -> &'static str {
    match policy {
        Policy::Always => "always",
        Policy::Everysec { .. } => "everysec",
        Policy::No => "no",
        Policy::RdbOnly => "rdb",
        Policy::None => "none",
    }
}

/// A start-up error as a ledger/report key: runs of 3+ digits (pids, sizes, offsets) become
/// `N`, so equal errors group; errno numbers (1–2 digits) stay.
pub fn normalize_error(error: &str) -> String {
    let mut out = String::with_capacity(error.len());
    let mut digits = String::new();
    for c in error.chars().chain(std::iter::once('\0')) {
        if c.is_ascii_digit() {
            digits.push(c);
            continue;
        }
        if digits.len() >= 3 {
            out.push('N');
        } else {
            out.push_str(&digits);
        }
        digits.clear();
        if c != '\0' {
            out.push(c);
        }
    }
    out
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
        self.crash_and_restart(CrashKind::FatalExit)
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
            if self.sim.fs.crash_point_taken().is_some() {
                break; // the machine crashed during this step (exhaustive mode)
            }
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
        self.crash_and_restart_with(kind, None, None)
    }

    /// [`Harness::crash_and_restart`] with what a power loss keeps decided by `plan` (`None`:
    /// the seeded power-loss stream) and the crash dated `crash_at_us` (`None`: now; a crash
    /// point taken earlier in the event passes its own time). Appends the crash to the ledger.
    pub(crate) fn crash_and_restart_with(
        &mut self,
        kind: CrashKind,
        plan: Option<&mut dyn PowerLossPlan>,
        crash_at_us: Option<u64>,
    ) -> Result<(), Failure> {
        self.check_acks()?;
        let crash_at_us = crash_at_us.unwrap_or_else(|| self.now_us());
        let policy = self.tracker.policy(crash_at_us, self.fsync_max_us);
        let phase = self.tracker.crash_phase(&self.server, &self.sim);
        self.stats.marks.hit(phase);
        self.sim.trace.record(format_args!("crash {kind:?} under {policy:?} in {phase:?}"));
        let mut record = CrashRecord {
            policy: policy_name(&policy).into(),
            kind: kind.name().into(),
            site: self.sim.fs.last_site().map_or("none".into(), |s| clean_field(&s.label())),
            phase: clean_field(phase.strip_prefix(CRASH_PHASE_PREFIX).unwrap_or(phase)),
            writes: self.log.len() as u64,
            k: None,
            k_min: None,
            lost_acked: 0,
            window_us: 0,
            refused: 0,
            outcome: Outcome::Refused,
        };
        self.go_down(kind, plan);
        let started = self.start_server();
        record.refused = self.refused_starts;
        if let Err(error) = started {
            self.stats.ledger.push(record);
            return Err(self.fail("startup", format!("restart under {policy:?} after a crash in {phase:?}"), error));
        }
        self.mark_load();
        record.outcome = if self.server.aof.loaded_truncated { Outcome::Truncated } else { Outcome::Clean };
        let now_ms = self.sim.clock.unix_ms();
        let recovered = engine_state(&self.server);
        let verdict = match self.log.check_recovery(&recovered, now_ms, crash_at_us, policy.clone()) {
            Ok(v) => v,
            Err(v) => {
                record.outcome = Outcome::Violation;
                self.stats.ledger.push(record);
                let at = format!("restart under {policy:?} after a crash in {phase:?}");
                return Err(self.fail("recovery", at, v.to_string()));
            }
        };
        record.k = Some(verdict.matched_prefix_k as u64);
        record.k_min = Some(verdict.k_min as u64);
        record.lost_acked = verdict.lost_acked as u64;
        record.window_us = self.log.executed_at_us(verdict.matched_prefix_k).map_or(0, |t| crash_at_us.saturating_sub(t));
        self.stats.ledger.push(record);
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

    /// Crash at the crash point taken (bounded exhaustive mode): the disk is put back as it was
    /// right after that operation, then the process crashes (`plan` is `None`) or the machine
    /// loses power (`plan` decides what survives); restart and check as after any crash, dated
    /// at the crash point. Does nothing if no crash point was taken.
    pub fn crash_at_crash_point(&mut self, plan: Option<&mut dyn PowerLossPlan>) -> Result<(), Failure> {
        let Some((at_us, _)) = self.sim.fs.crash_point_taken() else { return Ok(()) };
        self.sim.fs.restore_crash_point();
        self.tracker.observe_crash_point(&self.server, &self.sim, &mut self.log, &mut self.stats.marks, at_us);
        let kind = if plan.is_some() { CrashKind::PowerLoss } else { CrashKind::Process(OrphanPolicy::Drop) };
        self.crash_and_restart_with(kind, plan, Some(at_us))
    }

    /// The machine or the process goes down (`plan`: what a power loss keeps).
    fn go_down(&mut self, kind: CrashKind, plan: Option<&mut dyn PowerLossPlan>) {
        match kind {
            CrashKind::PowerLoss => {
                match plan {
                    Some(plan) => self.sim.power_loss_with(plan),
                    None => self.sim.power_loss(),
                }
                self.stats.power_losses += 1;
                self.stats.marks.hit(marks::POWER_LOSS);
            }
            CrashKind::Process(orphans) => {
                self.sim.process_crash(orphans);
                self.stats.crashes += 1;
                self.stats.marks.hit(marks::PROCESS_CRASH);
            }
            CrashKind::FatalExit => {
                self.sim.process_crash(OrphanPolicy::Drop);
                self.stats.crashes += 1;
                self.stats.marks.hit(marks::PROCESS_CRASH);
            }
        }
    }

    /// Start a server on the simulated disk. A start-up that fails because an I/O fault was
    /// injected while it ran (EIO on the fsync of the loaded file, …) is retried, as an
    /// operator would restart it; one that fails with no fault injected is P4's failure: from
    /// a crash state without media corruption, start-up must succeed.
    ///
    /// A full disk is not transient: start-up refuses (P4: it must make the loaded AOF durable
    /// by copying it, see `keel::aof::load`), so before the retry the operator adds space
    /// (the capacity doubles).
    ///
    /// Refused attempts are counted in `refused_starts` and, by normalized error, in the
    /// run's `refusals`.
    pub(crate) fn start_server(&mut self) -> Result<(), String> {
        self.refused_starts = 0;
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
            self.refused_starts += 1;
            *self.stats.refusals.entry(normalize_error(&error)).or_insert(0) += 1;
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
