//! HSCAN key cursor [MATCH pattern] [COUNT count] (`hscanCommand` → `scanGenericCommand`),
//! and the option parsing and reply shared with SSCAN.
//!
//! Order of checks, as Redis 7.0: the cursor (`ERR invalid cursor`), then the key (a missing
//! key answers the empty scan `["0", []]` without looking at the options), then the type, then
//! the options (`COUNT` must be an integer ≥ 1, anything unknown is a syntax error).
//!
//! A ziplist-encoded hash is small, so it is returned whole with cursor 0, whatever the cursor
//! given. A hashtable is walked with the dict's reverse-binary cursor: up to COUNT pairs per
//! call, visiting at most COUNT × 10 more buckets; a pair present during the whole scan is
//! returned at least once. MATCH filters on the field and drops the field's value with it.

use super::hash::get_hash;
use super::scan::parse_cursor;
use super::Ctx;
use crate::keyspace::Keyspace;
use crate::object::Value;
use crate::resp::Argv;
use crate::server::client::Client;
use crate::server::Server;
use crate::types::hash::Hash;
use crate::util::glob::string_match;
use crate::util::number::string2l;

/// Parsed `[MATCH pattern] [COUNT count]`.
pub(crate) struct ScanOpts<'a> {
    /// `None` when absent or `*` (which matches everything).
    pub pattern: Option<&'a [u8]>,
    pub count: usize,
}

/// Parse the options from `a[from..]`; `Err` is the error reply.
pub(crate) fn parse_scan_opts(a: &Argv, from: usize) -> Result<ScanOpts<'_>, &'static str> {
    let mut o = ScanOpts { pattern: None, count: 10 };
    let mut i = from;
    while i < a.len() {
        let has_value = i + 1 < a.len();
        let opt = a.get(i);
        if opt.eq_ignore_ascii_case(b"count") && has_value {
            let n = string2l(a.get(i + 1)).ok_or("ERR value is not an integer or out of range")?;
            if n < 1 {
                return Err("ERR syntax error");
            }
            o.count = usize::try_from(n).unwrap_or(usize::MAX);
        } else if opt.eq_ignore_ascii_case(b"match") && has_value {
            o.pattern = Some(a.get(i + 1)).filter(|p| *p != b"*");
        } else {
            return Err("ERR syntax error");
        }
        i += 2;
    }
    Ok(o)
}

/// The empty scan reply for a missing key: `["0", []]`.
pub(crate) fn reply_empty_scan(c: &mut Client) {
    c.add_array_len(2);
    c.add_bulk(b"0");
    c.add_array_len(0);
}

/// Reply `[cursor, items]`, keeping the items (or, with `pairs`, the item pairs whose first
/// element) that match the pattern.
pub(crate) fn reply_scan(c: &mut Client, cursor: u64, items: &[Vec<u8>], pairs: bool, pattern: Option<&[u8]>) {
    let step = if pairs { 2 } else { 1 };
    let keep: Vec<&[Vec<u8>]> =
        items.chunks(step).filter(|chunk| pattern.is_none_or(|p| string_match(p, &chunk[0], false))).collect();
    c.add_array_len(2);
    c.add_bulk(cursor.to_string().as_bytes());
    c.add_array_len(keep.len() * step);
    for item in keep.iter().flat_map(|chunk| chunk.iter()) {
        c.add_bulk(item);
    }
}

/// Walk a dict-backed value with `step` until `count` items are collected, the budget of
/// `count * 10` extra buckets is spent, or the scan completes (Redis's loop around `dictScan`).
pub(crate) fn scan_loop(mut cursor: u64, count: usize, mut step: impl FnMut(u64, &mut Vec<Vec<u8>>) -> u64) -> (u64, Vec<Vec<u8>>) {
    let mut items = Vec::new();
    let mut budget = count.saturating_mul(10);
    loop {
        cursor = step(cursor, &mut items);
        if cursor == 0 || budget == 0 {
            break;
        }
        budget -= 1;
        if items.len() >= count {
            break;
        }
    }
    (cursor, items)
}

/// The hash at `key`, already looked up by the caller.
fn stored_hash<'a>(ks: &'a Keyspace, db: usize, key: &[u8]) -> Option<&'a Hash> {
    match ks.dbs[db].dict.get(key).map(|e| &e.value) {
        Some(Value::Hash(h)) => Some(h),
        _ => None,
    }
}

pub fn hscan(s: &mut Server, c: &mut Client, a: &Argv, _: &mut Ctx) {
    let key = a.get(1);
    let Some(cursor) = parse_cursor(a.get(2)) else { return c.add_error("ERR invalid cursor") };
    match get_hash(&mut s.ks, c.db, key, true) {
        Err(()) => return c.add_wrong_type(),
        Ok(None) => return reply_empty_scan(c),
        Ok(Some(_)) => {}
    }
    let o = match parse_scan_opts(a, 3) {
        Ok(o) => o,
        Err(e) => return c.add_error(e),
    };
    let Some(h) = stored_hash(&s.ks, c.db, key) else { return reply_empty_scan(c) };
    let (cursor, items) = if matches!(h, Hash::Table(_)) {
        // Fields and values both count towards COUNT, as Redis doubles it for hashes.
        scan_loop(cursor, o.count.saturating_mul(2), |cur, items| {
            h.scan_table(cur, &mut |f, v| {
                items.push(f.to_vec());
                items.push(v.to_vec());
            })
            .unwrap_or(0)
        })
    } else {
        (0, h.pairs().into_iter().flat_map(|(f, v)| [f, v]).collect())
    };
    reply_scan(c, cursor, &items, true, o.pattern);
}
