//! AOF under the simulator: feeding, the fsync policies, write and fsync errors, crashes and
//! power loss, loading, and the background rewrite racing writes.
//!
//! Every test drives the server through its real entry points (`feed`, `before_sleep`, `cron`)
//! and releases replies only after `before_sleep`, as the drivers do (the write barrier).

use std::collections::BTreeMap;
use std::path::Path;

use keel::config::{AppendFsync, Config};
use keel::keyspace::ClientId;
use keel::object::{Str, Value};
use keel::resp::{encode_command, parse_frame, Frame, FrameLimits};
use keel::server::Server;
use keel_sim::env::SimEnv;
use keel_sim::fork::OrphanPolicy;
use keel::aof::batch::START;
use keel::env::OpenOptions;
use keel_sim::fs::{Fault, FaultConfig, FsOp};

const AOF: &str = "./appendonly.aof";

/// Every key of every db: (db, key) → (value, expire).
type State = BTreeMap<(usize, Vec<u8>), (Vec<u8>, Option<i64>)>;

fn state(s: &Server) -> State {
    let mut out = State::new();
    for db in &s.ks.dbs {
        for (key, entry) in db.dict.iter() {
            let Value::Str(v) = &entry.value else { panic!("these tests only write strings") };
            out.insert((db.id, key.to_vec()), (v.to_bytes().into_owned(), db.expire_of(key)));
        }
    }
    out
}

fn config(policy: AppendFsync) -> Config {
    let mut c = Config::default();
    c.save_points.clear();
    c.appendonly = true;
    c.appendfsync = policy;
    c
}

struct Rig {
    sim: SimEnv,
    server: Server,
    client: ClientId,
    config: Config,
}

impl Rig {
    fn new(seed: u64, faults: FaultConfig, config: Config) -> Rig {
        let sim = SimEnv::new(seed, faults);
        let (server, client) = start(&sim, config.clone());
        Rig { sim, server, client, config }
    }

    /// Send one command; run before_sleep; return the released reply.
    fn cmd(&mut self, args: &[&str]) -> Frame {
        let args: Vec<&[u8]> = args.iter().map(|a| a.as_bytes()).collect();
        let mut bytes = Vec::new();
        encode_command(&args, &mut bytes);
        self.server.feed(self.client, &bytes);
        self.server.before_sleep();
        let out = self.server.pending_output(self.client).expect("client connected").to_vec();
        self.server.output_sent(self.client, out.len());
        let (frame, _) = parse_frame(&out, &FrameLimits::default()).expect("valid reply").expect("complete reply");
        frame
    }

    fn ok(&mut self, args: &[&str]) {
        let reply = self.cmd(args);
        assert!(is_error(&reply).is_none(), "{args:?} -> {reply:?}");
    }

    fn cron(&mut self) {
        self.server.cron();
    }

    fn restart(&mut self) {
        let (server, client) = start(&self.sim, self.config.clone());
        self.server = server;
        self.client = client;
    }

    fn visible(&self) -> Vec<u8> {
        self.sim.fs.visible_contents(Path::new(AOF)).unwrap_or_default()
    }
}

fn start(sim: &SimEnv, config: Config) -> (Server, ClientId) {
    let mut server = Server::new(sim.env(), config);
    server.startup();
    assert_eq!(server.aof.load_error, None, "start-up failed");
    let client = server.connect("sim:1".into(), "sim:0".into());
    (server, client)
}

fn is_error(f: &Frame) -> Option<String> {
    match f {
        Frame::Error(e) => Some(e.clone()),
        _ => None,
    }
}

