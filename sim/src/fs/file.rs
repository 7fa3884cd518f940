//! `SimFile`: an open handle on a SimFs inode, implementing `keel::env::File`.
//!
//! A handle names an inode, not a path: after a rename it keeps reading and writing the same
//! bytes, and after an unlink it keeps working on the now nameless inode. A handle dies when it
//! is closed, when the machine loses power, or when the process that opened it crashes (see
//! `state.rs` for the epochs); every later call fails with EBADF. Fault semantics are specified in `fs/mod.rs`.

use std::io;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex, MutexGuard};

use keel::env::File;

use super::faults::{Fault, FaultKind, FsOp, FsyncProfile};
use super::site::{DiskOp, FileClass, Site};
use super::state::{apply_data, write_at, DataOp, FsState, Ino, SERVER};
use super::{errno, lock};

pub(crate) struct SimFile {
    pub(crate) state: Arc<Mutex<FsState>>,
    /// What kind of file this is, fixed at open (for crash-point sites).
    pub(crate) class: FileClass,
    pub(crate) ino: Ino,
    pub(crate) epoch: u64,
    pub(crate) server_epoch: u64,
    pub(crate) owner: u32,
    pub(crate) handle: u64,
    pub(crate) closed: AtomicBool,
}

impl SimFile {
    /// Lock the fs and check the handle is alive.
    fn live(&self) -> io::Result<MutexGuard<'_, FsState>> {
        let st = lock(&self.state);
        let dead = self.closed.load(Ordering::Relaxed)
            || st.epoch != self.epoch
            || (self.owner == SERVER && st.server_epoch != self.server_epoch)
            || !st.inodes.contains_key(&self.ino);
        if dead {
            return Err(errno::ebadf());
        }
        Ok(st)
    }

    fn sync(&self, what: &str) -> io::Result<()> {
        let mut st = self.live()?;
        let config = st.config;
        let fault = st.dice.decide(FsOp::Fsync, &config);
        st.fsync_latency();
        let (h, ino) = (self.handle, self.ino);
        if fault.is_some() {
            st.count(FaultKind::EioFsync);
            st.log_sync(ino, false);
            let inode = st.inodes.get_mut(&ino).ok_or_else(errno::ebadf)?;
            let dropped = std::mem::take(&mut inode.pending).len();
            if config.fsync_profile == FsyncProfile::Btrfs {
                inode.cache = inode.durable.clone();
            }
            st.trace.record(format_args!("fs.{what} h{h} ino={ino} -> EIO dropped={dropped}"));
            st.boundary(Site::new(self.class, DiskOp::Fsync));
            return Err(errno::eio());
        }
        let inode = st.inodes.get_mut(&ino).ok_or_else(errno::ebadf)?;
        let pending = std::mem::take(&mut inode.pending);
        for op in &pending {
            apply_data(&mut inode.durable, op);
        }
        let len = inode.durable.len();
        st.log_sync(ino, true);
        st.trace.record(format_args!("fs.{what} h{h} ino={ino} ops={} len={len}", pending.len()));
        st.boundary(Site::new(self.class, DiskOp::Fsync));
        Ok(())
    }
}

