//! A scenario: the swarm-chosen configuration of one seed and the list of events the harness
//! executes, both pure functions of the seed.
//!
//! Swarm testing: each seed draws its own knobs (hz, key-space size, value sizes, TTL range,
//! clients, pipelining depth, transaction and crash rates, the persistence configuration and the
//! SimFs fault kinds and rates), so a sweep covers very different mixes instead of one average.
//!
//! The event list is explicit (not generated while running) so that `shrink` can delete events
//! and replay the rest deterministically. Knobs come from the swarm stream and events from the
//! workload stream ([`crate::rng::Streams`]); neither ever reads engine state.

use keel::config::AppendFsync;

use crate::fs::{Fault, FaultConfig, FsOp};
use crate::rng::{stream_id, SimRng};
use crate::workload::{Argv, Workload};

/// Which persistence a campaign runs: chosen per seed (`Mixed`), or forced for every seed
/// (`keel-sim run --persistence rdb|always|everysec|no|mixed`).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum PersistMode {
    #[default]
    Mixed,
    /// RDB snapshots only (`appendonly no`).
    Rdb,
    /// AOF (`appendonly yes`) with this `appendfsync` at start.
    Aof(AppendFsync),
}

impl PersistMode {
    pub fn parse(text: &str) -> Result<PersistMode, String> {
        match text {
            "mixed" => Ok(PersistMode::Mixed),
            "rdb" => Ok(PersistMode::Rdb),
            "always" => Ok(PersistMode::Aof(AppendFsync::Always)),
            "everysec" => Ok(PersistMode::Aof(AppendFsync::Everysec)),
            "no" => Ok(PersistMode::Aof(AppendFsync::No)),
            other => Err(format!("bad persistence {other:?}: expected rdb, always, everysec, no or mixed")),
        }
    }

    pub fn name(self) -> &'static str {
        match self {
            PersistMode::Mixed => "mixed",
            PersistMode::Rdb => "rdb",
            PersistMode::Aof(AppendFsync::Always) => "always",
            PersistMode::Aof(AppendFsync::Everysec) => "everysec",
            PersistMode::Aof(AppendFsync::No) => "no",
        }
    }
}

/// Per-seed knobs.
#[derive(Clone, Debug, PartialEq)]
pub struct ScenarioConfig {
    pub hz: u32,
    /// Number of distinct key names (`k0..`).
    pub keys: u32,
    /// Number of databases the workload SELECTs among.
    pub dbs: u32,
    pub clients: usize,
    /// Largest number of commands a client sends before reading.
    pub pipeline_max: usize,
    pub value_len_max: usize,
    pub int_value_pct: u32,
    /// Share of SETs with an expiry option.
    pub ttl_pct: u32,
    pub ttl_ms_max: u64,
    pub txn_pct: u32,
    /// Share of batches fed in two parts split mid-command.
    pub split_feed_pct: u32,
    pub events: usize,
    /// Crash probability per event, in 1/10000.
    pub crash_per_10k: u32,
    pub power_loss_pct: u32,
    pub big_jump_pct: u32,
    pub appendonly: bool,
    pub appendfsync: AppendFsync,
    pub save_points: Vec<(u64, u64)>,
    /// A rewrite writes its snapshot as an RDB preamble (then the RESP rewrite buffer) rather
    /// than RESP; drawn per seed, and CONFIG SET may flip it at run time.
    pub aof_use_rdb_preamble: bool,
    pub auto_aof_rewrite_min_size: u64,
    pub auto_aof_rewrite_percentage: u64,
    pub no_appendfsync_on_rewrite: bool,
    /// Share of events that are persistence events (child steps, BGSAVE, kills, faults, …).
    pub persist_pct: u32,
    /// CONFIG SET may change `appendfsync`, `appendonly` and `no-appendfsync-on-rewrite` at
    /// run time (off when the persistence mode is forced, so the forced policy is judged).
    pub runtime_policy_changes: bool,
    /// Stream commands replace the any-type reads in 2% of the commands (drawn last, so the
    /// other knobs of a seed are what they were before streams existed).
    pub streams: bool,
    pub faults: FaultConfig,
}

