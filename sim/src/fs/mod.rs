//! `SimFs`: the simulated disk (DESIGN §6), implementing `keel::env::Fs` and `File`.
//!
//! # Model
//! Files are inodes. Each inode has a **page cache** (the bytes every process sees) and
//! **durable** bytes (what survives a power loss), plus the ordered list of its *pending* data
//! operations (writes, `set_len`, truncation at open) applied to the page cache but not yet made
//! durable. Each directory maps names to inodes twice, **visible** and **durable**; create,
//! rename and unlink change the visible map at once and are logged as pending directory changes.
//! Directories are created durably by `create_dir_all` and never removed; `.` and `/` exist.
//!
//! # Durability rules (what the oracle may rely on)
//! - `fsync`/`fdatasync` returning `Ok` applies the file's pending operations to its durable
//!   bytes, in order. It does **not** make the file's directory entry durable.
//! - `fsync_dir(d)` returning `Ok` makes durable every pending directory change that touches
//!   `d` (a rename touches both its directories), in order.
//! - Nothing else makes anything durable.
//!
//! # Faults
//! All rates come from [`FaultConfig`] (all off by default) and the fault stream; a single
//! fault can be forced with [`SimFs::fail_next`].
//! - **Short write**: `write` appends and returns a non-empty strict prefix length
//!   (`1..len`, seeded). One-byte writes are never short.
//! - **ENOSPC**: `capacity_bytes` bounds the sum of all page caches. A write that does not fit
//!   writes the part that fits and returns its length; with no space left it fails with
//!   ENOSPC and writes nothing. `set_len` growing past capacity fails with ENOSPC.
//! - **EIO on write**: the write fails and writes nothing.
//! - **EIO on close**: the handle is closed anyway (as close(2) releases the fd) and EIO is
//!   returned; data already written stays in the page cache, with its durability unchanged.
//! - **EIO on fsync**, profile [`FsyncProfile::Ext4`] (Linux ext4/XFS): the file's pending
//!   operations are dropped *without* becoming durable, but the page cache keeps showing them
//!   until a crash; the error is reported once: a later fsync with nothing new pending returns
//!   `Ok` and the dropped data is still not durable (later writes are durable after a later
//!   successful fsync; the dropped range reads back as whatever was durable there, or zeros).
//!   Profile [`FsyncProfile::Btrfs`]: pending operations are dropped and the page cache reverts
//!   to the durable bytes.
//! - **Slow fsync**: every fsync/fdatasync/fsync_dir draws a latency from
//!   `fsync_latency_us`; when a clock is attached ([`SimFs::attach_clock`]) a synchronous call
//!   advances it by that much. Calls made inside [`SimFs::in_background`] (a background job)
//!   do not advance the clock: the job's completion time carries the latency instead.
//! - **Process crash** ([`SimFs::process_crash`]): every handle the server opened dies (EBADF);
//!   handles a forked child opened (inside [`SimFs::as_child`]) stay usable; page cache,
//!   pending operations and visible directories survive unchanged — still not durable.
//! - **Power loss** ([`SimFs::power_loss`], `fs/crash.rs`): every handle dies; each pending
//!   write survives whole, not at all, or torn (a sector-aligned prefix), independently of the
//!   others, so a later write can survive while an earlier one is lost; a pending `set_len`
//!   survives or not; an oldest-first prefix of the pending directory changes survives (the
//!   journal commits them in order) and the rest revert: new files vanish, renamed names point
//!   back at their last durable inode, unlinked names reappear. Afterwards page cache = durable
//!   and visible = durable.
//!
//! Every operation and fault is recorded in the [`Trace`]. Every state-changing operation is a
//! crash point, counted with its site (`site.rs`, `crash_point.rs`).

mod crash;
mod crash_point;
mod faults;
mod file;
pub mod site;
mod state;

pub use crash::{
    KeepAll, LoseAll, PendingWrite, PowerLossPlan, RandomPlan, ScriptedPlan, Survival, SECTOR_BYTES,
};
pub use crash_point::{PendingChoice, PowerLossChoices};
pub use faults::{Fault, FaultConfig, FaultKind, FsOp, FsyncProfile, PowerLossRates};
pub use site::{DiskOp, FileClass, Site};

use std::collections::{BTreeMap, BTreeSet};
use std::io;
use std::path::{Path, PathBuf};
use std::sync::atomic::AtomicBool;
use std::sync::{Arc, Mutex, MutexGuard};

use keel::env::{FileRef, Fs, OpenOptions};

