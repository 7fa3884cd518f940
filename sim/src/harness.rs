//! The harness: one `keel::server::Server` on a [`SimEnv`], driven through a scenario's events
//! exactly as the production event loop drives it (DESIGN §3), with every reply checked against
//! the reference model and every restart checked by the durability oracle.
//!
//! # Execution order and acknowledgement
//! `Server::feed` executes every complete command of the bytes it is given before it returns,
//! so the engine's execution order is the order of `feed` calls, and within one call the order
//! of the commands. Right after each `feed` the harness decodes the reply bytes the engine
//! buffered (it peeks at `pending_output` without sending anything) and applies the same
//! commands to the model in that order, comparing replies (or, for nondeterministic commands,
//! validating them and adopting the engine's choice). A reply is *acknowledged* only at a
//! `Flush` event: after `before_sleep` returned, the bytes are sent (`output_sent`) and the
//! writes they answer are marked acked in the [`EpochLog`] at that simulated time.
//!
//! Commands are fed one at a time (a batch's bytes cut at command boundaries, plus the
//! batch's own mid-command split), so after each command the harness knows exactly which
//! writes ran: the AOF offset of each write and the fork point of a BGSAVE are exact.
//!
//! # Persistence
//! Every scenario persists (RDB only, or AOF with a policy; `persist.rs` says what is observed
//! and how). After every command and event the [`Tracker`] records durability evidence in the
//! [`EpochLog`]. An engine that reports a fatal persistence error (`fatal_error`, an AOF error
//! under `appendfsync always`) is treated as a process that exits: its pending replies are
//! never sent, and it restarts as after a crash.
//!
//! # Crashes
//! A crash ends the epoch: ack ordering is checked, the machine crashes (`process_crash` or
//! `power_loss`), a new `Server` starts on the same `SimEnv` (with the start-up configuration:
//! CONFIG SET changes are not persisted) and runs `startup()`, and the recovered keyspace is
//! checked against the epoch log under the policy the [`Tracker`] derived for the epoch
//! (P1–P3, expiry). A start-up that refuses the files is a `startup` failure (P4: with no
//! media corruption, the files a crash leaves must load). The model is then reset to the
//! recovered state and work continues.
//!
//! Invariant: nothing here reads a real clock or OS randomness; every choice comes from the
//! scenario (a pure function of the seed), so a scenario replays to the same trace hash.

use std::collections::{BTreeMap, VecDeque};

use keel::config::Config;
use keel::env::Clock;
use keel::keyspace::ClientId;
use keel::resp::{encode_command, parse_frame, FrameLimits};
use keel::server::Server;
use keel_models::{Model, Reply};

use crate::check::{audit, frame_to_reply, EpochLog, Failure};
use crate::ledger::CrashRecord;
use crate::env::SimEnv;
use crate::fork::OrphanPolicy;
use crate::marks::{self, Marks};
use crate::persist::Tracker;
use crate::persist_events::CrashKind;
use crate::scenario::{Event, Scenario, ScenarioConfig};
use crate::workload::{resolve_time_arg, Argv};

/// Test-only hooks that make the harness misbehave on purpose, to prove the checks catch it.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Hooks {
    /// Corrupt the `n`th reply (0-based, over the whole run) before it is checked, as an
    /// engine bug would.
    pub flip_reply_at: Option<u64>,
}

/// Counters of one run.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct RunStats {
    pub commands: u64,
    pub writes: u64,
    pub crashes: u64,
    pub power_losses: u64,
    pub recoveries: u64,
    pub marks: Marks,
    /// One record per crash (see `ledger.rs`).
    pub ledger: Vec<CrashRecord>,
    /// Start-up attempts refused under an injected fault, by normalized error text.
    pub refusals: BTreeMap<String, u64>,
}

