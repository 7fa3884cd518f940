//! SimBackground: jobs complete only when the scheduler says so, FIFO per kind, with results
//! (including injected fsync errors) delivered through `take_completed`.

use std::path::Path;

use keel::env::{write_all, Background, Fs, Job, JobKind, OpenOptions};
use keel_sim::{BackgroundLatency, Fault, FaultConfig, FsOp, SimClock, SimBackground, SimEnv, SimRng, Trace};

fn background() -> SimBackground {
    SimBackground::new(SimClock::default(), Trace::default(), SimRng::new(1, 3), BackgroundLatency::default())
}

#[test]
fn pending_counts_submitted_jobs_until_they_complete() {
    let bg = background();
    bg.submit(Job::LazyFree { value: Box::new(vec![1u8; 10]) });
    bg.submit(Job::LazyFree { value: Box::new(2u32) });
    assert_eq!(bg.pending(JobKind::LazyFree), 2);
    assert_eq!(bg.pending(JobKind::Fsync), 0);
    assert!(bg.take_completed().is_empty(), "nothing completes on its own");
    assert!(bg.complete_next(JobKind::LazyFree));
    assert_eq!(bg.pending(JobKind::LazyFree), 1);
    assert_eq!(bg.complete_all(), 1);
    assert_eq!(bg.pending(JobKind::LazyFree), 0);
    assert_eq!(bg.take_completed().len(), 2);
    assert!(!bg.complete_next(JobKind::LazyFree));
}

#[test]
fn jobs_of_one_kind_complete_in_fifo_order() {
    let sim = SimEnv::new(4, FaultConfig { fsync_latency_us: (0, 1_000_000), ..FaultConfig::default() });
    let f = sim.fs.open(Path::new("aof"), OpenOptions::APPEND).unwrap();
    for tag in 1..=5 {
        sim.background.submit(Job::Fsync { file: f.clone(), tag });
    }
    sim.clock.advance_ms(10_000);
    assert_eq!(sim.background.complete_due(10_000_000), 5);
    let tags: Vec<u64> = sim.background.take_completed().iter().map(|d| d.tag).collect();
    assert_eq!(tags, vec![1, 2, 3, 4, 5], "later-due jobs wait for earlier ones of their kind");
}

#[test]
fn fsync_job_runs_at_completion_time_and_its_error_is_reported() {
    let sim = SimEnv::new(4, FaultConfig::default());
    let f = sim.fs.open(Path::new("aof"), OpenOptions::APPEND).unwrap();
    sim.fs.fsync_dir(Path::new(".")).unwrap();
    sim.background.submit(Job::Fsync { file: f.clone(), tag: 7 });
    write_all(&*f, b"late").unwrap();
    sim.fs.fail_next(FsOp::Fsync, Fault::Eio);
    assert!(sim.background.complete_next(JobKind::Fsync));
    let done = sim.background.take_completed();
    assert_eq!(done.len(), 1);
    assert_eq!(done[0].tag, 7);
    assert_eq!(done[0].result.as_ref().unwrap_err().raw_os_error(), Some(5));
    sim.background.submit(Job::Fsync { file: f.clone(), tag: 8 });
    write_all(&*f, b"+more").unwrap();
    sim.background.complete_all();
    let done = sim.background.take_completed();
    assert!(done[0].result.is_ok());
    assert_eq!(sim.fs.durable_contents(Path::new("aof")).unwrap(), b"\0\0\0\0+more");
}

#[test]
fn close_job_closes_the_file() {
    let bg = background();
    let fs = keel_sim::SimFs::from_seed(1, FaultConfig::default());
    let f = fs.open(Path::new("old.aof"), OpenOptions::APPEND).unwrap();
    bg.submit(Job::Close { file: f.clone() });
    assert!(f.len().is_ok(), "still open while the job is queued");
    bg.complete_all();
    assert!(f.len().is_err());
    assert_eq!(bg.take_completed()[0].kind, JobKind::Close);
}

#[test]
fn process_crash_drops_queued_jobs_unrun() {
    let mut sim = SimEnv::new(4, FaultConfig::default());
    let f = sim.fs.open(Path::new("aof"), OpenOptions::APPEND).unwrap();
    write_all(&*f, b"x").unwrap();
    sim.background.submit(Job::Fsync { file: f, tag: 1 });
    sim.process_crash(keel_sim::OrphanPolicy::Drop);
    assert_eq!(sim.background.pending(JobKind::Fsync), 0);
    assert_eq!(sim.background.complete_all(), 0);
    assert_eq!(sim.fs.durable_contents(Path::new("aof")), None);
    assert_eq!(sim.pid(), 4243);
}
