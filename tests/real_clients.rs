//! Unmodified `redis-cli` and `redis-benchmark` against `keel-server`: they must run without
//! errors. Skipped with a notice when redis-tools is not installed (`.ci/run` installs it).
#![allow(clippy::disallowed_methods, clippy::disallowed_types)] // drives real processes

mod support;

use std::process::Command;

fn tool_available(name: &str) -> bool {
    Command::new(name).arg("--version").output().is_ok_and(|o| o.status.success())
}

#[test]
fn redis_cli_talks_to_keel() {
    if !tool_available("redis-cli") {
        eprintln!("SKIP: redis-cli not installed (apt-get install -y redis-tools)");
        return;
    }
    let server = support::start_keel(&[]);
    let port = server.port.to_string();
    let run = |args: &[&str]| {
        let out = Command::new("redis-cli").args(["-p", &port]).args(args).output().expect("run redis-cli");
        assert!(out.status.success(), "redis-cli {args:?} failed: {}", String::from_utf8_lossy(&out.stderr));
        String::from_utf8_lossy(&out.stdout).trim_end().to_string()
    };
    assert_eq!(run(&["ping"]), "PONG");
    assert_eq!(run(&["set", "greeting", "hello world"]), "OK");
    assert_eq!(run(&["get", "greeting"]), "hello world");
    assert_eq!(run(&["incrby", "n", "41"]), "41");
    assert_eq!(run(&["--no-raw", "incr", "n"]), "(integer) 42");
    assert!(run(&["info", "keyspace"]).contains("db0:keys=2,expires=0"));
    assert_eq!(run(&["--scan"]).lines().count(), 2);
    let piped = Command::new("sh")
        .arg("-c")
        .arg(format!("printf 'SET a 1\\nINCR a\\nGET a\\n' | redis-cli -p {port}"))
        .output()
        .expect("pipe into redis-cli");
    assert_eq!(String::from_utf8_lossy(&piped.stdout), "OK\n2\n2\n");
}

#[test]
fn redis_benchmark_runs_without_errors_with_and_without_pipelining() {
    if !tool_available("redis-benchmark") {
        eprintln!("SKIP: redis-benchmark not installed (apt-get install -y redis-tools)");
        return;
    }
    let server = support::start_keel(&[]);
    let port = server.port.to_string();
    for pipeline in ["1", "16"] {
        let out = Command::new("redis-benchmark")
            .args(["-p", &port, "-t", "set,get,incr,mset", "-n", "20000", "-q", "-P", pipeline])
            .output()
            .expect("run redis-benchmark");
        let text = String::from_utf8_lossy(&out.stdout).to_string() + &String::from_utf8_lossy(&out.stderr);
        assert!(out.status.success(), "redis-benchmark -P {pipeline} failed: {text}");
        assert!(!text.to_lowercase().contains("error"), "redis-benchmark -P {pipeline} reported errors: {text}");
        for test in ["SET", "GET", "INCR", "MSET"] {
            assert!(text.contains(&format!("{test}: ")) || text.contains(&format!("{test} (")), "no {test} result in: {text}");
        }
    }
    let mut c = support::Client::connect(server.port);
    // Without -r every INCR hits the same key: both runs' increments must all have landed.
    assert_eq!(c.cmd_str("GET counter:__rand_int__"), keel::resp::Frame::Bulk(b"40000".to_vec()));
}
