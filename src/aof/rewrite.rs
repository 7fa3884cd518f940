//! Background rewrite (BGREWRITEAOF), as the seeds describe Redis 4.0–6.x, through `Forker`:
//!
//! 1. fork: the child writes its snapshot to `temp-rewriteaof-bg-<server pid>.aof` — in RESP
//!    (see `emit.rs`; one `SELECT` per non-empty db) or, with `aof-use-rdb-preamble yes` (the
//!    choice is made at the fork), as an RDB image (see `preamble.rs`) — fsyncs it (every 4 MB
//!    too with `aof-rewrite-incremental-fsync yes`) and exits; keys already expired at the
//!    fork are skipped;
//! 2. meanwhile the parent keeps appending to the old file *and* to the rewrite buffer
//!    (`feed.rs`; `selected_db` is reset at the fork so both streams start with a `SELECT`);
//! 3. done handler (child exited 0): append the rewrite buffer (always RESP, also after an
//!    RDB preamble) to the temp file, fsync it,
//!    rename it over `appendonly.aof`, fsync the directory, switch the file (the old handle is
//!    closed by `Background`), drop `aof_buf` (its effects are in the rewrite buffer) and
//!    record `aof_rewrite_base_size`. On any failure before the rename nothing changes: the
//!    temp file is removed and the old file stays in use.
//!
//! Durability rules: the temp file is fsynced before the rename, and the directory is fsynced
//! before the new file takes writes, so a power loss shows either the old file (with every
//! write acknowledged so far) or the complete new one. If the directory fsync fails after the
//! rename, writes go on into the new file but are refused (`-MISCONF`, retried from cron); under
//! `appendfsync always` that is fatal, as any error there is.

use std::path::{Path, PathBuf};
use std::sync::Arc;

use super::emit::emit_key;
use super::feed::append_command;
use super::preamble::{PreambleEncoder, PreambleSettings};
use super::{aof_path, batch, strerror, AofStatus, RewriteRun};
use crate::config::AppendFsync;
use crate::db::Db;
use crate::encoding::crc64::crc64;
use crate::env::{write_all, ChildExit, ChildJob, FileRef, Fs, Job, OpenOptions, Pid, Step};
use crate::server::Server;

/// Keys written per child step (the simulator interleaves parent commands between steps).
pub const KEYS_PER_STEP: usize = 64;
/// With `aof-rewrite-incremental-fsync yes`, fsync the temp file every this many bytes.
pub const INCREMENTAL_FSYNC_BYTES: u64 = 4 << 20;
/// Prefix of the child's temp file names.
pub const TEMP_PREFIX: &str = "temp-rewriteaof-";

/// The dataset the child writes.
enum Snapshot {
    /// A clone taken at fork time (simulated fork: `shares_memory()` is false).
    Owned(Vec<Db>),
    /// The parent's dbs, seen through the child's copy-on-write memory (real fork).
    Shared(SharedDbs),
}

/// A pointer to the parent's `Vec<Db>` valid in a forked child.
struct SharedDbs(*const Vec<Db>);

// SAFETY: a `SharedDbs` is only created when `Forker::shares_memory()` is true, i.e. the job
// runs in a child made by fork(2): the child has a private copy-on-write image of the parent's
// memory, frozen at the fork, in which nothing else mutates or frees the `Vec<Db>`. The parent
// never dereferences it (it only drops the job, which does not touch the pointee).
unsafe impl Send for SharedDbs {}

impl Snapshot {
    fn dbs(&self) -> &[Db] {
        match self {
            Snapshot::Owned(dbs) => dbs,
            // SAFETY: see `SharedDbs`; the pointee lives for the whole child process.
            Snapshot::Shared(p) => unsafe { &*p.0 },
        }
    }
}

/// Writes a snapshot in resumable steps, in RESP or as an RDB preamble.
pub struct SnapshotWriter {
    file: FileRef,
    now_ms: i64,
    incremental_fsync: bool,
    db: usize,
    cursor: u64,
    started_db: bool,
    written: u64,
    last_fsync_at: u64,
    out: Vec<u8>,
    /// `Some`: the snapshot is written as an RDB preamble instead of RESP.
    preamble: Option<PreambleEncoder>,
}

impl SnapshotWriter {
    /// A writer of RESP, or of an RDB preamble when `preamble` is given.
    pub fn new(file: FileRef, now_ms: i64, incremental_fsync: bool, preamble: Option<&PreambleSettings>) -> SnapshotWriter {
        let preamble = preamble.map(PreambleEncoder::new);
        SnapshotWriter { file, now_ms, incremental_fsync, db: 0, cursor: 0, started_db: false, written: 0, last_fsync_at: 0, out: Vec::new(), preamble }
    }

