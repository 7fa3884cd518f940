//! Validity checks for the sorted-set commands whose answer is random or order-dependent:
//! ZRANDMEMBER (which members, in which order) and ZSCAN (cursor and batches). Both are
//! read-only, so there is no effect to adopt; errors must match exactly.

use std::collections::BTreeSet;

use super::reply::Reply;
use super::zset::{dbl, fmt17, read, ZMap};
use super::{Ctx, Model};

const ERR_NOT_INT: &str = "ERR value is not an integer or out of range";

/// The model's ZRANDMEMBER: errors exactly; otherwise the first members (any valid choice).
pub(super) fn zrandmember(m: &mut Model, ctx: &mut Ctx, argv: &[Vec<u8>]) -> Reply {
    match parse_randmember(m, ctx, argv) {
        Err(e) => e,
        Ok((z, count, withscores)) => {
            let Some(count) = count else {
                return z.and_then(|z| z.keys().next().cloned()).map_or(Reply::Nil, Reply::Bulk);
            };
            let z = z.unwrap_or_default();
            let n = if count < 0 { count.unsigned_abs() as usize } else { (count as usize).min(z.len()) };
            let mut out = Vec::new();
            for (mm, s) in z.iter().cycle().take(if z.is_empty() { 0 } else { n }) {
                out.push(Reply::Bulk(mm.clone()));
                if withscores {
                    out.push(dbl(s.0));
                }
            }
            Reply::Array(out)
        }
    }
}

type RandArgs = (Option<ZMap>, Option<i64>, bool);

fn parse_randmember(m: &mut Model, ctx: &Ctx, argv: &[Vec<u8>]) -> Result<RandArgs, Reply> {
    if argv.len() == 2 {
        return Ok((read(m, ctx, &argv[1])?, None, false));
    }
    let count = super::num::parse_i64(&argv[2]).ok_or_else(|| Reply::err(ERR_NOT_INT))?;
    if count == i64::MIN {
        return Err(Reply::err("ERR value is out of range, value must between -9223372036854775807 and 9223372036854775807"));
    }
    let withscores = argv.len() == 4;
    if argv.len() > 4 || (withscores && !argv[3].eq_ignore_ascii_case(b"withscores")) {
        return Err(Reply::err("ERR syntax error"));
    }
    if (withscores && !(-(i64::MAX / 2)..=i64::MAX / 2).contains(&count)) || count < -(1 << 20) {
        return Err(Reply::err("ERR value is out of range"));
    }
    Ok((read(m, ctx, &argv[1])?, Some(count), withscores))
}

/// The texts a score may be replied as in ZSCAN: the compact encoding's stored integer or
/// `%.17g`.
fn score_texts(v: f64) -> [Vec<u8>; 2] {
    let int_form = if v == v.trunc() && v.abs() <= (i64::MAX / 2) as f64 { format!("{}", v as i64) } else { fmt17(v) };
    [fmt17(v).into_bytes(), int_form.into_bytes()]
}

fn check_members(z: &ZMap, items: &[Reply], withscores: bool, distinct: bool) -> Result<(), String> {
    let step = if withscores { 2 } else { 1 };
    let mut seen = BTreeSet::new();
    for chunk in items.chunks(step) {
        let Reply::Bulk(mm) = &chunk[0] else { return Err(format!("not a member: {}", chunk[0])) };
        let Some(score) = z.get(mm) else { return Err(format!("{:?} is not a member", String::from_utf8_lossy(mm))) };
        if withscores && chunk.get(1) != Some(&dbl(score.0)) {
            return Err(format!("wrong score for {:?}", String::from_utf8_lossy(mm)));
        }
        if distinct && !seen.insert(mm.clone()) {
            return Err(format!("{:?} repeated", String::from_utf8_lossy(mm)));
        }
    }
    Ok(())
}

fn check_randmember(m: &mut Model, ctx: &mut Ctx, argv: &[Vec<u8>], engine: &Reply) -> Result<(), String> {
    let (z, count, withscores) = match parse_randmember(m, ctx, argv) {
        Ok(p) => p,
        Err(e) => return same(&e, engine, argv),
    };
    let z = z.unwrap_or_default();
    let bad = |why: String| Err(format!("ZRANDMEMBER: {why}, found {engine}"));
    match (count, engine) {
        (None, Reply::Nil) if z.is_empty() => Ok(()),
        (None, Reply::Bulk(mm)) if z.contains_key(mm) => Ok(()),
        (None, _) => bad("expected a member".into()),
        (Some(c), Reply::Array(items)) => {
            let n = if z.is_empty() { 0 } else if c < 0 { c.unsigned_abs() as usize } else { (c as usize).min(z.len()) };
            let step = if withscores { 2 } else { 1 };
            if items.len() != n * step {
                return bad(format!("expected {n} members"));
            }
            check_members(&z, items, withscores, c > 0).or_else(bad)
        }
        (Some(_), _) => bad("expected an array".into()),
    }
}

fn check_zscan(m: &mut Model, ctx: &mut Ctx, argv: &[Vec<u8>], engine: &Reply) -> Result<(), String> {
    let expected = super::zset::zscan_model(m, ctx, argv);
    if expected.is_error() || engine.is_error() {
        return same(&expected, engine, argv);
    }
    let z = read(m, ctx, &argv[1]).ok().flatten().unwrap_or_default();
    let bad = || Err(format!("ZSCAN: malformed or invalid reply {engine}"));
    let Reply::Array(parts) = engine else { return bad() };
    let [Reply::Bulk(cursor), Reply::Array(items)] = parts.as_slice() else { return bad() };
    if cursor.is_empty() || !cursor.iter().all(u8::is_ascii_digit) || items.len() % 2 == 1 {
        return bad();
    }
    for p in items.chunks(2) {
        let (Reply::Bulk(mm), Reply::Bulk(text)) = (&p[0], &p[1]) else { return bad() };
        match z.get(mm) {
            Some(s) if score_texts(s.0).contains(text) => {}
            _ => return bad(),
        }
    }
    Ok(())
}

/// Entry point from `nondet`.
pub(super) fn check_nondet(m: &mut Model, ctx: &mut Ctx, name: &str, argv: &[Vec<u8>], engine: &Reply) -> Result<(), String> {
    match name {
        "zrandmember" => check_randmember(m, ctx, argv, engine),
        _ => check_zscan(m, ctx, argv, engine),
    }
}

fn same(expected: &Reply, found: &Reply, argv: &[Vec<u8>]) -> Result<(), String> {
    if expected == found {
        return Ok(());
    }
    let cmd: Vec<String> = argv.iter().map(|a| String::from_utf8_lossy(a).into_owned()).collect();
    Err(format!("{cmd:?}: expected {expected}, found {found}"))
}
