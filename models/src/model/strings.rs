//! String commands: GET, SET (EX/PX/EXAT/PXAT/NX/XX/KEEPTTL/GET), SETNX, SETEX, PSETEX,
//! GETSET, GETDEL, GETEX, MGET, MSET, MSETNX, INCR/DECR/INCRBY/DECRBY, INCRBYFLOAT, APPEND,
//! STRLEN, GETRANGE, SETRANGE — following Redis 7.0's `t_string.c` step by step, including the
//! order in which errors are detected (argument errors before lookups, where Redis does so).

use super::keyspace::Value;
use super::num::{format_human, int_arg, parse_f64, parse_i64, ERR_NOT_FLOAT};
use super::reply::Reply;
use super::table::arity_error;
use super::{Ctx, Model};

/// Redis's default `proto-max-bulk-len` (512 MB): the largest string a command may build.
pub const STRING_LEN_MAX: u64 = 512 * 1024 * 1024;
const ERR_SYNTAX: &str = "ERR syntax error";

/// Options of SET / GETEX (Redis `parseExtendedStringArgumentsOrReply`).
#[derive(Default, Debug)]
struct Options<'a> {
    nx: bool,
    xx: bool,
    get: bool,
    keepttl: bool,
    persist: bool,
    ex: bool,
    px: bool,
    exat: bool,
    pxat: bool,
    expire: Option<&'a [u8]>,
}

#[derive(PartialEq, Eq, Clone, Copy)]
enum Kind {
    Set,
    GetEx,
}

fn parse_options(args: &[Vec<u8>], kind: Kind) -> Result<Options<'_>, Reply> {
    let mut o = Options::default();
    let mut j = 0;
    while j < args.len() {
        let opt = args[j].to_ascii_lowercase();
        let next = args.get(j + 1).map(Vec::as_slice);
        let set = kind == Kind::Set;
        let no_expire = !o.ex && !o.px && !o.exat && !o.pxat;
        let can_expire = !o.keepttl && !o.persist && next.is_some();
        match opt.as_slice() {
            b"nx" if !o.xx && set => o.nx = true,
            b"xx" if !o.nx && set => o.xx = true,
            b"get" if set => o.get = true,
            b"keepttl" if !o.persist && no_expire && set => o.keepttl = true,
            b"persist" if !set && no_expire && !o.keepttl => o.persist = true,
            b"ex" if can_expire && !o.exat && !o.px && !o.pxat => o.ex = true,
            b"px" if can_expire && !o.ex && !o.exat && !o.pxat => o.px = true,
            b"exat" if can_expire && !o.ex && !o.px && !o.pxat => o.exat = true,
            b"pxat" if can_expire && !o.ex && !o.exat && !o.px => o.pxat = true,
            _ => return Err(Reply::err(ERR_SYNTAX)),
        }
        if matches!(opt.as_slice(), b"ex" | b"px" | b"exat" | b"pxat") {
            o.expire = next;
            j += 1;
        }
        j += 1;
    }
    Ok(o)
}

/// Redis `getExpireMillisecondsOrReply`: absolute expire time in ms, or the error.
fn expire_ms(
    arg: &[u8],
    seconds: bool,
    relative: bool,
    now_ms: i64,
    cmd: &str,
) -> Result<i64, Reply> {
    let invalid = || Reply::Error(format!("ERR invalid expire time in '{cmd}' command"));
    let mut ms = int_arg(arg)?;
    if ms <= 0 || (seconds && ms > i64::MAX / 1000) {
        return Err(invalid());
    }
    if seconds {
        ms *= 1000;
    }
    if relative {
        ms = ms.wrapping_add(now_ms);
    }
    if ms <= 0 {
        return Err(invalid());
    }
    Ok(ms)
}

fn option_expire(o: &Options, now_ms: i64, cmd: &str) -> Result<Option<i64>, Reply> {
    match o.expire {
        None => Ok(None),
        Some(arg) => expire_ms(arg, o.ex || o.exat, o.ex || o.px, now_ms, cmd).map(Some),
    }
}

fn or_nil(v: Option<Vec<u8>>) -> Reply {
    v.map_or(Reply::Nil, Reply::Bulk)
}

