//! The short scenarios of the bounded exhaustive mode (`keel-sim exhaust`): a few commands
//! each, on a perfect disk (no injected faults, instant fsyncs), one client, no automatic
//! rewrites or save points unless the scenario is about them. Each is small enough that every
//! crash point × every power-loss state can be run (see `exhaust.rs`).
//!
//! Values of 700 and 1,300 bytes make AOF writes span two and three 512-byte sectors, so torn
//! writes are among the power-loss states; child steps are generous (extra steps without a child do nothing) and an
//! `Advance` past the cron period lets cron reap the child and run the done handler.

use keel::config::AppendFsync;

use crate::fs::FaultConfig;
use crate::scenario::{Event, PersistMode, ScenarioConfig};

/// One exhaustive-mode scenario.
#[derive(Clone, Debug)]
pub struct ExhaustScenario {
    pub name: &'static str,
    pub about: &'static str,
    pub config: ScenarioConfig,
    pub events: Vec<Event>,
}

/// Seed of every exhaustive scenario (only engine hash seeds and latencies draw from it).
pub const SEED: u64 = 1;

fn config(mode: PersistMode, preamble: bool) -> ScenarioConfig {
    let mut c = ScenarioConfig::from_seed_with(SEED, mode);
    c.hz = 10;
    c.clients = 1;
    c.save_points = Vec::new();
    c.auto_aof_rewrite_percentage = 0;
    c.aof_use_rdb_preamble = preamble;
    c.no_appendfsync_on_rewrite = false;
    c.runtime_policy_changes = false;
    c.faults = FaultConfig::default();
    c
}

fn aof(policy: AppendFsync) -> ScenarioConfig {
    config(PersistMode::Aof(policy), false)
}

fn big(tag: char) -> String {
    std::iter::repeat_n(tag, 700).collect()
}

fn bigger(tag: char) -> String {
    std::iter::repeat_n(tag, 1300).collect()
}

fn set(key: &str, value: &str) -> Event {
    Event::send(0, &[&["SET", key, value]])
}

fn admin(cmd: &str) -> Event {
    Event::Admin { cmd: vec![cmd.to_string()] }
}

/// Child steps, then time for cron to reap the child (hz 10: one cron per 100 ms).
fn finish_child() -> Vec<Event> {
    let mut out = vec![Event::ChildStep; 12];
    out.push(Event::Advance { us: 250_000 });
    out
}

/// SET, SET of a two-sector value, a pipelined SET + INCR, a three-sector SET and a DEL, each
/// flushed.
fn sets() -> Vec<Event> {
    vec![
        set("k1", "v1"),
        Event::Flush,
        set("k2", &big('a')),
        Event::Flush,
        Event::send(0, &[&["SET", "k3", "v3"], &["INCR", "n"]]),
        Event::Flush,
        set("k4", &bigger('b')),
        Event::Flush,
        Event::send(0, &[&["DEL", "k1"]]),
        Event::Flush,
    ]
}

/// A background job (BGREWRITEAOF or BGSAVE) racing one write.
fn racing(cmd: &str) -> Vec<Event> {
    let mut events = vec![set("k1", &big('a')), Event::Flush, admin(cmd), Event::ChildStep, set("k2", "racing"), Event::Flush];
    events.extend(finish_child());
    events.extend([set("k3", "after"), Event::Flush]);
    events
}

