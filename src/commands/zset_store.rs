//! ZUNION, ZINTER, ZDIFF and their STORE forms (`zunionInterDiffGenericCommand`).
//!
//! Inputs may be sorted sets or sets (every set member has score 1). Order of work, as in
//! Redis: numkeys, then the key lookups (WRONGTYPE), then WEIGHTS / AGGREGATE / WITHSCORES.
//! Union and intersection visit the inputs from the smallest to the largest (a stable sort,
//! like glibc's merge-sort `qsort`), which fixes the order floating-point sums are taken in.
//! A weighted score that is NaN (`0 * inf`) counts as 0 when an element is first seen, and a
//! SUM that becomes NaN (`inf + -inf`) is 0.

use std::collections::BTreeMap;

use super::zset::{build_zset, reply_pairs, store_result};
use super::Ctx;
use crate::object::Value;
use crate::resp::Argv;
use crate::server::client::Client;
use crate::server::Server;
use crate::util::number::{string2d, string2l};

#[derive(Clone, Copy, PartialEq, Eq)]
enum Op {
    Union,
    Inter,
    Diff,
}

#[derive(Clone, Copy)]
enum Aggregate {
    Sum,
    Min,
    Max,
}

/// One input, materialized: its pairs, a lookup by member, its weight.
struct Src {
    pairs: Vec<(Vec<u8>, f64)>,
    lookup: BTreeMap<Vec<u8>, f64>,
    weight: f64,
}

/// `zunionInterAggregate`.
fn aggregate(target: &mut f64, val: f64, how: Aggregate) {
    match how {
        Aggregate::Sum => {
            *target += val;
            if target.is_nan() {
                *target = 0.0;
            }
        }
        Aggregate::Min => {
            if val < *target {
                *target = val;
            }
        }
        Aggregate::Max => {
            if val > *target {
                *target = val;
            }
        }
    }
}

/// Load the `numkeys` inputs at `first`; `Err(())` on WRONGTYPE. Missing keys are empty.
fn load_sources(s: &mut Server, db: usize, a: &Argv, first: usize, numkeys: usize, store: bool) -> Result<Vec<Src>, ()> {
    let mut srcs = Vec::with_capacity(numkeys.min(1024));
    for i in first..first + numkeys {
        let entry = if store { s.ks.lookup_write(db, a.get(i)) } else { s.ks.lookup_read(db, a.get(i)) };
        let mut pairs = Vec::new();
        match entry.map(|e| &e.value) {
            None => {}
            Some(Value::ZSet(z)) => z.for_each(&mut |m, score| pairs.push((m.to_vec(), score))),
            Some(Value::Set(set)) => set.for_each(&mut |m| pairs.push((m.to_vec(), 1.0))),
            Some(_) => return Err(()),
        }
        let lookup = pairs.iter().cloned().collect();
        srcs.push(Src { pairs, lookup, weight: 1.0 });
    }
    Ok(srcs)
}

/// WEIGHTS / AGGREGATE / WITHSCORES after the keys.
fn parse_options(a: &Argv, mut j: usize, srcs: &mut [Src], op: Op, store: bool) -> Result<(Aggregate, bool), &'static str> {
    let (mut how, mut withscores) = (Aggregate::Sum, false);
    while j < a.len() {
        let remaining = a.len() - j;
        let word = a.get(j).to_ascii_lowercase();
        if op != Op::Diff && remaining > srcs.len() && word == b"weights" {
            for (k, src) in srcs.iter_mut().enumerate() {
                src.weight = string2d(a.get(j + 1 + k)).ok_or("ERR weight value is not a float")?;
            }
            j += 1 + srcs.len();
        } else if op != Op::Diff && remaining >= 2 && word == b"aggregate" {
            how = match a.get(j + 1).to_ascii_lowercase().as_slice() {
                b"sum" => Aggregate::Sum,
                b"min" => Aggregate::Min,
                b"max" => Aggregate::Max,
                _ => return Err("ERR syntax error"),
            };
            j += 2;
        } else if !store && word == b"withscores" {
            withscores = true;
            j += 1;
        } else {
            return Err("ERR syntax error");
        }
    }
    Ok((how, withscores))
}

fn weighted(score: f64, weight: f64) -> f64 {
    let v = score * weight;
    if v.is_nan() {
        0.0
    } else {
        v
    }
}

