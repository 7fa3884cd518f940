//! The same non-fault file-system cases against `OsFs` (in a temp dir) and `SimFs`: the
//! simulated disk must behave like the real one wherever no fault is injected.
#![allow(clippy::disallowed_methods, clippy::disallowed_types)] // OsFs runs in a real temp dir

use std::io::ErrorKind;
use std::path::{Path, PathBuf};

use keel::env::os_fs::OsFs;
use keel::env::{read_whole, write_all, Fs, OpenOptions};
use keel_sim::{FaultConfig, SimFs};

/// Run `case` against both implementations, each in a fresh directory.
fn both(case: impl Fn(&dyn Fs, &Path)) {
    let tmp = tempfile::tempdir().unwrap();
    case(&OsFs, tmp.path());
    let sim = SimFs::from_seed(5, FaultConfig::default());
    let dir = PathBuf::from("/sim/dir");
    sim.create_dir_all(&dir).unwrap();
    case(&sim, &dir);
}

#[test]
fn written_bytes_read_back() {
    both(|fs, dir| {
        let p = dir.join("f");
        let f = fs.open(&p, OpenOptions::TRUNCATE).unwrap();
        write_all(&*f, b"hello world").unwrap();
        let mut buf = [0u8; 5];
        assert_eq!(f.read_at(6, &mut buf).unwrap(), 5);
        assert_eq!(&buf, b"world");
        assert_eq!(f.read_at(11, &mut buf).unwrap(), 0, "end of file");
        f.fsync().unwrap();
        f.close().unwrap();
        assert_eq!(read_whole(fs, &p).unwrap(), b"hello world");
    });
}

#[test]
fn writes_append_at_the_end() {
    both(|fs, dir| {
        let p = dir.join("f");
        let f = fs.open(&p, OpenOptions::APPEND).unwrap();
        write_all(&*f, b"ab").unwrap();
        f.close().unwrap();
        let g = fs.open(&p, OpenOptions::APPEND).unwrap();
        write_all(&*g, b"cd").unwrap();
        assert_eq!(g.len().unwrap(), 4);
        g.fdatasync().unwrap();
        g.close().unwrap();
        assert_eq!(read_whole(fs, &p).unwrap(), b"abcd");
    });
}

#[test]
fn write_all_writes_everything() {
    both(|fs, dir| {
        let data: Vec<u8> = (0..100_000u32).map(|i| (i % 256) as u8).collect();
        let f = fs.open(&dir.join("big"), OpenOptions::TRUNCATE).unwrap();
        write_all(&*f, &data).unwrap();
        f.close().unwrap();
        assert_eq!(read_whole(fs, &dir.join("big")).unwrap(), data);
    });
}

#[test]
fn set_len_truncates_and_extends_with_zeros() {
    both(|fs, dir| {
        let p = dir.join("f");
        let f = fs.open(&p, OpenOptions::TRUNCATE).unwrap();
        write_all(&*f, b"abcdef").unwrap();
        f.set_len(3).unwrap();
        assert_eq!(f.len().unwrap(), 3);
        f.set_len(5).unwrap();
        write_all(&*f, b"Z").unwrap();
        f.close().unwrap();
        assert_eq!(read_whole(fs, &p).unwrap(), b"abc\0\0Z");
    });
}

#[test]
fn truncate_on_open_empties_the_file() {
    both(|fs, dir| {
        let p = dir.join("f");
        let f = fs.open(&p, OpenOptions::TRUNCATE).unwrap();
        write_all(&*f, b"abc").unwrap();
        f.close().unwrap();
        let g = fs.open(&p, OpenOptions::TRUNCATE).unwrap();
        assert_eq!(g.len().unwrap(), 0);
        g.close().unwrap();
    });
}

