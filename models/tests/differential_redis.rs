//! Differential test: the model against a real `redis-server` (7.0 on the CI machine) on a
//! seeded random workload over every command the model implements.
//!
//! The test starts `redis-server` on a free loopback port with persistence off and active
//! expiry disabled (`DEBUG SET-ACTIVE-EXPIRE 0`, so expired keys stay in Redis's dict until a
//! lookup, as in the model), sends the workload through a minimal RESP2 client from several
//! connections (MULTI/WATCH interplay), and compares every reply. TTLs are far in the future or
//! in the past so wall-clock timing cannot flake; TTL-family replies get a small tolerance.
//! When `redis-server` is not installed it prints `SKIP: ...` and passes.
//!
//! Replay: `KEEL_DIFF_SEED=<n> cargo test -p keel-models --test differential_redis`.

// This test talks to a real server over TCP and needs the wall clock (Redis uses it for expiry),
// which the workspace's determinism lints forbid in the engine.
#![allow(clippy::disallowed_methods, clippy::disallowed_types)]

mod support;

use std::collections::VecDeque;
use std::time::{SystemTime, UNIX_EPOCH};

use keel_models::{Model, Reply};
use support::redis::RedisServer;
use support::workload::Workload;

const COMMANDS: usize = 6_000;
const CLIENTS: usize = 3;
/// How many recent steps a failure prints.
const TRACE_LEN: usize = 40;
/// Model client id of the paranoid-mode DBSIZE probe connection.
const PROBE_CLIENT: u64 = 1_000;
const DEFAULT_SEED: u64 = 0x6b65_656c_2d6d_6f64;

fn now_ms() -> i64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| d.as_millis() as i64)
}

fn name(argv: &[Vec<u8>]) -> String {
    String::from_utf8_lossy(&argv[0]).to_ascii_lowercase()
}

/// TTL-family replies depend on the exact millisecond each side read its clock.
fn within_clock_tolerance(cmd: &str, expected: &Reply, found: &Reply) -> bool {
    let tolerance = match cmd {
        "ttl" | "expiretime" => 1,
        "pttl" | "pexpiretime" => 2_000,
        _ => return false,
    };
    matches!((expected, found), (Reply::Int(a), Reply::Int(b)) if *a >= 0 && (a - b).abs() <= tolerance)
}

#[test]
fn model_agrees_with_redis_server_on_seeded_random_workload() {
    let Some(server) = RedisServer::start() else {
        println!("SKIP: redis-server not installed");
        return;
    };
    let seed = std::env::var("KEEL_DIFF_SEED")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(DEFAULT_SEED);
    let mut conns: Vec<_> = (0..CLIENTS).map(|_| server.connect()).collect();
    let _ = conns[0].call(&[
        b"DEBUG".to_vec(),
        b"SET-ACTIVE-EXPIRE".to_vec(),
        b"0".to_vec(),
    ]);
    let mut model = Model::new();
    let paranoid = std::env::var("KEEL_DIFF_PARANOID").is_ok();
    let mut probe = server.connect();
    let mut workload = Workload::new(seed, CLIENTS);
    let mut compared = 0;
    let mut trace: VecDeque<String> = VecDeque::new();
    for step in 0..COMMANDS {
        let now = now_ms();
        let (client, argv) = workload.next(now);
        let found = conns[client].call(&argv);
        let line = format!(
            "step {step} client {client} db {} {:?} -> {found}",
            model.selected_db(client as u64),
            printable(&argv)
        );
        if trace.len() == TRACE_LEN {
            trace.pop_front();
        }
        trace.push_back(line);
        let recent = trace.iter().cloned().collect::<Vec<_>>().join("\n  ");
        let context = || {
            format!(
                "recent steps:\n  {recent}\nseed {seed} step {step} client {client} {:?}",
                printable(&argv)
            )
        };
        if Model::is_nondeterministic(&argv) {
            if let Err(e) = model.check_and_adopt(client as u64, &argv, now, &found) {
                panic!("{}: {e}", context());
            }
        } else {
            let expected = model.apply(client as u64, &argv, now);
            if expected != found && !within_clock_tolerance(&name(&argv), &expected, &found) {
                panic!("{}: expected {expected}, found {found}", context());
            }
        }
        workload.observe(client, &argv, &found);
        if paranoid {
            // Replay aid: check db 0's size after every step to find where a divergence starts.
            let dbsize = vec![b"DBSIZE".to_vec()];
            let size = probe.call(&dbsize);
            if let Err(e) = model.check_and_adopt(PROBE_CLIENT, &dbsize, now_ms(), &size) {
                panic!("{}: after this step, db 0 {e}", context());
            }
        }
        compared += 1;
    }
    assert_eq!(compared, COMMANDS);
    println!("compared {compared} replies with redis-server (seed {seed})");
}

fn printable(argv: &[Vec<u8>]) -> Vec<String> {
    argv.iter()
        .map(|a| String::from_utf8_lossy(a).into_owned())
        .collect()
}
