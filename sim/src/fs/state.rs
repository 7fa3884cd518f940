//! The state behind one [`super::SimFs`]: inodes, directories and the logs of not-yet-durable
//! changes.
//!
//! Invariants:
//! - An [`Inode`]'s `cache` is what every open handle reads; `durable` is what a power loss
//!   leaves. `pending` lists, in order, the data operations applied to `cache` since they were
//!   last made durable (or dropped by a failed fsync). Applying `pending` to `durable` yields
//!   `cache` unless an ext4-style fsync failure dropped some of them.
//! - A [`Dir`] maps names to inode numbers twice: `visible` (what `list`/`open` see) and
//!   `durable`. `meta_pending` holds, in order, every directory change not yet made durable by
//!   an `fsync_dir`; applying all of it to the durable maps yields the visible maps.
//! - Directories themselves are created durably and never removed.
//! - `epoch` changes at every power loss and `server_epoch` at every process crash. A handle
//!   remembers both and its owner: a handle from an older `epoch` is dead; a handle the server
//!   opened (owner [`SERVER`]) from an older `server_epoch` is dead; a handle a forked child
//!   opened (owner = its pid) survives a crash of the server process, so an orphan can keep
//!   writing its temp file.

use std::collections::BTreeMap;
use std::io;
use std::path::{Component, Path, PathBuf};

use super::crash_point::CrashPoints;
use super::faults::{Fault, FaultConfig, FaultDice, FaultKind, FsOp};
use crate::clock::SimClock;
use crate::trace::Trace;

pub(crate) type Ino = u64;
pub(crate) const SECTOR: u64 = 512;
/// Owner id of handles the server process opened.
pub(crate) const SERVER: u32 = 0;

/// A data change to a file, recorded while it is not yet durable.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) enum DataOp {
    Write { offset: u64, data: Vec<u8> },
    SetLen(u64),
}

#[derive(Clone, Debug, Default)]
pub(crate) struct Inode {
    pub cache: Vec<u8>,
    pub durable: Vec<u8>,
    pub pending: Vec<DataOp>,
}

/// A directory change, recorded while it is not yet durable. Each names the inode it concerns,
/// so applying it to the durable maps is well defined in any order.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) enum MetaOp {
    Link { dir: PathBuf, name: String, ino: Ino },
    Unlink { dir: PathBuf, name: String, ino: Ino },
    Rename { from_dir: PathBuf, from: String, to_dir: PathBuf, to: String, ino: Ino },
}

impl MetaOp {
    pub(crate) fn touches(&self, d: &Path) -> bool {
        match self {
            MetaOp::Link { dir, .. } | MetaOp::Unlink { dir, .. } => dir == d,
            MetaOp::Rename { from_dir, to_dir, .. } => from_dir == d || to_dir == d,
        }
    }
}

#[derive(Clone, Debug, Default)]
pub(crate) struct Dir {
    pub visible: BTreeMap<String, Ino>,
    pub durable: BTreeMap<String, Ino>,
}

#[derive(Debug)]
pub(crate) struct FsState {
    pub inodes: BTreeMap<Ino, Inode>,
    pub dirs: BTreeMap<PathBuf, Dir>,
    pub meta_pending: Vec<MetaOp>,
    pub next_ino: Ino,
    pub epoch: u64,
    pub server_epoch: u64,
    /// Who opens files now: [`SERVER`] or the pid of the child whose step is running.
    pub current_owner: u32,
    pub next_handle: u64,
    pub config: FaultConfig,
    pub dice: FaultDice,
    pub counts: BTreeMap<FaultKind, u64>,
    pub trace: Trace,
    pub clock: Option<SimClock>,
    /// Set while a background job runs an fsync, so its latency is not charged to the clock.
    pub in_background: bool,
    /// Every file fsync since the last `SimFs::take_sync_log` (bounded; see `SYNC_LOG_MAX`).
    pub sync_log: Vec<SyncRecord>,
    /// Counted state-changing operations and the armed crash point (`crash_point.rs`).
    pub crash_points: CrashPoints,
}

/// One file fsync as the harness observes it: which inode, whether it succeeded, and whether a
/// background job (bio) ran it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct SyncRecord {
    pub ino: u64,
    pub ok: bool,
    pub background: bool,
}

/// Records kept in `sync_log` before the oldest are dropped (a harness that never drains it
/// must not grow memory without bound).
pub(crate) const SYNC_LOG_MAX: usize = 4096;

/// `path` as a directory key: `.` components dropped, empty means `.`.
pub(crate) fn norm_dir(path: &Path) -> PathBuf {
    let out: PathBuf = path.components().filter(|c| !matches!(c, Component::CurDir)).collect();
    if out.as_os_str().is_empty() {
        PathBuf::from(".")
    } else {
        out
    }
}

/// Split a file path into its directory key and file name.
pub(crate) fn split(path: &Path) -> io::Result<(PathBuf, String)> {
    let name = path
        .file_name()
        .and_then(|n| n.to_str())
        .ok_or_else(|| io::Error::new(io::ErrorKind::InvalidInput, "path has no file name"))?;
    let parent = path.parent().unwrap_or(Path::new(""));
    Ok((norm_dir(parent), name.to_string()))
}

pub(crate) fn not_found(what: &Path) -> io::Error {
    io::Error::new(io::ErrorKind::NotFound, format!("{}: no such file or directory", what.display()))
}

