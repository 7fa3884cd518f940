//! The hash type (`t_hash.c`): a ziplist of alternating field and value entries while the hash
//! is small, a [`Dict`] from field to value once it is not.
//!
//! ```text
//! ziplist:   [zlbytes] [zltail] [zllen] [field1] [value1] [field2] [value2] ... [ff]
//! hashtable: Dict<field, value> hashed with the keyspace's keyed hasher; fields and values up to
//!   22 bytes are stored inside the dict node (`SmallBytes`), so a lookup touches no other memory
//! ```
//! Example: `HSET h a 1` gives the ziplist `[10 00 00 00] [0d 00 00 00] [02 00] [00 01 61]
//! [03 f2] [ff]`: the field `"a"` as a 1-byte string, the value `1` as the immediate `f2`.
//!
//! Invariants:
//! - `Ziplist`: an even number of entries, fields unique; at most
//!   `hash-max-ziplist-entries` pairs and every field and value at most
//!   `hash-max-ziplist-value` bytes (Redis 7.0 checks both on every write, see
//!   [`Hash::try_conversion`] and [`Hash::set`]). Field order is insertion order.
//! - Conversion is one way (ziplist → hashtable), as in Redis; a hash that shrinks again keeps
//!   the hashtable encoding.
//! - Values built by [`Hash::from_items`] (RDB, RESTORE) choose the encoding from the limits
//!   and hash with [`KeyedState::fixed`], because the loader passes no hasher; commands always
//!   pass the keyspace's hasher to the operations that may convert.

use std::borrow::Cow;

use super::TypeLimits;
use crate::bytes::SmallBytes;
use crate::dict::Dict;
use crate::encoding::ziplist::Ziplist;
use crate::env::{KeyedState, Rng};

/// The hashtable encoding: field → value.
pub type HashTable = Dict<SmallBytes, SmallBytes>;

/// A hash value in one of its two encodings.
#[derive(Clone, Debug)]
pub enum Hash {
    Ziplist(Ziplist),
    /// Boxed: the dict is ~100 bytes and would make every `Value` that large.
    Table(Box<HashTable>),
}

impl Default for Hash {
    fn default() -> Self {
        Hash::new()
    }
}

impl Hash {
    /// An empty hash in the ziplist encoding (`createHashObject`).
    pub fn new() -> Hash {
        Hash::Ziplist(Ziplist::new())
    }

    /// Number of field/value pairs.
    pub fn len(&self) -> usize {
        match self {
            Hash::Ziplist(zl) => zl.len() / 2,
            Hash::Table(d) => d.len(),
        }
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// The seeds' encoding name (Redis 7 says `listpack` where the seeds say `ziplist`).
    pub fn encoding_name(&self) -> &'static str {
        match self {
            Hash::Ziplist(_) => "ziplist",
            Hash::Table(_) => "hashtable",
        }
    }

    /// Visit every pair in iteration order (ziplist order, or the dict's bucket order).
    pub fn for_each(&self, f: &mut dyn FnMut(&[u8], &[u8])) {
        match self {
            Hash::Ziplist(zl) => {
                let mut it = zl.iter();
                while let (Some(k), Some(v)) = (it.next(), it.next()) {
                    f(&k.to_vec(), &v.to_vec());
                }
            }
            Hash::Table(d) => d.iter().for_each(|(k, v)| f(k, v)),
        }
    }

    /// Build from loaded pairs, choosing the encoding from `limits` (see the module doc for the
    /// hasher). Duplicate fields keep the last value.
    pub fn from_items(pairs: Vec<(Vec<u8>, Vec<u8>)>, limits: &TypeLimits) -> Hash {
        let hasher = KeyedState::fixed();
        let mut h = Hash::new();
        let long = pairs.iter().any(|(k, v)| k.len().max(v.len()) > limits.hash_max_ziplist_value);
        if long || pairs.len() > limits.hash_max_ziplist_entries {
            h.convert(&hasher, pairs.len());
        }
        for (k, v) in pairs {
            h.set(&k, &v, limits, &hasher);
        }
        h
    }