#[test]
fn effects_replay_to_the_same_state_after_a_process_crash_under_each_policy() {
    for policy in [AppendFsync::Always, AppendFsync::Everysec, AppendFsync::No] {
        let mut r = Rig::new(1, FaultConfig::default(), config(policy));
        r.ok(&["SET", "a", "1"]);
        r.ok(&["SET", "b", "x", "EX", "100"]);
        r.ok(&["INCRBYFLOAT", "a", "1.5"]);
        r.ok(&["EXPIRE", "a", "50"]);
        r.ok(&["SELECT", "3"]);
        r.ok(&["SET", "c", "in db 3"]);
        r.ok(&["MULTI"]);
        r.cmd(&["SET", "d", "1"]);
        r.cmd(&["INCR", "d"]);
        r.ok(&["EXEC"]);
        r.ok(&["SET", "gone", "v", "PX", "10"]);
        r.sim.clock.advance_ms(20);
        r.cmd(&["GET", "gone"]);
        r.ok(&["SELECT", "0"]);
        r.ok(&["DEL", "b"]);
        let before = state(&r.server);
        r.sim.process_crash(OrphanPolicy::Drop);
        r.restart();
        assert_eq!(state(&r.server), before, "{policy:?}");
        // The file starts its checksum chain, then holds the first batch (`aof/batch.rs`).
        assert!(r.visible().starts_with(b"#KC:START\r\n*2\r\n$6\r\nSELECT\r\n$1\r\n0\r\n*3\r\n$3\r\nSET\r\n$1\r\na\r\n$1\r\n1\r\n"));
    }
}

#[test]
fn appendonly_yes_with_no_file_starts_empty_and_creates_it() {
    let r = Rig::new(2, FaultConfig::default(), config(AppendFsync::Everysec));
    assert!(r.server.ks.dbs.iter().all(|db| db.is_empty()));
    // Created with the line that starts its checksum chain, durable before serving.
    assert_eq!(r.sim.fs.durable_contents(Path::new(AOF)), Some(b"#KC:START\r\n".to_vec()));
}

#[test]
fn always_never_loses_an_acknowledged_write_after_power_loss() {
    for seed in 0..300u64 {
        let mut r = Rig::new(seed, FaultConfig::default(), config(AppendFsync::Always));
        let writes = 1 + (seed % 40) as usize;
        let mut acked = 0;
        for i in 0..writes {
            let reply = r.cmd(&["SET", &format!("k{}", i % 7), &i.to_string()]);
            assert_eq!(reply, Frame::Simple("OK".into()));
            acked = i + 1;
        }
        // One more write executed but its reply never released: it may or may not survive.
        let extra = format!("{writes}");
        let bytes = encode(&["SET", "k0", &extra]);
        r.server.feed(r.client, &bytes);
        r.sim.power_loss();
        r.restart();
        let got = state(&r.server);
        let expect = |n: usize| -> State {
            let mut m = State::new();
            for i in 0..n {
                m.insert((0, format!("k{}", i % 7).into_bytes()), (i.to_string().into_bytes(), None));
            }
            m
        };
        assert_eq!(got, expect(acked), "seed {seed}: every acknowledged write survives, nothing else was fed");
    }
}

fn encode(args: &[&str]) -> Vec<u8> {
    let args: Vec<&[u8]> = args.iter().map(|a| a.as_bytes()).collect();
    let mut bytes = Vec::new();
    encode_command(&args, &mut bytes);
    bytes
}

#[test]
fn power_loss_recovers_a_prefix_under_everysec_and_no() {
    for policy in [AppendFsync::Everysec, AppendFsync::No] {
        for seed in 0..200u64 {
            let mut r = Rig::new(seed, FaultConfig::default(), config(policy));
            let mut states = vec![state(&r.server)];
            for i in 0..(seed % 30) {
                r.ok(&["SET", &format!("k{}", i % 5), &format!("{i}-{}", "x".repeat((i * 37 % 700) as usize))]);
                states.push(state(&r.server));
                if i % 4 == 0 {
                    r.sim.clock.advance_ms(600);
                    r.cron();
                    r.sim.background.complete_all();
                }
            }
            r.sim.power_loss();
            r.restart();
            let got = state(&r.server);
            assert!(states.contains(&got), "{policy:?} seed {seed}: recovered state is not a prefix");
        }
    }
}

