//! Generic key commands (`db.c`, `object.c`): DEL, UNLINK, EXISTS, TYPE, RENAME, RENAMENX,
//! COPY, MOVE, SWAPDB, TOUCH, KEYS, SCAN, RANDOMKEY, DBSIZE, FLUSHDB, FLUSHALL, OBJECT.

use super::{arg_i64, Ctx};
use crate::env::Job;
use crate::object::{self, Str, Value};
use crate::resp::Argv;
use crate::server::client::Client;
use crate::server::Server;
use crate::util::glob::string_match;

/// Values with more elements than this are freed by a background job on UNLINK
/// (`LAZYFREE_THRESHOLD`).
const LAZYFREE_THRESHOLD: usize = 64;

fn del_generic(s: &mut Server, c: &mut Client, a: &Argv, lazy: bool) {
    let mut deleted = 0;
    for i in 1..a.len() {
        let key = a.get(i);
        s.ks.expire_if_needed(c.db, key);
        if let Some(entry) = s.ks.delete(c.db, key) {
            deleted += 1;
            if lazy && entry.value.free_effort() > LAZYFREE_THRESHOLD {
                s.env.background.submit(Job::LazyFree { value: Box::new(entry) });
            }
        }
    }
    s.ks.dirty += deleted;
    c.add_int(deleted as i64);
}

pub fn del(s: &mut Server, c: &mut Client, a: &Argv, _: &mut Ctx) {
    let lazy = s.config.lazyfree_lazy_user_del;
    del_generic(s, c, a, lazy);
}

pub fn unlink(s: &mut Server, c: &mut Client, a: &Argv, _: &mut Ctx) {
    del_generic(s, c, a, true);
}

pub fn exists(s: &mut Server, c: &mut Client, a: &Argv, _: &mut Ctx) {
    let n = (1..a.len()).filter(|&i| s.ks.lookup_notouch(c.db, a.get(i)).is_some()).count();
    c.add_int(n as i64);
}

pub fn type_(s: &mut Server, c: &mut Client, a: &Argv, _: &mut Ctx) {
    let name = s.ks.lookup_notouch(c.db, a.get(1)).map_or("none", |e| e.value.type_name());
    c.add_simple(name);
}

pub fn touch(s: &mut Server, c: &mut Client, a: &Argv, _: &mut Ctx) {
    let n = (1..a.len()).filter(|&i| s.ks.lookup_read(c.db, a.get(i)).is_some()).count();
    c.add_int(n as i64);
}

fn rename_generic(s: &mut Server, c: &mut Client, a: &Argv, nx: bool) {
    let (src, dst) = (a.get(1), a.get(2));
    if s.ks.lookup_write(c.db, src).is_none() {
        return c.add_error("ERR no such key");
    }
    if src == dst {
        return if nx { c.add_int(0) } else { c.add_ok() };
    }
    if s.ks.lookup_write(c.db, dst).is_some() {
        if nx {
            return c.add_int(0);
        }
        s.ks.delete(c.db, dst);
    }
    let expire = s.ks.dbs[c.db].expire_of(src);
    let Some(entry) = s.ks.delete(c.db, src) else { return c.add_error("ERR no such key") };
    s.ks.dbs[c.db].insert(dst, entry);
    if let Some(when) = expire {
        s.ks.dbs[c.db].set_expire(dst, when);
    }
    s.ks.touch_watched(c.db, dst);
    s.ks.dirty += 1;
    if nx {
        c.add_int(1)
    } else {
        c.add_ok()
    }
}

pub fn rename(s: &mut Server, c: &mut Client, a: &Argv, _: &mut Ctx) {
    rename_generic(s, c, a, false);
}

pub fn renamenx(s: &mut Server, c: &mut Client, a: &Argv, _: &mut Ctx) {
    rename_generic(s, c, a, true);
}

/// Parse a db index argument: `Err` carries Redis's error.
fn db_index(s: &Server, arg: &[u8]) -> Result<usize, &'static str> {
    let n = arg_i64(arg).ok_or("ERR value is not an integer or out of range")?;
    if n < 0 || n as usize >= s.ks.dbs.len() || n > i64::from(i32::MAX) {
        return Err("ERR DB index is out of range");
    }
    Ok(n as usize)
}

