//! The environment seams (DESIGN §2): everything the engine needs from the operating system.
//!
//! Production code never touches the OS directly; it is written against the small traits here,
//! bundled in [`Env`]. `Os*` implementations (the files `src/env/os*.rs`, the only files allowed
//! to use `std::fs`, `std::time`, `std::thread` and `libc`) serve the real server; `keel-sim`
//! provides `Sim*` implementations driven by a seeded scheduler, so one seed replays one trace.
//!
//! Contracts shared by both worlds:
//! - [`File::write`] appends at the end of the file and may be short (returns fewer bytes than
//!   given); the caller handles the remainder.
//! - Data is durable only after [`File::fsync`]/[`File::fdatasync`] returns `Ok`; a directory
//!   entry (create, rename, unlink) is durable only after [`Fs::fsync_dir`] of its directory.
//! - A [`ChildJob`] runs in a point-in-time view of the parent's data: with a real `fork(2)` the
//!   child's copy-on-write memory ([`Forker::shares_memory`] is true); in the simulator the job
//!   owns a clone taken at fork time.
//! - [`Background`] jobs complete asynchronously; the main thread learns their results only via
//!   [`Background::take_completed`], never by sharing state.

pub mod hash;
pub mod os_alloc;
pub mod os_background;
pub mod os_clock;
pub mod os_fork;
pub mod os_fs;
pub mod os_net;
pub mod rng;

use std::any::Any;
use std::io;
use std::path::Path;
use std::sync::Arc;

pub use hash::{KeyedHasher, KeyedState};
pub use rng::Rng;

/// Wall-clock and monotonic time.
pub trait Clock: Send + Sync {
    /// Milliseconds since the Unix epoch: expiry times, LASTSAVE, `ctime` in RDB files.
    fn unix_ms(&self) -> i64;
    /// Microseconds since an arbitrary fixed origin; never goes backwards: cron cadence,
    /// fsync cadence, durations.
    fn monotonic_us(&self) -> u64;
    /// Block for `us` microseconds (DEBUG SLEEP). The simulated clock may advance instead.
    fn sleep_us(&self, us: u64) {
        let _ = us;
    }
}

/// How [`Fs::open`] opens a file. Writes always append at the end.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct OpenOptions {
    /// Create the file if it does not exist (the new directory entry is not durable until
    /// [`Fs::fsync_dir`]).
    pub create: bool,
    /// Truncate an existing file to zero length.
    pub truncate: bool,
    /// Fail with `AlreadyExists` if the file exists.
    pub create_new: bool,
}

impl OpenOptions {
    /// Open an existing file for reading and appending.
    pub const EXISTING: OpenOptions = OpenOptions { create: false, truncate: false, create_new: false };
    /// Open for appending, creating the file if missing.
    pub const APPEND: OpenOptions = OpenOptions { create: true, truncate: false, create_new: false };
    /// Create or truncate.
    pub const TRUNCATE: OpenOptions = OpenOptions { create: true, truncate: true, create_new: false };
}

/// An open file. Methods take `&self` so a handle can be shared with a background fsync job.
#[allow(clippy::len_without_is_empty)] // a file's length is an I/O query, not a collection's
pub trait File: Send + Sync {
    /// Append up to `buf.len()` bytes at the end of the file; returns how many were written
    /// (may be fewer: a short write). `Err` means nothing was written by this call.
    fn write(&self, buf: &[u8]) -> io::Result<usize>;
    /// Read from `offset`; returns 0 at the end of the file.
    fn read_at(&self, offset: u64, buf: &mut [u8]) -> io::Result<usize>;
    /// Current length as the process sees it (page cache included).
    fn len(&self) -> io::Result<u64>;
    /// Truncate or extend (with zeros) to `len` (ftruncate).
    fn set_len(&self, len: u64) -> io::Result<()>;
    /// Make data and metadata durable.
    fn fsync(&self) -> io::Result<()>;
    /// Make data durable (metadata only as needed to read it back).
    fn fdatasync(&self) -> io::Result<()>;
    /// Close the file; reports errors the OS reports at close (EIO on NFS-like targets).
    /// Every later call on this handle fails.
    fn close(&self) -> io::Result<()>;
}

/// A shared handle to an open file.
pub type FileRef = Arc<dyn File>;

/// The file system.
pub trait Fs: Send + Sync {
    fn open(&self, path: &Path, opts: OpenOptions) -> io::Result<FileRef>;
    /// Atomically replace `to` with `from` (rename(2)).
    fn rename(&self, from: &Path, to: &Path) -> io::Result<()>;
    fn unlink(&self, path: &Path) -> io::Result<()>;
    /// File names (not paths) in `dir`, sorted.
    fn list(&self, dir: &Path) -> io::Result<Vec<String>>;
    /// fsync of a directory: makes its entries (creates, renames, unlinks) durable.
    fn fsync_dir(&self, dir: &Path) -> io::Result<()>;
    fn create_dir_all(&self, dir: &Path) -> io::Result<()>;
}

/// Read a whole file through the seam. Bounded by the file's length at open time.
pub fn read_whole(fs: &dyn Fs, path: &Path) -> io::Result<Vec<u8>> {
    let file = fs.open(path, OpenOptions::EXISTING)?;
    let len = file.len()?;
    let mut out = vec![0u8; usize::try_from(len).map_err(|_| io::Error::other("file too large"))?];
    let mut done = 0;
    while done < out.len() {
        let n = file.read_at(done as u64, &mut out[done..])?;
        if n == 0 {
            out.truncate(done);
            break;
        }
        done += n;
    }
    file.close()?;
    Ok(out)
}

