//! Durability evidence: what the harness observes of RDB and AOF persistence, turned into the
//! oracle's durability points, fsync errors and snapshots (DESIGN §5), plus the policy to
//! judge a restart by and the phase a crash landed in.
//!
//! # Where the evidence comes from
//! The engine's own bookkeeping (`synced_size`, `lastsave`) is never trusted for durability;
//! SimFs is asked instead, after every command, every event and every step of an `Advance`:
//! - **AOF**: each executed write is mapped to the AOF byte offset right after its effects
//!   (`current_size + aof_buf.len()` once the command ran: `aof_buf` is appended at
//!   `current_size` by the next flush; a rolled-back short write or a repaired fsync rewrites
//!   the same bytes at the same offsets). The writes whose offset is at most
//!   [`SimFs::durable_prefix_len`] of `appendonly.aof` (durable bytes equal to the page cache,
//!   under a durable name) are durable from the moment that length is observed. When the file
//!   is switched (a rewrite renamed over it, or CONFIG SET appendonly yes created it) every
//!   write so far is in the new file, so all of them map to its size at the switch.
//! - **AOF errors**: a failed fsync of the AOF's inode ([`SimFs::take_sync_log`]) is an fsync
//!   error for P3 at the time the engine learns it: at once for a main-thread fsync, and for
//!   a background (bio) fsync at the engine's next collection of background results (cron,
//!   and the start of every AOF flush: `stats.background_reaps` counts them). Any AOF
//!   error (write or fsync) also voids everysec's bound for writes acknowledged after
//!   `first error - window` (see [`Tracker::policy`]).
//! - **RDB**: a fork (the engine's `rdb.child_pid` appears) registers a snapshot at the
//!   current write count; the child's temp file inode is learned as it steps. Whenever the
//!   inode `dump.rdb` names *durably* changes to a snapshot's inode, that snapshot is durable
//!   (its data was fsynced before the rename, and the rename is now durable, whoever's
//!   directory fsync made it so). A `dump.rdb` that appears under an inode no child wrote is a
//!   foreground save (SAVE, FLUSHALL with save points) at the current write count.
//!
//! Invariant: the tracker only reads engine state that says *what was done* (which child runs,
//! which file is open, how many bytes were fed), never what the engine believes is durable.

use std::collections::BTreeMap;
use std::path::PathBuf;

use keel::aof::AofStatus;
use keel::config::{AppendFsync, Config};
use keel::env::JobKind;
use keel::server::Server;
use keel_models::oracle::Policy;

use crate::check::EpochLog;
use crate::env::SimEnv;
use crate::fs::DIR_SYNC_INO;
use crate::marks::{self, Marks};

/// How long one step of an `Advance` lets time pass before the event loop runs again.
pub const ADVANCE_STEP_US: u64 = 50_000;
/// everysec's cadence and postponement (DESIGN §5; the engine's `FSYNC_PERIOD_US` and
/// `POSTPONE_MAX_US`, restated here so the oracle does not borrow the engine's constants).
const EVERYSEC_CADENCE_US: u64 = 1_000_000;
const EVERYSEC_POSTPONE_US: u64 = 2_000_000;

/// Strength of the fsync policy in force, weakest first.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
enum Strength {
    No,
    Everysec,
    Always,
}

/// The RDB child being tracked.
#[derive(Clone, Debug)]
struct RdbChild {
    pid: u32,
    snapshot: usize,
    steps: u32,
    /// Expire times (ms) of the keys at the fork, for the "expired during a snapshot" mark.
    expires: Vec<i64>,
    forked_ms: i64,
}

