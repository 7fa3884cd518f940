//! Consumer group commands (`t_stream.c`): XGROUP, XACK, XCLAIM, XPENDING.
//!
//! Group state changes bump `dirty` without touching WATCHers (as Redis: only entry changes
//! signal the key). XCLAIM propagates each claim as the absolute form Redis writes
//! (`streamPropagateXCLAIM`), and a moved group ID as `XGROUP SETID … ENTRIESREAD`.

use super::stream::{get_stream, interval, reply_entry, strict_id};
use super::{arg_i64, Ctx};
use crate::object::Value;
use crate::resp::Argv;
use crate::server::client::Client;
use crate::server::Server;
use crate::types::stream::group::ENTRIES_READ_UNKNOWN;
use crate::types::stream::id::{parse_id, IdSyntax, ERR_INVALID_ID};
use crate::types::stream::{Group, Stream, StreamId};

fn no_group_error(key: &[u8], group: &[u8]) -> String {
    format!("NOGROUP No such key '{}' or consumer group '{}'", String::from_utf8_lossy(key), String::from_utf8_lossy(group))
}

/// `streamPropagateGroupID`: `XGROUP SETID key group id ENTRIESREAD n`.
pub(crate) fn group_id_argv(key: &[u8], name: &[u8], g: &Group) -> Vec<Vec<u8>> {
    let (id, read) = (g.last_id.to_vec(), g.entries_read.to_string());
    let parts: [&[u8]; 7] = [b"XGROUP", b"SETID", key, name, &id, b"ENTRIESREAD", read.as_bytes()];
    parts.iter().map(|p| p.to_vec()).collect()
}

/// `streamPropagateXCLAIM`: the pending entry `id` as it now is, claimed with FORCE.
pub(crate) fn claim_argv(key: &[u8], name: &[u8], g: &Group, id: StreamId) -> Vec<Vec<u8>> {
    let nack = &g.pel[&id];
    let (id, time, count, last) = (id.to_vec(), nack.delivery_time.to_string(), nack.delivery_count.to_string(), g.last_id.to_vec());
    let parts: [&[u8]; 14] =
        [b"XCLAIM", key, name, &nack.consumer, b"0", &id, b"TIME", time.as_bytes(), b"RETRYCOUNT", count.as_bytes(), b"FORCE", b"JUSTID", b"LASTID", &last];
    parts.iter().map(|p| p.to_vec()).collect()
}

// ---- XGROUP --------------------------------------------------------------------------------

fn subcommand_error(c: &mut Client, a: &Argv) {
    c.add_error(&format!("ERR unknown subcommand or wrong number of arguments for '{}'. Try XGROUP HELP.", String::from_utf8_lossy(a.get(1))));
}

const HELP: [&str; 17] = [
    "XGROUP <subcommand> [<arg> [value] [opt] ...]. Subcommands are:",
    "CREATE <key> <groupname> <id|$> [option]",
    "    Create a new consumer group. Options are:",
    "    * MKSTREAM",
    "      Create the empty stream if it does not exist.",
    "    * ENTRIESREAD entries_read",
    "      Set the group's entries_read counter (internal use).",
    "CREATECONSUMER <key> <groupname> <consumer>",
    "    Create a new consumer in the specified group.",
    "DELCONSUMER <key> <groupname> <consumer>",
    "    Remove the specified consumer.",
    "DESTROY <key> <groupname>",
    "    Remove the specified group.",
    "SETID <key> <groupname> <id|$> [ENTRIESREAD entries_read]",
    "    Set the current group ID and entries_read counter.",
    "HELP",
    "    Prints this help.",
];

