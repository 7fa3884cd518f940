//! Set algebra (`sinterGenericCommand`, `sunionDiffGenericCommand`): SMEMBERS, SINTER,
//! SINTERCARD, SINTERSTORE, SUNION, SUNIONSTORE, SDIFF, SDIFFSTORE.
//!
//! Every source key is looked up (lazy expiry) and type-checked before anything else, so one
//! WRONGTYPE source fails the command; a missing key is an empty set. Results are built the way
//! Redis builds them, which fixes both the reply order where Redis's is deterministic and the
//! encoding of a STORE destination:
//! - SINTER iterates the smallest source (sources stably sorted by cardinality, as glibc's
//!   merge-sort `qsort` leaves equal ones) and keeps members present in all the others;
//! - SUNION and SDIFF add into a fresh intset-first set and reply in its iteration order
//!   (ascending when the result is an intset); SDIFF picks Redis's algorithm 1 (test each
//!   member of the first set) or 2 (add the first set, remove the others) by the same cost
//!   estimate, since algorithm 2 can leave a hashtable encoding behind for a small result.
//!
//! STORE forms replace the destination (any type, TTL cleared) with a non-empty result, or
//! delete it when the result is empty, and reply the result's cardinality.

use super::hash::Conv;
use super::set::get_set;
use super::Ctx;
use crate::object::Value;
use crate::resp::Argv;
use crate::server::client::Client;
use crate::server::Server;
use crate::types::set::Set;
use crate::util::number::string2l;

/// Look every key up; `Err(())` on the first key of another type. Returns, per key, whether
/// it exists.
fn lookup_all(s: &mut Server, db: usize, keys: &[&[u8]]) -> Result<Vec<bool>, ()> {
    keys.iter().map(|k| get_set(&mut s.ks, db, k, true).map(|set| set.is_some())).collect()
}

/// The stored sets of `keys` (`None` for a missing key), after [`lookup_all`].
fn sources<'a>(s: &'a Server, db: usize, keys: &[&[u8]]) -> Vec<Option<&'a Set>> {
    keys.iter().map(|k| super::set::stored_set(&s.ks, db, k)).collect()
}

/// The members of the intersection of `sets` (all present) in Redis's order; stops after
/// `limit` members when `limit > 0`.
fn intersect(sets: &[(&[u8], &Set)], limit: usize) -> Vec<Vec<u8>> {
    let mut sorted: Vec<&(&[u8], &Set)> = sets.iter().collect();
    sorted.sort_by_key(|(_, set)| set.len());
    let Some(((first_key, first), rest)) = sorted.split_first().map(|(f, r)| (**f, r)) else { return Vec::new() };
    let mut out = Vec::new();
    first.for_each(&mut |m| {
        if limit > 0 && out.len() >= limit {
            return;
        }
        if rest.iter().all(|(k, set)| *k == first_key || set.contains(m)) {
            out.push(m.to_vec());
        }
    });
    out
}

/// SUNION of `sets` into a fresh set (missing keys skipped).
fn union(sets: &[Option<&Set>], cv: &Conv) -> Set {
    let mut out = Set::default();
    for set in sets.iter().flatten() {
        set.for_each(&mut |m| {
            out.add(m, &cv.limits, &cv.hasher);
        });
    }
    out
}

/// SDIFF of `sets` (the first minus the others) into a fresh set; `keys` detect a source that
/// is the first key again (the result is then empty).
fn difference(keys: &[&[u8]], sets: &[Option<&Set>], cv: &Conv) -> Set {
    let mut out = Set::default();
    let Some(Some(first)) = sets.first() else { return out };
    if keys.iter().skip(1).any(|k| *k == keys[0]) {
        return out;
    }
    let others: Vec<&Set> = sets.iter().skip(1).flatten().copied().collect();
    let algo_one_work = first.len() * (others.len() + 1) / 2;
    let algo_two_work = first.len() + others.iter().map(|s| s.len()).sum::<usize>();
    if algo_one_work <= algo_two_work {
        let mut others = others;
        // Largest first: more likely to find a common member early.
        others.sort_by_key(|s| std::cmp::Reverse(s.len()));
        first.for_each(&mut |m| {
            if !others.iter().any(|o| o.contains(m)) {
                out.add(m, &cv.limits, &cv.hasher);
            }
        });
        return out;
    }
    first.for_each(&mut |m| {
        out.add(m, &cv.limits, &cv.hasher);
    });
    for other in others {
        if out.is_empty() {
            break;
        }
        other.for_each(&mut |m| {
            out.remove(m);
        });
    }
    out
}

fn reply_members(c: &mut Client, members: &[Vec<u8>]) {
    c.add_set_len(members.len());
    for m in members {
        c.add_bulk(m);
    }
}

/// Store `result` at `dst` (or delete `dst` if it is empty) and reply its cardinality.
fn store(s: &mut Server, c: &mut Client, dst: &[u8], result: Set) {
    let n = result.len();
    if n > 0 {
        s.ks.set_key(c.db, dst, Value::Set(result), false);
        s.ks.dirty += 1;
    } else if s.ks.delete(c.db, dst).is_some() {
        s.ks.dirty += 1;
    }
    c.add_int(n as i64);
}

/// SINTER / SINTERSTORE / SMEMBERS: `dst` selects the STORE form.
fn inter_generic(s: &mut Server, c: &mut Client, keys: &[&[u8]], dst: Option<&[u8]>) {
    let Ok(exists) = lookup_all(s, c.db, keys) else { return c.add_wrong_type() };
    let members = if exists.iter().all(|e| *e) {
        let sets: Vec<(&[u8], &Set)> =
            keys.iter().zip(sources(s, c.db, keys)).filter_map(|(k, set)| set.map(|set| (*k, set))).collect();
        intersect(&sets, 0)
    } else {
        Vec::new()
    };
    let Some(dst) = dst else { return reply_members(c, &members) };
    let cv = Conv::of(s);
    let mut result = Set::default();
    for m in &members {
        result.add(m, &cv.limits, &cv.hasher);
    }
    store(s, c, dst, result);
}

