//! listpack (Redis 7 listpack.c): `<total bytes u32 LE><num elements u16 LE>` entries `0xFF`;
//! num = 65535 means "count unknown". Entry = `<encoding+data><backlen>`, backlen = the size of
//! encoding+data in 1–5 bytes of 7 bits, big-endian groups, every byte but the first (lowest
//! address) with bit 7 set, so it can be read right to left.
//!
//! Encodings: `0xxxxxxx` uint7; `10xxxxxx` string < 64 bytes; `110xxxxx yyyyyyyy` int13 (two's
//! complement); `1110xxxx yyyyyyyy` string < 4096 (12-bit, high nibble first); `f0` + u32 LE
//! string length; `f1` int16, `f2` int24, `f3` int32, `f4` int64 (little-endian).
//!
//! Example (`hash:small` {f1: v1, f2: 2, f3: -3, f4: ""}):
//! `[22 00 00 00] [08 00] [82 66 31 03] [82 76 31 03] [82 66 32 03] [02 01] [82 66 33 03]
//!  [df fd 02] [82 66 34 03] [80 01] [ff]`.
//!
//! Validation (`lpValidateIntegrity` + `lpValidateNext`): total equals the blob size, every
//! entry and its backlen inside the blob, the backlen equal to the entry's size, the
//! terminator is the last byte, and the count matches unless it is 65535.

use super::{int_le, slice, Corrupt};

const HEADER: usize = 6;
const END: u8 = 0xFF;
const COUNT_UNKNOWN: u16 = u16::MAX;

/// The elements of a listpack blob, integers rendered in decimal.
pub fn parse(lp: &[u8]) -> Result<Vec<Vec<u8>>, Corrupt> {
    if lp.len() < HEADER + 1 {
        return Err(Corrupt::at(0, "listpack: shorter than its header"));
    }
    let total = int_le::<4>(lp, 0)? as u32 as usize;
    let num = int_le::<2>(lp, 4)? as u16;
    if total != lp.len() {
        return Err(Corrupt::at(0, "listpack: total bytes does not match the blob size"));
    }
    let mut out = Vec::new();
    let mut pos = HEADER;
    while lp[pos] != END {
        let (value, size) = entry(lp, pos)?;
        let back = backlen(size);
        if slice(lp, pos + size, back.len(), "listpack: backlen past the end")? != back.as_slice() {
            return Err(Corrupt::at(pos + size, "listpack: backlen does not match the entry"));
        }
        out.push(value);
        pos += size + back.len();
        if pos >= lp.len() {
            return Err(Corrupt::at(pos, "listpack: missing terminator"));
        }
    }
    if pos != lp.len() - 1 {
        return Err(Corrupt::at(pos, "listpack: terminator before the end of the blob"));
    }
    if num != COUNT_UNKNOWN && usize::from(num) != out.len() {
        return Err(Corrupt::at(4, "listpack: element count does not match"));
    }
    Ok(out)
}

/// Decode the element at `pos`; returns it and the size of encoding+data.
fn entry(lp: &[u8], pos: usize) -> Result<(Vec<u8>, usize), Corrupt> {
    let e = lp[pos];
    let int = |v: i64, size: usize| Ok((v.to_string().into_bytes(), size));
    let string = |start: usize, len: usize| -> Result<(Vec<u8>, usize), Corrupt> {
        Ok((slice(lp, pos + start, len, "listpack: string past the end")?.to_vec(), start + len))
    };
    let next = || slice(lp, pos + 1, 1, "listpack: header past the end").map(|b| usize::from(b[0]));
    match e {
        e if e & 0x80 == 0 => int(i64::from(e), 1),
        e if e & 0xC0 == 0x80 => string(1, usize::from(e & 0x3f)),
        e if e & 0xE0 == 0xC0 => {
            let raw = ((usize::from(e & 0x1f) << 8) | next()?) as i64;
            int(if raw >= 1 << 12 { raw - (1 << 13) } else { raw }, 2)
        }
        e if e & 0xF0 == 0xE0 => string(2, (usize::from(e & 0x0f) << 8) | next()?),
        0xF0 => string(5, int_le::<4>(lp, pos + 1)? as u32 as usize),
        0xF1 => int(int_le::<2>(lp, pos + 1)?, 3),
        0xF2 => int(int_le::<3>(lp, pos + 1)?, 4),
        0xF3 => int(int_le::<4>(lp, pos + 1)?, 5),
        0xF4 => int(int_le::<8>(lp, pos + 1)?, 9),
        _ => Err(Corrupt::at(pos, "listpack: unknown entry encoding")),
    }
}