impl ScenarioConfig {
    /// The swarm-chosen configuration of `seed`.
    pub fn from_seed(seed: u64) -> ScenarioConfig {
        ScenarioConfig::from_seed_with(seed, PersistMode::Mixed)
    }

    /// The swarm-chosen configuration of `seed`, with the persistence `mode` forced unless
    /// it is `Mixed` (the other knobs are drawn the same either way).
    pub fn from_seed_with(seed: u64, mode: PersistMode) -> ScenarioConfig {
        let mut cfg = ScenarioConfig::draw(seed);
        match mode {
            PersistMode::Mixed => {}
            PersistMode::Rdb => cfg.appendonly = false,
            PersistMode::Aof(policy) => (cfg.appendonly, cfg.appendfsync) = (true, policy),
        }
        if mode != PersistMode::Mixed {
            cfg.runtime_policy_changes = false;
            cfg.no_appendfsync_on_rewrite = false;
        }
        cfg
    }

    fn draw(seed: u64) -> ScenarioConfig {
        let mut rng = SimRng::new(seed, stream_id::SWARM);
        let faults = FaultConfig::swarm(&mut rng.fork_stream());
        let pick = |rng: &mut SimRng, items: &[u64]| items[rng.below(items.len() as u64) as usize];
        ScenarioConfig {
            hz: pick(&mut rng, &[1, 10, 10, 100, 500]) as u32,
            keys: pick(&mut rng, &[3, 8, 32, 128]) as u32,
            dbs: pick(&mut rng, &[1, 1, 2, 4]) as u32,
            clients: rng.range_inclusive(1, 5) as usize,
            pipeline_max: pick(&mut rng, &[1, 2, 4, 8, 16]) as usize,
            value_len_max: pick(&mut rng, &[8, 50, 100, 300]) as usize,
            int_value_pct: rng.below(60) as u32,
            ttl_pct: pick(&mut rng, &[0, 10, 30, 60]) as u32,
            ttl_ms_max: pick(&mut rng, &[5, 50, 500, 3000]),
            txn_pct: pick(&mut rng, &[0, 5, 15]) as u32,
            split_feed_pct: pick(&mut rng, &[0, 10, 40]) as u32,
            events: rng.range_inclusive(150, 600) as usize,
            crash_per_10k: pick(&mut rng, &[0, 20, 60, 150]) as u32,
            power_loss_pct: pick(&mut rng, &[0, 50, 100]) as u32,
            big_jump_pct: pick(&mut rng, &[0, 1, 3]) as u32,
            appendonly: rng.chance(0.5),
            appendfsync: [AppendFsync::Always, AppendFsync::Everysec, AppendFsync::No][rng.below(3) as usize],
            save_points: if rng.chance(0.5) { vec![(1, rng.range_inclusive(1, 20))] } else { Vec::new() },
            aof_use_rdb_preamble: rng.chance(0.5),
            auto_aof_rewrite_min_size: 1 << rng.range_inclusive(10, 20),
            auto_aof_rewrite_percentage: pick(&mut rng, &[0, 25, 100, 200]),
            no_appendfsync_on_rewrite: rng.chance(0.25),
            persist_pct: pick(&mut rng, &[5, 10, 20]) as u32,
            runtime_policy_changes: true,
            streams: rng.chance(0.5),
            faults,
        }
    }
}