fn unwrap_reply(r: Result<Reply, Reply>) -> Reply {
    r.unwrap_or_else(|e| e)
}

pub(super) fn get(m: &mut Model, ctx: &mut Ctx, argv: &[Vec<u8>]) -> Reply {
    unwrap_reply(m.get_str(ctx, &argv[1]).map(or_nil))
}

/// Redis `setGenericCommand`. `ok`/`abort` replace `+OK`/nil (SETNX answers 1/0).
fn set_generic(
    m: &mut Model,
    ctx: &Ctx,
    argv: &[Vec<u8>],
    o: &Options,
    replies: Option<(Reply, Reply)>,
) -> Result<Reply, Reply> {
    let cmd = argv[0].to_ascii_lowercase();
    let when = option_expire(o, ctx.now_ms, &String::from_utf8_lossy(&cmd))?;
    let old = if o.get {
        Some(or_nil(m.get_str(ctx, &argv[1])?))
    } else {
        None
    };
    let found = m.lookup_ctx(ctx, &argv[1]).is_some();
    let (ok, abort) = replies.unwrap_or((Reply::ok(), Reply::Nil));
    if (o.nx && found) || (o.xx && !found) {
        return Ok(old.unwrap_or(abort));
    }
    m.set_key(ctx.db, &argv[1], Value::Str(argv[2].clone()), o.keepttl);
    if when.is_some() {
        m.set_expire(ctx.db, &argv[1], when);
    }
    Ok(old.unwrap_or(ok))
}

pub(super) fn set(m: &mut Model, ctx: &mut Ctx, argv: &[Vec<u8>]) -> Reply {
    unwrap_reply(
        parse_options(&argv[3..], Kind::Set).and_then(|o| set_generic(m, ctx, argv, &o, None)),
    )
}

pub(super) fn setnx(m: &mut Model, ctx: &mut Ctx, argv: &[Vec<u8>]) -> Reply {
    let o = Options {
        nx: true,
        ..Options::default()
    };
    unwrap_reply(set_generic(
        m,
        ctx,
        argv,
        &o,
        Some((Reply::Int(1), Reply::Int(0))),
    ))
}

fn set_with_ttl(m: &mut Model, ctx: &Ctx, argv: &[Vec<u8>], seconds: bool) -> Reply {
    // SETEX key seconds value: reorder to (cmd, key, value) with the TTL as the option.
    let args = vec![argv[0].clone(), argv[1].clone(), argv[3].clone()];
    let o = Options {
        ex: seconds,
        px: !seconds,
        expire: Some(&argv[2]),
        ..Options::default()
    };
    unwrap_reply(set_generic(m, ctx, &args, &o, None))
}

pub(super) fn setex(m: &mut Model, ctx: &mut Ctx, argv: &[Vec<u8>]) -> Reply {
    set_with_ttl(m, ctx, argv, true)
}

pub(super) fn psetex(m: &mut Model, ctx: &mut Ctx, argv: &[Vec<u8>]) -> Reply {
    set_with_ttl(m, ctx, argv, false)
}

pub(super) fn getset(m: &mut Model, ctx: &mut Ctx, argv: &[Vec<u8>]) -> Reply {
    match m.get_str(ctx, &argv[1]) {
        Err(e) => e,
        Ok(old) => {
            m.set_key(ctx.db, &argv[1], Value::Str(argv[2].clone()), false);
            or_nil(old)
        }
    }
}

pub(super) fn getdel(m: &mut Model, ctx: &mut Ctx, argv: &[Vec<u8>]) -> Reply {
    match m.get_str(ctx, &argv[1]) {
        Err(e) => e,
        Ok(None) => Reply::Nil,
        Ok(Some(v)) => {
            m.delete(ctx.db, &argv[1]);
            Reply::Bulk(v)
        }
    }
}

pub(super) fn getex(m: &mut Model, ctx: &mut Ctx, argv: &[Vec<u8>]) -> Reply {
    unwrap_reply(getex_inner(m, ctx, argv))
}