/// A simulated client connection.
#[derive(Clone, Debug)]
struct SimClient {
    id: ClientId,
    /// The model's id for this client (stable across reconnects and restarts).
    model_id: u64,
    /// Unique per connection: the oracle's client (a reply lost with its connection is never
    /// acknowledged, so per-client ack order holds per connection, not per model client).
    conn: u64,
    /// Commands fed whose reply has not been decoded yet.
    in_flight: VecDeque<Argv>,
    /// Bytes of the engine's pending output already decoded.
    checked: usize,
    /// Decoded replies not yet sent: the epoch-log index of the write each answers.
    unreleased: Vec<Option<usize>>,
    /// A write command was queued in the open MULTI (an EXEC of reads only writes nothing).
    queued_write: bool,
}

/// The engine configuration of a scenario: its persistence knobs as drawn (save points small
/// enough to trigger, rewrite thresholds small enough to trigger).
pub fn server_config(cfg: &ScenarioConfig) -> Config {
    Config {
        hz: cfg.hz,
        dir: "/data".into(),
        appendonly: cfg.appendonly,
        appendfsync: cfg.appendfsync,
        save_points: cfg.save_points.clone(),
        aof_use_rdb_preamble: cfg.aof_use_rdb_preamble,
        auto_aof_rewrite_min_size: cfg.auto_aof_rewrite_min_size,
        auto_aof_rewrite_percentage: cfg.auto_aof_rewrite_percentage,
        no_appendfsync_on_rewrite: cfg.no_appendfsync_on_rewrite,
        ..Config::default()
    }
}

pub struct Harness {
    pub sim: SimEnv,
    pub server: Server,
    pub model: Model,
    pub stats: RunStats,
    /// The start-up configuration (each restart uses it).
    pub(crate) config: Config,
    pub(crate) fsync_max_us: u64,
    clients: Vec<SimClient>,
    pub(crate) admin: ClientId,
    pub(crate) log: EpochLog,
    pub(crate) tracker: Tracker,
    hooks: Hooks,
    replies_seen: u64,
    event: usize,
    connections: u64,
    /// The first start-up failed for good (P4): reported by `run`.
    startup_failure: Option<String>,
    /// Start-up attempts refused by the last `start_server`.
    pub(crate) refused_starts: u64,
}

impl Harness {
    pub fn new(scenario: &Scenario, hooks: Hooks) -> Harness {
        let sim = SimEnv::new(scenario.seed, scenario.config.faults);
        // The data directory exists before the first start, as an operator would create it.
        let _ = keel::env::Fs::create_dir_all(&sim.fs, std::path::Path::new("/data"));
        let config = server_config(&scenario.config);
        let mut server = Server::new(sim.env(), config.clone());
        server.startup();
        let model = Model::new();
        let log = EpochLog::new(model.state(i64::MIN));
        let admin = server.connect("sim:admin".into(), "sim:0".into());
        let tracker = Tracker::new(&server, &sim, &config);
        let mut h = Harness {
            sim,
            server,
            model,
            stats: RunStats::default(),
            config,
            fsync_max_us: scenario.config.faults.fsync_latency_us.1,
            clients: Vec::new(),
            admin,
            log,
            tracker,
            hooks,
            replies_seen: 0,
            event: 0,
            connections: 0,
            startup_failure: None,
            refused_starts: 0,
        };
        // The first start-up is judged like every restart: one refused under an injected
        // fault is retried (a server that refused to start must not serve).
        if h.server.startup_error().is_some() {
            h.sim.process_crash(OrphanPolicy::KeepRunning);
            if let Err(error) = h.start_server() {
                h.startup_failure = Some(error);
            }
            h.admin = h.server.connect("sim:admin".into(), "sim:0".into());
            h.tracker = Tracker::new(&h.server, &h.sim, &h.config);
        }
        h.clients = (0..scenario.config.clients as u64).map(|i| h.new_client(i)).collect();
        h
    }

    fn new_client(&mut self, model_id: u64) -> SimClient {
        let id = self.server.connect(format!("sim:{}", model_id + 1), "sim:0".into());
        self.connections += 1;
        SimClient { id, model_id, conn: self.connections, in_flight: VecDeque::new(), checked: 0, unreleased: Vec::new(), queued_write: false }
    }

    /// Index of the event being (or last) executed.
    pub fn current_event(&self) -> usize {
        self.event
    }

    pub(crate) fn now_ms(&self) -> i64 {
        self.sim.clock.unix_ms()
    }