#[test]
fn short_write_then_error_is_rolled_back_and_misconf_until_a_good_write() {
    let mut r = Rig::new(3, FaultConfig::default(), config(AppendFsync::Everysec));
    r.ok(&["SET", "a", "1"]);
    let size = r.visible().len();
    r.sim.fs.fail_next(FsOp::Write, Fault::ShortWrite);
    r.sim.fs.fail_next(FsOp::Write, Fault::Enospc);
    r.cmd(&["SET", "b", "2"]);
    assert_eq!(r.visible().len(), size, "the partial write was truncated away");
    let refused = is_error(&r.cmd(&["SET", "c", "3"])).expect("writes refused");
    assert_eq!(refused, "MISCONF Errors writing to the AOF file: No space left on device");
    assert_eq!(r.cmd(&["GET", "a"]), Frame::Bulk(b"1".to_vec()), "reads still served");
    r.cron(); // retries aof_buf: succeeds now
    r.ok(&["SET", "c", "3"]);
    let before = state(&r.server);
    r.sim.process_crash(OrphanPolicy::Drop);
    r.restart();
    assert_eq!(state(&r.server), before, "b written exactly once after the retry");
}

#[test]
fn write_eio_under_always_is_fatal_and_the_reply_must_not_be_released() {
    let mut r = Rig::new(4, FaultConfig::default(), config(AppendFsync::Always));
    r.sim.fs.fail_next(FsOp::Write, Fault::Eio);
    r.server.feed(r.client, &encode(&["SET", "a", "1"]));
    r.server.before_sleep();
    assert!(r.server.aof.fatal_error.is_some());
}

#[test]
fn fsync_eio_under_always_is_fatal() {
    let mut r = Rig::new(5, FaultConfig::default(), config(AppendFsync::Always));
    r.sim.fs.fail_next(FsOp::Fsync, Fault::Eio);
    r.server.feed(r.client, &encode(&["SET", "a", "1"]));
    r.server.before_sleep();
    let fatal = r.server.aof.fatal_error.clone().expect("fatal");
    assert!(fatal.contains("fsync policy is 'always'"), "{fatal}");
}

#[test]
fn fsync_eio_under_everysec_gives_misconf_then_the_tail_is_rewritten_and_durable() {
    let mut r = Rig::new(6, FaultConfig::default(), config(AppendFsync::Everysec));
    r.sim.clock.advance_ms(1500);
    r.ok(&["SET", "a", "1"]); // fsync submitted
    r.sim.fs.fail_next(FsOp::Fsync, Fault::Eio);
    r.sim.background.complete_all();
    r.cron();
    let refused = is_error(&r.cmd(&["SET", "b", "2"])).expect("writes refused after fsync EIO");
    assert_eq!(refused, "MISCONF Errors writing to the AOF file: Input/output error");
    // cron repairs: truncate to the durable size, write the tail again, fsync in background.
    r.sim.clock.advance_ms(1000);
    r.cron();
    r.sim.background.complete_all();
    r.cron();
    r.ok(&["SET", "b", "2"]);
    r.sim.clock.advance_ms(1100);
    r.cron();
    r.sim.background.complete_all();
    r.cron();
    let before = state(&r.server);
    r.sim.power_loss_with(&mut keel_sim::fs::LoseAll);
    r.restart();
    assert_eq!(state(&r.server), before, "data under a failed fsync was written again and made durable");
}

#[test]
fn idle_period_after_a_burst_still_gets_its_fsync_under_everysec() {
    let mut r = Rig::new(7, FaultConfig::default(), config(AppendFsync::Everysec));
    r.sim.clock.advance_ms(1500);
    r.ok(&["SET", "a", "1"]); // fsync of "a" submitted
    r.ok(&["SET", "b", "2"]); // within the same second: no fsync
    r.sim.background.complete_all();
    for _ in 0..20 {
        r.sim.clock.advance_ms(100);
        r.cron();
        r.sim.background.complete_all();
    }
    r.cron();
    let before = state(&r.server);
    r.sim.power_loss_with(&mut keel_sim::fs::LoseAll);
    r.restart();
    assert_eq!(state(&r.server), before);
}