/// Apply one data op to `bytes` (extending with zeros as needed).
pub(crate) fn apply_data(bytes: &mut Vec<u8>, op: &DataOp) {
    match op {
        DataOp::Write { offset, data } => write_at(bytes, *offset, data),
        DataOp::SetLen(len) => bytes.resize(*len as usize, 0),
    }
}

pub(crate) fn write_at(bytes: &mut Vec<u8>, offset: u64, data: &[u8]) {
    let start = offset as usize;
    let end = start + data.len();
    if bytes.len() < end {
        bytes.resize(end, 0);
    }
    bytes[start..end].copy_from_slice(data);
}

impl FsState {
    pub(crate) fn new(config: FaultConfig, dice: FaultDice, trace: Trace) -> FsState {
        let mut dirs = BTreeMap::new();
        dirs.insert(PathBuf::from("."), Dir::default());
        dirs.insert(PathBuf::from("/"), Dir::default());
        FsState {
            inodes: BTreeMap::new(),
            dirs,
            meta_pending: Vec::new(),
            next_ino: 1,
            epoch: 0,
            server_epoch: 0,
            current_owner: SERVER,
            next_handle: 1,
            config,
            dice,
            counts: BTreeMap::new(),
            trace,
            clock: None,
            in_background: false,
            sync_log: Vec::new(),
            crash_points: CrashPoints::default(),
        }
    }

    /// Note a file fsync for the harness (`SimFs::take_sync_log`).
    pub(crate) fn log_sync(&mut self, ino: Ino, ok: bool) {
        if self.sync_log.len() >= SYNC_LOG_MAX {
            self.sync_log.remove(0);
        }
        let background = self.in_background;
        self.sync_log.push(SyncRecord { ino, ok, background });
    }

    pub(crate) fn count(&mut self, kind: FaultKind) {
        *self.counts.entry(kind).or_insert(0) += 1;
        self.trace.record(format_args!("fault {kind:?}"));
    }

    /// Apply a forced fault on an operation without fault semantics of its own.
    pub(crate) fn plain_fault(&mut self, op: FsOp) -> io::Result<()> {
        let config = self.config;
        match self.dice.decide(op, &config) {
            None | Some(Fault::ShortWrite) => Ok(()),
            Some(Fault::Eio) => {
                self.count(FaultKind::EioOther);
                Err(super::errno::eio())
            }
            Some(Fault::Enospc) => {
                self.count(FaultKind::Enospc);
                Err(super::errno::enospc())
            }
        }
    }

    pub(crate) fn dir(&self, dir: &Path) -> io::Result<&Dir> {
        self.dirs.get(dir).ok_or_else(|| not_found(dir))
    }

    pub(crate) fn dir_mut(&mut self, dir: &Path) -> io::Result<&mut Dir> {
        self.dirs.get_mut(dir).ok_or_else(|| not_found(dir))
    }

    /// The inode `path` names in the visible namespace.
    pub(crate) fn lookup(&self, path: &Path) -> io::Result<Ino> {
        let (dir, name) = split(path)?;
        self.dir(&dir)?.visible.get(&name).copied().ok_or_else(|| not_found(path))
    }

    pub(crate) fn new_inode(&mut self) -> Ino {
        let ino = self.next_ino;
        self.next_ino += 1;
        self.inodes.insert(ino, Inode::default());
        ino
    }

    /// Bytes of page cache held by all inodes (what `capacity_bytes` limits).
    pub(crate) fn used_bytes(&self) -> u64 {
        self.inodes.values().map(|i| i.cache.len() as u64).sum()
    }

    /// Apply a directory change to the durable maps.
    pub(crate) fn apply_meta_durably(&mut self, op: &MetaOp) {
        match op {
            MetaOp::Link { dir, name, ino } => {
                if let Some(d) = self.dirs.get_mut(dir) {
                    d.durable.insert(name.clone(), *ino);
                }
            }
            MetaOp::Unlink { dir, name, ino } => {
                if let Some(d) = self.dirs.get_mut(dir) {
                    if d.durable.get(name) == Some(ino) {
                        d.durable.remove(name);
                    }
                }
            }
            MetaOp::Rename { from_dir, from, to_dir, to, ino } => {
                if let Some(d) = self.dirs.get_mut(from_dir) {
                    if d.durable.get(from) == Some(ino) {
                        d.durable.remove(from);
                    }
                }
                if let Some(d) = self.dirs.get_mut(to_dir) {
                    d.durable.insert(to.clone(), *ino);
                }
            }
        }
    }

    /// Drop inodes no directory entry (visible or durable) refers to. Only valid when no handle
    /// is alive, i.e. right after a crash.
    pub(crate) fn collect_garbage(&mut self) {
        let live: std::collections::BTreeSet<Ino> = self
            .dirs
            .values()
            .flat_map(|d| d.visible.values().chain(d.durable.values()))
            .copied()
            .collect();
        self.inodes.retain(|ino, _| live.contains(ino));
    }

    /// Charge a synchronous fsync's simulated duration to the clock (if one is attached and
    /// the caller is not a background job).
    pub(crate) fn fsync_latency(&mut self) {
        let us = self.dice.fsync_latency_us(&self.config);
        if us == 0 {
            return;
        }
        self.count(FaultKind::SlowFsync);
        if self.in_background {
            return;
        }
        if let Some(clock) = &self.clock {
            clock.advance_us(us);
            self.trace.record(format_args!("clock +{us}us (fsync)"));
        }
    }
}
