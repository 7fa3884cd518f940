//! String commands (`t_string.c`): GET, SET and its variants, counters, ranges.
//!
//! Effects: SET with a relative expire, SETEX, PSETEX and GETEX propagate with absolute times
//! (`SET … PXAT`, `PEXPIREAT`), an already-past GETEX expire as `DEL`, INCRBYFLOAT as
//! `SET key value KEEPTTL` with the exact result, so replaying the AOF later gives the same data.

use super::{arg_i64, Ctx};
use crate::keyspace::Keyspace;
use crate::object::{Str, Value};
use crate::resp::Argv;
use crate::server::client::Client;
use crate::server::Server;
use crate::util::longdouble::{incr_by_float, IncrFloatError};

/// The string at `key`, with lazy expiry; `Err(())` if the key holds another type.
pub(crate) fn get_str<'a>(ks: &'a mut Keyspace, db: usize, key: &[u8], read: bool) -> Result<Option<&'a mut Str>, ()> {
    let entry = if read { ks.lookup_read(db, key) } else { ks.lookup_write(db, key) };
    match entry.map(|e| &mut e.value) {
        None => Ok(None),
        Some(Value::Str(s)) => Ok(Some(s)),
        Some(_) => Err(()),
    }
}

/// GET key; writes the reply. Returns false on WRONGTYPE.
fn reply_get(s: &mut Server, c: &mut Client, key: &[u8]) -> bool {
    match get_str(&mut s.ks, c.db, key, true) {
        Ok(Some(v)) => {
            match v {
                Str::Int(n) => c.add_bulk(n.to_string().as_bytes()),
                other => c.add_bulk(other.bytes().unwrap_or_default()),
            }
            true
        }
        Ok(None) => {
            c.add_null();
            true
        }
        Err(()) => {
            c.add_wrong_type();
            false
        }
    }
}

pub fn get(s: &mut Server, c: &mut Client, a: &Argv, _: &mut Ctx) {
    reply_get(s, c, a.get(1));
}

/// The expire part of SET/GETEX options.
#[derive(Clone, Copy, PartialEq, Eq)]
enum ExpireArg {
    None,
    Ex,
    Px,
    ExAt,
    PxAt,
    KeepTtl,
    Persist,
}

struct SetOpts {
    nx: bool,
    xx: bool,
    get: bool,
    unit: ExpireArg,
    expire_arg: Option<usize>,
}

/// Parse `[NX|XX] [GET] [EX|PX|EXAT|PXAT n|KEEPTTL]` (or GETEX's options with `getex`).
fn parse_set_opts(a: &Argv, from: usize, getex: bool) -> Option<SetOpts> {
    let mut o = SetOpts { nx: false, xx: false, get: false, unit: ExpireArg::None, expire_arg: None };
    let mut i = from;
    while i < a.len() {
        let arg = a.get(i).to_ascii_lowercase();
        let has_next = i + 1 < a.len();
        let unit = match arg.as_slice() {
            b"ex" => ExpireArg::Ex,
            b"px" => ExpireArg::Px,
            b"exat" => ExpireArg::ExAt,
            b"pxat" => ExpireArg::PxAt,
            _ => ExpireArg::None,
        };
        // Redis lets the same unit repeat (the last value wins) but not mix with another.
        if unit != ExpireArg::None && has_next && (o.unit == ExpireArg::None || o.unit == unit) {
            o.unit = unit;
            o.expire_arg = Some(i + 1);
            i += 2;
            continue;
        }
        match arg.as_slice() {
            b"nx" if !getex && !o.xx => o.nx = true,
            b"xx" if !getex && !o.nx => o.xx = true,
            b"get" if !getex => o.get = true,
            b"keepttl" if !getex && matches!(o.unit, ExpireArg::None | ExpireArg::KeepTtl) => o.unit = ExpireArg::KeepTtl,
            b"persist" if getex && matches!(o.unit, ExpireArg::None | ExpireArg::Persist) => o.unit = ExpireArg::Persist,
            _ => return None,
        }
        i += 1;
    }
    Some(o)
}

/// The absolute expire time in ms for the parsed option, or Redis's error text.
fn absolute_expire(s: &Server, a: &Argv, o: &SetOpts, cmd: &str) -> Result<Option<i64>, String> {
    let Some(idx) = o.expire_arg else { return Ok(None) };
    let n = arg_i64(a.get(idx)).ok_or("ERR value is not an integer or out of range")?;
    let invalid = || format!("ERR invalid expire time in '{cmd}' command");
    let seconds = matches!(o.unit, ExpireArg::Ex | ExpireArg::ExAt);
    if n <= 0 || (seconds && n > i64::MAX / 1000) {
        return Err(invalid());
    }
    let ms = if seconds { n * 1000 } else { n };
    let when = match o.unit {
        ExpireArg::Ex | ExpireArg::Px => ms.checked_add(s.ks.now_ms).ok_or_else(invalid)?,
        _ => ms,
    };
    Ok(Some(when))
}

