//! The reference state machine: `keel-models`' `Model`, driven by the generated transitions
//! alone (it never looks at the engine), predicting every reply and every state a restart may
//! recover.
//!
//! # Worlds
//! A crash is the one transition whose outcome the model cannot predict exactly: under
//! `everysec`, `no` or RDB snapshots several states may legitimately come back. The reference
//! therefore keeps a list of *worlds*, one per state the engine may be in. Between crashes every
//! world runs the same commands (so the list keeps its order and length); at a crash each world
//! offers its recoverable states, equal states (as visible at restart) are merged, and each new
//! world remembers the old worlds it came from (`parents`). The test follows the engine through
//! this tree: see `sut.rs`.
//!
//! # What a crash may recover (a superset of the oracle's allowed set)
//! Each world logs the states it passed through since the last restart (`points`, one per
//! state change, with the time the change was acknowledged by a flush) and the RDB snapshots
//! started since the last one known durable. At a crash under
//! - `always`: every state from the last acknowledged one on (acknowledged writes survive);
//! - `everysec`: every state from the last one acknowledged more than [`EVERYSEC_WINDOW_US`]
//!   before the crash (the oracle's window is 1 s + 2 s of postponement + two cron periods +
//!   two scheduling steps = 3.3 s at `hz 10` with instant fsyncs; the reference uses more);
//! - `no`: every state since the restart;
//! - RDB only: the last snapshot known durable and every snapshot started after it.
//!
//! The keel-sim harness inside the system under test checks the exact rule (the durability
//! oracle, with the fsyncs it saw); the reference only has to contain the truth.

use std::fmt;

use keel_models::{Model, Reply, State};
use keel_sim::check::visible_at;
use keel_sim::clock::DEFAULT_UNIX_MS;
use keel_sim::workload::resolve_time_arg;
use proptest::prelude::*;
use proptest_state_machine::ReferenceStateMachine;

use crate::commands::{command, Cmd};

/// Clients the harness connects (model ids 0 and 1).
pub const CLIENTS: usize = 2;
/// Simulated time a `Bgsave`/`Rewrite` transition lets pass after the child ends, so cron reaps
/// it (two cron periods at `hz 10`); it passes twice (before and after the fork).
pub const REAP_MS: u64 = 200;
/// See the module doc: more than the oracle's everysec window in these scenarios.
pub const EVERYSEC_WINDOW_US: u64 = 4_000_000;

/// The persistence configuration of one case.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Persist {
    Always,
    Everysec,
    No,
    Rdb,
}

/// One step of a case.
#[derive(Clone, Debug)]
pub enum Transition {
    /// `client` sends `cmds` pipelined (fed in two parts cut at `split_permille` of the bytes,
    /// if set), then, if `flush`, the event loop's `before_sleep` runs and the replies are sent.
    Send { client: usize, cmds: Vec<Cmd>, split_permille: Option<u32>, flush: bool },
    /// Simulated time passes with the event loop running (cron, background fsyncs).
    Advance { ms: u64 },
    /// BGSAVE (the child is not stepped).
    BgsaveStart,
    /// Any running child is finished and reaped, then BGSAVE runs to its end and is reaped.
    Bgsave,
    /// BGREWRITEAOF (the child is not stepped).
    RewriteStart,
    /// Any running child is finished and reaped, then BGREWRITEAOF runs to its end and is
    /// installed.
    Rewrite,
    /// The running fork child takes one step.
    ChildStep,
    /// The client disconnects and connects again.
    Reconnect { client: usize },
    /// `kill -9` (or a power loss) and a restart from the simulated disk.
    Crash { power_loss: bool },
}

/// What the engine must answer to one command.
#[derive(Clone)]
pub enum Expected {
    Exact(Reply),
    /// A command with several valid answers (order, choice): checked by
    /// `Model::check_and_adopt` on the model as it was before the command.
    Valid { before: Box<Model>, client: u64, argv: Vec<Vec<u8>>, now_ms: i64 },
}

impl Expected {
    /// `Err` says why `engine` is not an acceptable answer.
    pub fn check(&self, engine: &Reply) -> Result<(), String> {
        match self {
            Expected::Exact(want) if want == engine => Ok(()),
            Expected::Exact(want) => Err(format!("expected {want}, found {engine}")),
            Expected::Valid { before, client, argv, now_ms } => {
                before.as_ref().clone().check_and_adopt(*client, argv, *now_ms, engine)
            }
        }
    }
}

/// A state a world passed through, and when a flush acknowledged it.
#[derive(Clone)]
pub struct Point {
    pub state: State,
    pub acked_us: Option<u64>,
}