    /// Keep a ziplist loaded from outside (already walked by [`Ziplist::from_bytes`]) as the
    /// hash, when it is what [`Hash::from_items`] would build from its pairs: an even count, at
    /// most `hash-max-ziplist-entries` pairs, no entry over `hash-max-ziplist-value` bytes,
    /// every entry canonical and no field twice. `None` otherwise; the caller then goes
    /// through the pairs (which converts, or reports the repeated field).
    pub fn adopt_ziplist(zl: Ziplist, limits: &TypeLimits) -> Option<Hash> {
        let n = zl.len();
        if !n.is_multiple_of(2) || n / 2 > limits.hash_max_ziplist_entries {
            return None;
        }
        let mut fields = Vec::with_capacity(n / 2);
        for (i, v) in zl.iter().enumerate() {
            if !v.is_canonical() || v.byte_len() > limits.hash_max_ziplist_value {
                return None;
            }
            if i % 2 == 0 {
                fields.push(v);
            }
        }
        if !crate::encoding::ziplist::all_distinct(&mut fields) {
            return None;
        }
        Some(Hash::Ziplist(zl))
    }

    /// The pairs in iteration order, as owned bytes (HGETALL and friends).
    pub fn pairs(&self) -> Vec<(Vec<u8>, Vec<u8>)> {
        let mut out = Vec::with_capacity(self.len());
        self.for_each(&mut |k, v| out.push((k.to_vec(), v.to_vec())));
        out
    }

    /// Index of `field`'s entry in the ziplist (fields sit at even indexes).
    fn zl_find(zl: &Ziplist, field: &[u8]) -> Option<usize> {
        zl.find(0, field, 1)
    }

