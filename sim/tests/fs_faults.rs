//! SimFs fault semantics: one asserting test per fault kind (the spec is `sim/src/fs/mod.rs`).

use std::collections::VecDeque;
use std::path::Path;

use keel::env::{read_whole, write_all, Background, Clock, FileRef, Fs, Job, JobKind, OpenOptions};
use keel_sim::fs::{KeepAll, LoseAll, ScriptedPlan, Survival};
use keel_sim::{Fault, FaultConfig, FaultKind, FsOp, FsyncProfile, SimEnv, SimFs, SimRng};

const DIR: &str = "/data";

fn fs_with(config: FaultConfig) -> SimFs {
    let fs = SimFs::from_seed(1, config);
    fs.create_dir_all(Path::new(DIR)).unwrap();
    fs
}

fn path(name: &str) -> std::path::PathBuf {
    Path::new(DIR).join(name)
}

/// Create `name` with `content`, fsync it and its directory.
fn durable_file(fs: &SimFs, name: &str, content: &[u8]) -> FileRef {
    let f = fs.open(&path(name), OpenOptions::TRUNCATE).unwrap();
    write_all(&*f, content).unwrap();
    f.fsync().unwrap();
    fs.fsync_dir(Path::new(DIR)).unwrap();
    f
}

fn errno(e: &std::io::Error) -> Option<i32> {
    e.raw_os_error()
}

#[test]
fn data_written_but_not_fsynced_is_gone_after_power_loss() {
    let fs = fs_with(FaultConfig::default());
    let f = durable_file(&fs, "aof", b"hello");
    write_all(&*f, b" world").unwrap();
    assert_eq!(fs.visible_contents(&path("aof")).unwrap(), b"hello world");
    fs.power_loss_with(&mut LoseAll);
    assert_eq!(fs.visible_contents(&path("aof")).unwrap(), b"hello");
    assert_eq!(read_whole(&fs, &path("aof")).unwrap(), b"hello");
    assert_eq!(errno(&f.write(b"x").unwrap_err()), Some(9), "handles die at power loss");
}

#[test]
fn fsynced_data_survives_power_loss() {
    for seed in 0..20 {
        let fs = fs_with(FaultConfig::default());
        let f = durable_file(&fs, "aof", b"durable");
        write_all(&*f, b" more").unwrap();
        f.fdatasync().unwrap();
        fs.power_loss(&mut SimRng::new(seed, 9));
        assert_eq!(read_whole(&fs, &path("aof")).unwrap(), b"durable more", "seed {seed}");
    }
}

#[test]
fn rename_without_directory_fsync_can_revert_after_power_loss() {
    let fs = fs_with(FaultConfig::default());
    durable_file(&fs, "dump.rdb", b"old");
    let tmp = fs.open(&path("temp-1.rdb"), OpenOptions::TRUNCATE).unwrap();
    write_all(&*tmp, b"new").unwrap();
    tmp.fsync().unwrap();
    fs.rename(&path("temp-1.rdb"), &path("dump.rdb")).unwrap();
    assert_eq!(fs.visible_contents(&path("dump.rdb")).unwrap(), b"new");
    assert_eq!(fs.durable_contents(&path("dump.rdb")).unwrap(), b"old");
    fs.power_loss_with(&mut LoseAll);
    assert_eq!(read_whole(&fs, &path("dump.rdb")).unwrap(), b"old");
    assert_eq!(fs.list(Path::new(DIR)).unwrap(), vec!["dump.rdb".to_string()]);
    assert_eq!(fs.fault_count(FaultKind::DirEntryReverted), 2, "create + rename reverted");
}