fn getex_inner(m: &mut Model, ctx: &Ctx, argv: &[Vec<u8>]) -> Result<Reply, Reply> {
    let o = parse_options(&argv[2..], Kind::GetEx)?;
    let Some(value) = m.get_str(ctx, &argv[1])? else {
        return Ok(Reply::Nil);
    };
    let when = option_expire(&o, ctx.now_ms, "getex")?;
    match when {
        // checkAlreadyExpired: `when <= now` deletes the key at once.
        Some(w) if (o.exat || o.pxat) && w <= ctx.now_ms => {
            m.delete(ctx.db, &argv[1]);
        }
        Some(w) => m.set_expire(ctx.db, &argv[1], Some(w)),
        None if o.persist => {
            let has_ttl = m
                .lookup_ctx(ctx, &argv[1])
                .is_some_and(|e| e.expire_at_ms.is_some());
            if has_ttl {
                m.set_expire(ctx.db, &argv[1], None);
            }
        }
        None => {}
    }
    Ok(Reply::Bulk(value))
}

pub(super) fn mget(m: &mut Model, ctx: &mut Ctx, argv: &[Vec<u8>]) -> Reply {
    let items = argv[1..]
        .iter()
        .map(|k| or_nil(m.get_str(ctx, k).ok().flatten()))
        .collect();
    Reply::Array(items)
}

pub(super) fn mset(m: &mut Model, ctx: &mut Ctx, argv: &[Vec<u8>]) -> Reply {
    if argv.len().is_multiple_of(2) {
        return arity_error("mset");
    }
    for pair in argv[1..].chunks(2) {
        m.set_key(ctx.db, &pair[0], Value::Str(pair[1].clone()), false);
    }
    Reply::ok()
}

/// MSETNX is all-or-nothing: if any key exists nothing is set and the reply is 0.
pub(super) fn msetnx(m: &mut Model, ctx: &mut Ctx, argv: &[Vec<u8>]) -> Reply {
    if argv.len().is_multiple_of(2) {
        return arity_error("msetnx");
    }
    // Redis stops looking at the first existing key, so later expired keys stay in place.
    if argv[1..]
        .chunks(2)
        .any(|pair| m.lookup_ctx(ctx, &pair[0]).is_some())
    {
        return Reply::Int(0);
    }
    for pair in argv[1..].chunks(2) {
        m.set_key(ctx.db, &pair[0], Value::Str(pair[1].clone()), false);
    }
    Reply::Int(1)
}

/// Redis `incrDecrCommand`: the TTL is kept.
fn incr_by(m: &mut Model, ctx: &Ctx, key: &[u8], incr: i64) -> Reply {
    let old = match m.get_str(ctx, key) {
        Err(e) => return e,
        Ok(None) => 0,
        Ok(Some(v)) => match parse_i64(&v) {
            Some(n) => n,
            None => return Reply::err(super::num::ERR_NOT_INT),
        },
    };
    let Some(new) = old.checked_add(incr) else {
        return Reply::err("ERR increment or decrement would overflow");
    };
    m.set_key(ctx.db, key, Value::Str(new.to_string().into_bytes()), true);
    Reply::Int(new)
}

pub(super) fn incr(m: &mut Model, ctx: &mut Ctx, argv: &[Vec<u8>]) -> Reply {
    incr_by(m, ctx, &argv[1], 1)
}

pub(super) fn decr(m: &mut Model, ctx: &mut Ctx, argv: &[Vec<u8>]) -> Reply {
    incr_by(m, ctx, &argv[1], -1)
}

pub(super) fn incrby(m: &mut Model, ctx: &mut Ctx, argv: &[Vec<u8>]) -> Reply {
    match int_arg(&argv[2]) {
        Ok(n) => incr_by(m, ctx, &argv[1], n),
        Err(e) => e,
    }
}

pub(super) fn decrby(m: &mut Model, ctx: &mut Ctx, argv: &[Vec<u8>]) -> Reply {
    match int_arg(&argv[2]) {
        Ok(i64::MIN) => Reply::err("ERR decrement would overflow"),
        Ok(n) => incr_by(m, ctx, &argv[1], -n),
        Err(e) => e,
    }
}

