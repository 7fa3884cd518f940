//! The RDB preamble of the AOF under the simulator (issue 6): BGREWRITEAOF with
//! `aof-use-rdb-preamble yes` writes `RDB image ‖ RESP rewrite buffer`; start-up loads the
//! RDB part (keeping keys whose TTL has passed) and replays the tail; a bad RDB part refuses
//! start-up with the file and offset whatever `aof-load-truncated` says; a torn tail is cut no
//! earlier than the end of the RDB part; a Redis 7 multi-part `*.base.rdb` loads; an `XADD`
//! names its key and type; `keel-check-aof` checks the RDB part and repairs only the tail.

use std::path::Path;

use keel::aof::batch::{self, START};
use keel::aof::check::Tool;
use keel::config::{AppendFsync, Config};
use keel::env::{write_all, Clock, OpenOptions};
use keel::keyspace::ClientId;
use keel::rdb::{Event, LoadOptions, Parser};
use keel::resp::{encode_command, parse_frame, Frame, FrameLimits};
use keel::server::Server;
use keel_sim::env::SimEnv;
use keel_sim::fork::OrphanPolicy;
use keel_sim::fs::FaultConfig;

const AOF: &str = "./appendonly.aof";

fn config(preamble: bool) -> Config {
    let mut c = Config::default();
    c.save_points.clear();
    c.appendonly = true;
    c.appendfsync = AppendFsync::Always;
    c.aof_use_rdb_preamble = preamble;
    c
}

struct Rig {
    sim: SimEnv,
    server: Server,
    client: ClientId,
    config: Config,
}

impl Rig {
    fn new(seed: u64, config: Config) -> Rig {
        let sim = SimEnv::new(seed, FaultConfig::default());
        let mut server = Server::new(sim.env(), config.clone());
        server.startup();
        assert_eq!(server.startup_error(), None);
        let client = server.connect("sim:1".into(), "sim:0".into());
        Rig { sim, server, client, config }
    }

    fn cmd(&mut self, args: &[&str]) -> Frame {
        let args: Vec<&[u8]> = args.iter().map(|a| a.as_bytes()).collect();
        let mut bytes = Vec::new();
        encode_command(&args, &mut bytes);
        self.server.feed(self.client, &bytes);
        self.server.before_sleep();
        let out = self.server.pending_output(self.client).expect("client connected").to_vec();
        self.server.output_sent(self.client, out.len());
        parse_frame(&out, &FrameLimits::default()).expect("valid reply").expect("complete reply").0
    }

    fn ok(&mut self, args: &[&str]) {
        let reply = self.cmd(args);
        assert!(!matches!(reply, Frame::Error(_)), "{args:?} -> {reply:?}");
    }

    /// BGREWRITEAOF run to its end and reaped (the done handler installs the file).
    fn rewrite(&mut self) {
        self.ok(&["BGREWRITEAOF"]);
        self.sim.forker.run_child_to_end();
        self.server.cron();
        assert_eq!(self.server.aof.child_pid, None);
        assert!(!self.server.aof.last_rewrite_failed);
    }

    /// Kill the process and start again on the same disk; the start-up error, if any.
    fn restart(&mut self) -> Option<String> {
        self.sim.process_crash(OrphanPolicy::Drop);
        self.server = Server::new(self.sim.env(), self.config.clone());
        self.server.startup();
        self.client = self.server.connect("sim:1".into(), "sim:0".into());
        self.server.startup_error()
    }

    fn aof(&self) -> Vec<u8> {
        self.sim.fs.visible_contents(Path::new(AOF)).expect("the AOF exists")
    }

    /// Replace the AOF with `bytes` (durably), as a crash or an operator could leave it.
    fn put_aof(&self, bytes: &[u8]) {
        put(&self.sim, AOF, bytes);
    }

    fn digest(&self) -> String {
        keel::digest_ks::dataset_digest(&self.server.ks)
    }
}

fn put(sim: &SimEnv, path: &str, bytes: &[u8]) {
    let fs = sim.env().fs;
    let file = fs.open(Path::new(path), OpenOptions::TRUNCATE).expect("create");
    write_all(file.as_ref(), bytes).expect("write");
    file.fsync().expect("fsync");
    file.close().expect("close");
    let dir = Path::new(path).parent().expect("a dir");
    fs.fsync_dir(dir).expect("fsync dir");
}