#[test]
fn fsync_dir_makes_rename_durable() {
    let fs = fs_with(FaultConfig::default());
    durable_file(&fs, "dump.rdb", b"old");
    let tmp = fs.open(&path("temp-1.rdb"), OpenOptions::TRUNCATE).unwrap();
    write_all(&*tmp, b"new").unwrap();
    tmp.fsync().unwrap();
    fs.rename(&path("temp-1.rdb"), &path("dump.rdb")).unwrap();
    fs.fsync_dir(Path::new(DIR)).unwrap();
    assert_eq!(fs.pending_dir_changes(), 0);
    fs.power_loss_with(&mut LoseAll);
    assert_eq!(read_whole(&fs, &path("dump.rdb")).unwrap(), b"new");
    assert_eq!(fs.list_durable(Path::new(DIR)), vec!["dump.rdb".to_string()]);
}

#[test]
fn created_file_without_directory_fsync_can_vanish() {
    let fs = fs_with(FaultConfig::default());
    let f = fs.open(&path("new"), OpenOptions::APPEND).unwrap();
    write_all(&*f, b"data").unwrap();
    f.fsync().unwrap();
    assert!(fs.list_durable(Path::new(DIR)).is_empty());
    fs.power_loss_with(&mut LoseAll);
    let err = fs.open(&path("new"), OpenOptions::EXISTING).err().unwrap();
    assert_eq!(err.kind(), std::io::ErrorKind::NotFound);
    assert!(fs.list(Path::new(DIR)).unwrap().is_empty());
}

#[test]
fn unlink_without_directory_fsync_can_reappear_after_power_loss() {
    let fs = fs_with(FaultConfig::default());
    durable_file(&fs, "old.aof", b"keep");
    fs.unlink(&path("old.aof")).unwrap();
    assert!(fs.visible_contents(&path("old.aof")).is_none());
    fs.power_loss_with(&mut LoseAll);
    assert_eq!(read_whole(&fs, &path("old.aof")).unwrap(), b"keep");
}

#[test]
fn directory_changes_survive_as_an_oldest_first_prefix() {
    let fs = fs_with(FaultConfig::default());
    fs.open(&path("a"), OpenOptions::APPEND).unwrap();
    fs.open(&path("b"), OpenOptions::APPEND).unwrap();
    fs.open(&path("c"), OpenOptions::APPEND).unwrap();
    let mut plan = ScriptedPlan { writes: VecDeque::new(), default: Survival::Whole, keep_set_len: true, dir_changes: 2 };
    fs.power_loss_with(&mut plan);
    assert_eq!(fs.list(Path::new(DIR)).unwrap(), vec!["a".to_string(), "b".to_string()]);
}

fn two_pending_writes(fs: &SimFs) -> (Vec<u8>, Vec<u8>) {
    let f = durable_file(fs, "aof", b"");
    let first = vec![b'A'; 600];
    let second = vec![b'B'; 100];
    write_all(&*f, &first).unwrap();
    write_all(&*f, &second).unwrap();
    (first, second)
}

#[test]
fn later_write_survives_while_earlier_write_is_lost() {
    let fs = fs_with(FaultConfig::default());
    let (first, second) = two_pending_writes(&fs);
    let mut plan = ScriptedPlan {
        writes: VecDeque::from([Survival::Lost, Survival::Whole]),
        default: Survival::Whole,
        keep_set_len: true,
        dir_changes: 0,
    };
    fs.power_loss_with(&mut plan);
    // The first sector is lost; the second holds the first write's last 88 bytes and the
    // second write, and reaches the disk whole (a sector carries the page's content).
    let mut expected = vec![0u8; 512];
    expected.extend_from_slice(&first[512..]);
    expected.extend_from_slice(&second);
    assert_eq!(read_whole(&fs, &path("aof")).unwrap(), expected);
    assert_eq!(fs.fault_count(FaultKind::WriteLost), 1);
}