    /// Write about [`KEYS_PER_STEP`] keys; `Ok(true)` when everything is written and fsynced.
    pub fn step(&mut self, dbs: &[Db]) -> Result<bool, String> {
        while self.db < dbs.len() && dbs[self.db].is_empty() {
            self.db += 1;
        }
        let Some(db) = dbs.get(self.db) else {
            if let Some(preamble) = &mut self.preamble {
                // EOF + CRC-64: the preamble is complete before the parent appends RESP.
                self.out = preamble.finish();
            }
            // The snapshot is fsynced whole before anyone reads it: the batch chain starts
            // after it (`batch.rs`).
            self.out.extend_from_slice(batch::START);
            self.write_out()?;
            self.file.fdatasync().map_err(|e| format!("fsync of the rewritten AOF: {}", strerror(&e)))?;
            return Ok(true);
        };
        if !self.started_db {
            match &mut self.preamble {
                Some(preamble) => preamble.select_db(db),
                None => append_command(&mut self.out, &[b"SELECT".as_slice(), self.db.to_string().as_bytes()]),
            }
            self.started_db = true;
        }
        let mut keys = 0;
        loop {
            let (out, preamble, now) = (&mut self.out, &mut self.preamble, self.now_ms);
            self.cursor = db.dict.scan(self.cursor, |key, entry| {
                match preamble {
                    Some(p) => p.key(key, entry, db.expire_of(key), now),
                    None => emit_key(out, key, entry, db.expire_of(key), now),
                }
                keys += 1;
            });
            if self.cursor == 0 {
                self.db += 1;
                self.started_db = false;
                break;
            }
            if keys >= KEYS_PER_STEP {
                break;
            }
        }
        if let Some(preamble) = &mut self.preamble {
            self.out = preamble.take();
        }
        self.write_out()?;
        Ok(false)
    }

    fn write_out(&mut self) -> Result<(), String> {
        write_all(&*self.file, &self.out).map_err(|(_, e)| format!("write of the rewritten AOF: {}", strerror(&e)))?;
        self.written += self.out.len() as u64;
        self.out.clear();
        if self.incremental_fsync && self.written - self.last_fsync_at >= INCREMENTAL_FSYNC_BYTES {
            self.file.fdatasync().map_err(|e| format!("fsync of the rewritten AOF: {}", strerror(&e)))?;
            self.last_fsync_at = self.written;
        }
        Ok(())
    }
}

/// The child's job: open the temp file, write the snapshot step by step, close.
struct RewriteJob {
    snapshot: Snapshot,
    fs: Arc<dyn Fs>,
    path: PathBuf,
    now_ms: i64,
    incremental_fsync: bool,
    /// `aof-use-rdb-preamble yes` at the fork.
    preamble: Option<PreambleSettings>,
    writer: Option<SnapshotWriter>,
}

impl ChildJob for RewriteJob {
    fn step(&mut self, parent_alive: bool) -> Step {
        if !parent_alive {
            // Nobody will append the rewrite buffer or rename this file: remove it.
            if let Some(w) = self.writer.take() {
                let _ = w.file.close();
            }
            let _ = self.fs.unlink(&self.path);
            return Step::Done(Err("the parent server died: AOF rewrite abandoned".into()));
        }
        match self.try_step() {
            Ok(true) => Step::Done(Ok(())),
            Ok(false) => Step::Continue,
            Err(e) => Step::Done(Err(e)),
        }
    }
}

impl RewriteJob {
    fn try_step(&mut self) -> Result<bool, String> {
        let writer = match &mut self.writer {
            Some(w) => w,
            None => {
                let file = self.fs.open(&self.path, OpenOptions::TRUNCATE).map_err(|e| {
                    format!("Opening the temp file for AOF rewrite in rewriteAppendOnlyFile(): {}", strerror(&e))
                })?;
                self.writer.insert(SnapshotWriter::new(file, self.now_ms, self.incremental_fsync, self.preamble.as_ref()))
            }
        };
        let done = writer.step(self.snapshot.dbs())?;
        if done {
            writer.file.close().map_err(|e| format!("close of the rewritten AOF: {}", strerror(&e)))?;
        }
        Ok(done)
    }
}