    /// The value of `field` (ziplist integers rendered in decimal).
    pub fn get(&self, field: &[u8]) -> Option<Cow<'_, [u8]>> {
        match self {
            Hash::Ziplist(zl) => {
                let i = Hash::zl_find(zl, field)?;
                zl.get(i + 1).map(|v| Cow::Owned(v.to_vec()))
            }
            Hash::Table(d) => d.get(field).map(|v| Cow::Borrowed(&v[..])),
        }
    }

    pub fn contains(&self, field: &[u8]) -> bool {
        match self {
            Hash::Ziplist(zl) => Hash::zl_find(zl, field).is_some(),
            Hash::Table(d) => d.contains_key(field),
        }
    }

    /// `hashTypeTryConversion`: convert to a hashtable if any of `args` (fields and values
    /// about to be written) is longer than `hash-max-ziplist-value`. Called before a write so
    /// the conversion happens even if the write turns out to replace existing values.
    pub fn try_conversion<'a>(&mut self, args: impl Iterator<Item = &'a [u8]>, limits: &TypeLimits, hasher: &KeyedState) {
        if matches!(self, Hash::Ziplist(_)) && args.into_iter().any(|a| a.len() > limits.hash_max_ziplist_value) {
            self.convert(hasher, self.len());
        }
    }

    /// Set `field` to `value` (`hashTypeSet`); true if the field is new. May convert the
    /// encoding: before writing if the field or the value is too long (Redis 7.0.15 checks this
    /// here for HINCRBY/HINCRBYFLOAT), after writing if there are now too many pairs.
    pub fn set(&mut self, field: &[u8], value: &[u8], limits: &TypeLimits, hasher: &KeyedState) -> bool {
        self.try_conversion([field, value].into_iter(), limits, hasher);
        let created = match self {
            Hash::Ziplist(zl) => match Hash::zl_find(zl, field) {
                Some(i) => {
                    zl.replace(i + 1, value);
                    false
                }
                None => {
                    zl.push(field, false);
                    zl.push(value, false);
                    true
                }
            },
            Hash::Table(d) => d.insert(SmallBytes::new(field), SmallBytes::new(value)).is_none(),
        };
        if self.len() > limits.hash_max_ziplist_entries {
            self.convert(hasher, self.len());
        }
        created
    }

    /// Remove `field`; true if it was there (`hashTypeDelete`, which shrinks a sparse table).
    pub fn remove(&mut self, field: &[u8]) -> bool {
        match self {
            Hash::Ziplist(zl) => match Hash::zl_find(zl, field) {
                Some(i) => zl.delete_range(i, 2) == 2,
                None => false,
            },
            Hash::Table(d) => {
                let removed = d.remove(field).is_some();
                if removed {
                    d.try_shrink();
                }
                removed
            }
        }
    }

    /// A random pair (`hashTypeRandomElement`): uniform over the ziplist's pairs, Redis's
    /// fair random key over the table. `None` when empty.
    pub fn random_pair(&self, rng: &mut Rng) -> Option<(Vec<u8>, Vec<u8>)> {
        match self {
            Hash::Ziplist(zl) => {
                let n = self.len() as u64;
                if n == 0 {
                    return None;
                }
                let i = rng.below(n) as usize * 2;
                Some((zl.get(i)?.to_vec(), zl.get(i + 1)?.to_vec()))
            }
            Hash::Table(d) => d.random_entry(rng).map(|(k, v)| (k.to_vec(), v.to_vec())),
        }
    }

    /// One HSCAN step over a hashtable (`None` for a ziplist, which HSCAN returns whole).
    pub fn scan_table(&self, cursor: u64, f: &mut dyn FnMut(&[u8], &[u8])) -> Option<u64> {
        match self {
            Hash::Ziplist(_) => None,
            Hash::Table(d) => Some(d.scan(cursor, |k, v| f(k, v))),
        }
    }

    /// Convert to the hashtable encoding (`hashTypeConvertListpack`); no-op if already there.
    fn convert(&mut self, hasher: &KeyedState, size_hint: usize) {
        let Hash::Ziplist(zl) = self else { return };
        let mut d: HashTable = Dict::new(hasher.clone());
        d.expand(size_hint);
        let mut it = zl.iter();
        while let (Some(k), Some(v)) = (it.next(), it.next()) {
            d.insert(SmallBytes::new(&k.to_vec()), SmallBytes::new(&v.to_vec()));
        }
        *self = Hash::Table(Box::new(d));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn limits() -> TypeLimits {
        TypeLimits::default()
    }

    #[test]
    fn doc_example_bytes_match_the_ziplist() {
        let mut h = Hash::new();
        h.set(b"a", b"1", &limits(), &KeyedState::fixed());
        let Hash::Ziplist(zl) = &h else { panic!("small hash is a ziplist") };
        assert_eq!(zl.as_bytes(), &[0x10, 0, 0, 0, 0x0d, 0, 0, 0, 2, 0, 0, 1, b'a', 3, 0xf2, 0xff]);
    }

    #[test]
    fn ziplist_keeps_insertion_order_and_replaces_in_place() {
        let (l, k) = (limits(), KeyedState::fixed());
        let mut h = Hash::new();
        assert!(h.set(b"b", b"1", &l, &k));
        assert!(h.set(b"a", b"2", &l, &k));
        assert!(!h.set(b"b", b"three", &l, &k));
        assert_eq!(h.pairs(), vec![(b"b".to_vec(), b"three".to_vec()), (b"a".to_vec(), b"2".to_vec())]);
        assert_eq!(h.get(b"b").as_deref(), Some(&b"three"[..]));
        assert!(h.remove(b"b"));
        assert!(!h.remove(b"b"));
        assert_eq!(h.len(), 1);
        assert_eq!(h.encoding_name(), "ziplist");
    }

    #[test]
    fn converts_at_129_pairs_and_at_65_byte_values() {
        let (l, k) = (limits(), KeyedState::fixed());
        let mut h = Hash::new();
        for i in 0..128 {
            h.set(format!("f{i}").as_bytes(), b"v", &l, &k);
        }
        assert_eq!(h.encoding_name(), "ziplist");
        h.set(b"f128", b"v", &l, &k);
        assert_eq!(h.encoding_name(), "hashtable");
        assert_eq!(h.len(), 129);
        assert_eq!(h.get(b"f7").as_deref(), Some(&b"v"[..]));

        let mut h = Hash::new();
        h.set(b"f", &[b'x'; 64], &l, &k);
        assert_eq!(h.encoding_name(), "ziplist");
        h.set(b"f", &[b'x'; 65], &l, &k);
        assert_eq!(h.encoding_name(), "hashtable");
        assert!(h.remove(b"f"));
        assert_eq!(h.encoding_name(), "hashtable");
    }

    #[test]
    fn from_items_picks_the_encoding_from_the_limits() {
        let l = limits();
        let small = Hash::from_items(vec![(b"a".to_vec(), b"1".to_vec())], &l);
        assert_eq!(small.encoding_name(), "ziplist");
        let long = Hash::from_items(vec![(vec![b'f'; 65], b"1".to_vec())], &l);
        assert_eq!(long.encoding_name(), "hashtable");
        let many: Vec<_> = (0..129).map(|i| (format!("{i}").into_bytes(), b"v".to_vec())).collect();
        assert_eq!(Hash::from_items(many, &l).len(), 129);
    }

    #[test]
    fn random_pair_comes_from_the_hash() {
        let (l, k) = (limits(), KeyedState::fixed());
        let mut rng = Rng::new(7);
        for n in [1usize, 5, 200] {
            let mut h = Hash::new();
            for i in 0..n {
                h.set(format!("f{i}").as_bytes(), format!("v{i}").as_bytes(), &l, &k);
            }
            for _ in 0..50 {
                let (f, v) = h.random_pair(&mut rng).expect("non-empty");
                assert_eq!(h.get(&f).as_deref(), Some(&v[..]));
            }
        }
        assert!(Hash::new().random_pair(&mut rng).is_none());
    }
}