#[test]
fn a_pending_background_fsync_postpones_the_write_for_at_most_two_seconds() {
    let faults = FaultConfig { fsync_latency_us: (10_000_000, 10_000_000), ..FaultConfig::default() };
    let mut r = Rig::new(8, faults, config(AppendFsync::Everysec));
    r.sim.clock.advance_ms(1500);
    r.ok(&["SET", "a", "1"]); // background fsync now pending for 10 s
    let size = r.visible().len();
    r.ok(&["SET", "b", "2"]);
    assert_eq!(r.visible().len(), size, "postponed");
    r.sim.clock.advance_ms(2100);
    r.cron();
    assert!(r.visible().len() > size, "written after 2 s");
    assert_eq!(r.server.aof.delayed_fsync, 1);
}

#[test]
fn torn_tail_is_truncated_at_the_last_complete_command_and_refused_with_load_truncated_no() {
    let mut r = Rig::new(9, FaultConfig::default(), config(AppendFsync::Always));
    r.ok(&["SET", "a", "1"]);
    r.ok(&["SET", "b", "2"]);
    let good = r.visible().len() as u64;
    // A torn write: half of a command at the end.
    let file = r.server.aof.file.clone().expect("open");
    file.write(b"*3\r\n$3\r\nSET\r\n$1\r\nc\r\n$5\r\nab").expect("write");
    file.fsync().expect("fsync");
    r.sim.process_crash(OrphanPolicy::Drop);
    let mut strict = r.config.clone();
    strict.aof_load_truncated = false;
    let mut refused = Server::new(r.sim.env(), strict);
    refused.startup();
    let err = refused.aof.load_error.clone().expect("refused");
    assert!(err.starts_with("Unexpected end of file reading the append only file appendonly.aof"), "{err}");
    r.restart();
    assert_eq!(r.visible().len() as u64, good + START.len() as u64, "cut, then the chain re-anchored");
    assert_eq!(r.server.ks.total_keys(), 2);
    assert!(r.server.log.drain().iter().any(|l| l.contains(&format!("!!! Truncating the AOF appendonly.aof at offset {good} !!!"))));
}

#[test]
fn tail_cut_inside_multi_is_truncated_before_the_multi() {
    let mut r = Rig::new(10, FaultConfig::default(), config(AppendFsync::Always));
    r.ok(&["SET", "a", "1"]);
    let good = r.visible().len();
    let file = r.server.aof.file.clone().expect("open");
    file.write(b"*1\r\n$5\r\nMULTI\r\n*3\r\n$3\r\nSET\r\n$1\r\nb\r\n$1\r\n2\r\n*1\r\n$4\r\nEX").expect("write");
    r.sim.process_crash(OrphanPolicy::Drop);
    r.restart();
    assert_eq!(r.visible().len(), good + START.len());
    assert_eq!(r.server.ks.total_keys(), 1);
    // and new writes after the restart are not swallowed by a dangling MULTI
    r.ok(&["SET", "c", "3"]);
    r.sim.process_crash(OrphanPolicy::Drop);
    r.restart();
    assert_eq!(r.server.ks.total_keys(), 2);
}

#[test]
fn zero_filled_tail_left_by_power_loss_is_treated_as_torn() {
    let mut r = Rig::new(11, FaultConfig::default(), config(AppendFsync::Always));
    r.ok(&["SET", "a", "1"]);
    let good = r.visible().len();
    let file = r.server.aof.file.clone().expect("open");
    file.set_len(good as u64 + 512).expect("extend with zeros");
    file.write(b"*3\r\n$3\r\nSET\r\n$1\r\nz\r\n$1\r\n9\r\n").expect("write after the hole");
    r.sim.process_crash(OrphanPolicy::Drop);
    r.restart();
    assert_eq!(r.visible().len(), good + START.len());
    assert_eq!(r.server.ks.total_keys(), 1);
}

/// An AOF without Keel's checksum chain (as Redis writes it), durable in a fresh simulator.
fn unchecked_file(seed: u64, bytes: &[u8]) -> SimEnv {
    let sim = SimEnv::new(seed, FaultConfig::default());
    let fs = sim.env().fs;
    let file = fs.open(Path::new(AOF), OpenOptions::TRUNCATE).expect("create");
    keel::env::write_all(&*file, bytes).expect("write");
    file.fsync().expect("fsync");
    fs.fsync_dir(Path::new(".")).expect("fsync dir");
    sim
}