pub fn copy(s: &mut Server, c: &mut Client, a: &Argv, _: &mut Ctx) {
    let (src, dst) = (a.get(1), a.get(2));
    let (mut to_db, mut replace) = (c.db, false);
    let mut i = 3;
    while i < a.len() {
        match a.get(i).to_ascii_lowercase().as_slice() {
            b"replace" => replace = true,
            b"db" if i + 1 < a.len() => {
                match db_index(s, a.get(i + 1)) {
                    Ok(d) => to_db = d,
                    Err(e) => return c.add_error(e),
                }
                i += 1;
            }
            _ => return c.add_syntax_error(),
        }
        i += 1;
    }
    if to_db == c.db && src == dst {
        return c.add_error("ERR source and destination objects are the same");
    }
    let Some(value) = s.ks.lookup_write(c.db, src).map(|e| e.value.clone()) else { return c.add_int(0) };
    let entry = crate::object::Entry { value, lru: s.ks.dbs[c.db].lru_of(src).unwrap_or(0) };
    let expire = s.ks.dbs[c.db].expire_of(src);
    if s.ks.lookup_write(to_db, dst).is_some() {
        if !replace {
            return c.add_int(0);
        }
        s.ks.delete(to_db, dst);
    }
    s.ks.dbs[to_db].insert(dst, entry);
    if let Some(when) = expire {
        s.ks.dbs[to_db].set_expire(dst, when);
    }
    s.ks.touch_watched(to_db, dst);
    s.ks.dirty += 1;
    c.add_int(1);
}

pub fn move_(s: &mut Server, c: &mut Client, a: &Argv, _: &mut Ctx) {
    let key = a.get(1);
    let to_db = match db_index(s, a.get(2)) {
        Ok(d) => d,
        Err(e) => return c.add_error(e),
    };
    if to_db == c.db {
        return c.add_error("ERR source and destination objects are the same");
    }
    if s.ks.lookup_write(c.db, key).is_none() || s.ks.lookup_write(to_db, key).is_some() {
        return c.add_int(0);
    }
    let expire = s.ks.dbs[c.db].expire_of(key);
    if let Some(entry) = s.ks.delete(c.db, key) {
        s.ks.dbs[to_db].insert(key, entry);
        if let Some(when) = expire {
            s.ks.dbs[to_db].set_expire(key, when);
        }
        s.ks.touch_watched(to_db, key);
    }
    s.ks.dirty += 1;
    c.add_int(1);
}

pub fn swapdb(s: &mut Server, c: &mut Client, a: &Argv, _: &mut Ctx) {
    let parse = |arg: &[u8], which: &'static str| arg_i64(arg).ok_or(which);
    let (x, y) = match (parse(a.get(1), "ERR invalid first DB index"), parse(a.get(2), "ERR invalid second DB index")) {
        (Ok(x), Ok(y)) => (x, y),
        (Err(e), _) | (_, Err(e)) => return c.add_error(e),
    };
    let n = s.ks.dbs.len() as i64;
    if x < 0 || x >= n || y < 0 || y >= n {
        return c.add_error("ERR DB index is out of range");
    }
    let (x, y) = (x as usize, y as usize);
    if x != y {
        s.ks.touch_all_watched(x);
        s.ks.touch_all_watched(y);
        s.ks.dbs.swap(x, y);
        s.ks.dbs[x].id = x;
        s.ks.dbs[y].id = y;
        s.ks.touch_all_watched(x);
        s.ks.touch_all_watched(y);
        s.ks.dirty += 1;
    }
    c.add_ok();
}

pub fn dbsize(s: &mut Server, c: &mut Client, _: &Argv, _: &mut Ctx) {
    c.add_int(s.ks.dbs[c.db].len() as i64);
}

/// FLUSHDB/FLUSHALL take an optional ASYNC or SYNC.
fn flush_mode_ok(a: &Argv) -> bool {
    match a.len() {
        1 => true,
        2 => matches!(a.get(1).to_ascii_lowercase().as_slice(), b"async" | b"sync"),
        _ => false,
    }
}

pub fn flushdb(s: &mut Server, c: &mut Client, a: &Argv, _: &mut Ctx) {
    if !flush_mode_ok(a) {
        return c.add_syntax_error();
    }
    s.ks.touch_all_watched(c.db);
    let removed = s.ks.dbs[c.db].clear();
    s.ks.dirty += removed as u64;
    s.ks.dirty += 1;
    c.add_ok();
}

pub fn flushall(s: &mut Server, c: &mut Client, a: &Argv, ctx: &mut Ctx) {
    if !flush_mode_ok(a) {
        return c.add_syntax_error();
    }
    let mut removed = 0;
    for db in 0..s.ks.dbs.len() {
        s.ks.touch_all_watched(db);
        removed += s.ks.dbs[db].clear();
    }
    s.ks.dirty += removed as u64 + 1;
    // Always propagated (Redis's forceCommandPropagation): the save that `after_flushall`
    // may run resets `dirty`, so the dirty-count rule of `call` could drop it — and a
    // FLUSHALL missing from the AOF brings every flushed key back at the next start-up.
    // (Found by keel-sim, seed 416 under `--persistence always`: SAVE, then FLUSHALL.)
    s.ks.propagate(c.db, a.iter().map(<[u8]>::to_vec).collect());
    ctx.propagated = true;
    s.after_flushall();
    c.add_ok();
}

