//! Blocking sorted set pops (BZPOPMIN, BZPOPMAX, BZMPOP) driven through the `Server` on the
//! simulated clock: a blocked client is served by another client's ZADD (or any write that
//! leaves the key a non-empty sorted set), in FIFO order, with the effect propagated as
//! Redis 7.0 writes it (`ZPOPMIN key`, `ZPOPMAX key n`); timeouts fire from cron; inside EXEC
//! nothing blocks; a key that becomes a list serves its list waiters and leaves the zset
//! waiters blocked.

mod support;

use keel::keyspace::ClientId;
use keel::resp::Frame;
use support::rig::Rig;

fn bulk(s: &str) -> Frame {
    Frame::Bulk(s.as_bytes().to_vec())
}

/// `[key, member, score]` as BZPOPMIN answers in RESP2.
fn popped(k: &str, m: &str, score: &str) -> Frame {
    Frame::Array(vec![bulk(k), bulk(m), bulk(score)])
}

/// `[key, [[member, score], …]]` as BZMPOP answers in RESP2.
fn mpopped(k: &str, pairs: &[(&str, &str)]) -> Frame {
    let items = pairs.iter().map(|(m, s)| Frame::Array(vec![bulk(m), bulk(s)])).collect();
    Frame::Array(vec![bulk(k), Frame::Array(items)])
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
fn bzpopmin_is_served_by_zadd_and_propagates_as_zpopmin_without_count() {
    let mut rig = rig_with_effects(1);
    let (a, b) = (rig.client, rig.connect());
    assert!(send(&mut rig, a, "BZPOPMIN z 0").is_empty(), "no key: the client blocks");
    assert_eq!(rig.server.blocked.blocked_clients(), 1);
    assert_eq!(rig.cmd_on(b, "ZADD z 2 two 1 one"), Frame::Integer(2));
    assert_eq!(poll(&mut rig, a), vec![popped("z", "one", "1")]);
    assert_eq!(rig.cmd_on(b, "ZCARD z"), Frame::Integer(1));
    assert_eq!(rig.server.blocked.blocked_clients(), 0);
    assert_eq!(effects(&rig), vec!["ZADD z 2 two 1 one", "ZPOPMIN z"]);
}

#[test]
fn bzmpop_is_served_with_its_count_clamped_in_the_effect() {
    let mut rig = rig_with_effects(2);
    let (a, b) = (rig.client, rig.connect());
    assert!(send(&mut rig, a, "BZMPOP 0 2 x z MAX COUNT 5").is_empty());
    assert_eq!(rig.cmd_on(b, "ZADD z 1 a 2 b"), Frame::Integer(2));
    assert_eq!(poll(&mut rig, a), vec![mpopped("z", &[("b", "2"), ("a", "1")])]);
    assert_eq!(rig.cmd_on(b, "EXISTS z"), Frame::Integer(0), "the served pop emptied and deleted the set");
    assert_eq!(effects(&rig), vec!["ZADD z 1 a 2 b", "ZPOPMAX z 2"]);
}

#[test]
fn a_ready_key_pops_at_once_and_propagates_like_redis_7_0() {
    let mut rig = rig_with_effects(3);
    rig.cmd("ZADD z 1 a 2 b 3 c");
    assert_eq!(rig.cmd("BZPOPMAX nokey z 0"), popped("z", "c", "3"));
    assert_eq!(rig.cmd("BZMPOP 0 1 z MIN COUNT 10"), mpopped("z", &[("a", "1"), ("b", "2")]));
    assert_eq!(effects(&rig), vec!["ZADD z 1 a 2 b 3 c", "ZPOPMAX z", "ZPOPMIN z 2"]);
    assert_eq!(rig.server.blocked.blocked_clients(), 0);
}

#[test]
fn waiters_are_served_in_fifo_order() {
    let mut rig = Rig::new(4);
    let (a, b, c, d) = (rig.client, rig.connect(), rig.connect(), rig.connect());
    for x in [a, b, c] {
        assert!(send(&mut rig, x, "BZPOPMIN z 0").is_empty());
    }
    assert_eq!(rig.cmd_on(d, "ZADD z 1 m1 2 m2"), Frame::Integer(2), "the writer sees its own reply first");
    assert_eq!(poll(&mut rig, a), vec![popped("z", "m1", "1")]);
    assert_eq!(poll(&mut rig, b), vec![popped("z", "m2", "2")]);
    assert!(poll(&mut rig, c).is_empty(), "the set ran out before the third waiter");
    assert_eq!(rig.cmd_on(d, "ZINCRBY z 5 m3"), bulk("5"));
    assert_eq!(poll(&mut rig, c), vec![popped("z", "m3", "5")]);
}

#[test]
fn a_timeout_fires_from_cron_on_the_simulated_clock() {
    let mut rig = Rig::new(5);
    let a = rig.client;
    assert!(send(&mut rig, a, "BZPOPMAX z 0.5").is_empty());
    rig.advance_ms(400);
    rig.server.maybe_cron();
    assert!(poll(&mut rig, a).is_empty(), "400 ms < 500 ms: still blocked");
    rig.advance_ms(200);
    rig.server.maybe_cron();
    assert_eq!(poll(&mut rig, a), vec![Frame::NullArray]);
    assert!(send(&mut rig, a, "BZMPOP 0.1 1 z MIN").is_empty());
    rig.advance_ms(200);
    rig.server.maybe_cron();
    assert_eq!(poll(&mut rig, a), vec![Frame::NullArray], "BZMPOP times out with a null array too");
    assert_eq!(rig.cmd_on(a, "PING"), Frame::Simple("PONG".into()));
}

#[test]
fn inside_exec_blocking_pops_answer_at_once() {
    let mut rig = Rig::new(6);
    rig.cmd("MULTI");
    for line in ["BZPOPMIN z 0", "BZPOPMAX z 0", "BZMPOP 0 1 z MIN"] {
        assert_eq!(rig.cmd(line), Frame::Simple("QUEUED".into()));
    }
    assert_eq!(rig.cmd("EXEC"), Frame::Array(vec![Frame::NullArray; 3]));
    assert_eq!(rig.server.blocked.blocked_clients(), 0);
}

#[test]
fn a_key_that_becomes_a_list_serves_only_its_list_waiters() {
    let mut rig = Rig::new(7);
    let (a, b, c) = (rig.client, rig.connect(), rig.connect());
    assert!(send(&mut rig, a, "BZPOPMIN k 0").is_empty());
    assert!(send(&mut rig, b, "BLPOP k 0").is_empty());
    assert_eq!(rig.cmd_on(c, "RPUSH k v"), Frame::Integer(1));
    assert!(poll(&mut rig, a).is_empty(), "a zset waiter is not served from a list (Redis 7.0)");
    assert_eq!(poll(&mut rig, b), vec![Frame::Array(vec![bulk("k"), bulk("v")])]);
    rig.cmd_on(c, "RPUSH k w");
    assert!(poll(&mut rig, a).is_empty());
    rig.cmd_on(c, "DEL k");
    assert_eq!(rig.cmd_on(c, "ZADD k 1 m"), Frame::Integer(1));
    assert_eq!(poll(&mut rig, a), vec![popped("k", "m", "1")]);
}

#[test]
fn keys_filled_by_store_commands_and_rename_serve_their_waiters() {
    let mut rig = Rig::new(8);
    let (a, b, c) = (rig.client, rig.connect(), rig.connect());
    assert!(send(&mut rig, a, "BZPOPMIN dst 0").is_empty());
    assert!(send(&mut rig, b, "BZPOPMAX moved 0").is_empty());
    rig.cmd_on(c, "ZADD src 1 x 2 y");
    assert_eq!(rig.cmd_on(c, "ZUNIONSTORE dst 1 src"), Frame::Integer(2));
    assert_eq!(poll(&mut rig, a), vec![popped("dst", "x", "1")]);
    assert_eq!(rig.cmd_on(c, "RENAME src moved"), Frame::Simple("OK".into()));
    assert_eq!(poll(&mut rig, b), vec![popped("moved", "y", "2")]);
}

#[test]
fn wrongtype_before_a_ready_key_and_timeout_errors_answer_at_once() {
    let mut rig = Rig::new(9);
    rig.cmd("SET s x");
    rig.cmd("ZADD z 1 a");
    let wrongtype = Frame::Error("WRONGTYPE Operation against a key holding the wrong kind of value".into());
    assert_eq!(rig.cmd("BZPOPMIN s z 0"), wrongtype);
    assert_eq!(rig.cmd("BZPOPMIN z s 0"), popped("z", "a", "1"), "the first ready key wins");
    assert_eq!(rig.cmd("BZPOPMIN z -1"), Frame::Error("ERR timeout is negative".into()));
    assert_eq!(rig.cmd("BZMPOP x 1 z MIN"), Frame::Error("ERR timeout is not a float or out of range".into()));
    assert_eq!(rig.cmd("BZMPOP x 0 z MIN"), Frame::Error("ERR numkeys should be greater than 0".into()), "other arguments first");
    assert_eq!(rig.server.blocked.blocked_clients(), 0);
}

#[test]
fn pipelined_input_waits_and_a_disconnect_leaves_the_queues() {
    let mut rig = Rig::new(10);
    let (a, b, c) = (rig.client, rig.connect(), rig.connect());
    let mut bytes = Vec::new();
    keel::resp::encode_command(&[b"BZPOPMIN", b"z", b"0"], &mut bytes);
    keel::resp::encode_command(&[b"ZCARD", b"z"], &mut bytes);
    assert!(rig.send_raw(a, &bytes).is_empty(), "ZCARD waits behind the blocked BZPOPMIN");
    assert!(send(&mut rig, b, "BZPOPMIN z z2 0").is_empty());
    rig.server.disconnect(b);
    assert_eq!(rig.server.blocked.blocked_clients(), 1);
    assert_eq!(rig.cmd_on(c, "ZADD z 1 p 2 q"), Frame::Integer(2));
    assert_eq!(poll(&mut rig, a), vec![popped("z", "p", "1"), Frame::Integer(1)]);
    assert_eq!(rig.cmd_on(c, "ZCARD z"), Frame::Integer(1), "the disconnected waiter took nothing");
}

#[test]
fn resp3_clients_get_a_double_score() {
    let mut rig = Rig::new(11);
    let (a, b) = (rig.client, rig.connect());
    let _ = send(&mut rig, a, "HELLO 3");
    assert!(send(&mut rig, a, "BZPOPMAX z 0").is_empty());
    rig.cmd_on(b, "ZADD z 1.5 m");
    assert_eq!(poll(&mut rig, a), vec![Frame::Array(vec![bulk("z"), bulk("m"), Frame::Double(1.5)])]);
}
