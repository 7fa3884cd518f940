//! SimFs crash points (`sim/src/fs/crash_point.rs`): every state-changing operation is counted
//! with its site; an armed crash point copies the disk state after exactly that operation, and
//! restoring it undoes everything later; the power-loss choices at that point list each pending
//! write with its sector pieces and the pending directory changes.

use std::path::Path;

use keel::env::{write_all, Fs, OpenOptions};
use keel_sim::fs::{PendingChoice, ScriptedPlan, Survival};
use keel_sim::{FaultConfig, SimFs};

#[test]
fn an_armed_crash_point_freezes_the_disk_after_exactly_that_operation() {
    let fs = SimFs::from_seed(1, FaultConfig::default());
    fs.create_dir_all(Path::new("/data")).expect("mkdir");
    let aof = Path::new("/data/appendonly.aof");
    let f = fs.open(aof, OpenOptions::TRUNCATE).expect("create");
    assert_eq!((fs.disk_ops(), fs.last_site().map(|s| s.label())), (2, Some("AOF create".to_string())));
    fs.arm_crash_point(2); // after the second write from now
    write_all(&*f, &[b'a'; 10]).expect("write");
    assert_eq!(fs.crash_point_taken(), None);
    write_all(&*f, &[b'b'; 600]).expect("write");
    let (_, site) = fs.crash_point_taken().expect("taken after the second write");
    assert_eq!(site.map(|s| s.label()), Some("AOF write".to_string()));
    write_all(&*f, b"later").expect("write");
    f.fsync().expect("fsync");
    fs.fsync_dir(Path::new("/data")).expect("dir fsync");
    assert_eq!(fs.disk_ops(), 7);

    let choices = fs.crash_point_choices().expect("taken");
    let pieces: Vec<u64> = choices
        .pending
        .iter()
        .map(|c| match c {
            PendingChoice::Write { pieces, .. } => *pieces,
            PendingChoice::SetLen { .. } => 0,
        })
        .collect();
    // A 10-byte write (one sector) and a 600-byte write at offset 10 (two sectors); the new
    // file's directory entry is still pending.
    assert_eq!(pieces, vec![1, 2]);
    assert_eq!(choices.dir_changes, 1);

    assert!(fs.restore_crash_point());
    let mut expected = vec![b'a'; 10];
    expected.extend([b'b'; 600]);
    assert_eq!(fs.visible_contents(aof), Some(expected), "later writes are undone");
    assert_eq!(fs.durable_contents(aof), None, "neither the fsync nor the dir fsync happened");
    assert_eq!(fs.crash_point_taken(), None);

    // A power loss keeping the first write and 1 sector of the second, and the entry.
    let mut plan = ScriptedPlan { writes: [Survival::Whole, Survival::Torn { sectors: 1 }].into(), default: Survival::Lost, keep_set_len: true, dir_changes: 1 };
    fs.power_loss_with(&mut plan);
    let mut kept = vec![b'a'; 10];
    kept.extend([b'b'; 502]);
    assert_eq!(fs.durable_contents(aof), Some(kept));
}

#[test]
fn arming_at_zero_freezes_now() {
    let fs = SimFs::from_seed(1, FaultConfig::default());
    fs.create_dir_all(Path::new("/d")).expect("mkdir");
    fs.arm_crash_point(0);
    let f = fs.open(Path::new("/d/x"), OpenOptions::TRUNCATE).expect("create");
    write_all(&*f, b"x").expect("write");
    assert!(fs.restore_crash_point());
    assert_eq!(fs.visible_contents(Path::new("/d/x")), None, "the create is undone too");
    assert!(!fs.restore_crash_point(), "restored once");
}