    pub(crate) fn now_us(&self) -> u64 {
        self.sim.clock.monotonic_us()
    }

    pub(crate) fn fail(&self, kind: &'static str, at: String, detail: String) -> Failure {
        Failure { event: self.event, kind, at, detail }
    }

    /// Run every event, then check ack ordering. Stops at the first failure.
    pub fn run(&mut self, events: &[Event]) -> Result<(), Failure> {
        if let Some(error) = self.startup_failure.clone() {
            return Err(self.fail("startup", "first start-up".into(), error));
        }
        for (i, event) in events.iter().enumerate() {
            self.event = i;
            self.sim.trace.record(format_args!("event #{i}: {}", event.label()));
            self.step(event)?;
        }
        self.check_acks()
    }

    /// Run events until the armed crash point (`SimFs::arm_crash_point`) is taken; the event in
    /// which it was taken runs to its end (nothing after the crash point is trusted: see
    /// `fs/crash_point.rs`). Returns whether the crash point was reached; ack ordering is checked
    /// as by [`Harness::run`] when it was not.
    pub fn run_to_crash_point(&mut self, events: &[Event]) -> Result<bool, Failure> {
        if let Some(error) = self.startup_failure.clone() {
            return Err(self.fail("startup", "first start-up".into(), error));
        }
        for (i, event) in events.iter().enumerate() {
            if self.sim.fs.crash_point_taken().is_some() {
                return Ok(true);
            }
            self.event = i;
            self.sim.trace.record(format_args!("event #{i}: {}", event.label()));
            self.step(event)?;
        }
        if self.sim.fs.crash_point_taken().is_some() {
            return Ok(true);
        }
        self.check_acks().map(|()| false)
    }

    /// Execute one event, then observe persistence (and exit the server if it hit a fatal
    /// persistence error).
    pub fn step(&mut self, event: &Event) -> Result<(), Failure> {
        self.step_event(event)?;
        self.observe()
    }

    fn step_event(&mut self, event: &Event) -> Result<(), Failure> {
        match event {
            Event::Send { client, cmds, split_permille } => self.send(*client, cmds, *split_permille),
            Event::Flush => self.flush(),
            Event::Tick => {
                self.count_active_expiry(|s| {
                    s.maybe_cron();
                });
                Ok(())
            }
            Event::Advance { us } => {
                if *us >= 10_000_000 {
                    self.stats.marks.hit(marks::BIG_TIME_JUMP);
                }
                self.advance(*us)
            }
            Event::Background => {
                self.sim.background.complete_due(self.now_us());
                Ok(())
            }
            Event::ConfigSet { param, value } => self.config_set(param, value),
            Event::Reconnect { client } => {
                self.reconnect(*client);
                Ok(())
            }
            Event::Audit => {
                audit(&self.server, &self.model, self.now_ms()).map_err(|d| self.fail("audit", "keyspace".into(), d))
            }
            Event::Crash { power_loss } => {
                let crash = if *power_loss { CrashKind::PowerLoss } else { CrashKind::Process(OrphanPolicy::Drop) };
                self.crash_and_restart(crash)
            }
            Event::CrashKeepChild => self.crash_and_restart(CrashKind::Process(OrphanPolicy::KeepRunning)),
            Event::Admin { cmd } => {
                self.admin_command(cmd);
                Ok(())
            }
            Event::ChildStep => self.child_step(),
            Event::KillChild => {
                self.kill_child();
                Ok(())
            }
            Event::OrphanStep => {
                self.orphan_step();
                Ok(())
            }
            Event::FailNext { op, fault } => {
                self.sim.fs.fail_next(*op, *fault);
                Ok(())
            }
        }
    }

    pub(crate) fn count_active_expiry(&mut self, f: impl FnOnce(&mut Server)) {
        let before = self.server.ks.stats.expired_keys;
        f(&mut self.server);
        self.stats.marks.add(marks::EXPIRED_ACTIVELY, self.server.ks.stats.expired_keys - before);
    }

