//! intset (intset.h): `<encoding u32 LE><length u32 LE><length sorted unique ints LE>`, where
//! encoding is the bytes per element (2, 4 or 8).
//!
//! Example (`set:intset16` of the Redis samples, {-4, 1, 2, 3}):
//! `[02 00 00 00] [04 00 00 00] [fc ff] [01 00] [02 00] [03 00]`.
//!
//! Validation (`intsetValidateIntegrity` deep): known encoding, size = 8 + n × encoding, n > 0,
//! strictly increasing.

use super::{int_le, Corrupt};

/// The members of an intset blob, in order.
pub fn parse(blob: &[u8]) -> Result<Vec<i64>, Corrupt> {
    let enc = int_le::<4>(blob, 0).map_err(|_| Corrupt::at(0, "intset header truncated"))?;
    let n = int_le::<4>(blob, 4).map_err(|_| Corrupt::at(4, "intset header truncated"))? as u32 as usize;
    let width = match enc {
        2 | 4 | 8 => enc as usize,
        _ => return Err(Corrupt::at(0, "intset: unknown encoding")),
    };
    if n.checked_mul(width).and_then(|b| b.checked_add(8)) != Some(blob.len()) {
        return Err(Corrupt::at(4, "intset: size does not match the length"));
    }
    if n == 0 {
        return Err(Corrupt::at(4, "intset: empty"));
    }
    let mut out = Vec::with_capacity(n);
    for i in 0..n {
        let at = 8 + i * width;
        let v = match width {
            2 => int_le::<2>(blob, at)?,
            4 => int_le::<4>(blob, at)?,
            _ => int_le::<8>(blob, at)?,
        };
        if out.last().is_some_and(|&prev| prev >= v) {
            return Err(Corrupt::at(at, "intset: elements not strictly increasing"));
        }
        out.push(v);
    }
    Ok(out)
}

/// Encode sorted, unique `members` with the smallest sufficient width.
pub fn encode(members: &[i64]) -> Vec<u8> {
    debug_assert!(members.windows(2).all(|w| w[0] < w[1]), "intset members must be sorted and unique");
    let width: usize = if members.iter().all(|&v| i16::try_from(v).is_ok()) {
        2
    } else if members.iter().all(|&v| i32::try_from(v).is_ok()) {
        4
    } else {
        8
    };
    let mut out = Vec::with_capacity(8 + members.len() * width);
    out.extend_from_slice(&(width as u32).to_le_bytes());
    out.extend_from_slice(&(members.len() as u32).to_le_bytes());
    for &v in members {
        out.extend_from_slice(&v.to_le_bytes()[..width]);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    const DOC_EXAMPLE: [u8; 16] = [0x02, 0, 0, 0, 0x04, 0, 0, 0, 0xfc, 0xff, 0x01, 0x00, 0x02, 0x00, 0x03, 0x00];

    #[test]
    fn doc_example_decodes_and_reencodes() {
        assert_eq!(parse(&DOC_EXAMPLE), Ok(vec![-4, 1, 2, 3]));
        assert_eq!(encode(&[-4, 1, 2, 3]), DOC_EXAMPLE);
    }

    #[test]
    fn unsorted_empty_and_wrong_size_are_corrupt() {
        let mut unsorted = DOC_EXAMPLE;
        unsorted[10] = 0x05;
        assert!(parse(&unsorted).is_err());
        assert!(parse(&[2, 0, 0, 0, 0, 0, 0, 0]).is_err());
        assert!(parse(&DOC_EXAMPLE[..15]).is_err());
        assert_eq!(parse(&encode(&[i64::MIN, 0, i64::MAX])), Ok(vec![i64::MIN, 0, i64::MAX]));
    }
}
