//! The RDB writer (Redis's `rdbSaveRio`): header, AUX fields, per database SELECTDB + RESIZEDB,
//! then every key as `[EXPIRETIME_MS] type key value`, EOF and the CRC-64 trailer.
//!
//! Keel writes `REDIS0009` with object types ≤ 15 only, so Redis 5, 6 and 7.x load its files:
//! strings (type 0, INT8/16/32 and LZF encodings); lists as a quicklist of ziplists (14); sets
//! as an intset (11) or a plain set (2); hashes as a ziplist (13) or a plain hash (4); sorted
//! sets as a ziplist (12) or ZSET_2 (5); streams as listpack nodes (15). A value the engine
//! holds in one of those compact encodings is written as its blob; otherwise the compact form is
//! chosen with Redis 6.2's default thresholds (512 entries for sets and hashes, 128 for zsets,
//! 64-byte elements).
//!
//! [`RdbWriter`] appends to a buffer and keeps the running CRC of everything handed out by
//! [`RdbWriter::take`], so a caller can write the file in chunks (the BGSAVE child does, one
//! step at a time). Expired keys are written like the others: the loader drops them, as Redis.

use super::blob::{intset, stream_node, ziplist};
use super::format::*;
use super::value::LoadedValue;
use crate::db::Db;
use crate::encoding::crc64::crc64;
use crate::object::{Str, Value};
use crate::types::stream::{Stream, StreamId};
use crate::types::{hash::Hash, set::Set, zset::ZSet};

/// Compact encodings are used up to these sizes (Redis 6.2 defaults).
const SET_INTSET_ENTRIES_MAX: usize = 512;
const HASH_ZIPLIST_ENTRIES_MAX: usize = 512;
const ZSET_ZIPLIST_ENTRIES_MAX: usize = 128;
const ZIPLIST_VALUE_MAX: usize = 64;
/// A quicklist node holds at most this many bytes of elements (`list-max-ziplist-size -2`).
const QUICKLIST_NODE_BYTES_MAX: usize = 8 * 1024;

/// What goes in the AUX fields.
#[derive(Clone, Debug)]
pub struct Header {
    pub ctime_s: i64,
    pub used_mem: u64,
    /// True when the file is an AOF preamble (`aof-preamble 1`).
    pub aof_preamble: bool,
}

pub struct RdbWriter {
    buf: Vec<u8>,
    crc: u64,
    compress: bool,
    checksum: bool,
    /// Bytes handed out by `take` so far.
    pub taken: u64,
}

impl RdbWriter {
    pub fn new(compress: bool, checksum: bool) -> RdbWriter {
        RdbWriter { buf: Vec::with_capacity(64 * 1024), crc: 0, compress, checksum, taken: 0 }
    }

    /// Bytes buffered and not yet taken.
    pub fn buffered(&self) -> usize {
        self.buf.len()
    }

    /// Hand out the buffered bytes (to be written to the file), folding them into the CRC.
    pub fn take(&mut self) -> Vec<u8> {
        if self.checksum {
            self.crc = crc64(self.crc, &self.buf);
        }
        self.taken += self.buf.len() as u64;
        std::mem::replace(&mut self.buf, Vec::with_capacity(64 * 1024))
    }

    /// `REDIS0009` and the AUX fields Redis 6.2 writes.
    pub fn header(&mut self, h: &Header) {
        self.buf.extend_from_slice(MAGIC);
        self.buf.extend_from_slice(format!("{VERSION_WRITTEN:04}").as_bytes());
        self.aux(b"redis-ver", crate::commands::conn::REDIS_VERSION.as_bytes());
        self.aux(b"redis-bits", b"64");
        self.aux(b"ctime", h.ctime_s.to_string().as_bytes());
        self.aux(b"used-mem", h.used_mem.to_string().as_bytes());
        self.aux(b"aof-preamble", if h.aof_preamble { b"1" } else { b"0" });
    }

    fn aux(&mut self, key: &[u8], value: &[u8]) {
        self.buf.push(OP_AUX);
        put_string(&mut self.buf, key, false);
        put_string(&mut self.buf, value, false);
    }

