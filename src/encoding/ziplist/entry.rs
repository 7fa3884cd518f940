//! One ziplist entry: `<prevlen> <encoding> <data>` (the format is specified in the parent
//! module's doc). Decoding here is the only place entry bytes are interpreted; it is bounds
//! checked (Redis's `zipEntrySafe`), so the validator and the trusted operations share it.

use crate::util::number::string2ll;

/// Offset of the first entry: zlbytes (4) + zltail (4) + zllen (2).
pub(crate) const HEADER_SIZE: usize = 10;
/// The terminator byte, and never the first byte of an entry.
pub(crate) const END: u8 = 0xFF;
/// First byte of a 5-byte prevlen field.
pub(crate) const BIG_PREVLEN: u8 = 0xFE;

pub(crate) const STR_06B: u8 = 0x00;
pub(crate) const STR_14B: u8 = 0x40;
pub(crate) const STR_32B: u8 = 0x80;
pub(crate) const INT_16B: u8 = 0xC0;
pub(crate) const INT_32B: u8 = 0xD0;
pub(crate) const INT_64B: u8 = 0xE0;
pub(crate) const INT_24B: u8 = 0xF0;
pub(crate) const INT_8B: u8 = 0xFE;
pub(crate) const INT_IMM_MIN: u8 = 0xF1;
pub(crate) const INT_IMM_MAX: u8 = 0xFD;

/// A value read from a ziplist: strings are borrowed, integers decoded. The order (every
/// string before every integer) only serves to sort values to find repeats.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum ZlValue<'a> {
    Str(&'a [u8]),
    Int(i64),
}

impl ZlValue<'_> {
    /// The value as Redis would reply it: integers in decimal.
    pub fn to_vec(&self) -> Vec<u8> {
        match *self {
            ZlValue::Str(s) => s.to_vec(),
            ZlValue::Int(v) => crate::util::number::ll2vec(v),
        }
    }

    /// Whether the ziplist itself would have stored this value so: a string that reads as an
    /// integer (`string2ll`) is always stored as an integer entry. Only blobs from outside
    /// can hold a non-canonical entry; among canonical ones, equal bytes mean equal values.
    pub fn is_canonical(&self) -> bool {
        match *self {
            ZlValue::Str(s) => matches!(try_encoding(s), Encoded::Str(_)),
            ZlValue::Int(_) => true,
        }
    }

    /// Length of the value's bytes (integers in decimal).
    pub fn byte_len(&self) -> usize {
        self.with_bytes(|b| b.len())
    }

    /// Calls `f` with the value's bytes (integers in decimal, formatted on the stack).
    pub fn with_bytes<R>(&self, f: impl FnOnce(&[u8]) -> R) -> R {
        match *self {
            ZlValue::Str(s) => f(s),
            ZlValue::Int(v) => crate::util::number::with_i64_str(v, f),
        }
    }
}

/// A decoded entry header (Redis's `zlentry`).
#[derive(Debug, Clone, Copy)]
pub(crate) struct Entry {
    pub off: usize,
    pub prevlen_size: usize,
    pub prevlen: usize,
    pub len_size: usize,
    /// Bytes of data after the header.
    pub len: usize,
    /// For strings the masked type (`STR_06B` / `STR_14B` / `STR_32B`), else the int byte.
    pub enc: u8,
}

impl Entry {
    pub fn header_size(&self) -> usize {
        self.prevlen_size + self.len_size
    }
    pub fn raw_len(&self) -> usize {
        self.header_size() + self.len
    }
    pub fn data_off(&self) -> usize {
        self.off + self.header_size()
    }
}

pub(crate) fn is_str(enc: u8) -> bool {
    enc & 0xC0 != 0xC0
}

/// Data bytes of an integer encoding, `None` for an invalid one (`zipIntSize`).
fn int_size(enc: u8) -> Option<usize> {
    match enc {
        INT_8B => Some(1),
        INT_16B => Some(2),
        INT_24B => Some(3),
        INT_32B => Some(4),
        INT_64B => Some(8),
        INT_IMM_MIN..=INT_IMM_MAX => Some(0),
        _ => None,
    }
}

