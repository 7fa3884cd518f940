//! Number parsing and formatting exactly like Redis 7.0's util.c and object.c, because clients
//! see every difference: which strings are integers (and so get the `int` encoding, and are
//! accepted by INCR), which are valid floats, and how scores are printed.
//!
//! - [`string2ll`]: strict decimal `i64`: no spaces, no `+`, no leading zeros (`"0"` alone is
//!   fine, `"-0"` is not), at most 20 bytes.
//! - [`string2d`]: C `strtod` as Redis's `string2d` wraps it: the whole input must parse, no
//!   leading space, no NaN, no overflow to infinity and no underflow to zero; `inf`, `-inf`,
//!   `+1.5`, `.5`, `1e5` and C99 hex floats (`0x1p3`) are accepted.
//! - [`d2string`]: `%.17g` (Redis's `addReplyDouble`), with `inf`/`-inf`/`nan` spelled out.

/// Bytes needed for any `i64` in decimal, sign included, plus one (Redis's `LONG_STR_SIZE`).
pub const LONG_STR_SIZE: usize = 21;

/// Parse a strict decimal `i64` (Redis's `string2ll`).
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
    let (first, rest) = digits.split_first()?;
    if !(b'1'..=b'9').contains(first) {
        return None;
    }
    let mut v = u64::from(first - b'0');
    for &c in rest {
        if !c.is_ascii_digit() {
            return None;
        }
        v = v.checked_mul(10)?.checked_add(u64::from(c - b'0'))?;
    }
    if negative {
        if v > i64::MIN.unsigned_abs() {
            return None;
        }
        Some(0i64.wrapping_sub_unsigned(v))
    } else {
        i64::try_from(v).ok()
    }
}

/// Redis's `string2l`: [`string2ll`] within the range of a C `long` (64-bit here).
pub fn string2l(s: &[u8]) -> Option<i64> {
    string2ll(s)
}

const DIGIT_PAIRS: &[u8; 200] = b"\
0001020304050607080910111213141516171819\
2021222324252627282930313233343536373839\
4041424344454647484950515253545556575859\
6061626364656667686970717273747576777879\
8081828384858687888990919293949596979899";

/// Appends the decimal form of `n` (a `u64`) to `out`.
pub fn write_u64(out: &mut Vec<u8>, n: u64) {
    let mut buf = [0u8; 20];
    let pos = fmt_u64(&mut buf, n);
    out.extend_from_slice(&buf[pos..]);
}

/// Calls `f` with the decimal form of `v`, formatted on the stack (no allocation).
pub fn with_i64_str<R>(v: i64, f: impl FnOnce(&[u8]) -> R) -> R {
    let mut buf = [0u8; 21];
    let mut pos = fmt_u64(&mut buf, v.unsigned_abs());
    if v < 0 {
        pos -= 1;
        buf[pos] = b'-';
    }
    f(&buf[pos..])
}

/// Writes the digits of `n` right-aligned at the end of `buf` (at least 20 bytes long);
/// returns where they start.
fn fmt_u64(buf: &mut [u8], mut n: u64) -> usize {
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
    pos
}

/// Appends the decimal form of `n` to `out`.
pub fn write_i64(out: &mut Vec<u8>, n: i64) {
    if n < 0 {
        out.push(b'-');
    }
    write_u64(out, n.unsigned_abs());
}

/// The decimal form of `v` in a new vector (Redis's `ll2string`).
pub fn ll2vec(v: i64) -> Vec<u8> {
    let mut out = Vec::with_capacity(LONG_STR_SIZE);
    write_i64(&mut out, v);
    out
}

/// Parse a double like Redis's `string2d` (`getDoubleFromObject` on a string).
pub fn string2d(s: &[u8]) -> Option<f64> {
    let first = *s.first()?;
    // C isspace: space, \t, \n, \v, \f, \r.
    if matches!(first, b' ' | b'\t' | b'\n' | 0x0b | 0x0c | b'\r') {
        return None;
    }
    let text = std::str::from_utf8(s).ok()?;
    if is_hex_float(text) {
        return super::longdouble::strtod_exact(s);
    }
    if !is_decimal_float(text) && !is_inf_word(text) {
        return None;
    }
    let v: f64 = text.parse().ok()?;
    if v.is_nan() {
        return None;
    }
    if v.is_infinite() && !is_inf_word(text) {
        return None; // strtod overflow: ERANGE with HUGE_VAL
    }
    if v == 0.0 && mantissa_has_nonzero_digit(text) {
        return None; // strtod underflow to zero: ERANGE
    }
    Some(v)
}