/// One possible engine state (see the module doc).
#[derive(Clone)]
pub struct World {
    pub model: Model,
    /// Indices of the previous crash's worlds this one may continue (empty before any crash).
    pub parents: Vec<usize>,
    /// Replies predicted for the last transition's commands, in order.
    pub expected: Vec<Expected>,
    points: Vec<Point>,
    /// RDB only: the last snapshot known durable, then the ones started after it.
    snapshots: Vec<State>,
}

impl World {
    fn new(model: Model, parents: Vec<usize>, now_us: u64) -> World {
        let state = model.state(i64::MIN);
        let points = vec![Point { state: state.clone(), acked_us: Some(now_us) }];
        World { model, parents, expected: Vec::new(), points, snapshots: vec![state] }
    }

    /// Run one command: predict its reply and log the state if it changed.
    fn run(&mut self, client: u64, argv: Vec<Vec<u8>>, now_ms: i64) {
        let expected = if Model::is_nondeterministic(&argv) {
            let before = Box::new(self.model.clone());
            self.model.apply(client, &argv, now_ms);
            Expected::Valid { before, client, argv, now_ms }
        } else {
            Expected::Exact(self.model.apply(client, &argv, now_ms))
        };
        self.expected.push(expected);
        let state = self.model.state(i64::MIN);
        if self.points.last().is_none_or(|p| p.state != state) {
            self.points.push(Point { state, acked_us: None });
        }
    }

    fn ack_all(&mut self, now_us: u64) {
        for p in self.points.iter_mut().rev().take_while(|p| p.acked_us.is_none()) {
            p.acked_us = Some(now_us);
        }
    }

    /// Index of the oldest point a crash at `now_us` may still recover.
    fn floor(&self, persist: Persist, now_us: u64) -> usize {
        let last = |f: &dyn Fn(u64) -> bool| self.points.iter().rposition(|p| p.acked_us.is_some_and(f)).unwrap_or(0);
        match persist {
            Persist::Always => last(&|_| true),
            Persist::Everysec => last(&|at| now_us.saturating_sub(at) > EVERYSEC_WINDOW_US),
            Persist::No | Persist::Rdb => 0,
        }
    }

    /// Drop the points no crash can recover any more (floors only move forward).
    fn prune(&mut self, persist: Persist, now_us: u64) {
        let floor = self.floor(persist, now_us);
        self.points.drain(..floor);
    }

    /// The states a crash at `now_us` may recover, unfiltered.
    fn recoverable(&self, persist: Persist, now_us: u64) -> Vec<&State> {
        match persist {
            Persist::Rdb => self.snapshots.iter().collect(),
            _ => self.points[self.floor(persist, now_us)..].iter().map(|p| &p.state).collect(),
        }
    }
}

/// The reference state: the case's configuration, the simulated clock, and the worlds.
#[derive(Clone)]
pub struct RefState {
    pub seed: u64,
    pub persist: Persist,
    /// Monotonic simulated time; the wall clock is `DEFAULT_UNIX_MS` + this (see `now_ms`).
    pub now_us: u64,
    pub worlds: Vec<World>,
    /// Restarts so far (each crash is one).
    pub restarts: u32,
}

impl fmt::Debug for RefState {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "RefState {{ seed: {}, persist: {:?}, now_us: {}, worlds: {} }}", self.seed, self.persist, self.now_us, self.worlds.len())
    }
}

impl RefState {
    pub fn new(seed: u64, persist: Persist) -> RefState {
        RefState { seed, persist, now_us: 0, worlds: vec![World::new(Model::new(), Vec::new(), 0)], restarts: 0 }
    }

    /// The simulated wall clock in ms (the clock starts at `DEFAULT_UNIX_MS`, monotonic 0).
    pub fn now_ms(&self) -> i64 {
        DEFAULT_UNIX_MS + (self.now_us / 1000) as i64
    }

    fn send(&mut self, client: usize, cmds: &[Cmd], flush: bool) {
        let now_ms = self.now_ms();
        for w in &mut self.worlds {
            w.expected.clear();
            for c in cmds {
                let argv = c.iter().map(|a| resolve_time_arg(a.as_bytes(), now_ms)).collect();
                w.run(client as u64, argv, now_ms);
            }
            if flush {
                w.ack_all(self.now_us);
            }
        }
    }

    fn advance(&mut self, ms: u64) {
        self.now_us += ms * 1000;
    }

    /// A snapshot of the current state may be taken (it is if no child runs).
    fn snapshot_started(&mut self) {
        for w in &mut self.worlds {
            let state = w.model.state(i64::MIN);
            w.snapshots.push(state);
        }
    }

    /// A snapshot of the current state is durable (`Bgsave` ran to its end).
    fn snapshot_durable(&mut self) {
        for w in &mut self.worlds {
            w.snapshots = vec![w.model.state(i64::MIN)];
        }
    }

