//! A bounds-checked cursor over the bytes of an RDB file or a DUMP payload: lengths, strings
//! (with the INT and LZF encodings of `format`), doubles and fixed-width integers.
//!
//! Contract: no method panics on any input; running past the end gives
//! [`RdbError::Truncated`] with the offset where the missing bytes start; an invalid encoding
//! gives [`RdbError::Corrupt`]. No allocation is sized by a length read from the input unless
//! that many bytes are present (strings borrow from the input; LZF output is bounded by the
//! best compression ratio LZF can achieve on the bytes actually present).

use std::borrow::Cow;

use super::error::{RdbError, Result};
use super::format::{ENC_INT16, ENC_INT32, ENC_INT8, ENC_LZF, STRING_LEN_MAX};
use crate::encoding::lzf;

/// LZF expands at most 264 output bytes per 3 input bytes (a back reference of maximal length),
/// so an honest `ulen` is at most 88 × `clen` (+ a small constant for short streams).
const LZF_EXPANSION_MAX: u64 = 89;

/// A length or a special string encoding, as the first byte(s) of a string say.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum LenOrEnc {
    Len(u64),
    Enc(u8),
}

pub struct Reader<'a> {
    buf: &'a [u8],
    pos: usize,
    /// Offset of `buf[0]` in the file, for error messages (a blob's reader starts mid-file).
    base: u64,
}

impl<'a> Reader<'a> {
    pub fn new(buf: &'a [u8]) -> Reader<'a> {
        Reader { buf, pos: 0, base: 0 }
    }

    /// File offset of the next byte.
    pub fn offset(&self) -> u64 {
        self.base + self.pos as u64
    }

    pub fn remaining(&self) -> usize {
        self.buf.len() - self.pos
    }

    /// Everything read so far (the CRC covers it).
    pub fn consumed(&self) -> &'a [u8] {
        &self.buf[..self.pos]
    }

    pub fn corrupt(&self, reason: impl Into<String>) -> RdbError {
        RdbError::corrupt(self.offset(), reason)
    }