#[test]
fn corruption_in_a_file_without_checksums_refuses_to_start_with_the_offset() {
    let sim = unchecked_file(12, b"*3\r\n$3\r\nSET\r\n$1\r\na\r\n$1\r\n1\r\n+garbage\r\n");
    let mut s = Server::new(sim.env(), config(AppendFsync::Always));
    s.startup();
    let err = s.aof.load_error.expect("refused");
    assert!(err.starts_with("Bad file format reading the append only file appendonly.aof at offset 27"), "{err}");

    let sim = unchecked_file(13, b"*2\r\n$7\r\nNOTACMD\r\n$1\r\nk\r\n");
    let mut s = Server::new(sim.env(), config(AppendFsync::Always));
    s.startup();
    assert_eq!(s.aof.load_error.as_deref(), Some("Unknown command 'NOTACMD' reading the append only file appendonly.aof at offset 0"));
}

#[test]
fn bytes_after_the_last_checked_batch_are_a_torn_tail_even_when_they_parse() {
    let mut r = Rig::new(14, FaultConfig::default(), config(AppendFsync::Always));
    r.ok(&["SET", "a", "1"]);
    let good = r.visible();
    // A whole command, but no `#KC:` line closing it: never a batch Keel finished writing.
    let file = r.server.aof.file.clone().expect("open");
    file.write(b"*3\r\n$3\r\nSET\r\n$1\r\nb\r\n$1\r\n2\r\n").expect("write");
    r.sim.process_crash(OrphanPolicy::Drop);
    let mut strict = r.config.clone();
    strict.aof_load_truncated = false;
    let mut refused = Server::new(r.sim.env(), strict);
    refused.startup();
    assert!(refused.aof.load_error.expect("refused").contains("#KC: checksum is missing or does not match"));
    r.restart();
    assert_eq!(r.server.ks.total_keys(), 1);
    assert_eq!(r.visible(), [good.as_slice(), START].concat());
}

#[test]
fn a_batch_whose_checksum_fails_is_cut_with_everything_after_it() {
    let mut r = Rig::new(15, FaultConfig::default(), config(AppendFsync::Always));
    r.ok(&["SET", "a", "1"]);
    let good = r.visible();
    r.ok(&["SET", "b", "xyz"]);
    r.ok(&["SET", "c", "3"]);
    // A sector lost to a power loss reads as zeros: here inside the value of `b`, which
    // still parses; the next batch (`c`) checks out but follows the broken one.
    let mut bytes = r.visible();
    let at = good.len() + bytes[good.len()..].windows(3).position(|w| w == b"xyz").expect("value");
    bytes[at..at + 3].fill(0);
    let file = r.server.aof.file.clone().expect("open");
    file.set_len(0).expect("truncate");
    keel::env::write_all(&*file, &bytes).expect("write");
    r.sim.process_crash(OrphanPolicy::Drop);
    r.restart();
    assert_eq!(r.server.ks.total_keys(), 1, "point-in-time recovery: the prefix before the broken batch");
    assert_eq!(r.visible(), [good.as_slice(), START].concat());
}

/// Apply one random write of the workload.
fn random_write(r: &mut Rig, rng: &mut u64) {
    *rng = rng.wrapping_mul(6364136223846793005).wrapping_add(1442695040888963407);
    let x = *rng >> 33;
    let key = format!("k{}", x % 23);
    match x % 7 {
        0 => r.ok(&["SET", &key, &x.to_string()]),
        1 => r.ok(&["SET", &key, "v", "EX", &(1 + x % 1000).to_string()]),
        2 => r.ok(&["DEL", &key]),
        3 => {
            r.ok(&["SELECT", &(x % 3).to_string()]);
            r.ok(&["SET", &key, "other-db"]);
        }
        4 => {
            r.cmd(&["INCRBYFLOAT", &key, "0.5"]);
        }
        5 => {
            r.ok(&["MULTI"]);
            r.cmd(&["SET", &key, "m"]);
            r.cmd(&["APPEND", &key, "x"]);
            r.ok(&["EXEC"]);
        }
        _ => {
            r.cmd(&["EXPIRE", &key, "500"]);
        }
    }
}

