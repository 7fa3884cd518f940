//! The report of `keel-check-rdb` (Redis's `redis-check-rdb`): walk a file with the loader,
//! print what it holds — version, AUX fields, databases, keys per database and per type,
//! expires — or exactly where and why it is bad.
//!
//! Streams are walked over (Keel cannot load them, but the rest of the file can be checked);
//! they are listed under type `stream` with a note.
//!
//! Besides Keel's own report ([`Report::lines`]), the walk records the lines Debian's
//! `redis-check-rdb` 7.0 prints for the same file ([`Report::redis_lines`]: offsets *after*
//! each item, no RESIZEDB lines), which `keel-check-aof` prints for an AOF's RDB preamble, and
//! where the RDB ends ([`Report::end_offset`]), where the preamble's RESP tail starts.

use std::collections::BTreeMap;
use std::fmt::Write as _;

use super::error::RdbError;
use super::load::{Checksum, Event, LoadOptions, Parser};

/// Counts of one database.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct DbCounts {
    /// Keys per type name (`string`, `list`, ..., `stream`).
    pub by_type: BTreeMap<&'static str, u64>,
    pub expires: u64,
    pub already_expired: u64,
}

/// What a check found.
#[derive(Debug, Default)]
pub struct Report {
    pub version: u32,
    pub aux: Vec<(String, String)>,
    pub dbs: BTreeMap<usize, DbCounts>,
    pub empty_keys: u64,
    pub functions: u64,
    pub checksum_ok: bool,
    /// Human-readable lines, in file order.
    pub lines: Vec<String>,
    /// `None` if the file is valid.
    pub error: Option<RdbError>,
    /// The lines `redis-check-rdb` prints for the file (see the module doc).
    pub redis_lines: Vec<String>,
    /// The first byte after the RDB (after its checksum), once the EOF opcode was read.
    pub end_offset: Option<u64>,
}

impl Report {
    pub fn keys(&self) -> u64 {
        self.dbs.values().flat_map(|d| d.by_type.values()).sum()
    }

    pub fn is_ok(&self) -> bool {
        self.error.is_none()
    }

    /// The whole report as text.
    pub fn render(&self) -> String {
        let mut out = String::new();
        for l in &self.lines {
            let _ = writeln!(out, "{l}");
        }
        out
    }
}

fn lossy(b: &[u8]) -> String {
    String::from_utf8_lossy(b).into_owned()
}

/// Check `buf` (the file named `name`); `now_ms` decides which keys count as already expired.
pub fn check(buf: &[u8], name: &str, now_ms: i64) -> Report {
    let mut rep = Report::default();
    rep.lines.push(format!("[offset 0] Checking RDB file {name}"));
    rep.redis_lines.push(format!("[offset 0] Checking RDB file {name}"));
    let opts = LoadOptions { verify_checksum: true, databases: usize::MAX, ..LoadOptions::default() };
    let mut last_key: Option<(Vec<u8>, u64)> = None;
    let result = Parser::new(buf, opts).and_then(|mut p| {
        rep.version = p.version;
        rep.lines.push(format!("[offset 9] RDB version {}", p.version));
        while let Some(event) = p.next_event()? {
            redis_line(&mut rep, &event, p.offset());
            record(&mut rep, event, now_ms, &mut last_key);
        }
        Ok(())
    });
    match result {
        Ok(()) => summary(&mut rep),
        Err(e) => {
            let at_line = match e.offset() {
                Some(at) => format!("[offset {at}] {e}"),
                None => e.to_string(),
            };
            rep.lines.extend(["--- RDB ERROR DETECTED ---".to_string(), at_line.clone()]);
            rep.redis_lines.extend(["--- RDB ERROR DETECTED ---".to_string(), at_line]);
            if let Some((key, at)) = &last_key {
                rep.lines.push(format!("[additional info] Last key read: '{}' (type byte at offset {at})", lossy(key)));
                rep.redis_lines.push(format!("[additional info] Last key read: '{}'", lossy(key)));
            }
            rep.lines.push(format!("[info] {} keys read before the error", rep.keys()));
            redis_info(&mut rep);
            rep.error = Some(e);
        }
    }
    rep
}

