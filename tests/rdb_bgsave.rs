//! SAVE / BGSAVE / save points / MISCONF / start-up load, on the simulated machine (keel-sim):
//! the child is stepped by the test, so writes race the snapshot deterministically.

use keel::config::Config;
use keel::env::Clock;
use keel::keyspace::ClientId;
use keel::resp::{encode_command, parse_frame, Frame, FrameLimits};
use keel::server::Server;
use keel_sim::env::SimEnv;
use keel_sim::fs::{Fault, FaultConfig, FsOp};
use std::path::Path;

struct Rig {
    sim: SimEnv,
    server: Server,
    client: ClientId,
}

fn config(save_points: Vec<(u64, u64)>) -> Config {
    Config { dir: "/data".into(), save_points, ..Config::default() }
}

impl Rig {
    fn new(seed: u64, save_points: Vec<(u64, u64)>) -> Rig {
        let sim = SimEnv::new(seed, FaultConfig::default());
        keel::env::Fs::create_dir_all(&sim.fs, Path::new("/data")).expect("mkdir");
        keel::env::Fs::fsync_dir(&sim.fs, Path::new("/")).expect("fsync /");
        let server = Server::new(sim.env(), config(save_points));
        Rig::with(sim, server)
    }

    fn with(sim: SimEnv, mut server: Server) -> Rig {
        let client = server.connect("sim:1".into(), "sim:0".into());
        Rig { sim, server, client }
    }

    /// Start a new server process on the same machine (after a crash or a shutdown).
    fn restart(mut self, save_points: Vec<(u64, u64)>) -> Rig {
        self.sim.process_crash(keel_sim::fork::OrphanPolicy::Drop);
        let mut server = Server::new(self.sim.env(), config(save_points));
        server.startup();
        Rig::with(self.sim, server)
    }

    fn cmd(&mut self, line: &str) -> Frame {
        let args: Vec<&[u8]> = line.split_whitespace().map(str::as_bytes).collect();
        let mut bytes = Vec::new();
        encode_command(&args, &mut bytes);
        self.server.feed(self.client, &bytes);
        self.server.before_sleep();
        let out = self.server.pending_output(self.client).expect("client connected").to_vec();
        self.server.output_sent(self.client, out.len());
        let (frame, used) = parse_frame(&out, &FrameLimits::default()).expect("valid reply").expect("complete reply");
        assert_eq!(used, out.len(), "exactly one reply to {line}");
        frame
    }

    fn ok(&mut self, line: &str) {
        assert_eq!(self.cmd(line), Frame::Simple("OK".into()), "{line}");
    }

    /// Advance time and run cron (reaps a finished child, checks save points).
    fn tick_ms(&mut self, ms: u64) {
        self.sim.clock.advance_ms(ms);
        self.server.cron();
    }

    fn info(&mut self, field: &str) -> String {
        keel::rdb::info(&self.server).into_iter().find(|(k, _)| k == field).map(|(_, v)| v).unwrap_or_default()
    }

    fn digest(&self) -> String {
        keel::digest_ks::dataset_digest(&self.server.ks)
    }
}

#[test]
fn bgsave_snapshot_is_the_fork_point_and_writes_after_it_stay_dirty() {
    let mut r = Rig::new(1, vec![]);
    for i in 0..3000 {
        r.ok(&format!("SET key:{i} value-{i}"));
    }
    r.ok("SET doomed 1");
    let at_fork = r.digest();
    assert_eq!(r.cmd("BGSAVE"), Frame::Simple("Background saving started".into()));
    assert_eq!(r.cmd("BGSAVE"), Frame::Error("ERR Background save already in progress".into()));
    assert_eq!(r.info("rdb_bgsave_in_progress"), "1");
    // Writes race the child: it steps between them.
    let mut steps = 0;
    while r.sim.forker.has_child() {
        r.sim.forker.step_child();
        steps += 1;
        r.ok(&format!("SET racing:{steps} x"));
        r.cmd("DEL doomed");
    }
    assert!(steps > 3, "the save took several steps ({steps})");
    r.tick_ms(200);
    assert_eq!(r.info("rdb_bgsave_in_progress"), "0");
    assert_eq!(r.info("rdb_last_bgsave_status"), "ok");
    // dirty = writes made while the child ran (steps SETs + 1 effective DEL).
    assert_eq!(r.server.ks.dirty, steps as u64 + 1);
    assert!(r.server.log.lines.iter().any(|l| l.contains("Background saving terminated with success")));

    let mut r = r.restart(vec![]);
    assert_eq!(r.server.rdb.load_error, None);
    assert_eq!(r.digest(), at_fork, "restart loads exactly the fork-point dataset");
    assert!(r.server.log.lines.iter().any(|l| l.contains("DB loaded from disk")));
    assert_eq!(r.cmd("GET doomed"), Frame::Bulk(b"1".to_vec()));
}