pub fn xgroup(s: &mut Server, c: &mut Client, a: &Argv, _: &mut Ctx) {
    let sub = a.get(1).to_ascii_lowercase();
    // XGROUP is a container: its subcommands have their own arity (Redis 7.0).
    let arity_ok = match sub.as_slice() {
        b"help" => a.len() == 2,
        b"create" | b"setid" => a.len() >= 5,
        b"destroy" => a.len() == 4,
        b"createconsumer" | b"delconsumer" => a.len() == 5,
        _ => return c.add_error(&format!("ERR unknown subcommand '{}'. Try XGROUP HELP.", String::from_utf8_lossy(a.get(1)))),
    };
    if !arity_ok {
        return c.add_error(&format!("ERR wrong number of arguments for 'xgroup|{}' command", String::from_utf8_lossy(&sub)));
    }
    if sub == b"help" {
        c.add_array_len(HELP.len());
        return HELP.iter().for_each(|l| c.add_simple(l));
    }
    let (mut mkstream, mut entries_read) = (false, ENTRIES_READ_UNKNOWN);
    if sub == b"create" || sub == b"setid" {
        let mut i = 5;
        while i < a.len() {
            if sub == b"create" && a.get(i).eq_ignore_ascii_case(b"mkstream") {
                mkstream = true;
                i += 1;
            } else if a.get(i).eq_ignore_ascii_case(b"entriesread") && i + 1 < a.len() {
                match arg_i64(a.get(i + 1)) {
                    None => return c.add_not_integer(),
                    Some(n) if n < 0 && n != ENTRIES_READ_UNKNOWN => return c.add_error("ERR value for ENTRIESREAD must be positive or -1"),
                    Some(n) => entries_read = n,
                }
                i += 2;
            } else {
                return subcommand_error(c, a);
            }
        }
    }
    let (db, key, name) = (c.db, a.get(2), a.get(3));
    let exists = match get_stream(&mut s.ks, db, key, false) {
        Err(()) => return c.add_wrong_type(),
        Ok(st) => st.map(|st| st.groups.contains_key(name)),
    };
    if exists.is_none() && !mkstream {
        return c.add_error("ERR The XGROUP subcommand requires the key to exist. Note that for CREATE you may want to use the MKSTREAM option to create an empty stream automatically.");
    }
    if exists != Some(true) && matches!(sub.as_slice(), b"setid" | b"createconsumer" | b"delconsumer") {
        return c.add_error(&format!("NOGROUP No such consumer group '{}' for key name '{}'", String::from_utf8_lossy(name), String::from_utf8_lossy(key)));
    }
    match (sub.as_slice(), a.len()) {
        (b"create", 5..=8) => create(s, c, a, entries_read),
        (b"setid", 5 | 7) => setid(s, c, a, entries_read),
        (b"destroy", 4) => destroy(s, c, a),
        (b"createconsumer", 5) => create_consumer(s, c, a),
        (b"delconsumer", 5) => del_consumer(s, c, a),
        _ => subcommand_error(c, a),
    }
}

/// The group ID argument: `$` is the stream's last ID. CREATE wants an exact ID; SETID also
/// takes `-` and `+` (`streamParseIDOrReply`), as Redis 7.0.
fn group_id_arg(st: Option<&Stream>, arg: &[u8], strict: bool) -> Result<StreamId, &'static str> {
    if arg == b"$" {
        return Ok(st.map_or(StreamId::MIN, |st| st.last_id));
    }
    let syntax = if strict { IdSyntax::STRICT } else { IdSyntax::range(0) };
    parse_id(arg, syntax).map(|p| p.id).ok_or(ERR_INVALID_ID)
}

fn stream_mut<'a>(s: &'a mut Server, c: &Client, key: &[u8]) -> Option<&'a mut Stream> {
    get_stream(&mut s.ks, c.db, key, false).ok().flatten()
}

fn create(s: &mut Server, c: &mut Client, a: &Argv, entries_read: i64) {
    let (db, key, name) = (c.db, a.get(2), a.get(3));
    let id = match group_id_arg(stream_mut(s, c, key).map(|st| &*st), a.get(4), true) {
        Ok(id) => id,
        Err(e) => return c.add_error(e),
    };
    if stream_mut(s, c, key).is_none() {
        let entry = s.ks.entry(Value::Stream(Box::default()));
        s.ks.dbs[db].insert(key, entry);
        s.ks.touch_watched(db, key);
    }
    let Some(st) = stream_mut(s, c, key) else { return c.add_null() };
    if st.groups.contains_key(name) {
        return c.add_error("BUSYGROUP Consumer Group name already exists");
    }
    st.groups.insert(name.to_vec(), Group::new(id, entries_read));
    s.ks.dirty += 1;
    c.add_ok();
}

