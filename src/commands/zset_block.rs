//! Blocking sorted set pops (`t_zset.c` `blockingGenericZpopCommand` + `blocked.c`
//! `serveClientsBlockedOnSortedSetKey`, Redis 7.0): BZPOPMIN, BZPOPMAX, BZMPOP, and how a
//! blocked client is served once a key is ready (the registry and the server hooks are in
//! `server::blocking`, shared with the blocking list commands).
//!
//! Contract:
//! - the timeout is parsed as the list commands parse it (`list_block::parse_timeout`); BZMPOP
//!   checks its other arguments first, as Redis does;
//! - the keys are looked up in argument order: the first one holding a sorted set is popped at
//!   once (a key of another type before it answers WRONGTYPE);
//! - when no key holds one: inside MULTI/EXEC (`Client::deny_blocking`) the reply is the null
//!   array at once; otherwise the client blocks (`BLOCKED_ZSET`) until a write leaves one of
//!   its keys a non-empty sorted set (ZADD, ZINCRBY, ZUNIONSTORE, RENAME …; FIFO among the
//!   clients blocked on a key) or the deadline passes (null array, from cron);
//! - replies: BZPOPMIN/BZPOPMAX `[key, member, score]`; BZMPOP `[key, [[member, score], …]]`;
//! - effects, at once or when served: BZPOPMIN/BZPOPMAX propagate as `ZPOPMIN|ZPOPMAX key`,
//!   BZMPOP as `ZPOPMIN|ZPOPMAX key n` with `n` the members popped (Redis 7.0's
//!   `rewriteClientCommandVector` / `alsoPropagate` with the count clamped to the length).

use super::list_block::parse_timeout;
use super::zset::{probe_write, WrongType};
use super::zset_pop::{first_ready, mpop_from, parse_mpop, pop_key, propagate_as_zpop, PopReq};
use super::Ctx;
use crate::resp::Argv;
use crate::server::blocking::{BlockOp, BlockState};
use crate::server::client::Client;
use crate::server::Server;

/// Does `key` hold a (necessarily non-empty) sorted set right now, after lazy expiry?
pub(crate) fn key_has_members(s: &mut Server, db: usize, key: &[u8]) -> bool {
    matches!(probe_write(s, db, key), Ok(true))
}

/// Pop one member of the sorted set at `key`, reply `[key, member, score]`, propagate
/// `ZPOPMIN|ZPOPMAX key`.
fn pop_one(s: &mut Server, c: &mut Client, key: &[u8], max: bool, ctx: &mut Ctx) {
    let req = PopReq { max, count: 1, counted: false };
    let popped = pop_key(s, c.db, key, req);
    let Some((member, score)) = popped.first() else { return c.add_null_array() };
    propagate_as_zpop(s, c.db, key, None, max, ctx);
    c.add_array_len(3);
    c.add_bulk(key);
    c.add_bulk(member);
    c.add_double(*score);
}

fn keys_of(a: &Argv, first: usize, n: usize) -> Vec<Box<[u8]>> {
    (first..first + n).map(|i| Box::from(a.get(i))).collect()
}

pub fn bzpopmin(s: &mut Server, c: &mut Client, a: &Argv, ctx: &mut Ctx) {
    bzpop(s, c, a, false, ctx);
}

pub fn bzpopmax(s: &mut Server, c: &mut Client, a: &Argv, ctx: &mut Ctx) {
    bzpop(s, c, a, true, ctx);
}

/// BZPOPMIN/BZPOPMAX key [key …] timeout.
fn bzpop(s: &mut Server, c: &mut Client, a: &Argv, max: bool, ctx: &mut Ctx) {
    let deadline_ms = match parse_timeout(s.ks.now_ms, a.get(a.len() - 1)) {
        Ok(d) => d,
        Err(e) => return c.add_error(e),
    };
    let n = a.len() - 2;
    match first_ready(s, c.db, a, 1, n) {
        Err(WrongType) => c.add_wrong_type(),
        Ok(Some(key)) => pop_one(s, c, &key, max, ctx),
        Ok(None) if c.deny_blocking => c.add_null_array(),
        Ok(None) => {
            let state = BlockState { db: c.db, keys: keys_of(a, 1, n), deadline_ms, op: BlockOp::ZPop { max } };
            s.block_client(c, state);
        }
    }
}

/// BZMPOP timeout numkeys key … MIN|MAX [COUNT n].
pub fn bzmpop(s: &mut Server, c: &mut Client, a: &Argv, ctx: &mut Ctx) {
    let m = match parse_mpop(a, 2) {
        Ok(m) => m,
        Err(e) => return c.add_error(e),
    };
    let deadline_ms = match parse_timeout(s.ks.now_ms, a.get(1)) {
        Ok(d) => d,
        Err(e) => return c.add_error(e),
    };
    match first_ready(s, c.db, a, m.first_key, m.numkeys) {
        Err(WrongType) => c.add_wrong_type(),
        Ok(Some(key)) => mpop_from(s, c, &key, m.req, ctx),
        Ok(None) if c.deny_blocking => c.add_null_array(),
        Ok(None) => {
            let op = BlockOp::ZMPop { max: m.req.max, count: m.req.count };
            let state = BlockState { db: c.db, keys: keys_of(a, m.first_key, m.numkeys), deadline_ms, op };
            s.block_client(c, state);
        }
    }
}

/// Serve blocked client `c` from the sorted set at `key` (non-empty, checked by the caller):
/// write its reply and propagate the effect. List ops never reach here (the caller dispatches
/// on [`BlockOp::wants_zset`]).
pub(crate) fn serve_blocked(s: &mut Server, c: &mut Client, key: &[u8], op: &BlockOp) {
    let mut ctx = Ctx { propagated: false };
    match op {
        BlockOp::ZPop { max } => pop_one(s, c, key, *max, &mut ctx),
        BlockOp::ZMPop { max, count } => mpop_from(s, c, key, PopReq { max: *max, count: *count, counted: true }, &mut ctx),
        BlockOp::Pop { .. } | BlockOp::MPop { .. } | BlockOp::Move { .. } | BlockOp::XRead(_) => {}
    }
}
