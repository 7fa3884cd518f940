//! Flushing (`flushAppendOnlyFile`): writes `aof_buf` to the AOF, once per event-loop
//! iteration (group commit), from `before_sleep`, **before any reply is released**.
//!
//! Durability rules enforced here:
//! - **Write barrier.** The server releases replies only after this flush returns, so a client
//!   never sees `+OK` for a write that is not in the file — except under `everysec` while a
//!   background fsync is still running: then the write is postponed for up to 2 s, as Redis
//!   does (`aof_delayed_fsync`); that window is part of everysec's documented loss bound.
//! - **`always`**: the fsync happens here, in the main thread, before replies go out. Redis's
//!   comment says "we can't recover when the fsync policy is ALWAYS since the reply for the
//!   client is already in the output buffers"; in Keel replies are still held when the error is
//!   seen, so a write or fsync error sets `fatal_error`: the server must not release the
//!   replies and must exit, as Redis does.
//! - **Write errors** (`everysec`, `no`): a partial write is rolled back with `set_len` to the
//!   last good size (or, if that fails, the written part is dropped from `aof_buf` so it is not
//!   written twice); the error latches in `write_error` and write commands get `-MISCONF`
//!   until a later write succeeds. The buffer is retried from cron.
//! - **fsync errors** (`everysec`): Linux may mark the failed pages clean, so a later fsync
//!   "succeeds" without writing them (DESIGN §6). Redis clears its error on the next good
//!   fsync and silently keeps the hole; Keel keeps the bytes written since the last good fsync
//!   (`unsynced_tail`), truncates the file back to `synced_size`, writes them again and only
//!   clears `-MISCONF` when an fsync *after that repair* succeeds. If the tail could not be
//!   kept (larger than [`UNSYNCED_TAIL_MAX`]) a rewrite is scheduled instead and MISCONF stays
//!   until it has replaced the file.
//! - **Learn before appending.** Every flush first collects finished background jobs: under
//!   the Btrfs-like profile a failed fsync reverts the page cache, and bytes appended after
//!   that point would sit after a hole (a later write recovered without an earlier one).
//! - An idle period after a burst still gets its fsync: the flush with an empty buffer (also
//!   run from cron) fsyncs when the fsynced offset is behind the file size (the Redis bug
//!   where the tail never reached the disk under everysec).

use std::io;

use super::{batch, strerror, AofStatus};
use crate::config::AppendFsync;
use crate::encoding::crc64::crc64;
use crate::env::{write_all, Job, JobDone, JobKind};
use crate::server::Server;

/// Largest unsynced tail kept in memory for repairing a failed fsync.
pub const UNSYNCED_TAIL_MAX: usize = 64 << 20;
/// How long a write may be postponed while a background fsync is pending (Redis: 2 s).
pub const POSTPONE_MAX_US: u64 = 2_000_000;
/// The everysec cadence.
pub const FSYNC_PERIOD_US: u64 = 1_000_000;
/// Bits of a background fsync's tag that hold the offset; the rest hold the generation.
const TAG_OFFSET_BITS: u32 = 48;

/// `flushAppendOnlyFile(force)`.
pub fn flush(s: &mut Server, force: bool) {
    s.reap_background();
    if s.aof.status != AofStatus::On || s.aof.file.is_none() || s.aof.fatal_error.is_some() {
        return;
    }
    if s.aof.repair_needed && !repair(s) {
        return;
    }
    let now_us = s.env.clock.monotonic_us();
    let everysec = s.config.appendfsync == AppendFsync::Everysec;
    let sync_in_progress = everysec && s.env.background.pending(JobKind::Fsync) > 0;
    if s.aof.buf.is_empty() {
        let behind = s.aof.fsync_requested_size != s.aof.current_size;
        if everysec && behind && !sync_in_progress && now_us.saturating_sub(s.aof.last_fsync_us) >= FSYNC_PERIOD_US {
            try_fsync(s, now_us, false);
        }
        return;
    }
    if everysec && !force && sync_in_progress && postpone(s, now_us) {
        return;
    }
    s.aof.flush_postponed_start_us = None;
    if write_buf(s) {
        try_fsync(s, now_us, sync_in_progress);
    }
}

/// A background fsync is pending: postpone the write (true) for up to 2 s, then write anyway.
fn postpone(s: &mut Server, now_us: u64) -> bool {
    match s.aof.flush_postponed_start_us {
        None => {
            s.aof.flush_postponed_start_us = Some(now_us);
            true
        }
        Some(start) if now_us.saturating_sub(start) < POSTPONE_MAX_US => true,
        Some(_) => {
            s.aof.delayed_fsync += 1;
            s.log_notice("Asynchronous AOF fsync is taking too long (disk is busy?). Writing the AOF buffer without waiting for fsync to complete, this may slow down Redis.");
            false
        }
    }
}

