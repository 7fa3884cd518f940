//! RDB building blocks shared by the writer and the loader: opcodes, object types, and the
//! length and string encodings (`rdbSaveLen`, `rdbSaveRawString`, `rdbLoadLen`).
//!
//! A file is `"REDIS"` + 4 ASCII digits of version, then opcodes and keys, `0xFF`, then (version
//! ≥ 5) the CRC-64 of everything before it, 8 bytes little-endian.
//!
//! **Length** (first byte's top two bits):
//! `00xxxxxx` 6-bit; `01xxxxxx yyyyyyyy` 14-bit big-endian; `0x80` + u32 big-endian;
//! `0x81` + u64 big-endian; `11xxxxxx` a special *string* encoding, low 6 bits:
//! 0 INT8 (1 byte), 1 INT16 (2 bytes LE), 2 INT32 (4 bytes LE), 3 LZF (`<clen><ulen><data>`).
//!
//! **String**: a length then that many bytes, or one of the special encodings. Example (the
//! unit test below encodes and decodes exactly these bytes):
//! ```text
//! [05 68 65 6c 6c 6f]   "hello"
//! [c0 0c]               "12"      INT8
//! [c1 e8 03]            "1000"    INT16 LE
//! [c2 a0 86 01 00]      "100000"  INT32 LE
//! [40 64 ...100 bytes]  14-bit length 100
//! [c3 05 0c 00 61 e0 02 00]  LZF: clen 5, ulen 12, "aaaaaaaaaaaa" (a literal "a" + a back reference)
//! ```
//! Writer rules (Redis 7.0 `rdbSaveRawString`): a string of at most 11 bytes that is the
//! canonical decimal form of an integer in i32 range is written as INT8/16/32; otherwise, with
//! `rdbcompression yes` and more than 20 bytes, LZF is used when it saves at least 4 bytes;
//! otherwise plain.

use crate::encoding::lzf;

/// `"REDIS"`.
pub const MAGIC: &[u8; 5] = b"REDIS";
/// The version Keel writes: 9 (Redis 5.0–6.2), so that Redis 5, 6 and 7.x all load Keel's files.
pub const VERSION_WRITTEN: u32 = 9;
/// The newest version the loader accepts (Redis 7.4 writes 12).
pub const VERSION_MAX: u32 = 12;

// Opcodes (`RDB_OPCODE_*`).
pub const OP_SLOT_INFO: u8 = 244;
pub const OP_FUNCTION2: u8 = 245;
pub const OP_FUNCTION_PRE_GA: u8 = 246;
pub const OP_MODULE_AUX: u8 = 247;
pub const OP_IDLE: u8 = 248;
pub const OP_FREQ: u8 = 249;
pub const OP_AUX: u8 = 250;
pub const OP_RESIZEDB: u8 = 251;
pub const OP_EXPIRETIME_MS: u8 = 252;
pub const OP_EXPIRETIME: u8 = 253;
pub const OP_SELECTDB: u8 = 254;
pub const OP_EOF: u8 = 255;

// Object types (`RDB_TYPE_*`).
pub const TYPE_STRING: u8 = 0;
pub const TYPE_LIST: u8 = 1;
pub const TYPE_SET: u8 = 2;
pub const TYPE_ZSET: u8 = 3;
pub const TYPE_HASH: u8 = 4;
pub const TYPE_ZSET_2: u8 = 5;
pub const TYPE_MODULE_PRE_GA: u8 = 6;
pub const TYPE_MODULE_2: u8 = 7;
pub const TYPE_HASH_ZIPMAP: u8 = 9;
pub const TYPE_LIST_ZIPLIST: u8 = 10;
pub const TYPE_SET_INTSET: u8 = 11;
pub const TYPE_ZSET_ZIPLIST: u8 = 12;
pub const TYPE_HASH_ZIPLIST: u8 = 13;
pub const TYPE_LIST_QUICKLIST: u8 = 14;
pub const TYPE_STREAM_LISTPACKS: u8 = 15;
pub const TYPE_HASH_LISTPACK: u8 = 16;
pub const TYPE_ZSET_LISTPACK: u8 = 17;
pub const TYPE_LIST_QUICKLIST_2: u8 = 18;
pub const TYPE_STREAM_LISTPACKS_2: u8 = 19;
pub const TYPE_SET_LISTPACK: u8 = 20;
pub const TYPE_STREAM_LISTPACKS_3: u8 = 21;