/// Strings (int, short, LZF-compressible), every aggregate, TTLs, a second db.
fn dataset(r: &mut Rig) {
    r.ok(&["SET", "int", "12345"]);
    r.ok(&["SET", "str", "hello"]);
    r.ok(&["SET", "long", &"a".repeat(300)]);
    r.ok(&["RPUSH", "list", "a", "b", "3", "c"]);
    r.ok(&["SADD", "intset", "1", "2", "-70000"]);
    r.ok(&["SADD", "set", "x", "y", "1"]);
    r.ok(&["HSET", "hash", "f1", "v1", "f2", "2"]);
    r.ok(&["ZADD", "zset", "1.5", "m", "-2", "n", "inf", "o"]);
    r.ok(&["SET", "ttl", "v", "PXAT", "4102444800000"]);
    r.ok(&["PEXPIREAT", "hash", "4102444800000"]);
    r.ok(&["SELECT", "3"]);
    r.ok(&["SET", "in3", "db three"]);
    r.ok(&["SELECT", "0"]);
}

/// AUX fields of an RDB part: (key, value).
type AuxFields = Vec<(Vec<u8>, Vec<u8>)>;

/// Where the RDB part of `file` ends, and its AUX fields.
/// `bytes` without Keel's `#KC:` checksum lines (`aof/batch.rs`).
fn without_marks(bytes: &[u8]) -> Vec<u8> {
    let mut out = Vec::new();
    let mut rest = bytes;
    while let Some(at) = rest.windows(4).position(|w| w == b"#KC:") {
        out.extend_from_slice(&rest[..at]);
        let end = rest[at..].iter().position(|&b| b == b'\n').map_or(rest.len(), |n| at + n + 1);
        rest = &rest[end..];
    }
    out.extend_from_slice(rest);
    out
}

fn rdb_part(file: &[u8]) -> (u64, AuxFields) {
    let mut p = Parser::new(file, LoadOptions::default()).expect("an RDB header");
    let mut aux = Vec::new();
    loop {
        match p.next_event().expect("a valid RDB part") {
            Some(Event::Aux { key, value, .. }) => aux.push((key, value)),
            Some(Event::Eof { offset, .. }) => return (offset, aux),
            Some(_) => {}
            None => panic!("no EOF opcode"),
        }
    }
}

#[test]
fn rewrite_with_preamble_writes_an_rdb_image_then_the_rewrite_buffer_in_resp() {
    let mut r = Rig::new(1, config(true));
    dataset(&mut r);
    r.ok(&["BGREWRITEAOF"]);
    r.sim.forker.step_child();
    r.ok(&["SET", "during", "1"]);
    r.ok(&["SELECT", "2"]);
    r.ok(&["SADD", "s2", "a"]);
    r.ok(&["SELECT", "0"]);
    r.ok(&["DEL", "str"]);
    r.sim.forker.run_child_to_end();
    r.server.cron();
    assert_eq!(r.server.aof.rewrites, 1);
    let installed = r.aof();
    assert_eq!(r.server.aof.base_size, installed.len() as u64, "aof_base_size is the installed file");
    r.ok(&["APPEND", "during", "!"]);

    let file = r.aof();
    assert!(file.starts_with(b"REDIS0009"), "an RDB preamble");
    let (end, aux) = rdb_part(&file);
    assert!(aux.contains(&(b"aof-preamble".to_vec(), b"1".to_vec())), "{aux:?}");
    let tail = &without_marks(&file[end as usize..]);
    assert!(file[end as usize..].starts_with(START), "the checksum chain starts after the snapshot");
    assert!(tail.starts_with(b"*2\r\n$6\r\nSELECT\r\n$1\r\n0\r\n*3\r\n$3\r\nSET\r\n$6\r\nduring\r\n"), "the rewrite buffer follows in RESP: {:?}", String::from_utf8_lossy(&tail[..40.min(tail.len())]));
    assert!(tail.ends_with(b"*3\r\n$6\r\nAPPEND\r\n$6\r\nduring\r\n$1\r\n!\r\n"));

    let before = r.digest();
    assert_eq!(r.restart(), None);
    assert_eq!(r.digest(), before, "process crash");
    r.sim.power_loss();
    assert_eq!(r.restart(), None);
    assert_eq!(r.digest(), before, "power loss under always");
    assert_eq!(r.cmd(&["GET", "during"]), Frame::Bulk(b"1!".to_vec()));
    assert_eq!(r.cmd(&["GET", "str"]), Frame::Null);
}

