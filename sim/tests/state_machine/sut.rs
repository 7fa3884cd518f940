//! The system under test: a `keel::server::Server` on keel-sim's simulated machine, driven
//! through the keel-sim [`Harness`] (the same code as `keel-sim run` and the `engine_vs_model`
//! fuzz target), so every transition is also checked the harness's way: replies against its
//! own model, acknowledgement order, and after every crash the durability oracle (P1–P4) with
//! the fsyncs SimFs really saw.
//!
//! On top of that the state-machine test checks the engine against the reference
//! ([`crate::reference`]): after each transition the engine's replies (read from its output
//! buffer) and its visible keyspace must match at least one world the engine may be in
//! (`consistent`), and after a crash the recovered keyspace must be one of the states the
//! reference allows, reached from a world the engine was consistent with.
//!
//! [`Bug`] is a test-only switch that breaks the system on purpose, to prove that the checks
//! catch it and that proptest shrinks the failure.

use std::collections::BTreeSet;

use keel::config::AppendFsync;
use keel::env::{Clock, Fs};
use keel::keyspace::ClientId;
use keel::resp::{parse_frame, FrameLimits};
use keel::server::Server;
use keel_models::Reply;
use keel_sim::check::{engine_state, frame_to_reply, visible_at};
use keel_sim::harness::{Harness, Hooks};
use keel_sim::scenario::{Event, PersistMode, Scenario, ScenarioConfig};
use keel_sim::FaultConfig;
use proptest_state_machine::StateMachineTest;

use crate::commands::Cmd;
use crate::reference::{Persist, RefState, Reference, Transition, CLIENTS, REAP_MS};

/// Steps a child may take before `Bgsave`/`Rewrite` gives up waiting for it.
const CHILD_STEPS_MAX: u32 = 100_000;

/// A deliberate defect, for the tests that prove failures are caught and shrunk.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Bug {
    None,
    /// From transition `n` on (0-based), the first reply the engine gives is replaced by an
    /// error before it is checked.
    CorruptReplyFrom(usize),
    /// Before every crash the data files are unlinked and the unlink made durable: the
    /// restarted server finds an empty disk.
    LoseFilesAtCrash,
}

pub struct Sut {
    pub h: Harness,
    /// Indices of the reference worlds the engine has matched so far.
    consistent: BTreeSet<usize>,
    transitions: usize,
    corrupted: bool,
    bug: Bug,
}

/// The scenario configuration of a case: two clients, `hz 10`, no injected faults, no save
/// points and no automatic rewrites (every snapshot and rewrite is a transition).
pub fn scenario(seed: u64, persist: Persist) -> Scenario {
    let mode = match persist {
        Persist::Always => PersistMode::Aof(AppendFsync::Always),
        Persist::Everysec => PersistMode::Aof(AppendFsync::Everysec),
        Persist::No => PersistMode::Aof(AppendFsync::No),
        Persist::Rdb => PersistMode::Rdb,
    };
    let mut config = ScenarioConfig::from_seed_with(seed, mode);
    config.hz = 10;
    config.clients = CLIENTS;
    config.save_points = Vec::new();
    config.auto_aof_rewrite_percentage = 0;
    config.faults = FaultConfig::default();
    Scenario { seed, config, events: Vec::new() }
}

/// The harness's connection for model client `client` (the harness names it `sim:<n+1>`).
fn client_id(server: &Server, client: usize) -> ClientId {
    let addr = format!("sim:{}", client + 1);
    let found = server.clients.iter().find(|(_, c)| c.addr == addr).map(|(id, _)| *id);
    found.unwrap_or_else(|| panic!("the harness has no connection {addr}"))
}

impl Sut {
    pub fn new(state: &RefState, bug: Bug) -> Sut {
        let mut h = Harness::new(&scenario(state.seed, state.persist), Hooks::default());
        if let Err(f) = h.run(&[]) {
            panic!("start-up: {f}");
        }
        Sut { h, consistent: BTreeSet::from([0]), transitions: 0, corrupted: false, bug }
    }

    fn step(&mut self, event: Event) {
        if let Err(f) = self.h.step(&event) {
            panic!("keel-sim harness: {f}");
        }
    }

    fn now_ms(&self) -> i64 {
        self.h.sim.clock.unix_ms()
    }