/// The backlen bytes for an entry of `size` bytes (`lpEncodeBacklen`), in file order.
fn backlen(size: usize) -> Vec<u8> {
    let mut groups = Vec::with_capacity(5);
    let mut v = size;
    loop {
        groups.push((v & 0x7f) as u8);
        v >>= 7;
        if v == 0 {
            break;
        }
    }
    // groups[0] is the lowest 7 bits and sits at the highest address, flagged like all but the
    // most significant group (which sits first).
    groups.iter().rev().enumerate().map(|(i, g)| if i == 0 { *g } else { g | 0x80 }).collect()
}

/// Encode `elements` as a listpack (integers as `lpStringToInt64` accepts them).
pub fn encode<'a>(elements: impl IntoIterator<Item = &'a [u8]>) -> Vec<u8> {
    let mut out = vec![0u8; HEADER];
    let mut count = 0usize;
    for e in elements {
        let start = out.len();
        encode_body(&mut out, e);
        let size = out.len() - start;
        out.extend_from_slice(&backlen(size));
        count += 1;
    }
    out.push(END);
    let total = out.len() as u32;
    out[0..4].copy_from_slice(&total.to_le_bytes());
    out[4..6].copy_from_slice(&(count.min(usize::from(COUNT_UNKNOWN)) as u16).to_le_bytes());
    out
}

fn encode_body(out: &mut Vec<u8>, e: &[u8]) {
    match crate::util::number::string2ll(e) {
        Some(v @ 0..=127) => out.push(v as u8),
        Some(v) if (-4096..4096).contains(&v) => {
            let u = (v as u16) & 0x1fff;
            out.extend_from_slice(&[0xC0 | (u >> 8) as u8, u as u8]);
        }
        Some(v) if i16::try_from(v).is_ok() => {
            out.push(0xF1);
            out.extend_from_slice(&(v as i16).to_le_bytes());
        }
        Some(v) if (-(1 << 23)..(1 << 23)).contains(&v) => {
            out.push(0xF2);
            out.extend_from_slice(&(v as i32).to_le_bytes()[..3]);
        }
        Some(v) if i32::try_from(v).is_ok() => {
            out.push(0xF3);
            out.extend_from_slice(&(v as i32).to_le_bytes());
        }
        Some(v) => {
            out.push(0xF4);
            out.extend_from_slice(&v.to_le_bytes());
        }
        None if e.len() < 64 => {
            out.push(0x80 | e.len() as u8);
            out.extend_from_slice(e);
        }
        None if e.len() < 4096 => {
            out.extend_from_slice(&[0xE0 | (e.len() >> 8) as u8, e.len() as u8]);
            out.extend_from_slice(e);
        }
        None => {
            out.push(0xF0);
            out.extend_from_slice(&(e.len() as u32).to_le_bytes());
            out.extend_from_slice(e);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const DOC_EXAMPLE: [u8; 34] = [
        0x22, 0, 0, 0, 0x08, 0, 0x82, 0x66, 0x31, 0x03, 0x82, 0x76, 0x31, 0x03, 0x82, 0x66, 0x32, 0x03, 0x02, 0x01, 0x82,
        0x66, 0x33, 0x03, 0xdf, 0xfd, 0x02, 0x82, 0x66, 0x34, 0x03, 0x80, 0x01, 0xff,
    ];

    #[test]
    fn doc_example_decodes_and_reencodes() {
        let expect: Vec<Vec<u8>> = ["f1", "v1", "f2", "2", "f3", "-3", "f4", ""].iter().map(|s| s.as_bytes().to_vec()).collect();
        assert_eq!(parse(&DOC_EXAMPLE), Ok(expect.clone()));
        assert_eq!(encode(expect.iter().map(|v| v.as_slice())), DOC_EXAMPLE);
    }

    #[test]
    fn every_encoding_round_trips() {
        let items: Vec<Vec<u8>> = ["0", "127", "128", "-4096", "4095", "-32768", "8388607", "-2147483648", "9223372036854775807", "007", ""]
            .iter()
            .map(|s| s.as_bytes().to_vec())
            .chain([vec![b'z'; 100], vec![b'w'; 5000]])
            .collect();
        let lp = encode(items.iter().map(|v| v.as_slice()));
        assert_eq!(parse(&lp), Ok(items));
    }

    #[test]
    fn backlen_mismatch_and_bad_counts_are_corrupt() {
        let mut bad = DOC_EXAMPLE;
        bad[9] = 0x04;
        assert!(parse(&bad).is_err());
        let mut bad = DOC_EXAMPLE;
        bad[4] = 7;
        assert!(parse(&bad).is_err());
        assert!(parse(&DOC_EXAMPLE[..33]).is_err());
    }
}