#[test]
fn rename_replaces_an_existing_file() {
    both(|fs, dir| {
        let (a, b) = (dir.join("a"), dir.join("b"));
        for (p, content) in [(&a, b"new".as_slice()), (&b, b"old".as_slice())] {
            let f = fs.open(p, OpenOptions::TRUNCATE).unwrap();
            write_all(&*f, content).unwrap();
            f.close().unwrap();
        }
        fs.rename(&a, &b).unwrap();
        fs.fsync_dir(dir).unwrap();
        assert_eq!(read_whole(fs, &b).unwrap(), b"new");
        assert_eq!(fs.list(dir).unwrap(), vec!["b".to_string()]);
        assert_eq!(fs.open(&a, OpenOptions::EXISTING).err().unwrap().kind(), ErrorKind::NotFound);
    });
}

#[test]
fn unlink_removes_the_name() {
    both(|fs, dir| {
        let p = dir.join("f");
        fs.open(&p, OpenOptions::APPEND).unwrap().close().unwrap();
        fs.unlink(&p).unwrap();
        assert!(fs.list(dir).unwrap().is_empty());
        assert_eq!(fs.unlink(&p).unwrap_err().kind(), ErrorKind::NotFound);
    });
}

#[test]
fn list_is_sorted() {
    both(|fs, dir| {
        for name in ["c", "a", "b.aof"] {
            fs.open(&dir.join(name), OpenOptions::APPEND).unwrap().close().unwrap();
        }
        fs.create_dir_all(&dir.join("sub")).unwrap();
        assert_eq!(fs.list(dir).unwrap(), vec!["a", "b.aof", "c", "sub"]);
        assert_eq!(fs.list(&dir.join("missing")).unwrap_err().kind(), ErrorKind::NotFound);
    });
}

#[test]
fn opening_a_missing_file_is_not_found() {
    both(|fs, dir| {
        let err = fs.open(&dir.join("missing"), OpenOptions::EXISTING).err().unwrap();
        assert_eq!(err.kind(), ErrorKind::NotFound);
        let err = fs.open(&dir.join("no/such/dir/f"), OpenOptions::APPEND).err().unwrap();
        assert_eq!(err.kind(), ErrorKind::NotFound);
    });
}

#[test]
fn create_new_on_an_existing_file_fails() {
    both(|fs, dir| {
        let p = dir.join("f");
        let opts = OpenOptions { create_new: true, ..OpenOptions::default() };
        fs.open(&p, opts).unwrap().close().unwrap();
        assert_eq!(fs.open(&p, opts).err().unwrap().kind(), ErrorKind::AlreadyExists);
    });
}

#[test]
fn calls_after_close_fail() {
    both(|fs, dir| {
        let f = fs.open(&dir.join("f"), OpenOptions::APPEND).unwrap();
        write_all(&*f, b"x").unwrap();
        f.close().unwrap();
        let mut buf = [0u8; 1];
        assert!(f.read_at(0, &mut buf).is_err());
        assert!(f.write(b"y").is_err());
        assert!(f.close().is_err());
    });
}

#[test]
fn an_open_handle_survives_a_rename() {
    both(|fs, dir| {
        let (tmp, dst) = (dir.join("temp-1.aof"), dir.join("appendonly.aof"));
        let f = fs.open(&tmp, OpenOptions::TRUNCATE).unwrap();
        write_all(&*f, b"before").unwrap();
        fs.rename(&tmp, &dst).unwrap();
        write_all(&*f, b"+after").unwrap();
        f.fsync().unwrap();
        assert_eq!(read_whole(fs, &dst).unwrap(), b"before+after");
        f.close().unwrap();
    });
}

#[test]
fn an_open_handle_survives_an_unlink() {
    both(|fs, dir| {
        let p = dir.join("f");
        let f = fs.open(&p, OpenOptions::TRUNCATE).unwrap();
        write_all(&*f, b"abc").unwrap();
        fs.unlink(&p).unwrap();
        write_all(&*f, b"d").unwrap();
        let mut buf = [0u8; 4];
        assert_eq!(f.read_at(0, &mut buf).unwrap(), 4);
        assert_eq!(&buf, b"abcd");
        f.close().unwrap();
    });
}
