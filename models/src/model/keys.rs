//! Generic key commands (Redis `db.c`): DEL/UNLINK, EXISTS, TYPE, TOUCH, RENAME, RENAMENX,
//! COPY, MOVE, KEYS, SCAN, RANDOMKEY.
//!
//! KEYS, SCAN and RANDOMKEY have answers whose order or choice depends on Redis's hash table;
//! `apply` gives a canonical answer (KEYS sorted, SCAN as one full pass with cursor 0,
//! RANDOMKEY the smallest visible key) and `Model::check_and_adopt` validates an engine's.

use super::glob;
use super::keyspace::Entry;
use super::num::i32_arg;
use super::reply::Reply;
use super::{Ctx, Model, DBS};

const ERR_SAME_OBJECT: &str = "ERR source and destination objects are the same";
const ERR_DB_RANGE: &str = "ERR DB index is out of range";

pub(super) fn del(m: &mut Model, ctx: &mut Ctx, argv: &[Vec<u8>]) -> Reply {
    let mut deleted = 0;
    for key in &argv[1..] {
        m.expire_if_needed(ctx.db, key, ctx.now_ms);
        deleted += i64::from(m.delete(ctx.db, key));
    }
    Reply::Int(deleted)
}

/// EXISTS counts repeated keys once per mention (`EXISTS k k` is 2).
pub(super) fn exists(m: &mut Model, ctx: &mut Ctx, argv: &[Vec<u8>]) -> Reply {
    let n = argv[1..]
        .iter()
        .filter(|k| m.lookup_ctx(ctx, k).is_some())
        .count();
    Reply::Int(n as i64)
}

pub(super) fn touch(m: &mut Model, ctx: &mut Ctx, argv: &[Vec<u8>]) -> Reply {
    exists(m, ctx, argv)
}

pub(super) fn type_(m: &mut Model, ctx: &mut Ctx, argv: &[Vec<u8>]) -> Reply {
    let name = m
        .lookup_ctx(ctx, &argv[1])
        .map_or("none", |e| e.value.type_name());
    Reply::Simple(name.to_string())
}

pub(super) fn rename(m: &mut Model, ctx: &mut Ctx, argv: &[Vec<u8>]) -> Reply {
    rename_generic(m, ctx, argv, false)
}

pub(super) fn renamenx(m: &mut Model, ctx: &mut Ctx, argv: &[Vec<u8>]) -> Reply {
    rename_generic(m, ctx, argv, true)
}

/// Redis `renameGenericCommand`: RENAME k k is OK (RENAMENX k k is 0) if k exists; the TTL
/// moves with the value.
fn rename_generic(m: &mut Model, ctx: &Ctx, argv: &[Vec<u8>], nx: bool) -> Reply {
    let (src, dst) = (&argv[1], &argv[2]);
    let Some(entry) = m.lookup_ctx(ctx, src).cloned() else {
        return Reply::err("ERR no such key");
    };
    let done = if nx { Reply::Int(1) } else { Reply::ok() };
    if src == dst {
        return if nx { Reply::Int(0) } else { done };
    }
    if m.lookup_ctx(ctx, dst).is_some() {
        if nx {
            return Reply::Int(0);
        }
        m.delete(ctx.db, dst);
    }
    m.insert_entry(ctx.db, dst, entry);
    m.delete(ctx.db, src);
    done
}

/// The target db of COPY ... DB n / MOVE key n.
fn db_arg(arg: &[u8]) -> Result<usize, Reply> {
    let id = i32_arg(arg, None)?;
    usize::try_from(id)
        .ok()
        .filter(|&d| d < DBS)
        .ok_or_else(|| Reply::err(ERR_DB_RANGE))
}

pub(super) fn copy(m: &mut Model, ctx: &mut Ctx, argv: &[Vec<u8>]) -> Reply {
    let (mut dst_db, mut replace) = (ctx.db, false);
    let mut j = 3;
    while j < argv.len() {
        let opt = argv[j].to_ascii_lowercase();
        if opt == b"replace" {
            replace = true;
        } else if opt == b"db" && j + 1 < argv.len() {
            match db_arg(&argv[j + 1]) {
                Ok(d) => dst_db = d,
                Err(e) => return e,
            }
            j += 1;
        } else {
            return Reply::err("ERR syntax error");
        }
        j += 1;
    }
    let (src, dst) = (&argv[1], &argv[2]);
    if dst_db == ctx.db && src == dst {
        return Reply::err(ERR_SAME_OBJECT);
    }
    let Some(entry) = m.lookup_ctx(ctx, src).cloned() else {
        return Reply::Int(0);
    };
    if m.lookup(dst_db, dst, ctx.now_ms).is_some() {
        if !replace {
            return Reply::Int(0);
        }
        m.delete(dst_db, dst);
    }
    m.insert_entry(dst_db, dst, entry);
    Reply::Int(1)
}

