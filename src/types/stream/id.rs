//! Stream entry IDs (`streamID`): `<ms>-<seq>`, two unsigned 64-bit numbers ordered as a pair.
//! In RDB files and listpack node keys an ID is 16 bytes, both halves big-endian.
//!
//! Parsing follows `streamGenericParseIDOrReply`: `-` is `0-0`, `+` is the largest ID (both
//! refused where an exact ID is needed), `<ms>` alone takes a default sequence, and each half
//! is read like `string2ull` (a canonical non-negative integer, or `strtoull`'s leading blanks
//! and `+`).

use std::fmt;

#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct StreamId {
    pub ms: u64,
    pub seq: u64,
}

/// Redis's reply to any malformed ID.
pub const ERR_INVALID_ID: &str = "ERR Invalid stream ID specified as stream command argument";

impl StreamId {
    pub const MIN: StreamId = StreamId { ms: 0, seq: 0 };
    pub const MAX: StreamId = StreamId { ms: u64::MAX, seq: u64::MAX };

    pub fn new(ms: u64, seq: u64) -> StreamId {
        StreamId { ms, seq }
    }

    /// The next ID (`streamIncrID`); `None` after the largest.
    pub fn next(self) -> Option<StreamId> {
        match (self.seq.checked_add(1), self.ms.checked_add(1)) {
            (Some(seq), _) => Some(StreamId::new(self.ms, seq)),
            (None, Some(ms)) => Some(StreamId::new(ms, 0)),
            (None, None) => None,
        }
    }

    /// The previous ID (`streamDecrID`); `None` before `0-0`.
    pub fn prev(self) -> Option<StreamId> {
        match (self.seq.checked_sub(1), self.ms.checked_sub(1)) {
            (Some(seq), _) => Some(StreamId::new(self.ms, seq)),
            (None, Some(ms)) => Some(StreamId::new(ms, u64::MAX)),
            (None, None) => None,
        }
    }

    pub fn to_be_bytes(self) -> [u8; 16] {
        let mut out = [0u8; 16];
        out[..8].copy_from_slice(&self.ms.to_be_bytes());
        out[8..].copy_from_slice(&self.seq.to_be_bytes());
        out
    }

    pub fn from_be_bytes(b: &[u8]) -> Option<StreamId> {
        let b: &[u8; 16] = b.try_into().ok()?;
        let (ms, seq) = b.split_at(8);
        Some(StreamId::new(u64::from_be_bytes(ms.try_into().ok()?), u64::from_be_bytes(seq.try_into().ok()?)))
    }

    pub fn to_vec(self) -> Vec<u8> {
        self.to_string().into_bytes()
    }
}

impl fmt::Display for StreamId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}-{}", self.ms, self.seq)
    }
}

/// How an ID argument may be written.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct IdSyntax {
    /// `-` and `+` are refused (an exact ID is needed).
    pub strict: bool,
    /// The sequence when only `<ms>` is given.
    pub missing_seq: u64,
    /// `<ms>-*` is accepted (XADD): the sequence is then to be generated.
    pub seq_star: bool,
}

impl IdSyntax {
    /// A range bound: `-`, `+`, `<ms>` (sequence `missing_seq`) or `<ms>-<seq>`.
    pub const fn range(missing_seq: u64) -> IdSyntax {
        IdSyntax { strict: false, missing_seq, seq_star: false }
    }

    /// An exact ID (`<ms>` means `<ms>-0`).
    pub const STRICT: IdSyntax = IdSyntax { strict: true, missing_seq: 0, seq_star: false };
}

/// A parsed ID argument; `seq_given` is false only for `<ms>-*` (`<ms>` alone counts as
/// given, with the default sequence, as in Redis).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ParsedId {
    pub id: StreamId,
    pub seq_given: bool,
}

/// Parse an ID argument; `None` is [`ERR_INVALID_ID`].
pub fn parse_id(arg: &[u8], syntax: IdSyntax) -> Option<ParsedId> {
    if arg.len() > 127 {
        return None;
    }
    match arg {
        b"-" | b"+" if syntax.strict => return None,
        b"-" => return Some(ParsedId { id: StreamId::MIN, seq_given: true }),
        b"+" => return Some(ParsedId { id: StreamId::MAX, seq_given: true }),
        _ => {}
    }
    let Some(dash) = arg.iter().position(|&b| b == b'-') else {
        return Some(ParsedId { id: StreamId::new(string2ull(arg)?, syntax.missing_seq), seq_given: true });
    };
    let ms = string2ull(&arg[..dash])?;
    let seq_part = &arg[dash + 1..];
    if syntax.seq_star && seq_part == b"*" {
        return Some(ParsedId { id: StreamId::new(ms, 0), seq_given: false });
    }
    Some(ParsedId { id: StreamId::new(ms, string2ull(seq_part)?), seq_given: true })
}

/// Redis's `string2ull`: a canonical non-negative `string2ll` number, or what `strtoull`
/// reads completely (leading blanks, an optional `+`, decimal digits, no overflow).
pub fn string2ull(s: &[u8]) -> Option<u64> {
    if let Some(v) = crate::util::number::string2ll(s) {
        return u64::try_from(v).ok();
    }
    let s = s.trim_ascii_start();
    let digits = s.strip_prefix(b"+").unwrap_or(s);
    if digits.is_empty() || !digits.iter().all(u8::is_ascii_digit) {
        return None;
    }
    digits.iter().try_fold(0u64, |acc, d| acc.checked_mul(10)?.checked_add(u64::from(d - b'0')))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_parse_like_redis() {
        let p = |s: &str, syn| parse_id(s.as_bytes(), syn).map(|p| (p.id.to_string(), p.seq_given));
        assert_eq!(p("5-1", IdSyntax::STRICT), Some(("5-1".into(), true)));
        assert_eq!(p("5", IdSyntax::STRICT), Some(("5-0".into(), true)));
        assert_eq!(p("5", IdSyntax::range(u64::MAX)), Some(("5-18446744073709551615".into(), true)));
        assert_eq!(p("-", IdSyntax::range(0)), Some(("0-0".into(), true)));
        assert_eq!(p("+", IdSyntax::STRICT), None);
        assert_eq!(p("5-*", IdSyntax { seq_star: true, ..IdSyntax::STRICT }), Some(("5-0".into(), false)));
        assert_eq!(p("5-*", IdSyntax::STRICT), None);
        for bad in ["", "-1", "5-", "a-1", "1-1-1", "18446744073709551616"] {
            assert_eq!(p(bad, IdSyntax::STRICT), None, "{bad}");
        }
        assert_eq!(p("18446744073709551615-0", IdSyntax::STRICT), Some(("18446744073709551615-0".into(), true)));
    }

    #[test]
    fn next_and_prev_carry_and_stop_at_the_ends() {
        assert_eq!(StreamId::new(1, u64::MAX).next(), Some(StreamId::new(2, 0)));
        assert_eq!(StreamId::MAX.next(), None);
        assert_eq!(StreamId::new(2, 0).prev(), Some(StreamId::new(1, u64::MAX)));
        assert_eq!(StreamId::MIN.prev(), None);
        let id = StreamId::new(0x0102, 7);
        assert_eq!(StreamId::from_be_bytes(&id.to_be_bytes()), Some(id));
    }
}