/// Special string encodings (low 6 bits of a `11xxxxxx` length byte).
pub const ENC_INT8: u8 = 0;
pub const ENC_INT16: u8 = 1;
pub const ENC_INT32: u8 = 2;
pub const ENC_LZF: u8 = 3;

/// Quicklist 2 node containers.
pub const QUICKLIST_NODE_PLAIN: u64 = 1;
pub const QUICKLIST_NODE_PACKED: u64 = 2;

/// Largest string the loader accepts (`proto-max-bulk-len`'s default, 512 MB).
pub const STRING_LEN_MAX: u64 = 512 << 20;

/// Name of an RDB object type, for errors and `keel-check-rdb`.
pub fn type_name(t: u8) -> &'static str {
    match t {
        TYPE_STRING => "string",
        TYPE_LIST => "list",
        TYPE_SET => "set",
        TYPE_ZSET => "zset",
        TYPE_HASH => "hash",
        TYPE_ZSET_2 => "zset-2",
        TYPE_MODULE_PRE_GA | TYPE_MODULE_2 => "module",
        TYPE_HASH_ZIPMAP => "hash-zipmap",
        TYPE_LIST_ZIPLIST => "list-ziplist",
        TYPE_SET_INTSET => "set-intset",
        TYPE_ZSET_ZIPLIST => "zset-ziplist",
        TYPE_HASH_ZIPLIST => "hash-ziplist",
        TYPE_LIST_QUICKLIST => "list-quicklist",
        TYPE_STREAM_LISTPACKS | TYPE_STREAM_LISTPACKS_2 | TYPE_STREAM_LISTPACKS_3 => "stream",
        TYPE_HASH_LISTPACK => "hash-listpack",
        TYPE_ZSET_LISTPACK => "zset-listpack",
        TYPE_LIST_QUICKLIST_2 => "list-quicklist-2",
        TYPE_SET_LISTPACK => "set-listpack",
        22..=25 => "hash-with-field-ttl",
        _ => "unknown",
    }
}

/// Append a length (`rdbSaveLen`).
pub fn put_len(out: &mut Vec<u8>, len: u64) {
    if len < 1 << 6 {
        out.push(len as u8);
    } else if len < 1 << 14 {
        out.extend_from_slice(&[0x40 | (len >> 8) as u8, len as u8]);
    } else if let Ok(len32) = u32::try_from(len) {
        out.push(0x80);
        out.extend_from_slice(&len32.to_be_bytes());
    } else {
        out.push(0x81);
        out.extend_from_slice(&len.to_be_bytes());
    }
}

/// The INT8/16/32 encoding of `v`, when it fits in 32 bits (`rdbEncodeInteger`).
fn int_encoding(v: i64) -> Option<Vec<u8>> {
    if let Ok(b) = i8::try_from(v) {
        Some(vec![0xC0 | ENC_INT8, b as u8])
    } else if let Ok(h) = i16::try_from(v) {
        let [a, b] = h.to_le_bytes();
        Some(vec![0xC0 | ENC_INT16, a, b])
    } else if let Ok(w) = i32::try_from(v) {
        let mut out = vec![0xC0 | ENC_INT32];
        out.extend_from_slice(&w.to_le_bytes());
        Some(out)
    } else {
        None
    }
}

/// Append an integer value as a string (`rdbSaveLongLongAsStringObject`): INT8/16/32 when it
/// fits, else its decimal text.
pub fn put_int_string(out: &mut Vec<u8>, v: i64) {
    match int_encoding(v) {
        Some(enc) => out.extend_from_slice(&enc),
        None => {
            let text = v.to_string();
            put_len(out, text.len() as u64);
            out.extend_from_slice(text.as_bytes());
        }
    }
}

