//! Stream commands (`t_stream.c`): the table rows, the keyspace helpers, and XADD, XTRIM,
//! XDEL, XSETID, XLEN, XRANGE, XREVRANGE. Consumer groups are in `stream_group`, XREAD in
//! `stream_read`.
//!
//! Contracts shared by the handlers:
//! - arguments are parsed (and refused) before the key is looked up, in Redis's order;
//! - a change to the entries or counters touches WATCHers and bumps `dirty`; a stream stays
//!   in the keyspace when its last entry goes;
//! - propagation is deterministic: XADD carries the ID it generated, and an approximate
//!   trim (`~`) is written as the exact trim it performed (Redis's
//!   `streamRewriteTrimArgument`).
//!
//! XSETID below the stream's largest deleted ID is refused (Redis 7.2's check; 7.0 accepts it
//! and can then hold IDs out of order).
//!
//! Keel trims `~` exactly (Redis removes only whole listpack nodes, so it may keep more): the
//! stream still holds at least the requested entries, and LIMIT caps how many go.

use super::hash::modified;
use super::{arg_i64, stream_group, stream_read, Command, Ctx, R, W, WD};
use crate::commands::flags::FAST;
use crate::keyspace::Keyspace;
use crate::object::Value;
use crate::resp::Argv;
use crate::server::client::Client;
use crate::server::Server;
use crate::types::stream::id::{parse_id, IdSyntax, ERR_INVALID_ID};
use crate::types::stream::{AddError, Fields, Stream, StreamId};

pub static COMMANDS: &[Command] = &[
    cmd!("xadd", -5, WD | FAST, 1, 1, 1, xadd),
    cmd!("xtrim", -4, W, 1, 1, 1, xtrim),
    cmd!("xdel", -3, W | FAST, 1, 1, 1, xdel),
    cmd!("xsetid", -3, WD | FAST, 1, 1, 1, xsetid),
    cmd!("xlen", 2, R | FAST, 1, 1, 1, xlen),
    cmd!("xrange", -4, R, 1, 1, 1, xrange),
    cmd!("xrevrange", -4, R, 1, 1, 1, xrevrange),
    cmd!("xread", -4, R, 0, 0, 0, stream_read::xread),
    cmd!("xgroup", -2, WD, 2, 2, 1, stream_group::xgroup),
    cmd!("xack", -4, W | FAST, 1, 1, 1, stream_group::xack),
    cmd!("xclaim", -6, W | FAST, 1, 1, 1, stream_group::xclaim),
    cmd!("xpending", -3, R, 1, 1, 1, stream_group::xpending),
    cmd!("xreadgroup", -7, W, 0, 0, 0, stream_read::xreadgroup),
];

/// The stream at `key` (lazy expiry applied; `read` selects read statistics): `Ok(None)` if
/// missing, `Err(())` if the key holds another type.
pub(crate) fn get_stream<'a>(ks: &'a mut Keyspace, db: usize, key: &[u8], read: bool) -> Result<Option<&'a mut Stream>, ()> {
    let entry = if read { ks.lookup_read(db, key) } else { ks.lookup_write(db, key) };
    match entry.map(|e| &mut e.value) {
        None => Ok(None),
        Some(Value::Stream(s)) => Ok(Some(s)),
        Some(_) => Err(()),
    }
}

/// Entries as Redis replies them: `[[id, [f1, v1, ...]], ...]`.
pub(crate) fn reply_entries(c: &mut Client, entries: &[(StreamId, &Fields)]) {
    c.add_array_len(entries.len());
    for (id, fields) in entries {
        reply_entry(c, *id, fields);
    }
}

pub(crate) fn reply_entry(c: &mut Client, id: StreamId, fields: &Fields) {
    c.add_array_len(2);
    c.add_bulk(id.to_string().as_bytes());
    c.add_array_len(fields.len());
    for f in fields {
        c.add_bulk(f);
    }
}

/// An exact ID argument, or the error reply.
pub(crate) fn strict_id(arg: &[u8]) -> Result<StreamId, &'static str> {
    parse_id(arg, IdSyntax::STRICT).map(|p| p.id).ok_or(ERR_INVALID_ID)
}

// ---- trimming arguments (`streamParseAddOrTrimArgsOrReply`) --------------------------------

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Strategy {
    None,
    MaxLen(usize),
    MinId(StreamId),
}

/// Parsed XADD/XTRIM options; `next` is the first argument after them (XADD: the ID, parsed
/// into `id` unless it is `*`).
struct TrimArgs {
    strategy: Strategy,
    approx: bool,
    limit: usize,
    no_mkstream: bool,
    next: usize,
    id: Option<(StreamId, bool)>,
}

