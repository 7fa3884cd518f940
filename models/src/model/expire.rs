//! Expiry commands (Redis `expire.c`): EXPIRE, PEXPIRE, EXPIREAT, PEXPIREAT with NX/XX/GT/LT,
//! TTL, PTTL, EXPIRETIME, PEXPIRETIME, PERSIST.
//!
//! Times are absolute unix ms. Setting an expire time that is already past (`when <= now`,
//! Redis `checkAlreadyExpired`) deletes the key at once and still answers 1. For GT/LT a key
//! without a TTL counts as an infinite TTL: GT always fails on it, LT always succeeds.

use super::num::int_arg;
use super::reply::Reply;
use super::{Ctx, Model};

#[derive(Default)]
struct Flags {
    nx: bool,
    xx: bool,
    gt: bool,
    lt: bool,
}

fn parse_flags(args: &[Vec<u8>]) -> Result<Flags, Reply> {
    let mut f = Flags::default();
    for arg in args {
        match arg.to_ascii_lowercase().as_slice() {
            b"nx" => f.nx = true,
            b"xx" => f.xx = true,
            b"gt" => f.gt = true,
            b"lt" => f.lt = true,
            _ => {
                let text = String::from_utf8_lossy(arg);
                return Err(Reply::Error(format!("ERR Unsupported option {text}")));
            }
        }
    }
    if f.nx && (f.xx || f.gt || f.lt) {
        return Err(Reply::err(
            "ERR NX and XX, GT or LT options at the same time are not compatible",
        ));
    }
    if f.gt && f.lt {
        return Err(Reply::err(
            "ERR GT and LT options at the same time are not compatible",
        ));
    }
    Ok(f)
}

/// Redis `expireGenericCommand`.
fn expire_generic(
    m: &mut Model,
    ctx: &Ctx,
    argv: &[Vec<u8>],
    base_ms: i64,
    seconds: bool,
) -> Reply {
    match expire_inner(m, ctx, argv, base_ms, seconds) {
        Ok(r) | Err(r) => r,
    }
}

fn expire_inner(
    m: &mut Model,
    ctx: &Ctx,
    argv: &[Vec<u8>],
    base_ms: i64,
    seconds: bool,
) -> Result<Reply, Reply> {
    let flags = parse_flags(&argv[3..])?;
    let invalid = || {
        let cmd = String::from_utf8_lossy(&argv[0]).to_ascii_lowercase();
        Reply::Error(format!("ERR invalid expire time in '{cmd}' command"))
    };
    let mut when = int_arg(&argv[2])?;
    if seconds {
        when = when.checked_mul(1000).ok_or_else(invalid)?;
    }
    if when > i64::MAX - base_ms {
        return Err(invalid());
    }
    when += base_ms;
    let key = &argv[1];
    let Some(entry) = m.lookup_ctx(ctx, key) else {
        return Ok(Reply::Int(0));
    };
    let current = entry.expire_at_ms;
    let refused = (flags.nx && current.is_some())
        || (flags.xx && current.is_none())
        || (flags.gt && current.is_none_or(|c| when <= c))
        || (flags.lt && current.is_some_and(|c| when >= c));
    if refused {
        return Ok(Reply::Int(0));
    }
    if when <= ctx.now_ms {
        m.delete(ctx.db, key);
    } else {
        m.set_expire(ctx.db, key, Some(when));
    }
    Ok(Reply::Int(1))
}

pub(super) fn expire(m: &mut Model, ctx: &mut Ctx, argv: &[Vec<u8>]) -> Reply {
    expire_generic(m, ctx, argv, ctx.now_ms, true)
}

pub(super) fn pexpire(m: &mut Model, ctx: &mut Ctx, argv: &[Vec<u8>]) -> Reply {
    expire_generic(m, ctx, argv, ctx.now_ms, false)
}

pub(super) fn expireat(m: &mut Model, ctx: &mut Ctx, argv: &[Vec<u8>]) -> Reply {
    expire_generic(m, ctx, argv, 0, true)
}

pub(super) fn pexpireat(m: &mut Model, ctx: &mut Ctx, argv: &[Vec<u8>]) -> Reply {
    expire_generic(m, ctx, argv, 0, false)
}

/// Redis `ttlGenericCommand`: -2 no key, -1 no TTL; seconds are rounded `(ms + 500) / 1000`.
fn ttl_generic(m: &mut Model, ctx: &Ctx, key: &[u8], in_ms: bool, absolute: bool) -> Reply {
    let Some(entry) = m.lookup_ctx(ctx, key) else {
        return Reply::Int(-2);
    };
    let Some(when) = entry.expire_at_ms else {
        return Reply::Int(-1);
    };
    let ttl = if absolute { when } else { when - ctx.now_ms }.max(0);
    Reply::Int(if in_ms { ttl } else { (ttl + 500) / 1000 })
}

pub(super) fn ttl(m: &mut Model, ctx: &mut Ctx, argv: &[Vec<u8>]) -> Reply {
    ttl_generic(m, ctx, &argv[1], false, false)
}

pub(super) fn pttl(m: &mut Model, ctx: &mut Ctx, argv: &[Vec<u8>]) -> Reply {
    ttl_generic(m, ctx, &argv[1], true, false)
}

pub(super) fn expiretime(m: &mut Model, ctx: &mut Ctx, argv: &[Vec<u8>]) -> Reply {
    ttl_generic(m, ctx, &argv[1], false, true)
}

pub(super) fn pexpiretime(m: &mut Model, ctx: &mut Ctx, argv: &[Vec<u8>]) -> Reply {
    ttl_generic(m, ctx, &argv[1], true, true)
}

pub(super) fn persist(m: &mut Model, ctx: &mut Ctx, argv: &[Vec<u8>]) -> Reply {
    let has_ttl = m
        .lookup_ctx(ctx, &argv[1])
        .is_some_and(|e| e.expire_at_ms.is_some());
    if has_ttl {
        m.set_expire(ctx.db, &argv[1], None);
    }
    Reply::Int(i64::from(has_ttl))
}