    fn send(&mut self, index: usize, cmds: &[Argv], split_permille: Option<u32>) -> Result<(), Failure> {
        let Some(client) = self.clients.get_mut(index) else { return Ok(()) };
        let now_ms = self.sim.clock.unix_ms();
        let mut bytes = Vec::new();
        let mut cuts = Vec::with_capacity(cmds.len() + 1);
        for cmd in cmds {
            let resolved: Argv = cmd.iter().map(|a| resolve_time_arg(a, now_ms)).collect();
            let args: Vec<&[u8]> = resolved.iter().map(Vec::as_slice).collect();
            encode_command(&args, &mut bytes);
            cuts.push(bytes.len());
            client.in_flight.push_back(resolved);
        }
        if cmds.len() >= 8 {
            self.stats.marks.hit(marks::PIPELINE_8);
        }
        self.sim.trace.record(format_args!("send c{index} cmds={} bytes={}", cmds.len(), bytes.len()));
        let cut = split_permille.map_or(bytes.len(), |p| bytes.len() * p as usize / 1000);
        if cut > 0 && cut < bytes.len() {
            self.stats.marks.hit(marks::SPLIT_FEED);
            cuts.push(cut);
            cuts.sort_unstable();
            cuts.dedup();
        }
        // One command per feed: the state after each command is observable (see the module doc).
        let mut start = 0;
        for end in cuts {
            if self.sim.fs.crash_point_taken().is_some() {
                break; // the machine crashed during the last command (exhaustive mode)
            }
            self.feed(index, &bytes[start..end])?;
            start = end;
        }
        Ok(())
    }

    fn feed(&mut self, index: usize, bytes: &[u8]) -> Result<(), Failure> {
        let id = self.clients[index].id;
        let before = self.server.ks.stats.expired_keys;
        // The engine's command time: the clock may move during the feed (an EXEC with
        // FLUSHALL saves after the transaction, and a slow fsync takes simulated time), but
        // the commands ran at this time, so the model judges expiry at it (seed 975).
        let command_ms = self.now_ms();
        self.server.feed(id, bytes);
        self.stats.marks.add(marks::EXPIRED_LAZILY, self.server.ks.stats.expired_keys - before);
        self.collect(index, command_ms)?;
        self.tracker.observe(&self.server, &self.sim, &mut self.log, &mut self.stats.marks);
        Ok(())
    }

    /// Decode the replies the engine buffered for client `index` and check each against the
    /// model, in execution order.
    fn collect(&mut self, index: usize, command_ms: i64) -> Result<(), Failure> {
        let id = self.clients[index].id;
        let out = self.server.pending_output(id).unwrap_or_default().to_vec();
        let mut pos = self.clients[index].checked;
        while pos < out.len() {
            let (frame, used) = match parse_frame(&out[pos..], &FrameLimits::DEFAULT) {
                Ok(Some(parsed)) => parsed,
                Ok(None) => break,
                Err(e) => return Err(self.fail("protocol", format!("client {index}"), format!("unparsable reply: {e}"))),
            };
            pos += used;
            let Some(argv) = self.clients[index].in_flight.pop_front() else {
                let detail = format!("a reply with no command outstanding: {frame:?}");
                return Err(self.fail("protocol", format!("client {index}"), detail));
            };
            let write = self.check_reply(index, &argv, frame_to_reply(&frame), command_ms)?;
            self.clients[index].unreleased.push(write);
        }
        self.clients[index].checked = pos;
        Ok(())
    }

