//! AOF persistence (issue 6; the seeds' `aof.c` of Redis 4.0–6.x, single file `appendonly.aof`).
//!
//! The file is a sequence of RESP multibulk commands, the *effects* of executed commands
//! (absolute expiry, `DEL` for expiry, `SELECT` when the db changes), optionally after an RDB
//! preamble. Example, `SET k v` in db 0:
//!
//! ```text
//! *2\r\n$6\r\nSELECT\r\n$1\r\n0\r\n*3\r\n$3\r\nSET\r\n$1\r\nk\r\n$1\r\nv\r\n
//! 2a 32 0d 0a 24 36 0d 0a 53 45 4c 45 43 54 0d 0a 24 31 0d 0a 30 0d 0a  2a 33 0d 0a ...
//! ```
//!
//! Pieces, one concept per file:
//! - [`feed`]: effects → `aof_buf` (and the rewrite buffer while a rewrite child runs);
//! - [`flush`]: `flushAppendOnlyFile`, the write barrier's disk half, fsync policies, errors;
//! - [`batch`]: the `#KC:` lines that checksum every flushed batch, and their check at load;
//! - [`reader`]: the command reader shared by the loader and the checker;
//! - [`load`]: start-up replay through a fake client, truncation of a torn tail;
//! - [`preamble`]: the RDB preamble (`aof-use-rdb-preamble`), written by a rewrite, loaded
//!   before the RESP tail;
//! - [`multipart`]: reading a Redis 7 multi-part AOF directory (manifest, base, incr files);
//! - [`rewrite`]: BGREWRITEAOF through the `Forker` seam, the rewrite buffer, the done handler;
//! - [`emit`]: how a key is written by a rewrite (≤ 64 items per command);
//! - [`check`], the report and repair of `keel-check-aof`.
//!
//! Durability rules live where they are enforced (see `flush.rs` and `rewrite.rs`).

pub mod batch;
pub mod check;
pub mod emit;
pub mod feed;
pub mod flush;
pub mod load;
pub mod multipart;
pub mod preamble;
pub mod reader;
pub mod rewrite;

use std::path::PathBuf;

use crate::env::{ChildExit, FileRef, JobDone, Pid};
use crate::server::Server;

/// Is AOF on? (`aof_state`.)
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum AofStatus {
    #[default]
    Off,
    On,
    /// `CONFIG SET appendonly yes`: a rewrite creates the file; AOF is on once it is done.
    WaitRewrite,
}

/// The rewrite in progress: the child's temp file and the rewrite buffer.
#[derive(Default)]
pub struct RewriteRun {
    /// `temp-rewriteaof-bg-<pid>.aof` in `dir`.
    pub temp_path: PathBuf,
    /// Every effect fed since the fork, in RESP (`aof_rewrite_buf_blocks`).
    pub buf: Vec<u8>,
    pub start_us: u64,
}

