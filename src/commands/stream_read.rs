//! XREAD and XREADGROUP (`xreadCommand`): parse the options and the `STREAMS key… id…` list,
//! then serve every stream that has something for the caller, in argument order.
//!
//! - XREAD returns entries after the given ID (`$`: the stream's last ID).
//! - XREADGROUP with `>` delivers entries after the group's last ID: the group's ID and
//!   `entries_read` advance and, unless NOACK, each entry becomes pending for the consumer
//!   (delivery count 1), propagated as `XCLAIM … FORCE JUSTID LASTID`; with NOACK the group ID
//!   is propagated as `XGROUP SETID`. A consumer created by the read is propagated as
//!   `XGROUP CREATECONSUMER`.
//! - XREADGROUP with an ID reads the consumer's own pending entries after it (its history):
//!   each re-delivery counts, and an entry deleted from the stream is `[id, nil]`.
//!
//! BLOCK: when nothing can be served, the client blocks (`server::blocking`) until a stream
//! it reads receives an entry, or the timeout answers a null array.

use super::stream::{reply_entries, strict_id};
use super::stream_group::{claim_argv, group_id_argv};
use super::{arg_i64, Ctx};
use crate::resp::Argv;
use crate::server::blocking::{BlockOp, BlockState};
use crate::server::client::Client;
use crate::server::Server;
use crate::types::stream::{Fields, Stream, StreamId};

/// Entries read from one stream; `None` fields for a pending entry deleted from the stream.
type Read = Vec<(StreamId, Option<Fields>)>;

/// A read request (what a blocked client keeps while it waits).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ReadSpec {
    pub count: usize,
    /// Block timeout in ms (0 = forever), if BLOCK was given.
    pub block_ms: Option<i64>,
    pub group: Option<(Vec<u8>, Vec<u8>)>,
    pub noack: bool,
    /// Per stream: key and "entries after this ID"; `None` is `>` (after the group's ID).
    pub streams: Vec<(Vec<u8>, Option<StreamId>)>,
}

fn parse_read(a: &Argv, group_cmd: bool) -> Result<(ReadSpec, usize), String> {
    let mut r = ReadSpec { count: 0, block_ms: None, group: None, noack: false, streams: Vec::new() };
    let mut i = 1;
    let name = if group_cmd { "xreadgroup" } else { "xread" };
    while i < a.len() {
        let more = a.len() - i - 1;
        match a.get(i).to_ascii_lowercase().as_slice() {
            b"block" if more > 0 => {
                let ms = arg_i64(a.get(i + 1)).ok_or("ERR timeout is not an integer or out of range")?;
                if ms < 0 {
                    return Err("ERR timeout is negative".into());
                }
                r.block_ms = Some(ms);
                i += 2;
            }
            b"count" if more > 0 => {
                r.count = arg_i64(a.get(i + 1)).ok_or("ERR value is not an integer or out of range")?.max(0) as usize;
                i += 2;
            }
            b"streams" if more > 0 => {
                if !(a.len() - i - 1).is_multiple_of(2) {
                    let symbol = if group_cmd { '>' } else { '$' };
                    return Err(format!("ERR Unbalanced '{name}' list of streams: for each stream key an ID or '{symbol}' must be specified."));
                }
                return Ok((r, i + 1));
            }
            b"group" if more >= 2 => {
                if !group_cmd {
                    return Err("ERR The GROUP option is only supported by XREADGROUP. You called XREAD instead.".into());
                }
                r.group = Some((a.get(i + 1).to_vec(), a.get(i + 2).to_vec()));
                i += 3;
            }
            b"noack" => {
                if !group_cmd {
                    return Err("ERR The NOACK option is only supported by XREADGROUP. You called XREAD instead.".into());
                }
                r.noack = true;
                i += 1;
            }
            _ => return Err("ERR syntax error".into()),
        }
    }
    Err("ERR syntax error".into())
}