pub fn set(s: &mut Server, c: &mut Client, a: &Argv, ctx: &mut Ctx) {
    let Some(o) = parse_set_opts(a, 3, false) else { return c.add_syntax_error() };
    let when = match absolute_expire(s, a, &o, "set") {
        Ok(w) => w,
        Err(e) => return c.add_error(&e),
    };
    set_generic(s, c, a.get(1), a.get(2), &o, when, ctx);
}

/// `setGenericCommand`.
fn set_generic(s: &mut Server, c: &mut Client, key: &[u8], val: &[u8], o: &SetOpts, when: Option<i64>, ctx: &mut Ctx) {
    if o.get && !reply_get(s, c, key) {
        return;
    }
    // Plain SET only needs lazy expiry applied, not the lookup (one hash probe fewer).
    let found = if o.nx || o.xx { s.ks.lookup_write(c.db, key).is_some() } else { !s.ks.expire_if_needed(c.db, key) };
    if (o.nx && found) || (o.xx && !found) {
        if !o.get {
            c.add_null();
        }
        return;
    }
    s.ks.set_key(c.db, key, Value::Str(Str::from_bytes(val)), o.unit == ExpireArg::KeepTtl);
    s.ks.dirty += 1;
    if let Some(when) = when {
        s.ks.dbs[c.db].set_expire(key, when);
        ctx.propagated = true;
        let argv = vec![b"SET".to_vec(), key.to_vec(), val.to_vec(), b"PXAT".to_vec(), when.to_string().into_bytes()];
        s.ks.propagate(c.db, argv);
    }
    if !o.get {
        c.add_ok();
    }
}

pub fn setnx(s: &mut Server, c: &mut Client, a: &Argv, _: &mut Ctx) {
    if s.ks.lookup_write(c.db, a.get(1)).is_some() {
        return c.add_int(0);
    }
    s.ks.set_key(c.db, a.get(1), Value::Str(Str::from_bytes(a.get(2))), false);
    s.ks.dirty += 1;
    c.add_int(1);
}

fn setex_generic(s: &mut Server, c: &mut Client, a: &Argv, ctx: &mut Ctx, unit: ExpireArg, cmd: &str) {
    let o = SetOpts { nx: false, xx: false, get: false, unit, expire_arg: Some(2) };
    match absolute_expire(s, a, &o, cmd) {
        Ok(when) => set_generic(s, c, a.get(1), a.get(3), &o, when, ctx),
        Err(e) => c.add_error(&e),
    }
}

pub fn setex(s: &mut Server, c: &mut Client, a: &Argv, ctx: &mut Ctx) {
    setex_generic(s, c, a, ctx, ExpireArg::Ex, "setex");
}

pub fn psetex(s: &mut Server, c: &mut Client, a: &Argv, ctx: &mut Ctx) {
    setex_generic(s, c, a, ctx, ExpireArg::Px, "psetex");
}

pub fn getset(s: &mut Server, c: &mut Client, a: &Argv, _: &mut Ctx) {
    if !reply_get(s, c, a.get(1)) {
        return;
    }
    s.ks.set_key(c.db, a.get(1), Value::Str(Str::from_bytes(a.get(2))), false);
    s.ks.dirty += 1;
}

pub fn getdel(s: &mut Server, c: &mut Client, a: &Argv, _: &mut Ctx) {
    if !reply_get(s, c, a.get(1)) {
        return;
    }
    if s.ks.delete(c.db, a.get(1)).is_some() {
        s.ks.dirty += 1;
    }
}

