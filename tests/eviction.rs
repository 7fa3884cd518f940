//! Eviction under `maxmemory`: which keys each policy picks, that volatile policies never touch
//! keys without a TTL, that `noeviction` answers OOM to denyoom commands, and (against a real
//! keel-server process and its counting allocator) that `used_memory` stays under the limit
//! during a write load.
//!
//! The in-process tests drive the server on the simulated environment with a memory gauge
//! that the test sets: it stays over the limit, so the server keeps evicting until nothing
//! is left under the policy, and the order of the propagated `DEL`s shows its preferences.
#![allow(clippy::disallowed_methods, clippy::disallowed_types)] // the process test reads INFO over TCP

mod support;

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;

use keel::config::{Config, MaxmemoryPolicy};
use keel::env::MemoryGauge;
use keel::resp::{encode_command, Frame};
use keel::server::Server;
use keel_sim::env::SimEnv;
use keel_sim::fs::FaultConfig;

struct FixedGauge(AtomicUsize);

impl MemoryGauge for FixedGauge {
    fn used(&self) -> usize {
        self.0.load(Ordering::Relaxed)
    }
    fn rss(&self) -> usize {
        self.used()
    }
}

struct Rig {
    sim: SimEnv,
    server: Server,
    gauge: Arc<FixedGauge>,
    client: u64,
}

fn rig(policy: MaxmemoryPolicy) -> Rig {
    let sim = SimEnv::new(7, FaultConfig::default());
    let gauge = Arc::new(FixedGauge(AtomicUsize::new(0)));
    let mut env = sim.env();
    env.memory = gauge.clone();
    let mut config = Config::default();
    config.save_points.clear();
    config.maxmemory = 1_000_000;
    config.maxmemory_policy = policy;
    let mut server = Server::new(env, config);
    let client = server.connect("sim:1".into(), "sim:0".into());
    Rig { sim, server, gauge, client }
}

impl Rig {
    fn cmd(&mut self, line: &str) -> Frame {
        let args: Vec<&[u8]> = line.split_whitespace().map(str::as_bytes).collect();
        let mut bytes = Vec::new();
        encode_command(&args, &mut bytes);
        self.server.feed(self.client, &bytes);
        self.server.before_sleep();
        let out = self.server.pending_output(self.client).expect("connected").to_vec();
        self.server.output_sent(self.client, out.len());
        keel::resp::parse_frame(&out, &keel::resp::FrameLimits::default()).expect("valid").expect("complete").0
    }

    /// Keys deleted by eviction, in order, while running `line` over the limit.
    fn evicted_by(&mut self, line: &str) -> (Frame, Vec<String>) {
        self.gauge.0.store(2_000_000, Ordering::Relaxed);
        self.server.effects_log = Some(Vec::new());
        let reply = self.cmd(line);
        self.gauge.0.store(0, Ordering::Relaxed);
        let log = self.server.effects_log.take().expect("enabled");
        let dels = log.iter().filter(|e| e.argv[0] == b"DEL").map(|e| String::from_utf8_lossy(&e.argv[1]).into_owned()).collect();
        (reply, dels)
    }
}

#[test]
fn noeviction_refuses_denyoom_commands_but_serves_reads() {
    let mut r = rig(MaxmemoryPolicy::NoEviction);
    r.cmd("SET k v");
    r.gauge.0.store(2_000_000, Ordering::Relaxed);
    assert_eq!(r.cmd("SET k2 v"), Frame::Error("OOM command not allowed when used memory > 'maxmemory'.".into()));
    assert_eq!(r.cmd("GET k"), Frame::Bulk(b"v".to_vec()));
    assert_eq!(r.cmd("DEL k"), Frame::Integer(1), "DEL is not denyoom");
}

#[test]
fn allkeys_lru_evicts_the_least_recently_used_first() {
    let mut r = rig(MaxmemoryPolicy::AllkeysLru);
    for i in 0..50 {
        r.cmd(&format!("SET cold:{i} x"));
    }
    r.sim.clock.advance_ms(100_000);
    for i in 0..50 {
        r.cmd(&format!("SET hot:{i} x"));
    }
    let (_, evicted) = r.evicted_by("SET new x");
    let first: Vec<&String> = evicted.iter().take(20).collect();
    let cold = first.iter().filter(|k| k.starts_with("cold:")).count();
    assert!(cold >= 18, "the first 20 evictions should be cold keys, got {first:?}");
}

#[test]
fn volatile_policies_never_touch_keys_without_ttl() {
    for policy in [MaxmemoryPolicy::VolatileLru, MaxmemoryPolicy::VolatileLfu, MaxmemoryPolicy::VolatileRandom, MaxmemoryPolicy::VolatileTtl] {
        let mut r = rig(policy);
        for i in 0..30 {
            r.cmd(&format!("SET persistent:{i} x"));
            r.cmd(&format!("SET volatile:{i} x EX {}", 1000 + i));
        }
        let (reply, evicted) = r.evicted_by("SET new x");
        assert!(evicted.iter().all(|k| k.starts_with("volatile:")), "{policy:?} evicted {evicted:?}");
        assert_eq!(evicted.len(), 30, "{policy:?}: every volatile key goes before giving up");
        assert_eq!(reply, Frame::Error("OOM command not allowed when used memory > 'maxmemory'.".into()));
        assert_eq!(r.server.ks.dbs[0].len(), 30);
        assert_eq!(r.server.ks.stats.evicted_keys, 30);
    }
}

#[test]
fn volatile_ttl_evicts_the_nearest_expire_first() {
    let mut r = rig(MaxmemoryPolicy::VolatileTtl);
    for i in 0..40 {
        r.cmd(&format!("SET k:{i:02} x EX {}", 100 + i * 10));
    }
    let (_, evicted) = r.evicted_by("SET new x");
    let first: Vec<&String> = evicted.iter().take(10).collect();
    let soon = first.iter().filter(|k| k[2..].parse::<u32>().is_ok_and(|n| n < 20)).count();
    assert!(soon >= 8, "keys expiring soonest should go first: {first:?}");
}

#[test]
fn used_memory_stays_under_maxmemory_with_allkeys_lru_under_a_write_load() {
    let server = support::start_keel(&["--maxmemory", "8mb", "--maxmemory-policy", "allkeys-lru"]);
    let mut c = support::Client::connect(server.port);
    let value = vec![b'v'; 200];
    let mut batch = Vec::new();
    for i in 0..60_000u32 {
        let key = format!("key:{i}");
        encode_command(&[b"SET", key.as_bytes(), &value], &mut batch);
        if i % 500 == 499 {
            c.send_raw(&batch);
            batch.clear();
            for _ in 0..500 {
                assert_eq!(c.read_frame(), Some(Frame::Simple("OK".into())));
            }
        }
    }
    let info = match c.cmd_str("INFO") {
        Frame::Bulk(b) => String::from_utf8_lossy(&b).into_owned(),
        other => panic!("INFO: {other:?}"),
    };
    let field = |name: &str| -> u64 {
        info.lines().find_map(|l| l.strip_prefix(&format!("{name}:"))).and_then(|v| v.trim().parse().ok()).unwrap_or_else(|| panic!("{name} in INFO"))
    };
    let used = field("used_memory");
    assert!(field("evicted_keys") > 0, "the load is larger than maxmemory, something must be evicted");
    assert!(used <= 8 * 1024 * 1024 + 512 * 1024, "used_memory {used} far above maxmemory 8mb");
}
