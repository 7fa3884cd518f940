//! The intset (`intset.c`): a sorted array of unique integers, all stored with the width of the
//! widest, used for small sets of integers and written as-is to RDB type 11.
//!
//! ```text
//! <encoding u32 LE: 2, 4 or 8 bytes per value> <length u32 LE> <value LE> ...
//! ```
//! Example (Redis's `set:intset16`): `02 00 00 00 04 00 00 00 fc ff 01 00 02 00 03 00`
//! = {-4, 1, 2, 3}.
//!
//! Invariants: values strictly ascending; the blob is exactly `8 + length * encoding` bytes.
//! Adding a value that needs a wider encoding upgrades every value (`intsetUpgradeAndAdd`); the
//! encoding never narrows again, as in Redis. Lookups are binary searches.

use super::Corrupt;
use crate::env::Rng;

const HEADER_SIZE: usize = 8;
const ENC_INT16: usize = 2;
const ENC_INT32: usize = 4;
const ENC_INT64: usize = 8;

/// An intset blob.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Intset {
    /// One exact-size allocation (16 bytes inline), as Redis's `intsetResize` keeps it.
    buf: Box<[u8]>,
}

impl Default for Intset {
    fn default() -> Self {
        Intset::new()
    }
}

/// Bytes needed to store `v` (`_intsetValueEncoding`).
fn value_encoding(v: i64) -> usize {
    if i16::try_from(v).is_ok() {
        ENC_INT16
    } else if i32::try_from(v).is_ok() {
        ENC_INT32
    } else {
        ENC_INT64
    }
}

fn read_u32(buf: &[u8], at: usize) -> u32 {
    u32::from_le_bytes([buf[at], buf[at + 1], buf[at + 2], buf[at + 3]])
}

fn decode(b: &[u8]) -> i64 {
    match b.len() {
        ENC_INT16 => i64::from(i16::from_le_bytes([b[0], b[1]])),
        ENC_INT32 => i64::from(i32::from_le_bytes([b[0], b[1], b[2], b[3]])),
        _ => i64::from_le_bytes([b[0], b[1], b[2], b[3], b[4], b[5], b[6], b[7]]),
    }
}

fn encode(v: i64, enc: usize) -> Vec<u8> {
    v.to_le_bytes()[..enc].to_vec()
}

impl Intset {
    /// An empty intset (16-bit): `02 00 00 00 00 00 00 00`.
    pub fn new() -> Intset {
        let mut buf = vec![0u8; HEADER_SIZE];
        buf[0] = ENC_INT16 as u8;
        Intset { buf: buf.into_boxed_slice() }
    }

    /// Accept a blob from outside (`intsetValidateIntegrity` with `deep`): known encoding,
    /// size exactly `8 + length * encoding`, not empty, values strictly ascending.
    pub fn from_bytes(buf: Vec<u8>) -> Result<Intset, Corrupt> {
        if buf.len() < HEADER_SIZE {
            return Err(Corrupt::at(0, "intset: shorter than its header"));
        }
        let enc = read_u32(&buf, 0) as usize;
        if ![ENC_INT16, ENC_INT32, ENC_INT64].contains(&enc) {
            return Err(Corrupt::at(0, "intset: unknown encoding"));
        }
        let count = read_u32(&buf, 4) as usize;
        if count == 0 {
            return Err(Corrupt::at(4, "intset: empty"));
        }
        if count.checked_mul(enc) != Some(buf.len() - HEADER_SIZE) {
            return Err(Corrupt::at(4, "intset: length does not match the blob size"));
        }
        let set = Intset { buf: buf.into_boxed_slice() };
        let mut prev = set.get(0);
        for i in 1..count {
            let cur = set.get(i);
            if cur <= prev {
                return Err(Corrupt::at(HEADER_SIZE + i * enc, "intset: values not ascending"));
            }
            prev = cur;
        }
        Ok(set)
    }

    pub fn as_bytes(&self) -> &[u8] {
        &self.buf
    }

    pub fn into_bytes(self) -> Vec<u8> {
        self.buf.into_vec()
    }

    /// Bytes per value: 2, 4 or 8.
    pub fn encoding(&self) -> usize {
        read_u32(&self.buf, 0) as usize
    }