#[test]
fn the_format_is_chosen_at_the_fork_from_aof_use_rdb_preamble() {
    let mut r = Rig::new(2, config(false));
    dataset(&mut r);
    r.rewrite();
    assert!(r.aof().starts_with(b"*2\r\n$6\r\nSELECT\r\n$1\r\n0\r\n"), "RESP with aof-use-rdb-preamble no");
    let resp_digest = r.digest();
    r.ok(&["CONFIG", "SET", "aof-use-rdb-preamble", "yes"]);
    r.rewrite();
    assert!(r.aof().starts_with(b"REDIS0009"));
    assert_eq!(r.restart(), None);
    assert_eq!(r.digest(), resp_digest, "both formats hold the same data");
}

/// A key whose TTL passes between the rewrite and the restart stays in the preamble's load,
/// as Redis's `RDBFLAGS_AOF_PREAMBLE` keeps it: the tail may still act on it. Here the tail
/// holds a PERSIST made before the TTL passed; dropping the key at load would lose it.
#[test]
fn keys_whose_ttl_passed_stay_in_the_preamble_so_the_tail_can_persist_them() {
    for preamble in [true, false] {
        let mut r = Rig::new(3, config(preamble));
        r.ok(&["SET", "k", "kept", "PX", "100"]);
        r.ok(&["SET", "gone", "v", "PX", "100"]);
        r.rewrite();
        r.ok(&["PERSIST", "k"]);
        r.sim.clock.advance_ms(1_000);
        assert_eq!(r.restart(), None);
        assert_eq!(r.cmd(&["GET", "k"]), Frame::Bulk(b"kept".to_vec()), "preamble={preamble}");
        assert_eq!(r.cmd(&["PTTL", "k"]), Frame::Integer(-1));
        assert_eq!(r.cmd(&["GET", "gone"]), Frame::Null, "preamble={preamble}");
    }
}

#[test]
fn an_empty_dataset_rewrites_to_a_bare_rdb_image_that_loads() {
    let mut r = Rig::new(4, config(true));
    r.rewrite();
    let file = r.aof();
    assert_eq!(rdb_part(&file).0 + START.len() as u64, file.len() as u64, "header, EOF and CRC, then the chain's start");
    assert_eq!(r.restart(), None);
    assert_eq!(r.server.ks.total_keys(), 0);
    r.ok(&["SET", "a", "1"]);
    assert_eq!(r.restart(), None);
    assert_eq!(r.cmd(&["GET", "a"]), Frame::Bulk(b"1".to_vec()));
}

/// A bad RDB part is never "a torn tail": start-up is refused with the file and the offset
/// even with `aof-load-truncated yes`, nothing is loaded and the file is left as it is.
#[test]
fn a_corrupt_preamble_refuses_to_start_with_the_file_and_offset() {
    let mut r = Rig::new(5, config(true));
    dataset(&mut r);
    r.rewrite();
    r.ok(&["SET", "after", "1"]);
    let good = r.aof();
    let (end, _) = rdb_part(&good);
    let mut bad_crc = good.clone();
    bad_crc[end as usize - 1] ^= 0x55;
    let mut bad_type = good.clone();
    let at = good.windows(5).position(|w| w == b"\x00\x03str").expect("the key 'str'");
    bad_type[at] = 0x50;
    let cut = good[..end as usize - 20].to_vec();
    let prefix = "Error reading the RDB preamble of the AOF file appendonly.aof, AOF loading aborted: ";
    let cases = [
        (bad_crc, format!("{prefix}corrupt RDB at offset {}: Wrong RDB checksum", end - 8)),
        (bad_type, format!("{prefix}corrupt RDB at offset {at}: Unknown RDB encoding type 80")),
        (cut.clone(), format!("{prefix}unexpected end of file at offset")),
    ];
    for (bytes, want) in cases {
        r.put_aof(&bytes);
        let err = r.restart().expect("refused");
        assert!(err.starts_with(&want), "{err}\nwanted: {want}");
        assert_eq!(r.server.ks.total_keys(), 0, "a refused AOF leaves no data");
        assert_eq!(r.aof(), bytes, "never truncated");
    }
}

