//! The durability oracle on synthetic histories: each kind of persistence bug must be flagged
//! with the right `Violation`, and correct histories must pass under every policy.
//!
//! Digests and states come from a real `Model` run, so prefixes are genuine model states.

use keel_models::model::first_difference;
use keel_models::oracle::{
    check_ack_order, check_expiry_visibility, check_recovery, History, Policy, Recovery, Violation,
    WriteId,
};
use keel_models::{Model, State};

const NOW: i64 = 1_700_000_000_000;

fn argv(cmd: &str) -> Vec<Vec<u8>> {
    cmd.split(' ').map(|s| s.as_bytes().to_vec()).collect()
}

/// A recorded run: the history plus the model state after every prefix.
struct Run {
    model: Model,
    history: History,
    states: Vec<State>,
}

impl Run {
    fn new() -> Run {
        let model = Model::new();
        let history = History::new(model.digest(NOW));
        Run {
            states: vec![model.state(NOW)],
            model,
            history,
        }
    }

    /// Execute `cmd` as one write of client 1 at `t_us`.
    fn write(&mut self, cmd: &str, t_us: u64) -> WriteId {
        self.model.apply(1, &argv(cmd), NOW);
        self.states.push(self.model.state(NOW));
        self.history.write(1, self.model.digest(NOW), 1, t_us)
    }

    /// Execute `cmds` as one MULTI/EXEC, recording the digest after each command.
    fn txn(&mut self, cmds: &[&str], t_us: u64) -> WriteId {
        self.model.apply(1, &argv("MULTI"), NOW);
        let mut steps = Vec::new();
        let mut scratch = self.model.clone();
        scratch.apply(1, &argv("DISCARD"), NOW);
        for cmd in cmds {
            self.model.apply(1, &argv(cmd), NOW);
            scratch.apply(1, &argv(cmd), NOW);
            steps.push(scratch.digest(NOW));
        }
        self.model.apply(1, &argv("EXEC"), NOW);
        self.states.push(self.model.state(NOW));
        let id = self
            .history
            .write(1, self.model.digest(NOW), cmds.len(), t_us);
        self.history.txn_step_digests(id, steps);
        id
    }

    fn recover(&self, state: &State, crash_at_us: u64, policy: Policy) -> Result<usize, Violation> {
        let mut m = Model::new();
        m.load_state(state);
        let r = Recovery {
            recovered_digest: m.digest(NOW),
            crash_at_us,
            policy,
        };
        check_recovery(&self.history, &r, |k| {
            first_difference(&self.states[k], state)
        })
        .map(|v| v.matched_prefix_k)
    }
}

/// Five writes at t = 10, 20, .., 50, each acked 1us later and fsynced right before its ack.
fn five_fsynced_writes() -> Run {
    let mut run = Run::new();
    for i in 0..5u64 {
        let t = 10 * (i + 1);
        let id = run.write(&format!("SET k{i} v{i}"), t);
        run.history.durable_through(Some(id), t);
        run.history.ack(id, t + 1);
    }
    run
}

#[test]
fn correct_histories_pass_under_every_policy() {
    let run = five_fsynced_writes();
    assert_eq!(check_ack_order(&run.history, &Policy::Always), Ok(()));
    assert_eq!(run.recover(&run.states[5], 100, Policy::Always), Ok(5));
    assert_eq!(
        run.recover(&run.states[5], 100, Policy::Everysec { window_us: 1_000 }),
        Ok(5)
    );
    assert_eq!(run.recover(&run.states[5], 100, Policy::No), Ok(5));

    let mut lazy = Run::new();
    let ids: Vec<_> = (0..4)
        .map(|i| lazy.write(&format!("SET k{i} v"), 1_000 * i as u64))
        .collect();
    ids.iter().for_each(|&id| {
        lazy.history
            .ack(id, lazy.history.writes()[id.0].executed_at_us + 1)
    });
    assert_eq!(check_ack_order(&lazy.history, &Policy::No), Ok(()));
    assert_eq!(
        lazy.recover(&lazy.states[2], 5_000, Policy::No),
        Ok(2),
        "appendfsync no: any prefix"
    );
    let everysec = Policy::Everysec { window_us: 2_500 };
    assert_eq!(
        lazy.recover(&lazy.states[2], 4_000, everysec),
        Ok(2),
        "writes inside the window may go"
    );

    let snap = lazy.history.snapshot_forked(Some(ids[2]), 3_500);
    lazy.history.snapshot_durable(snap, 3_800);
    assert_eq!(lazy.recover(&lazy.states[3], 5_000, Policy::RdbOnly), Ok(3));
    assert_eq!(lazy.recover(&lazy.states[0], 5_000, Policy::None), Ok(0));
}

