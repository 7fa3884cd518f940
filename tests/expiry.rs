//! Expiry on the `Clock` seam, with the simulated clock: no sleeps anywhere.
//!
//! - lazy expiry: a key whose time has passed is invisible and deleted on access, and the
//!   deletion is counted and propagated as `DEL`;
//! - active expiry: keys nobody reads are reclaimed by the cron's slow cycle within a bounded
//!   number of cron ticks;
//! - a key is expired strictly after its expire time (`now > when`), as in Redis 7.0.

mod support;

use keel::resp::Frame;
use support::rig::Rig;

#[test]
fn lazy_expiry_hides_and_deletes_a_key_once_its_time_has_passed() {
    let mut rig = Rig::new(1);
    assert_eq!(rig.cmd("SET k v PX 100"), Frame::Simple("OK".into()));
    rig.advance_ms(100);
    assert_eq!(rig.cmd("GET k"), Frame::Bulk(b"v".to_vec()), "at exactly the expire time the key is still there");
    rig.advance_ms(1);
    assert_eq!(rig.keys_in_db0(), 1, "nothing deleted it before the access");
    assert_eq!(rig.cmd("GET k"), Frame::Null);
    assert_eq!(rig.keys_in_db0(), 0, "the access deleted it");
    assert_eq!(rig.server.ks.stats.expired_keys, 1);
}

#[test]
fn lazy_expiry_propagates_a_del_effect() {
    let mut rig = Rig::new(2);
    rig.cmd("SET k v PX 10");
    rig.server.effects_log = Some(Vec::new());
    rig.advance_ms(11);
    assert_eq!(rig.int("EXISTS k"), 0);
    let log = rig.server.effects_log.take().expect("log enabled");
    let effects: Vec<Vec<Vec<u8>>> = log.iter().map(|e| e.argv.clone()).collect();
    assert_eq!(effects, vec![vec![b"DEL".to_vec(), b"k".to_vec()]]);
}

#[test]
fn ttl_counts_down_on_the_simulated_clock() {
    let mut rig = Rig::new(3);
    rig.cmd("SET k v EX 10");
    assert_eq!(rig.int("TTL k"), 10);
    rig.advance_ms(2_400);
    assert_eq!(rig.int("PTTL k"), 7_600);
    assert_eq!(rig.int("TTL k"), 8, "TTL rounds to the nearest second as Redis does");
    rig.advance_ms(7_601);
    assert_eq!(rig.int("TTL k"), -2);
}

#[test]
fn active_expiry_reclaims_unread_keys_within_bounded_cron_ticks() {
    let mut rig = Rig::new(4);
    rig.server.effects_log = Some(Vec::new());
    for i in 0..2000 {
        rig.cmd(&format!("SET volatile:{i} x PX 50"));
    }
    for i in 0..100 {
        rig.cmd(&format!("SET stable:{i} x"));
    }
    rig.advance_ms(51);
    let mut ticks = 0;
    while rig.keys_in_db0() > 100 {
        rig.advance_ms(100);
        rig.server.maybe_cron();
        ticks += 1;
        assert!(ticks <= 50, "active expiry left {} keys after {ticks} cron ticks", rig.keys_in_db0());
    }
    assert_eq!(rig.keys_in_db0(), 100, "only keys without a TTL remain");
    assert_eq!(rig.server.ks.stats.expired_keys, 2000);
    let log = rig.server.effects_log.take().expect("log enabled");
    let dels = log.iter().filter(|e| e.argv[0] == b"DEL").count();
    assert_eq!(dels, 2000, "every active expiry propagates a DEL");
}

#[test]
fn active_expiry_can_be_switched_off_with_debug() {
    let mut rig = Rig::new(5);
    rig.server.config.enable_debug_command = keel::config::DebugCommand::Yes;
    assert_eq!(rig.cmd("DEBUG SET-ACTIVE-EXPIRE 0"), Frame::Simple("OK".into()));
    rig.cmd("SET k v PX 10");
    rig.advance_ms(1000);
    for _ in 0..20 {
        rig.advance_ms(100);
        rig.server.maybe_cron();
    }
    assert_eq!(rig.keys_in_db0(), 1, "no active expiry while it is off");
    assert_eq!(rig.int("EXISTS k"), 0, "but lazy expiry still applies");
}

#[test]
fn expire_in_the_past_deletes_at_once_and_watch_sees_it() {
    let mut rig = Rig::new(6);
    rig.cmd("SET k v");
    rig.cmd("WATCH k");
    assert_eq!(rig.int("PEXPIREAT k 1"), 1);
    assert_eq!(rig.int("EXISTS k"), 0);
    rig.cmd("MULTI");
    rig.cmd("SET k w");
    assert_eq!(rig.cmd("EXEC"), Frame::NullArray, "EXEC aborts: a watched key was deleted");
}
