//! loom models of Keel's threaded parts: the bio-like job queues of `OsBackground`
//! (`src/env/os_background.rs`) and the `used_memory` counter (`src/env/os_alloc.rs`), both
//! built on `keel::sync`, which is loom's types in this build.
//!
//! Run with `tests/loom.sh` (`RUSTFLAGS="--cfg loom"`, its own target dir,
//! `LOOM_MAX_PREEMPTIONS=3`). Each model asserts the invariant the code promises:
//! - no job is lost: every submitted job runs exactly once and its result is collected;
//! - `pending(Fsync) == 0` implies the fsync's result is in `take_completed` and its effect on
//!   the file happened, so the everysec postponement decision (`aof::flush`, which postpones
//!   while `pending(Fsync) > 0`) never misses a completed fsync;
//! - jobs of one kind run in submission order;
//! - jobs of different kinds are NOT ordered (a Close can run before an earlier Fsync of the
//!   same file): the model proves the interleaving exists, which is why the AOF tags fsync
//!   results with a generation and ignores stale ones (`aof::flush::job_done`);
//! - the used-memory counter equals the sum of live allocations after concurrent alloc/free,
//!   and the peak is at least that.
#![cfg(loom)]

use std::io;
use std::sync::atomic::{AtomicBool, Ordering as StdOrdering};
// `FileRef` is a `std::sync::Arc<dyn File>`: the handle's refcount is not what is modelled;
// the file's own state (a loom `Mutex`) is.
use std::sync::Arc as FileArc;

use keel::env::os_alloc::UsedCounter;
use keel::env::os_background::OsBackground;
use keel::env::{Background, File, Job, JobDone, JobKind};
use keel::sync::atomic::AtomicUsize;
use keel::sync::{Arc, Mutex};

/// Model with the preemption bound from `LOOM_MAX_PREEMPTIONS`, at least 3.
fn model(f: impl Fn() + Sync + Send + 'static) {
    let mut b = loom::model::Builder::new();
    if b.preemption_bound.is_none() {
        b.preemption_bound = Some(3);
    }
    b.check(f);
}

/// A file that records what the bio threads did to it, in order.
#[derive(Default)]
struct FakeFile {
    log: Mutex<Vec<&'static str>>,
}

impl FakeFile {
    fn log(&self) -> Vec<&'static str> {
        self.log.lock().expect("fake file lock").clone()
    }

    fn record(&self, what: &'static str) -> io::Result<()> {
        let mut log = self.log.lock().expect("fake file lock");
        // Like OsFile: once closed, every operation fails and touches nothing.
        if log.contains(&"close") {
            return Err(io::Error::other("closed"));
        }
        log.push(what);
        Ok(())
    }
}

impl File for FakeFile {
    fn write(&self, buf: &[u8]) -> io::Result<usize> {
        Ok(buf.len())
    }
    fn read_at(&self, _offset: u64, _buf: &mut [u8]) -> io::Result<usize> {
        Ok(0)
    }
    fn len(&self) -> io::Result<u64> {
        Ok(0)
    }
    fn set_len(&self, _len: u64) -> io::Result<()> {
        Ok(())
    }
    fn fsync(&self) -> io::Result<()> {
        self.record("fsync")
    }
    fn fdatasync(&self) -> io::Result<()> {
        self.record("fdatasync")
    }
    fn close(&self) -> io::Result<()> {
        self.record("close")
    }
}

fn tags(done: &[JobDone], kind: JobKind) -> Vec<u64> {
    done.iter().filter(|d| d.kind == kind).map(|d| d.tag).collect()
}