/// One step of a scenario.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Event {
    /// Client `client` sends `cmds` pipelined; with `split_permille`, the bytes are fed in two
    /// parts cut at that fraction of their length (usually mid-command).
    Send { client: usize, cmds: Vec<Argv>, split_permille: Option<u32> },
    /// `before_sleep`, then every pending reply is sent (and so acknowledged).
    Flush,
    /// `maybe_cron`.
    Tick,
    /// Simulated time passes.
    Advance { us: u64 },
    /// Background jobs that are due complete.
    Background,
    /// An administrative client runs CONFIG SET (not part of the model).
    ConfigSet { param: String, value: String },
    /// A client disconnects and reconnects.
    Reconnect { client: usize },
    /// Compare the engine's whole keyspace with the model's.
    Audit,
    /// The server process is killed (or the machine loses power) and restarted; a running
    /// fork child dies with it.
    Crash { power_loss: bool },
    /// The server process is killed and restarted; a running fork child keeps running as an
    /// orphan (step it with `OrphanStep`).
    CrashKeepChild,
    /// An administrative client runs a command whose reply the model does not predict
    /// (BGSAVE, SAVE, BGREWRITEAOF, CONFIG SET appendonly …); any reply is accepted.
    Admin { cmd: Vec<String> },
    /// The running fork child takes one step.
    ChildStep,
    /// The running fork child is killed (SIGUSR1, as the parent would).
    KillChild,
    /// An orphan left by a parent crash takes one step.
    OrphanStep,
    /// The next file system operation `op` fails with `fault`.
    FailNext { op: FsOp, fault: Fault },
}

impl Event {
    /// A `Send` from string arguments, for regression tests.
    pub fn send(client: usize, cmds: &[&[&str]]) -> Event {
        let cmds = cmds.iter().map(|c| c.iter().map(|a| a.as_bytes().to_vec()).collect()).collect();
        Event::Send { client, cmds, split_permille: None }
    }

    /// A `Send` fed in two parts cut at `permille` of its bytes; other events unchanged.
    pub fn split_at(self, permille: u32) -> Event {
        match self {
            Event::Send { client, cmds, .. } => Event::Send { client, cmds, split_permille: Some(permille) },
            other => other,
        }
    }

    /// A one-line description for traces.
    pub fn label(&self) -> String {
        match self {
            Event::Send { client, cmds, split_permille } => {
                let split = split_permille.map_or(String::new(), |p| format!(" split at {p}/1000"));
                format!("client {client} sends {} command(s){split}", cmds.len())
            }
            Event::ConfigSet { param, value } => format!("CONFIG SET {param} {value:?}"),
            Event::Admin { cmd } => format!("admin {}", cmd.join(" ")),
            other => format!("{other:?}"),
        }
    }

    /// This event as a Rust expression (for `shrink`'s regression test).
    pub fn to_rust(&self) -> String {
        match self {
            Event::Send { client, cmds, split_permille } => {
                let cmds: Vec<String> = cmds
                    .iter()
                    .map(|c| {
                        let args: Vec<String> =
                            c.iter().map(|a| format!("{:?}", String::from_utf8_lossy(a))).collect();
                        format!("&[{}]", args.join(", "))
                    })
                    .collect();
                let send = format!("Event::send({client}, &[{}])", cmds.join(", "));
                match split_permille {
                    None => send,
                    Some(p) => format!("{send}.split_at({p})"),
                }
            }
            Event::ConfigSet { param, value } => {
                format!("Event::ConfigSet {{ param: {param:?}.into(), value: {value:?}.into() }}")
            }
            Event::Admin { cmd } => {
                let args: Vec<String> = cmd.iter().map(|a| format!("{a:?}.to_string()")).collect();
                format!("Event::Admin {{ cmd: vec![{}] }}", args.join(", "))
            }
            Event::FailNext { op, fault } => {
                format!("Event::FailNext {{ op: keel_sim::FsOp::{op:?}, fault: keel_sim::Fault::{fault:?} }}")
            }
            other => format!("Event::{other:?}"),
        }
    }
}

/// A seed's configuration and events.
#[derive(Clone, Debug, PartialEq)]
pub struct Scenario {
    pub seed: u64,
    pub config: ScenarioConfig,
    pub events: Vec<Event>,
}

impl Scenario {
    /// The scenario of `seed`.
    pub fn generate(seed: u64) -> Scenario {
        Scenario::generate_with(seed, PersistMode::Mixed)
    }