#[test]
fn rewrite_replays_to_the_snapshot_plus_every_write_made_during_it() {
    for seed in 0..60u64 {
        let policy = [AppendFsync::Always, AppendFsync::Everysec, AppendFsync::No][(seed % 3) as usize];
        let mut r = Rig::new(seed, FaultConfig::default(), config(policy));
        let mut rng = seed;
        for _ in 0..(seed % 50 + 100) {
            random_write(&mut r, &mut rng);
        }
        for round in 0..3 {
            assert_eq!(r.cmd(&["BGREWRITEAOF"]), Frame::Simple("Background append only file rewriting started".into()));
            assert!(is_error(&r.cmd(&["BGREWRITEAOF"])).is_some(), "refused while running");
            // Interleave writes with child steps.
            loop {
                rng = rng.wrapping_mul(6364136223846793005).wrapping_add(1);
                for _ in 0..(rng >> 60) {
                    random_write(&mut r, &mut rng);
                }
                if !matches!(r.sim.forker.step_child(), keel_sim::fork::ChildProgress::Running) {
                    break;
                }
            }
            for _ in 0..((rng >> 61) + round) {
                random_write(&mut r, &mut rng);
            }
            r.cron(); // reaps the child: the done handler installs the new file
            assert_eq!(r.server.aof.child_pid, None);
            assert_eq!(r.server.aof.rewrites, round + 1);
            for _ in 0..5 {
                random_write(&mut r, &mut rng);
            }
        }
        let before = state(&r.server);
        assert!(!r.sim.fs.visible_contents(Path::new(AOF)).unwrap_or_default().is_empty());
        r.sim.process_crash(OrphanPolicy::Drop);
        r.restart();
        assert_eq!(state(&r.server), before, "seed {seed}");
        let names = r.sim.fs.list_durable(Path::new("."));
        assert!(!names.iter().any(|n| n.starts_with("temp-rewriteaof")), "{names:?}");
    }
}

#[test]
fn a_killed_or_failing_rewrite_changes_nothing() {
    let mut r = Rig::new(14, FaultConfig::default(), config(AppendFsync::Always));
    r.ok(&["SET", "a", "1"]);
    r.ok(&["BGREWRITEAOF"]);
    r.ok(&["SET", "b", "2"]);
    r.sim.forker.step_child();
    assert!(r.sim.forker.kill_child());
    r.cron();
    assert!(r.server.aof.last_rewrite_failed);
    r.ok(&["SET", "c", "3"]);
    let before = state(&r.server);
    r.sim.power_loss();
    r.restart();
    assert_eq!(state(&r.server), before);
    assert!(!r.sim.fs.list_durable(Path::new(".")).iter().any(|n| n.starts_with("temp-rewriteaof")));
}

#[test]
fn power_loss_at_any_point_of_a_rewrite_under_always_keeps_every_acknowledged_write() {
    for seed in 0..120u64 {
        let mut r = Rig::new(seed, FaultConfig::default(), config(AppendFsync::Always));
        let mut rng = seed;
        for _ in 0..30 {
            random_write(&mut r, &mut rng);
        }
        r.ok(&["BGREWRITEAOF"]);
        let stop = seed % 12;
        let mut acked = state(&r.server);
        for i in 0..stop {
            random_write(&mut r, &mut rng);
            acked = state(&r.server);
            r.sim.forker.step_child();
            if i == stop / 2 {
                r.cron();
            }
        }
        if seed % 2 == 0 {
            r.sim.forker.run_child_to_end();
            r.cron();
            acked = state(&r.server);
        }
        r.sim.power_loss();
        r.restart();
        assert_eq!(state(&r.server), acked, "seed {seed}");
    }
}

