//! zipmap (Redis ≤ 2.4 hashes, RDB type 9): `<zmlen u8>` then pairs
//! `<len>key<len><free>value<free bytes>`, then `0xFF`. A length is 1 byte if < 254, else
//! `0xFE` followed by a u32 LE; `0xFF` in a length position is the end. `zmlen` < 254 is the
//! pair count, 254 means "count unknown".
//!
//! Example {"foo": "bar"}: `[01] [03 66 6f 6f] [03 00 62 61 72] [ff]` (the unit test decodes it).
//!
//! Validation (`zipmapValidateIntegrity`): every length and value inside the blob, the
//! terminator is the last byte, the count matches when known.

use super::{int_le, slice, Corrupt};

const BIGLEN: u8 = 254;
const END: u8 = 0xFF;

/// Field/value pairs.
pub type Pairs = Vec<(Vec<u8>, Vec<u8>)>;

/// The (field, value) pairs of a zipmap blob.
pub fn parse(zm: &[u8]) -> Result<Pairs, Corrupt> {
    let zmlen = *zm.first().ok_or(Corrupt::at(0, "zipmap: empty blob"))?;
    let mut pos = 1;
    let mut out = Vec::new();
    while let Some(len) = length(zm, &mut pos)? {
        let key = slice(zm, pos, len, "zipmap: key past the end")?.to_vec();
        pos += len;
        let vlen = length(zm, &mut pos)?.ok_or(Corrupt::at(pos, "zipmap: end marker where a value length was expected"))?;
        let free = usize::from(*zm.get(pos).ok_or(Corrupt::at(pos, "zipmap: free byte past the end"))?);
        pos += 1;
        let value = slice(zm, pos, vlen, "zipmap: value past the end")?.to_vec();
        pos += vlen;
        slice(zm, pos, free, "zipmap: free space past the end")?;
        pos += free;
        out.push((key, value));
    }
    if pos != zm.len() {
        return Err(Corrupt::at(pos, "zipmap: terminator before the end of the blob"));
    }
    if zmlen < BIGLEN && usize::from(zmlen) != out.len() {
        return Err(Corrupt::at(0, "zipmap: count does not match the pairs"));
    }
    Ok(out)
}

/// A length at `pos` (advanced past it), or `None` for the end marker (`pos` then just after it).
fn length(zm: &[u8], pos: &mut usize) -> Result<Option<usize>, Corrupt> {
    let b = *zm.get(*pos).ok_or(Corrupt::at(*pos, "zipmap: missing terminator"))?;
    *pos += 1;
    match b {
        END => Ok(None),
        BIGLEN => {
            let v = int_le::<4>(zm, *pos)? as u32 as usize;
            *pos += 4;
            Ok(Some(v))
        }
        n => Ok(Some(usize::from(n))),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn doc_example_decodes() {
        let zm = [0x01, 0x03, b'f', b'o', b'o', 0x03, 0x00, b'b', b'a', b'r', 0xff];
        assert_eq!(parse(&zm), Ok(vec![(b"foo".to_vec(), b"bar".to_vec())]));
        assert!(parse(&zm[..10]).is_err());
        let mut bad = zm;
        bad[0] = 2;
        assert!(parse(&bad).is_err());
    }

    #[test]
    fn free_bytes_and_big_lengths_are_skipped() {
        let mut zm = vec![0xfe, 0xfe, 3, 0, 0, 0, b'k', b'e', b'y', 0x01, 0x02, b'v', b'?', b'?', 0xff];
        assert_eq!(parse(&zm), Ok(vec![(b"key".to_vec(), b"v".to_vec())]));
        zm[10] = 0x05;
        assert!(parse(&zm).is_err());
    }
}
