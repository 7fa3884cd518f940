//! Differential test of the list family: the same seeded workload of every list command
//! (blocking ones included, with a tiny timeout or on non-empty keys, and inside MULTI) goes to
//! `keel-server` and Debian's `redis-server` 7.0; every reply must be identical, `OBJECT
//! ENCODING` included (both say `quicklist`), and `DEBUG DIGEST` must agree at the end. Lists
//! grow past a node (values of 0..300 bytes, pushes of up to 40 elements) so quicklists of
//! several nodes, with integer and string entries, are exercised. A second run uses
//! `list-max-ziplist-size 4` and `list-compress-depth 1` (compressed interior nodes).
//! Prints `SKIP` when redis-server is absent.
#![allow(clippy::disallowed_methods, clippy::disallowed_types)] // drives real processes

mod support;

use keel::resp::Frame;
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;
use support::{b, pick, redis_available, start_keel, start_redis, Client};

const KEYS: [&str; 5] = ["l0", "l1", "l2", "l3", "str"];

fn key(rng: &mut ChaCha8Rng) -> Vec<u8> {
    b(pick(rng, &KEYS[..4]).to_string().as_str())
}

fn any_key(rng: &mut ChaCha8Rng) -> Vec<u8> {
    b(pick(rng, &KEYS))
}

/// Elements from a small pool (so LREM/LPOS/LINSERT find them), integers, and long strings.
fn elem(rng: &mut ChaCha8Rng) -> Vec<u8> {
    match rng.gen_range(0..10) {
        0..=3 => b(pick(rng, &["a", "b", "c", "1", "2", "-7", "007", ""])),
        4 | 5 => rng.gen_range(-200i64..200).to_string().into_bytes(),
        6 => i64::MIN.to_string().into_bytes(),
        7 => vec![b'x'; rng.gen_range(60..70)],
        8 => vec![b'y'; rng.gen_range(250..300)],
        _ => format!("e{}", rng.gen_range(0..30)).into_bytes(),
    }
}

fn index(rng: &mut ChaCha8Rng) -> Vec<u8> {
    match rng.gen_range(0..10) {
        0 => b(pick(rng, &["abc", "-9223372036854775808", "9223372036854775807"])),
        1..=3 => rng.gen_range(-3i64..3).to_string().into_bytes(),
        _ => rng.gen_range(-60i64..60).to_string().into_bytes(),
    }
}

fn side(rng: &mut ChaCha8Rng) -> Vec<u8> {
    b(pick(rng, &["LEFT", "RIGHT", "left", "Right", "up"]))
}

fn push(rng: &mut ChaCha8Rng) -> Vec<Vec<u8>> {
    let mut c = vec![b(pick(rng, &["LPUSH", "RPUSH", "LPUSH", "RPUSH", "LPUSHX", "RPUSHX"])), any_key(rng)];
    let n = if rng.gen_bool(0.2) { rng.gen_range(10..40) } else { rng.gen_range(1..4) };
    c.extend((0..n).map(|_| elem(rng)));
    c
}

fn lpos(rng: &mut ChaCha8Rng) -> Vec<Vec<u8>> {
    let mut c = vec![b("LPOS"), any_key(rng), elem(rng)];
    for _ in 0..rng.gen_range(0..3) {
        let opt = pick(rng, &["RANK", "COUNT", "MAXLEN", "BOGUS"]);
        c.extend([b(opt), index(rng)]);
    }
    c
}

fn mpop(rng: &mut ChaCha8Rng, blocking: bool) -> Vec<Vec<u8>> {
    let mut c = if blocking { vec![b("BLMPOP"), b("0.01")] } else { vec![b("LMPOP")] };
    let n = rng.gen_range(1..4);
    c.push(if rng.gen_bool(0.1) { index(rng) } else { n.to_string().into_bytes() });
    c.extend((0..n).map(|_| any_key(rng)));
    c.push(side(rng));
    if rng.gen_bool(0.6) {
        c.extend([b("COUNT"), if rng.gen_bool(0.2) { index(rng) } else { rng.gen_range(1i64..8).to_string().into_bytes() }]);
    }
    c
}

fn blocking(rng: &mut ChaCha8Rng) -> Vec<Vec<u8>> {
    let timeout = b(pick(rng, &["0.01", "0.01", "0.01", "-1", "abc", "0.02"]));
    match rng.gen_range(0..4) {
        0 => vec![b(pick(rng, &["BLPOP", "BRPOP"])), any_key(rng), any_key(rng), timeout],
        1 => vec![b("BLMOVE"), any_key(rng), any_key(rng), side(rng), side(rng), timeout],
        2 => vec![b("BRPOPLPUSH"), any_key(rng), any_key(rng), timeout],
        _ => mpop(rng, true),
    }
}