/// AOF state of the server (Redis's `aof_buf`, `aof_fd`, `aof_last_write_status`, ...).
#[derive(Default)]
pub struct AofState {
    pub status: AofStatus,
    /// Pid of the running rewrite child, if any.
    pub child_pid: Option<Pid>,
    /// The open AOF (`aof_fd`).
    pub file: Option<FileRef>,
    /// Effects not yet written (`aof_buf`).
    pub buf: Vec<u8>,
    /// The db the last `SELECT` written selected (`aof_selected_db`); `None` forces a `SELECT`.
    pub selected_db: Option<usize>,
    /// Bytes in the file as the process sees it (`aof_current_size`).
    pub current_size: u64,
    /// Size after the last rewrite or load (`aof_rewrite_base_size`).
    pub base_size: u64,
    /// Bytes known durable: covered by an fsync that returned `Ok`.
    pub synced_size: u64,
    /// CRC-64 of the bytes written since the file's last `#KC:` line (see `batch.rs`).
    pub batch_crc: u64,
    /// Bytes covered by the last fsync requested (`aof_fsync_offset`).
    pub fsync_requested_size: u64,
    /// Bytes written after `synced_size`, kept so they can be written again if their fsync
    /// fails (see `flush.rs`); empty under `appendfsync no`.
    pub unsynced_tail: Vec<u8>,
    /// The tail could not be kept whole (too big, or policy `no`); a failed fsync then cannot
    /// be repaired in place.
    pub tail_incomplete: bool,
    /// An fsync failed: truncate to `synced_size` and write `unsynced_tail` again.
    pub repair_needed: bool,
    /// Monotonic time of the last fsync requested (`aof_last_fsync`).
    pub last_fsync_us: u64,
    /// A write is being postponed because a background fsync is pending.
    pub flush_postponed_start_us: Option<u64>,
    /// `aof_delayed_fsync`.
    pub delayed_fsync: u64,
    /// The latched write error (`aof_last_write_status` + `aof_last_write_errno`): cleared by
    /// the next write that succeeds.
    pub write_error: Option<String>,
    /// The latched fsync error (`aof_bio_fsync_status`): cleared by the next fsync that
    /// succeeds after the unsynced tail was written again.
    pub fsync_error: Option<String>,
    /// Bumped when the file is switched or repaired; fsync results of older generations are
    /// ignored (they are carried in the high bits of the job's tag).
    pub generation: u64,
    /// The directory fsync after a rewrite's rename failed; retried from cron.
    pub dir_sync_pending: bool,
    /// An error that Redis answers with `exit(1)` (under `appendfsync always`): the server
    /// must not release replies and must exit. See `flush.rs`.
    pub fatal_error: Option<String>,
    /// Start-up failed: a corrupt AOF (or a truncated one with `aof-load-truncated no`).
    pub load_error: Option<String>,
    /// Replaying the AOF: effects of replayed commands are not appended again.
    pub loading: bool,
    /// BGREWRITEAOF asked while a BGSAVE ran (`aof_rewrite_scheduled`).
    pub rewrite_scheduled: bool,
    pub rewrite: Option<RewriteRun>,
    /// The last rewrite failed (`aof_lastbgrewrite_status`).
    pub last_rewrite_failed: bool,
    pub last_rewrite_time_s: Option<u64>,
    pub rewrites: u64,
    pub loaded_truncated: bool,
}

/// Redis 7.0's name for the multi-part directory (`appenddirname`).
pub const APPENDDIRNAME: &str = "appendonlydir";

/// Append the effects of executed commands (`server.ks.effects`, drained) to `aof_buf`.
pub fn feed(s: &mut Server) {
    feed::feed(s);
}

/// `flushAppendOnlyFile`: called from before_sleep before replies are released.
pub fn flush(s: &mut Server, force: bool) {
    flush::flush(s, force);
}

/// Periodic work from cron: everysec fsync, postponed flushes, error retries, auto rewrite.
pub fn cron(s: &mut Server) {
    flush::cron(s);
    rewrite::cron(s);
}

/// A background job finished (fsync results).
pub fn job_done(s: &mut Server, done: &JobDone) {
    flush::job_done(s, done);
}

/// A child finished; returns true if it was ours.
pub fn child_done(s: &mut Server, pid: Pid, exit: &ChildExit) -> bool {
    rewrite::child_done(s, pid, exit)
}

/// Load the AOF at start-up when `appendonly yes`; returns true if it handled loading (even
/// of a missing or empty file), so the RDB is not loaded. On failure `s.aof.load_error` is set
/// and the server must exit.
pub fn startup_load(s: &mut Server) -> bool {
    load::startup_load(s)
}