/// Size of a prevlen field holding `len` (`zipStorePrevEntryLength(NULL, len)`).
pub(crate) fn prevlen_size_for(len: usize) -> usize {
    if len < usize::from(BIG_PREVLEN) {
        1
    } else {
        5
    }
}

/// Decode the entry at `off` if its header and data lie before the final END byte of `buf`.
pub(crate) fn entry_safe(buf: &[u8], off: usize) -> Option<Entry> {
    let end = buf.len().checked_sub(1)?;
    let first = *buf.get(off)?;
    let (prevlen_size, prevlen) = if first < BIG_PREVLEN {
        (1, usize::from(first))
    } else {
        let b = buf.get(off + 1..off + 5)?;
        (5, u32::from_le_bytes([b[0], b[1], b[2], b[3]]) as usize)
    };
    let p = off + prevlen_size;
    let encb = *buf.get(p)?;
    let (enc, len_size, len) = if is_str(encb) {
        match encb & 0xC0 {
            STR_06B => (STR_06B, 1, usize::from(encb & 0x3F)),
            STR_14B => {
                let lo = *buf.get(p + 1)?;
                (STR_14B, 2, (usize::from(encb & 0x3F) << 8) | usize::from(lo))
            }
            _ => {
                let b = buf.get(p + 1..p + 5)?;
                (STR_32B, 5, u32::from_be_bytes([b[0], b[1], b[2], b[3]]) as usize)
            }
        }
    } else {
        (encb, 1, int_size(encb)?)
    };
    let e = Entry { off, prevlen_size, prevlen, len_size, len, enc };
    let entry_end = off.checked_add(e.raw_len())?;
    (entry_end <= end).then_some(e)
}

/// Decode an entry of a ziplist whose invariants hold (validated or built by this module).
pub(crate) fn entry_at(buf: &[u8], off: usize) -> Entry {
    entry_safe(buf, off).expect("ziplist invariant: entries decode within the blob")
}

/// The value of a decoded entry.
pub(crate) fn value_of<'a>(buf: &'a [u8], e: &Entry) -> ZlValue<'a> {
    let d = &buf[e.data_off()..e.data_off() + e.len];
    if is_str(e.enc) {
        return ZlValue::Str(d);
    }
    ZlValue::Int(match e.enc {
        INT_8B => i64::from(d[0] as i8),
        INT_16B => i64::from(i16::from_le_bytes([d[0], d[1]])),
        INT_24B => i64::from(i32::from_le_bytes([0, d[0], d[1], d[2]]) >> 8),
        INT_32B => i64::from(i32::from_le_bytes([d[0], d[1], d[2], d[3]])),
        INT_64B => i64::from_le_bytes([d[0], d[1], d[2], d[3], d[4], d[5], d[6], d[7]]),
        imm => i64::from((imm & 0x0F) - 1),
    })
}

/// How a value will be stored: an integer encoding with its value, or a string.
#[derive(Debug, Clone, Copy)]
pub(crate) enum Encoded<'a> {
    Int(u8, i64),
    Str(&'a [u8]),
}

/// Redis's `zipTryEncoding`: canonical decimal integers shorter than 32 bytes are stored in the
/// smallest integer encoding.
pub(crate) fn try_encoding(s: &[u8]) -> Encoded<'_> {
    if s.is_empty() || s.len() >= 32 {
        return Encoded::Str(s);
    }
    match string2ll(s) {
        Some(v) => Encoded::Int(int_encoding_for(v), v),
        None => Encoded::Str(s),
    }
}

fn int_encoding_for(v: i64) -> u8 {
    const INT24_MIN: i64 = -(1 << 23);
    const INT24_MAX: i64 = (1 << 23) - 1;
    match v {
        0..=12 => INT_IMM_MIN + v as u8,
        _ if i8::try_from(v).is_ok() => INT_8B,
        _ if i16::try_from(v).is_ok() => INT_16B,
        INT24_MIN..=INT24_MAX => INT_24B,
        _ if i32::try_from(v).is_ok() => INT_32B,
        _ => INT_64B,
    }
}