/// `rewriteAppendOnlyFileBackground`. Errors are Redis's reply texts.
pub fn start(s: &mut Server) -> Result<(), String> {
    if s.aof.child_pid.is_some() || s.rdb.child_pid.is_some() {
        return Err("ERR Background append only file rewriting already in progress".into());
    }
    let temp_path = PathBuf::from(&s.config.dir).join(format!("{TEMP_PREFIX}bg-{}.aof", s.env.pid));
    let snapshot = if s.env.forker.shares_memory() {
        Snapshot::Shared(SharedDbs(&s.ks.dbs as *const Vec<Db>))
    } else {
        Snapshot::Owned(s.ks.dbs.clone())
    };
    let job = RewriteJob {
        snapshot,
        fs: s.env.fs.clone(),
        path: temp_path.clone(),
        now_ms: s.env.clock.unix_ms(),
        incremental_fsync: s.config.aof_rewrite_incremental_fsync,
        preamble: PreambleSettings::from_server(s),
        writer: None,
    };
    let pid = s.env.forker.fork(Box::new(job)).map_err(|e| {
        s.aof.last_rewrite_failed = true;
        format!("ERR Can't rewrite append only file in background: fork: {}", strerror(&e))
    })?;
    s.log_notice(&format!("Background append only file rewriting started by pid {pid}"));
    s.aof.child_pid = Some(pid);
    s.aof.rewrite_scheduled = false;
    s.aof.rewrite = Some(RewriteRun { temp_path, buf: Vec::new(), start_us: s.env.clock.monotonic_us() });
    // Force a SELECT in both streams: the rewrite buffer must not depend on the old file's db.
    s.aof.selected_db = None;
    s.ks.set_child_running(true);
    Ok(())
}

/// A child exited; true if it was the rewrite child.
pub fn child_done(s: &mut Server, pid: Pid, exit: &ChildExit) -> bool {
    if s.aof.child_pid != Some(pid) {
        return false;
    }
    s.aof.child_pid = None;
    let Some(run) = s.aof.rewrite.take() else { return true };
    let result = match exit {
        ChildExit::Ok => {
            s.log_notice("Background AOF rewrite terminated with success");
            install(s, &run)
        }
        ChildExit::Failed(_) => Err("Background AOF rewrite terminated with error".to_string()),
        ChildExit::Killed(sig) => Err(format!("Background AOF rewrite terminated by signal {sig}")),
    };
    match result {
        Ok(()) => {
            s.aof.last_rewrite_failed = false;
            s.aof.rewrites += 1;
            s.aof.last_rewrite_time_s = Some(s.env.clock.monotonic_us().saturating_sub(run.start_us) / 1_000_000);
            s.log_notice("Background AOF rewrite finished successfully");
        }
        Err(msg) => {
            s.log_warning(&msg);
            let _ = s.env.fs.unlink(&run.temp_path);
            s.aof.last_rewrite_failed = true;
            if s.aof.status == AofStatus::WaitRewrite {
                s.aof.rewrite_scheduled = true;
            }
        }
    }
    true
}

/// The done handler's success path: rewrite buffer, fsync, rename, directory fsync, switch.
fn install(s: &mut Server, run: &RewriteRun) -> Result<(), String> {
    let file = s.env.fs.open(&run.temp_path, OpenOptions::EXISTING).map_err(|e| {
        format!("Unable to open the temporary AOF produced by the child: {}", strerror(&e))
    })?;
    // The diff is the chain's first batch; all of it is fsynced before the rename.
    let line = if run.buf.is_empty() { Vec::new() } else { batch::line(crc64(0, &run.buf)).to_vec() };
    let flushed = write_all(&*file, &run.buf)
        .and_then(|()| write_all(&*file, &line))
        .map_err(|(_, e)| e)
        .and_then(|()| file.fdatasync());
    if let Err(e) = flushed {
        let _ = file.close();
        return Err(format!("Error trying to flush the parent diff to the rewritten AOF: {}", strerror(&e)));
    }
    s.log_notice(&format!("Residual parent diff successfully flushed to the rewritten AOF ({:.2} MB)", run.buf.len() as f64 / (1 << 20) as f64));
    let target = aof_path(s);
    if let Err(e) = s.env.fs.rename(&run.temp_path, &target) {
        let _ = file.close();
        return Err(format!("Error trying to rename the temporary AOF file {} into {}: {}", run.temp_path.display(), target.display(), strerror(&e)));
    }
    let size = file.len().unwrap_or(0);
    if s.aof.status == AofStatus::Off {
        // BGREWRITEAOF with AOF off only produces the file.
        s.env.background.submit(Job::Close { file });
    } else {
        switch_file(s, file, size);
    }
    if let Err(e) = s.env.fs.fsync_dir(Path::new(&s.config.dir)) {
        let msg = strerror(&e);
        s.log_warning(&format!("Error trying to fsync the directory of the rewritten AOF: {msg}"));
        if s.config.appendfsync == AppendFsync::Always {
            s.aof.fatal_error = Some(format!("directory fsync after an AOF rewrite failed under appendfsync always: {msg}"));
        }
        s.aof.dir_sync_pending = true;
        s.aof.write_error = Some(msg);
    }
    Ok(())
}

