//! INCRBYFLOAT / HINCRBYFLOAT arithmetic in C `long double`, through the tiny C shim
//! `longdouble.c` (built by the root `build.rs` with the `cc` crate).
//!
//! Why C: Redis computes these increments in `long double` (x87 80-bit extended precision on
//! x86-64, 64-bit mantissa) and prints the sum with `%.17Lf`, trimming trailing zeros. The
//! digits a client sees depend on that precision: `SET a 10.5; INCRBYFLOAT a 0.1` gives `10.6`
//! and a following `INCRBYFLOAT a 5.0e3` gives `5010.60000000000000009`, which no `f64`
//! computation reproduces. Rust has no 80-bit float, so this is the one place the engine uses
//! C. The shim is pure (no allocation, no state, no I/O).
//!
//! The shim also provides C `strtod` for the rare hex-float inputs of [`super::string2d`], and
//! C `printf("%.17g")` as the reference the Rust `%.17g` formatter is tested against.
//!
//! Parsing rules (Redis's `string2ld`): non-empty, shorter than [`MAX_LONG_DOUBLE_CHARS`], no
//! leading space, no trailing garbage, not NaN, no overflow to infinity, no underflow to zero.
//! `inf` parses, but a sum that is infinite (or NaN) is an error.

use std::ffi::{c_char, c_int};

/// Longest accepted input, and the output buffer size (Redis's `MAX_LONG_DOUBLE_CHARS`). The
/// longest possible output (`LDBL_MAX` with 17 decimals) is 4951 bytes, so it always fits.
pub const MAX_LONG_DOUBLE_CHARS: usize = 5 * 1024;

extern "C" {
    fn keel_ld_add(a: *const c_char, alen: usize, b: *const c_char, blen: usize, out: *mut c_char, outcap: usize) -> c_int;
    fn keel_string2ld(s: *const c_char, slen: usize, out: *mut f64) -> c_int;
    fn keel_strtod(s: *const c_char, slen: usize, out: *mut f64) -> c_int;
    #[cfg(test)]
    fn keel_format_g17(v: f64, out: *mut c_char, outcap: usize) -> c_int;
}

/// Why an increment failed; the `Display` texts are Redis's error messages (without `ERR `).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum IncrFloatError {
    /// The stored value does not parse (HINCRBYFLOAT says "hash value is not a float").
    CurrentNotFloat,
    /// The increment does not parse.
    IncrNotFloat,
    /// The sum is NaN or infinite.
    NanOrInfinity,
}

impl std::fmt::Display for IncrFloatError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            IncrFloatError::CurrentNotFloat | IncrFloatError::IncrNotFloat => "value is not a valid float",
            IncrFloatError::NanOrInfinity => "increment would produce NaN or Infinity",
        })
    }
}

impl std::error::Error for IncrFloatError {}

/// `current + incr` in long double, formatted as INCRBYFLOAT stores and replies it. A missing
/// key is `current = b"0"`; an integer-encoded value is passed as its decimal text.
pub fn incr_by_float(current: &[u8], incr: &[u8]) -> Result<Vec<u8>, IncrFloatError> {
    let mut out = vec![0u8; MAX_LONG_DOUBLE_CHARS];
    // SAFETY: the pointers and lengths describe live slices; the shim reads at most `alen` /
    // `blen` bytes and writes at most `outcap` bytes (NUL included) into `out`.
    let n = unsafe {
        keel_ld_add(
            current.as_ptr().cast(),
            current.len(),
            incr.as_ptr().cast(),
            incr.len(),
            out.as_mut_ptr().cast(),
            out.len(),
        )
    };
    match n {
        -1 => Err(IncrFloatError::CurrentNotFloat),
        -2 => Err(IncrFloatError::IncrNotFloat),
        // -4 (no room) cannot happen with MAX_LONG_DOUBLE_CHARS; report it as Redis would
        // reply to a value it cannot represent.
        n if n <= 0 => Err(IncrFloatError::NanOrInfinity),
        n => {
            out.truncate(n as usize);
            Ok(out)
        }
    }
}

/// Redis's `string2ld`: whether `s` is a valid long double, with its value rounded to `f64`.
pub fn string2ld(s: &[u8]) -> Option<f64> {
    let mut v = 0.0;
    // SAFETY: `s` is a live slice of `s.len()` bytes, which the shim copies before parsing;
    // `v` is a valid `f64` to write.
    let ok = unsafe { keel_string2ld(s.as_ptr().cast(), s.len(), &mut v) };
    (ok == 1).then_some(v)
}

/// C `strtod` with Redis's `string2d` checks, for inputs Rust's parser does not take (hex).
pub(crate) fn strtod_exact(s: &[u8]) -> Option<f64> {
    let mut buf = Vec::with_capacity(s.len() + 1);
    buf.extend_from_slice(s);
    buf.push(0);
    let mut v = 0.0;
    // SAFETY: `buf` is NUL-terminated and `s.len()` bytes precede the NUL; strtod stops at the
    // NUL at the latest. `v` is a valid `f64` to write.
    let ok = unsafe { keel_strtod(buf.as_ptr().cast(), s.len(), &mut v) };
    (ok == 1).then_some(v)
}

