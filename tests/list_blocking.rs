//! Blocking list commands driven through the `Server` on the simulated clock (no sleeps):
//! a blocked client is served by another client's push, in FIFO order, with the effect
//! propagated as the non-blocking command; timeouts fire from cron; a blocked client's
//! pipelined input waits until it is unblocked; a disconnecting client leaves the queues;
//! inside EXEC nothing blocks.

mod support;

use keel::keyspace::ClientId;
use keel::resp::Frame;
use support::rig::Rig;

fn bulk(s: &str) -> Frame {
    Frame::Bulk(s.as_bytes().to_vec())
}

fn pair(k: &str, v: &str) -> Frame {
    Frame::Array(vec![bulk(k), bulk(v)])
}

/// Send one command without expecting a reply (it may block).
fn send(rig: &mut Rig, client: ClientId, line: &str) -> Vec<Frame> {
    let args: Vec<&[u8]> = line.split_whitespace().map(str::as_bytes).collect();
    let mut bytes = Vec::new();
    keel::resp::encode_command(&args, &mut bytes);
    rig.send_raw(client, &bytes)
}

/// Replies released to `client` since the last look.
fn poll(rig: &mut Rig, client: ClientId) -> Vec<Frame> {
    rig.send_raw(client, b"")
}

fn effects(rig: &Rig) -> Vec<String> {
    let log = rig.server.effects_log.as_ref().expect("effects log enabled");
    log.iter().map(|e| e.argv.iter().map(|a| String::from_utf8_lossy(a).into_owned()).collect::<Vec<_>>().join(" ")).collect()
}

fn rig_with_effects(seed: u64) -> Rig {
    let mut rig = Rig::new(seed);
    rig.server.effects_log = Some(Vec::new());
    rig
}

#[test]
fn blpop_is_served_by_another_clients_push_and_propagates_as_lpop() {
    let mut rig = rig_with_effects(1);
    let (a, b) = (rig.client, rig.connect());
    assert!(send(&mut rig, a, "BLPOP k 0").is_empty(), "no key: the client blocks");
    assert_eq!(rig.server.blocked.blocked_clients(), 1);
    assert_eq!(rig.cmd_on(b, "RPUSH k v"), Frame::Integer(1));
    assert_eq!(poll(&mut rig, a), vec![pair("k", "v")]);
    assert_eq!(rig.cmd_on(b, "EXISTS k"), Frame::Integer(0), "the served pop emptied and deleted the list");
    assert_eq!(rig.server.blocked.blocked_clients(), 0);
    assert_eq!(effects(&rig), vec!["RPUSH k v", "LPOP k"]);
}

#[test]
fn a_timeout_fires_from_cron_on_the_simulated_clock() {
    let mut rig = Rig::new(2);
    let a = rig.client;
    assert!(send(&mut rig, a, "BRPOP k 0.5").is_empty());
    rig.advance_ms(400);
    rig.server.maybe_cron();
    assert!(poll(&mut rig, a).is_empty(), "400 ms < 500 ms: still blocked");
    rig.advance_ms(200);
    rig.server.maybe_cron();
    assert_eq!(poll(&mut rig, a), vec![Frame::NullArray]);
    assert_eq!(rig.cmd_on(a, "PING"), Frame::Simple("PONG".into()), "the client serves commands again");
}

#[test]
fn blmove_timeout_replies_a_null_array_and_zero_waits_forever() {
    let mut rig = Rig::new(3);
    let (a, b) = (rig.client, rig.connect());
    assert!(send(&mut rig, a, "BLMOVE s d LEFT RIGHT 0.01").is_empty());
    assert!(send(&mut rig, b, "BLPOP forever 0").is_empty());
    rig.advance_ms(10_000);
    rig.server.maybe_cron();
    assert_eq!(poll(&mut rig, a), vec![Frame::NullArray], "Redis 7.0 replies *-1 even for BLMOVE");
    assert!(poll(&mut rig, b).is_empty(), "timeout 0 never expires");
}