/// XADD's ID: exact, or `<ms>-*`.
const XADD_ID: IdSyntax = IdSyntax { seq_star: true, ..IdSyntax::STRICT };

/// Redis's default LIMIT for `~` (100 × `stream-node-max-entries`).
const APPROX_LIMIT: usize = 100 * 100;

fn parse_trim_args(c: &Client, a: &Argv, xadd: bool) -> Result<TrimArgs, String> {
    let mut t = TrimArgs { strategy: Strategy::None, approx: false, limit: 0, no_mkstream: false, next: 2, id: None };
    let mut limit_given = false;
    let mut i = 2;
    while i < a.len() {
        let more = a.len() - 1 - i;
        let opt = a.get(i).to_ascii_lowercase();
        match opt.as_slice() {
            b"*" if xadd => break,
            b"maxlen" | b"minid" if more > 0 => {
                if t.strategy != Strategy::None {
                    return Err("ERR syntax error, MAXLEN and MINID options at the same time are not compatible".into());
                }
                t.approx = more >= 2 && a.get(i + 1) == b"~";
                if more >= 2 && matches!(a.get(i + 1), b"~" | b"=") {
                    i += 1;
                }
                let arg = a.get(i + 1);
                t.strategy = if opt == b"maxlen" {
                    let n = arg_i64(arg).ok_or("ERR value is not an integer or out of range")?;
                    Strategy::MaxLen(usize::try_from(n).map_err(|_| "ERR The MAXLEN argument must be >= 0.")?)
                } else {
                    Strategy::MinId(strict_id(arg)?)
                };
                i += 1;
            }
            b"limit" if more > 0 => {
                let n = arg_i64(a.get(i + 1)).ok_or("ERR value is not an integer or out of range")?;
                t.limit = usize::try_from(n).map_err(|_| "ERR The LIMIT argument must be >= 0.")?;
                limit_given = true;
                i += 1;
            }
            b"nomkstream" if xadd => t.no_mkstream = true,
            // The ID: Redis parses it here, before the checks below.
            _ if xadd => {
                let p = parse_id(a.get(i), XADD_ID).ok_or(ERR_INVALID_ID)?;
                t.id = Some((p.id, p.seq_given));
                break;
            }
            _ => return Err("ERR syntax error".into()),
        }
        i += 1;
    }
    t.next = i;
    if limit_given && t.strategy == Strategy::None {
        return Err("ERR syntax error, LIMIT cannot be used without specifying a trimming strategy".into());
    }
    if !xadd && t.strategy == Strategy::None {
        return Err("ERR syntax error, XTRIM must be called with a trimming strategy".into());
    }
    if c.must_obey() {
        t.limit = 0;
    } else if limit_given && !t.approx {
        return Err("ERR syntax error, LIMIT cannot be used without the special ~ option".into());
    } else if !limit_given {
        t.limit = if t.approx { APPROX_LIMIT } else { 0 };
    }
    Ok(t)
}

/// Apply the trim; returns how many entries went.
fn trim(s: &mut Stream, t: &TrimArgs) -> usize {
    match t.strategy {
        Strategy::None => 0,
        Strategy::MaxLen(n) => s.trim_max_len(n, t.limit),
        Strategy::MinId(id) => s.trim_min_id(id, t.limit),
    }
}

/// The exact trim that leaves `s` as it is now (for propagating a `~` trim).
fn exact_trim_args(s: &Stream, t: &TrimArgs) -> Vec<Vec<u8>> {
    match t.strategy {
        Strategy::MinId(id) => {
            let min = if s.is_empty() { id } else { s.first_id() };
            vec![b"MINID".to_vec(), b"=".to_vec(), min.to_vec()]
        }
        _ => vec![b"MAXLEN".to_vec(), b"=".to_vec(), s.len().to_string().into_bytes()],
    }
}

// ---- XADD ----------------------------------------------------------------------------------

