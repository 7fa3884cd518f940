//! Stream commands in the model: XADD, XDEL, XTRIM, XLEN, XRANGE, XREVRANGE over
//! `Value::Stream { entries, last_id }` — a `BTreeMap` of `(ms, seq)` IDs, no nodes, no
//! consumer groups. Replies and error texts are Redis 7.0's, in its order of checks, for the
//! argument forms the simulator sends: exact IDs `ms-seq` or `ms`, `ms-*` in XADD, `-`/`+` in
//! ranges, `MAXLEN [=] n`, `COUNT n`, `NOMKSTREAM`.
//!
//! Rules modelled: an added ID must be above the last ID ever added (`0-0` never); `ms-*` takes
//! the next sequence of `ms` (0 on a new `ms`); the last ID survives deletions; a stream stays
//! when its last entry goes; MAXLEN trims the oldest entries exactly.

use std::collections::BTreeMap;

use super::db::wrongtype;
use super::keyspace::{Entry, Value};
use super::num::parse_i64;
use super::reply::Reply;
use super::table::arity_error;
use super::{Ctx, Model};

type Id = (u64, u64);
type Entries = BTreeMap<Id, Vec<Vec<u8>>>;

const ERR_ID: &str = "ERR Invalid stream ID specified as stream command argument";
const ERR_SMALLER: &str = "ERR The ID specified in XADD is equal or smaller than the target stream top item";
const ERR_ZERO: &str = "ERR The ID specified in XADD must be greater than 0-0";
const ERR_INT: &str = "ERR value is not an integer or out of range";

/// `ms`, `ms-seq` (and `ms-*` when `star`): `(ms, Some(seq))`, `(ms, None)` for `*`.
fn parse_id(arg: &[u8], default_seq: u64, star: bool) -> Option<(u64, Option<u64>)> {
    let text = std::str::from_utf8(arg).ok()?;
    let num = |s: &str| if !s.is_empty() && s.bytes().all(|b| b.is_ascii_digit()) { s.parse::<u64>().ok() } else { None };
    match text.split_once('-') {
        None => Some((num(text)?, Some(default_seq))),
        Some((ms, "*")) if star => Some((num(ms)?, None)),
        Some((ms, seq)) => Some((num(ms)?, Some(num(seq)?))),
    }
}

/// The stream at `key`: `Ok(None)` if missing, WRONGTYPE for another type.
fn stream_mut<'a>(m: &'a mut Model, ctx: &Ctx, key: &[u8]) -> Result<Option<(&'a mut Entries, &'a mut Id)>, Reply> {
    match m.lookup_ctx(ctx, key) {
        None => Ok(None),
        Some(Entry { value: Value::Stream { entries, last_id }, .. }) => Ok(Some((entries, last_id))),
        Some(_) => Err(wrongtype()),
    }
}

fn id_bulk(id: Id) -> Reply {
    Reply::bulk(format!("{}-{}", id.0, id.1).as_bytes())
}

fn entry_reply(id: Id, fields: &[Vec<u8>]) -> Reply {
    Reply::Array(vec![id_bulk(id), Reply::Array(fields.iter().map(|f| Reply::bulk(f)).collect())])
}

/// Options before XADD's ID: NOMKSTREAM and `MAXLEN [=] n`; returns (nomkstream, maxlen, id index).
fn xadd_options(argv: &[Vec<u8>]) -> Result<(bool, Option<usize>, usize), Reply> {
    let (mut nomk, mut maxlen, mut i) = (false, None, 2);
    while i < argv.len() {
        let more = argv.len() - 1 - i;
        match argv[i].to_ascii_lowercase().as_slice() {
            b"nomkstream" => nomk = true,
            b"maxlen" if more > 0 => {
                if more >= 2 && argv[i + 1] == b"=" {
                    i += 1;
                }
                let n = parse_i64(&argv[i + 1]).ok_or_else(|| Reply::err(ERR_INT))?;
                maxlen = Some(usize::try_from(n).map_err(|_| Reply::err("ERR The MAXLEN argument must be >= 0."))?);
                i += 1;
            }
            _ => break,
        }
        i += 1;
    }
    Ok((nomk, maxlen, i))
}

