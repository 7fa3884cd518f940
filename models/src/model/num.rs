//! Number parsing and formatting exactly as Redis 7.0 does it (`string2ll`, `string2ld`,
//! `ld2string`), and the argument-parsing errors that go with them.
//!
//! Known approximation: Redis computes INCRBYFLOAT in 80-bit `long double` and parses with
//! `strtold` (which also accepts hex floats such as `0x1p3`); the model uses `f64` and Rust's
//! decimal parser. Results can differ in the last digits, so INCRBYFLOAT is checked with a
//! tolerance in `Model::check_and_adopt` rather than compared byte for byte.

use super::reply::Reply;

pub const ERR_NOT_INT: &str = "ERR value is not an integer or out of range";
pub const ERR_NOT_FLOAT: &str = "ERR value is not a valid float";
/// Redis's `MAX_LONG_DOUBLE_CHARS`: longer strings are not floats.
pub(super) const LONG_DOUBLE_CHARS_MAX: usize = 5 * 1024;

/// Redis `string2ll`: strict decimal, no spaces, no `+`, no leading zeros, no `-0`.
pub fn parse_i64(s: &[u8]) -> Option<i64> {
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
        Some((v as i128).wrapping_neg() as i64)
    } else {
        i64::try_from(v).ok()
    }
}

/// `getLongLongFromObjectOrReply(c, o, &v, NULL)`.
pub fn int_arg(s: &[u8]) -> Result<i64, Reply> {
    parse_i64(s).ok_or_else(|| Reply::err(ERR_NOT_INT))
}

/// `getIntFromObjectOrReply(c, o, &v, msg)`: `msg` replaces both errors when given.
pub fn i32_arg(s: &[u8], msg: Option<&str>) -> Result<i32, Reply> {
    let custom = |default: String| Reply::Error(msg.map_or(default, |m| format!("ERR {m}")));
    let v = parse_i64(s).ok_or_else(|| custom(ERR_NOT_INT.to_string()))?;
    i32::try_from(v).map_err(|_| {
        custom(format!(
            "ERR value is out of range, value must between {} and {}",
            i32::MIN,
            i32::MAX
        ))
    })
}

/// Redis `string2ld`, approximated with `f64` (see the module doc). NaN and inputs that
/// overflow are rejected; `inf` is accepted (Redis accepts it, then refuses to store it).
pub fn parse_f64(s: &[u8]) -> Option<f64> {
    if s.is_empty() || s.len() >= LONG_DOUBLE_CHARS_MAX {
        return None;
    }
    if s[0].is_ascii_whitespace() {
        return None;
    }
    let text = std::str::from_utf8(s).ok()?;
    let v: f64 = text.parse().ok()?;
    if v.is_nan() {
        return None;
    }
    let says_inf = text.to_ascii_lowercase().contains("inf");
    if v.is_infinite() && !says_inf {
        return None; // strtold's ERANGE overflow
    }
    Some(v)
}

/// Redis `ld2string(.., LD_STR_HUMAN)`: `%.17Lf` with trailing zeros (and a bare `.`) trimmed,
/// `-0` printed as `0`. With `f64` we print the shortest round-trip decimal when it fits in 17
/// fractional digits, which is what `%.17Lf` of the `long double` gives for typical values.
pub fn format_human(v: f64) -> String {
    let shortest = format!("{v}");
    let fraction_digits = shortest.split('.').nth(1).map_or(0, str::len);
    let mut s = if fraction_digits <= 17 {
        shortest
    } else {
        format!("{v:.17}")
    };
    if s.contains('.') {
        while s.ends_with('0') {
            s.pop();
        }
        if s.ends_with('.') {
            s.pop();
        }
    }
    if s == "-0" {
        s = "0".to_string();
    }
    s
}
