//! Number parsing and formatting for the wire, matching Redis 7.0 byte for byte.
//!
//! - [`string2ll`] is Redis's `string2ll`: optional `-`, no `+`, no leading zeros, no
//!   spaces, at most 20 bytes, must fit an `i64`. `b"-0"` and `b"01"` are rejected.
//! - [`write_i64`] formats an integer with a two-digits-at-a-time table, no allocation.
//! - [`write_double`] is C's `%.17g`, which Redis 7.0's `addReplyDouble` uses:
//!   `2.5` → `2.5`, `0.1` → `0.10000000000000001`, `1e300` → `1.0000000000000001e+300`,
//!   `1e-5` → `1.0000000000000001e-05`, infinities → `inf` / `-inf`, NaN → `nan`.

use std::io::Write as _;

/// Redis's `LONG_STR_SIZE`: a string of this many bytes or more is never a valid `i64`.
const LONG_STR_SIZE: usize = 21;

/// Parses `s` exactly like Redis's `string2ll`, or returns `None`.
pub fn string2ll(s: &[u8]) -> Option<i64> {
    if s.is_empty() || s.len() >= LONG_STR_SIZE {
        return None;
    }
    if s == b"0" {
        return Some(0);
    }
    let (negative, digits) = match s.split_first() {
        Some((b'-', rest)) => (true, rest),
        _ => (false, s),
    };
    match digits.first() {
        Some(b'1'..=b'9') => {}
        _ => return None,
    }
    let mut v: u64 = 0;
    for &d in digits {
        if !d.is_ascii_digit() {
            return None;
        }
        v = v.checked_mul(10)?.checked_add(u64::from(d - b'0'))?;
    }
    if negative {
        if v > i64::MAX as u64 + 1 {
            return None;
        }
        Some((v as i64).wrapping_neg())
    } else {
        i64::try_from(v).ok()
    }
}

const DIGIT_PAIRS: &[u8; 200] = b"\
0001020304050607080910111213141516171819\
2021222324252627282930313233343536373839\
4041424344454647484950515253545556575859\
6061626364656667686970717273747576777879\
8081828384858687888990919293949596979899";

/// Appends the decimal form of `n` (a `u64`) to `out`.
pub fn write_u64(out: &mut Vec<u8>, mut n: u64) {
    let mut buf = [0u8; 20];
    let mut pos = buf.len();
    while n >= 100 {
        let pair = (n % 100) as usize * 2;
        n /= 100;
        pos -= 2;
        buf[pos..pos + 2].copy_from_slice(&DIGIT_PAIRS[pair..pair + 2]);
    }
    if n >= 10 {
        let pair = n as usize * 2;
        pos -= 2;
        buf[pos..pos + 2].copy_from_slice(&DIGIT_PAIRS[pair..pair + 2]);
    } else {
        pos -= 1;
        buf[pos] = b'0' + n as u8;
    }
    out.extend_from_slice(&buf[pos..]);
}

/// Appends the decimal form of `n` to `out`.
pub fn write_i64(out: &mut Vec<u8>, n: i64) {
    if n < 0 {
        out.push(b'-');
    }
    write_u64(out, n.unsigned_abs());
}

/// Appends `d` formatted as C's `%.17g` (see the module doc).
pub fn write_double(out: &mut Vec<u8>, d: f64) {
    if d.is_nan() {
        out.extend_from_slice(b"nan");
        return;
    }
    if d.is_infinite() {
        out.extend_from_slice(if d > 0.0 { b"inf" } else { b"-inf" });
        return;
    }
    // `{:.16e}` gives 17 correctly rounded significant digits: `-1.2345678901234568e17`.
    let mut sci = [0u8; 32];
    let mut cursor = &mut sci[..];
    if write!(cursor, "{d:.16e}").is_err() {
        out.extend_from_slice(b"nan"); // unreachable: the longest form is 24 bytes
        return;
    }
    let written = 32 - cursor.len();
    let sci = &sci[..written];
    let (negative, body) = match sci.split_first() {
        Some((b'-', rest)) => (true, rest),
        _ => (false, sci),
    };
    let Some(e_pos) = body.iter().position(|&b| b == b'e') else {
        return;
    };
    let exponent = std::str::from_utf8(&body[e_pos + 1..])
        .ok()
        .and_then(|e| e.parse::<i32>().ok())
        .unwrap_or(0);
    // The 17 significant digits, without the point.
    let mut digits = [0u8; 17];
    let mut n = 0;
    for &b in &body[..e_pos] {
        if b.is_ascii_digit() && n < digits.len() {
            digits[n] = b;
            n += 1;
        }
    }
    // %g strips trailing zeros of the significand.
    let mut sig = n;
    while sig > 1 && digits[sig - 1] == b'0' {
        sig -= 1;
    }
    if negative {
        out.push(b'-');
    }
    if (-4..17).contains(&exponent) {
        write_fixed(out, &digits[..sig], exponent);
    } else {
        write_scientific(out, &digits[..sig], exponent);
    }
}

/// `%g`'s fixed branch: significant `digits` with the point after digit `exponent`.
fn write_fixed(out: &mut Vec<u8>, digits: &[u8], exponent: i32) {
    if exponent < 0 {
        out.extend_from_slice(b"0.");
        for _ in 0..(-exponent - 1) {
            out.push(b'0');
        }
        out.extend_from_slice(digits);
        return;
    }
    let int_len = exponent as usize + 1;
    if digits.len() <= int_len {
        out.extend_from_slice(digits);
        for _ in digits.len()..int_len {
            out.push(b'0');
        }
    } else {
        out.extend_from_slice(&digits[..int_len]);
        out.push(b'.');
        out.extend_from_slice(&digits[int_len..]);
    }
}

/// `%g`'s scientific branch: `d.ddde+XX`, exponent with a sign and at least two digits.
fn write_scientific(out: &mut Vec<u8>, digits: &[u8], exponent: i32) {
    if let Some((first, rest)) = digits.split_first() {
        out.push(*first);
        if !rest.is_empty() {
            out.push(b'.');
            out.extend_from_slice(rest);
        }
    }
    out.push(b'e');
    out.push(if exponent < 0 { b'-' } else { b'+' });
    let magnitude = exponent.unsigned_abs();
    if magnitude < 10 {
        out.push(b'0');
    }
    write_u64(out, u64::from(magnitude));
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
