//! Test helpers shared by the `rdb_*` tests: fixtures and hand-built RDB files holding every
//! encoding the loader knows (old ones included: zipmap, LIST_ZIPLIST, text-score ZSET, and the
//! Redis 7 listpack types), built from the layouts in `keel::rdb::format` and `keel::rdb::blob`.
#![allow(dead_code, clippy::disallowed_methods)]

use std::path::PathBuf;

use keel::rdb::blob::{intset, listpack, ziplist};
use keel::rdb::format::*;
use keel::rdb::save::{put_loaded_value, Header, RdbWriter};
use keel::rdb::LoadedValue;

pub fn fixture(name: &str) -> Vec<u8> {
    let path = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/rdb").join(name);
    std::fs::read(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

/// One raw key: type byte, key, value body.
pub struct RawKey {
    pub rdb_type: u8,
    pub key: Vec<u8>,
    pub body: Vec<u8>,
    pub expire_ms: Option<i64>,
    /// What the key must load as.
    pub expect: LoadedValue,
}

fn strings(items: &[&str]) -> Vec<Vec<u8>> {
    items.iter().map(|s| s.as_bytes().to_vec()).collect()
}

fn blob(bytes: &[u8]) -> Vec<u8> {
    let mut out = Vec::new();
    put_string(&mut out, bytes, false);
    out
}

/// A zipmap blob with one free byte after each value (as zipmapSet leaves them).
fn zipmap(pairs: &[(&str, &str)]) -> Vec<u8> {
    let mut zm = vec![pairs.len() as u8];
    for (k, v) in pairs {
        zm.push(k.len() as u8);
        zm.extend_from_slice(k.as_bytes());
        zm.extend_from_slice(&[v.len() as u8, 1]);
        zm.extend_from_slice(v.as_bytes());
        zm.push(0);
    }
    zm.push(0xff);
    zm
}

/// Keys in every encoding that Redis 7.0 accepts (types 0–5 and 9–18).
pub fn every_encoding_keys() -> Vec<RawKey> {
    let mut keys = Vec::new();
    let mut push = |rdb_type, key: &str, body: Vec<u8>, expect| {
        keys.push(RawKey { rdb_type, key: key.as_bytes().to_vec(), body, expire_ms: None, expect })
    };
    let list = strings(&["a", "12", "-7", "", "300000", "5000000000"]);
    let pairs = vec![(b"f1".to_vec(), b"v1".to_vec()), (b"f2".to_vec(), b"2".to_vec())];
    let flat = |p: &[(Vec<u8>, Vec<u8>)]| p.iter().flat_map(|(a, b)| [a.clone(), b.clone()]).collect::<Vec<_>>();
    // Writer-produced compact and plain encodings (types 0, 14, 11, 2, 13, 4, 12, 5).
    for (name, v) in [
        ("str", LoadedValue::Str(b"hello".to_vec())),
        ("str:lzf", LoadedValue::Str(vec![b'z'; 60])),
        ("list:quicklist", LoadedValue::List(list.clone())),
        ("set:intset", LoadedValue::Set(strings(&["-4", "1", "70000"]))),
        ("set:plain", LoadedValue::Set(strings(&["x", "y"]))),
        ("hash:ziplist", LoadedValue::Hash(pairs.clone())),
        ("hash:plain", LoadedValue::Hash(vec![(b"f".to_vec(), vec![b'v'; 70])])),
        ("zset:ziplist", LoadedValue::ZSet(vec![(b"a".to_vec(), 1.0), (b"b".to_vec(), 2.5), (b"c".to_vec(), f64::NEG_INFINITY)])),
        ("zset:2", LoadedValue::ZSet(vec![(vec![b'm'; 70], 3.25), (b"n".to_vec(), -1.0)])),
    ] {
        let mut body = Vec::new();
        let t = put_loaded_value(&mut body, &v, true);
        push(t, name, body, v);
    }
    // Old and Redis 7 encodings the writer does not produce.
    let mut plain_list = Vec::new();
    put_len(&mut plain_list, 2);
    put_string(&mut plain_list, b"p", false);
    put_string(&mut plain_list, b"q", false);
    push(TYPE_LIST, "list:plain", plain_list, LoadedValue::List(strings(&["p", "q"])));
    push(TYPE_LIST_ZIPLIST, "list:ziplist", blob(&ziplist::encode(list.iter().map(|v| v.as_slice()))), LoadedValue::List(list.clone()));
    let mut q2 = Vec::new();
    put_len(&mut q2, 2);
    put_len(&mut q2, QUICKLIST_NODE_PACKED);
    put_string(&mut q2, &listpack::encode(list.iter().map(|v| v.as_slice())), false);
    put_len(&mut q2, QUICKLIST_NODE_PLAIN);
    put_string(&mut q2, b"plain-node", false);
    let mut q2_items = list.clone();
    q2_items.push(b"plain-node".to_vec());
    push(TYPE_LIST_QUICKLIST_2, "list:quicklist2", q2, LoadedValue::List(q2_items));
    push(TYPE_HASH_ZIPMAP, "hash:zipmap", blob(&zipmap(&[("k1", "v1"), ("k2", "")])), LoadedValue::Hash(vec![(b"k1".to_vec(), b"v1".to_vec()), (b"k2".to_vec(), Vec::new())]));
    let fl = flat(&pairs);
    push(TYPE_HASH_LISTPACK, "hash:listpack", blob(&listpack::encode(fl.iter().map(|v| v.as_slice()))), LoadedValue::Hash(pairs.clone()));
    let zl = strings(&["a", "1", "b", "2.5"]);
    push(TYPE_ZSET_LISTPACK, "zset:listpack", blob(&listpack::encode(zl.iter().map(|v| v.as_slice()))), LoadedValue::ZSet(vec![(b"a".to_vec(), 1.0), (b"b".to_vec(), 2.5)]));
    let mut z3 = Vec::new();
    put_len(&mut z3, 2);
    put_string(&mut z3, b"t", false);
    z3.extend_from_slice(&[3, b'1', b'.', b'5']);
    put_string(&mut z3, b"u", false);
    z3.push(254);
    push(TYPE_ZSET, "zset:text", z3, LoadedValue::ZSet(vec![(b"t".to_vec(), 1.5), (b"u".to_vec(), f64::INFINITY)]));
    push(TYPE_SET_INTSET, "set:intset64", blob(&intset::encode(&[-1, 5_000_000_000])), LoadedValue::Set(strings(&["-1", "5000000000"])));
    keys
}

/// A file (version `version`, checksum on from version 5) holding `keys` in db 0.
pub fn raw_file(version: u32, keys: &[RawKey]) -> Vec<u8> {
    let mut out = format!("REDIS{version:04}").into_bytes();
    out.push(OP_SELECTDB);
    put_len(&mut out, 0);
    for k in keys {
        if let Some(when) = k.expire_ms {
            out.push(OP_EXPIRETIME_MS);
            out.extend_from_slice(&when.to_le_bytes());
        }
        out.push(k.rdb_type);
        put_string(&mut out, &k.key, false);
        out.extend_from_slice(&k.body);
    }
    out.push(OP_EOF);
    if version >= 5 {
        let crc = keel::encoding::crc64::crc64(0, &out);
        out.extend_from_slice(&crc.to_le_bytes());
    }
    out
}

pub fn every_encoding_file() -> Vec<u8> {
    raw_file(9, &every_encoding_keys())
}

/// A file written by Keel's writer from loader values (any types), in db 0.
pub fn writer_file(keys: &[(Vec<u8>, LoadedValue, Option<i64>)], compress: bool) -> Vec<u8> {
    let mut w = RdbWriter::new(compress, true);
    w.header(&Header { ctime_s: 1_700_000_000, used_mem: 1 << 20, aof_preamble: false });
    w.select_db(0, keys.len(), keys.iter().filter(|k| k.2.is_some()).count());
    for (k, v, exp) in keys {
        w.loaded_key(k, v, *exp);
    }
    let mut out = w.take();
    out.extend(w.finish());
    out
}
