//! RDB persistence (issue 5): the snapshot format, SAVE/BGSAVE through the `Forker` seam, the
//! loader, save points. The server calls the hooks below; everything else lives in this module.
//!
//! Files: `format` (opcodes, types, length and string encodings), `reader` (bounds-checked
//! cursor), `blob/` (ziplist, listpack, intset, zipmap), `value` (the loader's representation),
//! `load/` (the parser, one file per type family), `save` (the writer), `job` (writing a file in
//! resumable, crash-safe steps), `bgsave` (fork and done handler), `startup` (loading into the
//! keyspace), `check` (the report of `keel-check-rdb`).
//!
//! Server-visible state follows Redis's names: `lastsave`, `lastbgsave_status`,
//! `dirty_before_bgsave`, `rdb_child_pid`, `rdb_bgsave_scheduled`, `stat_fork_time`.

pub mod bgsave;
pub mod blob;
pub mod check;
pub mod dump;
pub mod error;
pub mod format;
pub mod job;
pub mod load;
pub mod reader;
pub mod save;
pub mod startup;
pub mod value;

use std::path::PathBuf;

pub use error::RdbError;
pub use load::{Event, KeyRecord, LoadOptions, Parser};
pub use value::LoadedValue;

use crate::server::Server;
use job::{SaveCore, SaveTarget};

/// After a failed BGSAVE, automatic saves wait this long before retrying
/// (`CONFIG_BGSAVE_RETRY_DELAY`).
const BGSAVE_RETRY_DELAY_S: i64 = 5;

#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum SaveStatus {
    #[default]
    Ok,
    Err,
}

/// RDB state of the server (Redis's `server.lastsave`, `rdb_child_pid`, ...).
#[derive(Clone, Debug, Default)]
pub struct RdbState {
    /// Pid of the running BGSAVE child, if any.
    pub child_pid: Option<crate::env::Pid>,
    /// Unix seconds of the last successful save; `None` until the first one (LASTSAVE then
    /// reports the start time, as Redis initialises `lastsave` at start-up).
    pub lastsave_s: Option<i64>,
    pub last_bgsave_status: SaveStatus,
    /// Unix seconds of the last BGSAVE attempt (`lastbgsave_try`).
    pub last_bgsave_try_s: i64,
    /// Duration of the last BGSAVE in seconds (`None` before the first: INFO shows -1).
    pub last_bgsave_time_s: Option<i64>,
    pub bgsave_start_mono_us: Option<u64>,
    /// `server.dirty` when the running child was forked.
    pub dirty_before_bgsave: u64,
    /// BGSAVE SCHEDULE while an AOF rewrite runs.
    pub bgsave_scheduled: bool,
    pub stat_fork_time_us: u64,
    pub last_cow_bytes: u64,
    pub saves_total: u64,
    /// Start-up load failed: the server must not serve (the driver exits with this message).
    pub load_error: Option<String>,
    /// FLUSHALL ran inside EXEC with save points set: save when the transaction ends.
    pub save_after_exec: bool,
    /// Figures of the last load, for tests and INFO.
    pub last_load: Option<startup::LoadSummary>,
}

/// The server's working directory for RDB files.
pub fn dir(s: &Server) -> PathBuf {
    PathBuf::from(&s.config.dir)
}

/// Where a save started by `pid` writes, with the server's settings.
pub fn save_target(s: &Server, pid: crate::env::Pid) -> SaveTarget {
    SaveTarget {
        dir: dir(s),
        temp_name: SaveTarget::temp_name_for(pid),
        final_name: s.config.dbfilename.clone(),
        compress: s.config.rdbcompression,
        checksum: s.config.rdbchecksum,
        header: save::Header { ctime_s: s.env.clock.unix_ms() / 1000, used_mem: s.env.memory.used() as u64, aof_preamble: false },
    }
}

/// SAVE: write the snapshot in the foreground (`rdbSave`). `Err` is the log/reply reason.
pub fn save_sync(s: &mut Server) -> Result<(), String> {
    if s.rdb.child_pid.is_some() {
        return Err("ERR Background save already in progress".into());
    }
    let mut core = SaveCore::new(s.env.fs.clone(), save_target(s, s.env.pid));
    let result = loop {
        match core.step(&s.ks.dbs) {
            Ok(true) => break Ok(()),
            Ok(false) => {}
            Err(e) => break Err(e),
        }
    };
    match result {
        Ok(()) => {
            s.log_notice("DB saved on disk");
            s.ks.dirty = 0;
            s.rdb.lastsave_s = Some(s.env.clock.unix_ms() / 1000);
            s.rdb.last_bgsave_status = SaveStatus::Ok;
            Ok(())
        }
        Err(e) => {
            s.log_warning(&e);
            s.rdb.last_bgsave_status = SaveStatus::Err;
            Err(e)
        }
    }
}

/// DEBUG RELOAD: save the dataset, empty it, and load it back from the file (`rdbSave` +
/// `emptyData` + `rdbLoad`). On a load failure the dataset is empty and the error returned.
pub fn debug_reload(s: &mut Server) -> Result<(), String> {
    save_sync(s)?;
    for db in 0..s.ks.dbs.len() {
        s.ks.touch_all_watched(db);
        s.ks.dbs[db].clear();
    }
    startup::load(s);
    match s.rdb.load_error.take() {
        Some(e) => Err(e),
        None => Ok(()),
    }
}

/// LASTSAVE's value.
pub fn lastsave(s: &Server) -> i64 {
    s.rdb.lastsave_s.unwrap_or(s.start_unix_ms / 1000)
}

fn child_active(s: &Server) -> bool {
    s.rdb.child_pid.is_some() || s.aof.child_pid.is_some()
}

