//! Redis-generated AOF variants (issue 6). Debian's `redis-server` 7.0 writes a multi-part AOF
//! directory with the commands of `redis-samples/make.sh` (`aof_commands_1`, BGREWRITEAOF,
//! `aof_commands_2`), the stream `st` included — once with `aof-use-rdb-preamble no` (a RESP base)
//! and once with `yes` (an RDB base) — and `keel-server` started on a copy of that directory
//! must hold what Redis held: the same `DEBUG DIGEST`, and per key the same
//! `DEBUG DIGEST-VALUE` and TTL presence. The EVAL stays: Redis 7 writes its effects
//! (`MULTI`, `set`, `PEXPIREAT`, `EXEC`), which Keel replays.
//!
//! A truncated copy (the incr file minus its last 5 bytes, as make.sh makes `aof-truncated/`)
//! is truncated by Keel (`aof-load-truncated yes`) to exactly the size Redis truncates it to,
//! with the digest Redis reports after loading it, and refused with `aof-load-truncated no`.
//!
//! And the samples themselves: keel-server starts on each and serves the stream `st` as Redis
//! does (XRANGE, XLEN); their whole content is compared in `aof_redis.rs`.
//!
//! The Redis parts print SKIP and pass when `redis-server` is not installed.
#![allow(clippy::disallowed_methods, clippy::disallowed_types)] // drives real processes and files

mod support;

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use keel::resp::Frame;
use support::{Client, ServerProcess};

const SAMPLES: &str = "/work/shared/redis-samples";

/// `aof_commands_1` of make.sh.
const COMMANDS_1: &[&[&str]] = &[
    &["set", "a", "1"],
    &["incr", "a"],
    &["incrbyfloat", "fl", "1.5"],
    &["set", "ex:set", "v", "ex", "1000000"],
    &["setex", "ex:setex", "1000000", "v"],
    &["psetex", "ex:psetex", "1000000000", "v"],
    &["set", "ex:expire", "v"],
    &["expire", "ex:expire", "1000000"],
    &["rpush", "l", "a", "b", "c"],
    &["lpop", "l"],
    &["sadd", "s", "1", "2", "3", "x"],
    &["hset", "h", "f1", "v1", "f2", "v2"],
    &["zadd", "z", "1", "one", "2", "two"],
    &["xadd", "st", "5-1", "k", "v"],
];

/// `aof_commands_2` of make.sh; `-n 2` is a SELECT on the same
/// connection (and a SELECT 0 before the last command, which make.sh runs in a new client).
const COMMANDS_2: &[&[&str]] = &[
    &["set", "b", "after rewrite"],
    &["set", "ex:b", "v", "px", "100000000"],
    &["set", "ex:short", "v", "px", "1"],
    &["getex", "a", "ex", "1000000"],
    &["persist", "ex:expire"],
    &["expire", "ex:setex", "-1"],
    &["del", "fl"],
    &["hincrbyfloat", "h", "f3", "2.5"],
    &["zincrby", "z", "5", "one"],
    &["spop", "s"],
    &["rename", "l", "l2"],
    &["lmove", "l2", "l3", "left", "right"],
    &["xadd", "st", "*", "k2", "v2"],
    &["MULTI"],
    &["SET", "m1", "1"],
    &["INCR", "m1"],
    &["EXEC"],
    &["eval", "redis.call('set', KEYS[1], ARGV[1]); redis.call('expire', KEYS[1], 500000)", "1", "lua:key", "v"],
    &["select", "2"],
    &["set", "db2:key", "v"],
    &["select", "0"],
];

/// The last command of `aof_commands_2`, run once `ex:short` is gone (see `redis_generated`),
/// so that it is the last command of the incr file, as in make.sh's samples.
const LAST: &[&str] = &["append", "b", "!"];

fn redis_or_skip() -> bool {
    let ok = support::redis_available() && Command::new("redis-cli").arg("--version").output().is_ok();
    if !ok {
        eprintln!("SKIP: redis-server is not installed; the Redis-generated variants are not checked");
    }
    ok
}

