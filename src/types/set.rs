//! The set type (`t_set.c`): an intset while every member is an integer and the set is small,
//! a [`Dict`] of members (with `()` values) otherwise.
//!
//! ```text
//! intset:    <encoding u32> <length u32> <sorted i16/i32/i64 values>   e.g. SADD s 3 1 2 →
//!            02 00 00 00 03 00 00 00 01 00 02 00 03 00
//! hashtable: Dict<member, ()> hashed with the keyspace's keyed hasher
//! ```
//!
//! Invariants:
//! - `Intset` holds only members that are canonical integers (`string2ll`: no `+`, no leading
//!   zeros, no `-0`) and at most `set-max-intset-entries` of them; its iteration order is
//!   ascending, which is what SMEMBERS, SUNION and SDIFF reply for such sets in Redis too.
//! - Conversion is one way (intset → hashtable, `setTypeConvert`), triggered by adding a
//!   non-integer member or by exceeding the entry limit.
//! - [`Set::from_items`] (RDB, RESTORE) hashes with [`KeyedState::fixed`]: the loader passes no
//!   hasher. Commands pass the keyspace's hasher to every operation that may convert.

use super::TypeLimits;
use crate::bytes::SmallBytes;
use crate::dict::Dict;
use crate::encoding::intset::Intset;
use crate::env::{KeyedState, Rng};
use crate::util::number::{ll2vec, string2ll};

/// The hashtable encoding: member → nothing.
/// Members are [`SmallBytes`]: up to 22 bytes inline in the dict node (a 40-byte node per
/// member, like Redis's 24-byte dictEntry plus a 16-byte sds), longer ones boxed.
pub type SetTable = Dict<SmallBytes, ()>;

/// A set value in one of its two encodings.
#[derive(Clone, Debug)]
pub enum Set {
    Intset(Intset),
    /// Boxed: the dict is ~100 bytes and would make every `Value` that large.
    Table(Box<SetTable>),
}

impl Default for Set {
    fn default() -> Self {
        Set::Intset(Intset::new())
    }
}

impl Set {
    /// An empty set in the encoding Redis would pick for its first member `first`
    /// (`setTypeCreate`): an intset if it is an integer, else a hashtable.
    pub fn for_first_member(first: &[u8], hasher: &KeyedState) -> Set {
        if string2ll(first).is_some() {
            Set::Intset(Intset::new())
        } else {
            Set::Table(Box::new(Dict::new(hasher.clone())))
        }
    }

    pub fn len(&self) -> usize {
        match self {
            Set::Intset(is) => is.len(),
            Set::Table(d) => d.len(),
        }
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    pub fn encoding_name(&self) -> &'static str {
        match self {
            Set::Intset(_) => "intset",
            Set::Table(_) => "hashtable",
        }
    }

    /// Visit every member in iteration order (ascending for an intset).
    pub fn for_each(&self, f: &mut dyn FnMut(&[u8])) {
        match self {
            Set::Intset(is) => is.iter().for_each(|v| f(&ll2vec(v))),
            Set::Table(d) => d.keys().for_each(|k| f(k)),
        }
    }

    /// Build from loaded members, choosing the encoding from `limits` (duplicates collapse).
    pub fn from_items(items: Vec<Vec<u8>>, limits: &TypeLimits) -> Set {
        let hasher = KeyedState::fixed();
        let all_ints = items.iter().all(|m| string2ll(m).is_some());
        let mut set = if all_ints && items.len() <= limits.set_max_intset_entries {
            Set::Intset(Intset::new())
        } else {
            let mut d: SetTable = Dict::new(hasher.clone());
            d.expand(items.len());
            Set::Table(Box::new(d))
        };
        for m in &items {
            set.add(m, limits, &hasher);
        }
        set
    }

    /// The members in iteration order.
    pub fn members(&self) -> Vec<Vec<u8>> {
        let mut out = Vec::with_capacity(self.len());
        self.for_each(&mut |m| out.push(m.to_vec()));
        out
    }

    pub fn contains(&self, member: &[u8]) -> bool {
        match self {
            Set::Intset(is) => string2ll(member).is_some_and(|v| is.contains(v)),
            Set::Table(d) => d.contains_key(member),
        }
    }

    /// Add `member`; true if it was not there (`setTypeAdd`). May convert the encoding: a
    /// non-integer member, or an intset grown past `set-max-intset-entries`.
    pub fn add(&mut self, member: &[u8], limits: &TypeLimits, hasher: &KeyedState) -> bool {
        if let Set::Intset(is) = self {
            match string2ll(member) {
                Some(v) => {
                    if !is.add(v) {
                        return false;
                    }
                    if is.len() > limits.set_max_intset_entries {
                        self.convert(hasher);
                    }
                    return true;
                }
                None => self.convert(hasher),
            }
        }
        match self {
            Set::Table(d) => d.insert(SmallBytes::new(member), ()).is_none(),
            Set::Intset(_) => false,
        }
    }