/// Periodic work from cron: save points (`save M N`) and a scheduled BGSAVE.
pub fn cron(s: &mut Server) {
    if child_active(s) {
        return;
    }
    let now_s = s.env.clock.unix_ms() / 1000;
    let retry_ok = now_s - s.rdb.last_bgsave_try_s > BGSAVE_RETRY_DELAY_S || s.rdb.last_bgsave_status == SaveStatus::Ok;
    let since_save = now_s - lastsave(s);
    let due = s.config.save_points.iter().copied().find(|&(secs, changes)| {
        s.ks.dirty >= changes && since_save > secs as i64 && retry_ok
    });
    if let Some((secs, changes)) = due {
        s.log_notice(&format!("{changes} changes in {secs} seconds. Saving..."));
        let _ = bgsave::start(s);
        return;
    }
    if s.rdb.bgsave_scheduled && retry_ok && bgsave::start(s).is_ok() {
        s.rdb.bgsave_scheduled = false;
    }
}

/// A child finished; returns true if it was ours.
pub fn child_done(s: &mut Server, pid: crate::env::Pid, exit: &crate::env::ChildExit) -> bool {
    bgsave::done(s, pid, exit)
}

/// Load the RDB file at start-up (when AOF is off). On failure `s.rdb.load_error` is set and
/// the keyspace is left empty: the driver must exit instead of serving.
pub fn startup_load(s: &mut Server) {
    startup::load(s);
}

/// INFO persistence fields of RDB.
pub fn info(s: &Server) -> Vec<(String, String)> {
    let current = match s.rdb.bgsave_start_mono_us {
        Some(start) => (s.env.clock.monotonic_us().saturating_sub(start) / 1_000_000) as i64,
        None => -1,
    };
    let status = if s.rdb.last_bgsave_status == SaveStatus::Ok { "ok" } else { "err" };
    let (loaded, expired) = s.rdb.last_load.as_ref().map_or((0, 0), |l| (l.keys_loaded, l.keys_expired));
    vec![
        ("rdb_changes_since_last_save".into(), s.ks.dirty.to_string()),
        ("rdb_bgsave_in_progress".into(), u8::from(s.rdb.child_pid.is_some()).to_string()),
        ("rdb_last_save_time".into(), lastsave(s).to_string()),
        ("rdb_last_bgsave_status".into(), status.into()),
        ("rdb_last_bgsave_time_sec".into(), s.rdb.last_bgsave_time_s.unwrap_or(-1).to_string()),
        ("rdb_current_bgsave_time_sec".into(), current.to_string()),
        ("rdb_saves".into(), s.rdb.saves_total.to_string()),
        ("rdb_last_cow_size".into(), s.rdb.last_cow_bytes.to_string()),
        ("rdb_last_load_keys_expired".into(), expired.to_string()),
        ("rdb_last_load_keys_loaded".into(), loaded.to_string()),
    ]
}

/// INFO stats fields owned by this module (`stat_fork_time`, microseconds of the last fork).
pub fn stats_info(s: &Server) -> Vec<(String, String)> {
    vec![("latest_fork_usec".into(), s.rdb.stat_fork_time_us.to_string())]
}

/// Redis 7.0's MISCONF text (without the leading `-`).
pub const MISCONF: &str = "MISCONF Redis is configured to save RDB snapshots, but it's currently unable to persist to disk. Commands that may modify the data set are disabled, because this instance is configured to report errors during writes if RDB snapshotting fails (stop-writes-on-bgsave-error option). Please check the Redis logs for details about the RDB error.";

/// Why writes are refused (MISCONF after a failed background save), if they are.
pub fn write_blocked_reason(s: &Server) -> Option<String> {
    let blocked = s.config.stop_writes_on_bgsave_error
        && !s.config.save_points.is_empty()
        && s.rdb.last_bgsave_status == SaveStatus::Err;
    blocked.then(|| MISCONF.to_string())
}

/// FLUSHALL: Redis saves right away when save points are configured (`rdbSave` after the
/// flush, killing a running child first).
pub fn on_flushall(s: &mut Server) {
    if let Some(pid) = s.rdb.child_pid {
        let _ = s.env.forker.kill(pid);
        let temp = dir(s).join(SaveTarget::temp_name_for(s.env.pid));
        let _ = s.env.fs.unlink(&temp);
        s.rdb.child_pid = None;
        s.rdb.bgsave_start_mono_us = None;
        s.ks.set_child_running(s.aof.child_pid.is_some());
    }
    if !s.config.save_points.is_empty() {
        if s.in_exec {
            // Inside MULTI/EXEC, Redis saves right here — a snapshot holding half a
            // transaction. Keel saves once the transaction has run (P1).
            s.rdb.save_after_exec = true;
        } else {
            let _ = save_sync(s);
        }
    }
}

/// SHUTDOWN: save when asked or when save points are configured (unless NOSAVE). A running
/// BGSAVE child is killed first (its file would be replaced anyway).
pub fn on_shutdown(s: &mut Server, save: bool, nosave: bool) -> Result<(), String> {
    if let Some(pid) = s.rdb.child_pid.take() {
        s.log_warning("There is a child saving an .rdb. Killing it!");
        let _ = s.env.forker.kill(pid);
        let temp = dir(s).join(SaveTarget::temp_name_for(s.env.pid));
        let _ = s.env.fs.unlink(&temp);
        s.ks.set_child_running(s.aof.child_pid.is_some());
    }
    if nosave || (!save && s.config.save_points.is_empty()) {
        return Ok(());
    }
    s.log_notice("Saving the final RDB snapshot before exiting.");
    match save_sync(s) {
        Ok(()) => Ok(()),
        Err(_) => {
            s.log_warning("Error trying to save the DB, can't exit.");
            Err("ERR Errors trying to SHUTDOWN. Check logs.".into())
        }
    }
}
