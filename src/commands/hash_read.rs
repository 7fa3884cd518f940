//! Read-only hash commands (`t_hash.c`): HGET, HMGET, HLEN, HSTRLEN, HEXISTS, HGETALL, HKEYS,
//! HVALS. A missing key reads as an empty hash; another type answers WRONGTYPE. Replies list
//! pairs in the hash's iteration order: insertion order for a ziplist (as Redis's listpack),
//! the dict's bucket order for a hashtable (which differs from Redis's, whose hash function
//! differs; clients must not rely on it).

use super::hash::get_hash;
use super::Ctx;
use crate::resp::Argv;
use crate::server::client::Client;
use crate::server::Server;
use crate::types::hash::Hash;

/// Run `f` on the hash at `key` (`None` if missing), or answer WRONGTYPE.
fn with_hash(s: &mut Server, c: &mut Client, key: &[u8], f: impl FnOnce(&mut Client, Option<&Hash>)) {
    match get_hash(&mut s.ks, c.db, key, true) {
        Err(()) => c.add_wrong_type(),
        Ok(h) => f(c, h.map(|h| &*h)),
    }
}

pub fn hget(s: &mut Server, c: &mut Client, a: &Argv, _: &mut Ctx) {
    with_hash(s, c, a.get(1), |c, h| c.add_bulk_or_null(h.and_then(|h| h.get(a.get(2))).as_deref()));
}

pub fn hmget(s: &mut Server, c: &mut Client, a: &Argv, _: &mut Ctx) {
    with_hash(s, c, a.get(1), |c, h| {
        c.add_array_len(a.len() - 2);
        for field in a.iter().skip(2) {
            c.add_bulk_or_null(h.and_then(|h| h.get(field)).as_deref());
        }
    });
}

pub fn hlen(s: &mut Server, c: &mut Client, a: &Argv, _: &mut Ctx) {
    with_hash(s, c, a.get(1), |c, h| c.add_int(h.map_or(0, Hash::len) as i64));
}

pub fn hstrlen(s: &mut Server, c: &mut Client, a: &Argv, _: &mut Ctx) {
    with_hash(s, c, a.get(1), |c, h| c.add_int(h.and_then(|h| h.get(a.get(2))).map_or(0, |v| v.len()) as i64));
}

pub fn hexists(s: &mut Server, c: &mut Client, a: &Argv, _: &mut Ctx) {
    with_hash(s, c, a.get(1), |c, h| c.add_int(i64::from(h.is_some_and(|h| h.contains(a.get(2))))));
}

/// Which parts of each pair `genericHgetallCommand` replies.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Parts {
    Fields,
    Values,
    Both,
}

fn getall(s: &mut Server, c: &mut Client, key: &[u8], parts: Parts) {
    with_hash(s, c, key, |c, h| {
        let pairs = h.map(Hash::pairs).unwrap_or_default();
        if parts == Parts::Both {
            c.add_map_len(pairs.len());
        } else {
            c.add_array_len(pairs.len());
        }
        for (f, v) in &pairs {
            if parts != Parts::Values {
                c.add_bulk(f);
            }
            if parts != Parts::Fields {
                c.add_bulk(v);
            }
        }
    });
}

pub fn hgetall(s: &mut Server, c: &mut Client, a: &Argv, _: &mut Ctx) {
    getall(s, c, a.get(1), Parts::Both);
}

pub fn hkeys(s: &mut Server, c: &mut Client, a: &Argv, _: &mut Ctx) {
    getall(s, c, a.get(1), Parts::Fields);
}

pub fn hvals(s: &mut Server, c: &mut Client, a: &Argv, _: &mut Ctx) {
    getall(s, c, a.get(1), Parts::Values);
}