    pub fn len(&self) -> usize {
        read_u32(&self.buf, 4) as usize
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    pub fn blob_len(&self) -> usize {
        self.buf.len()
    }

    /// Bytes allocated for the blob (MEMORY USAGE): exactly its length.
    pub fn alloc_bytes(&self) -> usize {
        self.buf.len()
    }

    /// The value at sorted position `i`, if any.
    pub fn get_checked(&self, i: usize) -> Option<i64> {
        (i < self.len()).then(|| self.get(i))
    }

    /// The value at sorted position `i < len()`.
    pub fn get(&self, i: usize) -> i64 {
        let enc = self.encoding();
        let at = HEADER_SIZE + i * enc;
        decode(&self.buf[at..at + enc])
    }

    pub fn contains(&self, v: i64) -> bool {
        value_encoding(v) <= self.encoding() && self.search(v).is_ok()
    }

    /// Add `v`; false if it was already present (`intsetAdd`).
    pub fn add(&mut self, v: i64) -> bool {
        if value_encoding(v) > self.encoding() {
            self.upgrade_and_add(v);
            return true;
        }
        match self.search(v) {
            Ok(_) => false,
            Err(pos) => {
                let enc = self.encoding();
                let at = HEADER_SIZE + pos * enc;
                // Exactly one value more, as `intsetResize` reallocates: no spare capacity.
                let mut buf = std::mem::take(&mut self.buf).into_vec();
                buf.reserve_exact(enc);
                buf.splice(at..at, encode(v, enc));
                self.buf = buf.into_boxed_slice();
                self.set_len(self.len() + 1);
                true
            }
        }
    }

    /// Remove `v`; false if it was absent (`intsetRemove`; the encoding is kept).
    pub fn remove(&mut self, v: i64) -> bool {
        if value_encoding(v) > self.encoding() {
            return false;
        }
        match self.search(v) {
            Ok(pos) => {
                let enc = self.encoding();
                let at = HEADER_SIZE + pos * enc;
                let mut buf = std::mem::take(&mut self.buf).into_vec();
                buf.drain(at..at + enc);
                self.buf = buf.into_boxed_slice();
                self.set_len(self.len() - 1);
                true
            }
            Err(_) => false,
        }
    }

    /// A uniformly chosen member (`intsetRandom`), `None` when empty.
    pub fn random(&self, rng: &mut Rng) -> Option<i64> {
        let n = self.len() as u64;
        (n > 0).then(|| self.get(rng.below(n) as usize))
    }

    /// Values in ascending order.
    pub fn iter(&self) -> impl Iterator<Item = i64> + '_ {
        (0..self.len()).map(|i| self.get(i))
    }

    /// Binary search: `Ok(position)` or `Err(insertion point)` (`intsetSearch`).
    fn search(&self, v: i64) -> Result<usize, usize> {
        let (mut lo, mut hi) = (0usize, self.len());
        while lo < hi {
            let mid = lo + (hi - lo) / 2;
            match self.get(mid).cmp(&v) {
                std::cmp::Ordering::Less => lo = mid + 1,
                std::cmp::Ordering::Greater => hi = mid,
                std::cmp::Ordering::Equal => return Ok(mid),
            }
        }
        Err(lo)
    }

    /// Widen every value to `v`'s encoding and add `v`, which is beyond every present value
    /// (below all if negative, above all if positive).
    fn upgrade_and_add(&mut self, v: i64) {
        let enc = value_encoding(v);
        let old: Vec<i64> = self.iter().collect();
        let mut buf = Vec::with_capacity(HEADER_SIZE + (old.len() + 1) * enc);
        buf.extend_from_slice(&(enc as u32).to_le_bytes());
        buf.extend_from_slice(&((old.len() + 1) as u32).to_le_bytes());
        if v < 0 {
            buf.extend(encode(v, enc));
        }
        for x in old {
            buf.extend(encode(x, enc));
        }
        if v >= 0 {
            buf.extend(encode(v, enc));
        }
        self.buf = buf.into_boxed_slice();
    }

    fn set_len(&mut self, n: usize) {
        let n32 = u32::try_from(n).expect("intset lengths fit in u32");
        self.buf[4..8].copy_from_slice(&n32.to_le_bytes());
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn doc_example_decodes_and_rebuilds() {
        let blob = vec![2, 0, 0, 0, 4, 0, 0, 0, 0xfc, 0xff, 1, 0, 2, 0, 3, 0];
        let s = Intset::from_bytes(blob.clone()).expect("valid");
        assert_eq!(s.iter().collect::<Vec<_>>(), vec![-4, 1, 2, 3]);
        let mut built = Intset::new();
        for v in [3, 1, -4, 2, 1] {
            built.add(v);
        }
        assert_eq!(built.as_bytes(), &blob[..]);
    }

    #[test]
    fn upgrade_widens_every_value_and_keeps_order() {
        let mut s = Intset::new();
        s.add(5);
        s.add(-70000);
        assert_eq!(s.encoding(), 4);
        s.add(1 << 40);
        assert_eq!(s.encoding(), 8);
        assert_eq!(s.iter().collect::<Vec<_>>(), vec![-70000, 5, 1 << 40]);
        assert!(s.remove(1 << 40));
        assert_eq!(s.encoding(), 8);
        assert!(!s.contains(1 << 40));
        assert!(!s.remove(i64::MIN));
    }

    #[test]
    fn validation_rejects_bad_blobs() {
        for bad in [
            vec![2, 0, 0, 0, 0, 0, 0, 0],                   // empty
            vec![3, 0, 0, 0, 1, 0, 0, 0, 1, 0, 0],          // encoding 3
            vec![2, 0, 0, 0, 2, 0, 0, 0, 1, 0],             // short
            vec![2, 0, 0, 0, 2, 0, 0, 0, 1, 0, 1, 0],       // duplicate
            vec![2, 0, 0, 0, 2, 0, 0, 0, 2, 0, 1, 0],       // descending
            vec![2, 0, 0, 0],                               // header cut
            vec![8, 0, 0, 0, 0xff, 0xff, 0xff, 0x1f, 0, 0], // huge length
        ] {
            assert!(Intset::from_bytes(bad).is_err());
        }
    }
}