fn strip_sign(t: &str) -> &str {
    t.strip_prefix(['+', '-']).unwrap_or(t)
}

/// `inf` or `infinity`, any case, optionally signed (what strtod accepts).
fn is_inf_word(t: &str) -> bool {
    let w = strip_sign(t);
    w.eq_ignore_ascii_case("inf") || w.eq_ignore_ascii_case("infinity")
}

fn is_hex_float(t: &str) -> bool {
    let w = strip_sign(t).as_bytes();
    w.len() >= 2 && w[0] == b'0' && (w[1] | 0x20) == b'x'
}

/// `[sign] digits [. digits] [(e|E) [sign] digits]` with at least one mantissa digit: the
/// decimal syntax both strtod and Rust accept (Rust alone would also take `nan`, which strtod
/// parses but Redis rejects, and strtod alone takes hex, handled separately).
fn is_decimal_float(t: &str) -> bool {
    let b = strip_sign(t).as_bytes();
    let mut i = 0;
    let int_digits = b.iter().take_while(|c| c.is_ascii_digit()).count();
    i += int_digits;
    let mut frac_digits = 0;
    if b.get(i) == Some(&b'.') {
        i += 1;
        frac_digits = b[i..].iter().take_while(|c| c.is_ascii_digit()).count();
        i += frac_digits;
    }
    if int_digits + frac_digits == 0 {
        return false;
    }
    if matches!(b.get(i), Some(b'e' | b'E')) {
        i += 1;
        if matches!(b.get(i), Some(b'+' | b'-')) {
            i += 1;
        }
        let exp_digits = b[i..].iter().take_while(|c| c.is_ascii_digit()).count();
        if exp_digits == 0 {
            return false;
        }
        i += exp_digits;
    }
    i == b.len()
}

fn mantissa_has_nonzero_digit(t: &str) -> bool {
    t.bytes().take_while(|c| !matches!(c, b'e' | b'E')).any(|c| (b'1'..=b'9').contains(&c))
}

/// Format like C's `printf("%.17g", v)`, as Redis's `addReplyDouble` replies scores; infinities
/// are `inf`/`-inf` (Redis special-cases them) and NaN is `nan`.
pub fn d2string(v: f64) -> String {
    if v.is_nan() {
        return "nan".to_owned();
    }
    if v.is_infinite() {
        return if v > 0.0 { "inf" } else { "-inf" }.to_owned();
    }
    format_g(v, 17)
}

/// C's `%.<precision>g` for a finite `v` (`precision >= 1`).
pub(crate) fn format_g(v: f64, precision: usize) -> String {
    // Scientific form with `precision` significant digits decides the exponent after rounding.
    let sci = format!("{:.*e}", precision - 1, v);
    let (mantissa, exp) = sci.split_once('e').unwrap_or((&sci, "0"));
    let exp: i32 = exp.parse().unwrap_or(0);
    let precision_i = i32::try_from(precision).unwrap_or(i32::MAX);
    if exp < -4 || exp >= precision_i {
        let m = trim_fraction_zeros(mantissa);
        let sign = if exp < 0 { '-' } else { '+' };
        format!("{m}e{sign}{:02}", exp.unsigned_abs())
    } else {
        let decimals = usize::try_from(precision_i - 1 - exp).unwrap_or(0);
        trim_fraction_zeros(&format!("{v:.decimals$}")).to_owned()
    }
}