pub fn keys(s: &mut Server, c: &mut Client, a: &Argv, _: &mut Ctx) {
    let pattern = a.get(1);
    let all = pattern == b"*";
    let db = &s.ks.dbs[c.db];
    let now = s.ks.now_ms;
    let mut found: Vec<&[u8]> = Vec::new();
    for (key, _) in db.dict.iter() {
        let expired = db.expire_of(key).is_some_and(|t| now > t);
        if !expired && (all || string_match(pattern, key, false)) {
            found.push(key);
        }
    }
    c.add_array_len(found.len());
    for key in found {
        c.add_bulk(key);
    }
}

pub fn randomkey(s: &mut Server, c: &mut Client, _: &Argv, _: &mut Ctx) {
    let db = c.db;
    let mut tries = 100;
    loop {
        let ks = &mut s.ks;
        let Some(key) = ks.dbs[db].dict.random_key(&mut ks.rng).map(|k| k.to_vec()) else {
            return c.add_null();
        };
        let all_volatile = ks.dbs[db].expires.len() == ks.dbs[db].dict.len();
        if ks.is_expired(db, &key) {
            if all_volatile {
                tries -= 1;
                if tries == 0 {
                    return c.add_bulk(&key);
                }
            }
            ks.expire_if_needed(db, &key);
            continue;
        }
        return c.add_bulk(&key);
    }
}

pub fn object(s: &mut Server, c: &mut Client, a: &Argv, _: &mut Ctx) {
    let sub = a.get(1).to_ascii_lowercase();
    if sub == b"help" {
        return object_help(c);
    }
    let name = String::from_utf8_lossy(a.get(1)).into_owned();
    if !matches!(sub.as_slice(), b"encoding" | b"idletime" | b"freq" | b"refcount") {
        return c.add_error(&format!("ERR unknown subcommand '{name}'. Try OBJECT HELP."));
    }
    if a.len() != 3 {
        let sub = name.to_ascii_lowercase();
        return c.add_error(&format!("ERR wrong number of arguments for 'object|{sub}' command"));
    }
    let lfu = s.config.lfu_mode();
    let shared_ok = s.config.maxmemory == 0 || !s.config.lfu_mode() && !policy_is_lru(s);
    let now_clock = object::lru_clock(s.ks.now_ms);
    if s.ks.lookup_notouch(c.db, a.get(2)).is_none() {
        return c.add_null();
    }
    let Some((key, entry)) = s.ks.dbs[c.db].dict.get_key_value(a.get(2)) else { return c.add_null() };
    let lru = key.lru();
    match sub.as_slice() {
        b"encoding" => c.add_bulk(entry.value.encoding_name().as_bytes()),
        b"refcount" => {
            let shared = matches!(entry.value, Value::Str(Str::Int(n)) if (0..10_000).contains(&n)) && shared_ok;
            c.add_int(if shared { i64::from(i32::MAX) } else { 1 });
        }
        b"idletime" if lfu => c.add_error("ERR An LFU maxmemory policy is selected, idle time not tracked. Please note that when switching between policies at runtime LRU and LFU data will take some time to adjust."),
        b"idletime" => c.add_int((object::idle_ms(lru, now_clock) / 1000) as i64),
        _ if !lfu => c.add_error("ERR An LFU maxmemory policy is not selected, access frequency not tracked. Please note that when switching between policies at runtime LRU and LFU data will take some time to adjust."),
        _ => c.add_int(i64::from(object::lfu_counter(lru))),
    }
}

fn policy_is_lru(s: &Server) -> bool {
    use crate::config::MaxmemoryPolicy::*;
    matches!(s.config.maxmemory_policy, AllkeysLru | VolatileLru)
}

fn object_help(c: &mut Client) {
    let lines = [
        "OBJECT <subcommand> [<arg> [value] [opt] ...]. Subcommands are:",
        "ENCODING <key>",
        "    Return the kind of internal representation used in order to store the value",
        "    associated with a <key>.",
        "FREQ <key>",
        "    Return the access frequency index of the <key>. The returned integer is",
        "    proportional to the logarithm of the recent access frequency of the key.",
        "IDLETIME <key>",
        "    Return the idle time of the <key>, that is the approximated number of",
        "    seconds elapsed since the last access to the key.",
        "REFCOUNT <key>",
        "    Return the number of references of the value associated with the specified",
        "    <key>.",
        "HELP",
        "    Prints this help.",
    ];
    c.add_array_len(lines.len());
    for l in lines {
        c.add_simple(l);
    }
}