    /// The crash: the new worlds are the distinct recoverable states (as visible now). Each
    /// world's model also keeps the keys that expired in the states it merges: an AOF replay
    /// brings them back into the engine's dict until they are reclaimed, and DBSIZE counts
    /// them (its upper bound is the model's physical count).
    fn crash(&mut self) {
        let now_ms = self.now_ms();
        let mut next: Vec<(State, State, Vec<usize>)> = Vec::new();
        for (i, w) in self.worlds.iter().enumerate() {
            for state in w.recoverable(self.persist, self.now_us) {
                let visible = visible_at(state, now_ms);
                match next.iter_mut().find(|(v, _, _)| *v == visible) {
                    Some((_, physical, parents)) => {
                        add_missing_keys(physical, state);
                        parents.push(i);
                    }
                    None => next.push((visible, state.clone(), vec![i])),
                }
            }
        }
        self.worlds = next
            .into_iter()
            .map(|(_, physical, parents)| {
                let mut model = Model::new();
                model.load_state(&physical);
                World::new(model, parents, self.now_us)
            })
            .collect();
        self.restarts += 1;
    }

    /// Clear the last transition's predictions and drop unrecoverable points.
    fn settle(&mut self) {
        for w in &mut self.worlds {
            w.prune(self.persist, self.now_us);
        }
    }
}

/// Add to `into` the keys of `from` it lacks (states with the same visible keys differ only in
/// expired ones).
fn add_missing_keys(into: &mut State, from: &State) {
    for (&db, keys) in from {
        let target = into.entry(db).or_default();
        for (key, entry) in keys {
            target.entry(key.clone()).or_insert_with(|| entry.clone());
        }
    }
}

/// The `ReferenceStateMachine`; `MODE` forces the persistence (0 = drawn per case, see
/// [`mode_persist`]).
pub struct Reference<const MODE: u8>;

/// `MODE` values of [`Reference`].
pub const ANY: u8 = 0;
pub const ALWAYS: u8 = 1;

fn mode_persist(mode: u8) -> Option<Persist> {
    match mode {
        ALWAYS => Some(Persist::Always),
        _ => None,
    }
}

impl<const MODE: u8> ReferenceStateMachine for Reference<MODE> {
    type State = RefState;
    type Transition = Transition;

    fn init_state() -> BoxedStrategy<RefState> {
        let persist = match mode_persist(MODE) {
            Some(p) => Just(p).boxed(),
            None => prop::sample::select(&[Persist::Always, Persist::Everysec, Persist::No, Persist::Rdb][..]).boxed(),
        };
        (0u64..1024, persist).prop_map(|(seed, persist)| RefState::new(seed, persist)).boxed()
    }

    fn transitions(state: &RefState) -> BoxedStrategy<Transition> {
        let send = (0..CLIENTS, prop::collection::vec(command(), 1..4), prop::option::weighted(0.15, 1u32..1000), prop::bool::weighted(0.8))
            .prop_map(|(client, cmds, split_permille, flush)| Transition::Send { client, cmds, split_permille, flush });
        let advance = prop::sample::select(&[1u64, 10, 100, 1000, 1500, 5000][..]).prop_map(|ms| Transition::Advance { ms });
        let rdb = state.persist == Persist::Rdb;
        // Under RDB only a rewrite child would make BGSAVE fail; leave rewrites out there.
        let (rewrite_w, rewrite_start_w) = if rdb { (0, 0) } else { (2, 1) };
        prop_oneof![
            30 => send,
            6 => advance,
            2 => Just(Transition::Bgsave),
            1 => Just(Transition::BgsaveStart),
            rewrite_w => Just(Transition::Rewrite),
            rewrite_start_w => Just(Transition::RewriteStart),
            2 => Just(Transition::ChildStep),
            1 => (0..CLIENTS).prop_map(|client| Transition::Reconnect { client }),
            4 => any::<bool>().prop_map(|power_loss| Transition::Crash { power_loss }),
        ]
        .boxed()
    }

    fn apply(mut state: RefState, transition: &Transition) -> RefState {
        for w in &mut state.worlds {
            w.expected.clear();
        }
        match transition {
            Transition::Send { client, cmds, flush, .. } => state.send(*client, cmds, *flush),
            Transition::Advance { ms } => state.advance(*ms),
            Transition::BgsaveStart => state.snapshot_started(),
            Transition::Bgsave => {
                state.advance(REAP_MS);
                state.snapshot_durable();
                state.advance(REAP_MS);
            }
            Transition::Rewrite => state.advance(2 * REAP_MS),
            Transition::RewriteStart | Transition::ChildStep => {}
            Transition::Reconnect { client } => {
                for w in &mut state.worlds {
                    w.model.disconnect(*client as u64);
                }
            }
            Transition::Crash { .. } => state.crash(),
        }
        state.settle();
        state
    }
}