/// INFO persistence fields of AOF.
pub fn info(s: &Server) -> Vec<(String, String)> {
    let a = &s.aof;
    let ok = |failed: bool| if failed { "err" } else { "ok" }.to_string();
    let mut fields = vec![
        ("aof_enabled".into(), u8::from(a.status != AofStatus::Off).to_string()),
        ("aof_rewrite_in_progress".into(), u8::from(a.child_pid.is_some()).to_string()),
        ("aof_rewrite_scheduled".into(), u8::from(a.rewrite_scheduled).to_string()),
        ("aof_last_rewrite_time_sec".into(), a.last_rewrite_time_s.map_or(-1, |t| t as i64).to_string()),
        ("aof_current_rewrite_time_sec".into(), current_rewrite_s(s).to_string()),
        ("aof_last_bgrewrite_status".into(), ok(a.last_rewrite_failed)),
        ("aof_rewrites".into(), a.rewrites.to_string()),
        ("aof_last_write_status".into(), ok(a.write_error.is_some() || a.fsync_error.is_some())),
    ];
    if a.status != AofStatus::Off {
        let pending = s.env.background.pending(crate::env::JobKind::Fsync);
        fields.extend([
            ("aof_current_size".into(), a.current_size.to_string()),
            ("aof_base_size".into(), a.base_size.to_string()),
            ("aof_pending_rewrite".into(), u8::from(a.rewrite_scheduled).to_string()),
            ("aof_buffer_length".into(), a.buf.len().to_string()),
            ("aof_pending_bio_fsync".into(), pending.to_string()),
            ("aof_delayed_fsync".into(), a.delayed_fsync.to_string()),
        ]);
    }
    fields
}

fn current_rewrite_s(s: &Server) -> i64 {
    match &s.aof.rewrite {
        Some(r) => (s.env.clock.monotonic_us().saturating_sub(r.start_us) / 1_000_000) as i64,
        None => -1,
    }
}

/// Why writes are refused (MISCONF after an AOF write or fsync error), if they are.
pub fn write_blocked_reason(s: &Server) -> Option<String> {
    if s.aof.status == AofStatus::Off {
        return None;
    }
    let error = s.aof.write_error.as_ref().or(s.aof.fsync_error.as_ref())?;
    Some(format!("MISCONF Errors writing to the AOF file: {error}"))
}

/// SHUTDOWN: kill a rewrite child, write `aof_buf` and fsync (Redis's `prepareForShutdown`).
pub fn on_shutdown(s: &mut Server) -> Result<(), String> {
    rewrite::kill_child(s);
    if s.aof.status != AofStatus::On {
        return Ok(());
    }
    s.log_notice("Calling fsync() on the AOF file.");
    flush::flush(s, true);
    flush::fsync_now(s).map_err(|e| {
        format!("Errors trying to shut down the server. Check the logs for more information. ({e})")
    })?;
    if s.aof.write_error.is_some() || !s.aof.buf.is_empty() {
        return Err("Errors trying to shut down the server. Check the logs for more information.".into());
    }
    Ok(())
}

/// `dir/appendfilename`.
pub fn aof_path(s: &Server) -> PathBuf {
    PathBuf::from(&s.config.dir).join(&s.config.appendfilename)
}

/// Text of an I/O error as `strerror` would give it.
pub(crate) fn strerror(e: &std::io::Error) -> String {
    let text = e.to_string();
    // std renders OS errors as "Input/output error (os error 5)"; Redis shows strerror only.
    match text.find(" (os error") {
        Some(i) => text[..i].to_string(),
        None => text,
    }
}

/// `CONFIG SET appendonly yes|no` (`startAppendOnly` / `stopAppendOnly`). Turning AOF on
/// starts a rewrite that creates the file; AOF is on once its done handler installed it
/// (`AofStatus::WaitRewrite` until then; a failed rewrite is retried from cron). Turning it
/// off writes and fsyncs what is buffered, kills a rewrite child and closes the file.
pub fn set_appendonly(s: &mut Server, on: bool) -> Result<(), String> {
    match (on, s.aof.status) {
        (true, AofStatus::Off) => {
            s.aof.status = AofStatus::WaitRewrite;
            if s.rdb.child_pid.is_some() {
                s.aof.rewrite_scheduled = true;
                return Ok(());
            }
            rewrite::start(s).inspect_err(|_| s.aof.status = AofStatus::Off)
        }
        (false, AofStatus::On | AofStatus::WaitRewrite) => {
            flush::flush(s, true);
            let _ = flush::fsync_now(s);
            rewrite::kill_child(s);
            if let Some(file) = s.aof.file.take() {
                s.env.background.submit(crate::env::Job::Close { file });
            }
            s.aof.status = AofStatus::Off;
            s.aof.rewrite_scheduled = false;
            s.aof.buf.clear();
            Ok(())
        }
        _ => Ok(()),
    }
}
