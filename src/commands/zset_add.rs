//! ZADD, ZINCRBY, ZREM and the point reads ZCARD, ZSCORE, ZMSCORE, ZRANK, ZREVRANK.
//!
//! ZADD validates everything (options, pairing, every score) before touching the keyspace,
//! so it either applies fully or not at all, except for the NaN an INCR can produce, which
//! Redis also reports after the lookup (`zaddGenericCommand`).

use super::zset::{probe_write, read_zset, with_zset, WrongType, ERR_NOT_FLOAT};
use super::Ctx;
use crate::object::Value;
use crate::resp::Argv;
use crate::server::client::Client;
use crate::server::Server;
use crate::types::zset::{AddFlags, AddOutcome};
use crate::util::number::string2d;

const ERR_NAN: &str = "ERR resulting score is not a number (NaN)";

/// Parsed ZADD options: flags, CH, and where the score/member pairs start.
struct ZaddArgs {
    flags: AddFlags,
    ch: bool,
    first_score: usize,
}

fn parse_zadd_options(a: &Argv) -> ZaddArgs {
    let mut o = ZaddArgs { flags: AddFlags::default(), ch: false, first_score: 2 };
    while o.first_score < a.len() {
        match a.get(o.first_score).to_ascii_lowercase().as_slice() {
            b"nx" => o.flags.nx = true,
            b"xx" => o.flags.xx = true,
            b"gt" => o.flags.gt = true,
            b"lt" => o.flags.lt = true,
            b"ch" => o.ch = true,
            b"incr" => o.flags.incr = true,
            _ => break,
        }
        o.first_score += 1;
    }
    o
}

/// The option and pairing checks, in Redis's order; `Err` is the error text.
fn check_zadd(a: &Argv, o: &ZaddArgs) -> Result<Vec<f64>, &'static str> {
    let elements = a.len() - o.first_score;
    if elements == 0 || elements % 2 == 1 {
        return Err("ERR syntax error");
    }
    let f = o.flags;
    if f.nx && f.xx {
        return Err("ERR XX and NX options at the same time are not compatible");
    }
    if ((f.gt || f.lt) && f.nx) || (f.gt && f.lt) {
        return Err("ERR GT, LT, and/or NX options at the same time are not compatible");
    }
    if f.incr && elements > 2 {
        return Err("ERR INCR option supports a single increment-element pair");
    }
    (o.first_score..a.len()).step_by(2).map(|i| string2d(a.get(i)).ok_or(ERR_NOT_FLOAT)).collect()
}

pub fn zadd(s: &mut Server, c: &mut Client, a: &Argv, _: &mut Ctx) {
    let o = parse_zadd_options(a);
    match check_zadd(a, &o) {
        Ok(scores) => zadd_generic(s, c, a, &o, &scores),
        Err(e) => c.add_error(e),
    }
}

pub fn zincrby(s: &mut Server, c: &mut Client, a: &Argv, _: &mut Ctx) {
    let Some(score) = string2d(a.get(2)) else { return c.add_error(ERR_NOT_FLOAT) };
    let mut o = ZaddArgs { flags: AddFlags::default(), ch: false, first_score: 2 };
    o.flags.incr = true;
    zadd_generic(s, c, a, &o, &[score]);
}

/// Counters of one ZADD call.
#[derive(Default)]
struct Tally {
    added: i64,
    updated: i64,
    /// Score after the last processed element (the INCR reply).
    last: Option<f64>,
    nan: bool,
}