    /// Check one reply and apply the command to the model; returns the epoch-log index if the
    /// command was an executed write.
    fn check_reply(&mut self, index: usize, argv: &Argv, mut reply: Reply, now_ms: i64) -> Result<Option<usize>, Failure> {
        if self.hooks.flip_reply_at == Some(self.replies_seen) {
            reply = Reply::Error("INJECTED fake engine bug".into());
        }
        self.replies_seen += 1;
        self.stats.commands += 1;
        let now_us = self.now_us();
        let (model_id, conn) = (self.clients[index].model_id, self.clients[index].conn);
        let shown = show(argv);
        self.sim.trace.record(format_args!("c{index} {shown} -> {reply}"));
        if let Reply::Error(e) = &reply {
            if e.starts_with("MISCONF") {
                return self.refused_with_misconf(index, argv);
            }
        }
        if Model::is_nondeterministic(argv) {
            self.model
                .check_and_adopt(model_id, argv, now_ms, &reply)
                .map_err(|e| self.fail("reply", format!("client {index}: {shown}"), e))?;
            self.stats.marks.hit(marks::NONDET_ADOPTED);
        } else {
            let expected = self.model.apply(model_id, argv, now_ms);
            if expected != reply {
                let detail = format!("expected {expected}, found {reply}");
                return Err(self.fail("reply", format!("client {index}: {shown}"), detail));
            }
        }
        self.mark_reply(argv, &reply);
        let queued = reply == Reply::Simple("QUEUED".into());
        if queued && Model::is_write(argv) {
            self.clients[index].queued_write = true;
        }
        let ends_txn = is_exec(argv) || argv.first().is_some_and(|n| n.eq_ignore_ascii_case(b"DISCARD"));
        let txn_wrote = ends_txn && std::mem::take(&mut self.clients[index].queued_write);
        // A write command answered with an error (arity, WRONGTYPE, not an integer, …) wrote
        // nothing: it is not a write the oracle judges (P3 would flag its acknowledgement).
        if !Model::is_write(argv) || queued || reply.is_error() {
            return Ok(None);
        }
        let txn_size = match (&reply, is_exec(argv)) {
            // A transaction of reads only (or none) writes nothing (found by seed 586).
            (Reply::Array(_), true) if !txn_wrote => return Ok(None),
            (Reply::Array(items), true) => items.len(),
            (_, true) => return Ok(None),
            _ => 1,
        };
        self.stats.writes += 1;
        let index = self.log.record(conn, txn_size, now_us, &self.model);
        self.tracker.on_write(index + 1, &self.server);
        Ok(Some(index))
    }

    /// The engine refused a write with `-MISCONF` (a failed background save with
    /// `stop-writes-on-bgsave-error`, or an AOF write/fsync error). The model knows nothing of
    /// persistence errors: it is given a command that fails the same way without effect (a
    /// wrong-arity GET, which inside MULTI also makes EXEC abort, as a command refused at
    /// queueing time does in the engine).
    fn refused_with_misconf(&mut self, index: usize, argv: &Argv) -> Result<Option<usize>, Failure> {
        if self.server.write_blocked_reason().is_none() {
            let detail = "MISCONF while writes are not blocked".to_string();
            return Err(self.fail("reply", format!("client {index}: {}", show(argv)), detail));
        }
        let model_id = self.clients[index].model_id;
        let now_ms = self.now_ms();
        self.model.apply(model_id, &[b"GET".to_vec()], now_ms);
        self.stats.marks.hit(marks::MISCONF_REPLY);
        Ok(None)
    }

    fn mark_reply(&mut self, argv: &Argv, reply: &Reply) {
        if is_exec(argv) {
            match reply {
                Reply::NilArray => self.stats.marks.hit(marks::WATCH_ABORTED),
                Reply::Error(e) if e.starts_with("EXECABORT") => self.stats.marks.hit(marks::EXECABORT),
                Reply::Array(_) => self.stats.marks.hit(marks::EXEC_COMMITTED),
                _ => {}
            }
        }
        let is_set = argv.first().is_some_and(|n| n.eq_ignore_ascii_case(b"SET"));
        if is_set && argv.get(2).is_some_and(|v| v.len() == 44 || v.len() == 45) && !reply.is_error() {
            self.stats.marks.hit(marks::EMBSTR_RAW_BOUNDARY);
        }
    }

