//! The loader's intermediate representation of a value: what a key holds, independent of the
//! encoding it was stored in (a ziplist hash and a hashtable hash load to the same
//! [`LoadedValue::Hash`]). The engine converts it to its own [`Value`]; `keel-check-rdb` and
//! the tests inspect it directly, and compute Redis's `DEBUG DIGEST-VALUE` from it.
//!
//! Invariants after loading: sets, hashes and sorted sets have no duplicate members/fields, no
//! score is NaN, and no aggregate is empty (Redis skips empty keys on load).

use crate::digest;
use crate::object::{Str, Value};
use crate::types::{hash::Hash, list::List, set::Set, stream::Stream, zset::ZSet, TypeLimits};

#[derive(Clone, Debug, PartialEq)]
pub enum LoadedValue {
    Str(Vec<u8>),
    /// Elements head to tail.
    List(Vec<Vec<u8>>),
    Set(Vec<Vec<u8>>),
    Hash(Vec<(Vec<u8>, Vec<u8>)>),
    ZSet(Vec<(Vec<u8>, f64)>),
    /// Streams load straight into the engine's structure (it has no encodings to choose).
    Stream(Box<Stream>),
    /// A value kept in the encoding it was stored in, because it already is what the engine
    /// would build (a small hash or sorted set ziplist; see `LoadOptions::adopt_blobs`).
    Adopted(Value),
}

impl LoadedValue {
    /// The name TYPE reports.
    pub fn type_name(&self) -> &'static str {
        match self {
            LoadedValue::Str(_) => "string",
            LoadedValue::List(_) => "list",
            LoadedValue::Set(_) => "set",
            LoadedValue::Hash(_) => "hash",
            LoadedValue::ZSet(_) => "zset",
            LoadedValue::Stream(_) => "stream",
            LoadedValue::Adopted(v) => v.type_name(),
        }
    }

    /// Number of elements (1 for a string).
    pub fn len(&self) -> usize {
        match self {
            LoadedValue::Str(_) => 1,
            LoadedValue::List(v) | LoadedValue::Set(v) => v.len(),
            LoadedValue::Hash(v) => v.len(),
            LoadedValue::ZSet(v) => v.len(),
            LoadedValue::Stream(v) => v.len(),
            LoadedValue::Adopted(Value::Hash(h)) => h.len(),
            LoadedValue::Adopted(Value::ZSet(z)) => z.len(),
            LoadedValue::Adopted(v) => LoadedValue::from_engine(v).len(),
        }
    }

    /// True for an aggregate with no elements (never for a string or a stream: an empty
    /// stream is a value of its own, kept by Redis).
    pub fn is_empty(&self) -> bool {
        !matches!(self, LoadedValue::Str(_) | LoadedValue::Stream(_)) && self.len() == 0
    }

    /// Apply the value's type digest (Redis's `xorObjectDigest`) to `d`.
    pub fn digest_into(&self, d: &mut [u8; 20]) {
        match self {
            LoadedValue::Str(s) => digest::string_digest(d, s),
            LoadedValue::List(v) => digest::list_digest(d, v.iter().map(|e| e.as_slice())),
            LoadedValue::Set(v) => digest::set_digest(d, v.iter().map(|e| e.as_slice())),
            LoadedValue::Hash(v) => digest::hash_digest(d, v.iter().map(|(f, x)| (f.as_slice(), x.as_slice()))),
            LoadedValue::ZSet(v) => digest::zset_digest(d, v.iter().map(|(m, s)| (m.as_slice(), *s))),
            LoadedValue::Stream(v) => digest::stream_digest(d, v),
            LoadedValue::Adopted(v) => LoadedValue::from_engine(v).digest_into(d),
        }
    }

    /// `DEBUG DIGEST-VALUE` of a key holding this value.
    pub fn digest_hex(&self, has_expire: bool) -> String {
        digest::value_digest(&mut |d| self.digest_into(d), has_expire).to_hex()
    }

    /// The engine's value, for the types the engine has. Strings get the encoding Redis gives
    /// them on load (`tryObjectEncoding`: int, embstr or raw). Other types: `Err(type name)`.
    pub fn into_engine(self) -> Result<Value, &'static str> {
        self.into_engine_with(&TypeLimits::default(), &mut crate::env::Rng::new(0))
    }

    /// The engine's value, with the encoding chosen from `limits` (as Redis converts on load).
    pub fn into_engine_with(self, limits: &TypeLimits, rng: &mut crate::env::Rng) -> Result<Value, &'static str> {
        Ok(match self {
            LoadedValue::Str(s) => Value::Str(Str::from_bytes(&s)),
            LoadedValue::List(v) => Value::List(Box::new(List::from_items(v, limits))),
            LoadedValue::Set(v) => Value::Set(Set::from_items(v, limits)),
            LoadedValue::Hash(v) => Value::Hash(Hash::from_items(v, limits)),
            LoadedValue::ZSet(v) => Value::ZSet(ZSet::from_items(v, limits, rng)),
            LoadedValue::Stream(v) => Value::Stream(v),
            LoadedValue::Adopted(v) => v,
        })
    }

    /// The representation of an engine value (the writer's input).
    pub fn from_engine(value: &Value) -> LoadedValue {
        match value {
            Value::Str(s) => LoadedValue::Str(s.to_bytes().into_owned()),
            Value::List(v) => {
                let mut items = Vec::with_capacity(v.len());
                v.for_each(&mut |e| items.push(e.to_vec()));
                LoadedValue::List(items)
            }
            Value::Set(v) => {
                let mut items = Vec::with_capacity(v.len());
                v.for_each(&mut |e| items.push(e.to_vec()));
                LoadedValue::Set(items)
            }
            Value::Hash(v) => {
                let mut pairs = Vec::with_capacity(v.len());
                v.for_each(&mut |f, x| pairs.push((f.to_vec(), x.to_vec())));
                LoadedValue::Hash(pairs)
            }
            Value::ZSet(v) => {
                let mut pairs = Vec::with_capacity(v.len());
                v.for_each(&mut |m, s| pairs.push((m.to_vec(), s)));
                LoadedValue::ZSet(pairs)
            }
            Value::Stream(v) => LoadedValue::Stream(v.clone()),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn string_digest_matches_redis() {
        // redis-server 7.0.15: SET str:int8 12; DEBUG DIGEST-VALUE str:int8 (all-types fixture).
        assert_eq!(LoadedValue::Str(b"12".to_vec()).digest_hex(false), "655ac46b180ad2f61a3cee25f0b1780fa2ec879a");
    }

    #[test]
    fn strings_convert_with_redis_encodings() {
        assert_eq!(LoadedValue::Str(b"12".to_vec()).into_engine(), Ok(Value::Str(Str::Int(12))));
        let list = LoadedValue::List(vec![b"a".to_vec(), b"b".to_vec()]).into_engine().expect("lists load");
        assert_eq!(list.type_name(), "list");
        assert_eq!(LoadedValue::from_engine(&list), LoadedValue::List(vec![b"a".to_vec(), b"b".to_vec()]));
    }
}