/// Write all of `aof_buf`, closed by its `#KC:` line (`batch.rs`) in the same write; false
/// (error handled and latched) if not everything was written.
fn write_buf(s: &mut Server) -> bool {
    let Some(file) = s.aof.file.clone() else { return false };
    let data_len = s.aof.buf.len();
    let line = batch::line(crc64(s.aof.batch_crc, &s.aof.buf));
    s.aof.buf.extend_from_slice(&line);
    match write_all(&*file, &s.aof.buf) {
        Ok(()) => {
            let buf = std::mem::take(&mut s.aof.buf);
            written(s, &buf);
            s.aof.batch_crc = 0;
            s.aof.buf = recycle(buf);
            if s.aof.write_error.take().is_some() {
                s.log_warning("AOF write error looks solved, Redis can write again.");
            }
            true
        }
        Err((n, e)) => {
            let before = s.aof.buf.len();
            write_failed(s, n, &e);
            // Drop the line (it is computed again over what is written next); a part of it
            // that could not be rolled back stays in the file and breaks the chain there.
            let drained = before - s.aof.buf.len();
            s.aof.buf.truncate(data_len.saturating_sub(drained));
            false
        }
    }
}

/// Reuse the buffer unless it grew big (Redis frees `aof_buf` above 4 KB).
fn recycle(mut buf: Vec<u8>) -> Vec<u8> {
    buf.clear();
    if buf.capacity() > 4096 {
        return Vec::new();
    }
    buf
}

/// Account `bytes` appended to the file: size, and the unsynced tail.
fn written(s: &mut Server, bytes: &[u8]) {
    let a = &mut s.aof;
    a.current_size += bytes.len() as u64;
    a.batch_crc = crc64(a.batch_crc, bytes);
    let keep = s.config.appendfsync != AppendFsync::No && !a.tail_incomplete;
    if keep && a.unsynced_tail.len() + bytes.len() <= UNSYNCED_TAIL_MAX {
        a.unsynced_tail.extend_from_slice(bytes);
    } else {
        a.tail_incomplete = true;
        a.unsynced_tail = Vec::new();
    }
}

/// `n` bytes were written before `e`: roll back, latch, or (under always) give up.
fn write_failed(s: &mut Server, n: usize, e: &io::Error) {
    let expected = s.aof.buf.len();
    let mut kept = 0;
    let error = if n == 0 {
        s.log_warning(&format!("Error writing to the AOF file: {}", strerror(e)));
        strerror(e)
    } else {
        s.log_warning(&format!("Short write while writing to the AOF file: (nwritten={n}, expected={expected})"));
        if let Err(te) = s.aof.file.as_ref().map_or(Ok(()), |f| f.set_len(s.aof.current_size)) {
            s.log_warning(&format!("Could not remove short write from the append-only file.  Redis may refuse to load the AOF the next time it starts.  ftruncate: {}", strerror(&te)));
            kept = n;
        }
        // Redis reports a short write as ENOSPC, the likely cause.
        if e.kind() == io::ErrorKind::WriteZero { "No space left on device".to_string() } else { strerror(e) }
    };
    if s.config.appendfsync == AppendFsync::Always {
        s.log_warning("Can't recover from AOF write error when the AOF fsync policy is 'always'. Exiting...");
        s.aof.fatal_error = Some(format!("AOF write error under appendfsync always: {error}"));
        return;
    }
    s.aof.write_error = Some(error);
    if kept > 0 {
        let part: Vec<u8> = s.aof.buf.drain(..kept).collect();
        written(s, &part);
    }
}

/// After a successful write: fsync as the policy says.
fn try_fsync(s: &mut Server, now_us: u64, sync_in_progress: bool) {
    let child = s.aof.child_pid.is_some() || s.rdb.child_pid.is_some();
    if s.config.no_appendfsync_on_rewrite && child {
        return;
    }
    match s.config.appendfsync {
        AppendFsync::Always => {
            if let Err(e) = fsync_now(s) {
                let msg = format!("Can't persist AOF for fsync error when the AOF fsync policy is 'always': {}. Exiting...", strerror(&e));
                s.log_warning(&msg);
                s.aof.fatal_error = Some(msg);
            }
        }
        AppendFsync::Everysec => {
            if !sync_in_progress && now_us.saturating_sub(s.aof.last_fsync_us) >= FSYNC_PERIOD_US {
                submit_fsync(s, now_us);
            }
        }
        AppendFsync::No => {}
    }
}