/// Write all of `buf`, retrying short writes. Returns the bytes written before an error
/// alongside the error, so a caller can roll back (Redis's `aofWrite`).
pub fn write_all(file: &dyn File, mut buf: &[u8]) -> Result<(), (usize, io::Error)> {
    let mut written = 0;
    while !buf.is_empty() {
        match file.write(buf) {
            Ok(0) => return Err((written, io::Error::new(io::ErrorKind::WriteZero, "short write"))),
            Ok(n) => {
                written += n;
                buf = &buf[n..];
            }
            Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
            Err(e) => return Err((written, e)),
        }
    }
    Ok(())
}

/// One step of a child job.
#[derive(Debug, PartialEq, Eq)]
pub enum Step {
    /// More work remains; call `step` again.
    Continue,
    /// Finished; `Ok` becomes exit status 0, `Err` a non-zero status with the message logged.
    Done(Result<(), String>),
}

/// Work done in a forked child (BGSAVE, BGREWRITEAOF), in resumable steps so the simulator can
/// interleave it with parent commands. A real child runs `step` until `Done` then `_exit`s.
///
/// `parent_alive` is false once the server that forked the child has died (the child is an
/// orphan). An orphan must not publish anything: a restarted server may already have saved a
/// newer snapshot, and an orphan's late `rename(temp-<pid>.rdb, dump.rdb)` would replace it with
/// older data. Jobs abandon their work (removing their temp file) when they see it false.
pub trait ChildJob: Send {
    fn step(&mut self, parent_alive: bool) -> Step;
}

/// Process id of a child (or of the server itself, for `temp-<pid>.rdb`).
pub type Pid = u32;

/// How a child ended, as the parent learns it from `waitpid`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum ChildExit {
    /// Exit status 0.
    Ok,
    /// Non-zero exit status.
    Failed(i32),
    /// Killed by a signal.
    Killed(i32),
}

/// fork(2) and waitpid(2).
pub trait Forker: Send + Sync {
    /// True when the child runs in a copy-on-write copy of the parent's memory, so a job may
    /// read the parent's data through a frozen pointer; false when the job must own a snapshot.
    fn shares_memory(&self) -> bool;
    /// Start `job` in a child; the parent keeps running. Returns the child's pid.
    fn fork(&self, job: Box<dyn ChildJob>) -> io::Result<Pid>;
    /// Non-blocking reap (waitpid WNOHANG): a finished child and how it ended.
    fn try_wait(&self) -> Option<(Pid, ChildExit)>;
    /// Kill a running child (SIGUSR1 in Redis, so the child does not look like a crash).
    fn kill(&self, pid: Pid) -> io::Result<()>;
    /// Copy-on-write bytes reported by the last child that finished (0 when unknown).
    fn last_cow_bytes(&self) -> u64 {
        0
    }
}

/// The kinds of background jobs (Redis's bio job types).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum JobKind {
    Fsync,
    Close,
    LazyFree,
}

/// A background job.
pub enum Job {
    /// fdatasync the file; `tag` comes back in the completion (the AOF offset it covers).
    Fsync { file: FileRef, tag: u64 },
    /// Close the file (the old AOF after a rewrite, so the unlink cost is off the main thread).
    Close { file: FileRef },
    /// Drop a big value off the main thread.
    LazyFree { value: Box<dyn Any + Send> },
}

impl Job {
    pub fn kind(&self) -> JobKind {
        match self {
            Job::Fsync { .. } => JobKind::Fsync,
            Job::Close { .. } => JobKind::Close,
            Job::LazyFree { .. } => JobKind::LazyFree,
        }
    }
}

/// The result of a finished background job.
#[derive(Debug)]
pub struct JobDone {
    pub kind: JobKind,
    pub tag: u64,
    pub result: io::Result<()>,
}

/// Background threads like Redis's bio.
pub trait Background: Send + Sync {
    fn submit(&self, job: Job);
    /// Jobs of `kind` submitted and not yet finished (`bioPendingJobsOfType`).
    fn pending(&self, kind: JobKind) -> usize;
    /// Results of jobs finished since the last call, in completion order.
    fn take_completed(&self) -> Vec<JobDone>;
}

/// Memory figures for INFO memory and maxmemory.
pub trait MemoryGauge: Send + Sync {
    /// Bytes the allocator handed out and not yet freed (zmalloc's `used_memory`).
    fn used(&self) -> usize;
    /// Resident set size.
    fn rss(&self) -> usize;
}

/// Everything the server needs from its environment.
#[derive(Clone)]
pub struct Env {
    pub clock: Arc<dyn Clock>,
    pub fs: Arc<dyn Fs>,
    pub forker: Arc<dyn Forker>,
    pub background: Arc<dyn Background>,
    pub memory: Arc<dyn MemoryGauge>,
    /// Seed of the engine's PRNG (skiplist levels, sampling, hash keys).
    pub seed: u64,
    /// The server's own pid, for `temp-<pid>.rdb` names.
    pub pid: Pid,
}

impl Env {
    /// The production environment: real clock, files, fork and threads; seed from the OS.
    pub fn os() -> Env {
        Env {
            clock: Arc::new(os_clock::OsClock::new()),
            fs: Arc::new(os_fs::OsFs),
            forker: Arc::new(os_fork::OsForker::new()),
            background: Arc::new(os_background::OsBackground::start()),
            memory: Arc::new(os_alloc::OsMemory),
            seed: os_clock::os_seed(),
            pid: std::process::id(),
        }
    }
}