impl File for SimFile {
    fn write(&self, buf: &[u8]) -> io::Result<usize> {
        let mut st = self.live()?;
        let config = st.config;
        let fault = st.dice.decide(FsOp::Write, &config);
        let (h, ino) = (self.handle, self.ino);
        match fault {
            Some(Fault::Eio) => {
                st.count(FaultKind::EioWrite);
                st.trace.record(format_args!("fs.write h{h} ino={ino} len={} -> EIO", buf.len()));
                return Err(errno::eio());
            }
            Some(Fault::Enospc) => {
                st.count(FaultKind::Enospc);
                return Err(errno::enospc());
            }
            _ => {}
        }
        let mut n = buf.len();
        if let Some(cap) = config.capacity_bytes {
            let avail = usize::try_from(cap.saturating_sub(st.used_bytes())).unwrap_or(usize::MAX);
            if avail < n {
                st.count(FaultKind::Enospc);
                if avail == 0 {
                    st.trace.record(format_args!("fs.write h{h} ino={ino} len={n} -> ENOSPC"));
                    return Err(errno::enospc());
                }
                n = avail;
            }
        }
        if fault == Some(Fault::ShortWrite) && n > 1 {
            n = st.dice.short_len(n);
            st.count(FaultKind::ShortWrite);
        }
        let inode = st.inodes.get_mut(&ino).ok_or_else(errno::ebadf)?;
        let offset = inode.cache.len() as u64;
        if n > 0 {
            write_at(&mut inode.cache, offset, &buf[..n]);
            inode.pending.push(DataOp::Write { offset, data: buf[..n].to_vec() });
        }
        st.trace.record(format_args!("fs.write h{h} ino={ino} off={offset} len={} -> {n}", buf.len()));
        if n > 0 {
            st.boundary(Site::new(self.class, DiskOp::Write));
        }
        Ok(n)
    }

    fn read_at(&self, offset: u64, buf: &mut [u8]) -> io::Result<usize> {
        let mut st = self.live()?;
        st.plain_fault(FsOp::Read)?;
        let inode = st.inodes.get(&self.ino).ok_or_else(errno::ebadf)?;
        let start = usize::try_from(offset).unwrap_or(usize::MAX).min(inode.cache.len());
        let n = buf.len().min(inode.cache.len() - start);
        buf[..n].copy_from_slice(&inode.cache[start..start + n]);
        let (h, ino) = (self.handle, self.ino);
        st.trace.record(format_args!("fs.read h{h} ino={ino} off={offset} len={} -> {n}", buf.len()));
        Ok(n)
    }

    fn len(&self) -> io::Result<u64> {
        let st = self.live()?;
        let inode = st.inodes.get(&self.ino).ok_or_else(errno::ebadf)?;
        Ok(inode.cache.len() as u64)
    }

    fn set_len(&self, len: u64) -> io::Result<()> {
        let mut st = self.live()?;
        st.plain_fault(FsOp::SetLen)?;
        let new_len = usize::try_from(len).map_err(|_| errno::enospc())?;
        let old_len = st.inodes.get(&self.ino).map_or(0, |i| i.cache.len());
        if let Some(cap) = st.config.capacity_bytes {
            let grow = len.saturating_sub(old_len as u64);
            if st.used_bytes().saturating_add(grow) > cap {
                st.count(FaultKind::Enospc);
                return Err(errno::enospc());
            }
        }
        let inode = st.inodes.get_mut(&self.ino).ok_or_else(errno::ebadf)?;
        inode.cache.resize(new_len, 0);
        inode.pending.push(DataOp::SetLen(len));
        let (h, ino) = (self.handle, self.ino);
        st.trace.record(format_args!("fs.set_len h{h} ino={ino} {old_len}->{len}"));
        st.boundary(Site::new(self.class, DiskOp::SetLen));
        Ok(())
    }

    fn fsync(&self) -> io::Result<()> {
        self.sync("fsync")
    }

    fn fdatasync(&self) -> io::Result<()> {
        self.sync("fdatasync")
    }

    fn close(&self) -> io::Result<()> {
        let mut st = self.live()?;
        self.closed.store(true, Ordering::Relaxed);
        let config = st.config;
        let fault = st.dice.decide(FsOp::Close, &config);
        let (h, ino) = (self.handle, self.ino);
        if fault.is_some() {
            st.count(FaultKind::EioClose);
            st.trace.record(format_args!("fs.close h{h} ino={ino} -> EIO"));
            return Err(errno::eio());
        }
        st.trace.record(format_args!("fs.close h{h} ino={ino}"));
        Ok(())
    }
}