fn text(frame: Frame) -> String {
    match frame {
        Frame::Simple(s) => s,
        Frame::Bulk(b) => String::from_utf8_lossy(&b).into_owned(),
        Frame::Integer(n) => n.to_string(),
        Frame::Array(items) => items.into_iter().map(text).collect::<Vec<_>>().join(","),
        other => format!("{other:?}"),
    }
}

fn run(c: &mut Client, args: &[&str]) -> Frame {
    let args: Vec<&[u8]> = args.iter().map(|a| a.as_bytes()).collect();
    c.cmd(&args)
}

fn ok(c: &mut Client, args: &[&str]) {
    let reply = run(c, args);
    assert!(!matches!(reply, Frame::Error(_)), "{args:?} -> {reply:?}");
}

/// What a server holds: `DEBUG DIGEST`, and per (db, key) its `DEBUG DIGEST-VALUE` and
/// whether it has a TTL.
#[derive(Debug, PartialEq, Eq)]
struct Content {
    digest: String,
    keys: BTreeMap<(u32, String), (String, bool)>,
}

fn content(c: &mut Client) -> Content {
    let digest = text(run(c, &["DEBUG", "DIGEST"]));
    let mut keys = BTreeMap::new();
    for db in 0..16u32 {
        ok(c, &["SELECT", &db.to_string()]);
        let Frame::Array(names) = run(c, &["KEYS", "*"]) else { panic!("KEYS replies an array") };
        for name in names.into_iter().map(text) {
            let value = text(run(c, &["DEBUG", "DIGEST-VALUE", &name]));
            let ttl = matches!(run(c, &["PTTL", &name]), Frame::Integer(n) if n > 0);
            keys.insert((db, name), (value, ttl));
        }
    }
    ok(c, &["SELECT", "0"]);
    Content { digest, keys }
}

/// Wait until no AOF rewrite runs or is scheduled (make.sh's `wait_rewrite`).
fn wait_rewrite(c: &mut Client) {
    let deadline = Instant::now() + Duration::from_secs(30);
    loop {
        let info = text(run(c, &["INFO", "persistence"]));
        if info.contains("aof_rewrite_in_progress:0") && info.contains("aof_rewrite_scheduled:0") {
            return;
        }
        assert!(Instant::now() < deadline, "the AOF rewrite did not finish: {info}");
        std::thread::sleep(Duration::from_millis(50));
    }
}

/// Stop a server with SHUTDOWN and wait for its exit.
fn shutdown(mut srv: ServerProcess, c: &mut Client) {
    let mut bytes = Vec::new();
    keel::resp::encode_command(&[b"SHUTDOWN".as_slice()], &mut bytes);
    c.send_raw(&bytes);
    let _ = c.read_frame(); // the connection closes
    let status = srv.child.wait().expect("wait for the server");
    assert!(status.success(), "SHUTDOWN exits 0");
}

/// make.sh's `make_aof`: a Redis 7.0 multi-part directory
/// (`<returned dir>/appendonlydir`), and what Redis held when it wrote it.
fn redis_generated(preamble: &str) -> (tempfile::TempDir, Content) {
    let made = tempfile::tempdir().expect("tempdir");
    let (srv, mut c) = serve("redis-server", made.path(), &[
        "--appendfsync", "always", "--appenddirname", "appendonlydir", "--appendfilename", "appendonly.aof",
        "--auto-aof-rewrite-percentage", "0", "--aof-use-rdb-preamble", preamble,
    ]);
    wait_rewrite(&mut c);
    for cmd in COMMANDS_1 {
        ok(&mut c, cmd);
    }
    ok(&mut c, &["BGREWRITEAOF"]);
    std::thread::sleep(Duration::from_millis(200));
    wait_rewrite(&mut c);
    for cmd in COMMANDS_2 {
        ok(&mut c, cmd);
    }
    // `ex:short` (PX 1) has expired: a read deletes it and Redis writes that DEL to the AOF,
    // so no server loading the file holds an expired key that its active expiry would delete
    // (and append a DEL for) while the content or the file size is being compared.
    let deadline = Instant::now() + Duration::from_secs(5);
    while run(&mut c, &["EXISTS", "ex:short"]) != Frame::Integer(0) {
        assert!(Instant::now() < deadline, "ex:short never expired");
        std::thread::sleep(Duration::from_millis(5));
    }
    ok(&mut c, LAST);
    let held = content(&mut c);
    assert!(held.keys.contains_key(&(0, "lua:key".to_string())) && held.keys.contains_key(&(2, "db2:key".to_string())), "{held:?}");
    shutdown(srv, &mut c);
    (made, held)
}