/// Per-epoch persistence observations (see the module doc).
pub struct Tracker {
    dir: PathBuf,
    aof_path: PathBuf,
    rdb_path: PathBuf,
    /// Restart loads the AOF (the start-up configuration's `appendonly`).
    startup_aof: bool,
    /// `(k, offset)`: the first `k` writes are in the AOF once `offset` bytes are durable.
    offsets: Vec<(usize, u64)>,
    aof_ino: Option<u64>,
    /// `durable_prefix_len` of the AOF when last computed.
    durable_len: u64,
    durable_k: usize,
    bg_error_pending: bool,
    first_error_us: Option<u64>,
    background_reaps: u64,
    weakest: Strength,
    cron_period_max_us: u64,
    rdb_child: Option<RdbChild>,
    aof_child: Option<(u32, usize)>,
    /// Snapshot index by the inode its file was written to.
    snap_inos: BTreeMap<u64, usize>,
    rdb_visible_ino: Option<u64>,
    rdb_durable_ino: Option<u64>,
    misconf: bool,
    errors_seen: u64,
    delayed_fsync: u64,
    last_rewrites: u64,
}

fn strength_of(policy: AppendFsync) -> Strength {
    match policy {
        AppendFsync::Always => Strength::Always,
        AppendFsync::Everysec => Strength::Everysec,
        AppendFsync::No => Strength::No,
    }
}

impl Tracker {
    /// A tracker for an epoch that starts now on `server` (just started) with `startup`.
    pub fn new(server: &Server, sim: &SimEnv, startup: &Config) -> Tracker {
        let dir = PathBuf::from(&startup.dir);
        let aof_path = dir.join(&startup.appendfilename);
        let rdb_path = dir.join(&startup.dbfilename);
        let mut t = Tracker {
            startup_aof: startup.appendonly,
            offsets: Vec::new(),
            aof_ino: sim.fs.visible_ino(&aof_path),
            durable_len: sim.fs.durable_prefix_len(&aof_path),
            durable_k: 0,
            bg_error_pending: false,
            first_error_us: None,
            background_reaps: server.stats.background_reaps,
            weakest: Strength::Always,
            cron_period_max_us: 0,
            rdb_child: None,
            aof_child: None,
            snap_inos: BTreeMap::new(),
            rdb_visible_ino: sim.fs.visible_ino(&rdb_path),
            rdb_durable_ino: sim.fs.durable_ino(&rdb_path),
            misconf: server.write_blocked_reason().is_some(),
            errors_seen: 0,
            delayed_fsync: server.aof.delayed_fsync,
            last_rewrites: server.aof.rewrites,
            dir,
            aof_path,
            rdb_path,
        };
        let _ = sim.fs.take_sync_log();
        t.note_policy(server);
        t
    }

    /// A write was executed and recorded as the `k`th of the epoch: map it to its AOF offset.
    pub fn on_write(&mut self, k: usize, server: &Server) {
        let a = &server.aof;
        if a.status == AofStatus::On && a.file.is_some() {
            self.offsets.push((k, a.current_size + a.buf.len() as u64));
        }
    }

    /// Observe the engine and SimFs after a command, an event or an `Advance` step.
    /// Nothing is observed once an armed crash point was taken: what happens after it never
    /// reaches the disk the crash leaves (`fs/crash_point.rs`).
    pub fn observe(&mut self, server: &Server, sim: &SimEnv, log: &mut EpochLog, marks: &mut Marks) {
        if sim.fs.crash_point_taken().is_some() {
            return;
        }
        let now_us = keel::env::Clock::monotonic_us(&sim.clock);
        self.note_policy(server);
        self.observe_children(server, sim, log, now_us);
        self.observe_rdb_file(sim, log, now_us, marks);
        self.observe_aof(server, sim, log, now_us, false);
        self.observe_marks(server, marks, log.len());
    }

    /// Observe the disk state put back at a crash point (bounded exhaustive mode), dated
    /// `at_us`, the crash point's time: what that state shows durable (the AOF's durable
    /// prefix, `dump.rdb`'s durable inode) was durable when the crash happened.
    pub fn observe_crash_point(&mut self, server: &Server, sim: &SimEnv, log: &mut EpochLog, marks: &mut Marks, at_us: u64) {
        self.note_policy(server);
        self.observe_children(server, sim, log, at_us);
        self.observe_rdb_file(sim, log, at_us, marks);
        self.observe_aof(server, sim, log, at_us, true);
    }