    pub fn bytes(&mut self, n: usize) -> Result<&'a [u8]> {
        if n > self.remaining() {
            return Err(RdbError::Truncated { offset: self.offset() });
        }
        let out = &self.buf[self.pos..self.pos + n];
        self.pos += n;
        Ok(out)
    }

    /// `bytes` for a length read from the input (`u64`): refuses lengths over the remaining
    /// bytes before converting.
    pub fn bytes_u64(&mut self, n: u64) -> Result<&'a [u8]> {
        match usize::try_from(n) {
            Ok(n) => self.bytes(n),
            Err(_) => Err(RdbError::Truncated { offset: self.offset() }),
        }
    }

    fn array<const N: usize>(&mut self) -> Result<[u8; N]> {
        let mut out = [0u8; N];
        out.copy_from_slice(self.bytes(N)?);
        Ok(out)
    }

    pub fn u8(&mut self) -> Result<u8> {
        Ok(self.array::<1>()?[0])
    }

    pub fn i32_le(&mut self) -> Result<i32> {
        Ok(i32::from_le_bytes(self.array()?))
    }

    pub fn i64_le(&mut self) -> Result<i64> {
        Ok(i64::from_le_bytes(self.array()?))
    }

    pub fn u64_le(&mut self) -> Result<u64> {
        Ok(u64::from_le_bytes(self.array()?))
    }

    /// A length or a special encoding (`rdbLoadLenByRef`).
    pub fn len_or_enc(&mut self) -> Result<LenOrEnc> {
        let first = self.u8()?;
        Ok(match first >> 6 {
            0 => LenOrEnc::Len(u64::from(first & 0x3f)),
            1 => LenOrEnc::Len((u64::from(first & 0x3f) << 8) | u64::from(self.u8()?)),
            2 => match first {
                0x80 => LenOrEnc::Len(u64::from(u32::from_be_bytes(self.array()?))),
                0x81 => LenOrEnc::Len(u64::from_be_bytes(self.array()?)),
                _ => return Err(RdbError::corrupt(self.offset() - 1, format!("unknown length encoding 0x{first:02x}"))),
            },
            _ => LenOrEnc::Enc(first & 0x3f),
        })
    }

    /// A plain length; a special string encoding here is corrupt.
    pub fn length(&mut self) -> Result<u64> {
        let at = self.offset();
        match self.len_or_enc()? {
            LenOrEnc::Len(n) => Ok(n),
            LenOrEnc::Enc(e) => Err(RdbError::corrupt(at, format!("string encoding {e} where a length was expected"))),
        }
    }

    /// A count of items that each take at least `min_item_bytes` bytes: refused when the rest
    /// of the input cannot hold that many, so callers may preallocate it.
    pub fn count(&mut self, min_item_bytes: usize) -> Result<usize> {
        let at = self.offset();
        let n = self.length()?;
        let room = (self.remaining() / min_item_bytes.max(1)) as u64;
        if n > room {
            return Err(RdbError::corrupt(at, format!("count {n} larger than the rest of the file can hold")));
        }
        Ok(n as usize)
    }

    /// A string in any encoding (`rdbGenericLoadStringObject`); integers come back as their
    /// decimal text.
    pub fn string(&mut self) -> Result<Cow<'a, [u8]>> {
        let at = self.offset();
        match self.len_or_enc()? {
            LenOrEnc::Len(n) => {
                if n > STRING_LEN_MAX {
                    return Err(RdbError::corrupt(at, format!("string length {n} over the limit")));
                }
                Ok(Cow::Borrowed(self.bytes_u64(n)?))
            }
            LenOrEnc::Enc(ENC_INT8) => Ok(Cow::Owned(i64::from(self.array::<1>()?[0] as i8).to_string().into_bytes())),
            LenOrEnc::Enc(ENC_INT16) => Ok(Cow::Owned(i16::from_le_bytes(self.array()?).to_string().into_bytes())),
            LenOrEnc::Enc(ENC_INT32) => Ok(Cow::Owned(i32::from_le_bytes(self.array()?).to_string().into_bytes())),
            LenOrEnc::Enc(ENC_LZF) => self.lzf_string().map(Cow::Owned),
            LenOrEnc::Enc(e) => Err(RdbError::corrupt(at, format!("unknown string encoding {e}"))),
        }
    }

    /// `<clen><ulen><clen bytes>` (`rdbLoadLzfStringObject`).
    fn lzf_string(&mut self) -> Result<Vec<u8>> {
        let clen = self.length()?;
        let ulen_at = self.offset();
        let ulen = self.length()?;
        let data_at = self.offset();
        let data = self.bytes_u64(clen)?;
        let limit = clen.saturating_mul(LZF_EXPANSION_MAX).saturating_add(64).min(STRING_LEN_MAX);
        if ulen > limit {
            return Err(RdbError::corrupt(ulen_at, format!("LZF length {ulen} impossible for {clen} compressed bytes")));
        }
        // Both fit in usize: bounded by the input length and STRING_LEN_MAX.
        lzf::decompress(data, ulen as usize, limit as usize)
            .map_err(|c| RdbError::corrupt(data_at + c.offset as u64, format!("invalid LZF data: {}", c.reason)))
    }

    /// An 8-byte IEEE-754 little-endian double (`rdbLoadBinaryDoubleValue`).
    pub fn binary_double(&mut self) -> Result<f64> {
        Ok(f64::from_le_bytes(self.array()?))
    }

    /// A text double of the old ZSET type (`rdbLoadDoubleValue`): 1-byte length then ASCII;
    /// 253 = NaN, 254 = +inf, 255 = -inf.
    pub fn text_double(&mut self) -> Result<f64> {
        let at = self.offset();
        match self.u8()? {
            253 => Ok(f64::NAN),
            254 => Ok(f64::INFINITY),
            255 => Ok(f64::NEG_INFINITY),
            n => {
                let text = self.bytes(usize::from(n))?;
                parse_score(text).ok_or_else(|| RdbError::corrupt(at, "invalid text double"))
            }
        }
    }

    /// A sub-reader over `len` bytes whose offsets are file offsets.
    pub fn sub(&mut self, len: usize) -> Result<Reader<'a>> {
        let base = self.offset();
        let buf = self.bytes(len)?;
        Ok(Reader { buf, pos: 0, base })
    }
}

/// A score as text, as `strtod` would read what Redis wrote (`%.17g`, `inf`, `-inf`).
pub fn parse_score(text: &[u8]) -> Option<f64> {
    let s = std::str::from_utf8(text).ok()?;
    match s {
        "inf" | "+inf" => Some(f64::INFINITY),
        "-inf" => Some(f64::NEG_INFINITY),
        _ => crate::util::number::string2d(text),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_prefix_of_a_string_is_truncated_not_a_panic() {
        let full = [0x80, 0, 0, 0, 3, b'a', b'b', b'c'];
        for cut in 0..full.len() {
            let mut r = Reader::new(&full[..cut]);
            assert!(matches!(r.string(), Err(RdbError::Truncated { .. })), "cut at {cut}");
        }
    }

    #[test]
    fn huge_declared_lengths_are_refused_without_allocating() {
        let mut r = Reader::new(&[0x81, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff]);
        assert!(r.string().is_err());
        let mut r = Reader::new(&[0xc3, 0x01, 0x81, 0x7f, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x00]);
        assert!(matches!(r.string(), Err(RdbError::Corrupt { .. })));
        let mut r = Reader::new(&[0x80, 0x10, 0, 0, 0, 1, 2]);
        assert!(matches!(r.count(1), Err(RdbError::Corrupt { .. })));
    }

    #[test]
    fn text_doubles_cover_the_special_lengths() {
        let mut r = Reader::new(&[254, 255, 3, b'2', b'.', b'5']);
        assert_eq!(r.text_double().ok(), Some(f64::INFINITY));
        assert_eq!(r.text_double().ok(), Some(f64::NEG_INFINITY));
        assert_eq!(r.text_double().ok(), Some(2.5));
    }
}