/// C `printf("%.17g", v)`, the reference for testing the Rust formatter.
#[cfg(test)]
pub(crate) fn c_format_g17(v: f64) -> String {
    let mut out = [0u8; 64];
    // SAFETY: `out` has room for any `%.17g` output (at most 25 bytes) and its NUL.
    let n = unsafe { keel_format_g17(v, out.as_mut_ptr().cast(), out.len()) };
    String::from_utf8_lossy(&out[..usize::try_from(n).unwrap_or(0).min(out.len())]).into_owned()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn add(a: &str, b: &str) -> Result<String, IncrFloatError> {
        incr_by_float(a.as_bytes(), b.as_bytes()).map(|v| String::from_utf8(v).expect("ascii"))
    }

    /// Expected outputs observed from redis-server 7.0.15 (x86-64) with SET + INCRBYFLOAT.
    #[test]
    fn incr_by_float_matches_redis() {
        assert_eq!(add("10.5", "0.1").as_deref(), Ok("10.6"));
        assert_eq!(add("10.6", "5.0e3").as_deref(), Ok("5010.60000000000000009"));
        assert_eq!(add("0.1", "0.2").as_deref(), Ok("0.3"));
        assert_eq!(add("-0.0", "0").as_deref(), Ok("0"));
        assert_eq!(add("0", "-0.0").as_deref(), Ok("0"));
        assert_eq!(add("3.0e3", "0").as_deref(), Ok("3000"));
        assert_eq!(add("0", "3").as_deref(), Ok("3"));
        assert_eq!(add("0", "-1.5").as_deref(), Ok("-1.5"));
        assert_eq!(add("0", "0x10").as_deref(), Ok("16"));
        assert_eq!(add("0", "123456789.123456789123").as_deref(), Ok("123456789.12345678912242875"));
        assert_eq!(add("0", "100000000000000000000000").as_deref(), Ok("100000000000000000000000"));
        let e300 = add("1e300", "1e300").expect("finite");
        assert!(e300.starts_with("2000000000000000000017994648159118387741047888546581495876520164642531293192361871511698304167500994380700745017228549671807185112369345967826192521041497292574654271283687306588168510215212033579453305864740061102765895241989080589545563779241212358535223254194821301134374772211380178849830208012288"));
        assert_eq!(e300.len(), 301);
        // 1.5e308 * 2 overflows a double but not a long double.
        let big = add("1.5e308", "1.5e308").expect("finite in long double");
        assert!(big.starts_with("29999999999999999999980295297893693606203368193012188993426737084236"));
        assert_eq!(big.len(), 309);
        let max2 = add("179769313486231569995921046774104434048386446944329178485314420765176628523124396354701868608387085564428793419425520689308708363451136055357897278026477617073498977686288394835618163294045594434929537447290627480669417384648879122776218333598953852832103282504751611691208117720159985926376802466863339536384", "1.7976931348623157e308").expect("finite");
        assert!(max2.starts_with("3595386269724631399918420935482088680967728938886583569706288415303532570462487927094037372167741711288575868388510413786174167269022721107157945560529552341469979553725767896712363265880911888698590748945812549613388347692977582455524366671979077056642065650095032233824162354403199718527536049337266790"));
    }

    /// Errors observed from redis-server 7.0.15.
    #[test]
    fn incr_by_float_rejects_like_redis() {
        assert_eq!(add("3000", "abc"), Err(IncrFloatError::IncrNotFloat));
        assert_eq!(add(" 1", "1"), Err(IncrFloatError::CurrentNotFloat));
        assert_eq!(add("0", "nan"), Err(IncrFloatError::IncrNotFloat));
        assert_eq!(add("0", "inf"), Err(IncrFloatError::NanOrInfinity));
        assert_eq!(add("0", "1e-5000"), Err(IncrFloatError::IncrNotFloat));
        assert_eq!(add("0", "1 "), Err(IncrFloatError::IncrNotFloat));
        assert_eq!(add("0", ""), Err(IncrFloatError::IncrNotFloat));
        assert_eq!(add("0", &"1".repeat(MAX_LONG_DOUBLE_CHARS)), Err(IncrFloatError::IncrNotFloat));
        assert_eq!(IncrFloatError::NanOrInfinity.to_string(), "increment would produce NaN or Infinity");
    }

    #[test]
    fn long_double_range_exceeds_double() {
        // 1 + 1e4000 is finite in long double: 4000 digits (9.99...e3999, observed on
        // redis-server 7.0.15).
        let v = add("1", "1e4000").expect("finite in long double");
        assert_eq!(v.len(), 4000);
        assert!(v.starts_with("99999999999999999999654638730996237849324925835069576313015"));
        assert_eq!(string2ld(b"1e4000"), Some(f64::INFINITY));
        assert_eq!(string2ld(b"2.5"), Some(2.5));
        assert_eq!(string2ld(b"x"), None);
    }
}