use crate::clock::SimClock;
use crate::rng::SimRng;
use crate::trace::Trace;
use faults::FaultDice;
use file::SimFile;
use state::{norm_dir, not_found, split, DataOp, FsState, MetaOp};
pub use state::SyncRecord;

/// The last component of `path` (empty if none).
fn file_name(path: &Path) -> String {
    path.file_name().and_then(|n| n.to_str()).unwrap_or("").to_string()
}

/// The `ino` of a [`SyncRecord`] for a successful directory fsync (no inode has this number).
pub const DIR_SYNC_INO: u64 = u64::MAX;

/// Linux errno values, so errors look like the OS's.
pub(crate) mod errno {
    use std::io;
    pub fn eio() -> io::Error {
        io::Error::from_raw_os_error(5)
    }
    pub fn ebadf() -> io::Error {
        io::Error::from_raw_os_error(9)
    }
    pub fn enospc() -> io::Error {
        io::Error::from_raw_os_error(28)
    }
}

/// Lock the state. A poisoned lock means a panic in a single-threaded simulation; the state is
/// still the last consistent one, so keep going rather than panic again.
pub(crate) fn lock(state: &Mutex<FsState>) -> MutexGuard<'_, FsState> {
    state.lock().unwrap_or_else(|e| e.into_inner())
}

/// A shared handle on one simulated file system.
#[derive(Clone)]
pub struct SimFs {
    state: Arc<Mutex<FsState>>,
}

impl SimFs {
    /// An empty fs whose fault decisions come from `faults` (normally `streams(seed).faults`).
    pub fn new(config: FaultConfig, faults: &mut SimRng, trace: Trace) -> SimFs {
        let dice = FaultDice::new(faults);
        SimFs { state: Arc::new(Mutex::new(FsState::new(config, dice, trace))) }
    }

    /// An empty fs with its own trace, fault stream from `seed`.
    pub fn from_seed(seed: u64, config: FaultConfig) -> SimFs {
        SimFs::new(config, &mut crate::rng::streams(seed).faults, Trace::default())
    }