fn list_command(rng: &mut ChaCha8Rng) -> Vec<Vec<u8>> {
    match rng.gen_range(0..40) {
        0..=9 => push(rng),
        10 => vec![b("LINSERT"), any_key(rng), b(pick(rng, &["BEFORE", "AFTER", "after", "middle"])), elem(rng), elem(rng)],
        11 => vec![b("LLEN"), any_key(rng)],
        12 => vec![b("LINDEX"), any_key(rng), index(rng)],
        13 => vec![b("LSET"), any_key(rng), index(rng), elem(rng)],
        14 | 15 => vec![b("LRANGE"), any_key(rng), index(rng), index(rng)],
        16 => vec![b("LTRIM"), any_key(rng), index(rng), index(rng)],
        17 => vec![b("LREM"), any_key(rng), index(rng), elem(rng)],
        18 => lpos(rng),
        19..=21 => {
            let mut c = vec![b(pick(rng, &["LPOP", "RPOP"])), any_key(rng)];
            if rng.gen_bool(0.5) {
                c.push(index(rng));
            }
            c
        }
        22 => vec![b("RPOPLPUSH"), key(rng), key(rng)],
        23 => vec![b("LMOVE"), key(rng), key(rng), side(rng), side(rng)],
        24 => mpop(rng, false),
        25 => blocking(rng),
        26 => vec![b("OBJECT"), b("ENCODING"), any_key(rng)],
        27 => vec![b("SET"), b("str"), elem(rng)],
        28 => vec![b("DEL"), key(rng)],
        29 => vec![b("RENAME"), key(rng), key(rng)],
        30 => vec![b("MULTI")],
        31 => vec![b("EXEC")],
        32 => vec![b("DEBUG"), b("DIGEST-VALUE"), key(rng)],
        33 => vec![b("LPOP"), any_key(rng), b("1"), b("2")],
        _ => vec![b("LRANGE"), key(rng), b("0"), b("-1")],
    }
}

fn show(cmd: &[Vec<u8>]) -> Vec<String> {
    cmd.iter().map(|x| String::from_utf8_lossy(x).into_owned()).collect()
}

fn run_workload(seed: u64, commands: usize, extra: &[&str]) {
    let keel_server = start_keel(extra);
    let redis_server = start_redis(extra);
    let mut keel: Vec<Client> = (0..2).map(|_| Client::connect(keel_server.port)).collect();
    let mut redis: Vec<Client> = (0..2).map(|_| Client::connect(redis_server.port)).collect();
    let mut rng = ChaCha8Rng::seed_from_u64(seed);
    let mut in_multi = [false; 2];
    for i in 0..commands {
        let client = rng.gen_range(0..2);
        let cmd = list_command(&mut rng);
        let args: Vec<&[u8]> = cmd.iter().map(Vec::as_slice).collect();
        let (x, y) = (keel[client].cmd(&args), redis[client].cmd(&args));
        assert_eq!(x, y, "seed {seed}, command #{i} on client {client}: {:?}", show(&cmd));
        match cmd[0].as_slice() {
            b"MULTI" => in_multi[client] = true,
            b"EXEC" => in_multi[client] = false,
            _ => {}
        }
    }
    for client in 0..2 {
        if in_multi[client] {
            assert_eq!(keel[client].cmd_str("EXEC"), redis[client].cmd_str("EXEC"), "seed {seed}: final EXEC");
        }
    }
    for k in KEYS {
        let (x, y) = (keel[0].cmd_str(&format!("LRANGE {k} 0 -1")), redis[0].cmd_str(&format!("LRANGE {k} 0 -1")));
        assert_eq!(x, y, "seed {seed}: final contents of {k}");
    }
    assert_eq!(keel[0].cmd_str("DEBUG DIGEST"), redis[0].cmd_str("DEBUG DIGEST"), "seed {seed}: datasets differ at the end");
}

#[test]
fn list_commands_reply_like_redis_server() {
    if !redis_available() {
        eprintln!("SKIP: redis-server not installed; list differential test not run");
        return;
    }
    let seeds: u64 = std::env::var("KEEL_DIFF_SEEDS").ok().and_then(|v| v.parse().ok()).unwrap_or(3);
    for seed in 1..=seeds {
        run_workload(seed, 2500, &[]);
    }
}

#[test]
fn list_commands_reply_like_redis_server_with_small_compressed_nodes() {
    if !redis_available() {
        eprintln!("SKIP: redis-server not installed; list differential test not run");
        return;
    }
    run_workload(100, 2500, &["--list-max-ziplist-size", "4", "--list-compress-depth", "1"]);
}

#[test]
fn blocked_clients_are_served_like_redis_server() {
    if !redis_available() {
        eprintln!("SKIP: redis-server not installed; list differential test not run");
        return;
    }
    let (keel_server, redis_server) = (start_keel(&[]), start_redis(&[]));
    for port in [keel_server.port, redis_server.port] {
        let mut waiters: Vec<Client> = (0..3).map(|_| Client::connect(port)).collect();
        let mut pusher = Client::connect(port);
        for (w, line) in waiters.iter_mut().zip(["BLPOP q 0", "BLMOVE q d RIGHT LEFT 0", "BLMPOP 0 1 q LEFT COUNT 2"]) {
            let args: Vec<&[u8]> = line.split_whitespace().map(str::as_bytes).collect();
            let mut out = Vec::new();
            keel::resp::encode_command(&args, &mut out);
            w.send_raw(&out);
        }
        // Let the servers park the waiters in order before pushing.
        std::thread::sleep(std::time::Duration::from_millis(200));
        assert_eq!(pusher.cmd_str("RPUSH q 1 2 3 4 5"), Frame::Integer(5));
        let got: Vec<Option<Frame>> = waiters.iter_mut().map(Client::read_frame).collect();
        let want = vec![
            Some(Frame::Array(vec![Frame::Bulk(b"q".to_vec()), Frame::Bulk(b"1".to_vec())])),
            Some(Frame::Bulk(b"5".to_vec())),
            Some(Frame::Array(vec![Frame::Bulk(b"q".to_vec()), Frame::Array(vec![Frame::Bulk(b"2".to_vec()), Frame::Bulk(b"3".to_vec())])])),
        ];
        assert_eq!(got, want, "port {port}");
        assert_eq!(pusher.cmd_str("LRANGE q 0 -1"), Frame::Array(vec![Frame::Bulk(b"4".to_vec())]));
    }
}