    /// SELECTDB + RESIZEDB for a non-empty database.
    pub fn select_db(&mut self, db: usize, keys: usize, expires: usize) {
        self.buf.push(OP_SELECTDB);
        put_len(&mut self.buf, db as u64);
        self.buf.push(OP_RESIZEDB);
        put_len(&mut self.buf, keys as u64);
        put_len(&mut self.buf, expires as u64);
    }

    fn key_prefix(&mut self, key: &[u8], expire_ms: Option<i64>, rdb_type: u8) {
        if let Some(when) = expire_ms {
            self.buf.push(OP_EXPIRETIME_MS);
            self.buf.extend_from_slice(&when.to_le_bytes());
        }
        self.buf.push(rdb_type);
        put_string(&mut self.buf, key, self.compress);
    }

    /// One key of the engine's keyspace. Values held in a compact encoding that is also an
    /// RDB type (a hash or sorted set ziplist, an intset) are written as their blob, as Redis
    /// does (`rdbSaveObject`), with no decoding; the others go through [`LoadedValue`].
    pub fn engine_key(&mut self, key: &[u8], value: &Value, expire_ms: Option<i64>) {
        let blob = match value {
            Value::Str(s) => {
                self.key_prefix(key, expire_ms, TYPE_STRING);
                match s {
                    Str::Int(n) => put_int_string(&mut self.buf, *n),
                    other => put_string(&mut self.buf, other.bytes().unwrap_or_default(), self.compress),
                }
                return;
            }
            Value::Hash(Hash::Ziplist(zl)) => Some((TYPE_HASH_ZIPLIST, zl.as_bytes())),
            Value::ZSet(ZSet::Ziplist(zl)) => Some((TYPE_ZSET_ZIPLIST, zl.as_bytes())),
            Value::Set(Set::Intset(is)) => Some((TYPE_SET_INTSET, is.as_bytes())),
            _ => None,
        };
        match blob {
            Some((rdb_type, bytes)) => {
                self.key_prefix(key, expire_ms, rdb_type);
                put_string(&mut self.buf, bytes, self.compress);
            }
            None => self.loaded_key(key, &LoadedValue::from_engine(value), expire_ms),
        }
    }

    /// One key from the loader's representation (any type).
    pub fn loaded_key(&mut self, key: &[u8], value: &LoadedValue, expire_ms: Option<i64>) {
        let mut body = Vec::new();
        let rdb_type = put_loaded_value(&mut body, value, self.compress);
        self.key_prefix(key, expire_ms, rdb_type);
        self.buf.extend_from_slice(&body);
    }

    /// EOF and the checksum (0 with `rdbchecksum no`); everything is then ready to `take`.
    pub fn finish(&mut self) -> Vec<u8> {
        self.buf.push(OP_EOF);
        let mut out = self.take();
        out.extend_from_slice(&self.crc.to_le_bytes());
        self.taken += 8;
        out
    }
}

/// The whole snapshot of `dbs` in one buffer (tests, DEBUG RELOAD); the BGSAVE child writes the
/// same bytes in steps (`job`).
pub fn snapshot_bytes(dbs: &[Db], header: &Header, compress: bool, checksum: bool) -> Vec<u8> {
    let mut w = RdbWriter::new(compress, checksum);
    w.header(header);
    for db in dbs.iter().filter(|d| !d.is_empty()) {
        w.select_db(db.id, db.len(), db.expires.len());
        for (k, e) in db.dict.iter() {
            w.engine_key(k, &e.value, db.expire_of(k));
        }
    }
    let mut out = w.take();
    out.extend(w.finish());
    out
}