fn inter(srcs: &[Src], how: Aggregate) -> BTreeMap<Vec<u8>, f64> {
    let mut out = BTreeMap::new();
    let Some((first, rest)) = srcs.split_first() else { return out };
    'members: for (m, score) in &first.pairs {
        let mut acc = weighted(*score, first.weight);
        for src in rest {
            match src.lookup.get(m) {
                Some(v) => aggregate(&mut acc, v * src.weight, how),
                None => continue 'members,
            }
        }
        out.insert(m.clone(), acc);
    }
    out
}

fn union(srcs: &[Src], how: Aggregate) -> BTreeMap<Vec<u8>, f64> {
    let mut out: BTreeMap<Vec<u8>, f64> = BTreeMap::new();
    for src in srcs {
        for (m, score) in &src.pairs {
            let v = weighted(*score, src.weight);
            match out.get_mut(m) {
                Some(acc) => aggregate(acc, v, how),
                None => {
                    out.insert(m.clone(), v);
                }
            }
        }
    }
    out
}

fn diff(srcs: &[Src]) -> BTreeMap<Vec<u8>, f64> {
    let Some((first, rest)) = srcs.split_first() else { return BTreeMap::new() };
    first.pairs.iter().filter(|(m, _)| rest.iter().all(|s| !s.lookup.contains_key(m))).cloned().collect()
}

/// The result in (score, member) order.
fn compute(mut srcs: Vec<Src>, op: Op, how: Aggregate) -> Vec<(Vec<u8>, f64)> {
    if op != Op::Diff {
        srcs.sort_by_key(|s| s.pairs.len());
    }
    let result = match op {
        Op::Union => union(&srcs, how),
        Op::Inter => inter(&srcs, how),
        Op::Diff => diff(&srcs),
    };
    let mut sorted: Vec<(Vec<u8>, f64)> = result.into_iter().collect();
    sorted.sort_by(|a, b| a.1.partial_cmp(&b.1).unwrap_or(std::cmp::Ordering::Equal).then_with(|| a.0.cmp(&b.0)));
    sorted
}

/// The whole command; `dst` is the destination key's index for the STORE forms.
fn generic(s: &mut Server, c: &mut Client, a: &Argv, dst: Option<usize>, op: Op, name: &str) {
    let numkeys_idx = dst.map_or(1, |d| d + 1);
    let Some(numkeys) = string2l(a.get(numkeys_idx)) else { return c.add_not_integer() };
    if numkeys < 1 {
        return c.add_error(&format!("ERR at least 1 input key is needed for '{name}' command"));
    }
    let first = numkeys_idx + 1;
    let numkeys = match usize::try_from(numkeys) {
        Ok(n) if n <= a.len() - first => n,
        _ => return c.add_syntax_error(),
    };
    let Ok(mut srcs) = load_sources(s, c.db, a, first, numkeys, dst.is_some()) else { return c.add_wrong_type() };
    let (how, withscores) = match parse_options(a, first + numkeys, &mut srcs, op, dst.is_some()) {
        Ok(o) => o,
        Err(e) => return c.add_error(e),
    };
    let sorted = compute(srcs, op, how);
    match dst {
        None => reply_pairs(c, &sorted, withscores),
        Some(d) => {
            let n = sorted.len();
            let z = build_zset(s, sorted);
            store_result(s, c.db, a.get(d), z);
            c.add_int(n as i64);
        }
    }
}

pub fn zunionstore(s: &mut Server, c: &mut Client, a: &Argv, _: &mut Ctx) {
    generic(s, c, a, Some(1), Op::Union, "zunionstore");
}

pub fn zinterstore(s: &mut Server, c: &mut Client, a: &Argv, _: &mut Ctx) {
    generic(s, c, a, Some(1), Op::Inter, "zinterstore");
}

pub fn zdiffstore(s: &mut Server, c: &mut Client, a: &Argv, _: &mut Ctx) {
    generic(s, c, a, Some(1), Op::Diff, "zdiffstore");
}

pub fn zunion(s: &mut Server, c: &mut Client, a: &Argv, _: &mut Ctx) {
    generic(s, c, a, None, Op::Union, "zunion");
}

pub fn zinter(s: &mut Server, c: &mut Client, a: &Argv, _: &mut Ctx) {
    generic(s, c, a, None, Op::Inter, "zinter");
}

pub fn zdiff(s: &mut Server, c: &mut Client, a: &Argv, _: &mut Ctx) {
    generic(s, c, a, None, Op::Diff, "zdiff");
}
