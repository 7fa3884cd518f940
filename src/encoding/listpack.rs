//! The listpack (Redis 7, `listpack.c`): parsed when loading RDB types 16–20 and written for
//! conversions and tests. Unlike the ziplist, each entry ends with its own length ("backlen"),
//! so no insert ever cascades.
//!
//! ```text
//! <total bytes u32 LE> <count u16 LE, 65535 = unknown> <entry> ... <0xFF>
//! entry = <encoding><data><backlen>
//!   0xxxxxxx                 uint 0..127
//!   10xxxxxx                 string, len < 64
//!   110xxxxx yyyyyyyy        int13, two's complement, high bits first
//!   1110xxxx yyyyyyyy        string, len < 4096 (high nibble first)
//!   0xF0 + u32 LE            string, longer
//!   0xF1 / F2 / F3 / F4      int16 / int24 / int32 / int64, LE
//! backlen = size of <encoding><data>, 1–5 bytes of 7 bits, most significant group first; every
//!   byte but the first has bit 7 set (read right to left from the next entry)
//! ```
//! Example (Redis's `hash:small` {f1: v1, f2: 2, f3: -3, f4: ""}):
//! `22 00 00 00 08 00 | 82 66 31 03 | 82 76 31 03 | 82 66 32 03 | 02 01 | 82 66 33 03 |
//! df fd 02 | 82 66 34 03 | 80 01 | ff`.
//!
//! A string is stored as an integer when it is canonical decimal that fits an `i64`
//! (`lpStringToInt64`, same rule as `string2ll`).

use super::ziplist::ZlValue;
use super::Corrupt;
use crate::util::number::string2ll;

/// Values read from a listpack (the same shape as a ziplist's).
pub type LpValue<'a> = ZlValue<'a>;

const HEADER_SIZE: usize = 6;
const EOF: u8 = 0xFF;

/// A listpack blob with its entry count cached.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Listpack {
    buf: Vec<u8>,
    count: usize,
}

impl Default for Listpack {
    fn default() -> Self {
        Listpack::new()
    }
}

/// A decoded entry: where its data is, how long `<encoding><data>` is, and its value kind.
#[derive(Debug, Clone, Copy)]
struct Entry {
    data_off: usize,
    data_len: usize,
    /// Bytes of `<encoding><data>`.
    enc_len: usize,
    int: Option<i64>,
}

fn le_int(b: &[u8]) -> i64 {
    let mut x = [0u8; 8];
    x[..b.len()].copy_from_slice(b);
    let shift = 64 - 8 * b.len() as u32;
    (i64::from_le_bytes(x) << shift) >> shift
}

/// Decode the entry at `off`, checking that its encoding and data lie in `buf`.
fn entry_safe(buf: &[u8], off: usize) -> Option<Entry> {
    let b0 = *buf.get(off)?;
    let byte1 = || buf.get(off + 1).copied().map(usize::from);
    let (hdr, data_len, int) = match b0 {
        0x00..=0x7F => (1, 0, Some(i64::from(b0))),
        0x80..=0xBF => (1, usize::from(b0 & 0x3F), None),
        0xC0..=0xDF => {
            let raw = (usize::from(b0 & 0x1F) << 8) | byte1()?;
            let v = if raw >= 1 << 12 { raw as i64 - (1 << 13) } else { raw as i64 };
            (2, 0, Some(v))
        }
        0xE0..=0xEF => (2, (usize::from(b0 & 0x0F) << 8) | byte1()?, None),
        0xF0 => {
            let b = buf.get(off + 1..off + 5)?;
            (5, u32::from_le_bytes([b[0], b[1], b[2], b[3]]) as usize, None)
        }
        0xF1..=0xF4 => {
            let n = [2, 3, 4, 8][usize::from(b0 - 0xF1)];
            (1, n, Some(le_int(buf.get(off + 1..off + 1 + n)?)))
        }
        _ => return None,
    };
    let enc_len = hdr + data_len;
    buf.get(off..off.checked_add(enc_len)?)?;
    let data_len = if int.is_some() { 0 } else { data_len };
    Some(Entry { data_off: off + hdr, data_len, enc_len, int })
}

/// The backlen bytes for an entry of `l` bytes (`lpEncodeBacklen`).
fn backlen_bytes(l: usize) -> Vec<u8> {
    let groups = match l {
        0..=127 => 1,
        128..=16382 => 2,
        16383..=2097150 => 3,
        2097151..=268435454 => 4,
        _ => 5,
    };
    (0..groups)
        .map(|i| {
            let shift = 7 * (groups - 1 - i);
            let g = ((l >> shift) & 0x7F) as u8;
            if i == 0 {
                g
            } else {
                g | 0x80
            }
        })
        .collect()
}

