//! SORT's helpers (`sort.c`, Redis 7.0): the BY/GET pattern lookup (`lookupKeyByPattern`)
//! and the numeric weight of an element (`strtod` with Redis's checks).
//!
//! Patterns:
//! - `#` is the element itself;
//! - otherwise the first `*` is replaced by the element: `weight_*` + `a` → key `weight_a`,
//!   whose value must be a string; a pattern without `*` finds nothing;
//! - a `->` after the `*` with at least one byte after it names a hash field:
//!   `obj_*->price` + `a` → field `price` of the hash at `obj_a`.
//!
//! The looked-up key goes through `lookupKeyRead` (lazy expiry, hits and misses counted);
//! a missing key, a key of the wrong type or a missing field gives `None`.

use super::zset::strtod_whole;
use crate::object::Value;
use crate::server::Server;

/// `lookupKeyByPattern`: the value `pattern` names for the element `subst`, if any.
pub(crate) fn lookup_by_pattern(s: &mut Server, db: usize, pattern: &[u8], subst: &[u8]) -> Option<Vec<u8>> {
    if pattern == b"#" {
        return Some(subst.to_vec());
    }
    let star = pattern.iter().position(|&b| b == b'*')?;
    let arrow = pattern[star + 1..].windows(2).position(|w| w == b"->").map(|i| star + 1 + i);
    let (postfix_end, field) = match arrow {
        Some(f) if f + 2 < pattern.len() => (f, Some(&pattern[f + 2..])),
        _ => (pattern.len(), None),
    };
    let mut key = Vec::with_capacity(pattern.len() + subst.len());
    key.extend_from_slice(&pattern[..star]);
    key.extend_from_slice(subst);
    key.extend_from_slice(&pattern[star + 1..postfix_end]);
    let entry = s.ks.lookup_read(db, &key)?;
    match (&entry.value, field) {
        (Value::Hash(h), Some(field)) => h.get(field).map(|v| v.into_owned()),
        (Value::Str(st), None) => Some(st.to_bytes().into_owned()),
        _ => None,
    }
}

/// The numeric weight SORT gives an element or a BY value: C `strtod` over the value as a C
/// string (it ends at the first NUL byte), which must consume all of it; NaN and results out
/// of range (glibc sets `ERANGE` on overflow to ±inf and on underflow to zero or a
/// subnormal) are refused — Redis then answers "One or more scores can't be converted into
/// double". The empty string weighs 0, as `strtod` converts nothing and stops at the end.
pub(crate) fn sort_weight(value: &[u8]) -> Option<f64> {
    let text = &value[..value.iter().position(|&b| b == 0).unwrap_or(value.len())];
    let v = strtod_whole(text)?;
    if v.is_infinite() && !names_infinity(text) {
        return None;
    }
    // glibc reports a decimal that lands on a subnormal as inexact (ERANGE); a hexadecimal
    // one is exact unless it rounds to zero.
    let hex = text.to_ascii_lowercase().windows(2).any(|w| w == b"0x");
    if ((v == 0.0) || (v.is_subnormal() && !hex)) && mantissa_is_nonzero(text) {
        return None;
    }
    Some(v)
}

/// `inf` / `infinity` spelled out (after spaces and a sign), which is not an overflow.
fn names_infinity(text: &[u8]) -> bool {
    let body: Vec<u8> = text.iter().skip_while(|b| b.is_ascii_whitespace() || **b == 0x0b).copied().collect();
    let body = body.strip_prefix(b"+").or_else(|| body.strip_prefix(b"-")).unwrap_or(&body);
    body.eq_ignore_ascii_case(b"inf") || body.eq_ignore_ascii_case(b"infinity")
}

/// Does the mantissa (before the exponent) hold a non-zero digit? Then a zero or subnormal
/// result is an underflow.
fn mantissa_is_nonzero(text: &[u8]) -> bool {
    let lower = text.to_ascii_lowercase();
    let hex = lower.windows(2).position(|w| w == b"0x");
    match hex {
        Some(at) => {
            let digits = &lower[at + 2..];
            let mantissa = digits.split(|&b| b == b'p').next().unwrap_or_default();
            mantissa.iter().any(|b| b.is_ascii_hexdigit() && *b != b'0')
        }
        None => {
            let mantissa = lower.split(|&b| b == b'e').next().unwrap_or_default();
            mantissa.iter().any(|b| (b'1'..=b'9').contains(b))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::sort_weight;

    #[test]
    fn weights_follow_strtod_with_redis_checks() {
        assert_eq!(sort_weight(b"1.5"), Some(1.5));
        assert_eq!(sort_weight(b" 2"), Some(2.0), "leading spaces are skipped");
        assert_eq!(sort_weight(b"2 "), None, "trailing bytes are refused");
        assert_eq!(sort_weight(b""), Some(0.0));
        assert_eq!(sort_weight(b"-inf"), Some(f64::NEG_INFINITY));
        assert_eq!(sort_weight(b"0x10"), Some(16.0));
        assert_eq!(sort_weight(b"3\0junk"), Some(3.0), "a C string ends at NUL");
        assert_eq!(sort_weight(b"nan"), None);
        assert_eq!(sort_weight(b"1e400"), None, "overflow is ERANGE");
        assert_eq!(sort_weight(b"1e-400"), None, "underflow is ERANGE");
        assert_eq!(sort_weight(b"0e-400"), Some(0.0), "an exact zero is no underflow");
        assert_eq!(sort_weight(b"1e-310"), None, "a decimal subnormal is inexact");
        assert!(sort_weight(b"0x1p-1074").is_some_and(|v| v > 0.0), "an exact hex subnormal");
        assert_eq!(sort_weight(b"abc"), None);
    }
}