impl Encoded<'_> {
    /// Bytes of `<encoding><data>` (without prevlen).
    pub fn size(&self) -> usize {
        match *self {
            Encoded::Int(enc, _) => 1 + int_size(enc).unwrap_or(0),
            Encoded::Str(s) => str_len_size(s.len()) + s.len(),
        }
    }

    /// Append `<encoding><data>` to `out` (`zipStoreEntryEncoding` + data / `zipSaveInteger`).
    pub fn write(&self, out: &mut Vec<u8>) {
        match *self {
            Encoded::Int(enc, v) => {
                out.push(enc);
                let le = v.to_le_bytes();
                match enc {
                    INT_8B => out.push(le[0]),
                    INT_16B => out.extend_from_slice(&le[..2]),
                    INT_24B => out.extend_from_slice(&le[..3]),
                    INT_32B => out.extend_from_slice(&le[..4]),
                    INT_64B => out.extend_from_slice(&le),
                    _ => {}
                }
            }
            Encoded::Str(s) => {
                let n = s.len();
                if n <= 0x3F {
                    out.push(STR_06B | n as u8);
                } else if n <= 0x3FFF {
                    out.push(STR_14B | (n >> 8) as u8);
                    out.push((n & 0xFF) as u8);
                } else {
                    out.push(STR_32B);
                    let n32 = u32::try_from(n).expect("ziplist strings are under 4 GiB");
                    out.extend_from_slice(&n32.to_be_bytes());
                }
                out.extend_from_slice(s);
            }
        }
    }
}

fn str_len_size(n: usize) -> usize {
    if n <= 0x3F {
        1
    } else if n <= 0x3FFF {
        2
    } else {
        5
    }
}

/// Append a prevlen field for `len`, 5 bytes if `large` or if it does not fit in one.
pub(crate) fn write_prevlen(out: &mut Vec<u8>, len: usize, large: bool) {
    if !large && len < usize::from(BIG_PREVLEN) {
        out.push(len as u8);
    } else {
        out.push(BIG_PREVLEN);
        let len32 = u32::try_from(len).expect("ziplist entries are under 4 GiB");
        out.extend_from_slice(&len32.to_le_bytes());
    }
}

/// Overwrite the prevlen field at `off` in place; its size must be `size` (1 or 5).
pub(crate) fn store_prevlen(buf: &mut [u8], off: usize, len: usize, size: usize) {
    let mut tmp = Vec::with_capacity(5);
    write_prevlen(&mut tmp, len, size == 5);
    debug_assert_eq!(tmp.len(), size, "prevlen field size");
    buf[off..off + tmp.len()].copy_from_slice(&tmp);
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn try_encoding_picks_the_smallest_integer_encoding() {
        let enc = |s: &[u8]| match try_encoding(s) {
            Encoded::Int(e, _) => Some(e),
            Encoded::Str(_) => None,
        };
        assert_eq!(enc(b"0"), Some(0xF1));
        assert_eq!(enc(b"12"), Some(0xFD));
        assert_eq!(enc(b"13"), Some(INT_8B));
        assert_eq!(enc(b"-128"), Some(INT_8B));
        assert_eq!(enc(b"-129"), Some(INT_16B));
        assert_eq!(enc(b"32768"), Some(INT_24B));
        assert_eq!(enc(b"8388608"), Some(INT_32B));
        assert_eq!(enc(b"2147483648"), Some(INT_64B));
        assert_eq!(enc(b"007"), None);
        assert_eq!(enc(b"-0"), None);
        assert_eq!(enc(b"+1"), None);
        assert_eq!(enc(b""), None);
    }

    #[test]
    fn every_int_encoding_round_trips() {
        for v in [0, 12, 13, -1, 127, -128, 300, -32768, 40000, -8388608, 1 << 30, i64::MIN, i64::MAX] {
            let s = crate::util::number::ll2vec(v);
            let mut buf = vec![0u8];
            try_encoding(&s).write(&mut buf);
            buf.push(END);
            let e = entry_safe(&buf, 0).expect("decodes");
            assert_eq!(value_of(&buf, &e), ZlValue::Int(v));
        }
    }
}
