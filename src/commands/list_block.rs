//! Blocking list commands (`t_list.c` + `blocked.c`, Redis 7.0): BLPOP, BRPOP, BLMPOP,
//! BLMOVE, BRPOPLPUSH, and how a blocked client is served once a key is ready (the
//! registry and the server hooks are in `server::blocking`).
//!
//! Contract: when a key already holds a non-empty list the command behaves as its
//! non-blocking form and propagates as it (`LPOP key`, `LPOP key n`, `LMOVE …`,
//! `RPOPLPUSH …`). When every key is empty: inside MULTI/EXEC (`Client::deny_blocking`) the
//! reply is a null array (BLMOVE/BRPOPLPUSH: a null bulk) at once; otherwise the client
//! blocks. A blocked client that times out gets a null array — BLMOVE included, as Redis 7.0's
//! `replyToBlockedClientTimedOut` does.
//!
//! Timeouts (`getTimeoutFromObjectOrReply`, Redis 7.0.15 as observed): a long double of
//! seconds, multiplied by 1000 and rounded up to whole ms; a value whose ms do not fit in a
//! `long long` (inf, 1e400, 9.3e16) becomes negative as x86's conversion makes it, so it is
//! "timeout is negative"; 0 waits forever. Redis adds the ms to the clock with a wrapping
//! addition; Keel saturates, so a huge timeout waits forever instead of expiring early.

use super::list::{get_list, removed};
use super::list_pop::{first_nonempty, move_checked_source, mpop_from, parse_mpop, parse_where, Moved};
use super::Ctx;
use crate::resp::Argv;
use crate::server::blocking::{BlockOp, BlockState};
use crate::server::client::Client;
use crate::server::Server;
use crate::util::longdouble::string2ld;

/// 2^63: magnitudes at or above it do not convert to `i64` without overflow.
const I64_LIMIT_F64: f64 = 9_223_372_036_854_775_808_f64;

/// Parse a timeout in seconds into an absolute deadline in unix ms (0 = forever).
pub(crate) fn parse_timeout(now_ms: i64, arg: &[u8]) -> Result<i64, &'static str> {
    let secs = string2ld(arg).ok_or("ERR timeout is not a float or out of range")?;
    let mut tval = match exact_integer_ms(arg) {
        // Plain integers are exact in a long double but not always in an f64.
        Some(ms) => i64::try_from(ms).unwrap_or(i64::MIN),
        None => {
            let ms = (secs * 1000.0).ceil();
            if ms.is_nan() || !(-I64_LIMIT_F64..I64_LIMIT_F64).contains(&ms) {
                i64::MIN
            } else {
                ms as i64
            }
        }
    };
    if tval == 0 && positive_underflow(arg) {
        // A long double like 1e-400 is positive although it rounds to 0.0 as an f64.
        tval = 1;
    }
    if tval < 0 {
        return Err("ERR timeout is negative");
    }
    Ok(if tval == 0 { 0 } else { now_ms.saturating_add(tval) })
}

/// `arg` × 1000 when `arg` is a plain decimal integer of at most 30 digits.
fn exact_integer_ms(arg: &[u8]) -> Option<i128> {
    let digits = arg.strip_prefix(b"-").unwrap_or(arg);
    if digits.is_empty() || digits.len() > 30 || !digits.iter().all(u8::is_ascii_digit) {
        return None;
    }
    let n: i128 = std::str::from_utf8(digits).ok()?.parse().ok()?;
    Some(if digits.len() == arg.len() { n * 1000 } else { -n * 1000 })
}

/// A decimal without a minus sign whose mantissa has a non-zero digit.
fn positive_underflow(arg: &[u8]) -> bool {
    let mantissa = arg.split(|b| *b == b'e' || *b == b'E').next().unwrap_or_default();
    arg.first() != Some(&b'-') && !arg.iter().any(|b| *b == b'x' || *b == b'X') && mantissa.iter().any(|b| (b'1'..=b'9').contains(b))
}

/// Does `key` hold a non-empty list right now (after lazy expiry)?
pub(crate) fn key_has_elements(s: &mut Server, db: usize, key: &[u8]) -> bool {
    matches!(get_list(&mut s.ks, db, key, false), Ok(Some(l)) if !l.is_empty())
}