/// `zaddGenericCommand` once the arguments are valid.
fn zadd_generic(s: &mut Server, c: &mut Client, a: &Argv, o: &ZaddArgs, scores: &[f64]) {
    let (db, key) = (c.db, a.get(1));
    let exists = match probe_write(s, db, key) {
        Ok(e) => e,
        Err(WrongType) => return c.add_wrong_type(),
    };
    let mut t = Tally::default();
    if exists || !o.flags.xx {
        if !exists {
            let entry = s.ks.entry(Value::ZSet(crate::types::zset::ZSet::default()));
            s.ks.dbs[db].insert(key, entry);
            s.blocked.signal(db, key);
        }
        with_zset(s, db, key, |z, env| {
            for (j, &score) in scores.iter().enumerate() {
                match z.add(score, a.get(o.first_score + 2 * j + 1), o.flags, env) {
                    AddOutcome::Added(v) => (t.added, t.last) = (t.added + 1, Some(v)),
                    AddOutcome::Updated(v) => (t.updated, t.last) = (t.updated + 1, Some(v)),
                    AddOutcome::Unchanged(v) => t.last = Some(v),
                    AddOutcome::Nop => {}
                    AddOutcome::Nan => {
                        t.nan = true;
                        break;
                    }
                }
            }
        });
    }
    if t.added + t.updated > 0 {
        s.ks.dirty += (t.added + t.updated) as u64;
        s.ks.touch_watched(db, key);
    }
    if t.nan {
        c.add_error(ERR_NAN);
    } else if o.flags.incr {
        match t.last {
            Some(v) => c.add_double(v),
            None => c.add_null(),
        }
    } else {
        c.add_int(if o.ch { t.added + t.updated } else { t.added });
    }
}

pub fn zrem(s: &mut Server, c: &mut Client, a: &Argv, _: &mut Ctx) {
    let (db, key) = (c.db, a.get(1));
    match probe_write(s, db, key) {
        Err(WrongType) => return c.add_wrong_type(),
        Ok(false) => return c.add_int(0),
        Ok(true) => {}
    }
    let deleted = with_zset(s, db, key, |z, _| (2..a.len()).filter(|&i| z.remove(a.get(i))).count()).unwrap_or(0);
    if deleted > 0 {
        s.ks.dirty += deleted as u64;
        s.ks.touch_watched(db, key);
    }
    c.add_int(deleted as i64);
}

pub fn zcard(s: &mut Server, c: &mut Client, a: &Argv, _: &mut Ctx) {
    match read_zset(s, c.db, a.get(1)) {
        Ok(z) => c.add_int(z.map_or(0, |z| z.len() as i64)),
        Err(WrongType) => c.add_wrong_type(),
    }
}

pub fn zscore(s: &mut Server, c: &mut Client, a: &Argv, _: &mut Ctx) {
    match read_zset(s, c.db, a.get(1)) {
        Ok(z) => match z.and_then(|z| z.score(a.get(2))) {
            Some(v) => c.add_double(v),
            None => c.add_null(),
        },
        Err(WrongType) => c.add_wrong_type(),
    }
}

pub fn zmscore(s: &mut Server, c: &mut Client, a: &Argv, _: &mut Ctx) {
    let z = match read_zset(s, c.db, a.get(1)) {
        Ok(z) => z,
        Err(WrongType) => return c.add_wrong_type(),
    };
    let scores: Vec<Option<f64>> = (2..a.len()).map(|i| z.and_then(|z| z.score(a.get(i)))).collect();
    c.add_array_len(scores.len());
    for v in scores {
        match v {
            Some(v) => c.add_double(v),
            None => c.add_null(),
        }
    }
}

fn rank_generic(s: &mut Server, c: &mut Client, a: &Argv, rev: bool) {
    match read_zset(s, c.db, a.get(1)) {
        Ok(z) => match z.and_then(|z| z.rank(a.get(2), rev)) {
            Some((r, _)) => c.add_int(r as i64),
            None => c.add_null(),
        },
        Err(WrongType) => c.add_wrong_type(),
    }
}

pub fn zrank(s: &mut Server, c: &mut Client, a: &Argv, _: &mut Ctx) {
    rank_generic(s, c, a, false);
}

pub fn zrevrank(s: &mut Server, c: &mut Client, a: &Argv, _: &mut Ctx) {
    rank_generic(s, c, a, true);
}