/// fdatasync in the main thread; on success everything written is durable.
pub fn fsync_now(s: &mut Server) -> io::Result<()> {
    let Some(file) = s.aof.file.clone() else { return Ok(()) };
    file.fdatasync()?;
    let a = &mut s.aof;
    a.synced_size = a.current_size;
    a.fsync_requested_size = a.current_size;
    a.unsynced_tail.clear();
    a.tail_incomplete = false;
    a.last_fsync_us = s.env.clock.monotonic_us();
    Ok(())
}

/// Hand an fdatasync covering everything written so far to a background thread.
fn submit_fsync(s: &mut Server, now_us: u64) {
    let Some(file) = s.aof.file.clone() else { return };
    let tag = ((s.aof.generation & 0xffff) << TAG_OFFSET_BITS) | (s.aof.current_size & ((1 << TAG_OFFSET_BITS) - 1));
    s.env.background.submit(Job::Fsync { file, tag });
    s.aof.fsync_requested_size = s.aof.current_size;
    s.aof.last_fsync_us = now_us;
}

/// A background fsync finished.
pub fn job_done(s: &mut Server, done: &JobDone) {
    if done.kind != JobKind::Fsync || done.tag >> TAG_OFFSET_BITS != s.aof.generation & 0xffff {
        return;
    }
    let offset = done.tag & ((1 << TAG_OFFSET_BITS) - 1);
    match &done.result {
        Ok(()) => fsync_succeeded(s, offset),
        Err(e) => fsync_failed(s, e),
    }
}

fn fsync_succeeded(s: &mut Server, offset: u64) {
    let a = &mut s.aof;
    if offset > a.synced_size {
        let covered = (offset - a.synced_size) as usize;
        if !a.tail_incomplete {
            a.unsynced_tail.drain(..covered.min(a.unsynced_tail.len()));
        }
        a.synced_size = offset;
        if a.synced_size == a.current_size {
            a.tail_incomplete = false;
        }
    }
    if a.fsync_error.is_some() && !a.repair_needed {
        a.fsync_error = None;
        s.log_notice("AOF fsync is now ok, Redis can write again.");
    }
}

fn fsync_failed(s: &mut Server, e: &io::Error) {
    s.log_warning(&format!("Fail to fsync the AOF file: {}", strerror(e)));
    s.aof.fsync_error = Some(strerror(e));
    if s.aof.tail_incomplete {
        s.log_warning("The unsynced AOF tail is not in memory: scheduling an AOF rewrite to restore durability.");
        s.aof.rewrite_scheduled = true;
    } else {
        s.aof.repair_needed = true;
    }
}

/// Truncate to the last durable size and write the unsynced tail again, then fsync. Older
/// fsync results are ignored from now on (new generation). True when repaired.
fn repair(s: &mut Server) -> bool {
    let Some(file) = s.aof.file.clone() else { return false };
    let synced = s.aof.synced_size;
    if let Err(e) = file.set_len(synced) {
        s.log_warning(&format!("Can't truncate the AOF to repair a failed fsync: {}", strerror(&e)));
        return false;
    }
    if let Err((_, e)) = write_all(&*file, &s.aof.unsynced_tail) {
        s.log_warning(&format!("Can't rewrite the AOF tail to repair a failed fsync: {}", strerror(&e)));
        let _ = file.set_len(synced);
        return false;
    }
    let a = &mut s.aof;
    a.current_size = synced + a.unsynced_tail.len() as u64;
    a.generation += 1;
    a.repair_needed = false;
    a.fsync_requested_size = synced;
    s.log_notice("AOF tail written again after a failed fsync.");
    match s.config.appendfsync {
        AppendFsync::Everysec => submit_fsync(s, s.env.clock.monotonic_us()),
        _ => {
            if fsync_now(s).is_ok() {
                s.aof.fsync_error = None;
            }
        }
    }
    true
}

/// Cron: retry a latched error or a postponed write, fsync an idle tail, retry the directory
/// fsync of a rewrite.
pub fn cron(s: &mut Server) {
    if s.aof.dir_sync_pending {
        let dir = std::path::PathBuf::from(&s.config.dir);
        if s.env.fs.fsync_dir(&dir).is_ok() {
            s.aof.dir_sync_pending = false;
            s.aof.write_error = None;
        }
    }
    if s.aof.status == AofStatus::On {
        flush(s, false);
    }
}
