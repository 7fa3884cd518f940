//! Values stored in the keyspace (Redis's `robj`), with the seeds' encodings.
//!
//! Strings have three encodings, reported by `OBJECT ENCODING` as Redis does:
//! - `int`: the value is the canonical decimal text of an `i64` of at most 20 characters
//!   (`tryObjectEncoding`), stored as the number;
//! - `embstr`: at most 44 bytes (`OBJ_ENCODING_EMBSTR_SIZE_LIMIT`), immutable;
//! - `raw`: longer strings, and every string modified in place (APPEND, SETRANGE).
//!
//! Every key's value has an `lru` field (kept in the keyspace's key, see [`Stored`]): Redis's 24-bit LRU clock (seconds) or, under an LFU policy, 16
//! bits of minutes since the last decrement and an 8-bit logarithmic counter.

use crate::bytes::SmallBytes;
use crate::util::number::string2ll;

/// Strings longer than this are `raw` rather than `embstr`.
pub const EMBSTR_SIZE_LIMIT: usize = 44;

/// A string value. 24 bytes: short values live inline (see `crate::bytes`).
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Str {
    /// `int` encoding.
    Int(i64),
    /// As set: `embstr` up to [`EMBSTR_SIZE_LIMIT`] bytes, `raw` beyond.
    Bytes(SmallBytes),
    /// Modified in place (APPEND, SETRANGE): always `raw`. Boxed so the common variants
    /// keep `Str` at 24 bytes.
    Mutable(Box<Vec<u8>>),
}

impl Str {
    /// The encoding Redis would choose for a freshly set value (`tryObjectEncoding`).
    pub fn from_bytes(bytes: &[u8]) -> Str {
        if bytes.len() <= 20 {
            if let Some(n) = string2ll(bytes) {
                return Str::Int(n);
            }
        }
        Str::Bytes(SmallBytes::new(bytes))
    }

    /// A string stored as given, never as an int (INCRBYFLOAT's result, as Redis stores it).
    pub fn from_bytes_no_int(bytes: &[u8]) -> Str {
        Str::Bytes(SmallBytes::new(bytes))
    }

    /// A value created by an in-place modification (always `raw`).
    pub fn raw(bytes: Vec<u8>) -> Str {
        Str::Mutable(Box::new(bytes))
    }

    pub fn len(&self) -> usize {
        match self {
            Str::Int(n) => decimal_len(*n),
            Str::Bytes(b) => b.len(),
            Str::Mutable(v) => v.len(),
        }
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// The bytes of a non-int string.
    pub fn bytes(&self) -> Option<&[u8]> {
        match self {
            Str::Int(_) => None,
            Str::Bytes(b) => Some(b),
            Str::Mutable(v) => Some(v),
        }
    }

    /// The string's bytes (an `int` is rendered in decimal).
    pub fn to_bytes(&self) -> std::borrow::Cow<'_, [u8]> {
        match self {
            Str::Int(n) => std::borrow::Cow::Owned(n.to_string().into_bytes()),
            Str::Bytes(b) => std::borrow::Cow::Borrowed(b),
            Str::Mutable(v) => std::borrow::Cow::Borrowed(v),
        }
    }

    /// The value as an integer, as `getLongLongFromObject` sees it.
    pub fn as_int(&self) -> Option<i64> {
        match self {
            Str::Int(n) => Some(*n),
            other => other.bytes().and_then(string2ll),
        }
    }

    pub fn encoding_name(&self) -> &'static str {
        match self {
            Str::Int(_) => "int",
            Str::Bytes(b) if b.len() <= EMBSTR_SIZE_LIMIT => "embstr",
            Str::Bytes(_) | Str::Mutable(_) => "raw",
        }
    }

    /// Make the value modifiable in place and return its buffer (`dbUnshareStringValue`).
    pub fn make_raw(&mut self) -> &mut Vec<u8> {
        if !matches!(self, Str::Mutable(_)) {
            *self = Str::raw(self.to_bytes().into_owned());
        }
        match self {
            Str::Mutable(v) => v,
            _ => unreachable!("converted to Mutable above"),
        }
    }
}

fn decimal_len(n: i64) -> usize {
    let mut len = if n < 0 { 2 } else { 1 };
    let mut v = n.unsigned_abs();
    while v >= 10 {
        v /= 10;
        len += 1;
    }
    len
}