/// Every exhaustive scenario.
pub fn scenarios() -> Vec<ExhaustScenario> {
    let everysec_events = {
        let mut e = sets();
        e.insert(2, Event::Advance { us: 1_100_000 });
        e.push(Event::Advance { us: 1_100_000 });
        e
    };
    let slow_fsync = {
        let mut c = aof(AppendFsync::Everysec);
        c.faults.fsync_latency_us = (600_000, 600_000);
        c
    };
    let flushall_save = {
        let mut c = config(PersistMode::Rdb, false);
        c.save_points = vec![(3600, 1000)];
        c
    };
    vec![
        ExhaustScenario { name: "set-always", about: "SETs under appendfsync always", config: aof(AppendFsync::Always), events: sets() },
        ExhaustScenario {
            name: "set-everysec",
            about: "SETs under appendfsync everysec, with the background fsyncs of two seconds",
            config: aof(AppendFsync::Everysec),
            events: everysec_events,
        },
        ExhaustScenario { name: "set-no", about: "SETs under appendfsync no", config: aof(AppendFsync::No), events: sets() },
        ExhaustScenario {
            name: "everysec-slow-fsync",
            about: "everysec with 600 ms fsyncs: writes arrive while a background fsync is pending",
            config: slow_fsync,
            events: vec![
                set("k1", &big('a')),
                Event::Flush,
                Event::Advance { us: 1_100_000 },
                set("k2", "v2"),
                Event::Flush,
                Event::Advance { us: 300_000 },
                set("k3", &bigger('c')),
                Event::Flush,
                Event::Advance { us: 2_500_000 },
            ],
        },
        ExhaustScenario {
            name: "multi-exec-always",
            about: "a MULTI/EXEC of a two-sector SET and an INCR under always (never half a transaction)",
            config: aof(AppendFsync::Always),
            events: vec![
                Event::send(0, &[&["MULTI"], &["SET", "t1", &bigger('t')], &["INCR", "t2"], &["EXEC"]]),
                Event::Flush,
                Event::send(0, &[&["MULTI"], &["DEL", "t1"], &["SET", "t3", &big('u')], &["EXEC"]]),
                Event::Flush,
            ],
        },
        ExhaustScenario {
            name: "expire-always",
            about: "a key with a 50 ms TTL expired actively (a DEL in the AOF) under always",
            config: aof(AppendFsync::Always),
            events: vec![
                Event::send(0, &[&["SET", "e", "v", "PX", "50"]]),
                Event::Flush,
                Event::Advance { us: 200_000 },
                Event::Flush,
                set("k", "v"),
                Event::Flush,
            ],
        },
        ExhaustScenario {
            name: "bgrewriteaof-race-always",
            about: "BGREWRITEAOF racing one write under always",
            config: aof(AppendFsync::Always),
            events: racing("BGREWRITEAOF"),
        },
        ExhaustScenario {
            name: "bgrewriteaof-race-everysec",
            about: "BGREWRITEAOF racing one write under everysec",
            config: aof(AppendFsync::Everysec),
            events: racing("BGREWRITEAOF"),
        },
        ExhaustScenario {
            name: "bgrewriteaof-race-no",
            about: "BGREWRITEAOF racing one write under appendfsync no",
            config: aof(AppendFsync::No),
            events: racing("BGREWRITEAOF"),
        },
        ExhaustScenario {
            name: "bgrewriteaof-preamble-race-always",
            about: "BGREWRITEAOF with an RDB preamble racing one write under always",
            config: config(PersistMode::Aof(AppendFsync::Always), true),
            events: racing("BGREWRITEAOF"),
        },
        ExhaustScenario {
            name: "bgsave-race",
            about: "BGSAVE racing one write (RDB only)",
            config: config(PersistMode::Rdb, false),
            events: racing("BGSAVE"),
        },
        ExhaustScenario {
            name: "save-rdb",
            about: "a foreground SAVE between writes (RDB only)",
            config: config(PersistMode::Rdb, false),
            events: vec![set("k1", &big('a')), Event::Flush, admin("SAVE"), set("k2", "v2"), Event::Flush, admin("SAVE")],
        },
        ExhaustScenario {
            name: "flushall-save-rdb",
            about: "FLUSHALL with save points configured saves in the foreground (RDB only)",
            config: flushall_save,
            events: vec![
                set("k1", &big('a')),
                Event::Flush,
                Event::send(0, &[&["FLUSHALL"]]),
                Event::Flush,
                set("k2", "v2"),
                Event::Flush,
                admin("SAVE"),
            ],
        },
    ]
}

/// The scenario called `name`.
pub fn by_name(name: &str) -> Option<ExhaustScenario> {
    scenarios().into_iter().find(|s| s.name == name)
}