/// Resolve each `key id` pair against the keyspace (types, groups, `$`, `>`).
fn resolve_ids(s: &mut Server, c: &Client, a: &Argv, r: &mut ReadSpec, first: usize) -> Result<(), String> {
    let n = (a.len() - first) / 2;
    for k in 0..n {
        let (key, arg) = (a.get(first + k), a.get(first + n + k));
        let st = match super::stream::get_stream(&mut s.ks, c.db, key, true) {
            Err(()) => return Err("WRONGTYPE Operation against a key holding the wrong kind of value".into()),
            Ok(st) => st,
        };
        if let Some((group, _)) = &r.group {
            if !st.as_ref().is_some_and(|st| st.groups.contains_key(group)) {
                return Err(format!(
                    "NOGROUP No such key '{}' or consumer group '{}' in XREADGROUP with GROUP option",
                    String::from_utf8_lossy(key),
                    String::from_utf8_lossy(group)
                ));
            }
        }
        let id = match arg {
            b"$" if r.group.is_some() => return Err("ERR The $ ID is meaningless in the context of XREADGROUP: you want to read the history of this consumer by specifying a proper ID, or use the > ID to get new messages. The $ ID would just return an empty result set.".into()),
            b"$" => Some(st.map_or(StreamId::MIN, |st| st.last_id)),
            b">" if r.group.is_none() => return Err("ERR The > ID can be specified only when calling XREADGROUP using the GROUP <group> <consumer> option.".into()),
            b">" => None,
            // Redis marks `>` as the largest ID, so that ID written out reads as `>` too.
            _ => Some(strict_id(arg)?).filter(|id| r.group.is_none() || *id != StreamId::MAX),
        };
        r.streams.push((key.to_vec(), id));
    }
    Ok(())
}

pub fn xread(s: &mut Server, c: &mut Client, a: &Argv, ctx: &mut Ctx) {
    read_generic(s, c, a, ctx, false);
}

pub fn xreadgroup(s: &mut Server, c: &mut Client, a: &Argv, ctx: &mut Ctx) {
    read_generic(s, c, a, ctx, true);
}

fn read_generic(s: &mut Server, c: &mut Client, a: &Argv, ctx: &mut Ctx, group_cmd: bool) {
    let (mut r, first) = match parse_read(a, group_cmd) {
        Ok(x) => x,
        Err(e) => return c.add_error(&e),
    };
    if group_cmd && r.group.is_none() {
        return c.add_error("ERR Missing GROUP option for XREADGROUP");
    }
    if let Err(e) = resolve_ids(s, c, a, &mut r, first) {
        return c.add_error(&e);
    }
    ctx.propagated = true;
    if serve(s, c, &r) {
        return;
    }
    match r.block_ms {
        Some(ms) if c.multi.is_none() && !c.deny_blocking => s.block_on_streams(c, r, ms),
        _ => c.add_null_array(),
    }
}

/// Serve what can be served now; false (nothing written) if no stream had anything.
pub fn serve(s: &mut Server, c: &mut Client, r: &ReadSpec) -> bool {
    let (db, now) = (c.db, s.ks.now_ms);
    let mut served: Vec<(Vec<u8>, Read)> = Vec::new();
    let mut effects = Vec::new();
    for (key, after) in &r.streams {
        let Ok(Some(st)) = super::stream::get_stream(&mut s.ks, db, key, true) else { continue };
        let got = match &r.group {
            None => after.filter(|a| st.entries.last_key_value().is_some_and(|(top, _)| top > a)).map(|a| plain(st, a, r.count)),
            Some((group, consumer)) => {
                let gr = GroupRead { key, group, consumer, limit: (r.count > 0).then_some(r.count), noack: r.noack, now };
                group_read(st, &gr, *after, &mut effects)
            }
        };
        if let Some(entries) = got {
            served.push((key.clone(), entries));
        }
    }
    s.ks.dirty += effects.len() as u64;
    for argv in effects {
        s.ks.propagate(db, argv);
    }
    if served.is_empty() {
        return false;
    }
    if c.resp == 2 {
        c.add_array_len(served.len());
    } else {
        c.add_map_len(served.len());
    }
    for (key, entries) in served {
        if c.resp == 2 {
            c.add_array_len(2);
        }
        c.add_bulk(&key);
        reply_read_entries(c, &entries);
    }
    true
}

fn plain(st: &Stream, after: StreamId, count: usize) -> Read {
    let limit = (count > 0).then_some(count);
    st.after(after, limit).into_iter().map(|(id, f)| (id, Some(f.clone()))).collect()
}

fn reply_read_entries(c: &mut Client, entries: &[(StreamId, Option<Fields>)]) {
    let live: Vec<(StreamId, &Fields)> = entries.iter().filter_map(|(id, f)| f.as_ref().map(|f| (*id, f))).collect();
    if live.len() == entries.len() {
        return reply_entries(c, &live);
    }
    c.add_array_len(entries.len());
    for (id, fields) in entries {
        match fields {
            Some(f) => super::stream::reply_entry(c, *id, f),
            None => {
                c.add_array_len(2);
                c.add_bulk(id.to_string().as_bytes());
                c.add_null_array();
            }
        }
    }
}

/// One stream of an XREADGROUP: who reads, and how.
struct GroupRead<'a> {
    key: &'a [u8],
    group: &'a [u8],
    consumer: &'a [u8],
    limit: Option<usize>,
    noack: bool,
    now: i64,
}

