//! `proptest-state-machine` test of the engine against `keel-models` (issue 8).
//!
//! Reference state machine: the model (`reference.rs`), which predicts every reply and the set
//! of states a crash may bring back under the case's persistence policy (`always`, `everysec`,
//! `no`, RDB snapshots). System under test: a keel `Server` on keel-sim's simulated machine,
//! driven through the keel-sim harness (`sut.rs`). Transitions: pipelines of commands of every
//! family (`commands.rs`) with or without a flush, time passing, BGSAVE and BGREWRITEAOF
//! (started, stepped, or run to their end), reconnects, and process crashes and power losses
//! followed by a restart. After each step: replies equal, the keyspace equal, and after a
//! restart the recovered state is allowed by the reference and by the harness's durability
//! oracle.
//!
//! A failure is shrunk by proptest to a minimal sequence of transitions; the two `shrinks_*`
//! tests prove it on deliberate bugs (`sut::Bug`).
//!
//! Reproduce a failure: proptest prints the shrunk initial state (seed, persistence) and the
//! transitions, and saves the case's seed in `sim/proptest-regressions/`, which is replayed
//! first on the next run. `PROPTEST_CASES=2000 cargo test -p keel-sim --release --test
//! state_machine` runs a longer campaign; `KEEL_SM_STATS=1` (with `-- --nocapture`) prints one
//! line per case: persistence, transitions, restarts, worlds, and the harness's coverage marks.

mod commands;
mod reference;
mod sut;

use proptest::test_runner::{Config, RngSeed, TestError, TestRunner};
use proptest_state_machine::{prop_state_machine, ReferenceStateMachine, StateMachineTest};

use reference::{Transition, ANY};
use sut::{CorruptReplyTest, EngineTest, LoseFilesTest};

/// Cases per run of the main test: sized to stay well under a minute in a debug build on two
/// cores (override with `PROPTEST_CASES`).
const CASES: u32 = 256;
/// The generator's seed is fixed so CI runs the same cases every time (determinism rule); to
/// explore other sequences, set `KEEL_SM_SEED=<u64>`.
const SEED: u64 = 0x6b65_656c;

fn seed() -> u64 {
    std::env::var("KEEL_SM_SEED").ok().and_then(|s| s.parse().ok()).unwrap_or(SEED)
}

prop_state_machine! {
    #![proptest_config(Config { cases: CASES, max_shrink_iters: 4096, rng_seed: RngSeed::Fixed(seed()), ..Config::default() })]

    #[test]
    fn engine_matches_the_model_across_crashes_and_restarts(sequential 1..48 => EngineTest<ANY>);
}

/// Run `T` until proptest reports a failure; return the shrunk transitions.
fn shrunk_failure<T: StateMachineTest>() -> (String, Vec<Transition>)
where
    T::Reference: ReferenceStateMachine<State = reference::RefState, Transition = Transition>,
{
    let config = Config { cases: 256, failure_persistence: None, max_shrink_iters: 4096, ..Config::default() };
    let mut runner = TestRunner::new(config.clone());
    let strategy = T::Reference::sequential_strategy(1..48);
    let result = runner.run(&strategy, |(initial, transitions, seen)| {
        T::test_sequential(config.clone(), initial, transitions, seen);
        Ok(())
    });
    match result {
        Err(TestError::Fail(why, (initial, transitions, _))) => {
            eprintln!("shrunk to {} transition(s) from {initial:?}: {transitions:#?}", transitions.len());
            (why.to_string(), transitions)
        }
        other => panic!("the deliberate bug was not caught: {other:?}"),
    }
}

/// A wrong reply (the first reply of the 5th or a later transition) is caught and shrunk to
/// the shortest sequence that reaches it: four transitions, then a send.
#[test]
fn shrinks_a_corrupted_reply_to_the_minimal_sequence() {
    let (why, transitions) = shrunk_failure::<CorruptReplyTest<4>>();
    assert!(why.contains("matches no reference world"), "{why}");
    assert_eq!(transitions.len(), 5, "{transitions:#?}");
    assert!(matches!(transitions.last(), Some(Transition::Send { .. })), "{transitions:#?}");
}

/// Data files lost at a crash under `appendfsync always` are caught by the durability checks
/// and shrunk to a write and a crash (at most three transitions).
#[test]
fn shrinks_a_lost_acknowledged_write_to_a_write_and_a_crash() {
    let (why, transitions) = shrunk_failure::<LoseFilesTest>();
    assert!(transitions.len() <= 3, "{why}\n{transitions:#?}");
    assert!(matches!(transitions.last(), Some(Transition::Crash { .. })), "{why}\n{transitions:#?}");
    assert!(transitions.iter().any(|t| matches!(t, Transition::Send { flush: true, .. })), "{transitions:#?}");
}