fn setid(s: &mut Server, c: &mut Client, a: &Argv, entries_read: i64) {
    let (key, name) = (a.get(2), a.get(3));
    let Some(st) = stream_mut(s, c, key) else { return c.add_null() };
    let id = match group_id_arg(Some(st), a.get(4), false) {
        Ok(id) => id,
        Err(e) => return c.add_error(e),
    };
    if let Some(g) = st.groups.get_mut(name) {
        g.last_id = id;
        g.entries_read = entries_read;
    }
    s.ks.dirty += 1;
    c.add_ok();
}

fn destroy(s: &mut Server, c: &mut Client, a: &Argv) {
    let Some(st) = stream_mut(s, c, a.get(2)) else { return c.add_int(0) };
    let removed = st.groups.remove(a.get(3)).is_some();
    if removed {
        s.ks.dirty += 1;
    }
    c.add_int(i64::from(removed));
}

fn create_consumer(s: &mut Server, c: &mut Client, a: &Argv) {
    let now = s.ks.now_ms;
    let Some(g) = stream_mut(s, c, a.get(2)).and_then(|st| st.groups.get_mut(a.get(3))) else { return c.add_int(0) };
    let (_, created) = g.consumer_or_create(a.get(4), now);
    if created {
        s.ks.dirty += 1;
    }
    c.add_int(i64::from(created));
}

fn del_consumer(s: &mut Server, c: &mut Client, a: &Argv) {
    let Some(g) = stream_mut(s, c, a.get(2)).and_then(|st| st.groups.get_mut(a.get(3))) else { return c.add_int(0) };
    match g.delete_consumer(a.get(4)) {
        None => c.add_int(0),
        Some(pending) => {
            s.ks.dirty += 1;
            c.add_int(pending as i64);
        }
    }
}

// ---- XACK ----------------------------------------------------------------------------------

pub fn xack(s: &mut Server, c: &mut Client, a: &Argv, _: &mut Ctx) {
    let (key, name) = (a.get(1), a.get(2));
    let has_group = match get_stream(&mut s.ks, c.db, key, true) {
        Err(()) => return c.add_wrong_type(),
        Ok(st) => st.is_some_and(|st| st.groups.contains_key(name)),
    };
    if !has_group {
        return c.add_int(0);
    }
    let ids: Result<Vec<StreamId>, _> = a.iter().skip(3).map(strict_id).collect();
    let ids = match ids {
        Ok(ids) => ids,
        Err(e) => return c.add_error(e),
    };
    let Some(g) = stream_mut(s, c, key).and_then(|st| st.groups.get_mut(name)) else { return c.add_int(0) };
    let acked = ids.into_iter().filter(|id| g.ack(*id)).count();
    s.ks.dirty += acked as u64;
    c.add_int(acked as i64);
}

// ---- XCLAIM --------------------------------------------------------------------------------

/// XCLAIM's options after the IDs.
struct ClaimOpts {
    now: i64,
    min_idle: i64,
    delivery_time: Option<i64>,
    retry_count: Option<u64>,
    force: bool,
    justid: bool,
    last_id: StreamId,
}

fn parse_claim_opts(a: &Argv, from: usize, now: i64) -> Result<ClaimOpts, String> {
    let mut o = ClaimOpts { now, min_idle: 0, delivery_time: None, retry_count: None, force: false, justid: false, last_id: StreamId::MIN };
    let mut j = from;
    while j < a.len() {
        let more = j + 1 < a.len();
        let opt = a.get(j).to_ascii_lowercase();
        let num = |what: &str| arg_i64(a.get(j + 1)).ok_or(format!("ERR Invalid {what} option argument for XCLAIM"));
        match opt.as_slice() {
            b"force" => o.force = true,
            b"justid" => o.justid = true,
            b"idle" if more => o.delivery_time = Some(now.saturating_sub(num("IDLE")?)),
            b"time" if more => o.delivery_time = Some(num("TIME")?),
            b"retrycount" if more => o.retry_count = u64::try_from(num("RETRYCOUNT")?).ok(),
            b"lastid" if more => o.last_id = strict_id(a.get(j + 1))?,
            _ => return Err(format!("ERR Unrecognized XCLAIM option '{}'", String::from_utf8_lossy(a.get(j)))),
        }
        j += if matches!(opt.as_slice(), b"force" | b"justid") { 1 } else { 2 };
    }
    Ok(o)
}