pub(super) fn move_(m: &mut Model, ctx: &mut Ctx, argv: &[Vec<u8>]) -> Reply {
    let dst_db = match db_arg(&argv[2]) {
        Ok(d) => d,
        Err(e) => return e,
    };
    if dst_db == ctx.db {
        return Reply::err(ERR_SAME_OBJECT);
    }
    let key = &argv[1];
    let Some(entry) = m.lookup_ctx(ctx, key).cloned() else {
        return Reply::Int(0);
    };
    if m.lookup(dst_db, key, ctx.now_ms).is_some() {
        return Reply::Int(0);
    }
    m.insert_entry(dst_db, key, entry);
    m.delete(ctx.db, key);
    Reply::Int(1)
}

/// KEYS: visible keys matching the glob, in key order (Redis's order is its hash table's).
pub(super) fn keys(m: &mut Model, ctx: &mut Ctx, argv: &[Vec<u8>]) -> Reply {
    let pattern = &argv[1];
    let items = m
        .visible_keys(ctx.db, ctx.now_ms)
        .into_iter()
        .filter(|k| pattern.as_slice() == b"*" || glob::matches(pattern, k))
        .map(Reply::Bulk)
        .collect();
    Reply::Array(items)
}

/// Parsed SCAN arguments.
pub(super) struct ScanArgs {
    pub pattern: Option<Vec<u8>>,
    pub type_name: Option<Vec<u8>>,
}

impl ScanArgs {
    /// Would SCAN with these arguments return `key` (holding `entry`)?
    pub fn accepts(&self, key: &[u8], entry: &Entry) -> bool {
        let pattern_ok = self.pattern.as_ref().is_none_or(|p| glob::matches(p, key));
        let type_ok = self
            .type_name
            .as_ref()
            .is_none_or(|t| t.eq_ignore_ascii_case(entry.value.type_name().as_bytes()));
        pattern_ok && type_ok
    }
}

/// Redis `parseScanCursorOrReply` (strtoul: optional sign, digits, empty means 0) then the
/// COUNT / MATCH / TYPE options of `scanGenericCommand`.
pub(super) fn parse_scan(argv: &[Vec<u8>]) -> Result<ScanArgs, Reply> {
    let cursor = argv[1]
        .strip_prefix(b"+")
        .or_else(|| argv[1].strip_prefix(b"-"));
    let digits = cursor.unwrap_or(&argv[1]);
    let leading_space = argv[1].first().is_some_and(u8::is_ascii_whitespace);
    let in_range =
        digits.is_empty() || std::str::from_utf8(digits).is_ok_and(|d| d.parse::<u64>().is_ok());
    if leading_space || !digits.iter().all(u8::is_ascii_digit) || !in_range {
        return Err(Reply::err("ERR invalid cursor"));
    }
    let mut args = ScanArgs {
        pattern: None,
        type_name: None,
    };
    let mut i = 2;
    while i < argv.len() {
        let opt = argv[i].to_ascii_lowercase();
        let has_value = i + 1 < argv.len();
        match opt.as_slice() {
            b"count" if has_value => {
                let n = super::num::int_arg(&argv[i + 1])?;
                if n < 1 {
                    return Err(Reply::err("ERR syntax error"));
                }
            }
            b"match" if has_value => {
                args.pattern = Some(argv[i + 1].clone()).filter(|p| p.as_slice() != b"*");
            }
            b"type" if has_value => args.type_name = Some(argv[i + 1].clone()),
            _ => return Err(Reply::err("ERR syntax error")),
        }
        i += 2;
    }
    Ok(args)
}

/// SCAN in the model: one full pass, cursor `0`, keys in key order.
pub(super) fn scan(m: &mut Model, ctx: &mut Ctx, argv: &[Vec<u8>]) -> Reply {
    let args = match parse_scan(argv) {
        Ok(a) => a,
        Err(e) => return e,
    };
    let keys = m.dbs[ctx.db]
        .iter()
        .filter(|(k, e)| !e.is_expired(ctx.now_ms) && args.accepts(k, e))
        .map(|(k, _)| Reply::Bulk(k.clone()))
        .collect();
    Reply::Array(vec![Reply::bulk(b"0"), Reply::Array(keys)])
}

/// RANDOMKEY in the model: the smallest visible key (any visible key is valid).
pub(super) fn randomkey(m: &mut Model, ctx: &mut Ctx, _argv: &[Vec<u8>]) -> Reply {
    m.visible_keys(ctx.db, ctx.now_ms)
        .into_iter()
        .next()
        .map_or(Reply::Nil, Reply::Bulk)
}