/// Append a string with Redis's choice of encoding (`rdbSaveRawString`).
pub fn put_string(out: &mut Vec<u8>, s: &[u8], compress: bool) {
    if s.len() <= 11 {
        if let Some(v) = crate::util::number::string2ll(s) {
            // string2ll is strict (canonical decimal only), so the text round-trips.
            if let Some(enc) = int_encoding(v) {
                out.extend_from_slice(&enc);
                return;
            }
        }
    }
    if compress && s.len() > 20 {
        if let Some(packed) = lzf::compress_max(s, s.len() - 4) {
            out.push(0xC0 | ENC_LZF);
            put_len(out, packed.len() as u64);
            put_len(out, s.len() as u64);
            out.extend_from_slice(&packed);
            return;
        }
    }
    put_len(out, s.len() as u64);
    out.extend_from_slice(s);
}

/// Append a binary double (ZSET_2 scores): IEEE-754, little-endian.
pub fn put_binary_double(out: &mut Vec<u8>, v: f64) {
    out.extend_from_slice(&v.to_le_bytes());
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::rdb::reader::Reader;

    fn decode_one(bytes: &[u8]) -> Vec<u8> {
        let mut r = Reader::new(bytes);
        let s = r.string().expect("valid string").into_owned();
        assert_eq!(r.remaining(), 0, "whole input consumed");
        s
    }

    #[test]
    fn doc_example_strings_encode_and_decode() {
        let cases: [(&[u8], &[u8]); 4] = [
            (b"hello", &[0x05, b'h', b'e', b'l', b'l', b'o']),
            (b"12", &[0xc0, 0x0c]),
            (b"1000", &[0xc1, 0xe8, 0x03]),
            (b"100000", &[0xc2, 0xa0, 0x86, 0x01, 0x00]),
        ];
        for (text, bytes) in cases {
            let mut out = Vec::new();
            put_string(&mut out, text, true);
            assert_eq!(out, bytes);
            assert_eq!(decode_one(bytes), text);
        }
        let mut long = vec![0x40, 0x64];
        long.extend_from_slice(&[b'x'; 100]);
        assert_eq!(decode_one(&long), vec![b'x'; 100]);
        assert_eq!(decode_one(&[0xc3, 0x05, 0x0c, 0x00, 0x61, 0xe0, 0x02, 0x00]), vec![b'a'; 12]);
    }

    #[test]
    fn integers_outside_i32_and_non_canonical_texts_stay_text() {
        let mut out = Vec::new();
        put_string(&mut out, b"007", true);
        assert_eq!(out, [0x03, b'0', b'0', b'7']);
        out.clear();
        put_int_string(&mut out, 12_345_678_901_234);
        assert_eq!(out[0], 14);
        out.clear();
        put_string(&mut out, b"-2147483648", true);
        assert_eq!(out, [0xc2, 0x00, 0x00, 0x00, 0x80]);
    }

    #[test]
    fn lengths_use_the_smallest_form() {
        for (len, bytes) in [
            (63u64, vec![0x3f]),
            (64, vec![0x40, 0x40]),
            (16383, vec![0x7f, 0xff]),
            (16384, vec![0x80, 0, 0, 0x40, 0]),
            (1 << 32, vec![0x81, 0, 0, 0, 1, 0, 0, 0, 0]),
        ] {
            let mut out = Vec::new();
            put_len(&mut out, len);
            assert_eq!(out, bytes);
            assert_eq!(Reader::new(&bytes).length().expect("valid length"), len);
        }
    }

    #[test]
    fn compressible_strings_use_lzf_only_when_it_saves_four_bytes() {
        let mut out = Vec::new();
        put_string(&mut out, &[b'a'; 200], true);
        assert_eq!(out[0], 0xc3);
        assert_eq!(decode_one(&out), vec![b'a'; 200]);
        out.clear();
        put_string(&mut out, &[b'a'; 200], false);
        assert_eq!(out.len(), 202);
    }
}