#[test]
fn random_power_loss_produces_non_prefix_survival_for_some_seed() {
    let hole_at = |seed: u64| {
        let fs = fs_with(FaultConfig::default());
        let (first, _) = two_pending_writes(&fs);
        fs.power_loss(&mut SimRng::new(seed, 4));
        let got = read_whole(&fs, &path("aof")).unwrap();
        got.len() == 700 && got[..512].iter().all(|&b| b == 0) && got[512..first.len()] == first[512..]
    };
    let seed = (0..200).find(|&s| hole_at(s)).expect("some seed loses the first write only");
    assert!(hole_at(seed), "the same seed replays the same choice");
}

#[test]
fn torn_write_keeps_sector_aligned_prefix_pieces() {
    let fs = fs_with(FaultConfig::default());
    let f = durable_file(&fs, "aof", &[b'x'; 100]);
    let data: Vec<u8> = (0..1500u32).map(|i| (i % 251) as u8).collect();
    write_all(&*f, &data).unwrap();
    let mut plan = ScriptedPlan {
        writes: VecDeque::from([Survival::Torn { sectors: 2 }]),
        default: Survival::Whole,
        keep_set_len: true,
        dir_changes: 0,
    };
    fs.power_loss_with(&mut plan);
    let got = read_whole(&fs, &path("aof")).unwrap();
    assert_eq!(got.len(), 1024, "the write spans sectors 0..=3 and keeps the first two");
    assert_eq!(&got[..100], &[b'x'; 100]);
    assert_eq!(&got[100..], &data[..924]);
    assert_eq!(fs.fault_count(FaultKind::WriteTorn), 1);
}

#[test]
fn random_torn_writes_end_on_sector_boundaries() {
    let data: Vec<u8> = (0..5000u32).map(|i| (i % 253) as u8).collect();
    let mut torn = 0;
    for seed in 0..100 {
        let fs = fs_with(FaultConfig::default());
        let f = durable_file(&fs, "aof", b"");
        write_all(&*f, &data).unwrap();
        fs.power_loss(&mut SimRng::new(seed, 4));
        let got = read_whole(&fs, &path("aof")).unwrap();
        assert_eq!(&got[..], &data[..got.len()], "seed {seed}: survivors are a prefix of the write");
        if !got.is_empty() && got.len() < data.len() {
            assert_eq!(got.len() % 512, 0, "seed {seed}");
            torn += 1;
        }
    }
    assert!(torn > 10, "tearing happens often at the default rates ({torn})");
}

#[test]
fn after_fsync_eio_second_fsync_returns_ok_but_data_is_not_durable() {
    let fs = fs_with(FaultConfig { fsync_profile: FsyncProfile::Ext4, ..FaultConfig::default() });
    let f = durable_file(&fs, "aof", b"a");
    write_all(&*f, b"b").unwrap();
    fs.fail_next(FsOp::Fsync, Fault::Eio);
    assert_eq!(errno(&f.fsync().unwrap_err()), Some(5));
    assert_eq!(fs.visible_contents(&path("aof")).unwrap(), b"ab", "pages stay visible");
    f.fsync().unwrap();
    assert_eq!(fs.durable_contents(&path("aof")).unwrap(), b"a");
    fs.power_loss_with(&mut KeepAll);
    assert_eq!(read_whole(&fs, &path("aof")).unwrap(), b"a", "even a kind power loss has nothing to keep");
    assert_eq!(fs.fault_count(FaultKind::EioFsync), 1);
}

#[test]
fn btrfs_profile_fsync_eio_reverts_page_cache() {
    let fs = fs_with(FaultConfig { fsync_profile: FsyncProfile::Btrfs, ..FaultConfig::default() });
    let f = durable_file(&fs, "aof", b"a");
    write_all(&*f, b"bcd").unwrap();
    fs.fail_next(FsOp::Fsync, Fault::Eio);
    assert!(f.fdatasync().is_err());
    assert_eq!(f.len().unwrap(), 1);
    assert_eq!(fs.visible_contents(&path("aof")).unwrap(), b"a");
}