    pub fn apply(&mut self, state: &RefState, transition: &Transition) {
        let restarts = self.h.sim.restarts();
        match transition {
            Transition::Send { client, cmds, split_permille, flush } => {
                let replies = self.send(*client, cmds, *split_permille, *flush);
                self.check_replies(state, cmds, &replies);
            }
            Transition::Advance { ms } => self.step(Event::Advance { us: ms * 1000 }),
            Transition::BgsaveStart => self.admin("BGSAVE"),
            Transition::RewriteStart => self.admin("BGREWRITEAOF"),
            Transition::Bgsave => self.run_child_job("BGSAVE"),
            Transition::Rewrite => self.run_child_job("BGREWRITEAOF"),
            Transition::ChildStep => self.step(Event::ChildStep),
            Transition::Reconnect { client } => self.step(Event::Reconnect { client: *client }),
            Transition::Crash { power_loss } => {
                if self.bug == Bug::LoseFilesAtCrash {
                    self.lose_files();
                }
                self.step(Event::Crash { power_loss: *power_loss });
            }
        }
        let crashed = matches!(transition, Transition::Crash { .. });
        let expected_restarts = restarts + u32::from(crashed);
        assert_eq!(self.h.sim.restarts(), expected_restarts, "the server restarted on its own (a fatal persistence error?)");
        assert_eq!(self.now_ms(), state.now_ms(), "the simulated clock and the reference disagree");
        if crashed {
            self.follow_crash(state);
        }
        self.check_state(state, transition);
        self.transitions += 1;
    }

    /// Feed the commands through the harness and return the replies the engine buffered.
    fn send(&mut self, client: usize, cmds: &[Cmd], split_permille: Option<u32>, flush: bool) -> Vec<Reply> {
        let id = client_id(&self.h.server, client);
        let start = self.h.server.pending_output(id).map_or(0, <[u8]>::len);
        let argv = cmds.iter().map(|c| c.iter().map(|a| a.as_bytes().to_vec()).collect()).collect();
        self.step(Event::Send { client, cmds: argv, split_permille });
        let out = self.h.server.pending_output(id).unwrap_or_default().to_vec();
        let mut replies = Vec::new();
        let mut pos = start;
        while pos < out.len() {
            match parse_frame(&out[pos..], &FrameLimits::DEFAULT) {
                Ok(Some((frame, used))) => {
                    replies.push(frame_to_reply(&frame));
                    pos += used;
                }
                other => panic!("unparsable reply bytes at {pos}: {other:?}"),
            }
        }
        if flush {
            self.step(Event::Flush);
        }
        replies
    }

    fn admin(&mut self, cmd: &str) {
        self.step(Event::Admin { cmd: vec![cmd.to_string()] });
    }

    /// Finish any running child and let cron reap it, then run `cmd`'s child to its end and
    /// let cron reap it (the reference lets `2 * REAP_MS` pass).
    fn run_child_job(&mut self, cmd: &str) {
        self.finish_child();
        self.step(Event::Advance { us: REAP_MS * 1000 });
        self.admin(cmd);
        self.finish_child();
        self.step(Event::Advance { us: REAP_MS * 1000 });
    }

    fn finish_child(&mut self) {
        let mut steps = 0;
        while self.h.sim.forker.has_child() {
            assert!(steps < CHILD_STEPS_MAX, "a fork child did not finish in {CHILD_STEPS_MAX} steps");
            self.step(Event::ChildStep);
            steps += 1;
        }
    }

    /// `Bug::LoseFilesAtCrash`: unlink the AOF and the RDB file and make it durable.
    fn lose_files(&mut self) {
        let fs = &self.h.sim.fs;
        for name in ["appendonly.aof", "dump.rdb"] {
            let _ = fs.unlink(std::path::Path::new("/data").join(name).as_path());
        }
        let _ = fs.fsync_dir(std::path::Path::new("/data"));
    }