/// SUNION / SDIFF and their STORE forms.
fn union_diff_generic(s: &mut Server, c: &mut Client, keys: &[&[u8]], dst: Option<&[u8]>, diff: bool) {
    if lookup_all(s, c.db, keys).is_err() {
        return c.add_wrong_type();
    }
    let cv = Conv::of(s);
    let sets = sources(s, c.db, keys);
    let result = if diff { difference(keys, &sets, &cv) } else { union(&sets, &cv) };
    match dst {
        None => reply_members(c, &result.members()),
        Some(dst) => store(s, c, dst, result),
    }
}

fn keys_from(a: &Argv, from: usize) -> Vec<&[u8]> {
    a.iter().skip(from).collect()
}

pub fn smembers(s: &mut Server, c: &mut Client, a: &Argv, _: &mut Ctx) {
    inter_generic(s, c, &keys_from(a, 1), None);
}

pub fn sinter(s: &mut Server, c: &mut Client, a: &Argv, _: &mut Ctx) {
    inter_generic(s, c, &keys_from(a, 1), None);
}

pub fn sinterstore(s: &mut Server, c: &mut Client, a: &Argv, _: &mut Ctx) {
    inter_generic(s, c, &keys_from(a, 2), Some(a.get(1)));
}

pub fn sunion(s: &mut Server, c: &mut Client, a: &Argv, _: &mut Ctx) {
    union_diff_generic(s, c, &keys_from(a, 1), None, false);
}

pub fn sunionstore(s: &mut Server, c: &mut Client, a: &Argv, _: &mut Ctx) {
    union_diff_generic(s, c, &keys_from(a, 2), Some(a.get(1)), false);
}

pub fn sdiff(s: &mut Server, c: &mut Client, a: &Argv, _: &mut Ctx) {
    union_diff_generic(s, c, &keys_from(a, 1), None, true);
}

pub fn sdiffstore(s: &mut Server, c: &mut Client, a: &Argv, _: &mut Ctx) {
    union_diff_generic(s, c, &keys_from(a, 2), Some(a.get(1)), true);
}

/// SINTERCARD numkeys key [key ...] [LIMIT limit]: the intersection's cardinality, counting
/// stops at `limit` (0 = no limit).
pub fn sintercard(s: &mut Server, c: &mut Client, a: &Argv, _: &mut Ctx) {
    let numkeys = match string2l(a.get(1)) {
        Some(n) if n >= 1 => n as u64,
        _ => return c.add_error("ERR numkeys should be greater than 0"),
    };
    if numkeys > (a.len() - 2) as u64 {
        return c.add_error("ERR Number of keys can't be greater than number of args");
    }
    let end = 2 + numkeys as usize;
    let mut limit = 0usize;
    let mut i = end;
    while i < a.len() {
        if a.get(i).eq_ignore_ascii_case(b"limit") && i + 1 < a.len() {
            match string2l(a.get(i + 1)) {
                Some(n) if n >= 0 => limit = usize::try_from(n).unwrap_or(usize::MAX),
                _ => return c.add_error("ERR LIMIT can't be negative"),
            }
            i += 2;
        } else {
            return c.add_syntax_error();
        }
    }
    let keys: Vec<&[u8]> = (2..end).map(|i| a.get(i)).collect();
    let Ok(exists) = lookup_all(s, c.db, &keys) else { return c.add_wrong_type() };
    if !exists.iter().all(|e| *e) {
        return c.add_int(0);
    }
    let sets: Vec<(&[u8], &Set)> =
        keys.iter().zip(sources(s, c.db, &keys)).filter_map(|(k, set)| set.map(|set| (*k, set))).collect();
    c.add_int(intersect(&sets, limit).len() as i64);
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::env::KeyedState;
    use crate::types::TypeLimits;

    fn conv() -> Conv {
        Conv { limits: TypeLimits::default(), hasher: KeyedState::fixed() }
    }

    fn set_of(members: &[&[u8]]) -> Set {
        let cv = conv();
        let mut set = Set::for_first_member(members[0], &cv.hasher);
        for m in members {
            set.add(m, &cv.limits, &cv.hasher);
        }
        set
    }

    #[test]
    fn intersection_iterates_the_smallest_set() {
        let (a, b) = (set_of(&[b"3", b"1", b"2", b"9"]), set_of(&[b"2", b"3"]));
        let got = intersect(&[(b"a", &a), (b"b", &b)], 0);
        assert_eq!(got, vec![b"2".to_vec(), b"3".to_vec()]);
        assert_eq!(intersect(&[(b"a", &a), (b"b", &b)], 1).len(), 1);
    }

    #[test]
    fn difference_with_itself_is_empty_and_union_sorts_intsets() {
        let (a, b) = (set_of(&[b"5", b"1"]), set_of(&[b"1", b"x"]));
        let cv = conv();
        assert!(difference(&[b"a", b"a"], &[Some(&a), Some(&a)], &cv).is_empty());
        assert_eq!(difference(&[b"a", b"b"], &[Some(&a), Some(&b)], &cv).members(), vec![b"5".to_vec()]);
        let u = union(&[Some(&a), None, Some(&set_of(&[b"3"]))], &cv);
        assert_eq!(u.members(), vec![b"1".to_vec(), b"3".to_vec(), b"5".to_vec()]);
        assert_eq!(u.encoding_name(), "intset");
    }
}