fn record(rep: &mut Report, event: Event, now_ms: i64, last_key: &mut Option<(Vec<u8>, u64)>) {
    match event {
        Event::Aux { key, value, offset } => {
            rep.lines.push(format!("[offset {offset}] AUX FIELD {} = '{}'", lossy(&key), lossy(&value)));
            rep.aux.push((lossy(&key), lossy(&value)));
        }
        Event::SelectDb { db, offset } => {
            rep.lines.push(format!("[offset {offset}] Selecting DB ID {db}"));
            rep.dbs.entry(db).or_default();
        }
        Event::ResizeDb { keys, expires, offset } => rep.lines.push(format!("[offset {offset}] RESIZEDB keys {keys} expires {expires}")),
        Event::Key(k) => {
            count(rep, k.db, k.value.type_name(), k.expire_ms, now_ms);
            *last_key = Some((k.key, k.offset));
        }
        Event::EmptyKey { key, offset, .. } => {
            rep.empty_keys += 1;
            rep.lines.push(format!("[offset {offset}] empty key '{}' (Redis skips it on load)", lossy(&key)));
        }
        Event::Function { offset, code_len } => {
            rep.functions += 1;
            rep.lines.push(format!("[offset {offset}] FUNCTION library ({code_len} bytes of code; Keel skips functions)"));
        }
        Event::Eof { checksum, offset } => {
            rep.end_offset = Some(offset);
            rep.checksum_ok = checksum == Checksum::Ok;
            let what = if rep.checksum_ok { "Checksum OK" } else { "Checksum not checked (none stored)" };
            rep.lines.push(format!("[offset {offset}] {what}"));
        }
    }
}

/// The line `redis-check-rdb` prints for `event`, if any; `after` is the offset after it.
fn redis_line(rep: &mut Report, event: &Event, after: u64) {
    let line = match event {
        Event::Aux { key, value, .. } => format!("[offset {after}] AUX FIELD {} = '{}'", lossy(key), lossy(value)),
        Event::SelectDb { db, .. } => format!("[offset {after}] Selecting DB ID {db}"),
        Event::Eof { checksum: Checksum::Ok, .. } => format!("[offset {after}] Checksum OK"),
        Event::Eof { .. } if rep.version >= 5 => {
            format!("[offset {after}] RDB file was saved with checksum disabled: no check performed.")
        }
        _ => return,
    };
    rep.redis_lines.push(line);
}

/// `redis-check-rdb`'s closing `[info]` lines.
fn redis_info(rep: &mut Report) {
    let expires: u64 = rep.dbs.values().map(|d| d.expires).sum();
    let expired: u64 = rep.dbs.values().map(|d| d.already_expired).sum();
    let keys = rep.keys();
    rep.redis_lines.extend([format!("[info] {keys} keys read"), format!("[info] {expires} expires"), format!("[info] {expired} already expired")]);
}

fn count(rep: &mut Report, db: usize, type_name: &'static str, expire_ms: Option<i64>, now_ms: i64) {
    let d = rep.dbs.entry(db).or_default();
    *d.by_type.entry(type_name).or_default() += 1;
    if let Some(when) = expire_ms {
        d.expires += 1;
        if when < now_ms {
            d.already_expired += 1;
        }
    }
}

fn summary(rep: &mut Report) {
    rep.lines.push("\\o/ RDB looks OK! \\o/".into());
    let end = rep.end_offset.unwrap_or_default();
    rep.redis_lines.push(format!("[offset {end}] \\o/ RDB looks OK! \\o/"));
    redis_info(rep);
    let expires: u64 = rep.dbs.values().map(|d| d.expires).sum();
    let expired: u64 = rep.dbs.values().map(|d| d.already_expired).sum();
    rep.lines.push(format!("[info] {} keys read", rep.keys()));
    rep.lines.push(format!("[info] {expires} expires"));
    rep.lines.push(format!("[info] {expired} already expired"));
    let per_db: Vec<String> = rep
        .dbs
        .iter()
        .map(|(db, d)| {
            let types: Vec<String> = d.by_type.iter().map(|(t, n)| format!("{t} {n}")).collect();
            format!("[info] db {db}: {} keys ({}), {} expires", d.by_type.values().sum::<u64>(), types.join(", "), d.expires)
        })
        .collect();
    rep.lines.extend(per_db);
}