    /// Remove `member`; true if it was there (`setTypeRemove`, which shrinks a sparse table).
    pub fn remove(&mut self, member: &[u8]) -> bool {
        match self {
            Set::Intset(is) => string2ll(member).is_some_and(|v| is.remove(v)),
            Set::Table(d) => {
                let removed = d.remove(member).is_some();
                if removed {
                    d.try_shrink();
                }
                removed
            }
        }
    }

    /// A random member (`setTypeRandomElement`): uniform over an intset, Redis's fair random
    /// key over a table. `None` when empty.
    pub fn random(&self, rng: &mut Rng) -> Option<Vec<u8>> {
        match self {
            Set::Intset(is) => is.random(rng).map(ll2vec),
            Set::Table(d) => d.random_key(rng).map(|k| k.to_vec()),
        }
    }

    /// One SSCAN step over a hashtable (`None` for an intset, which SSCAN returns whole).
    pub fn scan_table(&self, cursor: u64, f: &mut dyn FnMut(&[u8])) -> Option<u64> {
        match self {
            Set::Intset(_) => None,
            Set::Table(d) => Some(d.scan(cursor, |k, _| f(k))),
        }
    }

    /// Convert an intset to a hashtable; no-op if already one.
    fn convert(&mut self, hasher: &KeyedState) {
        let Set::Intset(is) = self else { return };
        let mut d: SetTable = Dict::new(hasher.clone());
        d.expand(is.len());
        for v in is.iter() {
            d.insert(SmallBytes::from(ll2vec(v)), ());
        }
        *self = Set::Table(Box::new(d));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn add_all(set: &mut Set, members: &[&[u8]]) -> usize {
        let (l, k) = (TypeLimits::default(), KeyedState::fixed());
        members.iter().filter(|m| set.add(m, &l, &k)).count()
    }

    #[test]
    fn doc_example_bytes_match_the_intset() {
        let mut s = Set::for_first_member(b"3", &KeyedState::fixed());
        add_all(&mut s, &[b"3", b"1", b"2"]);
        let Set::Intset(is) = &s else { panic!("integers make an intset") };
        assert_eq!(is.as_bytes(), &[2, 0, 0, 0, 3, 0, 0, 0, 1, 0, 2, 0, 3, 0]);
    }

    #[test]
    fn non_canonical_integers_are_strings() {
        let mut s = Set::for_first_member(b"1", &KeyedState::fixed());
        assert_eq!(add_all(&mut s, &[b"1", b"2", b"1"]), 2);
        assert_eq!(s.encoding_name(), "intset");
        assert!(s.contains(b"2") && !s.contains(b"02") && !s.contains(b"x"));
        assert_eq!(add_all(&mut s, &[b"007"]), 1);
        assert_eq!(s.encoding_name(), "hashtable");
        assert!(s.contains(b"007") && s.contains(b"2"));
        assert_eq!(Set::for_first_member(b"-0", &KeyedState::fixed()).encoding_name(), "hashtable");
    }

    #[test]
    fn converts_past_512_integers_and_never_back() {
        let (l, k) = (TypeLimits::default(), KeyedState::fixed());
        let mut s = Set::default();
        for i in 0..512 {
            s.add(i.to_string().as_bytes(), &l, &k);
        }
        assert_eq!(s.encoding_name(), "intset");
        s.add(b"512", &l, &k);
        assert_eq!(s.encoding_name(), "hashtable");
        assert_eq!(s.len(), 513);
        for i in 0..500 {
            assert!(s.remove(i.to_string().as_bytes()));
        }
        assert_eq!(s.encoding_name(), "hashtable");
        assert_eq!(s.len(), 13);
    }

    #[test]
    fn from_items_and_members_agree() {
        let l = TypeLimits::default();
        let s = Set::from_items(vec![b"5".to_vec(), b"-1".to_vec()], &l);
        assert_eq!(s.members(), vec![b"-1".to_vec(), b"5".to_vec()]);
        let s = Set::from_items(vec![b"a".to_vec(), b"1".to_vec()], &l);
        assert_eq!(s.encoding_name(), "hashtable");
        let mut m = s.members();
        m.sort();
        assert_eq!(m, vec![b"1".to_vec(), b"a".to_vec()]);
    }

    #[test]
    fn random_member_belongs() {
        let mut rng = Rng::new(3);
        for first in [&b"1"[..], b"x"] {
            let mut s = Set::for_first_member(first, &KeyedState::fixed());
            add_all(&mut s, &[first, b"2", b"3"]);
            for _ in 0..30 {
                assert!(s.contains(&s.random(&mut rng).expect("non-empty")));
            }
        }
    }
}