/// Append the value's body; returns the RDB type to write before the key.
pub fn put_loaded_value(out: &mut Vec<u8>, value: &LoadedValue, compress: bool) -> u8 {
    match value {
        LoadedValue::Str(s) => {
            put_string(out, s, compress);
            TYPE_STRING
        }
        LoadedValue::List(items) => put_quicklist(out, items, compress),
        LoadedValue::Set(members) => put_set(out, members, compress),
        LoadedValue::Hash(pairs) => put_hash(out, pairs, compress),
        LoadedValue::ZSet(items) => put_zset(out, items, compress),
        LoadedValue::Stream(s) => put_stream(out, s, compress),
        LoadedValue::Adopted(v) => put_loaded_value(out, &LoadedValue::from_engine(v), compress),
    }
}

/// A stream as type 15 (`STREAM_LISTPACKS`, Redis 5+): nodes, length and last ID, then the
/// groups without `entries_read` (Redis 7 re-derives it; `entries_added` becomes the length,
/// as when Redis 7 loads a Redis 6 file). Layout: `rdb::load::stream`.
fn put_stream(out: &mut Vec<u8>, s: &Stream, compress: bool) -> u8 {
    let nodes = stream_node::encode(s.entries.iter().map(|(id, f)| (*id, f)));
    put_len(out, nodes.len() as u64);
    for (master, lp) in &nodes {
        put_string(out, &master.to_be_bytes(), false);
        put_string(out, lp, compress);
    }
    put_len(out, s.len() as u64);
    put_id_lengths(out, s.last_id);
    put_len(out, s.groups.len() as u64);
    for (name, g) in &s.groups {
        put_string(out, name, compress);
        put_id_lengths(out, g.last_id);
        put_len(out, g.pel.len() as u64);
        for (id, nack) in &g.pel {
            out.extend_from_slice(&id.to_be_bytes());
            out.extend_from_slice(&nack.delivery_time.to_le_bytes());
            put_len(out, nack.delivery_count);
        }
        put_len(out, g.consumers.len() as u64);
        for (cname, c) in &g.consumers {
            put_string(out, cname, compress);
            out.extend_from_slice(&c.seen_time.to_le_bytes());
            put_len(out, c.pel.len() as u64);
            for id in &c.pel {
                out.extend_from_slice(&id.to_be_bytes());
            }
        }
    }
    TYPE_STREAM_LISTPACKS
}

fn put_id_lengths(out: &mut Vec<u8>, id: StreamId) {
    put_len(out, id.ms);
    put_len(out, id.seq);
}

fn put_quicklist(out: &mut Vec<u8>, items: &[Vec<u8>], compress: bool) -> u8 {
    let mut nodes: Vec<&[Vec<u8>]> = Vec::new();
    let (mut start, mut bytes) = (0, 0);
    for (i, item) in items.iter().enumerate() {
        if i > start && bytes + item.len() > QUICKLIST_NODE_BYTES_MAX {
            nodes.push(&items[start..i]);
            (start, bytes) = (i, 0);
        }
        bytes += item.len() + 2;
    }
    if start < items.len() {
        nodes.push(&items[start..]);
    }
    put_len(out, nodes.len() as u64);
    for node in nodes {
        put_string(out, &ziplist::encode(node.iter().map(|v| v.as_slice())), compress);
    }
    TYPE_LIST_QUICKLIST
}

fn put_set(out: &mut Vec<u8>, members: &[Vec<u8>], compress: bool) -> u8 {
    if members.len() <= SET_INTSET_ENTRIES_MAX {
        let ints: Option<Vec<i64>> = members.iter().map(|m| crate::util::number::string2ll(m)).collect();
        if let Some(mut ints) = ints {
            ints.sort_unstable();
            put_string(out, &intset::encode(&ints), compress);
            return TYPE_SET_INTSET;
        }
    }
    put_len(out, members.len() as u64);
    for m in members {
        put_string(out, m, compress);
    }
    TYPE_SET
}