pub fn xclaim(s: &mut Server, c: &mut Client, a: &Argv, ctx: &mut Ctx) {
    let (db, key, name, consumer) = (c.db, a.get(1), a.get(2), a.get(3));
    let has_group = match get_stream(&mut s.ks, db, key, true) {
        Err(()) => return c.add_wrong_type(),
        Ok(st) => st.is_some_and(|st| st.groups.contains_key(name)),
    };
    if !has_group {
        return c.add_error(&no_group_error(key, name));
    }
    let Some(min_idle) = arg_i64(a.get(4)) else { return c.add_error("ERR Invalid min-idle-time argument for XCLAIM") };
    let ids_end = (5..a.len()).find(|&j| strict_id(a.get(j)).is_err()).unwrap_or(a.len());
    let now = s.ks.now_ms;
    let o = match parse_claim_opts(a, ids_end, now) {
        Ok(o) => o,
        Err(e) => return c.add_error(&e),
    };
    let ids: Vec<StreamId> = (5..ids_end).filter_map(|j| strict_id(a.get(j)).ok()).collect();
    let Some(st) = stream_mut(s, c, key) else { return c.add_null() };
    let (claims, moved) = claim(st, key, name, consumer, &ids, &ClaimOpts { min_idle: min_idle.max(0), ..o });
    let g = &st.groups[name];
    let mut effects: Vec<Vec<Vec<u8>>> = claims
        .iter()
        .map(|cl| match cl {
            Claim::Dropped(nack_argv) => nack_argv.clone(),
            Claim::Claimed(id) => claim_argv(key, name, g, *id),
        })
        .collect();
    if claims.is_empty() && moved {
        effects.push(group_id_argv(key, name, g));
    }
    let claimed: Vec<StreamId> = claims.iter().filter_map(|cl| if let Claim::Claimed(id) = cl { Some(*id) } else { None }).collect();
    c.add_array_len(claimed.len());
    for id in &claimed {
        if o.justid {
            c.add_bulk(id.to_string().as_bytes());
        } else {
            match st.entries.get(id) {
                Some(fields) => reply_entry(c, *id, fields),
                None => c.add_null(),
            }
        }
    }
    s.ks.dirty += effects.len() as u64;
    ctx.propagated = true;
    for argv in effects {
        s.ks.propagate(db, argv);
    }
}

enum Claim {
    /// A pending entry whose stream entry is gone was removed (propagated as its last state).
    Dropped(Vec<Vec<u8>>),
    Claimed(StreamId),
}

/// The claiming loop of `xclaimCommand`; also whether LASTID moved the group's ID.
fn claim(st: &mut Stream, key: &[u8], name: &[u8], consumer: &[u8], ids: &[StreamId], o: &ClaimOpts) -> (Vec<Claim>, bool) {
    let (now, min_idle) = (o.now, o.min_idle);
    let live: Vec<bool> = ids.iter().map(|id| st.entries.contains_key(id)).collect();
    let Some(g) = st.groups.get_mut(name) else { return (Vec::new(), false) };
    let moved = o.last_id > g.last_id;
    if moved {
        g.last_id = o.last_id;
    }
    let time = o.delivery_time.filter(|t| (0..=now).contains(t)).unwrap_or(now);
    let mut out = Vec::new();
    for (id, exists) in ids.iter().zip(live) {
        if !exists {
            if g.pel.contains_key(id) {
                let argv = claim_argv(key, name, g, *id);
                g.ack(*id);
                out.push(Claim::Dropped(argv));
            }
            continue;
        }
        // A pending entry created by FORCE starts as `streamCreateNACK` makes it (count 1) and
        // skips the idle check.
        let base = match g.pel.get(id).map(|n| (n.delivery_time, n.delivery_count)) {
            None if !o.force => continue,
            None => 1,
            Some((t, _)) if min_idle > 0 && now - t < min_idle => continue,
            Some((_, n)) => n,
        };
        let count = o.retry_count.unwrap_or(if o.justid { base } else { base + 1 });
        g.consumer_or_create(consumer, now).0.seen_time = now;
        g.assign(*id, consumer, time, count);
        out.push(Claim::Claimed(*id));
    }
    (out, moved)
}