#[test]
fn failed_bgsave_blocks_writes_with_misconf_until_a_save_succeeds() {
    let mut r = Rig::new(2, vec![(3600, 1)]);
    r.ok("SET a 1");
    r.sim.fs.fail_next(FsOp::Fsync, Fault::Eio);
    assert_eq!(r.cmd("BGSAVE"), Frame::Simple("Background saving started".into()));
    r.sim.forker.run_child_to_end();
    r.tick_ms(200);
    assert_eq!(r.info("rdb_last_bgsave_status"), "err");
    match r.cmd("SET b 2") {
        Frame::Error(e) => assert!(e.starts_with("MISCONF Redis is configured to save RDB snapshots"), "{e}"),
        other => panic!("expected MISCONF, got {other:?}"),
    }
    assert_eq!(r.cmd("GET a"), Frame::Bulk(b"1".to_vec()), "reads still work");
    let temp = format!("/data/temp-{}.rdb", r.sim.pid());
    assert_eq!(r.sim.fs.visible_contents(Path::new(&temp)), None, "the failed save removed its temp file");
    r.ok("SAVE");
    r.ok("SET b 2");
}

#[test]
fn save_points_trigger_a_bgsave_from_cron() {
    let mut r = Rig::new(3, vec![(60, 2)]);
    r.ok("SET a 1");
    r.tick_ms(61_000);
    assert!(!r.sim.forker.has_child(), "one change is below the threshold");
    r.ok("SET b 1");
    r.tick_ms(100);
    assert!(r.sim.forker.has_child(), "2 changes in 60 s");
    assert!(r.server.log.lines.iter().any(|l| l.contains("2 changes in 60 seconds. Saving...")));
    r.sim.forker.run_child_to_end();
    r.tick_ms(100);
    assert_eq!(r.server.ks.dirty, 0);
    let lastsave = match r.cmd("LASTSAVE") {
        Frame::Integer(n) => n,
        other => panic!("{other:?}"),
    };
    assert_eq!(lastsave, r.sim.clock.unix_ms() / 1000);
}

#[test]
fn killed_child_is_not_a_failure_and_leaves_no_temp_file() {
    let mut r = Rig::new(4, vec![]);
    for i in 0..2000 {
        r.ok(&format!("SET k{i} v"));
    }
    r.cmd("BGSAVE");
    r.sim.forker.step_child();
    r.sim.forker.step_child();
    assert!(r.sim.forker.kill_child());
    r.tick_ms(200);
    assert_eq!(r.info("rdb_last_bgsave_status"), "ok");
    let names = keel::env::Fs::list(&r.sim.fs, Path::new("/data")).unwrap_or_default();
    assert!(names.iter().all(|n| !n.starts_with("temp-")), "{names:?}");
}

#[test]
fn startup_removes_stale_temp_files_and_refuses_a_corrupt_file() {
    let mut r = Rig::new(5, vec![]);
    r.ok("SET a 1");
    r.ok("SAVE");
    // A crash in the middle of a later BGSAVE leaves a temp file behind.
    r.cmd("BGSAVE");
    r.sim.forker.step_child();
    let r = r.restart(vec![]);
    let names = keel::env::Fs::list(&r.sim.fs, Path::new("/data")).unwrap_or_default();
    assert!(names.iter().all(|n| !n.starts_with("temp-")), "{names:?}");
    assert!(r.server.log.lines.iter().any(|l| l.contains("Removed stale temp RDB file")));
    assert_eq!(r.server.ks.total_keys(), 1);

    // Corrupt the snapshot: start-up refuses it, keeps nothing, and says why.
    let fs = r.sim.fs.clone();
    let path = Path::new("/data/dump.rdb");
    let mut bytes = fs.visible_contents(path).expect("dump.rdb");
    let n = bytes.len();
    bytes[n - 12] ^= 0xff;
    let f = keel::env::Fs::open(&fs, path, keel::env::OpenOptions::TRUNCATE).expect("open");
    keel::env::write_all(f.as_ref(), &bytes).expect("write");
    f.fsync().expect("fsync");
    let r = r.restart(vec![]);
    let err = r.server.rdb.load_error.clone().expect("a corrupt file must be refused");
    assert!(err.contains("offset"), "{err}");
    assert_eq!(r.server.ks.total_keys(), 0);
}

#[test]
fn shutdown_saves_when_save_points_exist_unless_nosave() {
    let mut r = Rig::new(6, vec![(3600, 1)]);
    r.ok("SET a 1");
    keel::rdb::on_shutdown(&mut r.server, false, true).expect("nosave");
    assert_eq!(r.sim.fs.visible_contents(Path::new("/data/dump.rdb")), None);
    keel::rdb::on_shutdown(&mut r.server, false, false).expect("save");
    assert!(r.sim.fs.visible_contents(Path::new("/data/dump.rdb")).is_some());
    let durable = r.sim.fs.list_durable(Path::new("/data"));
    assert!(durable.iter().any(|n| n == "dump.rdb"), "the rename was made durable (directory fsynced): {durable:?}");
}