/// Drop trailing zeros after a decimal point, and the point if nothing follows it.
fn trim_fraction_zeros(s: &str) -> &str {
    if !s.contains('.') {
        return s;
    }
    s.trim_end_matches('0').trim_end_matches('.')
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn string2ll_is_strict_like_redis() {
        assert_eq!(string2ll(b"0"), Some(0));
        assert_eq!(string2ll(b"-1"), Some(-1));
        assert_eq!(string2ll(b"9223372036854775807"), Some(i64::MAX));
        assert_eq!(string2ll(b"-9223372036854775808"), Some(i64::MIN));
        for bad in [
            &b""[..],
            b"-",
            b"-0",
            b"01",
            b"+1",
            b" 1",
            b"1 ",
            b"1a",
            b"9223372036854775808",
            b"-9223372036854775809",
            b"18446744073709551616",
            b"000000000000000000001",
            b"1.0",
        ] {
            assert_eq!(string2ll(bad), None, "{:?}", String::from_utf8_lossy(bad));
        }
    }

    #[test]
    fn ll2vec_round_trips() {
        for v in [0, 1, 9, 10, 99, 100, 12345, -1, -10, -100, i64::MAX, i64::MIN, 1_000_000_007] {
            assert_eq!(ll2vec(v), v.to_string().into_bytes());
        }
    }

    #[test]
    fn string2d_follows_strtod_rules() {
        assert_eq!(string2d(b"1e5"), Some(1e5));
        assert_eq!(string2d(b"+1.5"), Some(1.5));
        assert_eq!(string2d(b".5"), Some(0.5));
        assert_eq!(string2d(b"5."), Some(5.0));
        assert_eq!(string2d(b"inf"), Some(f64::INFINITY));
        assert_eq!(string2d(b"-Infinity"), Some(f64::NEG_INFINITY));
        assert_eq!(string2d(b"+inf"), Some(f64::INFINITY));
        assert_eq!(string2d(b"0x10"), Some(16.0));
        assert_eq!(string2d(b"-0x1.8p1"), Some(-3.0));
        assert_eq!(string2d(b"0e-500"), Some(0.0));
        assert_eq!(string2d(b"4.9e-324"), Some(4.9e-324)); // denormal: ERANGE but non-zero
        for bad in [&b""[..], b" 1", b"1 ", b"nan", b"NaN", b"1e", b"e5", b".", b"-", b"1e400", b"1e-400", b"abc", b"0x"] {
            assert_eq!(string2d(bad), None, "{:?}", String::from_utf8_lossy(bad));
        }
    }

    /// Expected strings observed from redis-server 7.0.15 ZSCORE/ZRANGE WITHSCORES.
    #[test]
    fn d2string_prints_like_redis_scores() {
        assert_eq!(d2string(3.0), "3");
        assert_eq!(d2string(3.1), "3.1000000000000001");
        assert_eq!(d2string(0.1), "0.10000000000000001");
        assert_eq!(d2string(1e15), "1000000000000000");
        assert_eq!(d2string(1e17), "1e+17");
        assert_eq!(d2string(123456789012345678.0), "1.2345678901234568e+17");
        assert_eq!(d2string(1.5e300), "1.5000000000000001e+300");
        assert_eq!(d2string(f64::INFINITY), "inf");
        assert_eq!(d2string(f64::NEG_INFINITY), "-inf");
        assert_eq!(d2string(-0.0), "-0");
        assert_eq!(d2string(1e-5), "1.0000000000000001e-05");
        assert_eq!(d2string(0.0001), "0.0001");
        assert_eq!(d2string(2.5), "2.5");
        assert_eq!(d2string(-0.1), "-0.10000000000000001");
    }

    /// `%.17g` agrees with the C library's printf on many values, including exact ties.
    #[test]
    fn format_g_agrees_with_libc() {
        let mut rng = crate::env::Rng::new(1);
        // 1234567890123456.75 is exact and a tie at 17 digits (rounds to even).
        let mut values = vec![1_234_567_890_123_456.0 + 0.75, 0.5, 2.5e-5, 1e16, 9.999999999999999e16, 5e-324, f64::MAX, f64::MIN_POSITIVE];
        for _ in 0..20_000 {
            values.push(f64::from_bits(rng.next_u64()));
            values.push((rng.next_u64() % 1_000_000) as f64 / 64.0);
        }
        for v in values.into_iter().filter(|v| v.is_finite()) {
            assert_eq!(format_g(v, 17), super::super::longdouble::c_format_g17(v), "{v:e}");
        }
    }
}
