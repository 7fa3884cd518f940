//! DEBUG DIGEST and DEBUG DIGEST-VALUE, bit-for-bit equal to Redis 7.0's `debug.c`, so a test
//! can compare Keel's dataset with a real redis-server's (and with itself across a restart).
//!
//! Primitives over a 20-byte SHA-1 state `d`:
//! - `xor(d, data)`: `d ^= SHA1(data)`. Order-independent: used for unordered collections
//!   (set members, hash fields, zset members, the keys of a database).
//! - `mix(d, data)`: `d = SHA1(d ^ SHA1(data))`. Order-dependent: used for sequences (a key then
//!   its value, list elements).
//!
//! The value digest of a key (Redis's `xorObjectDigest`, what DIGEST-VALUE prints), starting
//! from the state it is given:
//! 1. `mix(be32(type))`, type = 0 string, 1 list, 2 set, 3 zset, 4 hash, 6 stream;
//! 2. the value: string → `mix(text)` (an int-encoded string is its decimal text);
//!    list → `mix(element)` for each, head to tail; set → `xor(member)` for each;
//!    hash → for each field, `e = mix(mix(0, field), value)`, then `xor(e)`;
//!    zset → for each member, `e = mix(mix(0, member), "%.17g" of score)`, then `xor(e)`;
//! 3. if the key has a TTL, `xor("!!expire!!")` (only its presence counts, not its time).
//!
//! DIGEST-VALUE starts from 20 zero bytes; a missing key prints 40 zeros. The dataset digest
//! (Redis's `computeDatasetDigest`): `final = 0`; for each non-empty db in id order,
//! `mix(final, be32(db))`, then for each key `k = mix(0, key)`, apply the value digest to `k`,
//! and `xor(final, k)` (which xors in `SHA1(k)`, not `k`). An empty dataset is 40 zeros.
//!
//! Example (observed on redis-server 7.0.15): after `SET foo bar` in db 0, DEBUG DIGEST-VALUE
//! foo is `68467c70ae30376e7ce005bcc8827f5ba7fd67dc` and DEBUG DIGEST is
//! `d2ab4820c1be0580ea28efbfe8bfa1dc05bb802a`.

use sha1_smol::Sha1;

/// A 20-byte digest.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Digest(pub [u8; 20]);

impl Digest {
    /// Lowercase hex, 40 characters, as DEBUG DIGEST prints it.
    pub fn to_hex(&self) -> String {
        to_hex(&self.0)
    }
}

/// Lowercase hex of a raw digest.
pub fn to_hex(d: &[u8; 20]) -> String {
    const HEX: &[u8; 16] = b"0123456789abcdef";
    let mut s = String::with_capacity(40);
    for &b in d {
        s.push(char::from(HEX[usize::from(b >> 4)]));
        s.push(char::from(HEX[usize::from(b & 15)]));
    }
    s
}

fn sha1(data: &[u8]) -> [u8; 20] {
    Sha1::from(data).digest().bytes()
}

/// `d ^= SHA1(data)` (Redis's `xorDigest`).
pub fn xor(d: &mut [u8; 20], data: &[u8]) {
    for (a, b) in d.iter_mut().zip(sha1(data)) {
        *a ^= b;
    }
}

/// `d = SHA1(d ^ SHA1(data))` (Redis's `mixDigest`).
pub fn mix(d: &mut [u8; 20], data: &[u8]) {
    xor(d, data);
    *d = sha1(d);
}

/// Redis object type codes, as mixed into value digests (`OBJ_STRING` ...).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[repr(u32)]
pub enum ObjType {
    String = 0,
    List = 1,
    Set = 2,
    Zset = 3,
    Hash = 4,
    Stream = 6,
}

/// Start a value digest: mix the type code (big-endian, as `htonl`).
pub fn mix_type(d: &mut [u8; 20], t: ObjType) {
    mix(d, &(t as u32).to_be_bytes());
}

/// Mark a key with a TTL (`xor("!!expire!!")`).
pub fn mix_expire(d: &mut [u8; 20]) {
    xor(d, b"!!expire!!");
}

/// Value digest of a string (its text; an integer is its decimal text).
pub fn string_digest(d: &mut [u8; 20], val: &[u8]) {
    mix_type(d, ObjType::String);
    mix(d, val);
}

/// Value digest of a list, elements head to tail.
pub fn list_digest<'a>(d: &mut [u8; 20], elements: impl IntoIterator<Item = &'a [u8]>) {
    mix_type(d, ObjType::List);
    for e in elements {
        mix(d, e);
    }
}

