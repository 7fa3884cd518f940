//! Server and db-level commands: PING, ECHO, SELECT, DBSIZE, SWAPDB, FLUSHDB, FLUSHALL.
//!
//! FLUSHDB/FLUSHALL/SWAPDB touch WATCHers with Redis 7.0's `touchAllWatchedKeysInDb` rules
//! (see `txn`) *before* the data moves, as Redis does.

use super::num::i32_arg;
use super::reply::Reply;
use super::table::arity_error;
use super::{Ctx, Db, Model, DBS};

const ERR_DB_RANGE: &str = "ERR DB index is out of range";

pub(super) fn ping(_m: &mut Model, _ctx: &mut Ctx, argv: &[Vec<u8>]) -> Reply {
    match argv.len() {
        1 => Reply::Simple("PONG".to_string()),
        2 => Reply::Bulk(argv[1].clone()),
        _ => arity_error("ping"),
    }
}

pub(super) fn echo(_m: &mut Model, _ctx: &mut Ctx, argv: &[Vec<u8>]) -> Reply {
    Reply::Bulk(argv[1].clone())
}

fn db_index(id: i32) -> Option<usize> {
    usize::try_from(id).ok().filter(|&d| d < DBS)
}

pub(super) fn select(_m: &mut Model, ctx: &mut Ctx, argv: &[Vec<u8>]) -> Reply {
    match i32_arg(&argv[1], None).map(db_index) {
        Err(e) => e,
        Ok(None) => Reply::err(ERR_DB_RANGE),
        Ok(Some(db)) => {
            ctx.db = db;
            Reply::ok()
        }
    }
}

/// DBSIZE in the model counts visible keys. Redis counts keys still in its dict, expired or
/// not, so `check_and_adopt` accepts anything between this and the physical count.
pub(super) fn dbsize(m: &mut Model, ctx: &mut Ctx, _argv: &[Vec<u8>]) -> Reply {
    Reply::Int(m.visible_keys(ctx.db, ctx.now_ms).len() as i64)
}

pub(super) fn swapdb(m: &mut Model, ctx: &mut Ctx, argv: &[Vec<u8>]) -> Reply {
    let first = i32_arg(&argv[1], Some("invalid first DB index"));
    let second =
        first.and_then(|a| i32_arg(&argv[2], Some("invalid second DB index")).map(|b| (a, b)));
    let (a, b) = match second {
        Err(e) => return e,
        Ok((a, b)) => match (db_index(a), db_index(b)) {
            (Some(a), Some(b)) => (a, b),
            _ => return Reply::err(ERR_DB_RANGE),
        },
    };
    if a != b {
        m.touch_all_in_db(a, Some(b), ctx.now_ms);
        m.touch_all_in_db(b, Some(a), ctx.now_ms);
        m.dbs.swap(a, b);
    }
    Reply::ok()
}

/// `FLUSHDB|FLUSHALL [ASYNC|SYNC]`: the mode changes nothing observable here.
fn flush_mode_ok(argv: &[Vec<u8>]) -> bool {
    match argv.len() {
        1 => true,
        2 => {
            let mode = argv[1].to_ascii_lowercase();
            mode == b"sync" || mode == b"async"
        }
        _ => false,
    }
}

pub(super) fn flushdb(m: &mut Model, ctx: &mut Ctx, argv: &[Vec<u8>]) -> Reply {
    if !flush_mode_ok(argv) {
        return Reply::err("ERR syntax error");
    }
    m.touch_all_in_db(ctx.db, None, ctx.now_ms);
    m.dbs[ctx.db] = Db::new();
    Reply::ok()
}

pub(super) fn flushall(m: &mut Model, ctx: &mut Ctx, argv: &[Vec<u8>]) -> Reply {
    if !flush_mode_ok(argv) {
        return Reply::err("ERR syntax error");
    }
    for db in 0..DBS {
        m.touch_all_in_db(db, None, ctx.now_ms);
        m.dbs[db] = Db::new();
    }
    Reply::ok()
}
