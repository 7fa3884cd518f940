//! Property tests of the RDB value encodings and of DUMP/RESTORE payloads (issue 8 §3): the
//! pieces below the file-level round trips of `tests/rdb_roundtrip.rs`.
//!
//! - `put_string` → `Reader::string` gives back the bytes, and picks Redis's encoding:
//!   INT8/16/32 for canonical decimals that fit 32 bits (`rdbTryIntegerEncoding`), LZF for
//!   compressible strings over 20 bytes when compression is on, else the raw length form.
//! - `put_int_string` of any `i64` reads back as its decimal text.
//! - `put_len` → `Reader::length` for any `u64`, in the shortest of the 1/2/5/9-byte forms.
//! - Binary doubles (ZSET_2 scores) keep their bits, NaN included.
//! - DUMP → RESTORE: `dump_payload` of a value of every type parses back (`parse_payload`)
//!   to the same DEBUG DIGEST-VALUE, with or without compression; a payload cut short or with
//!   any footer byte changed is refused.

use keel::rdb::dump::{dump_payload, parse_payload, PayloadError};
use keel::rdb::format::{put_binary_double, put_int_string, put_len, put_string};
use keel::rdb::reader::Reader;
use keel::rdb::LoadedValue;
use proptest::prelude::*;

fn string_strategy() -> impl Strategy<Value = Vec<u8>> {
    prop_oneof![
        any::<i64>().prop_map(|n| n.to_string().into_bytes()),
        any::<i32>().prop_map(|n| n.to_string().into_bytes()),
        (-300i64..300).prop_map(|n| n.to_string().into_bytes()),
        Just(b"-0".to_vec()),
        Just(b"007".to_vec()),
        proptest::collection::vec(any::<u8>(), 0..40),
        (21usize..2000, any::<u8>()).prop_map(|(n, b)| vec![b; n]),
        (3usize..200).prop_map(|n| b"abcabcabd".iter().cycle().take(n * 9).copied().collect()),
    ]
}

fn canonical_i32(s: &[u8]) -> bool {
    std::str::from_utf8(s).ok().and_then(|t| t.parse::<i32>().ok()).is_some_and(|v| v.to_string().as_bytes() == s)
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(500))]

    #[test]
    fn strings_round_trip_in_redis_encoding(s in string_strategy(), compress in any::<bool>()) {
        let mut out = Vec::new();
        put_string(&mut out, &s, compress);
        let mut r = Reader::new(&out);
        let got = r.string().expect("own encoding reads back").into_owned();
        prop_assert_eq!(&got, &s);
        prop_assert_eq!(r.remaining(), 0);
        let kind = out[0] >> 6;
        if canonical_i32(&s) {
            prop_assert_eq!(kind, 3, "a canonical 32-bit integer is INT-encoded");
            prop_assert!(out.len() <= 5);
        } else if out[0] == 0xC3 {
            prop_assert!(compress && s.len() > 20 && out.len() < s.len());
        } else {
            prop_assert!(kind < 3, "only integers and LZF use the special encodings");
        }
        if compress && s.len() > 100 && s.iter().all(|&b| b == s[0]) {
            prop_assert_eq!(out[0], 0xC3, "a long run compresses");
        }
    }

    #[test]
    fn integers_as_strings_read_back_as_decimal(v in any::<i64>()) {
        let mut out = Vec::new();
        put_int_string(&mut out, v);
        let mut r = Reader::new(&out);
        let got = r.string().expect("reads back").into_owned();
        prop_assert_eq!(got, v.to_string().into_bytes());
        prop_assert_eq!(r.remaining(), 0);
    }

    #[test]
    fn lengths_round_trip_in_the_shortest_form(len in prop_oneof![0u64..100, 0u64..20_000, any::<u32>().prop_map(u64::from), any::<u64>()]) {
        let mut out = Vec::new();
        put_len(&mut out, len);
        let want = if len < 1 << 6 { 1 } else if len < 1 << 14 { 2 } else if len <= u64::from(u32::MAX) { 5 } else { 9 };
        prop_assert_eq!(out.len(), want);
        let mut r = Reader::new(&out);
        prop_assert_eq!(r.length().expect("reads back"), len);
        prop_assert_eq!(r.remaining(), 0);
    }

    #[test]
    fn binary_doubles_keep_their_bits(bits in any::<u64>()) {
        let v = f64::from_bits(bits);
        let mut out = Vec::new();
        put_binary_double(&mut out, v);
        prop_assert_eq!(Reader::new(&out).binary_double().expect("8 bytes").to_bits(), bits);
    }
}

fn value_strategy() -> impl Strategy<Value = LoadedValue> {
    let items = proptest::collection::vec(string_strategy(), 1..200);
    (items, 0u8..5).prop_map(|(items, kind)| {
        let mut unique = items.clone();
        unique.sort();
        unique.dedup();
        match kind {
            0 => LoadedValue::Str(items[0].clone()),
            1 => LoadedValue::List(items),
            2 => LoadedValue::Set(unique),
            3 => LoadedValue::Hash(unique.iter().map(|m| (m.clone(), m.iter().rev().copied().collect())).collect()),
            _ => LoadedValue::ZSet(unique.iter().enumerate().map(|(i, m)| (m.clone(), i as f64 / 3.0 - 7.0)).collect()),
        }
    })
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(200))]

    #[test]
    fn dump_payloads_restore_to_the_same_value(value in value_strategy(), compress in any::<bool>()) {
        let engine = value.clone().into_engine().expect("the engine holds every type");
        let payload = dump_payload(&engine, compress);
        let back = parse_payload(&payload, b"k").expect("own payload parses");
        prop_assert_eq!(back.type_name(), value.type_name());
        prop_assert_eq!(back.len(), value.len());
        prop_assert_eq!(back.digest_hex(false), value.digest_hex(false));
        // and again through the engine: DUMP of the restored value is the same value
        let again = dump_payload(&back.into_engine().expect("restores"), compress);
        prop_assert_eq!(parse_payload(&again, b"k").expect("parses").digest_hex(false), value.digest_hex(false));
        let n = payload.len();
        prop_assert_eq!(&payload[n - 10..n - 8], &[9u8, 0][..], "DUMP writes RDB version 9");
        for i in n - 10..n {
            let mut bad = payload.clone();
            bad[i] ^= 0x20;
            prop_assert_eq!(parse_payload(&bad, b"k"), Err(PayloadError::VersionOrChecksum));
        }
        prop_assert!(parse_payload(&payload[..n - 1], b"k").is_err());
    }
}