    fn note_policy(&mut self, server: &Server) {
        let c = &server.config;
        let child = server.rdb.child_pid.is_some() || server.aof.child_pid.is_some();
        let now = if server.aof.status != AofStatus::On || (c.no_appendfsync_on_rewrite && child) {
            Strength::No
        } else {
            strength_of(c.appendfsync)
        };
        self.weakest = self.weakest.min(now);
        self.cron_period_max_us = self.cron_period_max_us.max(1_000_000 / u64::from(c.hz.max(1)));
    }

    /// Register forks (RDB snapshot points, rewrite starts) and learn the child's temp inode.
    fn observe_children(&mut self, server: &Server, sim: &SimEnv, log: &mut EpochLog, now_us: u64) {
        let rdb_pid = server.rdb.child_pid;
        if rdb_pid.is_some() && self.rdb_child.as_ref().map(|c| c.pid) != rdb_pid {
            let snapshot = log.snapshot_forked(log.len(), now_us);
            let state = crate::check::engine_state(server);
            let expires = state.values().flat_map(|keys| keys.values().filter_map(|(_, e)| *e)).collect();
            let forked_ms = keel::env::Clock::unix_ms(&sim.clock);
            self.rdb_child = rdb_pid.map(|pid| RdbChild { pid, snapshot, steps: 0, expires, forked_ms });
        }
        if let Some(child) = &self.rdb_child {
            let temp = self.dir.join(keel::rdb::job::SaveTarget::temp_name_for(sim.pid()));
            if let Some(ino) = sim.fs.visible_ino(&temp) {
                self.snap_inos.entry(ino).or_insert(child.snapshot);
            }
        }
        match (server.aof.child_pid, self.aof_child) {
            (Some(pid), Some((seen, _))) if pid == seen => {}
            (Some(pid), _) => self.aof_child = Some((pid, log.len())),
            (None, _) => {}
        }
    }

    /// `dump.rdb`'s visible and durable inodes: foreground saves and durable snapshots.
    fn observe_rdb_file(&mut self, sim: &SimEnv, log: &mut EpochLog, now_us: u64, marks: &mut Marks) {
        let visible = sim.fs.visible_ino(&self.rdb_path);
        if visible != self.rdb_visible_ino {
            self.rdb_visible_ino = visible;
            if let Some(ino) = visible.filter(|i| !self.snap_inos.contains_key(i)) {
                let snapshot = log.snapshot_forked(log.len(), now_us);
                self.snap_inos.insert(ino, snapshot);
            }
        }
        let durable = sim.fs.durable_ino(&self.rdb_path);
        if durable != self.rdb_durable_ino {
            self.rdb_durable_ino = durable;
            if let Some(&snapshot) = durable.and_then(|i| self.snap_inos.get(&i)) {
                log.snapshot_durable(snapshot, now_us);
                marks.hit(marks::SNAPSHOT_DURABLE);
                self.mark_expired_during(snapshot, sim, marks);
            }
        }
    }

    fn mark_expired_during(&self, snapshot: usize, sim: &SimEnv, marks: &mut Marks) {
        let Some(child) = self.rdb_child.as_ref().filter(|c| c.snapshot == snapshot) else { return };
        let now_ms = keel::env::Clock::unix_ms(&sim.clock);
        if child.expires.iter().any(|&t| t > child.forked_ms && t < now_ms) {
            marks.hit(marks::EXPIRED_DURING_SNAPSHOT);
        }
    }

