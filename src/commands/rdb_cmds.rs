//! RDB commands: SAVE, BGSAVE [SCHEDULE], LASTSAVE (Redis 7.0 replies and refusals).

use super::Ctx;
use crate::resp::Argv;
use crate::server::client::Client;
use crate::server::Server;

/// SAVE: write the snapshot in the foreground.
pub fn save(s: &mut Server, c: &mut Client, _: &Argv, _: &mut Ctx) {
    if s.rdb.child_pid.is_some() {
        return c.add_error("ERR Background save already in progress");
    }
    match crate::rdb::save_sync(s) {
        Ok(()) => c.add_ok(),
        Err(_) => c.add_error("ERR"),
    }
}

/// BGSAVE [SCHEDULE]: fork a child; with SCHEDULE, wait for a running AOF rewrite to end.
pub fn bgsave(s: &mut Server, c: &mut Client, a: &Argv, _: &mut Ctx) {
    let schedule = match a.len() {
        1 => false,
        2 if a.get(1).eq_ignore_ascii_case(b"schedule") => true,
        _ => return c.add_error("ERR syntax error"),
    };
    if s.rdb.child_pid.is_some() {
        return c.add_error("ERR Background save already in progress");
    }
    if s.aof.child_pid.is_some() {
        if schedule {
            s.rdb.bgsave_scheduled = true;
            return c.add_simple("Background saving scheduled");
        }
        return c.add_error("ERR Another child process is active (AOF?): can't BGSAVE right now. Use BGSAVE SCHEDULE in order to schedule a BGSAVE whenever possible.");
    }
    match crate::rdb::bgsave::start(s) {
        Ok(_) => c.add_simple("Background saving started"),
        Err(e) => c.add_error(&e),
    }
}

pub fn lastsave(s: &mut Server, c: &mut Client, _: &Argv, _: &mut Ctx) {
    c.add_int(crate::rdb::lastsave(s));
}

/// DUMP key: the value's RDB payload, or nil.
pub fn dump(s: &mut Server, c: &mut Client, a: &Argv, _: &mut Ctx) {
    let compress = s.config.rdbcompression;
    match s.ks.lookup_read(c.db, a.get(1)) {
        Some(entry) => {
            let payload = crate::rdb::dump::dump_payload(&entry.value, compress);
            c.add_bulk(&payload);
        }
        None => c.add_null(),
    }
}

/// RESTORE's options after the payload.
struct RestoreOpts {
    replace: bool,
    absttl: bool,
    idle_s: Option<i64>,
    freq: Option<i64>,
}

fn parse_restore_opts(a: &Argv) -> Result<RestoreOpts, &'static str> {
    let mut o = RestoreOpts { replace: false, absttl: false, idle_s: None, freq: None };
    let mut i = 4;
    while i < a.len() {
        let more = i + 1 < a.len();
        match a.get(i).to_ascii_lowercase().as_slice() {
            b"replace" => o.replace = true,
            b"absttl" => o.absttl = true,
            b"idletime" if more && o.freq.is_none() => {
                match crate::util::number::string2ll(a.get(i + 1)) {
                    Some(n) if n >= 0 => o.idle_s = Some(n),
                    Some(_) => return Err("ERR Invalid IDLETIME value, must be >= 0"),
                    None => return Err("ERR value is not an integer or out of range"),
                }
                i += 1;
            }
            b"freq" if more && o.idle_s.is_none() => {
                match crate::util::number::string2ll(a.get(i + 1)) {
                    Some(n) if (0..=255).contains(&n) => o.freq = Some(n),
                    Some(_) => return Err("ERR Invalid FREQ value, must be >= 0 and <= 255"),
                    None => return Err("ERR value is not an integer or out of range"),
                }
                i += 1;
            }
            _ => return Err("ERR syntax error"),
        }
        i += 1;
    }
    Ok(o)
}

/// RESTORE key ttl payload [REPLACE] [ABSTTL] [IDLETIME s] [FREQ f]. A relative TTL is
/// propagated as an absolute one (`… <ms> … ABSTTL`), as Redis 7.0 does.
pub fn restore(s: &mut Server, c: &mut Client, a: &Argv, ctx: &mut Ctx) {
    let o = match parse_restore_opts(a) {
        Ok(o) => o,
        Err(e) => return c.add_error(e),
    };
    let key = a.get(1);
    let Some(ttl) = crate::util::number::string2ll(a.get(2)) else { return c.add_not_integer() };
    if ttl < 0 {
        return c.add_error("ERR Invalid TTL value, must be >= 0");
    }
    let exists = s.ks.lookup_write(c.db, key).is_some();
    if exists && !o.replace {
        return c.add_error("BUSYKEY Target key name already exists.");
    }
    let loaded = match crate::rdb::dump::parse_payload(a.get(3), key) {
        Ok(v) => v,
        Err(e) => return c.add_error(e.reply()),
    };
    let limits = crate::types::TypeLimits::from_config(&s.config);
    let Ok(value) = loaded.into_engine_with(&limits, &mut s.ks.rng) else { return c.add_error("ERR Bad data format") };
    let when = match (ttl, o.absttl) {
        (0, _) => None,
        (t, true) => Some(t),
        (t, false) => Some(t.saturating_add(s.ks.now_ms)),
    };
    ctx.propagated = true;
    if exists {
        s.ks.delete(c.db, key);
    }
    s.ks.dirty += 1;
    if when.is_some_and(|w| w <= s.ks.now_ms) {
        if exists {
            s.ks.propagate(c.db, vec![b"DEL".to_vec(), key.to_vec()]);
        }
        return c.add_ok();
    }
    let mut entry = s.ks.entry(value);
    if let Some(idle) = o.idle_s {
        entry.lru = crate::object::lru_clock(s.ks.now_ms - idle.saturating_mul(1000).min(s.ks.now_ms));
    }
    if let Some(freq) = o.freq {
        entry.lru = (crate::object::lfu_minutes(s.ks.now_ms) << 8) | freq as u32;
    }
    s.ks.dbs[c.db].insert(key, entry);
    if let Some(w) = when {
        s.ks.dbs[c.db].set_expire(key, w);
    }
    s.ks.touch_watched(c.db, key);
    let mut effect: Vec<Vec<u8>> = a.iter().map(<[u8]>::to_vec).collect();
    if let (Some(w), false) = (when, o.absttl) {
        effect[2] = w.to_string().into_bytes();
        effect.push(b"ABSTTL".to_vec());
    }
    s.ks.propagate(c.db, effect);
    c.add_ok();
}