// ---- XPENDING ------------------------------------------------------------------------------

/// XPENDING's range form: `[IDLE min] start end count [consumer]`.
struct PendingRange {
    min_idle: i64,
    start: StreamId,
    end: StreamId,
    count: usize,
    consumer: Option<Vec<u8>>,
}

fn parse_pending_range(a: &Argv) -> Result<PendingRange, String> {
    let mut at = 3;
    let mut min_idle = 0;
    if a.get(3).eq_ignore_ascii_case(b"idle") {
        min_idle = arg_i64(a.get(4)).ok_or("ERR value is not an integer or out of range")?;
        if a.len() < 8 {
            return Err("ERR syntax error".into());
        }
        at += 2;
    }
    let count = arg_i64(a.get(at + 2)).ok_or("ERR value is not an integer or out of range")?.max(0) as usize;
    let (start, end) = interval(a.get(at), a.get(at + 1))?;
    let consumer = (at + 3 < a.len()).then(|| a.get(at + 3).to_vec());
    Ok(PendingRange { min_idle, start, end, count, consumer })
}

pub fn xpending(s: &mut Server, c: &mut Client, a: &Argv, _: &mut Ctx) {
    if a.len() != 3 && !(6..=9).contains(&a.len()) {
        return c.add_syntax_error();
    }
    let range = if a.len() >= 6 {
        match parse_pending_range(a) {
            Ok(r) => Some(r),
            Err(e) => return c.add_error(&e),
        }
    } else {
        None
    };
    let (key, name, now) = (a.get(1), a.get(2), s.ks.now_ms);
    let g = match get_stream(&mut s.ks, c.db, key, true) {
        Err(()) => return c.add_wrong_type(),
        Ok(st) => st.and_then(|st| st.groups.get(name)),
    };
    let Some(g) = g else { return c.add_error(&no_group_error(key, name)) };
    match range {
        None => pending_summary(c, g),
        Some(r) => pending_range(c, g, &r, now),
    }
}

fn pending_summary(c: &mut Client, g: &Group) {
    c.add_array_len(4);
    c.add_int(g.pel.len() as i64);
    let (Some(first), Some(last)) = (g.pel.keys().next(), g.pel.keys().next_back()) else {
        c.add_null();
        c.add_null();
        return c.add_null_array();
    };
    c.add_bulk(first.to_string().as_bytes());
    c.add_bulk(last.to_string().as_bytes());
    let busy: Vec<(&Vec<u8>, usize)> = g.consumers.iter().filter(|(_, k)| !k.pel.is_empty()).map(|(n, k)| (n, k.pel.len())).collect();
    c.add_array_len(busy.len());
    for (n, len) in busy {
        c.add_array_len(2);
        c.add_bulk(n);
        c.add_bulk(len.to_string().as_bytes());
    }
}

fn pending_range(c: &mut Client, g: &Group, r: &PendingRange, now: i64) {
    let ids: Vec<StreamId> = match &r.consumer {
        Some(name) => match g.consumers.get(name) {
            None => return c.add_array_len(0),
            Some(k) => k.pel.range(r.start..).copied().collect(),
        },
        None => g.pel.range(r.start..).map(|(id, _)| *id).collect(),
    };
    let rows: Vec<(StreamId, &crate::types::stream::Nack)> = ids
        .into_iter()
        .take_while(|id| *id <= r.end)
        .map(|id| (id, &g.pel[&id]))
        .filter(|(_, n)| r.min_idle == 0 || now - n.delivery_time >= r.min_idle)
        .take(r.count)
        .collect();
    c.add_array_len(rows.len());
    for (id, n) in rows {
        c.add_array_len(4);
        c.add_bulk(id.to_string().as_bytes());
        c.add_bulk(&n.consumer);
        c.add_int((now - n.delivery_time).max(0));
        c.add_int(n.delivery_count as i64);
    }
}