/// Value digest of a set, members in any order.
pub fn set_digest<'a>(d: &mut [u8; 20], members: impl IntoIterator<Item = &'a [u8]>) {
    mix_type(d, ObjType::Set);
    for m in members {
        xor(d, m);
    }
}

/// Value digest of a hash, field/value pairs in any order.
pub fn hash_digest<'a>(d: &mut [u8; 20], pairs: impl IntoIterator<Item = (&'a [u8], &'a [u8])>) {
    mix_type(d, ObjType::Hash);
    for (field, value) in pairs {
        let mut e = [0u8; 20];
        mix(&mut e, field);
        mix(&mut e, value);
        xor(d, &e);
    }
}

/// Value digest of a sorted set, member/score pairs in any order; scores are printed with
/// `%.17g` as Redis 7.0's debug.c does (`inf`, `-inf` spelled out).
pub fn zset_digest<'a>(d: &mut [u8; 20], pairs: impl IntoIterator<Item = (&'a [u8], f64)>) {
    mix_type(d, ObjType::Zset);
    for (member, score) in pairs {
        let mut e = [0u8; 20];
        mix(&mut e, member);
        mix(&mut e, crate::util::number::d2string(score).as_bytes());
        xor(d, &e);
    }
}

/// Value digest of a stream: each entry's ID as `<ms>.<seq>`, then its fields and values, in
/// ID order (consumer groups are not part of it, as in Redis 7.0's `xorObjectDigest`).
pub fn stream_digest(d: &mut [u8; 20], s: &crate::types::stream::Stream) {
    mix_type(d, ObjType::Stream);
    for (id, fields) in &s.entries {
        mix(d, format!("{}.{}", id.ms, id.seq).as_bytes());
        for f in fields {
            mix(d, f);
        }
    }
}

/// DEBUG DIGEST-VALUE of a string value (without TTL): the digest of the type and the text.
pub fn string_value_digest(val: &[u8]) -> [u8; 20] {
    let mut d = [0u8; 20];
    string_digest(&mut d, val);
    d
}

/// DEBUG DIGEST-VALUE of one key: `value_digest` applies the type's digest (one of the
/// `*_digest` functions above) to the zeroed state; `has_expire` adds the TTL mark.
pub fn value_digest(value_digest: &mut dyn FnMut(&mut [u8; 20]), has_expire: bool) -> Digest {
    let mut d = [0u8; 20];
    value_digest(&mut d);
    if has_expire {
        mix_expire(&mut d);
    }
    Digest(d)
}

/// The dataset digest (DEBUG DIGEST), fed database by database, key by key.
#[derive(Clone, Debug, Default)]
pub struct DatasetDigest {
    final_digest: [u8; 20],
}

impl DatasetDigest {
    pub fn new() -> Self {
        DatasetDigest { final_digest: [0; 20] }
    }

    /// Start database `db`. Call only for databases that have keys (Redis skips empty ones),
    /// in increasing id order.
    pub fn begin_db(&mut self, db: u32) {
        mix(&mut self.final_digest, &db.to_be_bytes());
    }

    /// Add one key of the current database. `value_digest` applies the value's digest (one of
    /// the `*_digest` functions) to the per-key state; `expire_ms` is the key's expire time,
    /// if any (only its presence is digested).
    pub fn add_key(&mut self, key: &[u8], value_digest: &mut dyn FnMut(&mut [u8; 20]), expire_ms: Option<i64>) {
        let mut d = [0u8; 20];
        mix(&mut d, key);
        value_digest(&mut d);
        if expire_ms.is_some() {
            mix_expire(&mut d);
        }
        xor(&mut self.final_digest, &d);
    }

