//! Writing a snapshot file in resumable steps (Redis's `rdbSave`), shared by SAVE (run to the
//! end in the server process) and BGSAVE (run by a forked child, or by the simulator one step
//! at a time, interleaved with the parent's commands).
//!
//! Durability protocol, one phase per step so a simulated crash can land between any two:
//! 1. `Open`: create `temp-<pid>.rdb` in `dir` (truncating a leftover);
//! 2. `Keys`: write the header, then per non-empty database SELECTDB/RESIZEDB and at most
//!    [`KEYS_PER_STEP`] keys per step (buffered, written in 64 KB chunks);
//! 3. `Trailer`: EOF + CRC-64;
//! 4. `Fsync`: the temp file's data is durable;
//! 5. `Rename`: `rename(temp, dbfilename)` — atomically replaces the previous snapshot;
//! 6. `FsyncDir`: the rename is durable (Redis ≤ 6 skipped this, so a power loss could bring
//!    back the old file after SAVE had answered OK).
//!
//! Any failure closes and unlinks the temp file, so a failed save never leaves a partial file
//! behind (a crash still can; start-up removes stale `temp-*.rdb`).

use std::path::PathBuf;
use std::sync::Arc;

use super::save::{Header, RdbWriter};
use crate::db::Db;
use crate::env::{write_all, FileRef, Fs, OpenOptions};

/// Keys serialized per step: small enough for the simulator to interleave parent commands,
/// large enough that a real child is not slowed down.
pub const KEYS_PER_STEP: usize = 1024;
/// Buffered bytes that trigger a write.
const WRITE_CHUNK_BYTES: usize = 64 * 1024;

/// The save's phase; public so the simulator can report where a crash landed.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Phase {
    Open,
    Keys { db: usize, cursor: u64, started: bool },
    Trailer,
    Fsync,
    Rename,
    FsyncDir,
    Done,
}

/// Paths and settings of one save.
#[derive(Clone, Debug)]
pub struct SaveTarget {
    pub dir: PathBuf,
    pub temp_name: String,
    pub final_name: String,
    pub compress: bool,
    pub checksum: bool,
    pub header: Header,
}

impl SaveTarget {
    /// `temp-<pid>.rdb`, the name Redis uses for the file being written.
    pub fn temp_name_for(pid: crate::env::Pid) -> String {
        format!("temp-{pid}.rdb")
    }
}

pub struct SaveCore {
    fs: Arc<dyn Fs>,
    target: SaveTarget,
    file: Option<FileRef>,
    writer: RdbWriter,
    pub phase: Phase,
    pub keys_written: u64,
}

impl SaveCore {
    pub fn new(fs: Arc<dyn Fs>, target: SaveTarget) -> SaveCore {
        let writer = RdbWriter::new(target.compress, target.checksum);
        SaveCore { fs, target, file: None, writer, phase: Phase::Open, keys_written: 0 }
    }

    /// Advance one phase (or one batch of keys) over `dbs`. `Ok(true)` when the file is in place
    /// and durable; on `Err` the temp file has been removed.
    pub fn step(&mut self, dbs: &[Db]) -> Result<bool, String> {
        match self.try_step(dbs) {
            Ok(()) => Ok(self.phase == Phase::Done),
            Err(e) => {
                self.abort();
                Err(e)
            }
        }
    }

    fn try_step(&mut self, dbs: &[Db]) -> Result<(), String> {
        let temp = self.target.dir.join(&self.target.temp_name);
        self.phase = match self.phase {
            Phase::Open => {
                let f = self.fs.open(&temp, OpenOptions::TRUNCATE).map_err(|e| format!("Failed opening the temp RDB file {} (in server root dir {}) for saving: {e}", self.target.temp_name, self.target.dir.display()))?;
                self.file = Some(f);
                self.writer.header(&self.target.header);
                Phase::Keys { db: 0, cursor: 0, started: false }
            }
            Phase::Keys { db, cursor, started } => self.keys(dbs, db, cursor, started)?,
            Phase::Trailer => {
                let tail = self.writer.finish();
                self.write(&tail)?;
                Phase::Fsync
            }
            Phase::Fsync => {
                let f = self.file.take().ok_or("no open file")?;
                f.fsync().map_err(|e| format!("Write error saving DB on disk (fsync): {e}"))?;
                f.close().map_err(|e| format!("Write error saving DB on disk (close): {e}"))?;
                Phase::Rename
            }
            Phase::Rename => {
                let to = self.target.dir.join(&self.target.final_name);
                self.fs.rename(&temp, &to).map_err(|e| format!("Error moving temp DB file {} on the final destination {} (in server root dir {}): {e}", self.target.temp_name, self.target.final_name, self.target.dir.display()))?;
                Phase::FsyncDir
            }
            Phase::FsyncDir => {
                // The new file is in place; a failure here only means the rename may not survive
                // a power loss, so it still fails the save (the caller must not claim durability).
                self.fs.fsync_dir(&self.target.dir).map_err(|e| format!("Failed to fsync directory {}: {e}", self.target.dir.display()))?;
                Phase::Done
            }
            Phase::Done => Phase::Done,
        };
        Ok(())
    }

    /// Serialize up to `KEYS_PER_STEP` keys of database `db`, resuming its dict scan at `cursor`.
    fn keys(&mut self, dbs: &[Db], mut db: usize, mut cursor: u64, mut started: bool) -> Result<Phase, String> {
        let mut budget = KEYS_PER_STEP;
        while budget > 0 {
            let Some(d) = dbs.get(db) else { break };
            if d.is_empty() {
                (db, cursor, started) = (db + 1, 0, false);
                continue;
            }
            if !started {
                self.writer.select_db(d.id, d.len(), d.expires.len());
                started = true;
            }
            let writer = &mut self.writer;
            let mut n = 0;
            while budget > n {
                cursor = d.dict.scan(cursor, |k, e| {
                    writer.engine_key(k, &e.value, d.expire_of(k));
                    n += 1;
                });
                if cursor == 0 {
                    break;
                }
            }
            budget = budget.saturating_sub(n);
            self.keys_written += n as u64;
            if cursor == 0 {
                (db, started) = (db + 1, false);
            }
            if self.writer.buffered() >= WRITE_CHUNK_BYTES {
                let chunk = self.writer.take();
                self.write(&chunk)?;
            }
        }
        if db >= dbs.len() {
            let chunk = self.writer.take();
            self.write(&chunk)?;
            return Ok(Phase::Trailer);
        }
        Ok(Phase::Keys { db, cursor, started })
    }

    fn write(&mut self, bytes: &[u8]) -> Result<(), String> {
        let f = self.file.as_ref().ok_or("no open file")?;
        write_all(f.as_ref(), bytes).map_err(|(_, e)| format!("Write error saving DB on disk: {e}"))
    }

    /// Close and remove the temp file after a failure (best effort: the error that got us here
    /// is the one reported).
    /// Close and remove the temp file unless the rename already happened; no further steps.
    pub fn abort(&mut self) {
        if let Some(f) = self.file.take() {
            let _ = f.close();
        }
        if !matches!(self.phase, Phase::FsyncDir | Phase::Done) {
            let _ = self.fs.unlink(&self.target.dir.join(&self.target.temp_name));
        }
        self.phase = Phase::Done;
    }
}
