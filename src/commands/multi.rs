//! Transactions (`multi.c`): MULTI, EXEC, DISCARD, WATCH, UNWATCH.
//!
//! WATCH is optimistic locking: the keyspace marks a client dirty (CLIENT_DIRTY_CAS) when any
//! watched key is written, expires, or is touched by FLUSHDB/FLUSHALL/SWAPDB; EXEC of a dirty
//! client answers a null array and runs nothing. A command that fails to queue (unknown, wrong
//! arity, OOM) makes EXEC answer EXECABORT. The effects of an executed transaction are wrapped
//! in MULTI … EXEC so the AOF replays them atomically.

use super::Ctx;
use crate::keyspace::Effect;
use crate::resp::Argv;
use crate::server::client::Client;
use crate::server::Server;

pub fn multi(s: &mut Server, c: &mut Client, _: &Argv, _: &mut Ctx) {
    if c.multi.is_some() {
        return c.add_error("ERR MULTI calls can not be nested");
    }
    s.start_multi(c);
    c.add_ok();
}

pub fn discard(s: &mut Server, c: &mut Client, _: &Argv, _: &mut Ctx) {
    if c.multi.take().is_none() {
        return c.add_error("ERR DISCARD without MULTI");
    }
    s.unwatch_all(c);
    c.add_ok();
}

pub fn watch(s: &mut Server, c: &mut Client, a: &Argv, _: &mut Ctx) {
    if c.multi.is_some() {
        return c.add_error("ERR WATCH inside MULTI is not allowed");
    }
    for i in 1..a.len() {
        let key = a.get(i);
        if c.watched.iter().any(|(db, k)| *db == c.db && &k[..] == key) {
            continue;
        }
        s.ks.watch(c.db, key, c.id);
        c.watched.push((c.db, Box::from(key)));
    }
    c.add_ok();
}

pub fn unwatch(s: &mut Server, c: &mut Client, _: &Argv, _: &mut Ctx) {
    s.unwatch_all(c);
    c.add_ok();
}

/// Has a watched key logically expired since WATCH (`isWatchedKeyExpired`)?
fn watched_key_expired(s: &Server, c: &Client) -> bool {
    c.watched.iter().any(|(db, key)| s.ks.watched_key_expired(*db, key, c.id))
}

pub fn exec(s: &mut Server, c: &mut Client, _: &Argv, ctx: &mut Ctx) {
    let Some(state) = c.multi.take() else { return c.add_error("ERR EXEC without MULTI") };
    if state.dirty_exec {
        s.unwatch_all(c);
        return c.add_error("EXECABORT Transaction discarded because of previous errors.");
    }
    if s.ks.is_dirty_cas(c.id) || watched_key_expired(s, c) {
        s.unwatch_all(c);
        return c.add_null_array();
    }
    s.unwatch_all(c);
    let effects_start = s.ks.effects.len();
    c.add_array_len(state.queued.len());
    let mut argv = Argv::new();
    // Blocking commands must not block inside a transaction (CLIENT_DENY_BLOCKING).
    c.deny_blocking = true;
    s.in_exec = true;
    for cmd_args in &state.queued {
        argv.clear();
        for arg in cmd_args {
            argv.push(arg);
        }
        let Some(cmd) = s.commands.lookup(argv.get(0)) else {
            c.add_error("ERR unknown command");
            continue;
        };
        // No per-command MISCONF/OOM check here: EXEC was checked as a whole before it ran,
        // and a transaction never stops half-way (Redis 7.0 behaves the same).
        s.call(c, cmd, &argv);
    }
    c.deny_blocking = false;
    s.in_exec = false;
    if std::mem::take(&mut s.rdb.save_after_exec) {
        let _ = crate::rdb::save_sync(s);
    }
    wrap_effects(s, effects_start);
    ctx.propagated = true;
}

/// Surround the transaction's effects with MULTI/EXEC when there are any.
fn wrap_effects(s: &mut Server, start: usize) {
    let effects = &mut s.ks.effects;
    if effects.len() <= start {
        return;
    }
    let db = effects[start].db;
    effects.insert(start, Effect { db, argv: vec![b"MULTI".to_vec()] });
    effects.push(Effect { db, argv: vec![b"EXEC".to_vec()] });
}
