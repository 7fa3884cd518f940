//! SORT and SORT_RO (`sort.c` `sortCommandGeneric`, Redis 7.0) over lists, sets and sorted
//! sets.
//!
//! `SORT key [BY pattern] [LIMIT offset count] [GET pattern …] [ASC|DESC] [ALPHA]
//! [STORE destination]`; SORT_RO takes the same options but STORE (a syntax error there).
//!
//! Semantics, in Redis's order:
//! 1. options are parsed left to right (a bad LIMIT number answers "value is not an
//!    integer"); a BY pattern without `*` means "don't sort" and stays so even if a later BY
//!    has a `*`;
//! 2. the key is looked up for reading: missing = empty, another type = WRONGTYPE; a sorted
//!    set in the ziplist encoding is converted to a skiplist, destructively (Redis's
//!    `zsetConvert` in SORT, SORT_RO included);
//! 3. a set with "don't sort" and STORE is sorted ALPHA without BY instead, so the stored list
//!    and its replay are deterministic;
//! 4. "don't sort" keeps the native order: a list's (reversed by DESC), a sorted set's rank
//!    order (reversed by DESC), a set's iteration order (DESC ignored);
//! 5. otherwise every element gets a weight — itself or its BY lookup — numeric by default
//!    (`strtod`, see `sort_pattern`; a missing BY value weighs 0; equal weights fall back
//!    to comparing the elements as bytes) or ALPHA (bytes; a missing BY value sorts first;
//!    without STORE Redis compares with `strcoll`, which in the C locale Keel assumes is
//!    `strcmp` and ends at a NUL byte). The sort is stable, as glibc's `qsort` (a merge sort)
//!    is; Redis's `pqsort` for BY + LIMIT is not, so ALPHA BY ties under LIMIT may come out
//!    in another order there;
//! 6. LIMIT clamps as 7.0 does (offset < 0 = 0; count < 0 = all); any element that is not a
//!    number in a numeric sort makes the reply "One or more scores can't be converted into
//!    double", and nothing is stored;
//! 7. the output is the elements, or for each element one value per GET (`#` = the element,
//!    nil when missing); STORE writes it as a list (missing GET values as empty strings),
//!    replacing the destination and its TTL, or deletes the destination when the output is
//!    empty, and replies the output length.
//!
//! Effects: SORT … STORE propagates as itself (its result depends only on the keyspace);
//! SORT without STORE and SORT_RO change nothing.

use std::cmp::Ordering;

use super::sort_pattern::{lookup_by_pattern, sort_weight};
use super::Ctx;
use crate::object::Value;
use crate::resp::Argv;
use crate::server::client::Client;
use crate::server::Server;
use crate::types::list::List;
use crate::types::zset::{ZEnv, ZSet};
use crate::types::TypeLimits;
use crate::util::number::string2l;

const ERR_NOT_DOUBLE: &str = "ERR One or more scores can't be converted into double";

/// The parsed options.
struct SortSpec<'a> {
    desc: bool,
    alpha: bool,
    limit_start: i64,
    limit_count: i64,
    store: Option<&'a [u8]>,
    by: Option<&'a [u8]>,
    dontsort: bool,
    gets: Vec<&'a [u8]>,
}

/// One element and its weight.
struct Item {
    elem: Vec<u8>,
    score: f64,
    /// The BY value of an ALPHA sort (`None`: missing, sorts first).
    cmp: Option<Vec<u8>>,
}

pub fn sort(s: &mut Server, c: &mut Client, a: &Argv, _: &mut Ctx) {
    sort_generic(s, c, a, false);
}

pub fn sort_ro(s: &mut Server, c: &mut Client, a: &Argv, _: &mut Ctx) {
    sort_generic(s, c, a, true);
}