/// Read a backlen ending at `end` (exclusive), right to left; returns (value, bytes).
fn read_backlen(buf: &[u8], end: usize) -> (usize, usize) {
    let mut v = 0usize;
    let mut n = 0;
    loop {
        let b = buf[end - 1 - n];
        v |= usize::from(b & 0x7F) << (7 * n);
        n += 1;
        if b & 0x80 == 0 || n == 5 {
            return (v, n);
        }
    }
}

fn value_of<'a>(buf: &'a [u8], e: &Entry) -> LpValue<'a> {
    match e.int {
        Some(v) => ZlValue::Int(v),
        None => ZlValue::Str(&buf[e.data_off..e.data_off + e.data_len]),
    }
}

/// Append `<encoding><data><backlen>` for `value` (`lpEncodeGetType` + `lpInsert`).
fn encode_entry(out: &mut Vec<u8>, value: &[u8]) {
    let start = out.len();
    match string2ll(value) {
        Some(v) => encode_int(out, v),
        None => encode_str(out, value),
    }
    let l = out.len() - start;
    out.extend(backlen_bytes(l));
}

fn encode_int(out: &mut Vec<u8>, v: i64) {
    let le = v.to_le_bytes();
    match v {
        0..=127 => out.push(v as u8),
        -4096..=4095 => {
            let raw = (v as u16) & 0x1FFF;
            out.extend_from_slice(&[0xC0 | (raw >> 8) as u8, raw as u8]);
        }
        _ if i16::try_from(v).is_ok() => out.extend_from_slice(&[0xF1, le[0], le[1]]),
        -8_388_608..=8_388_607 => out.extend_from_slice(&[0xF2, le[0], le[1], le[2]]),
        _ if i32::try_from(v).is_ok() => {
            out.push(0xF3);
            out.extend_from_slice(&le[..4]);
        }
        _ => {
            out.push(0xF4);
            out.extend_from_slice(&le);
        }
    }
}

fn encode_str(out: &mut Vec<u8>, s: &[u8]) {
    let n = s.len();
    if n < 64 {
        out.push(0x80 | n as u8);
    } else if n < 4096 {
        out.extend_from_slice(&[0xE0 | (n >> 8) as u8, n as u8]);
    } else {
        out.push(0xF0);
        let n32 = u32::try_from(n).expect("listpack strings are under 4 GiB");
        out.extend_from_slice(&n32.to_le_bytes());
    }
    out.extend_from_slice(s);
}

impl Listpack {
    /// An empty listpack: `07 00 00 00 00 00 ff`.
    pub fn new() -> Listpack {
        let mut lp = Listpack { buf: vec![0, 0, 0, 0, 0, 0, EOF], count: 0 };
        lp.sync_header();
        lp
    }

    /// Encode a sequence of values.
    pub fn from_values<'v, I: IntoIterator<Item = &'v [u8]>>(values: I) -> Listpack {
        let mut lp = Listpack::new();
        for v in values {
            lp.push(v);
        }
        lp
    }

    /// Append a value at the tail.
    pub fn push(&mut self, value: &[u8]) {
        self.buf.pop();
        encode_entry(&mut self.buf, value);
        self.buf.push(EOF);
        self.count += 1;
        self.sync_header();
    }

    /// Header checks only (what Redis 7 does for listpacks unless `sanitize-dump-payload`).
    pub fn shallow_check(buf: &[u8]) -> Result<(), Corrupt> {
        if buf.len() < HEADER_SIZE + 1 {
            return Err(Corrupt::at(0, "listpack: shorter than header and terminator"));
        }
        let total = u32::from_le_bytes([buf[0], buf[1], buf[2], buf[3]]) as usize;
        if total != buf.len() {
            return Err(Corrupt::at(0, "listpack: total bytes do not match the blob size"));
        }
        if buf[buf.len() - 1] != EOF {
            return Err(Corrupt::at(buf.len() - 1, "listpack: missing terminator"));
        }
        Ok(())
    }

    /// Accept bytes from outside after a header check and a walk of every entry: valid
    /// encodings, data inside the blob, canonical backlens, the walk ending at the terminator,
    /// and the count matching the header (unless 65535).
    pub fn parse(buf: Vec<u8>) -> Result<Listpack, Corrupt> {
        Listpack::shallow_check(&buf)?;
        let end = buf.len() - 1;
        let mut p = HEADER_SIZE;
        let mut count = 0usize;
        while p < end {
            let e = entry_safe(&buf[..end], p).ok_or(Corrupt::at(p, "listpack: bad entry"))?;
            let back = backlen_bytes(e.enc_len);
            let bl_off = p + e.enc_len;
            if buf.get(bl_off..bl_off + back.len()) != Some(&back[..]) || bl_off + back.len() > end {
                return Err(Corrupt::at(bl_off, "listpack: backlen does not match the entry"));
            }
            p = bl_off + back.len();
            count += 1;
        }
        let header_count = u16::from_le_bytes([buf[4], buf[5]]);
        if header_count != u16::MAX && usize::from(header_count) != count {
            return Err(Corrupt::at(4, "listpack: count does not match the entries"));
        }
        Ok(Listpack { buf, count })
    }