#[test]
fn waiters_are_served_in_fifo_order() {
    let mut rig = Rig::new(4);
    let (a, b, c, d) = (rig.client, rig.connect(), rig.connect(), rig.connect());
    for x in [a, b, c] {
        assert!(send(&mut rig, x, "BLPOP k 0").is_empty());
    }
    assert_eq!(rig.cmd_on(d, "RPUSH k 1 2"), Frame::Integer(2), "the pusher sees the length before serving");
    assert_eq!(poll(&mut rig, a), vec![pair("k", "1")]);
    assert_eq!(poll(&mut rig, b), vec![pair("k", "2")]);
    assert!(poll(&mut rig, c).is_empty(), "the list ran out before the third waiter");
    assert_eq!(rig.cmd_on(d, "LPUSH k 3"), Frame::Integer(1));
    assert_eq!(poll(&mut rig, c), vec![pair("k", "3")]);
}

#[test]
fn blmove_serves_then_its_push_serves_the_next_waiter() {
    let mut rig = rig_with_effects(5);
    let (a, b, c) = (rig.client, rig.connect(), rig.connect());
    assert!(send(&mut rig, a, "BLMOVE src dst LEFT RIGHT 0").is_empty());
    assert!(send(&mut rig, b, "BLPOP dst 0").is_empty());
    assert_eq!(rig.cmd_on(c, "RPUSH src x"), Frame::Integer(1));
    assert_eq!(poll(&mut rig, a), vec![bulk("x")]);
    assert_eq!(poll(&mut rig, b), vec![pair("dst", "x")]);
    assert_eq!(effects(&rig), vec!["RPUSH src x", "LMOVE src dst LEFT RIGHT", "LPOP dst"]);
}

#[test]
fn brpoplpush_and_blmpop_propagate_their_non_blocking_forms() {
    let mut rig = rig_with_effects(6);
    let (a, b, c) = (rig.client, rig.connect(), rig.connect());
    assert!(send(&mut rig, a, "BRPOPLPUSH s d 0").is_empty());
    assert!(send(&mut rig, b, "BLMPOP 0 2 x m RIGHT COUNT 5").is_empty());
    assert_eq!(rig.cmd_on(c, "RPUSH s 1"), Frame::Integer(1));
    assert_eq!(rig.cmd_on(c, "RPUSH m 1 2 3"), Frame::Integer(3));
    assert_eq!(poll(&mut rig, a), vec![bulk("1")]);
    assert_eq!(poll(&mut rig, b), vec![Frame::Array(vec![bulk("m"), Frame::Array(vec![bulk("3"), bulk("2"), bulk("1")])])]);
    assert_eq!(effects(&rig), vec!["RPUSH s 1", "RPOPLPUSH s d", "RPUSH m 1 2 3", "RPOP m 3"]);
}

#[test]
fn pipelined_input_of_a_blocked_client_runs_once_it_is_served() {
    let mut rig = Rig::new(7);
    let (a, b) = (rig.client, rig.connect());
    let mut bytes = Vec::new();
    keel::resp::encode_command(&[b"BLPOP", b"k", b"0"], &mut bytes);
    keel::resp::encode_command(&[b"LLEN", b"k"], &mut bytes);
    keel::resp::encode_command(&[b"PING"], &mut bytes);
    assert!(rig.send_raw(a, &bytes).is_empty(), "LLEN and PING wait behind the blocked BLPOP");
    assert_eq!(rig.cmd_on(b, "RPUSH k v w"), Frame::Integer(2));
    assert_eq!(poll(&mut rig, a), vec![pair("k", "v"), Frame::Integer(1), Frame::Simple("PONG".into())]);
}