/// Serve one stream of an XREADGROUP: `None` if there is nothing to serve synchronously.
fn group_read(st: &mut Stream, gr: &GroupRead<'_>, after: Option<StreamId>, effects: &mut Vec<Vec<Vec<u8>>>) -> Option<Read> {
    let group_last = st.groups.get(gr.group)?.last_id;
    let new_ready = st.entries.last_key_value().is_some_and(|(top, _)| *top > group_last);
    if after.is_none() && !new_ready {
        return None;
    }
    let g = st.groups.get_mut(gr.group)?;
    let (k, created) = g.consumer_or_create(gr.consumer, gr.now);
    k.seen_time = gr.now;
    if created {
        effects.push([&b"XGROUP"[..], b"CREATECONSUMER", gr.key, gr.group, gr.consumer].iter().map(|p| p.to_vec()).collect());
    }
    match after {
        Some(from) => Some(history(st, gr, from)),
        None => Some(deliver(st, gr, effects)),
    }
}

/// The consumer's pending entries after `from`, counted as re-deliveries.
fn history(st: &mut Stream, gr: &GroupRead<'_>, from: StreamId) -> Read {
    let Some(start) = from.next() else { return Vec::new() };
    let Some(g) = st.groups.get_mut(gr.group) else { return Vec::new() };
    let pel = g.consumers.get(gr.consumer).map(|k| k.pel.range(start..).copied().take(gr.limit.unwrap_or(usize::MAX)).collect());
    let ids: Vec<StreamId> = pel.unwrap_or_default();
    ids.into_iter()
        .map(|id| {
            let fields = st.entries.get(&id).cloned();
            if let (Some(_), Some(n)) = (&fields, g.pel.get_mut(&id)) {
                n.delivery_time = gr.now;
                n.delivery_count += 1;
            }
            (id, fields)
        })
        .collect()
}

/// New entries for the group (`>`): advance the group, make them pending, record effects.
fn deliver(st: &mut Stream, gr: &GroupRead<'_>, effects: &mut Vec<Vec<Vec<u8>>>) -> Read {
    let Some(last) = st.groups.get(gr.group).map(|g| g.last_id) else { return Vec::new() };
    let entries = plain(st, last, gr.limit.unwrap_or(0));
    for (id, _) in &entries {
        st.advance_group(gr.group, *id);
        let Some(g) = st.groups.get_mut(gr.group) else { continue };
        if !gr.noack {
            g.assign(*id, gr.consumer, gr.now, 1);
            effects.push(claim_argv(gr.key, gr.group, g, *id));
        }
    }
    if gr.noack && !entries.is_empty() {
        if let Some(g) = st.groups.get(gr.group) {
            effects.push(group_id_argv(gr.key, gr.group, g));
        }
    }
    entries
}

// ---- blocking ------------------------------------------------------------------------------

impl Server {
    /// Block `c` on the streams of `r` for `ms` (0 = forever).
    fn block_on_streams(&mut self, c: &mut Client, r: ReadSpec, ms: i64) {
        let deadline_ms = if ms == 0 { 0 } else { self.ks.now_ms.saturating_add(ms) };
        let keys = r.streams.iter().map(|(k, _)| k.clone().into_boxed_slice()).collect();
        let state = BlockState { db: c.db, keys, deadline_ms, op: BlockOp::XRead(Box::new(r)) };
        self.block_client(c, state);
    }
}

/// Does `key` hold a non-empty stream?
pub(crate) fn key_has_entries(s: &mut Server, db: usize, key: &[u8]) -> bool {
    matches!(super::stream::get_stream(&mut s.ks, db, key, false), Ok(Some(st)) if !st.is_empty())
}

/// Can a client blocked with `spec` be served from `key` now: a stream with an entry after the
/// ID it waits for (with `>`: after its group's ID)?
pub(crate) fn key_ready(s: &mut Server, db: usize, key: &[u8], spec: &ReadSpec) -> bool {
    let Ok(Some(st)) = super::stream::get_stream(&mut s.ks, db, key, false) else { return false };
    let Some(top) = st.entries.last_key_value().map(|(id, _)| *id) else { return false };
    spec.streams.iter().filter(|(k, _)| k == key).any(|(_, after)| match (after, &spec.group) {
        (Some(after), _) => top > *after,
        (None, Some((group, _))) => st.groups.get(group).is_some_and(|g| top > g.last_id),
        (None, None) => false,
    })
}

/// Serve a blocked reader from the one stream that became ready.
pub(crate) fn serve_blocked(s: &mut Server, c: &mut Client, key: &[u8], spec: &ReadSpec) {
    let one = ReadSpec { streams: spec.streams.iter().filter(|(k, _)| k == key).cloned().collect(), block_ms: None, ..spec.clone() };
    if !serve(s, c, &one) {
        c.add_null_array();
    }
}