    /// The scenario of `seed` with the persistence `mode` forced (see [`PersistMode`]).
    pub fn generate_with(seed: u64, mode: PersistMode) -> Scenario {
        let config = ScenarioConfig::from_seed_with(seed, mode);
        let mut rng = SimRng::new(seed, stream_id::WORKLOAD);
        let events = Generator { cfg: &config, rng: &mut rng, out: Vec::new() }.run();
        Scenario { seed, config, events }
    }

    pub fn commands(&self) -> usize {
        self.events.iter().map(|e| if let Event::Send { cmds, .. } = e { cmds.len() } else { 0 }).sum()
    }
}

/// Parameters that change the fsync policy in force, not drawn when the mode is forced.
const POLICY_PARAMS: &[&str] = &["appendfsync", "no-appendfsync-on-rewrite"];

/// Safe CONFIG SET parameters and values: they change timing and persistence settings, never
/// the replies the model predicts.
const CONFIG_SETS: &[(&str, &[&str])] = &[
    ("hz", &["1", "10", "100", "500"]),
    ("active-expire-effort", &["1", "5", "10"]),
    ("appendfsync", &["always", "everysec", "no"]),
    ("save", &["", "1 1", "5 10"]),
    ("no-appendfsync-on-rewrite", &["yes", "no"]),
    ("auto-aof-rewrite-min-size", &["1024", "65536"]),
    ("aof-use-rdb-preamble", &["yes", "no"]),
];

struct Generator<'a> {
    cfg: &'a ScenarioConfig,
    rng: &'a mut SimRng,
    out: Vec<Event>,
}