    pub fn finish(self) -> [u8; 20] {
        self.final_digest
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn hex(d: [u8; 20]) -> String {
        to_hex(&d)
    }

    /// The hex strings below were obtained from redis-server 7.0.15 (`--enable-debug-command
    /// yes`) after: `SET foo bar`, `SET n 12345` (int-encoded) in db 0; `SET k1 v1` then
    /// `EXPIRE k1 1000` in db 1; `RPUSH l a b 1 2`, `SADD s x y 7`, `HSET h f1 v1 f2 2`,
    /// `ZADD zz 1 a 2.5 b -0.1 c 1e20 d` in db 2; reading DEBUG DIGEST-VALUE and DEBUG DIGEST
    /// along the way.
    #[test]
    fn value_digests_match_redis_7_0() {
        assert_eq!(hex(string_value_digest(b"bar")), "68467c70ae30376e7ce005bcc8827f5ba7fd67dc");
        assert_eq!(hex(string_value_digest(b"12345")), "e1cf90774e995ae03de66e8109dc5cb9d9c2dc83");
        assert_eq!(hex(string_value_digest(b"v1")), "1b39f6ecf00cfce8fa56c4c62c40126162d878fe");
        let with_ttl = value_digest(&mut |d| string_digest(d, b"v1"), true);
        assert_eq!(with_ttl.to_hex(), "fdbc08132c3516bc3b402f3e692addfa7876397d");
        let list = value_digest(&mut |d| list_digest(d, [&b"a"[..], b"b", b"1", b"2"]), false);
        assert_eq!(list.to_hex(), "6b15aa298e0e4d1f6244448df32b23e74a4147ce");
        let set = value_digest(&mut |d| set_digest(d, [&b"7"[..], b"x", b"y"]), false);
        assert_eq!(set.to_hex(), "a6afcc473373536adb071da403abcb70a693d104");
        let hash = value_digest(&mut |d| hash_digest(d, [(&b"f2"[..], &b"2"[..]), (b"f1", b"v1")]), false);
        assert_eq!(hash.to_hex(), "fc076e867f7dbf566ea58172a151d82d78b8f845");
        let zset = value_digest(&mut |d| zset_digest(d, [(&b"d"[..], 1e20), (b"a", 1.0), (b"b", 2.5), (b"c", -0.1)]), false);
        assert_eq!(zset.to_hex(), "3ec049bda25d5574c43d47c2f09fb8a312cf7270");
        assert_eq!(Digest::default().to_hex(), "0".repeat(40));
    }

    #[test]
    fn dataset_digest_matches_redis_7_0() {
        assert_eq!(hex(DatasetDigest::new().finish()), "0".repeat(40));
        let db0 = |dd: &mut DatasetDigest| {
            dd.begin_db(0);
            dd.add_key(b"n", &mut |d| string_digest(d, b"12345"), None);
            dd.add_key(b"foo", &mut |d| string_digest(d, b"bar"), None);
        };
        let mut dd = DatasetDigest::new();
        dd.begin_db(0);
        dd.add_key(b"foo", &mut |d| string_digest(d, b"bar"), None);
        assert_eq!(hex(dd.finish()), "d2ab4820c1be0580ea28efbfe8bfa1dc05bb802a");

        let mut dd = DatasetDigest::new();
        db0(&mut dd);
        assert_eq!(hex(dd.clone().finish()), "cd5a02343543db03481294f2a80f5609dd27c72b");
        dd.begin_db(1);
        let mut no_ttl = dd.clone();
        no_ttl.add_key(b"k1", &mut |d| string_digest(d, b"v1"), None);
        assert_eq!(hex(no_ttl.finish()), "86b5e9df382b89db6c47b908e5fb9bef55c0e85d");
        dd.add_key(b"k1", &mut |d| string_digest(d, b"v1"), Some(1_700_000_000_000));
        assert_eq!(hex(dd.clone().finish()), "ba743800de1bef46790aeacb146434db865bc37e");

        dd.begin_db(2);
        dd.add_key(b"l", &mut |d| list_digest(d, [&b"a"[..], b"b", b"1", b"2"]), None);
        dd.add_key(b"s", &mut |d| set_digest(d, [&b"x"[..], b"y", b"7"]), None);
        dd.add_key(b"h", &mut |d| hash_digest(d, [(&b"f1"[..], &b"v1"[..]), (b"f2", b"2")]), None);
        dd.add_key(b"zz", &mut |d| zset_digest(d, [(&b"a"[..], 1.0), (b"b", 2.5), (b"c", -0.1), (b"d", 1e20)]), None);
        assert_eq!(hex(dd.finish()), "90b0d24b8b36009798f4b7dc57947bff5e2885fe");
    }

    #[test]
    fn list_order_matters_and_set_order_does_not() {
        let a = value_digest(&mut |d| list_digest(d, [&b"a"[..], b"b"]), false);
        let b = value_digest(&mut |d| list_digest(d, [&b"b"[..], b"a"]), false);
        assert_ne!(a, b);
        let a = value_digest(&mut |d| set_digest(d, [&b"a"[..], b"b"]), false);
        let b = value_digest(&mut |d| set_digest(d, [&b"b"[..], b"a"]), false);
        assert_eq!(a, b);
    }
}