#[test]
fn lost_acknowledged_write_under_always_is_flagged() {
    let run = five_fsynced_writes();
    match run.recover(&run.states[3], 100, Policy::Always) {
        Err(Violation::LostAckedWrite {
            required_k: 5,
            recovered_k: 3,
            first_lost: WriteId(3),
            first_diff,
        }) => {
            assert!(
                first_diff.is_some_and(|d| d.contains("k3")),
                "names the first missing key"
            );
        }
        other => panic!("expected LostAckedWrite, got {other:?}"),
    }
}

#[test]
fn everysec_loses_nothing_acknowledged_before_the_window() {
    let run = five_fsynced_writes();
    // Acked at 11..51; crash at 2_000 with a 1_000us window: all five must survive.
    let lost = run.recover(&run.states[4], 2_000, Policy::Everysec { window_us: 1_000 });
    assert!(
        matches!(lost, Err(Violation::LostAckedWrite { required_k: 5, .. })),
        "{lost:?}"
    );
}

#[test]
fn a_hole_in_the_prefix_is_not_a_prefix() {
    let run = five_fsynced_writes();
    let mut holed = run.states[5].clone();
    holed.get_mut(&0).map(|keys| keys.remove(b"k2".as_slice()));
    match run.recover(&holed, 100, Policy::No) {
        Err(Violation::NotAPrefix {
            closest_k: 5,
            first_diff: Some(d),
            ..
        }) => assert!(d.contains("k2"), "{d}"),
        other => panic!("expected NotAPrefix, got {other:?}"),
    }
}

#[test]
fn a_reordered_pair_is_not_a_prefix() {
    let mut run = Run::new();
    run.write("SET x 1", 10);
    run.write("SET x 2", 20);
    run.write("SET y 1", 30);
    // The engine applied SET x 2 before SET x 1: x ends as 1 next to y.
    let mut m = Model::new();
    for cmd in ["SET x 2", "SET x 1", "SET y 1"] {
        m.apply(1, &argv(cmd), NOW);
    }
    let found = run.recover(&m.state(NOW), 100, Policy::No);
    assert!(
        matches!(found, Err(Violation::NotAPrefix { .. })),
        "{found:?}"
    );
}

#[test]
fn an_ack_before_its_covering_fsync_is_flagged_under_always() {
    let mut run = Run::new();
    let a = run.write("SET a 1", 10);
    run.history.durable_through(Some(a), 11);
    run.history.ack(a, 12);
    let b = run.write("SET b 1", 20);
    run.history.ack(b, 21);
    run.history.durable_through(Some(b), 25);
    let found = check_ack_order(&run.history, &Policy::Always);
    assert_eq!(
        found,
        Err(Violation::AckBeforeDurable {
            write: b,
            acked_at_us: 21,
            durable_at_us: Some(25)
        })
    );
    assert_eq!(
        check_ack_order(&run.history, &Policy::No),
        Ok(()),
        "fine without always"
    );
}

#[test]
fn half_a_multi_exec_is_flagged_as_half_transaction() {
    let mut run = Run::new();
    run.write("SET a 1", 10);
    let txn = run.txn(&["SET b 1", "SET c 1", "DEL a"], 20);
    let mut half = Model::new();
    for cmd in ["SET a 1", "SET b 1"] {
        half.apply(1, &argv(cmd), NOW);
    }
    let found = run.recover(&half.state(NOW), 100, Policy::No);
    assert_eq!(
        found,
        Err(Violation::HalfTransaction {
            txn,
            commands_applied: 1,
            txn_size: 3
        })
    );
    assert_eq!(
        run.recover(&run.states[2], 100, Policy::No),
        Ok(2),
        "the whole transaction is fine"
    );
}

