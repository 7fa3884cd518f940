//! Expire commands (`expire.c`): EXPIRE, PEXPIRE, EXPIREAT, PEXPIREAT with NX/XX/GT/LT, TTL,
//! PTTL, EXPIRETIME, PEXPIRETIME, PERSIST.
//!
//! Effects: every successful expire-setting command propagates as `PEXPIREAT key ms`; a time
//! already in the past deletes the key and propagates `DEL key`.

use super::{arg_i64, Ctx};
use crate::resp::Argv;
use crate::server::client::Client;
use crate::server::Server;

#[derive(Default)]
struct Cond {
    nx: bool,
    xx: bool,
    gt: bool,
    lt: bool,
}

fn parse_cond(a: &Argv) -> Result<Cond, String> {
    let mut f = Cond::default();
    for i in 3..a.len() {
        match a.get(i).to_ascii_lowercase().as_slice() {
            b"nx" => f.nx = true,
            b"xx" => f.xx = true,
            b"gt" => f.gt = true,
            b"lt" => f.lt = true,
            _ => return Err(format!("ERR Unsupported option {}", String::from_utf8_lossy(a.get(i)))),
        }
    }
    if f.nx && (f.xx || f.gt || f.lt) {
        return Err("ERR NX and XX, GT or LT options at the same time are not compatible".into());
    }
    if f.gt && f.lt {
        return Err("ERR GT and LT options at the same time are not compatible".into());
    }
    Ok(f)
}

/// `expireGenericCommand`: `relative` adds the command time; `seconds` scales by 1000.
fn expire_generic(s: &mut Server, c: &mut Client, a: &Argv, ctx: &mut Ctx, relative: bool, seconds: bool) {
    let cond = match parse_cond(a) {
        Ok(f) => f,
        Err(e) => return c.add_error(&e),
    };
    let Some(mut when) = arg_i64(a.get(2)) else { return c.add_not_integer() };
    let name = String::from_utf8_lossy(a.get(0)).to_ascii_lowercase();
    let invalid = format!("ERR invalid expire time in '{name}' command");
    if seconds {
        if !(i64::MIN / 1000..=i64::MAX / 1000).contains(&when) {
            return c.add_error(&invalid);
        }
        when *= 1000;
    }
    if relative {
        match when.checked_add(s.ks.now_ms) {
            Some(w) => when = w,
            None => return c.add_error(&invalid),
        }
    }
    let key = a.get(1);
    if s.ks.lookup_write(c.db, key).is_none() {
        return c.add_int(0);
    }
    let current = s.ks.dbs[c.db].expire_of(key);
    let refused = (cond.nx && current.is_some())
        || (cond.xx && current.is_none())
        || (cond.gt && current.is_none_or(|t| when <= t))
        || (cond.lt && current.is_some_and(|t| when >= t));
    if refused {
        return c.add_int(0);
    }
    ctx.propagated = true;
    s.ks.dirty += 1;
    if when <= s.ks.now_ms && !s.ks.expiry_paused {
        s.ks.delete(c.db, key);
        s.ks.propagate(c.db, vec![b"DEL".to_vec(), key.to_vec()]);
    } else {
        s.ks.dbs[c.db].set_expire(key, when);
        s.ks.touch_watched(c.db, key);
        s.ks.propagate(c.db, vec![b"PEXPIREAT".to_vec(), key.to_vec(), when.to_string().into_bytes()]);
    }
    c.add_int(1);
}

pub fn expire(s: &mut Server, c: &mut Client, a: &Argv, ctx: &mut Ctx) {
    expire_generic(s, c, a, ctx, true, true);
}

pub fn pexpire(s: &mut Server, c: &mut Client, a: &Argv, ctx: &mut Ctx) {
    expire_generic(s, c, a, ctx, true, false);
}

pub fn expireat(s: &mut Server, c: &mut Client, a: &Argv, ctx: &mut Ctx) {
    expire_generic(s, c, a, ctx, false, true);
}

pub fn pexpireat(s: &mut Server, c: &mut Client, a: &Argv, ctx: &mut Ctx) {
    expire_generic(s, c, a, ctx, false, false);
}

/// `ttlGenericCommand`: -2 missing, -1 no expire; relative or absolute, ms or rounded seconds.
fn ttl_generic(s: &mut Server, c: &mut Client, a: &Argv, ms: bool, absolute: bool) {
    let key = a.get(1);
    if s.ks.lookup_notouch(c.db, key).is_none() {
        return c.add_int(-2);
    }
    let Some(expire) = s.ks.dbs[c.db].expire_of(key) else { return c.add_int(-1) };
    let value = if absolute { expire } else { (expire - s.ks.now_ms).max(0) };
    c.add_int(if ms { value } else { (value + 500) / 1000 });
}

pub fn ttl(s: &mut Server, c: &mut Client, a: &Argv, _: &mut Ctx) {
    ttl_generic(s, c, a, false, false);
}

pub fn pttl(s: &mut Server, c: &mut Client, a: &Argv, _: &mut Ctx) {
    ttl_generic(s, c, a, true, false);
}

pub fn expiretime(s: &mut Server, c: &mut Client, a: &Argv, _: &mut Ctx) {
    ttl_generic(s, c, a, false, true);
}

pub fn pexpiretime(s: &mut Server, c: &mut Client, a: &Argv, _: &mut Ctx) {
    ttl_generic(s, c, a, true, true);
}

pub fn persist(s: &mut Server, c: &mut Client, a: &Argv, _: &mut Ctx) {
    let key = a.get(1);
    if s.ks.lookup_write(c.db, key).is_some() && s.ks.dbs[c.db].persist(key) {
        s.ks.touch_watched(c.db, key);
        s.ks.dirty += 1;
        return c.add_int(1);
    }
    c.add_int(0);
}