/// A value of any type, 24 bytes (as small as a string: most keys hold strings, and every
/// keyspace entry pays for the largest variant). Hashes, sets and sorted sets are 16-byte
/// enums stored inline — their compact encodings are one exact-size blob behind a pointer, so
/// a small hash costs its dict node and its blob, like Redis's robj and listpack; a list is
/// boxed.
#[derive(Clone, Debug)]
pub enum Value {
    Str(Str),
    List(Box<List>),
    Hash(Hash),
    Set(Set),
    ZSet(ZSet),
    Stream(Box<Stream>),
}

impl Value {
    /// The name TYPE reports.
    pub fn type_name(&self) -> &'static str {
        match self {
            Value::Str(_) => "string",
            Value::List(_) => "list",
            Value::Hash(_) => "hash",
            Value::Set(_) => "set",
            Value::ZSet(_) => "zset",
            Value::Stream(_) => "stream",
        }
    }

    pub fn encoding_name(&self) -> &'static str {
        match self {
            Value::Str(s) => s.encoding_name(),
            Value::List(v) => v.encoding_name(),
            Value::Hash(v) => v.encoding_name(),
            Value::Set(v) => v.encoding_name(),
            Value::ZSet(v) => v.encoding_name(),
            Value::Stream(_) => "stream",
        }
    }

    /// Elements (1 for a string): decides whether UNLINK frees in the background
    /// (`lazyfreeGetFreeEffort`).
    pub fn free_effort(&self) -> usize {
        match self {
            Value::Str(_) => 1,
            Value::List(v) => v.len(),
            Value::Hash(v) => v.len(),
            Value::Set(v) => v.len(),
            Value::ZSet(v) => v.len(),
            Value::Stream(v) => v.free_effort(),
        }
    }

    /// Apply the value's type digest (Redis's `xorObjectDigest`, whatever the encoding).
    pub fn digest_into(&self, d: &mut [u8; 20]) {
        use crate::digest;
        match self {
            Value::Str(s) => digest::string_digest(d, &s.to_bytes()),
            Value::List(v) => {
                digest::mix_type(d, digest::ObjType::List);
                v.for_each(&mut |e| digest::mix(d, e));
            }
            Value::Set(v) => {
                digest::mix_type(d, digest::ObjType::Set);
                v.for_each(&mut |m| digest::xor(d, m));
            }
            Value::Hash(v) => {
                let mut pairs = Vec::with_capacity(v.len());
                v.for_each(&mut |f, x| pairs.push((f.to_vec(), x.to_vec())));
                digest::hash_digest(d, pairs.iter().map(|(f, x)| (f.as_slice(), x.as_slice())));
            }
            Value::ZSet(v) => {
                let mut pairs = Vec::with_capacity(v.len());
                v.for_each(&mut |m, s| pairs.push((m.to_vec(), s)));
                digest::zset_digest(d, pairs.iter().map(|(m, s)| (m.as_slice(), *s)));
            }
            Value::Stream(v) => digest::stream_digest(d, v),
        }
    }
}

use crate::types::{hash::Hash, list::List, set::Set, stream::Stream, zset::ZSet};

/// Equal content: strings compare exactly (encoding included), streams entirely (groups too);
/// other aggregates compare by type and by Redis's value digest, which covers every element
/// and ignores the encoding and the order of set members and hash fields.
impl PartialEq for Value {
    fn eq(&self, other: &Value) -> bool {
        match (self, other) {
            (Value::Str(a), Value::Str(b)) => a == b,
            (Value::Stream(a), Value::Stream(b)) => a == b,
            (a, b) if a.type_name() == b.type_name() => {
                let (mut da, mut db) = ([0u8; 20], [0u8; 20]);
                a.digest_into(&mut da);
                b.digest_into(&mut db);
                da == db
            }
            _ => false,
        }
    }
}

/// A keyspace entry taken out of or going into a db: the value and its LRU/LFU field.
#[derive(Clone, Debug, PartialEq)]
pub struct Entry {
    pub value: Value,
    pub lru: u32,
}

/// A value as the keyspace dict stores it. Its LRU/LFU field rides in the dict's key
/// (`crate::bytes::KeyBytes`), so a node is key 24 + value 24 + next 8 = 56 bytes.
#[derive(Clone, Debug, PartialEq)]
pub struct Stored {
    pub value: Value,
}