#[test]
fn an_expired_key_visible_after_recovery_is_flagged() {
    let mut m = Model::new();
    m.apply(1, &argv("SET gone v PX 1000"), NOW);
    m.apply(1, &argv("SET stays v PX 100000"), NOW);
    let prefix = m.state(NOW);
    let later = NOW + 5_000;
    match check_expiry_visibility(&prefix, &prefix, later) {
        Err(Violation::ExpiredKeyVisible {
            key,
            expire_at_ms,
            now_ms,
            ..
        }) => {
            assert_eq!(
                (key.as_slice(), expire_at_ms, now_ms),
                (b"gone".as_slice(), NOW + 1000, later)
            );
        }
        other => panic!("expected ExpiredKeyVisible, got {other:?}"),
    }
    m.purge_expired(later);
    assert_eq!(
        check_expiry_visibility(&prefix, &m.state(later), later),
        Ok(())
    );
    let found = check_expiry_visibility(&prefix, &State::new(), later);
    assert!(
        matches!(found, Err(Violation::StateMismatch { .. })),
        "a live key went missing: {found:?}"
    );
}

#[test]
fn an_ack_after_an_fsync_error_without_a_later_fsync_is_a_false_ack() {
    let mut run = Run::new();
    let a = run.write("SET a 1", 10);
    run.history.ack(a, 11);
    run.history.fsync_error(50);
    let b = run.write("SET b 1", 60);
    run.history.ack(b, 61);
    let policy = Policy::Everysec {
        window_us: 2_000_000,
    };
    let found = check_ack_order(&run.history, &policy);
    assert_eq!(
        found,
        Err(Violation::FalseAckAfterError {
            write: b,
            error_at_us: 50,
            acked_at_us: 61
        })
    );

    let mut recovered = Run::new();
    let a = recovered.write("SET a 1", 10);
    recovered.history.ack(a, 11);
    recovered.history.fsync_error(50);
    recovered.history.durable_through(Some(a), 55);
    let b = recovered.write("SET b 1", 60);
    recovered.history.ack(b, 61);
    assert_eq!(
        check_ack_order(&recovered.history, &policy),
        Ok(()),
        "an fsync succeeded since"
    );
}

#[test]
fn acks_out_of_execution_order_for_one_client_are_flagged() {
    let mut run = Run::new();
    let a = run.write("SET a 1", 10);
    let b = run.write("SET b 1", 20);
    run.history.ack(b, 30);
    run.history.ack(a, 40);
    assert_eq!(
        check_ack_order(&run.history, &Policy::No),
        Err(Violation::AckOutOfOrder {
            client: 1,
            earlier: a,
            later: b
        })
    );
}

#[test]
fn rdb_recovery_must_be_a_durable_snapshot_point() {
    let mut run = Run::new();
    let ids: Vec<_> = (0..4)
        .map(|i| run.write(&format!("SET k{i} v"), 10 * i as u64 + 10))
        .collect();
    let s = run.history.snapshot_forked(Some(ids[1]), 25);
    run.history.snapshot_durable(s, 45);
    assert_eq!(run.recover(&run.states[2], 100, Policy::RdbOnly), Ok(2));
    let found = run.recover(&run.states[4], 100, Policy::RdbOnly);
    assert_eq!(
        found,
        Err(Violation::NotASnapshotPoint {
            recovered_k: 4,
            allowed_k: vec![2]
        })
    );
    let before_durable = run.recover(&run.states[0], 40, Policy::RdbOnly);
    assert_eq!(
        before_durable,
        Ok(0),
        "crash before the rename+fsync: the previous (empty) state"
    );
}

#[test]
fn violations_display_expected_and_found() {
    let v = Violation::LostAckedWrite {
        required_k: 5,
        recovered_k: 3,
        first_lost: WriteId(3),
        first_diff: None,
    };
    let text = v.to_string();
    assert!(
        text.contains("at least 5") && text.contains("found prefix 3"),
        "{text}"
    );
}