    fn lock(&self) -> MutexGuard<'_, FsState> {
        lock(&self.state)
    }

    /// Let synchronous fsyncs advance `clock` by their simulated latency.
    pub fn attach_clock(&self, clock: SimClock) {
        self.lock().clock = Some(clock);
    }

    pub fn config(&self) -> FaultConfig {
        self.lock().config
    }

    /// Change the fault rates (e.g. turn faults off for recovery).
    pub fn set_config(&self, config: FaultConfig) {
        self.lock().config = config;
    }

    pub fn trace(&self) -> Trace {
        self.lock().trace.clone()
    }

    /// Inject `fault` at the next operation `op` (queued faults fire in order).
    pub fn fail_next(&self, op: FsOp, fault: Fault) {
        self.lock().dice.force(op, fault);
    }

    /// Faults injected so far, by kind.
    pub fn fault_counts(&self) -> BTreeMap<FaultKind, u64> {
        self.lock().counts.clone()
    }

    pub fn fault_count(&self, kind: FaultKind) -> u64 {
        self.lock().counts.get(&kind).copied().unwrap_or(0)
    }

    /// A seeded fsync duration (µs) from this fs's latency stream, for background jobs.
    pub fn draw_fsync_latency_us(&self) -> u64 {
        let mut st = self.lock();
        let config = st.config;
        st.dice.fsync_latency_us(&config)
    }

    /// Run `f` as a background job: its fsyncs do not advance the attached clock.
    pub fn in_background<T>(&self, f: impl FnOnce() -> T) -> T {
        self.lock().in_background = true;
        let out = f();
        self.lock().in_background = false;
        out
    }

    /// Run `f` as the forked child `pid`: files it opens belong to the child and survive a
    /// crash of the server process ([`SimFs::process_crash`]).
    pub fn as_child<T>(&self, pid: u32, f: impl FnOnce() -> T) -> T {
        let previous = std::mem::replace(&mut self.lock().current_owner, pid);
        let out = f();
        self.lock().current_owner = previous;
        out
    }

    /// The durable bytes of the file `path` names durably, if any.
    pub fn durable_contents(&self, path: &Path) -> Option<Vec<u8>> {
        let st = self.lock();
        let (dir, name) = split(path).ok()?;
        let ino = st.dirs.get(&dir)?.durable.get(&name)?;
        st.inodes.get(ino).map(|i| i.durable.clone())
    }

    /// The page-cache bytes of the file `path` names now, if any.
    pub fn visible_contents(&self, path: &Path) -> Option<Vec<u8>> {
        let st = self.lock();
        let ino = st.lookup(path).ok()?;
        st.inodes.get(&ino).map(|i| i.cache.clone())
    }

    /// Durable file names in `dir`, sorted (empty if the directory does not exist).
    pub fn list_durable(&self, dir: &Path) -> Vec<String> {
        let st = self.lock();
        st.dirs.get(&norm_dir(dir)).map(|d| d.durable.keys().cloned().collect()).unwrap_or_default()
    }

    /// The inode `path` names now (visible entry), if any.
    pub fn visible_ino(&self, path: &Path) -> Option<u64> {
        self.lock().lookup(path).ok()
    }

    /// The inode `path` names durably (durable entry), if any.
    pub fn durable_ino(&self, path: &Path) -> Option<u64> {
        let st = self.lock();
        let (dir, name) = split(path).ok()?;
        st.dirs.get(&dir)?.durable.get(&name).copied()
    }

    /// How many leading bytes of the file `path` names are durable *and* durably named: 0
    /// unless the durable directory entry names the same inode as the visible one; else the
    /// length of the common prefix of its durable bytes and its page cache. Bytes up to this
    /// length survive any crash (DESIGN §6's durability rules) and read back as they read now.
    pub fn durable_prefix_len(&self, path: &Path) -> u64 {
        let st = self.lock();
        let Ok((dir, name)) = split(path) else { return 0 };
        let Some(d) = st.dirs.get(&dir) else { return 0 };
        let (Some(v), Some(dur)) = (d.visible.get(&name), d.durable.get(&name)) else { return 0 };
        if v != dur {
            return 0;
        }
        let Some(inode) = st.inodes.get(v) else { return 0 };
        let n = inode.durable.iter().zip(&inode.cache).take_while(|(a, b)| a == b).count();
        n as u64
    }

    /// The file fsyncs (success or EIO) since the last call, oldest first.
    pub fn take_sync_log(&self) -> Vec<SyncRecord> {
        std::mem::take(&mut self.lock().sync_log)
    }

    /// Number of data operations on `path`'s file not yet durable (0 if missing).
    pub fn pending_ops(&self, path: &Path) -> usize {
        let st = self.lock();
        st.lookup(path).ok().and_then(|ino| st.inodes.get(&ino)).map_or(0, |i| i.pending.len())
    }

    /// Number of directory changes not yet durable.
    pub fn pending_dir_changes(&self) -> usize {
        self.lock().meta_pending.len()
    }

    /// Open `path`'s inode; also returns the state change the open made (create, truncate).
    fn open_ino(st: &mut FsState, path: &Path, opts: OpenOptions) -> io::Result<(u64, Option<DiskOp>)> {
        let (dir, name) = split(path)?;
        if st.dirs.contains_key(&norm_dir(path)) {
            return Err(io::Error::from_raw_os_error(21)); // EISDIR
        }
        let existing = st.dir(&dir)?.visible.get(&name).copied();
        match existing {
            Some(_) if opts.create_new => Err(io::Error::new(
                io::ErrorKind::AlreadyExists,
                format!("{}: file exists", path.display()),
            )),
            Some(ino) => {
                if opts.truncate {
                    if let Some(inode) = st.inodes.get_mut(&ino) {
                        inode.cache.clear();
                        inode.pending.push(DataOp::SetLen(0));
                        return Ok((ino, Some(DiskOp::Truncate)));
                    }
                }
                Ok((ino, None))
            }
            None if opts.create || opts.create_new => {
                let ino = st.new_inode();
                st.dir_mut(&dir)?.visible.insert(name.clone(), ino);
                st.meta_pending.push(MetaOp::Link { dir, name, ino });
                Ok((ino, Some(DiskOp::Create)))
            }
            None => Err(not_found(path)),
        }
    }
}

impl Fs for SimFs {
    fn open(&self, path: &Path, opts: OpenOptions) -> io::Result<FileRef> {
        let mut st = self.lock();
        st.plain_fault(FsOp::Open)?;
        let (ino, change) = match Self::open_ino(&mut st, path, opts) {
            Ok(opened) => opened,
            Err(e) => {
                st.trace.record(format_args!("fs.open {} -> {:?}", path.display(), e.kind()));
                return Err(e);
            }
        };
        let handle = st.next_handle;
        st.next_handle += 1;
        st.trace.record(format_args!("fs.open {} {opts:?} -> h{handle} ino={ino}", path.display()));
        let class = FileClass::of(&file_name(path), st.current_owner != state::SERVER);
        if let Some(op) = change {
            st.boundary(Site::new(class, op));
        }
        Ok(Arc::new(SimFile {
            state: Arc::clone(&self.state),
            class,
            ino,
            epoch: st.epoch,
            server_epoch: st.server_epoch,
            owner: st.current_owner,
            handle,
            closed: AtomicBool::new(false),
        }))
    }

