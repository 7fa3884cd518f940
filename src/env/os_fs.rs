//! The production file system: `std::fs` plus `libc` for directory fsync.
#![allow(clippy::disallowed_methods, clippy::disallowed_types)] // this file is the OS seam

use std::fs;
use std::io::{self, Write};
use std::os::unix::fs::FileExt;
use std::path::Path;
use std::sync::{Arc, RwLock};

use super::{File, FileRef, Fs, OpenOptions};

pub struct OsFs;

/// An open OS file. `None` once closed.
///
/// A read-write lock, not a mutex: writes, reads and fsyncs only share the descriptor (the
/// kernel orders them), so a background fsync never blocks the main thread's AOF write —
/// only `close` takes the lock exclusively.
struct OsFile {
    inner: RwLock<Option<fs::File>>,
}

fn closed() -> io::Error {
    io::Error::from_raw_os_error(libc::EBADF)
}

impl OsFile {
    fn with<T>(&self, f: impl FnOnce(&fs::File) -> io::Result<T>) -> io::Result<T> {
        let guard = self.inner.read().map_err(|_| io::Error::other("file lock poisoned"))?;
        match guard.as_ref() {
            Some(file) => f(file),
            None => Err(closed()),
        }
    }
}

impl File for OsFile {
    fn write(&self, buf: &[u8]) -> io::Result<usize> {
        self.with(|mut f| f.write(buf))
    }
    fn read_at(&self, offset: u64, buf: &mut [u8]) -> io::Result<usize> {
        self.with(|f| f.read_at(buf, offset))
    }
    fn len(&self) -> io::Result<u64> {
        self.with(|f| Ok(f.metadata()?.len()))
    }
    fn set_len(&self, len: u64) -> io::Result<()> {
        self.with(|f| f.set_len(len))
    }
    fn fsync(&self) -> io::Result<()> {
        self.with(|f| f.sync_all())
    }
    fn fdatasync(&self) -> io::Result<()> {
        self.with(|f| f.sync_data())
    }
    fn close(&self) -> io::Result<()> {
        let mut guard = self.inner.write().map_err(|_| io::Error::other("file lock poisoned"))?;
        match guard.take() {
            Some(file) => {
                use std::os::fd::IntoRawFd;
                let fd = file.into_raw_fd();
                // SAFETY: we own `fd` (taken out of the File) and close it exactly once.
                if unsafe { libc::close(fd) } == 0 {
                    Ok(())
                } else {
                    Err(io::Error::last_os_error())
                }
            }
            None => Err(closed()),
        }
    }
}

impl Fs for OsFs {
    fn open(&self, path: &Path, opts: OpenOptions) -> io::Result<FileRef> {
        let file = fs::OpenOptions::new()
            .read(true)
            .append(true)
            .create(opts.create && !opts.create_new)
            .create_new(opts.create_new)
            .open(path)?;
        if opts.truncate {
            file.set_len(0)?;
        }
        Ok(Arc::new(OsFile { inner: RwLock::new(Some(file)) }))
    }

    fn rename(&self, from: &Path, to: &Path) -> io::Result<()> {
        fs::rename(from, to)
    }

    fn unlink(&self, path: &Path) -> io::Result<()> {
        fs::remove_file(path)
    }

    fn list(&self, dir: &Path) -> io::Result<Vec<String>> {
        let mut names = Vec::new();
        for entry in fs::read_dir(dir)? {
            names.push(entry?.file_name().to_string_lossy().into_owned());
        }
        names.sort();
        Ok(names)
    }

    fn fsync_dir(&self, dir: &Path) -> io::Result<()> {
        let dir = if dir.as_os_str().is_empty() { Path::new(".") } else { dir };
        fs::File::open(dir)?.sync_all()
    }

    fn create_dir_all(&self, dir: &Path) -> io::Result<()> {
        fs::create_dir_all(dir)
    }
}