/// A tail torn after the preamble is cut at the end of its last complete command, and never
/// into the RDB part: a cut inside the first command leaves exactly the RDB image (Redis 7.0
/// starts `valid_up_to` at 0 and would truncate the file to nothing).
#[test]
fn a_torn_tail_after_the_preamble_is_cut_at_its_last_command_never_into_the_rdb_part() {
    let mut r = Rig::new(6, config(true));
    dataset(&mut r);
    r.rewrite();
    let rdb = r.aof();
    let rdb_digest = r.digest();
    r.ok(&["SET", "a", "1"]);
    let one = r.aof();
    let with_a = r.digest();
    r.ok(&["SET", "b", "2"]);
    let two = r.aof();
    for (cut, keep, digest) in [(rdb.len() + 3, rdb.len(), &rdb_digest), (two.len() - 2, one.len(), &with_a)] {
        r.put_aof(&two[..cut]);
        r.config.aof_load_truncated = false;
        let err = r.restart().expect("aof-load-truncated no refuses");
        assert!(err.starts_with("Unexpected end of file reading the append only file appendonly.aof"), "{err}");
        r.config.aof_load_truncated = true;
        assert_eq!(r.restart(), None);
        assert!(r.server.aof.loaded_truncated);
        assert_eq!(r.aof().len(), keep + START.len(), "cut at {cut}, then the chain re-anchored");
        assert_eq!(&r.digest(), digest);
    }
}

#[test]
fn a_function_load_in_the_tail_is_refused_naming_the_feature_and_the_offset() {
    let mut r = Rig::new(7, config(true));
    dataset(&mut r);
    r.rewrite();
    let mut file = r.aof();
    let offset = file.len();
    let mut function = Vec::new();
    encode_command(&[b"FUNCTION".as_slice(), b"LOAD", b"#!lua name=lib\nredis.register_function('f', function() return 1 end)"], &mut function);
    // A complete batch, as a writer would leave it (a bare command would be a torn tail).
    file.extend_from_slice(&function);
    file.extend_from_slice(&batch::line(keel::encoding::crc64::crc64(0, &function)));
    r.put_aof(&file);
    let err = r.restart().expect("refused");
    let want = format!("Unknown command 'FUNCTION' reading the append only file appendonly.aof at offset {offset}: a function library, which Keel does not support (DESIGN §7)");
    assert_eq!(err, want);
    assert_eq!(r.server.ks.total_keys(), 0);
}

/// A Redis 7 multi-part directory whose base is an RDB file (`aof-use-rdb-preamble yes`)
/// loads: the base through the RDB loader, then the incr file; Keel then converts it to its
/// single file (with a preamble) that loads to the same data.
#[test]
fn a_multi_part_directory_with_an_rdb_base_loads_and_converts() {
    let mut reference = Rig::new(8, config(true));
    dataset(&mut reference);
    let header = keel::rdb::save::Header { ctime_s: 1_700_000_000, used_mem: 0, aof_preamble: true };
    let base = keel::rdb::save::snapshot_bytes(&reference.server.ks.dbs, &header, true, true);
    reference.ok(&["SET", "x", "1"]);
    reference.ok(&["SADD", "set", "99"]);
    let mut incr = Vec::new();
    for cmd in [&[b"SELECT".as_slice(), b"0"][..], &[b"SET", b"x", b"1"], &[b"SADD", b"set", b"99"]] {
        encode_command(cmd, &mut incr);
    }
    let sim = SimEnv::new(9, FaultConfig::default());
    sim.env().fs.create_dir_all(Path::new("./appendonlydir")).expect("mkdir");
    put(&sim, "./appendonlydir/appendonly.aof.1.base.rdb", &base);
    put(&sim, "./appendonlydir/appendonly.aof.1.incr.aof", &incr);
    put(&sim, "./appendonlydir/appendonly.aof.manifest", b"file appendonly.aof.1.base.rdb seq 1 type b\nfile appendonly.aof.1.incr.aof seq 1 type i\n");
    let mut s = Server::new(sim.env(), config(true));
    s.startup();
    assert_eq!(s.startup_error(), None);
    let want = reference.digest();
    assert_eq!(keel::digest_ks::dataset_digest(&s.ks), want);
    assert!(sim.fs.visible_contents(Path::new(AOF)).expect("converted").starts_with(b"REDIS0009"));
    drop(s);
    let mut again = Server::new(sim.env(), config(true));
    again.startup();
    assert_eq!(again.startup_error(), None);
    assert_eq!(keel::digest_ks::dataset_digest(&again.ks), want);
}