    fn rename(&self, from: &Path, to: &Path) -> io::Result<()> {
        let mut st = self.lock();
        st.plain_fault(FsOp::Rename)?;
        let (from_dir, from_name) = split(from)?;
        let (to_dir, to_name) = split(to)?;
        let ino = st.lookup(from)?;
        st.dir(&to_dir)?;
        if from_dir == to_dir && from_name == to_name {
            return Ok(());
        }
        st.dir_mut(&from_dir)?.visible.remove(&from_name);
        st.dir_mut(&to_dir)?.visible.insert(to_name.clone(), ino);
        st.trace.record(format_args!("fs.rename {} -> {} ino={ino}", from.display(), to.display()));
        let class = FileClass::of(&from_name, st.current_owner != state::SERVER);
        st.meta_pending.push(MetaOp::Rename { from_dir, from: from_name, to_dir, to: to_name, ino });
        st.boundary(Site::new(class, DiskOp::Rename));
        Ok(())
    }

    fn unlink(&self, path: &Path) -> io::Result<()> {
        let mut st = self.lock();
        st.plain_fault(FsOp::Unlink)?;
        let (dir, name) = split(path)?;
        let ino = st.lookup(path)?;
        st.dir_mut(&dir)?.visible.remove(&name);
        st.trace.record(format_args!("fs.unlink {} ino={ino}", path.display()));
        let class = FileClass::of(&name, st.current_owner != state::SERVER);
        st.meta_pending.push(MetaOp::Unlink { dir, name, ino });
        st.boundary(Site::new(class, DiskOp::Unlink));
        Ok(())
    }

    fn list(&self, dir: &Path) -> io::Result<Vec<String>> {
        let mut st = self.lock();
        st.plain_fault(FsOp::List)?;
        let key = norm_dir(dir);
        let mut names: BTreeSet<String> = st.dir(&key)?.visible.keys().cloned().collect();
        for sub in st.dirs.keys() {
            let parent = sub.parent().map(norm_dir);
            if sub != &key && parent.as_ref() == Some(&key) {
                if let Some(n) = sub.file_name().and_then(|n| n.to_str()) {
                    names.insert(n.to_string());
                }
            }
        }
        st.trace.record(format_args!("fs.list {} -> {}", key.display(), names.len()));
        Ok(names.into_iter().collect())
    }

    fn fsync_dir(&self, dir: &Path) -> io::Result<()> {
        let mut st = self.lock();
        st.plain_fault(FsOp::FsyncDir)?;
        let key = norm_dir(dir);
        st.dir(&key)?;
        st.fsync_latency();
        let (now, later): (Vec<MetaOp>, Vec<MetaOp>) =
            std::mem::take(&mut st.meta_pending).into_iter().partition(|op| op.touches(&key));
        st.meta_pending = later;
        for op in &now {
            st.apply_meta_durably(op);
        }
        st.log_sync(DIR_SYNC_INO, true);
        st.trace.record(format_args!("fs.fsync_dir {} changes={}", key.display(), now.len()));
        st.boundary(Site::new(FileClass::Dir, DiskOp::FsyncDir));
        Ok(())
    }

    fn create_dir_all(&self, dir: &Path) -> io::Result<()> {
        let mut st = self.lock();
        st.plain_fault(FsOp::CreateDir)?;
        let key = norm_dir(dir);
        let mut prefix = PathBuf::new();
        let mut created = false;
        for c in key.components() {
            prefix.push(c);
            let k = norm_dir(&prefix);
            if !st.dirs.contains_key(&k) && st.lookup(&k).is_ok() {
                return Err(io::Error::new(io::ErrorKind::AlreadyExists, "a file has that name"));
            }
            if let std::collections::btree_map::Entry::Vacant(e) = st.dirs.entry(k) {
                e.insert(Default::default());
                created = true;
            }
        }
        st.trace.record(format_args!("fs.create_dir_all {}", key.display()));
        if created {
            st.boundary(Site::new(FileClass::Dir, DiskOp::CreateDir));
        }
        Ok(())
    }
}