pub fn xadd(s: &mut Server, c: &mut Client, a: &Argv, ctx: &mut Ctx) {
    let t = match parse_trim_args(c, a, true) {
        Ok(t) => t,
        Err(e) => return c.add_error(&e),
    };
    let (id_pos, requested) = (t.next, t.id);
    if a.len() < id_pos + 3 || (a.len() - id_pos - 1) % 2 == 1 {
        return c.add_error("ERR wrong number of arguments for 'xadd' command");
    }
    if requested == Some((StreamId::MIN, true)) {
        return c.add_error("ERR The ID specified in XADD must be greater than 0-0");
    }
    let (db, key, now) = (c.db, a.get(1), s.ks.now_ms.max(0) as u64);
    let st = match get_stream(&mut s.ks, db, key, false) {
        Err(()) => return c.add_wrong_type(),
        Ok(None) if t.no_mkstream => return c.add_null(),
        Ok(None) => {
            let entry = s.ks.entry(Value::Stream(Box::default()));
            s.ks.dbs[db].insert(key, entry);
            match get_stream(&mut s.ks, db, key, false) {
                Ok(Some(st)) => st,
                _ => return c.add_null(),
            }
        }
        Ok(Some(st)) => st,
    };
    if st.last_id == StreamId::MAX {
        return c.add_error("ERR The stream has exhausted the last possible ID, unable to add more items");
    }
    let id = match st.next_id(requested, now) {
        Ok(id) => id,
        Err(AddError::NotGreater | AddError::Zero) => return c.add_error("ERR The ID specified in XADD is equal or smaller than the target stream top item"),
    };
    st.append(id, a.iter().skip(id_pos + 1).map(|f| f.to_vec()).collect());
    trim(st, &t);
    let mut argv: Vec<Vec<u8>> = a.iter().take(2).map(|x| x.to_vec()).collect();
    if t.no_mkstream {
        argv.push(b"NOMKSTREAM".to_vec());
    }
    if t.strategy != Strategy::None {
        argv.extend(exact_trim_args(st, &t));
    }
    argv.push(id.to_vec());
    argv.extend(a.iter().skip(id_pos + 1).map(|f| f.to_vec()));
    c.add_bulk(id.to_string().as_bytes());
    modified(&mut s.ks, db, key, 1);
    s.blocked.signal(db, key);
    ctx.propagated = true;
    s.ks.propagate(db, argv);
}

// ---- XTRIM, XDEL, XSETID -------------------------------------------------------------------

pub fn xtrim(s: &mut Server, c: &mut Client, a: &Argv, ctx: &mut Ctx) {
    let t = match parse_trim_args(c, a, false) {
        Ok(t) => t,
        Err(e) => return c.add_error(&e),
    };
    if t.next < a.len() {
        return c.add_syntax_error();
    }
    let (db, key) = (c.db, a.get(1));
    let st = match get_stream(&mut s.ks, db, key, false) {
        Err(()) => return c.add_wrong_type(),
        Ok(None) => return c.add_int(0),
        Ok(Some(st)) => st,
    };
    let removed = trim(st, &t);
    let mut argv = vec![b"XTRIM".to_vec(), key.to_vec()];
    argv.extend(exact_trim_args(st, &t));
    c.add_int(removed as i64);
    ctx.propagated = true;
    if removed > 0 {
        modified(&mut s.ks, db, key, removed as u64);
        s.ks.propagate(db, argv);
    }
}

/// XDEL looks the key up before it parses the IDs (a missing key answers 0 whatever they are).
pub fn xdel(s: &mut Server, c: &mut Client, a: &Argv, _: &mut Ctx) {
    let (db, key) = (c.db, a.get(1));
    let st = match get_stream(&mut s.ks, db, key, false) {
        Err(()) => return c.add_wrong_type(),
        Ok(None) => return c.add_int(0),
        Ok(Some(st)) => st,
    };
    let ids: Result<Vec<StreamId>, _> = a.iter().skip(2).map(strict_id).collect();
    let ids = match ids {
        Ok(ids) => ids,
        Err(e) => return c.add_error(e),
    };
    let deleted = ids.into_iter().filter(|id| st.delete(*id)).count();
    if deleted > 0 {
        modified(&mut s.ks, db, key, deleted as u64);
    }
    c.add_int(deleted as i64);
}