#[test]
fn process_crash_keeps_the_page_cache() {
    let fs = fs_with(FaultConfig::default());
    let f = durable_file(&fs, "aof", b"synced");
    write_all(&*f, b"+cached").unwrap();
    fs.process_crash();
    assert_eq!(errno(&f.len().unwrap_err()), Some(9), "handles die with the process");
    assert_eq!(read_whole(&fs, &path("aof")).unwrap(), b"synced+cached");
    assert_eq!(fs.durable_contents(&path("aof")).unwrap(), b"synced", "still not durable");
    fs.power_loss_with(&mut LoseAll);
    assert_eq!(read_whole(&fs, &path("aof")).unwrap(), b"synced");
}

#[test]
fn short_write_returns_fewer_bytes() {
    let fs = fs_with(FaultConfig::default());
    let f = durable_file(&fs, "aof", b"");
    fs.fail_next(FsOp::Write, Fault::ShortWrite);
    let n = f.write(&[7u8; 100]).unwrap();
    assert!(n > 0 && n < 100, "short write of {n}");
    assert_eq!(f.len().unwrap(), n as u64);
    assert_eq!(fs.fault_count(FaultKind::ShortWrite), 1);
}

#[test]
fn write_all_completes_despite_frequent_short_writes() {
    let fs = fs_with(FaultConfig { short_write: 1.0, ..FaultConfig::default() });
    let f = durable_file(&fs, "aof", b"");
    let data: Vec<u8> = (0..=255).collect();
    write_all(&*f, &data).unwrap();
    assert_eq!(fs.visible_contents(&path("aof")).unwrap(), data);
    assert!(fs.fault_count(FaultKind::ShortWrite) > 1);
}

#[test]
fn enospc_when_capacity_reached() {
    let fs = fs_with(FaultConfig { capacity_bytes: Some(10), ..FaultConfig::default() });
    let f = fs.open(&path("aof"), OpenOptions::APPEND).unwrap();
    assert_eq!(f.write(b"12345678").unwrap(), 8);
    assert_eq!(f.write(b"abcde").unwrap(), 2, "what fits is written");
    let err = f.write(b"z").unwrap_err();
    assert_eq!(errno(&err), Some(28));
    assert_eq!(fs.visible_contents(&path("aof")).unwrap(), b"12345678ab");
    assert!(f.set_len(20).is_err());
    f.set_len(4).unwrap();
    assert_eq!(f.write(b"xyz").unwrap(), 3, "truncation frees space");
}

#[test]
fn eio_on_write_writes_nothing() {
    let fs = fs_with(FaultConfig::default());
    let f = durable_file(&fs, "aof", b"abc");
    fs.fail_next(FsOp::Write, Fault::Eio);
    assert_eq!(errno(&f.write(b"def").unwrap_err()), Some(5));
    assert_eq!(f.len().unwrap(), 3);
    assert_eq!(fs.pending_ops(&path("aof")), 0);
    assert_eq!(fs.fault_count(FaultKind::EioWrite), 1);
    assert_eq!(f.write(b"def").unwrap(), 3, "the fault fires once");
}

#[test]
fn eio_on_close_is_reported() {
    let fs = fs_with(FaultConfig::default());
    let f = fs.open(&path("aof"), OpenOptions::APPEND).unwrap();
    write_all(&*f, b"abc").unwrap();
    fs.fail_next(FsOp::Close, Fault::Eio);
    assert_eq!(errno(&f.close().unwrap_err()), Some(5));
    assert_eq!(errno(&f.write(b"x").unwrap_err()), Some(9), "the handle is closed anyway");
    assert_eq!(fs.visible_contents(&path("aof")).unwrap(), b"abc");
    assert_eq!(fs.fault_count(FaultKind::EioClose), 1);
}