/// The options loop of `sortCommandGeneric`.
fn parse(a: &Argv, readonly: bool) -> Result<SortSpec<'_>, &'static str> {
    let mut spec = SortSpec { desc: false, alpha: false, limit_start: 0, limit_count: -1, store: None, by: None, dontsort: false, gets: Vec::new() };
    let mut j = 2;
    while j < a.len() {
        let left = a.len() - j - 1;
        let opt = a.get(j).to_ascii_lowercase();
        match opt.as_slice() {
            b"asc" => spec.desc = false,
            b"desc" => spec.desc = true,
            b"alpha" => spec.alpha = true,
            b"limit" if left >= 2 => {
                let not_int = "ERR value is not an integer or out of range";
                spec.limit_start = string2l(a.get(j + 1)).ok_or(not_int)?;
                spec.limit_count = string2l(a.get(j + 2)).ok_or(not_int)?;
                j += 2;
            }
            b"store" if left >= 1 && !readonly => {
                spec.store = Some(a.get(j + 1));
                j += 1;
            }
            b"by" if left >= 1 => {
                spec.by = Some(a.get(j + 1));
                if !a.get(j + 1).contains(&b'*') {
                    spec.dontsort = true;
                }
                j += 1;
            }
            b"get" if left >= 1 => {
                spec.gets.push(a.get(j + 1));
                j += 1;
            }
            _ => return Err("ERR syntax error"),
        }
        j += 1;
    }
    Ok(spec)
}

fn sort_generic(s: &mut Server, c: &mut Client, a: &Argv, readonly: bool) {
    let mut spec = match parse(a, readonly) {
        Ok(spec) => spec,
        Err(e) => return c.add_error(e),
    };
    let Ok(elems) = load(s, c.db, a.get(1), &mut spec) else { return c.add_wrong_type() };
    let (start, n) = window(spec.limit_start, spec.limit_count, elems.len());
    let mut items: Vec<Item> = elems.into_iter().map(|elem| Item { elem, score: 0.0, cmp: None }).collect();
    if !spec.dontsort {
        if !weigh(s, c.db, &spec, &mut items) {
            return c.add_error(ERR_NOT_DOUBLE);
        }
        let store = spec.store.is_some();
        items.sort_by(|x, y| {
            let o = compare(x, y, &spec, store);
            if spec.desc {
                o.reverse()
            } else {
                o
            }
        });
    }
    let chosen = &items[start..start + n];
    match spec.store {
        None => reply(s, c, &spec, chosen),
        Some(dst) => store(s, c, &spec, chosen, dst),
    }
}

/// The elements to sort, in the order "don't sort" keeps (step 4 of the module doc);
/// `Err` on WRONGTYPE. Applies step 3 (a set stored without sorting is sorted ALPHA) and
/// converts a ziplist sorted set to a skiplist.
fn load(s: &mut Server, db: usize, key: &[u8], spec: &mut SortSpec<'_>) -> Result<Vec<Vec<u8>>, ()> {
    let is_set = match s.ks.lookup_read(db, key).map(|e| &e.value) {
        None => return Ok(Vec::new()),
        Some(Value::List(_) | Value::ZSet(_)) => false,
        Some(Value::Set(_)) => true,
        Some(_) => return Err(()),
    };
    if spec.dontsort && is_set && spec.store.is_some() {
        (spec.dontsort, spec.alpha, spec.by) = (false, true, None);
    }
    convert_zset(s, db, key);
    let (desc, dontsort) = (spec.desc, spec.dontsort);
    Ok(match s.ks.dbs[db].dict.get(key).map(|e| &e.value) {
        Some(Value::List(l)) if dontsort && desc => l.iter_rev().collect(),
        Some(Value::List(l)) => l.iter().collect(),
        Some(Value::Set(set)) => set.members(),
        Some(Value::ZSet(z)) => z.all_ranks().map_or_else(Vec::new, |r| z.pairs_by_rank(r, dontsort && desc)).into_iter().map(|(m, _)| m).collect(),
        _ => Vec::new(),
    })
}

/// `zsetConvert(sortval, OBJ_ENCODING_SKIPLIST)`: SORT leaves a sorted set as a skiplist.
fn convert_zset(s: &mut Server, db: usize, key: &[u8]) {
    let hasher = s.ks.hasher().clone();
    let limits = TypeLimits::from_config(&s.config);
    let ks = &mut s.ks;
    if let Some(Value::ZSet(z)) = ks.dbs[db].dict.get_mut(key).map(|e| &mut e.value) {
        if matches!(z, ZSet::Ziplist(_)) {
            z.convert(&mut ZEnv { limits, rng: &mut ks.rng, hasher: &hasher });
        }
    }
}

/// LIMIT as Redis 7.0 clamps it: `(first index, number of elements)` of a vector of `len`.
fn window(limit_start: i64, limit_count: i64, len: usize) -> (usize, usize) {
    let len = i64::try_from(len).unwrap_or(i64::MAX);
    let mut start = limit_start.max(0).min(len);
    let count = limit_count.max(-1).min(len);
    let mut end = if count < 0 { len - 1 } else { start + count - 1 };
    if start >= len {
        start = len - 1;
        end = len - 2;
    }
    if end >= len {
        end = len - 1;
    }
    let n = (end - start + 1).max(0);
    (usize::try_from(start.max(0)).unwrap_or(0), usize::try_from(n).unwrap_or(0))
}