pub fn xsetid(s: &mut Server, c: &mut Client, a: &Argv, _: &mut Ctx) {
    let id = match strict_id(a.get(2)) {
        Ok(id) => id,
        Err(e) => return c.add_error(e),
    };
    let (mut entries_added, mut max_deleted) = (None, None);
    let mut i = 3;
    while i < a.len() {
        let more = a.len() - 1 - i;
        match a.get(i).to_ascii_lowercase().as_slice() {
            b"entriesadded" if more > 0 => match arg_i64(a.get(i + 1)) {
                None => return c.add_not_integer(),
                Some(n) if n < 0 => return c.add_error("ERR entries_added must be positive"),
                Some(n) => entries_added = Some(n as u64),
            },
            b"maxdeletedid" if more > 0 => match strict_id(a.get(i + 1)) {
                Err(e) => return c.add_error(e),
                Ok(m) if id < m => return c.add_error("ERR The ID specified in XSETID is smaller than the provided max_deleted_entry_id"),
                Ok(m) => max_deleted = Some(m),
            },
            _ => return c.add_syntax_error(),
        }
        i += 2;
    }
    let (db, key) = (c.db, a.get(1));
    let st = match get_stream(&mut s.ks, db, key, false) {
        Err(()) => return c.add_wrong_type(),
        Ok(None) => return c.add_error("ERR no such key"),
        Ok(Some(st)) => st,
    };
    if let Some((top, _)) = st.entries.last_key_value() {
        if id < *top {
            return c.add_error("ERR The ID specified in XSETID is smaller than the target stream top item");
        }
        if entries_added.is_some_and(|n| (st.len() as u64) > n) {
            return c.add_error("ERR The entries_added specified in XSETID is smaller than the target stream length");
        }
    }
    // Redis 7.0 accepts this and then holds IDs out of order (an entry added after it may
    // sort below a deleted one, and its trims and ranges go wrong); Keel refuses it as Redis
    // 7.2 does.
    if id < max_deleted.unwrap_or(st.max_deleted_id) {
        return c.add_error(ERR_BELOW_MAX_DELETED);
    }
    st.last_id = id;
    st.entries_added = entries_added.unwrap_or(st.entries_added);
    st.max_deleted_id = max_deleted.unwrap_or(st.max_deleted_id);
    modified(&mut s.ks, db, key, 1);
    c.add_ok();
}

/// XSETID below the largest deleted ID (Redis 7.2's error).
pub const ERR_BELOW_MAX_DELETED: &str = "ERR The ID specified in XSETID is smaller than current max_deleted_entry_id";

// ---- reads ---------------------------------------------------------------------------------

pub fn xlen(s: &mut Server, c: &mut Client, a: &Argv, _: &mut Ctx) {
    match get_stream(&mut s.ks, c.db, a.get(1), true) {
        Err(()) => c.add_wrong_type(),
        Ok(st) => c.add_int(st.map_or(0, |st| st.len() as i64)),
    }
}

pub fn xrange(s: &mut Server, c: &mut Client, a: &Argv, _: &mut Ctx) {
    range_generic(s, c, a, false);
}

pub fn xrevrange(s: &mut Server, c: &mut Client, a: &Argv, _: &mut Ctx) {
    range_generic(s, c, a, true);
}

/// A range bound: `(` makes it exclusive (then it must be an exact ID).
fn interval_id(arg: &[u8], missing_seq: u64) -> Option<(StreamId, bool)> {
    match arg.strip_prefix(b"(") {
        Some(rest) if !rest.is_empty() => parse_id(rest, IdSyntax { missing_seq, ..IdSyntax::STRICT }).map(|p| (p.id, true)),
        _ => parse_id(arg, IdSyntax::range(missing_seq)).map(|p| (p.id, false)),
    }
}

/// The inclusive interval of `start` and `end` arguments (`-`, `+`, `<ms>`, `(` exclusive),
/// or the error reply (`streamParseIntervalIDOrReply` and the checks after it).
pub(crate) fn interval(start: &[u8], end: &[u8]) -> Result<(StreamId, StreamId), &'static str> {
    let (start, ex) = interval_id(start, 0).ok_or(ERR_INVALID_ID)?;
    let start = if ex { start.next().ok_or("ERR invalid start ID for the interval")? } else { start };
    let (end, ex) = interval_id(end, u64::MAX).ok_or(ERR_INVALID_ID)?;
    let end = if ex { end.prev().ok_or("ERR invalid end ID for the interval")? } else { end };
    Ok((start, end))
}

/// `xrangeGenericCommand`.
fn range_generic(s: &mut Server, c: &mut Client, a: &Argv, rev: bool) {
    let (start_arg, end_arg) = if rev { (a.get(3), a.get(2)) } else { (a.get(2), a.get(3)) };
    let (start, end) = match interval(start_arg, end_arg) {
        Ok(r) => r,
        Err(e) => return c.add_error(e),
    };
    let mut count = None;
    let mut j = 4;
    while j < a.len() {
        if a.get(j).eq_ignore_ascii_case(b"count") && j + 1 < a.len() {
            let Some(n) = arg_i64(a.get(j + 1)) else { return c.add_not_integer() };
            count = Some(usize::try_from(n).unwrap_or(0));
            j += 2;
        } else {
            return c.add_syntax_error();
        }
    }
    match get_stream(&mut s.ks, c.db, a.get(1), true) {
        Err(()) => c.add_wrong_type(),
        Ok(None) => c.add_array_len(0),
        Ok(Some(_)) if count == Some(0) => c.add_null_array(),
        Ok(Some(st)) => {
            let entries = st.range(start, end, rev, count);
            reply_entries(c, &entries);
        }
    }
}