#[test]
fn a_blocked_client_that_disconnects_leaves_every_queue() {
    let mut rig = Rig::new(8);
    let (a, b) = (rig.client, rig.connect());
    assert!(send(&mut rig, a, "BLPOP k1 k2 k1 0").is_empty());
    assert_eq!(rig.server.blocked.blocking_keys(), 2, "duplicate keys register once");
    rig.server.disconnect(a);
    assert_eq!(rig.server.blocked.blocked_clients(), 0);
    assert_eq!(rig.server.blocked.blocking_keys(), 0);
    assert_eq!(rig.cmd_on(b, "RPUSH k1 v"), Frame::Integer(1));
    assert_eq!(rig.cmd_on(b, "LLEN k1"), Frame::Integer(1), "nobody popped it");
}

#[test]
fn inside_exec_blocking_commands_answer_at_once() {
    let mut rig = Rig::new(9);
    rig.cmd("MULTI");
    for line in ["BLPOP k 0", "BLMOVE k d LEFT LEFT 0", "BRPOPLPUSH k d 0", "BLMPOP 0 1 k LEFT"] {
        assert_eq!(rig.cmd(line), Frame::Simple("QUEUED".into()));
    }
    let want = Frame::Array(vec![Frame::NullArray, Frame::Null, Frame::Null, Frame::NullArray]);
    assert_eq!(rig.cmd("EXEC"), want);
    assert_eq!(rig.server.blocked.blocked_clients(), 0);
}

#[test]
fn ready_keys_are_served_in_signal_order() {
    let mut rig = Rig::new(10);
    let (a, b) = (rig.client, rig.connect());
    assert!(send(&mut rig, a, "BLPOP k1 k2 0").is_empty());
    rig.cmd_on(b, "MULTI");
    rig.cmd_on(b, "RPUSH k2 a");
    rig.cmd_on(b, "RPUSH k1 b");
    rig.cmd_on(b, "EXEC");
    assert_eq!(poll(&mut rig, a), vec![pair("k2", "a")], "k2 was created first");
    assert_eq!(rig.cmd_on(b, "LLEN k1"), Frame::Integer(1));
}

#[test]
fn a_key_filled_by_rename_serves_its_waiters() {
    let mut rig = Rig::new(11);
    let (a, b) = (rig.client, rig.connect());
    assert!(send(&mut rig, a, "BLPOP k 0").is_empty());
    rig.cmd_on(b, "RPUSH src v");
    assert!(poll(&mut rig, a).is_empty());
    assert_eq!(rig.cmd_on(b, "RENAME src k"), Frame::Simple("OK".into()));
    assert_eq!(poll(&mut rig, a), vec![pair("k", "v")]);
}

#[test]
fn blmove_into_a_destination_of_another_type_gets_wrongtype_and_keeps_the_element() {
    let mut rig = Rig::new(12);
    let (a, b) = (rig.client, rig.connect());
    assert!(send(&mut rig, a, "BLMOVE src dst LEFT RIGHT 0").is_empty());
    rig.cmd_on(b, "SET dst str");
    assert_eq!(rig.cmd_on(b, "RPUSH src v"), Frame::Integer(1));
    assert_eq!(poll(&mut rig, a), vec![Frame::Error("WRONGTYPE Operation against a key holding the wrong kind of value".into())]);
    assert_eq!(rig.cmd_on(b, "LLEN src"), Frame::Integer(1));
    assert_eq!(rig.server.blocked.blocked_clients(), 0, "the error unblocks the client");
}

#[test]
fn a_key_that_already_holds_elements_is_popped_at_once() {
    let mut rig = rig_with_effects(13);
    rig.cmd("RPUSH k a b");
    assert_eq!(rig.cmd("BRPOP missing k 1"), pair("k", "b"));
    assert_eq!(rig.cmd("BLMOVE k d RIGHT LEFT 1"), bulk("a"));
    assert_eq!(rig.cmd("BLPOP k -1"), Frame::Error("ERR timeout is negative".into()));
    assert_eq!(rig.cmd("BLPOP k abc"), Frame::Error("ERR timeout is not a float or out of range".into()));
    assert_eq!(effects(&rig), vec!["RPUSH k a b", "RPOP k", "LMOVE k d RIGHT LEFT"]);
}