pub fn getex(s: &mut Server, c: &mut Client, a: &Argv, ctx: &mut Ctx) {
    let Some(o) = parse_set_opts(a, 2, true) else { return c.add_syntax_error() };
    let key = a.get(1);
    // Redis checks existence and type before validating the expire time.
    match get_str(&mut s.ks, c.db, key, true) {
        Err(()) => return c.add_wrong_type(),
        Ok(None) => return c.add_null(),
        Ok(Some(_)) => {}
    }
    let when = match absolute_expire(s, a, &o, "getex") {
        Ok(w) => w,
        Err(e) => return c.add_error(&e),
    };
    reply_get(s, c, key);
    let (db, now) = (c.db, s.ks.now_ms);
    ctx.propagated = true;
    if let Some(when) = when {
        if when <= now {
            s.ks.delete(db, key);
            s.ks.propagate(db, vec![b"DEL".to_vec(), key.to_vec()]);
        } else {
            s.ks.dbs[db].set_expire(key, when);
            s.ks.propagate(db, vec![b"PEXPIREAT".to_vec(), key.to_vec(), when.to_string().into_bytes()]);
            s.ks.touch_watched(db, key);
        }
        s.ks.dirty += 1;
    } else if o.unit == ExpireArg::Persist && s.ks.dbs[db].persist(key) {
        s.ks.propagate(db, vec![b"PERSIST".to_vec(), key.to_vec()]);
        s.ks.touch_watched(db, key);
        s.ks.dirty += 1;
    }
}

pub fn mget(s: &mut Server, c: &mut Client, a: &Argv, _: &mut Ctx) {
    c.add_array_len(a.len() - 1);
    for i in 1..a.len() {
        match get_str(&mut s.ks, c.db, a.get(i), true) {
            Ok(Some(v)) => {
                let b = v.to_bytes();
                c.add_bulk(&b);
            }
            _ => c.add_null(),
        }
    }
}

fn mset_generic(s: &mut Server, c: &mut Client, a: &Argv, nx: bool) -> bool {
    if a.len().is_multiple_of(2) {
        let name = if nx { "msetnx" } else { "mset" };
        c.add_error(&format!("ERR wrong number of arguments for '{name}' command"));
        return false;
    }
    if nx && (1..a.len()).step_by(2).any(|i| s.ks.lookup_write(c.db, a.get(i)).is_some()) {
        return false;
    }
    for i in (1..a.len()).step_by(2) {
        s.ks.set_key(c.db, a.get(i), Value::Str(Str::from_bytes(a.get(i + 1))), false);
    }
    s.ks.dirty += (a.len() / 2) as u64;
    true
}

pub fn mset(s: &mut Server, c: &mut Client, a: &Argv, _: &mut Ctx) {
    if mset_generic(s, c, a, false) {
        c.add_ok();
    }
}

pub fn msetnx(s: &mut Server, c: &mut Client, a: &Argv, _: &mut Ctx) {
    if a.len().is_multiple_of(2) {
        mset_generic(s, c, a, true);
        return;
    }
    let done = mset_generic(s, c, a, true);
    c.add_int(i64::from(done));
}

/// INCR/DECR/INCRBY/DECRBY (`incrDecrCommand`): keeps the TTL.
fn incr_decr(s: &mut Server, c: &mut Client, key: &[u8], by: i64) {
    let current = match get_str(&mut s.ks, c.db, key, false) {
        Err(()) => return c.add_wrong_type(),
        Ok(None) => 0,
        Ok(Some(v)) => match v.as_int() {
            Some(n) => n,
            None => return c.add_not_integer(),
        },
    };
    let Some(new) = current.checked_add(by) else {
        return c.add_error("ERR increment or decrement would overflow");
    };
    match get_str(&mut s.ks, c.db, key, false) {
        Ok(Some(v)) => {
            *v = Str::Int(new);
            s.ks.touch_watched(c.db, key);
        }
        _ => s.ks.set_key(c.db, key, Value::Str(Str::Int(new)), false),
    }
    s.ks.dirty += 1;
    c.add_int(new);
}

pub fn incr(s: &mut Server, c: &mut Client, a: &Argv, _: &mut Ctx) {
    incr_decr(s, c, a.get(1), 1);
}

pub fn decr(s: &mut Server, c: &mut Client, a: &Argv, _: &mut Ctx) {
    incr_decr(s, c, a.get(1), -1);
}

pub fn incrby(s: &mut Server, c: &mut Client, a: &Argv, _: &mut Ctx) {
    match arg_i64(a.get(2)) {
        Some(by) => incr_decr(s, c, a.get(1), by),
        None => c.add_not_integer(),
    }
}

pub fn decrby(s: &mut Server, c: &mut Client, a: &Argv, _: &mut Ctx) {
    match arg_i64(a.get(2)) {
        Some(i64::MIN) => c.add_error("ERR decrement would overflow"),
        Some(by) => incr_decr(s, c, a.get(1), -by),
        None => c.add_not_integer(),
    }
}