pub(super) fn xadd(m: &mut Model, ctx: &mut Ctx, argv: &[Vec<u8>]) -> Reply {
    let (nomk, maxlen, at) = match xadd_options(argv) {
        Ok(o) => o,
        Err(e) => return e,
    };
    let Some(requested) = argv.get(at).and_then(|a| parse_id(a, 0, true)) else {
        return if at < argv.len() { Reply::err(ERR_ID) } else { arity_error("xadd") };
    };
    if argv.len() < at + 3 || (argv.len() - at - 1) % 2 == 1 {
        return arity_error("xadd");
    }
    if requested == (0, Some(0)) {
        return Reply::err(ERR_ZERO);
    }
    let key = &argv[1];
    match stream_mut(m, ctx, key) {
        Err(e) => return e,
        Ok(None) if nomk => return Reply::Nil,
        Ok(None) => m.insert_entry(ctx.db, key, Entry::new(Value::Stream { entries: BTreeMap::new(), last_id: (0, 0) })),
        Ok(Some(_)) => {}
    }
    let Ok(Some((entries, last))) = stream_mut(m, ctx, key) else { return Reply::Nil };
    let id = match requested {
        (ms, Some(seq)) => (ms, seq),
        (ms, None) if ms == last.0 => match last.1.checked_add(1) {
            Some(seq) => (ms, seq),
            None => return Reply::err(ERR_SMALLER),
        },
        (ms, None) => (ms, 0),
    };
    if id <= *last {
        return Reply::err(ERR_SMALLER);
    }
    entries.insert(id, argv[at + 1..].to_vec());
    *last = id;
    if let Some(n) = maxlen {
        while entries.len() > n {
            entries.pop_first();
        }
    }
    m.touch(ctx.db, key);
    id_bulk(id)
}

pub(super) fn xdel(m: &mut Model, ctx: &mut Ctx, argv: &[Vec<u8>]) -> Reply {
    let key = &argv[1];
    let entries = match stream_mut(m, ctx, key) {
        Err(e) => return e,
        Ok(None) => return Reply::Int(0),
        Ok(Some((entries, _))) => entries,
    };
    let mut ids = Vec::new();
    for a in &argv[2..] {
        match parse_id(a, 0, false) {
            Some((ms, Some(seq))) => ids.push((ms, seq)),
            _ => return Reply::err(ERR_ID),
        }
    }
    let deleted = ids.iter().filter(|id| entries.remove(id).is_some()).count();
    if deleted > 0 {
        m.touch(ctx.db, key);
    }
    Reply::Int(deleted as i64)
}

/// `XTRIM key MAXLEN [=] n` (the only form the simulator sends).
pub(super) fn xtrim(m: &mut Model, ctx: &mut Ctx, argv: &[Vec<u8>]) -> Reply {
    let n_at = if argv.len() == 5 && argv[3] == b"=" { 4 } else { 3 };
    if !argv[2].eq_ignore_ascii_case(b"maxlen") || argv.len() != n_at + 1 {
        return Reply::err("ERR syntax error");
    }
    let Some(n) = parse_i64(&argv[n_at]) else { return Reply::err(ERR_INT) };
    let Ok(n) = usize::try_from(n) else { return Reply::err("ERR The MAXLEN argument must be >= 0.") };
    let key = &argv[1];
    let entries = match stream_mut(m, ctx, key) {
        Err(e) => return e,
        Ok(None) => return Reply::Int(0),
        Ok(Some((entries, _))) => entries,
    };
    let removed = entries.len().saturating_sub(n);
    for _ in 0..removed {
        entries.pop_first();
    }
    if removed > 0 {
        m.touch(ctx.db, key);
    }
    Reply::Int(removed as i64)
}

pub(super) fn xlen(m: &mut Model, ctx: &mut Ctx, argv: &[Vec<u8>]) -> Reply {
    match stream_mut(m, ctx, &argv[1]) {
        Err(e) => e,
        Ok(s) => Reply::Int(s.map_or(0, |(entries, _)| entries.len() as i64)),
    }
}

pub(super) fn xrange(m: &mut Model, ctx: &mut Ctx, argv: &[Vec<u8>]) -> Reply {
    range(m, ctx, argv, false)
}

pub(super) fn xrevrange(m: &mut Model, ctx: &mut Ctx, argv: &[Vec<u8>]) -> Reply {
    range(m, ctx, argv, true)
}

/// A range bound: `-`, `+`, `ms` (sequence `default_seq`) or `ms-seq`.
fn bound(arg: &[u8], default_seq: u64) -> Option<Id> {
    match arg {
        b"-" => Some((0, 0)),
        b"+" => Some((u64::MAX, u64::MAX)),
        _ => match parse_id(arg, default_seq, false)? {
            (ms, Some(seq)) => Some((ms, seq)),
            _ => None,
        },
    }
}