#[test]
fn strings_stay_equal_after_replaying_int_and_raw_encodings() {
    let mut r = Rig::new(15, FaultConfig::default(), config(AppendFsync::Always));
    r.ok(&["SET", "n", "12345"]);
    r.ok(&["APPEND", "n", "6"]);
    r.ok(&["SET", "big", &"y".repeat(100)]);
    r.ok(&["BGREWRITEAOF"]);
    r.sim.forker.run_child_to_end();
    r.cron();
    r.sim.process_crash(OrphanPolicy::Drop);
    r.restart();
    let entry = r.server.ks.dbs[0].dict.get(&b"n"[..]).expect("n");
    let Value::Str(s) = &entry.value else { panic!("n holds a string") };
    assert_eq!(s, &Str::Int(123456));
}

#[test]
fn turning_appendonly_on_at_runtime_writes_the_dataset_then_appends() {
    let mut c = config(AppendFsync::Always);
    c.appendonly = false;
    let mut r = Rig::new(16, FaultConfig::default(), c);
    r.ok(&["SET", "a", "1"]);
    r.server.config.appendonly = true; // CONFIG SET sets the field, then calls the hook
    keel::aof::set_appendonly(&mut r.server, true).expect("rewrite started");
    r.ok(&["SET", "b", "2"]);
    r.sim.forker.run_child_to_end();
    r.cron();
    assert_eq!(r.server.aof.status, keel::aof::AofStatus::On);
    r.ok(&["SET", "c", "3"]);
    let before = state(&r.server);
    r.sim.power_loss();
    r.config.appendonly = true;
    r.restart();
    assert_eq!(state(&r.server), before);
}

/// Start-up makes the loaded AOF durable (copy, fsync, rename, directory fsync) before serving;
/// when that fails it refuses to start with a clear error and leaves no data behind (P4)
/// instead of appending acknowledged writes after bytes that may never reach the disk. Found
/// by keel-sim (seed 17 under `--persistence always`): the directory fsync after the rename
/// failed, the server served anyway, and a power loss brought back the old directory entry
/// without the writes acknowledged since.
#[test]
fn startup_refuses_to_serve_when_the_loaded_aof_cannot_be_made_durable() {
    for seed in 0..20u64 {
        let mut r = Rig::new(seed, FaultConfig::default(), config(AppendFsync::Always));
        r.ok(&["SET", "a", "1"]);
        r.sim.fs.fail_next(FsOp::FsyncDir, Fault::Eio);
        r.sim.power_loss();
        let mut refused = Server::new(r.sim.env(), r.config.clone());
        refused.startup();
        let error = refused.startup_error().expect("a start-up that can't make the AOF durable refuses");
        assert!(error.contains("durable") && error.contains("Input/output error"), "{error}");
        assert!(refused.ks.dbs.iter().all(|db| db.is_empty()), "a refused start-up holds no data");
        drop(refused);
        // The disk works again: the next start-up succeeds and what it acknowledges is durable.
        r.sim.process_crash(OrphanPolicy::Drop);
        r.restart();
        r.ok(&["SET", "b", "2"]);
        r.sim.power_loss();
        r.restart();
        let expected: State = [((0, b"a".to_vec()), (b"1".to_vec(), None)), ((0, b"b".to_vec()), (b"2".to_vec(), None))].into();
        assert_eq!(state(&r.server), expected, "seed {seed}");
    }
}

/// The same refusal when the disk has no room for the durable copy of the loaded AOF: the
/// error names the cause, and once space is added start-up succeeds with every write.
#[test]
fn startup_on_a_full_disk_refuses_with_enospc_then_starts_once_space_is_added() {
    let faults = FaultConfig { capacity_bytes: Some(4096), ..FaultConfig::default() };
    let mut r = Rig::new(3, faults, config(AppendFsync::Always));
    let value = "v".repeat(1500);
    r.ok(&["SET", "a", &value]);
    r.ok(&["SET", "b", &value]);
    let before = state(&r.server);
    r.sim.process_crash(OrphanPolicy::Drop);
    let mut refused = Server::new(r.sim.env(), r.config.clone());
    refused.startup();
    let error = refused.startup_error().expect("no room for the copy: refuses");
    assert!(error.contains("No space left on device"), "{error}");
    drop(refused);
    r.sim.process_crash(OrphanPolicy::Drop);
    r.sim.fs.set_config(FaultConfig { capacity_bytes: Some(1 << 20), ..FaultConfig::default() });
    r.restart();
    assert_eq!(state(&r.server), before);
}