#[test]
fn random_fault_rates_inject_faults_of_the_enabled_kinds_only() {
    let fs = fs_with(FaultConfig { eio_write: 0.5, ..FaultConfig::default() });
    let f = fs.open(&path("aof"), OpenOptions::APPEND).unwrap();
    let failures = (0..200).filter(|_| f.write(b"x").is_err()).count();
    assert!((50..150).contains(&failures), "{failures} of 200 writes failed");
    assert_eq!(fs.fault_count(FaultKind::EioWrite), failures as u64);
    assert_eq!(fs.fault_count(FaultKind::ShortWrite), 0);
    assert_eq!(f.len().unwrap(), 200 - failures as u64);
}

#[test]
fn switching_one_fault_kind_off_does_not_change_another_kinds_decisions() {
    let outcomes = |short_write: f64| {
        let fs = fs_with(FaultConfig { eio_write: 0.3, short_write, ..FaultConfig::default() });
        let f = fs.open(&path("aof"), OpenOptions::APPEND).unwrap();
        (0..100).map(|_| f.write(b"abcdef").is_err()).collect::<Vec<bool>>()
    };
    assert_eq!(outcomes(0.0), outcomes(0.9));
}

#[test]
fn switching_eio_on_does_not_change_which_writes_are_short() {
    let short_lengths = |eio_write: f64| {
        let fs = fs_with(FaultConfig { eio_write, short_write: 0.5, ..FaultConfig::default() });
        let f = fs.open(&path("aof"), OpenOptions::APPEND).unwrap();
        (0..100).map(|_| f.write(b"abcdef").map_or(true, |n| n < 6)).collect::<Vec<bool>>()
    };
    let (without, with) = (short_lengths(0.0), short_lengths(0.3));
    assert!(without.iter().zip(&with).all(|(&short, &failed_or_short)| !short || failed_or_short));
}

#[test]
fn opening_a_directory_as_a_file_fails() {
    let fs = fs_with(FaultConfig::default());
    assert!(fs.open(Path::new(DIR), OpenOptions::APPEND).is_err());
}

#[test]
fn slow_fsync_keeps_background_job_pending() {
    let config = FaultConfig { fsync_latency_us: (500_000, 2_000_000), ..FaultConfig::default() };
    let sim = SimEnv::new(3, config);
    sim.fs.create_dir_all(Path::new(DIR)).unwrap();
    let f = sim.fs.open(&path("aof"), OpenOptions::APPEND).unwrap();
    sim.fs.fsync_dir(Path::new(DIR)).unwrap();
    let t0 = sim.clock.monotonic_us();
    write_all(&*f, b"abc").unwrap();
    sim.background.submit(Job::Fsync { file: f.clone(), tag: 3 });
    sim.clock.advance_ms(100);
    assert_eq!(sim.background.complete_due(sim.clock.monotonic_us()), 0);
    assert_eq!(sim.background.pending(JobKind::Fsync), 1, "the fsync is still running");
    assert_eq!(sim.fs.durable_contents(&path("aof")).unwrap(), b"");
    let due = sim.background.next_due_us().unwrap();
    assert!(due >= t0 + 500_000, "seeded latency within the configured range");
    sim.clock.advance_us(due - sim.clock.monotonic_us());
    let before = sim.clock.monotonic_us();
    assert_eq!(sim.background.complete_due(sim.clock.monotonic_us()), 1);
    assert_eq!(sim.clock.monotonic_us(), before, "a background fsync does not stall the clock");
    assert_eq!(sim.fs.durable_contents(&path("aof")).unwrap(), b"abc");
    assert_eq!(sim.background.pending(JobKind::Fsync), 0);
}

#[test]
fn slow_synchronous_fsync_advances_the_clock() {
    let config = FaultConfig { fsync_latency_us: (500_000, 2_000_000), ..FaultConfig::default() };
    let sim = SimEnv::new(3, config);
    let f = sim.fs.open(Path::new("aof"), OpenOptions::APPEND).unwrap();
    f.fsync().unwrap();
    let t = sim.clock.monotonic_us();
    assert!((500_000..=2_000_000).contains(&t), "clock at {t}");
    assert_eq!(sim.fs.fault_count(FaultKind::SlowFsync), 1);
}