/// Give every item its weight (step 5); false if a numeric weight is not a number. Every
/// BY lookup is made, as Redis makes them all before it reports the error.
fn weigh(s: &mut Server, db: usize, spec: &SortSpec<'_>, items: &mut [Item]) -> bool {
    let mut ok = true;
    for item in items.iter_mut() {
        let by_value = match spec.by {
            Some(pattern) => match lookup_by_pattern(s, db, pattern, &item.elem) {
                Some(v) => Some(v),
                None => continue,
            },
            None => None,
        };
        if spec.alpha {
            item.cmp = by_value;
        } else {
            match sort_weight(by_value.as_deref().unwrap_or(&item.elem)) {
                Some(w) => item.score = w,
                None => ok = false,
            }
        }
    }
    ok
}

/// `sortCompare` without the DESC flip.
fn compare(x: &Item, y: &Item, spec: &SortSpec<'_>, store: bool) -> Ordering {
    let text = |a: &[u8], b: &[u8]| if store { a.cmp(b) } else { c_string(a).cmp(c_string(b)) };
    if !spec.alpha {
        return x.score.partial_cmp(&y.score).filter(|o| o.is_ne()).unwrap_or_else(|| x.elem.cmp(&y.elem));
    }
    if spec.by.is_some() {
        return match (&x.cmp, &y.cmp) {
            (None, None) => Ordering::Equal,
            (None, Some(_)) => Ordering::Less,
            (Some(_), None) => Ordering::Greater,
            (Some(a), Some(b)) => text(a, b),
        };
    }
    text(&x.elem, &y.elem)
}

/// The bytes `strcoll` sees: up to the first NUL.
fn c_string(b: &[u8]) -> &[u8] {
    &b[..b.iter().position(|&x| x == 0).unwrap_or(b.len())]
}

/// The output without STORE: the elements, or one value per GET for each.
fn reply(s: &mut Server, c: &mut Client, spec: &SortSpec<'_>, chosen: &[Item]) {
    let per = spec.gets.len().max(1);
    c.add_array_len(chosen.len() * per);
    for item in chosen {
        if spec.gets.is_empty() {
            c.add_bulk(&item.elem);
        }
        for pattern in &spec.gets {
            let v = lookup_by_pattern(s, c.db, pattern, &item.elem);
            c.add_bulk_or_null(v.as_deref());
        }
    }
}

/// STORE: replace `dst` with the output as a list, or delete it when the output is empty.
fn store(s: &mut Server, c: &mut Client, spec: &SortSpec<'_>, chosen: &[Item], dst: &[u8]) {
    let mut out = Vec::with_capacity(chosen.len() * spec.gets.len().max(1));
    for item in chosen {
        if spec.gets.is_empty() {
            out.push(item.elem.clone());
        }
        for pattern in &spec.gets {
            out.push(lookup_by_pattern(s, c.db, pattern, &item.elem).unwrap_or_default());
        }
    }
    let n = out.len();
    if n > 0 {
        let list = List::from_items(out, &TypeLimits::from_config(&s.config));
        s.ks.set_key(c.db, dst, Value::List(Box::new(list)), false);
        s.blocked.signal(c.db, dst);
        s.ks.dirty += n as u64;
    } else if s.ks.delete(c.db, dst).is_some() {
        s.ks.dirty += 1;
    }
    c.add_int(n as i64);
}

#[cfg(test)]
mod tests {
    use super::window;

    #[test]
    fn limit_clamps_like_redis_7_0() {
        assert_eq!(window(0, -1, 5), (0, 5));
        assert_eq!(window(1, 2, 5), (1, 2));
        assert_eq!(window(-3, 2, 5), (0, 2));
        assert_eq!(window(4, 10, 5), (4, 1));
        assert_eq!(window(5, 1, 5), (4, 0), "an offset past the end selects nothing");
        assert_eq!(window(1, 0, 5), (1, 0));
        assert_eq!(window(0, -1, 0), (0, 0));
        assert_eq!(window(1, i64::MAX, 3), (1, 2), "no overflow");
        assert_eq!(window(i64::MAX, i64::MAX, 3), (2, 0));
    }
}