    /// AOF: file switches, fsync results, and the durable prefix (recomputed when `force`).
    fn observe_aof(&mut self, server: &Server, sim: &SimEnv, log: &mut EpochLog, now_us: u64, force: bool) {
        let ino = sim.fs.visible_ino(&self.aof_path);
        let open = server.aof.status == AofStatus::On && server.aof.file.is_some();
        let switched = ino != self.aof_ino;
        if switched {
            self.aof_ino = ino;
            self.offsets.clear();
            if open && !log.is_empty() {
                self.offsets.push((log.len(), server.aof.current_size));
            }
        }
        let (mut synced, mut dir_synced) = (false, false);
        for rec in sim.fs.take_sync_log() {
            if rec.ino == DIR_SYNC_INO {
                dir_synced = true;
            } else if Some(rec.ino) == self.aof_ino {
                synced |= rec.ok;
                if !rec.ok && rec.background {
                    self.bg_error_pending = true;
                } else if !rec.ok {
                    self.error(log, now_us);
                }
            }
        }
        if server.stats.background_reaps != self.background_reaps {
            self.background_reaps = server.stats.background_reaps;
            if std::mem::take(&mut self.bg_error_pending) {
                self.error(log, now_us);
            }
        }
        if server.aof.write_error.is_some() {
            self.first_error_us.get_or_insert(now_us);
        }
        // Durable bytes change only at an fsync (of the file or of its directory), and a
        // switch maps writes to a file that is already durable: recompute only then.
        // A write with no AOF bytes of its own (a no-op write) lands at an offset that may be
        // durable already.
        let covered = self.offsets.first().is_some_and(|&(_, off)| off <= self.durable_len);
        if !synced && !dir_synced && !switched && !covered && !force {
            return;
        }
        let durable_len = sim.fs.durable_prefix_len(&self.aof_path);
        self.durable_len = durable_len;
        let k = self.offsets.iter().take_while(|&&(_, off)| off <= durable_len).map(|&(k, _)| k).last();
        let advanced = k.is_some_and(|k| k > self.durable_k);
        let first = self.offsets.first().copied();
        sim.trace.record(format_args!("persist.aof durable_len={durable_len} first_pending={first:?} durable_k={}", self.durable_k));
        if let Some(k) = k.filter(|_| advanced) {
            self.durable_k = k;
            self.offsets.retain(|&(w, _)| w > k);
        }
        // A successful fsync of the AOF is a durability point even when it covers no new
        // write (P3: the data the engine rewrote after an fsync error is on disk again).
        if advanced || synced {
            log.durable_through(self.durable_k, now_us);
        }
    }

    fn error(&mut self, log: &mut EpochLog, now_us: u64) {
        log.fsync_error(now_us);
        self.errors_seen += 1;
        self.first_error_us.get_or_insert(now_us);
    }

    fn observe_marks(&mut self, server: &Server, marks: &mut Marks, writes: usize) {
        marks.add(marks::FSYNC_ERROR_SEEN, std::mem::take(&mut self.errors_seen));
        let misconf = server.write_blocked_reason().is_some();
        if self.misconf && !misconf {
            marks.hit(marks::MISCONF_CLEARED);
        }
        self.misconf = misconf;
        if server.aof.delayed_fsync != self.delayed_fsync || server.aof.flush_postponed_start_us.is_some() {
            self.delayed_fsync = server.aof.delayed_fsync;
            marks.hit(marks::FLUSH_POSTPONED);
        }
        if server.aof.rewrites != self.last_rewrites {
            self.last_rewrites = server.aof.rewrites;
            marks.hit(marks::REWRITE_INSTALLED);
            if self.aof_child.is_some_and(|(_, at)| writes > at) {
                marks.hit(marks::REWRITE_RACE);
            }
        }
        if server.aof.child_pid.is_none() {
            self.aof_child = None;
        }
    }

    /// The harness stepped the running child.
    pub fn child_stepped(&mut self) {
        if let Some(c) = self.rdb_child.as_mut() {
            c.steps += 1;
        }
    }