    /// `before_sleep`, then send every pending reply: the write barrier has passed — unless
    /// the engine hit a fatal persistence error, when it exits without sending anything.
    fn flush(&mut self) -> Result<(), Failure> {
        self.count_active_expiry(Server::before_sleep);
        self.tracker.observe(&self.server, &self.sim, &mut self.log, &mut self.stats.marks);
        if self.server.fatal_error().is_some() {
            return self.fatal_exit();
        }
        if self.sim.fs.crash_point_taken().is_some() {
            // The machine crashed inside `before_sleep`: no reply leaves.
            return Ok(());
        }
        let now_us = self.now_us();
        for index in 0..self.clients.len() {
            let id = self.clients[index].id;
            let n = self.server.pending_output(id).map_or(0, <[u8]>::len);
            self.server.output_sent(id, n);
            let client = &mut self.clients[index];
            client.checked = client.checked.saturating_sub(n);
            for write in client.unreleased.drain(..).flatten() {
                self.log.ack(write, now_us);
            }
            if self.server.wants_close(id) {
                self.reconnect(index);
            }
        }
        let n = self.server.pending_output(self.admin).map_or(0, <[u8]>::len);
        self.server.output_sent(self.admin, n);
        self.sim.trace.record(format_args!("flush at {now_us}us"));
        Ok(())
    }

    fn config_set(&mut self, param: &str, value: &str) -> Result<(), Failure> {
        let mut bytes = Vec::new();
        encode_command(&[b"CONFIG", b"SET", param.as_bytes(), value.as_bytes()], &mut bytes);
        let before = self.server.pending_output(self.admin).map_or(0, <[u8]>::len);
        self.server.feed(self.admin, &bytes);
        let out = self.server.pending_output(self.admin).unwrap_or_default();
        let reply = parse_frame(&out[before.min(out.len())..], &FrameLimits::DEFAULT);
        self.sim.trace.record(format_args!("admin CONFIG SET {param} {value:?} -> {reply:?}"));
        match reply {
            Ok(Some((keel::resp::Frame::Simple(ok), _))) if ok == "OK" => {
                self.stats.marks.hit(marks::CONFIG_SET);
                Ok(())
            }
            other => {
                let detail = format!("expected +OK, found {other:?}");
                Err(self.fail("config", format!("CONFIG SET {param} {value:?}"), detail))
            }
        }
    }

    pub(crate) fn reconnect(&mut self, index: usize) {
        let Some(old) = self.clients.get(index).cloned() else { return };
        self.server.disconnect(old.id);
        self.model.disconnect(old.model_id);
        self.clients[index] = self.new_client(old.model_id);
        self.sim.trace.record(format_args!("reconnect c{index}"));
    }

    pub(crate) fn check_acks(&self) -> Result<(), Failure> {
        let policy = self.tracker.ack_policy(self.fsync_max_us);
        self.log.check_acks(&policy).map_err(|v| self.fail("ack-order", format!("epoch writes under {policy:?}"), v.to_string()))
    }

    /// The model and clients after a restart that recovered `recovered`.
    pub(crate) fn reset_after_restart(&mut self, recovered: &keel_models::State) {
        self.model = Model::new();
        self.model.load_state(recovered);
        self.log = EpochLog::new(self.model.state(i64::MIN));
        self.tracker = Tracker::new(&self.server, &self.sim, &self.config);
        self.admin = self.server.connect("sim:admin".into(), "sim:0".into());
        let ids: Vec<u64> = self.clients.iter().map(|c| c.model_id).collect();
        self.clients = ids.into_iter().map(|i| self.new_client(i)).collect();
    }

    /// Faults SimFs injected so far, by kind name.
    pub fn fault_counts(&self) -> BTreeMap<String, u64> {
        self.sim.fs.fault_counts().into_iter().map(|(k, v)| (format!("{k:?}"), v)).collect()
    }
}

fn is_exec(argv: &Argv) -> bool {
    argv.first().is_some_and(|n| n.eq_ignore_ascii_case(b"EXEC"))
}

/// A command for messages: arguments joined by spaces, long ones abbreviated.
pub fn show(argv: &Argv) -> String {
    let parts: Vec<String> = argv
        .iter()
        .map(|a| {
            let s = String::from_utf8_lossy(a);
            if s.len() > 24 {
                let head: String = s.chars().take(16).collect();
                format!("{head}…({} bytes)", a.len())
            } else if s.is_empty() || s.contains(' ') {
                format!("{s:?}")
            } else {
                s.into_owned()
            }
        })
        .collect();
    parts.join(" ")
}