impl Generator<'_> {
    fn run(mut self) -> Vec<Event> {
        while self.out.len() < self.cfg.events {
            self.step();
        }
        self.out.push(Event::Flush);
        self.out.push(Event::Audit);
        self.out
    }

    fn client(&mut self) -> usize {
        self.rng.below(self.cfg.clients as u64) as usize
    }

    fn send(&mut self, client: usize, cmds: Vec<Argv>) {
        let split = self.rng.below(100) < u64::from(self.cfg.split_feed_pct);
        let split_permille = split.then(|| self.rng.range_inclusive(1, 999) as u32);
        self.out.push(Event::Send { client, cmds, split_permille });
    }

    fn step(&mut self) {
        if self.rng.below(10_000) < u64::from(self.cfg.crash_per_10k) {
            self.crash();
            return;
        }
        if self.rng.below(100) < u64::from(self.cfg.persist_pct) {
            self.persistence();
            return;
        }
        match self.rng.below(100) {
            0..=44 => self.batch(),
            45..=59 => self.out.push(Event::Flush),
            60..=74 => self.advance(),
            75..=84 => self.out.push(Event::Tick),
            85..=88 => self.out.push(Event::Background),
            89..=90 => self.watch_race(),
            91 => self.config_set(),
            92 => {
                let client = self.client();
                self.out.push(Event::Reconnect { client });
            }
            93..=94 => self.out.push(Event::Audit),
            _ => self.batch(),
        }
    }

    fn batch(&mut self) {
        let client = self.client();
        let n = self.rng.range_inclusive(1, self.cfg.pipeline_max as u64) as usize;
        let mut cmds = Vec::with_capacity(n);
        let mut w = Workload { cfg: self.cfg, rng: self.rng };
        while cmds.len() < n {
            if w.rng.below(100) < u64::from(self.cfg.txn_pct) {
                cmds.extend(w.transaction());
            } else {
                cmds.push(w.command());
            }
        }
        self.send(client, cmds);
    }

    /// WATCH by one client, maybe a write by another, then the watcher's transaction.
    fn watch_race(&mut self) {
        let a = self.client();
        let b = self.client();
        let (watch, txn) = Workload { cfg: self.cfg, rng: self.rng }.watched_transaction();
        let key = watch[0][1].clone();
        self.send(a, watch);
        if self.rng.chance(0.6) {
            self.send(b, vec![vec![b"SET".to_vec(), key, b"1".to_vec()]]);
        }
        self.send(a, txn);
    }

    fn advance(&mut self) {
        let us = if self.rng.below(100) < u64::from(self.cfg.big_jump_pct) {
            self.rng.range_inclusive(10_000_000, 40_000_000)
        } else {
            match self.rng.below(4) {
                0 => self.rng.below(1_000),
                1 | 2 => self.rng.below(20_000),
                _ => self.rng.below(300_000),
            }
        };
        self.out.push(Event::Advance { us });
    }

    fn config_set(&mut self) {
        let (param, values) = CONFIG_SETS[self.rng.below(CONFIG_SETS.len() as u64) as usize];
        if !self.cfg.runtime_policy_changes && POLICY_PARAMS.contains(&param) {
            return; // a forced policy stays in force (see `PersistMode`)
        }
        let value = values[self.rng.below(values.len() as u64) as usize];
        self.out.push(Event::ConfigSet { param: param.to_string(), value: value.to_string() });
    }

    fn crash(&mut self) {
        let power_loss = self.rng.below(100) < u64::from(self.cfg.power_loss_pct);
        let event = if !power_loss && self.rng.chance(0.3) { Event::CrashKeepChild } else { Event::Crash { power_loss } };
        self.out.push(event);
    }

    fn admin(&mut self, cmd: &[&str]) {
        self.out.push(Event::Admin { cmd: cmd.iter().map(|a| a.to_string()).collect() });
    }

    /// One persistence event: child steps (sometimes followed by a crash, so crashes land in
    /// every phase of a save or rewrite), BGSAVE / SAVE / BGREWRITEAOF, kills, orphan steps,
    /// a forced fault on the next file operation, or a runtime persistence setting.
    fn persistence(&mut self) {
        match self.rng.below(100) {
            0..=39 => {
                for _ in 0..self.rng.range_inclusive(1, 3) {
                    self.out.push(Event::ChildStep);
                }
            }
            40..=49 => self.admin(&["BGSAVE"]),
            50..=52 => self.admin(&["SAVE"]),
            53..=62 => self.admin(&["BGREWRITEAOF"]),
            63..=65 => self.out.push(Event::KillChild),
            66..=69 => self.out.push(Event::OrphanStep),
            70..=77 => self.fail_next(),
            78..=80 if self.cfg.runtime_policy_changes => {
                let on = if self.rng.chance(0.5) { "yes" } else { "no" };
                self.admin(&["CONFIG", "SET", "appendonly", on]);
            }
            81..=85 => {
                let save = ["", "1 1", "1 5", "5 10"][self.rng.below(4) as usize];
                self.out.push(Event::ConfigSet { param: "save".into(), value: save.into() });
            }
            78..=80 => self.admin(&["BGSAVE"]),
            86..=89 => self.config_set(),
            _ => {
                self.out.push(Event::ChildStep);
                if self.cfg.crash_per_10k > 0 {
                    self.crash();
                }
            }
        }
    }

    fn fail_next(&mut self) {
        let (op, fault) = match self.rng.below(8) {
            0 => (FsOp::Write, Fault::ShortWrite),
            1 => (FsOp::Write, Fault::Eio),
            2 => (FsOp::Write, Fault::Enospc),
            3 | 4 => (FsOp::Fsync, Fault::Eio),
            5 => (FsOp::FsyncDir, Fault::Eio),
            6 => (FsOp::Rename, Fault::Eio),
            _ => (FsOp::Open, Fault::Eio),
        };
        self.out.push(Event::FailNext { op, fault });
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_seed_always_generates_the_same_scenario_and_seeds_differ() {
        assert_eq!(Scenario::generate(5), Scenario::generate(5));
        assert_ne!(Scenario::generate(5).events, Scenario::generate(6).events);
    }

    #[test]
    fn scenarios_end_with_a_flush_and_an_audit() {
        let s = Scenario::generate(1);
        assert!(s.events.len() >= s.config.events);
        assert_eq!(&s.events[s.events.len() - 2..], &[Event::Flush, Event::Audit]);
        assert!(s.commands() > 0);
    }
}