#[test]
fn every_submitted_job_runs_once_and_its_result_is_collected() {
    model(|| {
        let bio = OsBackground::start();
        let file = FileArc::new(FakeFile::default());
        let other = FileArc::new(FakeFile::default());
        bio.submit(Job::Fsync { file: file.clone(), tag: 1 });
        bio.submit(Job::Close { file: other.clone() });
        bio.submit(Job::LazyFree { value: Box::new(vec![0u8; 16]) });
        let mut done = bio.take_completed();
        done.extend(bio.shutdown());
        assert_eq!(tags(&done, JobKind::Fsync), vec![1]);
        assert_eq!(done.iter().filter(|d| d.kind == JobKind::Close).count(), 1);
        assert_eq!(done.iter().filter(|d| d.kind == JobKind::LazyFree).count(), 1);
        assert!(done.iter().all(|d| d.result.is_ok()));
        assert_eq!(file.log(), vec!["fdatasync"]);
        assert_eq!(other.log(), vec!["close"]);
    });
}

#[test]
fn pending_fsync_zero_means_the_fsync_result_is_visible() {
    model(|| {
        let bio = OsBackground::start();
        let file = FileArc::new(FakeFile::default());
        bio.submit(Job::Fsync { file: file.clone(), tag: 7 });
        // The everysec decision: read pending, then collect results (cron's order).
        let pending = bio.pending(JobKind::Fsync);
        let mut done = bio.take_completed();
        if pending == 0 {
            assert_eq!(tags(&done, JobKind::Fsync), vec![7], "pending was 0 but the result was not there");
            assert_eq!(file.log(), vec!["fdatasync"], "pending was 0 but the fsync had not happened");
        }
        done.extend(bio.shutdown());
        assert_eq!(tags(&done, JobKind::Fsync), vec![7]);
    });
}

#[test]
fn fsyncs_complete_in_submission_order() {
    model(|| {
        let bio = OsBackground::start();
        let file = FileArc::new(FakeFile::default());
        for tag in [1, 2, 3] {
            bio.submit(Job::Fsync { file: file.clone(), tag });
        }
        let done = bio.shutdown();
        assert_eq!(tags(&done, JobKind::Fsync), vec![1, 2, 3]);
        assert_eq!(file.log(), vec!["fdatasync"; 3]);
    });
}

static CLOSE_OVERTOOK_FSYNC: AtomicBool = AtomicBool::new(false);

#[test]
fn a_close_may_overtake_an_earlier_fsync_of_the_same_file_and_that_fsync_then_fails_cleanly() {
    CLOSE_OVERTOOK_FSYNC.store(false, StdOrdering::SeqCst);
    model(|| {
        let bio = OsBackground::start();
        let file = FileArc::new(FakeFile::default());
        bio.submit(Job::Fsync { file: file.clone(), tag: 1 });
        bio.submit(Job::Close { file: file.clone() });
        let done = bio.shutdown();
        let fsync = done.iter().find(|d| d.kind == JobKind::Fsync).expect("fsync result collected");
        match file.log().as_slice() {
            ["fdatasync", "close"] => assert!(fsync.result.is_ok()),
            ["close"] => {
                assert!(fsync.result.is_err(), "an fsync after close must report an error");
                CLOSE_OVERTOOK_FSYNC.store(true, StdOrdering::SeqCst);
            }
            other => panic!("unexpected file history {other:?}"),
        }
    });
    assert!(
        CLOSE_OVERTOOK_FSYNC.load(StdOrdering::SeqCst),
        "bio orders jobs per kind only; if this interleaving disappeared, update the contract in os_background.rs"
    );
}

#[test]
fn used_memory_equals_the_sum_of_live_allocations_after_concurrent_alloc_and_free() {
    model(|| {
        let counter = Arc::new(UsedCounter::with_cells(AtomicUsize::new(0), AtomicUsize::new(0)));
        counter.added(100);
        let threads: Vec<_> = [(8usize, 8usize), (16, 0)]
            .into_iter()
            .map(|(alloc, free)| {
                let c = counter.clone();
                loom::thread::spawn(move || {
                    c.added(alloc);
                    c.removed(free);
                })
            })
            .collect();
        counter.removed(50);
        for t in threads {
            t.join().expect("allocating thread");
        }
        assert_eq!(counter.used(), 100 + 8 - 8 + 16 - 50);
        assert!(counter.peak() >= 100 && counter.peak() <= 100 + 8 + 16, "peak {}", counter.peak());
    });
}