    pub fn as_bytes(&self) -> &[u8] {
        &self.buf
    }

    pub fn into_bytes(self) -> Vec<u8> {
        self.buf
    }

    pub fn len(&self) -> usize {
        self.count
    }

    pub fn is_empty(&self) -> bool {
        self.count == 0
    }

    pub fn blob_len(&self) -> usize {
        self.buf.len()
    }

    /// Values head to tail.
    pub fn iter(&self) -> impl Iterator<Item = LpValue<'_>> + '_ {
        let mut p = HEADER_SIZE;
        (0..self.count).map(move |_| {
            let e = self.entry(p);
            p = self.next_off(p, &e);
            value_of(&self.buf, &e)
        })
    }

    /// Values tail to head, reading each entry's backlen.
    pub fn iter_rev(&self) -> impl Iterator<Item = LpValue<'_>> + '_ {
        let mut end = self.buf.len() - 1;
        (0..self.count).map(move |_| {
            let (l, n) = read_backlen(&self.buf, end);
            let start = end - n - l;
            end = start;
            value_of(&self.buf, &self.entry(start))
        })
    }

    /// The value at `index`, walking from the head.
    pub fn get(&self, index: usize) -> Option<LpValue<'_>> {
        self.iter().nth(index)
    }

    fn entry(&self, off: usize) -> Entry {
        entry_safe(&self.buf, off).expect("listpack invariant: entries decode within the blob")
    }

    fn next_off(&self, off: usize, e: &Entry) -> usize {
        off + e.enc_len + backlen_bytes(e.enc_len).len()
    }

    fn sync_header(&mut self) {
        let total = u32::try_from(self.buf.len()).expect("listpacks are under 4 GiB");
        self.buf[0..4].copy_from_slice(&total.to_le_bytes());
        let n = u16::try_from(self.count).unwrap_or(u16::MAX);
        self.buf[4..6].copy_from_slice(&n.to_le_bytes());
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const HASH_SMALL: [u8; 34] = [
        0x22, 0, 0, 0, 0x08, 0, 0x82, 0x66, 0x31, 0x03, 0x82, 0x76, 0x31, 0x03, 0x82, 0x66, 0x32,
        0x03, 0x02, 0x01, 0x82, 0x66, 0x33, 0x03, 0xdf, 0xfd, 0x02, 0x82, 0x66, 0x34, 0x03, 0x80,
        0x01, 0xff,
    ];

    #[test]
    fn doc_example_decodes_and_is_rebuilt_byte_exact() {
        let lp = Listpack::parse(HASH_SMALL.to_vec()).expect("valid");
        let got: Vec<Vec<u8>> = lp.iter().map(|v| v.to_vec()).collect();
        let want: Vec<&[u8]> = vec![b"f1", b"v1", b"f2", b"2", b"f3", b"-3", b"f4", b""];
        assert_eq!(got, want);
        assert_eq!(lp.get(5), Some(ZlValue::Int(-3)));
        let rev: Vec<Vec<u8>> = lp.iter_rev().map(|v| v.to_vec()).collect();
        assert_eq!(rev, want.iter().rev().map(|v| v.to_vec()).collect::<Vec<_>>());
        assert_eq!(Listpack::from_values(want).as_bytes(), &HASH_SMALL[..]);
    }

    #[test]
    fn backlen_groups_match_redis() {
        assert_eq!(backlen_bytes(127), vec![0x7f]);
        assert_eq!(backlen_bytes(128), vec![0x01, 0x80]);
        assert_eq!(backlen_bytes(16383), vec![0x00, 0xff, 0xff]);
    }

    #[test]
    fn every_encoding_round_trips() {
        let mut vals: Vec<Vec<u8>> = [0i64, 127, 128, -1, 4095, -4096, 4096, 32767, -32769,
            8_388_607, -8_388_609, 1 << 31, i64::MIN, i64::MAX]
            .iter()
            .map(|v| v.to_string().into_bytes())
            .collect();
        vals.extend([vec![b's'; 63], vec![b's'; 64], vec![b's'; 4095], vec![b's'; 4096]]);
        vals.push(b"007".to_vec());
        let lp = Listpack::from_values(vals.iter().map(|v| &v[..]));
        let lp = Listpack::parse(lp.into_bytes()).expect("valid");
        assert_eq!(lp.iter().map(|v| v.to_vec()).collect::<Vec<_>>(), vals);
    }

    #[test]
    fn validation_rejects_bad_blobs() {
        let mut bad_backlen = HASH_SMALL.to_vec();
        bad_backlen[9] = 0x04;
        let mut bad_count = HASH_SMALL.to_vec();
        bad_count[4] = 7;
        let mut bad_enc = HASH_SMALL.to_vec();
        bad_enc[6] = 0xF5;
        for bad in [bad_backlen, bad_count, bad_enc, HASH_SMALL[..5].to_vec()] {
            assert!(Listpack::parse(bad).is_err());
        }
    }
}