fn put_hash(out: &mut Vec<u8>, pairs: &[(Vec<u8>, Vec<u8>)], compress: bool) -> u8 {
    let small = |v: &Vec<u8>| v.len() <= ZIPLIST_VALUE_MAX;
    if pairs.len() <= HASH_ZIPLIST_ENTRIES_MAX && pairs.iter().all(|(f, v)| small(f) && small(v)) {
        let zl = ziplist::encode(pairs.iter().flat_map(|(f, v)| [f.as_slice(), v.as_slice()]));
        put_string(out, &zl, compress);
        return TYPE_HASH_ZIPLIST;
    }
    put_len(out, pairs.len() as u64);
    for (f, v) in pairs {
        put_string(out, f, compress);
        put_string(out, v, compress);
    }
    TYPE_HASH
}

fn put_zset(out: &mut Vec<u8>, items: &[(Vec<u8>, f64)], compress: bool) -> u8 {
    let mut sorted: Vec<&(Vec<u8>, f64)> = items.iter().collect();
    sorted.sort_by(|a, b| a.1.total_cmp(&b.1).then_with(|| a.0.cmp(&b.0)));
    if items.len() <= ZSET_ZIPLIST_ENTRIES_MAX && items.iter().all(|(m, _)| m.len() <= ZIPLIST_VALUE_MAX) {
        let scores: Vec<Vec<u8>> = sorted.iter().map(|(_, s)| crate::util::number::d2string(*s).into_bytes()).collect();
        let zl = ziplist::encode(sorted.iter().zip(&scores).flat_map(|((m, _), s)| [m.as_slice(), s.as_slice()]));
        put_string(out, &zl, compress);
        return TYPE_ZSET_ZIPLIST;
    }
    // Highest score first, so Redis's loader inserts each element at the skiplist's head.
    put_len(out, items.len() as u64);
    for (m, s) in sorted.iter().rev() {
        put_string(out, m, compress);
        put_binary_double(out, *s);
    }
    TYPE_ZSET_2
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::rdb::load::{Event, LoadOptions, Parser};

    fn write_one(value: &LoadedValue) -> Vec<u8> {
        let mut w = RdbWriter::new(true, true);
        w.header(&Header { ctime_s: 0, used_mem: 0, aof_preamble: false });
        w.select_db(0, 1, 0);
        w.loaded_key(b"k", value, None);
        let mut file = w.take();
        file.extend(w.finish());
        file
    }

    fn read_one(file: &[u8]) -> LoadedValue {
        let mut p = Parser::new(file, LoadOptions::default()).expect("header");
        loop {
            match p.next_event().expect("valid file") {
                Some(Event::Key(k)) => return k.value,
                Some(_) => {}
                None => panic!("no key"),
            }
        }
    }

    #[test]
    fn every_type_round_trips_in_both_encodings() {
        let big: Vec<Vec<u8>> = (0..2000).map(|i| format!("element-{i}").into_bytes()).collect();
        let values = [
            LoadedValue::Str(b"hello".to_vec()),
            LoadedValue::List(vec![b"a".to_vec(), b"12".to_vec(), Vec::new()]),
            LoadedValue::List(big.clone()),
            LoadedValue::Set(vec![b"3".to_vec(), b"-1".to_vec(), b"5000000000".to_vec()]),
            LoadedValue::Set(big.clone()),
            LoadedValue::Hash(vec![(b"f".to_vec(), b"v".to_vec()), (b"n".to_vec(), b"7".to_vec())]),
            LoadedValue::Hash(vec![(b"f".to_vec(), vec![b'x'; 100])]),
            LoadedValue::ZSet(vec![(b"a".to_vec(), 1.0), (b"b".to_vec(), f64::INFINITY), (b"c".to_vec(), -2.5)]),
            LoadedValue::ZSet(big.iter().enumerate().map(|(i, m)| (m.clone(), i as f64 / 3.0)).collect()),
        ];
        for v in values {
            let back = read_one(&write_one(&v));
            let canon = |v: &LoadedValue| match v.clone() {
                LoadedValue::Set(mut m) => {
                    m.sort();
                    LoadedValue::Set(m)
                }
                LoadedValue::ZSet(mut m) => {
                    m.sort_by(|a, b| a.0.cmp(&b.0));
                    LoadedValue::ZSet(m)
                }
                other => other,
            };
            assert_eq!(canon(&back), canon(&v));
        }
    }
}
