//! SimForker: children step only when the scheduler says so, can be killed, can fail, and the
//! parent learns their fate only through `try_wait`.

use std::path::{Path, PathBuf};

use keel::env::{write_all, ChildExit, ChildJob, FileRef, Forker, Fs, OpenOptions, Step};
use keel_sim::{ChildProgress, FaultConfig, OrphanPolicy, SimForker, SimFs, Trace};

/// Writes `chunks` chunks of 100 bytes to a temp file, one per step, then renames it.
struct TempWriter {
    fs: SimFs,
    tmp: PathBuf,
    dst: PathBuf,
    file: Option<FileRef>,
    chunks: u32,
}

impl ChildJob for TempWriter {
    fn step(&mut self, _parent_alive: bool) -> Step {
        let file = match &self.file {
            Some(f) => f.clone(),
            None => match self.fs.open(&self.tmp, OpenOptions::TRUNCATE) {
                Ok(f) => {
                    self.file = Some(f.clone());
                    f
                }
                Err(e) => return Step::Done(Err(e.to_string())),
            },
        };
        if self.chunks == 0 {
            let done = file.fsync().and_then(|_| self.fs.rename(&self.tmp, &self.dst));
            return Step::Done(done.map_err(|e| e.to_string()));
        }
        self.chunks -= 1;
        match write_all(&*file, &[b'r'; 100]) {
            Ok(()) => Step::Continue,
            Err((_, e)) => Step::Done(Err(e.to_string())),
        }
    }
}

fn setup() -> (SimFs, SimForker) {
    let trace = Trace::default();
    let fs = SimFs::from_seed(2, FaultConfig::default());
    fs.create_dir_all(Path::new("/d")).unwrap();
    let forker = SimForker::new(trace).with_fs(fs.clone());
    (fs, forker)
}

fn writer(fs: &SimFs, chunks: u32) -> Box<TempWriter> {
    Box::new(TempWriter {
        fs: fs.clone(),
        tmp: PathBuf::from("/d/temp-1000.rdb"),
        dst: PathBuf::from("/d/dump.rdb"),
        file: None,
        chunks,
    })
}

#[test]
fn child_killed_mid_write_leaves_its_temp_file_and_reports_killed() {
    let (fs, forker) = setup();
    let pid = forker.fork(writer(&fs, 5)).unwrap();
    assert_eq!(pid, 1000);
    assert!(!forker.shares_memory());
    assert_eq!(forker.step_child(), ChildProgress::Running);
    assert_eq!(forker.step_child(), ChildProgress::Running);
    assert_eq!(forker.try_wait(), None, "a running child is not reaped");
    forker.kill(pid).unwrap();
    assert!(!forker.has_child());
    assert_eq!(forker.try_wait(), Some((pid, ChildExit::Killed(10))));
    assert_eq!(forker.try_wait(), None, "reaped once");
    assert_eq!(fs.visible_contents(Path::new("/d/temp-1000.rdb")).unwrap().len(), 200);
    assert!(fs.visible_contents(Path::new("/d/dump.rdb")).is_none());
}

#[test]
fn child_that_completes_reports_ok() {
    let (fs, forker) = setup();
    let pid = forker.fork(writer(&fs, 3)).unwrap();
    assert_eq!(forker.child_pid(), Some(pid));
    assert_eq!(forker.run_child_to_end(), Some(ChildExit::Ok));
    assert_eq!(forker.try_wait(), Some((pid, ChildExit::Ok)));
    assert_eq!(fs.visible_contents(Path::new("/d/dump.rdb")).unwrap().len(), 300);
    assert_eq!(forker.step_child(), ChildProgress::NoChild);
}

#[test]
fn child_returning_an_error_reports_failed_1() {
    let (fs, forker) = setup();
    let mut job = writer(&fs, 2);
    job.tmp = PathBuf::from("/no/such/dir/temp.rdb");
    let pid = forker.fork(job).unwrap();
    assert_eq!(forker.step_child(), ChildProgress::Exited(ChildExit::Failed(1)));
    assert_eq!(forker.try_wait(), Some((pid, ChildExit::Failed(1))));
}

#[test]
fn fork_failure_is_injected_once_and_pids_increase() {
    let (fs, forker) = setup();
    forker.fail_fork_next();
    assert_eq!(forker.fork(writer(&fs, 1)).unwrap_err().raw_os_error(), Some(12));
    let a = forker.fork(writer(&fs, 1)).unwrap();
    assert!(forker.fork(writer(&fs, 1)).is_err(), "one child at a time");
    forker.run_child_to_end();
    let b = forker.fork(writer(&fs, 1)).unwrap();
    assert!(b > a);
}

#[test]
fn orphan_keeps_writing_after_the_parent_crashed() {
    let (fs, forker) = setup();
    let pid = forker.fork(writer(&fs, 4)).unwrap();
    forker.step_child();
    let server_file = fs.open(Path::new("/d/appendonly.aof"), OpenOptions::APPEND).unwrap();
    fs.process_crash();
    forker.parent_crashed(OrphanPolicy::KeepRunning);
    assert!(server_file.write(b"x").is_err(), "the server's handles die with it");
    assert!(!forker.has_child());
    assert_eq!(forker.orphans(), 1);
    assert_eq!(forker.step_orphan(), ChildProgress::Running);
    assert_eq!(fs.visible_contents(Path::new("/d/temp-1000.rdb")).unwrap().len(), 200);
    while forker.step_orphan() == ChildProgress::Running {}
    assert_eq!(forker.orphans(), 0);
    assert_eq!(forker.try_wait(), None, "the new parent never reaps the orphan {pid}");
}

#[test]
fn dropped_child_stops_with_the_parent() {
    let (fs, forker) = setup();
    forker.fork(writer(&fs, 4)).unwrap();
    forker.step_child();
    forker.parent_crashed(OrphanPolicy::Drop);
    assert_eq!(forker.orphans(), 0);
    assert_eq!(forker.step_orphan(), ChildProgress::NoChild);
    assert_eq!(fs.visible_contents(Path::new("/d/temp-1000.rdb")).unwrap().len(), 100);
}