fn copy_dir(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).expect("mkdir");
    for entry in std::fs::read_dir(from).expect("read_dir") {
        let entry = entry.expect("entry");
        if entry.file_type().is_ok_and(|t| t.is_file()) {
            let target = to.join(entry.file_name());
            std::fs::copy(entry.path(), &target).expect("copy");
            let mut perm = std::fs::metadata(&target).expect("meta").permissions();
            #[allow(clippy::permissions_set_readonly_false)] // test copies of read-only samples
            perm.set_readonly(false);
            std::fs::set_permissions(&target, perm).expect("chmod");
        }
    }
}

/// A copy of `made/appendonlydir` in a fresh temp dir.
fn copy_of(made: &Path) -> tempfile::TempDir {
    let dir = tempfile::tempdir().expect("tempdir");
    copy_dir(&made.join("appendonlydir"), &dir.path().join("appendonlydir"));
    dir
}

fn incr_file(dir: &Path) -> PathBuf {
    let aof_dir = dir.join("appendonlydir");
    let names: Vec<String> = std::fs::read_dir(&aof_dir).expect("dir").filter_map(|e| e.ok()).map(|e| e.file_name().to_string_lossy().into_owned()).collect();
    aof_dir.join(names.iter().find(|n| n.ends_with(".incr.aof")).expect("an incr file"))
}

fn size(path: &Path) -> u64 {
    std::fs::metadata(path).expect("meta").len()
}

/// `program` (`redis-server` or keel-server) serving `dir` with `appendonly yes` and `extra`,
/// once it answers PING (not `-LOADING`).
fn serve(program: &str, dir: &Path, extra: &[&str]) -> (ServerProcess, Client) {
    let port = support::free_port();
    let program = if program == "keel" { env!("CARGO_BIN_EXE_keel-server") } else { program };
    let port_text = port.to_string();
    let mut args = vec!["--port", &port_text, "--save", "", "--dir", dir.to_str().expect("utf-8 path")];
    args.extend(["--enable-debug-command", "yes", "--appendonly", "yes"]);
    args.extend_from_slice(extra);
    let child = Command::new(program).args(&args).stdout(Stdio::null()).stderr(Stdio::null()).spawn().expect("spawn the server");
    let srv = ServerProcess { child, port, dir: tempfile::tempdir().expect("tempdir") };
    let deadline = Instant::now() + Duration::from_secs(20);
    loop {
        if std::net::TcpStream::connect(("127.0.0.1", port)).is_ok() {
            let mut c = Client::connect(port);
            if run(&mut c, &["PING"]) == Frame::Simple("PONG".into()) {
                return (srv, c);
            }
        }
        assert!(Instant::now() < deadline, "{program} did not serve {}", dir.display());
        std::thread::sleep(Duration::from_millis(20));
    }
}

/// Run keel-server on `dir` expecting it to refuse to start; its exit code and stdout.
fn keel_refuses(dir: &Path, extra: &[&str]) -> (Option<i32>, String) {
    let port = support::free_port().to_string();
    let mut args = vec!["--port", &port, "--save", "", "--dir", dir.to_str().expect("utf-8 path"), "--appendonly", "yes"];
    args.extend_from_slice(extra);
    let mut child = Command::new(env!("CARGO_BIN_EXE_keel-server")).args(&args).stdout(Stdio::piped()).stderr(Stdio::null()).spawn().expect("spawn keel-server");
    let deadline = Instant::now() + Duration::from_secs(30);
    while child.try_wait().expect("try_wait").is_none() {
        if Instant::now() > deadline {
            let _ = child.kill();
            panic!("keel-server kept running on {}", dir.display());
        }
        std::thread::sleep(Duration::from_millis(20));
    }
    let out = child.wait_with_output().expect("output");
    (out.status.code(), String::from_utf8_lossy(&out.stdout).into_owned())
}

