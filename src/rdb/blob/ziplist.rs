//! ziplist (Redis ≤ 6.2 ziplist.c): `<zlbytes u32 LE><zltail u32 LE><zllen u16 LE> entries 0xFF`.
//! `zllen` = 65535 means "count unknown". Entry = `<prevlen><encoding><data>`: prevlen is 1 byte
//! if < 254, else `0xFE` + u32 LE. Encodings: `00pppppp` string ≤ 63 bytes; `01pppppp qqqqqqqq`
//! ≤ 16383 (14-bit big-endian); `10______` + u32 big-endian length; `c0` int16; `d0` int32;
//! `e0` int64; `f0` int24; `fe` int8; `f1`..`fd` immediate 0..12; integers little-endian.
//!
//! Example (ziplist.c's header comment), ["2", "5"]:
//! `[0f 00 00 00] [0c 00 00 00] [02 00] [00 f3] [02 f6] [ff]`.
//!
//! Validation (`ziplistValidateIntegrity` deep): zlbytes equals the blob size, every entry
//! inside the blob, each prevlen equal to the previous entry's size, zltail at the last entry,
//! the terminator is the last byte, and the count matches unless it is 65535.

use super::{int_le, slice, Corrupt};

const HEADER: usize = 10;
const END: u8 = 0xFF;
const COUNT_UNKNOWN: u16 = u16::MAX;

/// The entries of a ziplist blob, integers rendered in decimal.
pub fn parse(zl: &[u8]) -> Result<Vec<Vec<u8>>, Corrupt> {
    if zl.len() < HEADER + 1 {
        return Err(Corrupt::at(0, "ziplist: shorter than its header"));
    }
    let zlbytes = int_le::<4>(zl, 0)? as u32 as usize;
    let zltail = int_le::<4>(zl, 4)? as u32 as usize;
    let zllen = int_le::<2>(zl, 8)? as u16;
    if zlbytes != zl.len() {
        return Err(Corrupt::at(0, "ziplist: zlbytes does not match the blob size"));
    }
    let mut out = Vec::new();
    let mut pos = HEADER;
    let mut prev_size = 0usize;
    let mut last_start = HEADER;
    while zl[pos] != END {
        let (value, size) = entry(zl, pos, prev_size)?;
        out.push(value);
        last_start = pos;
        prev_size = size;
        pos += size;
        if pos >= zl.len() {
            return Err(Corrupt::at(pos, "ziplist: missing terminator"));
        }
    }
    if pos != zl.len() - 1 {
        return Err(Corrupt::at(pos, "ziplist: terminator before the end of the blob"));
    }
    if zltail != last_start {
        return Err(Corrupt::at(4, "ziplist: zltail does not point at the last entry"));
    }
    if zllen != COUNT_UNKNOWN && usize::from(zllen) != out.len() {
        return Err(Corrupt::at(8, "ziplist: zllen does not match the entries"));
    }
    Ok(out)
}

/// Decode the entry at `pos`; returns its value and total size.
fn entry(zl: &[u8], pos: usize, prev_size: usize) -> Result<(Vec<u8>, usize), Corrupt> {
    let (prevlen, prevlen_size) = match zl[pos] {
        b if b < 0xFE => (usize::from(b), 1),
        0xFE => (int_le::<4>(zl, pos + 1)? as u32 as usize, 5),
        _ => return Err(Corrupt::at(pos, "ziplist: invalid prevlen")),
    };
    if prevlen != prev_size {
        return Err(Corrupt::at(pos, "ziplist: prevlen does not match the previous entry"));
    }
    let at = pos + prevlen_size;
    let enc = *zl.get(at).ok_or(Corrupt::at(at, "ziplist: entry past the end"))?;
    let (header, data_len, int): (usize, usize, Option<usize>) = match enc {
        e if e < 0x40 => (1, usize::from(e & 0x3f), None),
        e if e < 0x80 => {
            let low = slice(zl, at + 1, 1, "ziplist: header past the end")?[0];
            (2, (usize::from(e & 0x3f) << 8) | usize::from(low), None)
        }
        e if e < 0xC0 => {
            let b = slice(zl, at + 1, 4, "ziplist: header past the end")?;
            (5, u32::from_be_bytes([b[0], b[1], b[2], b[3]]) as usize, None)
        }
        0xC0 => (1, 2, Some(2)),
        0xD0 => (1, 4, Some(4)),
        0xE0 => (1, 8, Some(8)),
        0xF0 => (1, 3, Some(3)),
        0xFE => (1, 1, Some(1)),
        e @ 0xF1..=0xFD => (1, 0, Some(usize::from(e & 0x0f))), // immediate: marker, not a width
        _ => return Err(Corrupt::at(at, "ziplist: unknown entry encoding")),
    };
    let data_at = at + header;
    let data = slice(zl, data_at, data_len, "ziplist: entry data past the end")?;
    let value = match (int, data_len) {
        (None, _) => data.to_vec(),
        (Some(imm), 0) => (imm as i64 - 1).to_string().into_bytes(),
        (Some(1), _) => int_le::<1>(zl, data_at)?.to_string().into_bytes(),
        (Some(2), _) => int_le::<2>(zl, data_at)?.to_string().into_bytes(),
        (Some(3), _) => int_le::<3>(zl, data_at)?.to_string().into_bytes(),
        (Some(4), _) => int_le::<4>(zl, data_at)?.to_string().into_bytes(),
        (Some(_), _) => int_le::<8>(zl, data_at)?.to_string().into_bytes(),
    };
    Ok((value, prevlen_size + header + data_len))
}

