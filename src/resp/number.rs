//! Number parsing and formatting for the wire, matching Redis 7.0 byte for byte.
//!
//! - [`string2ll`] is Redis's `string2ll`: optional `-`, no `+`, no leading zeros, no
//!   spaces, at most 20 bytes, must fit an `i64`. `b"-0"` and `b"01"` are rejected.
//! - [`write_i64`] formats an integer with a two-digits-at-a-time table, no allocation.
//! - [`write_double`] is C's `%.17g`, which Redis 7.0's `addReplyDouble` uses:
//!   `2.5` → `2.5`, `0.1` → `0.10000000000000001`, `1e300` → `1.0000000000000001e+300`,
//!   `1e-5` → `1.0000000000000001e-05`, infinities → `inf` / `-inf`, NaN → `nan`.

pub use crate::util::number::{string2ll, write_i64, write_u64};

/// Appends `d` formatted as C's `%.17g` (see the module doc); the formatting itself is
/// [`crate::util::number::d2string`], checked against libc's printf.
pub fn write_double(out: &mut Vec<u8>, d: f64) {
    out.extend_from_slice(crate::util::number::d2string(d).as_bytes());
}

#[cfg(test)]
mod tests {
    use super::*;

    fn g17(d: f64) -> String {
        let mut out = Vec::new();
        write_double(&mut out, d);
        String::from_utf8(out).expect("ascii")
    }

    fn int(n: i64) -> String {
        let mut out = Vec::new();
        write_i64(&mut out, n);
        String::from_utf8(out).expect("ascii")
    }

    #[test]
    fn string2ll_matches_redis_rules() {
        assert_eq!(string2ll(b"0"), Some(0));
        assert_eq!(string2ll(b"123"), Some(123));
        assert_eq!(string2ll(b"-5"), Some(-5));
        assert_eq!(string2ll(b"9223372036854775807"), Some(i64::MAX));
        assert_eq!(string2ll(b"-9223372036854775808"), Some(i64::MIN));
        for bad in [
            &b""[..], b"-", b"-0", b"01", b"+1", b" 1", b"1 ", b"1x", b"9223372036854775808",
            b"-9223372036854775809", b"99999999999999999999", b"000000000000000000001",
        ] {
            assert_eq!(string2ll(bad), None, "{:?}", String::from_utf8_lossy(bad));
        }
    }

    #[test]
    fn integers_format_like_printf() {
        for n in [0, 1, 9, 10, 99, 100, 101, 9999, 10000, -1, -10, i64::MAX, i64::MIN] {
            assert_eq!(int(n), n.to_string());
        }
    }

    /// Expected texts taken from `redis-server` 7.0.15 `ZRANGE ... WITHSCORES` and from
    /// Python's `'%.17g' % v`.
    #[test]
    fn doubles_format_like_percent_17g() {
        let cases: &[(f64, &str)] = &[
            (2.5, "2.5"),
            (0.1, "0.10000000000000001"),
            (1e300, "1.0000000000000001e+300"),
            (1e-5, "1.0000000000000001e-05"),
            // An exact tie at the 17th digit: rounds half to even, like glibc.
            (1_234_567_890_123_456.0 + 0.75, "1234567890123456.8"),
            (123456789012345678.0, "1.2345678901234568e+17"),
            (0.0, "0"),
            (-0.0, "-0"),
            (1e16, "10000000000000000"),
            (1e17, "1e+17"),
            (1e-4, "0.0001"),
            (0.0001234, "0.00012339999999999999"),
            (5e-324, "4.9406564584124654e-324"),
            (f64::MAX, "1.7976931348623157e+308"),
            (100.0, "100"),
            (-3.0, "-3"),
            (f64::INFINITY, "inf"),
            (f64::NEG_INFINITY, "-inf"),
            (f64::NAN, "nan"),
        ];
        for &(d, want) in cases {
            assert_eq!(g17(d), want, "{d:e}");
        }
    }

    #[test]
    fn doubles_round_trip_through_their_text() {
        for d in [0.1, 1.0 / 3.0, 1e-310, 6.02214076e23, -2.2250738585072014e-308] {
            let text = g17(d);
            assert_eq!(text.parse::<f64>().ok(), Some(d), "{text}");
        }
    }
}
