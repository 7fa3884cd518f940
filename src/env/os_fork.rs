//! The production fork: a real `fork(2)`. The child runs the job to completion in its
//! copy-on-write copy of the parent's memory and `_exit`s; the parent reaps it from cron with a
//! non-blocking `waitpid`, as Redis's `checkChildrenDone` does.
#![allow(clippy::disallowed_methods, clippy::disallowed_types)] // this file is the OS seam

use std::io;
use std::sync::atomic::{AtomicU64, Ordering};

use super::{ChildExit, ChildJob, Forker, Pid, Step};

pub struct OsForker {
    last_cow_bytes: AtomicU64,
}

impl OsForker {
    pub fn new() -> OsForker {
        OsForker { last_cow_bytes: AtomicU64::new(0) }
    }
}

impl Default for OsForker {
    fn default() -> Self {
        Self::new()
    }
}

/// Private_Dirty of the current process from /proc/self/smaps_rollup (Redis's
/// `zmalloc_get_private_dirty`): the child's copy-on-write size.
fn private_dirty_bytes() -> u64 {
    let Ok(text) = std::fs::read_to_string("/proc/self/smaps_rollup") else { return 0 };
    text.lines()
        .filter(|l| l.starts_with("Private_Dirty:"))
        .filter_map(|l| l.split_whitespace().nth(1)?.parse::<u64>().ok())
        .sum::<u64>()
        * 1024
}

impl Forker for OsForker {
    fn shares_memory(&self) -> bool {
        true
    }

    fn fork(&self, mut job: Box<dyn ChildJob>) -> io::Result<Pid> {
        // SAFETY: the child only runs the job (no locks held by other threads are taken on its
        // path except the allocator's, which glibc resets at fork) and then calls `_exit`.
        // SAFETY: getpid has no preconditions.
        let parent = unsafe { libc::getpid() };
        let pid = unsafe { libc::fork() };
        if pid < 0 {
            return Err(io::Error::last_os_error());
        }
        if pid == 0 {
            // Die with the parent (SIGKILL when it exits), so an orphan cannot outlive a crash;
            // the getppid check below covers a parent that died before this call.
            // SAFETY: prctl(PR_SET_PDEATHSIG) and getppid have no memory-safety preconditions.
            unsafe { libc::prctl(libc::PR_SET_PDEATHSIG, libc::SIGKILL) };
            let status = loop {
                // SAFETY: as above.
                let parent_alive = unsafe { libc::getppid() } == parent;
                match job.step(parent_alive) {
                    Step::Continue => {}
                    Step::Done(Ok(())) => break 0,
                    Step::Done(Err(msg)) => {
                        eprintln!("child {}: {}", std::process::id(), msg);
                        break 1;
                    }
                }
            };
            let cow = private_dirty_bytes();
            if cow > 0 {
                eprintln!("{}:C * Fork CoW for child: current {} MB", std::process::id(), cow >> 20);
            }
            // SAFETY: _exit never returns and skips the parent's atexit handlers and destructors.
            unsafe { libc::_exit(status) };
        }
        Ok(pid as Pid)
    }

    fn try_wait(&self) -> Option<(Pid, ChildExit)> {
        let mut status: libc::c_int = 0;
        // SAFETY: status points to a live c_int; WNOHANG makes the call non-blocking.
        let pid = unsafe { libc::waitpid(-1, &mut status, libc::WNOHANG) };
        if pid <= 0 {
            return None;
        }
        let exit = if libc::WIFSIGNALED(status) {
            ChildExit::Killed(libc::WTERMSIG(status))
        } else if libc::WEXITSTATUS(status) == 0 {
            ChildExit::Ok
        } else {
            ChildExit::Failed(libc::WEXITSTATUS(status))
        };
        Some((pid as Pid, exit))
    }

    fn kill(&self, pid: Pid) -> io::Result<()> {
        // SAFETY: plain kill(2) on a pid we forked.
        if unsafe { libc::kill(pid as libc::pid_t, libc::SIGUSR1) } == 0 {
            Ok(())
        } else {
            Err(io::Error::last_os_error())
        }
    }

    fn last_cow_bytes(&self) -> u64 {
        self.last_cow_bytes.load(Ordering::Relaxed)
    }
}