pub fn incrbyfloat(s: &mut Server, c: &mut Client, a: &Argv, ctx: &mut Ctx) {
    let key = a.get(1);
    let current = match get_str(&mut s.ks, c.db, key, false) {
        Err(()) => return c.add_wrong_type(),
        Ok(None) => b"0".to_vec(),
        Ok(Some(v)) => v.to_bytes().into_owned(),
    };
    let new = match incr_by_float(&current, a.get(2)) {
        Ok(v) => v,
        Err(IncrFloatError::CurrentNotFloat | IncrFloatError::IncrNotFloat) => return c.add_error("ERR value is not a valid float"),
        Err(IncrFloatError::NanOrInfinity) => return c.add_error("ERR increment would produce NaN or Infinity"),
    };
    // Redis stores the result as a string object without trying the int encoding.
    let stored = Str::from_bytes_no_int(&new);
    s.ks.set_key(c.db, key, Value::Str(stored), true);
    s.ks.dirty += 1;
    c.add_bulk(&new);
    ctx.propagated = true;
    s.ks.propagate(c.db, vec![b"SET".to_vec(), key.to_vec(), new, b"KEEPTTL".to_vec()]);
}

/// Redis refuses strings longer than proto-max-bulk-len (`checkStringLength`).
fn check_len(s: &Server, c: &mut Client, len: u64) -> bool {
    if len > s.config.proto_max_bulk_len {
        c.add_error("ERR string exceeds maximum allowed size (proto-max-bulk-len)");
        return false;
    }
    true
}

pub fn append(s: &mut Server, c: &mut Client, a: &Argv, _: &mut Ctx) {
    let (key, add) = (a.get(1), a.get(2));
    let cur_len = match get_str(&mut s.ks, c.db, key, false) {
        Err(()) => return c.add_wrong_type(),
        Ok(v) => v.map(|v| v.len()),
    };
    let Some(cur_len) = cur_len else {
        s.ks.set_key(c.db, key, Value::Str(Str::from_bytes(add)), false);
        s.ks.dirty += 1;
        return c.add_int(add.len() as i64);
    };
    if !check_len(s, c, (cur_len + add.len()) as u64) {
        return;
    }
    let mut new_len = 0;
    if let Ok(Some(v)) = get_str(&mut s.ks, c.db, key, false) {
        let buf = v.make_raw();
        buf.extend_from_slice(add);
        new_len = buf.len();
    }
    s.ks.touch_watched(c.db, key);
    s.ks.dirty += 1;
    c.add_int(new_len as i64);
}

pub fn strlen(s: &mut Server, c: &mut Client, a: &Argv, _: &mut Ctx) {
    match get_str(&mut s.ks, c.db, a.get(1), true) {
        Err(()) => c.add_wrong_type(),
        Ok(v) => c.add_int(v.map_or(0, |v| v.len()) as i64),
    }
}

pub fn getrange(s: &mut Server, c: &mut Client, a: &Argv, _: &mut Ctx) {
    let (Some(mut start), Some(mut end)) = (arg_i64(a.get(2)), arg_i64(a.get(3))) else {
        return c.add_not_integer();
    };
    let value = match get_str(&mut s.ks, c.db, a.get(1), true) {
        Err(()) => return c.add_wrong_type(),
        Ok(None) => return c.add_bulk(b""),
        Ok(Some(v)) => v.to_bytes().into_owned(),
    };
    let len = value.len() as i64;
    if start < 0 && end < 0 && start > end {
        return c.add_bulk(b"");
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
        return c.add_bulk(b"");
    }
    c.add_bulk(&value[start as usize..=end as usize]);
}

pub fn setrange(s: &mut Server, c: &mut Client, a: &Argv, _: &mut Ctx) {
    let (key, val) = (a.get(1), a.get(3));
    let Some(offset) = arg_i64(a.get(2)) else { return c.add_not_integer() };
    if offset < 0 {
        return c.add_error("ERR offset is out of range");
    }
    let cur_len = match get_str(&mut s.ks, c.db, key, false) {
        Err(()) => return c.add_wrong_type(),
        Ok(v) => v.map(|v| v.len()),
    };
    if val.is_empty() {
        return c.add_int(cur_len.unwrap_or(0) as i64);
    }
    if !check_len(s, c, offset as u64 + val.len() as u64) {
        return;
    }
    if cur_len.is_none() {
        s.ks.set_key(c.db, key, Value::Str(Str::raw(Vec::new())), false);
    }
    let mut new_len = 0;
    if let Ok(Some(v)) = get_str(&mut s.ks, c.db, key, false) {
        let buf = v.make_raw();
        let end = offset as usize + val.len();
        if buf.len() < end {
            buf.resize(end, 0);
        }
        buf[offset as usize..end].copy_from_slice(val);
        new_len = buf.len();
    }
    s.ks.touch_watched(c.db, key);
    s.ks.dirty += 1;
    c.add_int(new_len as i64);
}