/// Pop one element of a non-empty list, reply `[key, value]`, propagate `LPOP|RPOP key`.
fn pop_one(s: &mut Server, c: &mut Client, key: &[u8], head: bool) {
    let db = c.db;
    let Some(value) = super::list::list_at(&mut s.ks, db, key).and_then(|l| l.pop(head)) else {
        return c.add_null_array();
    };
    c.add_array_len(2);
    c.add_bulk(key);
    c.add_bulk(&value);
    removed(s, db, key, 1);
    let name: &[u8] = if head { b"LPOP" } else { b"RPOP" };
    s.ks.propagate(db, vec![name.to_vec(), key.to_vec()]);
}

fn keys_of(a: &Argv, first: usize, n: usize) -> Vec<Box<[u8]>> {
    (first..first + n).map(|i| Box::from(a.get(i))).collect()
}

pub fn blpop(s: &mut Server, c: &mut Client, a: &Argv, ctx: &mut Ctx) {
    bpop(s, c, a, ctx, true);
}

pub fn brpop(s: &mut Server, c: &mut Client, a: &Argv, ctx: &mut Ctx) {
    bpop(s, c, a, ctx, false);
}

/// BLPOP/BRPOP key [key ...] timeout (`blockingPopGenericCommand`).
fn bpop(s: &mut Server, c: &mut Client, a: &Argv, ctx: &mut Ctx, head: bool) {
    let deadline_ms = match parse_timeout(s.ks.now_ms, a.get(a.len() - 1)) {
        Ok(d) => d,
        Err(e) => return c.add_error(e),
    };
    let n = a.len() - 2;
    match first_nonempty(s, c.db, a, 1, n) {
        Err(()) => c.add_wrong_type(),
        Ok(Some(i)) => {
            ctx.propagated = true;
            pop_one(s, c, a.get(i), head);
        }
        Ok(None) if c.deny_blocking => c.add_null_array(),
        Ok(None) => {
            let state = BlockState { db: c.db, keys: keys_of(a, 1, n), deadline_ms, op: BlockOp::Pop { head } };
            s.block_client(c, state);
        }
    }
}

/// BLMPOP timeout numkeys key [key ...] LEFT|RIGHT [COUNT count]: the arguments after the
/// timeout are checked first, as Redis does.
pub fn blmpop(s: &mut Server, c: &mut Client, a: &Argv, ctx: &mut Ctx) {
    let m = match parse_mpop(a, 2) {
        Ok(m) => m,
        Err(e) => return c.add_error(e),
    };
    let deadline_ms = match parse_timeout(s.ks.now_ms, a.get(1)) {
        Ok(d) => d,
        Err(e) => return c.add_error(e),
    };
    match first_nonempty(s, c.db, a, m.first_key, m.numkeys) {
        Err(()) => c.add_wrong_type(),
        Ok(Some(i)) => {
            ctx.propagated = true;
            mpop_from(s, c, a.get(i), m.head, m.count);
        }
        Ok(None) if c.deny_blocking => c.add_null_array(),
        Ok(None) => {
            let op = BlockOp::MPop { head: m.head, count: m.count };
            let state = BlockState { db: c.db, keys: keys_of(a, m.first_key, m.numkeys), deadline_ms, op };
            s.block_client(c, state);
        }
    }
}

/// BRPOPLPUSH source destination timeout.
pub fn brpoplpush(s: &mut Server, c: &mut Client, a: &Argv, ctx: &mut Ctx) {
    let deadline_ms = match parse_timeout(s.ks.now_ms, a.get(3)) {
        Ok(d) => d,
        Err(e) => return c.add_error(e),
    };
    blmove_generic(s, c, a, ctx, (false, true), deadline_ms, true);
}

/// BLMOVE source destination LEFT|RIGHT LEFT|RIGHT timeout.
pub fn blmove(s: &mut Server, c: &mut Client, a: &Argv, ctx: &mut Ctx) {
    let (Some(from_head), Some(to_head)) = (parse_where(a.get(3)), parse_where(a.get(4))) else {
        return c.add_syntax_error();
    };
    let deadline_ms = match parse_timeout(s.ks.now_ms, a.get(5)) {
        Ok(d) => d,
        Err(e) => return c.add_error(e),
    };
    blmove_generic(s, c, a, ctx, (from_head, to_head), deadline_ms, false);
}