fn check_aof(r: &Rig, args: &[&str], answer: &[u8]) -> (i32, String) {
    let env = r.sim.env();
    let mut stdin = answer;
    let mut out = Vec::new();
    let mut tool = Tool { fs: env.fs.as_ref(), stdin: &mut stdin, out: &mut out, now_ms: r.sim.clock.unix_ms() };
    let args: Vec<String> = args.iter().map(|a| a.to_string()).collect();
    let code = tool.run(&args).expect("the checker's I/O works");
    (code, String::from_utf8(out).expect("text"))
}

#[test]
fn keel_check_aof_checks_the_preamble_then_fixes_only_the_tail() {
    let mut r = Rig::new(10, config(true));
    dataset(&mut r);
    r.rewrite();
    r.ok(&["SET", "a", "1"]);
    let one = r.aof();
    r.ok(&["SET", "b", "2"]);
    let two = r.aof();
    let (end, _) = rdb_part(&two);

    let (code, out) = check_aof(&r, &[AOF], b"");
    assert_eq!(code, 0, "{out}");
    assert!(out.starts_with("Start checking Old-Style AOF\n[offset 0] Checking RDB file ./appendonly.aof\n[offset "), "{out}");
    assert!(out.contains("AUX FIELD aof-preamble = '1'\n[offset "), "{out}");
    let info = "[info] 10 keys read\n[info] 2 expires\n[info] 0 already expired\n";
    assert!(out.contains(&format!("[offset {end}] Checksum OK\n[offset {end}] \\o/ RDB looks OK! \\o/\n{info}RDB preamble is OK, proceeding with AOF tail...\n")), "{out}");
    // The tail: SELECT 0 (5 lines), SET a 1 and SET b 2 (7 lines each), counted from line 1.
    assert!(out.ends_with(&format!("AOF analyzed: filename=./appendonly.aof, size={0}, ok_up_to={0}, ok_up_to_line=20, diff=0\nAOF ./appendonly.aof is valid\n", two.len())), "{out}");

    // Cut inside `SET b 2` (before its batch's `#KC:` line).
    let cut = two.len() - batch::LINE_LEN - 3;
    r.put_aof(&two[..cut]);
    let (code, out) = check_aof(&r, &["--fix", AOF], b"y\n");
    assert_eq!(code, 0, "{out}");
    let (size, ok) = (cut, one.len());
    let want = format!("This will shrink the AOF ./appendonly.aof from {size} bytes, with {} bytes, to {ok} bytes\nContinue? [y/N]: Successfully truncated AOF ./appendonly.aof\n", size - ok);
    assert!(out.ends_with(&want), "{out}");
    assert_eq!(r.aof(), one, "only the torn command of the tail is cut");

    let mut bad = two.clone();
    bad[end as usize - 1] ^= 1;
    r.put_aof(&bad);
    let (code, out) = check_aof(&r, &["--fix", AOF], b"y\n");
    assert_eq!(code, 1);
    assert!(out.contains("--- RDB ERROR DETECTED ---\n") && out.ends_with("RDB preamble of AOF file is not sane, aborting.\n"), "{out}");
    assert_eq!(r.aof(), bad, "a bad RDB part is never truncated");
}