    /// Keep the worlds whose predicted replies the engine gave.
    fn check_replies(&mut self, state: &RefState, cmds: &[Cmd], replies: &[Reply]) {
        let mut replies = replies.to_vec();
        if let Bug::CorruptReplyFrom(n) = self.bug {
            if self.transitions >= n && !self.corrupted && !replies.is_empty() {
                replies[0] = Reply::Error("INJECTED corrupted reply".into());
                self.corrupted = true;
            }
        }
        assert_eq!(replies.len(), cmds.len(), "{} replies to {} commands: {replies:?}", replies.len(), cmds.len());
        let mut why = String::new();
        self.consistent.retain(|&w| {
            let expected = &state.worlds[w].expected;
            let mismatch = cmds.iter().zip(expected).zip(&replies).find_map(|((c, e), r)| e.check(r).err().map(|e| (c, e)));
            if let Some((cmd, error)) = &mismatch {
                why = format!("{}: {error}", cmd.join(" "));
            }
            mismatch.is_none()
        });
        assert!(!self.consistent.is_empty(), "the engine's reply matches no reference world: {why}");
    }

    /// After a crash: the consistent worlds are the new ones reached from a consistent one.
    fn follow_crash(&mut self, state: &RefState) {
        let before = std::mem::take(&mut self.consistent);
        self.consistent = (0..state.worlds.len())
            .filter(|&w| state.worlds[w].parents.iter().any(|p| before.contains(p)))
            .collect();
    }

    /// One line per case (with `KEEL_SM_STATS=1 ... -- --nocapture`), to see what a run covered.
    fn print_stats(&self, state: &RefState) {
        let s = &self.h.stats;
        eprintln!(
            "case: persist={:?} transitions={} restarts={} worlds={} commands={} writes={} marks={:?}",
            state.persist,
            self.transitions,
            state.restarts,
            state.worlds.len(),
            s.commands,
            s.writes,
            s.marks
        );
    }

    /// Keep the worlds whose visible keyspace the engine has.
    fn check_state(&mut self, state: &RefState, transition: &Transition) {
        let now_ms = self.now_ms();
        let engine = visible_at(&engine_state(&self.h.server), now_ms);
        let candidates = self.consistent.len();
        self.consistent.retain(|&w| state.worlds[w].model.state(now_ms) == engine);
        assert!(
            !self.consistent.is_empty(),
            "after {transition:?} the engine's keyspace is none of the {candidates} state(s) the reference allows: {engine:?}"
        );
    }
}

/// The state-machine test of the engine; `MODE` forces the persistence (see `reference.rs`).
pub struct EngineTest<const MODE: u8>;

impl<const MODE: u8> StateMachineTest for EngineTest<MODE> {
    type SystemUnderTest = Sut;
    type Reference = Reference<MODE>;

    fn init_test(state: &RefState) -> Sut {
        Sut::new(state, Bug::None)
    }

    fn apply(mut sut: Sut, state: &RefState, transition: Transition) -> Sut {
        sut.apply(state, &transition);
        sut
    }

    fn teardown(mut sut: Sut, state: RefState) {
        if std::env::var_os("KEEL_SM_STATS").is_some() {
            sut.print_stats(&state);
        }
        if let Err(f) = sut.h.run(&[Event::Flush, Event::Audit]) {
            panic!("keel-sim harness at the end: {f}");
        }
    }
}

/// [`EngineTest`] with [`Bug::CorruptReplyFrom`]`(N)`.
pub struct CorruptReplyTest<const N: usize>;

impl<const N: usize> StateMachineTest for CorruptReplyTest<N> {
    type SystemUnderTest = Sut;
    type Reference = Reference<{ crate::reference::ANY }>;

    fn init_test(state: &RefState) -> Sut {
        Sut::new(state, Bug::CorruptReplyFrom(N))
    }

    fn apply(mut sut: Sut, state: &RefState, transition: Transition) -> Sut {
        sut.apply(state, &transition);
        sut
    }
}

/// [`EngineTest`] under `appendfsync always` with [`Bug::LoseFilesAtCrash`].
pub struct LoseFilesTest;

impl StateMachineTest for LoseFilesTest {
    type SystemUnderTest = Sut;
    type Reference = Reference<{ crate::reference::ALWAYS }>;

    fn init_test(state: &RefState) -> Sut {
        Sut::new(state, Bug::LoseFilesAtCrash)
    }

    fn apply(mut sut: Sut, state: &RefState, transition: Transition) -> Sut {
        sut.apply(state, &transition);
        sut
    }
}