/// `blmoveGenericCommand`: move at once when the source holds a list, else block (or answer
/// a null bulk inside MULTI).
fn blmove_generic(s: &mut Server, c: &mut Client, a: &Argv, ctx: &mut Ctx, ends: (bool, bool), deadline_ms: i64, rpoplpush: bool) {
    let (db, src, dst) = (c.db, a.get(1), a.get(2));
    let (from_head, to_head) = ends;
    match get_list(&mut s.ks, db, src, false) {
        Err(()) => c.add_wrong_type(),
        Ok(Some(_)) => {
            ctx.propagated = true;
            if move_checked_source(s, c, src, dst, from_head, to_head) == Moved::Done {
                propagate_move(s, db, src, dst, ends, rpoplpush);
            }
        }
        Ok(None) if c.deny_blocking => c.add_null(),
        Ok(None) => {
            let op = BlockOp::Move { dst: Box::from(dst), from_head, to_head, rpoplpush };
            let state = BlockState { db, keys: keys_of(a, 1, 1), deadline_ms, op };
            s.block_client(c, state);
        }
    }
}

fn propagate_move(s: &mut Server, db: usize, src: &[u8], dst: &[u8], ends: (bool, bool), rpoplpush: bool) {
    let side = |head: bool| if head { b"LEFT".to_vec() } else { b"RIGHT".to_vec() };
    let argv = if rpoplpush {
        vec![b"RPOPLPUSH".to_vec(), src.to_vec(), dst.to_vec()]
    } else {
        vec![b"LMOVE".to_vec(), src.to_vec(), dst.to_vec(), side(ends.0), side(ends.1)]
    };
    s.ks.propagate(db, argv);
}

/// Serve blocked client `c` from the ready list at `key` (`serveClientBlockedOnList`): write
/// its reply and propagate the effect as the non-blocking command. A BLMOVE whose destination
/// now holds another type gets WRONGTYPE and the source keeps its element; either way the
/// caller unblocks the client.
pub(crate) fn serve_blocked(s: &mut Server, c: &mut Client, key: &[u8], op: &BlockOp) {
    match op {
        BlockOp::Pop { head } => pop_one(s, c, key, *head),
        BlockOp::MPop { head, count } => mpop_from(s, c, key, *head, *count),
        BlockOp::Move { dst, from_head, to_head, rpoplpush } => {
            let db = c.db;
            if move_checked_source(s, c, key, dst, *from_head, *to_head) == Moved::Done {
                propagate_move(s, db, key, dst, (*from_head, *to_head), *rpoplpush);
            }
        }
        // Sorted set and stream waiters are served by their own modules.
        BlockOp::ZPop { .. } | BlockOp::ZMPop { .. } | BlockOp::XRead(_) => {}
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn timeouts_parse_as_redis_7_0_15() {
        let now = 1_000_000;
        assert_eq!(parse_timeout(now, b"0"), Ok(0));
        assert_eq!(parse_timeout(now, b"-0"), Ok(0));
        assert_eq!(parse_timeout(now, b"-0.0001"), Ok(0));
        assert_eq!(parse_timeout(now, b"0.0001"), Ok(now + 1));
        assert_eq!(parse_timeout(now, b"1e-400"), Ok(now + 1));
        assert_eq!(parse_timeout(now, b"1.5"), Ok(now + 1500));
        assert_eq!(parse_timeout(now, b"0x10"), Ok(now + 16_000));
        assert_eq!(parse_timeout(now, b"9223372036854775"), Ok(i64::MAX));
        assert_eq!(parse_timeout(now, b"92233720368547758"), Err("ERR timeout is negative"));
        assert_eq!(parse_timeout(now, b"inf"), Err("ERR timeout is negative"));
        assert_eq!(parse_timeout(now, b"1e400"), Err("ERR timeout is negative"));
        assert_eq!(parse_timeout(now, b"-1"), Err("ERR timeout is negative"));
        assert_eq!(parse_timeout(now, b"nan"), Err("ERR timeout is not a float or out of range"));
        assert_eq!(parse_timeout(now, b" 1"), Err("ERR timeout is not a float or out of range"));
        assert_eq!(parse_timeout(now, b"abc"), Err("ERR timeout is not a float or out of range"));
    }
}