/// INCRBYFLOAT in `f64` (Redis uses `long double`; see `num`). The TTL is kept.
pub(super) fn incrbyfloat(m: &mut Model, ctx: &mut Ctx, argv: &[Vec<u8>]) -> Reply {
    let old = match m.get_str(ctx, &argv[1]) {
        Err(e) => return e,
        Ok(v) => v,
    };
    let value = match old {
        None => Some(0.0),
        Some(v) => parse_f64(&v),
    };
    let (Some(value), Some(incr)) = (value, parse_f64(&argv[2])) else {
        return Reply::err(ERR_NOT_FLOAT);
    };
    let new = value + incr;
    if !new.is_finite() {
        return Reply::err("ERR increment would produce NaN or Infinity");
    }
    let text = format_human(new).into_bytes();
    m.set_key(ctx.db, &argv[1], Value::Str(text.clone()), true);
    Reply::Bulk(text)
}

/// Redis `checkStringLength`.
fn check_len(base: u64, append: u64) -> Result<(), Reply> {
    if base.saturating_add(append) > STRING_LEN_MAX {
        return Err(Reply::err(
            "ERR string exceeds maximum allowed size (proto-max-bulk-len)",
        ));
    }
    Ok(())
}

pub(super) fn append(m: &mut Model, ctx: &mut Ctx, argv: &[Vec<u8>]) -> Reply {
    let mut value = match m.get_str(ctx, &argv[1]) {
        Err(e) => return e,
        Ok(None) => Vec::new(),
        Ok(Some(v)) => {
            if let Err(e) = check_len(v.len() as u64, argv[2].len() as u64) {
                return e;
            }
            v
        }
    };
    value.extend_from_slice(&argv[2]);
    let len = value.len() as i64;
    m.set_key(ctx.db, &argv[1], Value::Str(value), true);
    Reply::Int(len)
}

pub(super) fn strlen(m: &mut Model, ctx: &mut Ctx, argv: &[Vec<u8>]) -> Reply {
    unwrap_reply(
        m.get_str(ctx, &argv[1])
            .map(|v| Reply::Int(v.map_or(0, |s| s.len() as i64))),
    )
}

pub(super) fn getrange(m: &mut Model, ctx: &mut Ctx, argv: &[Vec<u8>]) -> Reply {
    let (start, end) = match (int_arg(&argv[2]), int_arg(&argv[3])) {
        (Ok(s), Ok(e)) => (s, e),
        (Err(e), _) | (_, Err(e)) => return e,
    };
    let s = match m.get_str(ctx, &argv[1]) {
        Err(e) => return e,
        Ok(None) => return Reply::Bulk(Vec::new()),
        Ok(Some(s)) => s,
    };
    Reply::Bulk(range_of(&s, start, end).to_vec())
}

/// GETRANGE's index arithmetic, exactly as `getrangeCommand` does it.
fn range_of(s: &[u8], start: i64, end: i64) -> &[u8] {
    let len = s.len() as i128;
    let (mut start, mut end) = (i128::from(start), i128::from(end));
    if start < 0 && end < 0 && start > end {
        return &[];
    }
    if start < 0 {
        start += len;
    }
    if end < 0 {
        end += len;
    }
    start = start.max(0);
    end = end.max(0).min(len - 1);
    if start > end || len == 0 {
        return &[];
    }
    &s[start as usize..=end as usize]
}

pub(super) fn setrange(m: &mut Model, ctx: &mut Ctx, argv: &[Vec<u8>]) -> Reply {
    let offset = match int_arg(&argv[2]) {
        Err(e) => return e,
        Ok(o) if o < 0 => return Reply::err("ERR offset is out of range"),
        Ok(o) => o as u64,
    };
    let patch = &argv[3];
    let mut value = match m.get_str(ctx, &argv[1]) {
        Err(e) => return e,
        Ok(None) if patch.is_empty() => return Reply::Int(0),
        Ok(Some(v)) if patch.is_empty() => return Reply::Int(v.len() as i64),
        Ok(v) => v.unwrap_or_default(),
    };
    if let Err(e) = check_len(offset, patch.len() as u64) {
        return e;
    }
    let offset = offset as usize; // < STRING_LEN_MAX, checked above
    if value.len() < offset + patch.len() {
        value.resize(offset + patch.len(), 0);
    }
    value[offset..offset + patch.len()].copy_from_slice(patch);
    let len = value.len() as i64;
    m.set_key(ctx.db, &argv[1], Value::Str(value), true);
    Reply::Int(len)
}