/// LFU: initial counter value of a new key (`LFU_INIT_VAL`).
pub const LFU_INIT_VAL: u8 = 5;
/// The LRU clock has 24 bits.
pub const LRU_CLOCK_MAX: u32 = (1 << 24) - 1;

/// Redis's LRU clock: seconds, 24 bits (`getLRUClock`).
pub fn lru_clock(unix_ms: i64) -> u32 {
    ((unix_ms / 1000) as u64 & u64::from(LRU_CLOCK_MAX)) as u32
}

/// Milliseconds since the value was last accessed (`estimateObjectIdleTime`).
pub fn idle_ms(lru: u32, now_clock: u32) -> u64 {
    if now_clock >= lru {
        u64::from(now_clock - lru) * 1000
    } else {
        u64::from(now_clock + (LRU_CLOCK_MAX - lru)) * 1000
    }
}

/// Minutes clock for LFU (16 bits).
pub fn lfu_minutes(unix_ms: i64) -> u32 {
    ((unix_ms / 60_000) as u64 & 0xffff) as u32
}

/// The LFU field for a new value.
pub fn lfu_initial(unix_ms: i64) -> u32 {
    (lfu_minutes(unix_ms) << 8) | u32::from(LFU_INIT_VAL)
}

/// LFU counter (low 8 bits).
pub fn lfu_counter(lru: u32) -> u8 {
    (lru & 0xff) as u8
}

/// Decay the counter by elapsed periods and increment it logarithmically (`updateLFU`).
/// `r` is a uniform draw in [0, 1) from the seeded PRNG.
pub fn lfu_touch(lru: u32, unix_ms: i64, log_factor: u32, decay_minutes: u32, r: f64) -> u32 {
    let now = lfu_minutes(unix_ms);
    let last = lru >> 8;
    let elapsed = if now >= last { now - last } else { 65535 - last + now };
    let mut counter = u32::from(lfu_counter(lru));
    if let Some(periods) = elapsed.checked_div(decay_minutes) {
        counter = counter.saturating_sub(periods);
    }
    if counter < 255 {
        let base = counter.saturating_sub(u32::from(LFU_INIT_VAL)) as f64;
        let p = 1.0 / (base * f64::from(log_factor) + 1.0);
        if r < p {
            counter += 1;
        }
    }
    (now << 8) | counter
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn set_chooses_int_embstr_raw_like_redis() {
        assert_eq!(Str::from_bytes(b"12345").encoding_name(), "int");
        assert_eq!(Str::from_bytes(b"007").encoding_name(), "embstr");
        assert_eq!(Str::from_bytes(&[b'a'; 44]).encoding_name(), "embstr");
        assert_eq!(std::mem::size_of::<Str>(), 24, "Str stays 24 bytes");
        assert_eq!(std::mem::size_of::<Value>(), 24, "a Value is as small as a string");
        assert_eq!(std::mem::size_of::<Entry>(), 32, "an entry is a value and its LRU field");
        assert_eq!(std::mem::size_of::<Stored>(), 24, "a stored value is just the value");
        assert_eq!(crate::dict::Dict::<crate::db::Key, Stored>::node_bytes(), 56, "a keyspace node fits glibc's 56-byte class");
        let mut s = Str::from_bytes(b"12");
        s.make_raw().push(b'3');
        assert_eq!((s.encoding_name(), s.as_int()), ("raw", Some(123)));
        assert_eq!(Str::from_bytes(&[b'a'; 45]).encoding_name(), "raw");
        assert_eq!(Str::from_bytes(b"-9223372036854775808").as_int(), Some(i64::MIN));
    }

    #[test]
    fn int_length_counts_sign_and_digits() {
        assert_eq!(Str::Int(0).len(), 1);
        assert_eq!(Str::Int(-10).len(), 3);
        assert_eq!(Str::Int(i64::MIN).len(), 20);
    }

    #[test]
    fn lfu_counter_saturates_and_decays() {
        let mut lru = lfu_initial(0);
        for _ in 0..10_000 {
            lru = lfu_touch(lru, 0, 0, 1, 0.0);
        }
        assert_eq!(lfu_counter(lru), 255);
        let later = lfu_touch(lru, 10 * 60_000, 10, 1, 0.99);
        assert_eq!(lfu_counter(later), 245);
    }
}