fn range(m: &mut Model, ctx: &mut Ctx, argv: &[Vec<u8>], rev: bool) -> Reply {
    let (lo, hi) = if rev { (&argv[3], &argv[2]) } else { (&argv[2], &argv[3]) };
    let (Some(start), Some(end)) = (bound(lo, 0), bound(hi, u64::MAX)) else { return Reply::err(ERR_ID) };
    let mut count = None;
    match &argv[4..] {
        [] => {}
        [opt, n] if opt.eq_ignore_ascii_case(b"count") => match parse_i64(n) {
            Some(n) => count = Some(usize::try_from(n).unwrap_or(0)),
            None => return Reply::err(ERR_INT),
        },
        _ => return Reply::err("ERR syntax error"),
    }
    let entries = match stream_mut(m, ctx, &argv[1]) {
        Err(e) => return e,
        Ok(None) => return Reply::Array(Vec::new()),
        Ok(Some((entries, _))) => entries,
    };
    if count == Some(0) {
        return Reply::NilArray;
    }
    if start > end {
        return Reply::Array(Vec::new());
    }
    let picked: Vec<(&Id, &Vec<Vec<u8>>)> = entries.range(start..=end).collect();
    let limit = count.unwrap_or(usize::MAX);
    let ordered: Vec<Reply> = if rev {
        picked.iter().rev().take(limit).map(|(id, f)| entry_reply(**id, f)).collect()
    } else {
        picked.iter().take(limit).map(|(id, f)| entry_reply(**id, f)).collect()
    };
    Reply::Array(ordered)
}

#[cfg(test)]
mod tests {
    use super::super::{Model, Reply};

    fn run(m: &mut Model, line: &str) -> Reply {
        let argv: Vec<Vec<u8>> = line.split(' ').map(|a| a.as_bytes().to_vec()).collect();
        m.apply(1, &argv, 1_000)
    }

    #[test]
    fn ids_must_grow_and_the_last_id_survives_deletes() {
        let mut m = Model::new();
        assert_eq!(run(&mut m, "XADD s 5-1 a 1"), Reply::bulk(b"5-1"));
        assert_eq!(run(&mut m, "XADD s 5-* a 2"), Reply::bulk(b"5-2"));
        assert_eq!(run(&mut m, "XADD s 5-2 a 3"), Reply::err(super::ERR_SMALLER));
        assert_eq!(run(&mut m, "XADD s 0-0 a 3"), Reply::err(super::ERR_ZERO));
        assert_eq!(run(&mut m, "XDEL s 5-2 9-9"), Reply::Int(1));
        assert_eq!(run(&mut m, "XADD s 5-2 a 3"), Reply::err(super::ERR_SMALLER), "the last ID stays 5-2");
        assert_eq!(run(&mut m, "XADD s MAXLEN 1 6 b 4"), Reply::bulk(b"6-0"));
        assert_eq!(run(&mut m, "XLEN s"), Reply::Int(1));
        assert_eq!(run(&mut m, "XDEL s 6-0"), Reply::Int(1));
        assert_eq!(run(&mut m, "TYPE s"), Reply::Simple("stream".into()), "an emptied stream stays");
        assert_eq!(run(&mut m, "XADD n NOMKSTREAM 1 a b"), Reply::Nil);
        assert_eq!(run(&mut m, "XADD s bad a b"), Reply::err(super::ERR_ID));
        assert_eq!(run(&mut m, "XADD s 7-0 a"), Reply::err("ERR wrong number of arguments for 'xadd' command"));
    }

    #[test]
    fn ranges_count_and_reverse() {
        let mut m = Model::new();
        for id in ["1-0", "2-0", "3-0"] {
            run(&mut m, &format!("XADD s {id} f v"));
        }
        let ids = |r: Reply| match r {
            Reply::Array(items) => items.into_iter().map(|e| match e { Reply::Array(p) => p[0].clone(), other => other }).collect::<Vec<_>>(),
            other => vec![other],
        };
        assert_eq!(ids(run(&mut m, "XRANGE s 2 + COUNT 5")), vec![Reply::bulk(b"2-0"), Reply::bulk(b"3-0")]);
        assert_eq!(ids(run(&mut m, "XREVRANGE s + - COUNT 1")), vec![Reply::bulk(b"3-0")]);
        assert_eq!(run(&mut m, "XRANGE s - + COUNT 0"), Reply::NilArray);
        assert_eq!(run(&mut m, "XRANGE nokey - + COUNT 0"), Reply::Array(Vec::new()));
        assert_eq!(run(&mut m, "XTRIM s MAXLEN = 1"), Reply::Int(2));
    }
}