#[test]
fn redis_generated_directories_load_into_keel_with_the_same_content() {
    if !redis_or_skip() {
        return;
    }
    for preamble in ["no", "yes"] {
        let (made, held) = redis_generated(preamble);
        let base_is_rdb = std::fs::read_dir(made.path().join("appendonlydir")).expect("dir").filter_map(|e| e.ok()).any(|e| e.file_name().to_string_lossy().ends_with(".base.rdb"));
        assert_eq!(base_is_rdb, preamble == "yes", "aof-use-rdb-preamble {preamble}");
        let dir = copy_of(made.path());
        let (_keel, mut c) = serve("keel", dir.path(), &[]);
        assert_eq!(content(&mut c), held, "aof-use-rdb-preamble {preamble}");
    }
}

#[test]
fn a_truncated_redis_generated_incr_file_is_cut_where_redis_cuts_it() {
    if !redis_or_skip() {
        return;
    }
    for preamble in ["no", "yes"] {
        let (made, _) = redis_generated(preamble);
        let incr = incr_file(made.path());
        let bytes = std::fs::read(&incr).expect("incr file");
        assert!(bytes.ends_with(b"*3\r\n$6\r\nappend\r\n$1\r\nb\r\n$1\r\n!\r\n"), "the cut falls in the last APPEND, as in make.sh");
        let cut = size(&incr) - 5;
        std::fs::OpenOptions::new().write(true).open(&incr).expect("open").set_len(cut).expect("cut 5 bytes");

        let for_redis = copy_of(made.path());
        let (redis, mut rc) = serve("redis-server", for_redis.path(), &["--appenddirname", "appendonlydir", "--aof-load-truncated", "yes"]);
        let redis_content = content(&mut rc);
        drop(redis);
        let redis_size = size(&incr_file(for_redis.path()));
        assert!(redis_size < cut, "Redis truncated the torn command ({preamble})");

        let for_keel = copy_of(made.path());
        let (keel, mut kc) = serve("keel", for_keel.path(), &["--aof-load-truncated", "yes"]);
        assert_eq!(content(&mut kc), redis_content, "aof-use-rdb-preamble {preamble}");
        drop(keel);
        assert_eq!(size(&incr_file(for_keel.path())), redis_size, "aof-use-rdb-preamble {preamble}");

        let strict = copy_of(made.path());
        let (code, out) = keel_refuses(strict.path(), &["--aof-load-truncated", "no"]);
        assert_eq!(code, Some(1), "{out}");
        assert!(out.contains("Unexpected end of file reading the append only file appendonly.aof."), "{out}");
        assert_eq!(size(&incr_file(strict.path())), cut, "a refused start-up truncates nothing");
    }
}

/// keel-server starts on each sample and serves its stream as a Redis started on it does.
#[test]
fn keel_server_serves_the_stream_of_each_sample_as_redis_does() {
    if !redis_or_skip() || !Path::new(SAMPLES).join("aof-preamble").exists() {
        eprintln!("SKIP: {SAMPLES} missing");
        return;
    }
    for sample in ["aof-resp", "aof-truncated", "aof-preamble"] {
        let mut replies = Vec::new();
        for program in ["redis-server", "keel"] {
            let dir = tempfile::tempdir().expect("tempdir");
            copy_dir(&Path::new(SAMPLES).join(sample), &dir.path().join("appendonlydir"));
            let (_srv, mut c) = serve(program, dir.path(), &["--aof-load-truncated", "yes"]);
            replies.push([run(&mut c, &["XRANGE", "st", "-", "+"]), run(&mut c, &["XLEN", "st"]), run(&mut c, &["TYPE", "st"])]);
        }
        assert_eq!(replies[1], replies[0], "{sample}");
        assert_eq!(replies[0][2], Frame::Simple("stream".into()), "{sample}");
    }
}