/// Encode `entries` as a ziplist, choosing integer encodings for canonical integers as
/// `ziplistPush` does (`zipTryEncoding`: at most 32 bytes, strict decimal).
pub fn encode<'a>(entries: impl IntoIterator<Item = &'a [u8]>) -> Vec<u8> {
    let mut out = vec![0u8; HEADER];
    let mut prev_size = 0usize;
    let mut last_start = HEADER;
    let mut count = 0usize;
    for e in entries {
        last_start = out.len();
        if prev_size < 0xFE {
            out.push(prev_size as u8);
        } else {
            out.push(0xFE);
            out.extend_from_slice(&(prev_size as u32).to_le_bytes());
        }
        encode_body(&mut out, e);
        prev_size = out.len() - last_start;
        count += 1;
    }
    out.push(END);
    let total = out.len() as u32;
    out[0..4].copy_from_slice(&total.to_le_bytes());
    out[4..8].copy_from_slice(&(last_start as u32).to_le_bytes());
    out[8..10].copy_from_slice(&(count.min(usize::from(COUNT_UNKNOWN)) as u16).to_le_bytes());
    out
}

fn encode_body(out: &mut Vec<u8>, e: &[u8]) {
    let int = if e.len() <= 32 { crate::util::number::string2ll(e) } else { None };
    match int {
        Some(v @ 0..=12) => out.push(0xF1 + v as u8),
        Some(v) if i8::try_from(v).is_ok() => out.extend_from_slice(&[0xFE, v as u8]),
        Some(v) if i16::try_from(v).is_ok() => {
            out.push(0xC0);
            out.extend_from_slice(&(v as i16).to_le_bytes());
        }
        Some(v) if (-(1 << 23)..(1 << 23)).contains(&v) => {
            out.push(0xF0);
            out.extend_from_slice(&(v as i32).to_le_bytes()[..3]);
        }
        Some(v) if i32::try_from(v).is_ok() => {
            out.push(0xD0);
            out.extend_from_slice(&(v as i32).to_le_bytes());
        }
        Some(v) => {
            out.push(0xE0);
            out.extend_from_slice(&v.to_le_bytes());
        }
        None => {
            let n = e.len();
            if n < 0x40 {
                out.push(n as u8);
            } else if n < 0x4000 {
                out.extend_from_slice(&[0x40 | (n >> 8) as u8, n as u8]);
            } else {
                out.push(0x80);
                out.extend_from_slice(&(n as u32).to_be_bytes());
            }
            out.extend_from_slice(e);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const DOC_EXAMPLE: [u8; 15] = [0x0f, 0, 0, 0, 0x0c, 0, 0, 0, 0x02, 0, 0x00, 0xf3, 0x02, 0xf6, 0xff];

    #[test]
    fn doc_example_decodes_and_reencodes() {
        assert_eq!(parse(&DOC_EXAMPLE), Ok(vec![b"2".to_vec(), b"5".to_vec()]));
        assert_eq!(encode([&b"2"[..], b"5"]), DOC_EXAMPLE);
    }

    #[test]
    fn every_encoding_round_trips_including_big_prevlen() {
        let long = vec![b'x'; 300];
        let huge = vec![b'y'; 20_000];
        let items: Vec<Vec<u8>> = ["0", "12", "13", "-100", "1000", "-8388608", "8388607", "2147483647", "-9223372036854775808", "", "007", "abc"]
            .iter()
            .map(|s| s.as_bytes().to_vec())
            .chain([long, huge])
            .chain([b"after-big".to_vec()])
            .collect();
        let zl = encode(items.iter().map(|v| v.as_slice()));
        assert_eq!(parse(&zl), Ok(items));
    }

    #[test]
    fn inconsistent_headers_are_corrupt() {
        let mut bad = DOC_EXAMPLE;
        bad[8] = 3; // count
        assert!(parse(&bad).is_err());
        let mut bad = DOC_EXAMPLE;
        bad[4] = 0x0a; // tail
        assert!(parse(&bad).is_err());
        let mut bad = DOC_EXAMPLE;
        bad[12] = 0x03; // prevlen
        assert!(parse(&bad).is_err());
        assert!(parse(&DOC_EXAMPLE[..14]).is_err());
    }
}