    /// The oracle's policy for a crash now: what the restart will load, and the weakest fsync
    /// policy in force during the epoch (`no-appendfsync-on-rewrite yes` with a child running,
    /// or AOF not on, count as `no`).
    pub fn policy(&self, crash_at_us: u64, fsync_latency_max_us: u64) -> Policy {
        if !self.startup_aof {
            return Policy::RdbOnly;
        }
        match self.weakest {
            Strength::Always => Policy::Always,
            Strength::No => Policy::No,
            Strength::Everysec => {
                let window = self.everysec_window_us(fsync_latency_max_us);
                let since_error = self.first_error_us.map_or(0, |e| crash_at_us.saturating_sub(e) + window);
                Policy::Everysec { window_us: window.max(since_error) }
            }
        }
    }

    /// everysec's bound from what this epoch ran with: the cadence, the postponement, up to
    /// four fsync latencies (the pending fsync, the next one, and a rewrite's synchronous file
    /// and directory fsyncs blocking the loop), two cron periods at the slowest `hz` seen, and
    /// two `Advance` steps of scheduling granularity.
    pub fn everysec_window_us(&self, fsync_latency_max_us: u64) -> u64 {
        EVERYSEC_CADENCE_US
            + EVERYSEC_POSTPONE_US
            + 4 * fsync_latency_max_us
            + 2 * self.cron_period_max_us
            + 2 * ADVANCE_STEP_US
    }

    /// Ack ordering is judged under the epoch's weakest policy too (RDB-only epochs promise
    /// nothing about acknowledgements).
    pub fn ack_policy(&self, fsync_latency_max_us: u64) -> Policy {
        match self.policy(0, fsync_latency_max_us) {
            Policy::Everysec { .. } => Policy::Everysec { window_us: self.everysec_window_us(fsync_latency_max_us) },
            other => other,
        }
    }

    /// The coverage mark naming the persistence phase a crash now lands in.
    pub fn crash_phase(&self, server: &Server, sim: &SimEnv) -> &'static str {
        if let Some(child) = self.rdb_child.as_ref().filter(|c| server.rdb.child_pid == Some(c.pid)) {
            return self.rdb_phase(child, sim);
        }
        let a = &server.aof;
        if a.child_pid.is_some() {
            return marks::CRASH_AOF_REWRITE_CHILD;
        }
        if a.dir_sync_pending {
            return marks::CRASH_AOF_RENAME_BEFORE_DIR_FSYNC;
        }
        if a.status != AofStatus::On {
            return marks::CRASH_IDLE;
        }
        if keel::env::Background::pending(&sim.background, JobKind::Fsync) > 0 {
            return marks::CRASH_AOF_FSYNC_IN_FLIGHT;
        }
        let durable = sim.fs.durable_prefix_len(&self.aof_path);
        if !a.buf.is_empty() || durable < a.current_size {
            return marks::CRASH_AOF_UNSYNCED;
        }
        marks::CRASH_IDLE
    }

    fn rdb_phase(&self, child: &RdbChild, sim: &SimEnv) -> &'static str {
        if child.steps == 0 {
            return marks::CRASH_RDB_FORKED;
        }
        let temp = self.dir.join(keel::rdb::job::SaveTarget::temp_name_for(sim.pid()));
        if sim.fs.visible_ino(&temp).is_some() {
            let written = sim.fs.visible_contents(&temp).is_some_and(|c| !c.is_empty());
            if sim.fs.pending_ops(&temp) > 0 || !written {
                return marks::CRASH_RDB_WRITING;
            }
            return marks::CRASH_RDB_FSYNCED_BEFORE_RENAME;
        }
        if sim.fs.durable_ino(&self.rdb_path) != sim.fs.visible_ino(&self.rdb_path) {
            return marks::CRASH_RDB_RENAMED_BEFORE_DIR_FSYNC;
        }
        marks::CRASH_RDB_DONE_UNREAPED
    }
}