/// Use `file` (fully fsynced, `size` bytes) as the AOF from now on.
pub(crate) fn switch_file(s: &mut Server, file: FileRef, size: u64) {
    if let Some(old) = s.aof.file.replace(file) {
        s.env.background.submit(Job::Close { file: old });
    }
    let a = &mut s.aof;
    a.buf.clear();
    a.current_size = size;
    a.base_size = size;
    a.synced_size = size;
    a.fsync_requested_size = size;
    a.unsynced_tail.clear();
    a.batch_crc = 0;
    a.tail_incomplete = false;
    a.repair_needed = false;
    a.fsync_error = None;
    a.write_error = None;
    a.generation += 1;
    a.flush_postponed_start_us = None;
    if a.status == AofStatus::WaitRewrite {
        a.status = AofStatus::On;
    }
}

/// Cron: a scheduled rewrite once no child runs; the automatic rewrite on growth.
pub fn cron(s: &mut Server) {
    if s.aof.child_pid.is_some() || s.rdb.child_pid.is_some() {
        return;
    }
    if s.aof.rewrite_scheduled {
        let _ = start(s);
        return;
    }
    let c = &s.config;
    if s.aof.status != AofStatus::On || c.auto_aof_rewrite_percentage == 0 || s.aof.current_size <= c.auto_aof_rewrite_min_size {
        return;
    }
    let base = s.aof.base_size.max(1);
    let growth = (s.aof.current_size * 100 / base).saturating_sub(100);
    if growth >= c.auto_aof_rewrite_percentage {
        s.log_notice(&format!("Starting automatic rewriting of AOF on {growth}% growth"));
        let _ = start(s);
    }
}

/// Kill a running rewrite child and forget its temp file (SHUTDOWN, `appendonly no`).
pub fn kill_child(s: &mut Server) {
    let Some(pid) = s.aof.child_pid.take() else { return };
    s.log_notice(&format!("Killing running AOF rewrite child: {pid}"));
    let _ = s.env.forker.kill(pid);
    if let Some(run) = s.aof.rewrite.take() {
        let _ = s.env.fs.unlink(&run.temp_path);
    }
}

/// Remove `temp-rewriteaof-*.aof` files left by a rewrite a crash interrupted.
pub fn remove_leftover_temp_files(s: &mut Server) {
    let dir = PathBuf::from(&s.config.dir);
    let Ok(names) = s.env.fs.list(&dir) else { return };
    for name in names.iter().filter(|n| n.starts_with(TEMP_PREFIX) && n.ends_with(".aof")) {
        if s.env.fs.unlink(&dir.join(name)).is_ok() {
            s.log_notice(&format!("Removed {name}, left by an interrupted AOF rewrite"));
        }
    }
}

/// Write the whole keyspace to `appendonly.aof` in the foreground (temp file, fsync, rename,
/// directory fsync), in RESP or with an RDB preamble as `aof-use-rdb-preamble` says; the
/// caller then opens it. Used to convert a loaded Redis 7 multi-part AOF.
pub fn rewrite_sync(s: &mut Server) -> Result<(), String> {
    let temp = PathBuf::from(&s.config.dir).join(format!("{TEMP_PREFIX}{}.aof", s.env.pid));
    let err = |e: std::io::Error| strerror(&e);
    let file = s.env.fs.open(&temp, OpenOptions::TRUNCATE).map_err(err)?;
    let preamble = PreambleSettings::from_server(s);
    let mut writer = SnapshotWriter::new(file.clone(), s.env.clock.unix_ms(), s.config.aof_rewrite_incremental_fsync, preamble.as_ref());
    while !writer.step(&s.ks.dbs)? {}
    s.env.fs.rename(&temp, &aof_path(s)).map_err(err)?;
    s.env.fs.fsync_dir(Path::new(&s.config.dir)).map_err(err)?;
    file.close().map_err(err)?;
    Ok(())
}