/// Nothing expires while the AOF is replayed (Redis's `keyIsExpired` while loading): a
/// `SET … XX` that found its key, and cleared its TTL, finds it again on replay even when
/// that TTL has passed by the restart. Found by keel-sim (seed 85 under `--persistence
/// always`): the replayed `XX` saw the key as expired, did nothing, and the key was lost.
#[test]
fn replay_sees_keys_whose_ttl_passed_before_the_restart() {
    for policy in [AppendFsync::Always, AppendFsync::Everysec, AppendFsync::No] {
        let mut r = Rig::new(4, FaultConfig::default(), config(policy));
        r.ok(&["SET", "k", "138"]);
        r.ok(&["PEXPIRE", "k", "32"]);
        r.ok(&["SET", "k", "new", "XX"]);
        r.ok(&["SET", "n", "1"]);
        r.ok(&["PEXPIRE", "n", "32"]);
        r.ok(&["INCR", "n"]);
        r.ok(&["PERSIST", "n"]);
        let before = state(&r.server);
        r.sim.clock.advance_ms(1_000);
        r.sim.process_crash(OrphanPolicy::Drop);
        r.restart();
        assert_eq!(state(&r.server), before, "{policy:?}");
    }
}

/// A replayed FLUSHALL does not save: the snapshot would be a past state written over a newer
/// dump.rdb, and a save failing under a fault made the replay answer MISCONF to every later
/// write, silently dropping the rest of the file. Found by keel-sim (seed 301 under
/// `--persistence always`: the rename of the replay's save failed, the last SET was lost).
#[test]
fn replayed_flushall_neither_saves_nor_blocks_the_writes_after_it() {
    let mut c = config(AppendFsync::Always);
    c.save_points = vec![(3600, 1)];
    let mut r = Rig::new(5, FaultConfig::default(), c);
    r.ok(&["SET", "a", "1"]);
    r.ok(&["FLUSHALL"]);
    r.ok(&["SET", "b", "2"]);
    r.ok(&["SAVE"]);
    r.ok(&["SET", "c", "3"]);
    let before = state(&r.server);
    let dump = r.sim.fs.visible_contents(Path::new("./dump.rdb")).expect("SAVE wrote dump.rdb");
    r.sim.fs.fail_next(FsOp::Rename, Fault::Eio);
    r.sim.power_loss();
    let mut first = Server::new(r.sim.env(), r.config.clone());
    first.startup();
    if first.startup_error().is_none() {
        assert_eq!(state(&first), before, "the first start-up serves every write");
    }
    drop(first);
    r.sim.process_crash(OrphanPolicy::Drop);
    r.restart();
    assert_eq!(state(&r.server), before);
    assert_eq!(r.sim.fs.visible_contents(Path::new("./dump.rdb")), Some(dump), "loading the AOF left dump.rdb alone");
}

/// FLUSHALL reaches the AOF even when the save it triggers resets the dirty counter to where
/// it was before the command (a SAVE just before: dirty 0 → FLUSHALL → save → dirty 0); the
/// propagation rule "argv if `dirty` changed" dropped it, and the next start-up brought every
/// flushed key back. Found by keel-sim (seed 416 under `--persistence always`).
#[test]
fn flushall_right_after_a_save_is_still_written_to_the_aof() {
    let mut c = config(AppendFsync::Always);
    c.save_points = vec![(3600, 1)];
    let mut r = Rig::new(6, FaultConfig::default(), c);
    r.ok(&["SET", "a", "1"]);
    r.ok(&["SAVE"]);
    r.ok(&["FLUSHALL"]);
    r.ok(&["SET", "b", "2"]);
    let before = state(&r.server);
    assert_eq!(before.len(), 1);
    r.sim.power_loss();
    r.restart();
    assert_eq!(state(&r.server), before, "the flushed key stays flushed");
}
