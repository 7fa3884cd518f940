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

use std::fmt;

use super::Corrupt;
use crate::env::Rng;

const HEADER_SIZE: usize = 8;
const ENC_INT16: usize = 2;
const ENC_INT32: usize = 4;
const ENC_INT64: usize = 8;

/// Longest blob stored inline, with no allocation: the header and up to three 16-bit values
/// (or one 32-bit value).
const INLINE_MAX: usize = 15;

/// An intset blob: 16 bytes, so a [`crate::types::set::Set`] stays 16 bytes and sits inline in
/// the keyspace's `Value`. Blobs of at most [`INLINE_MAX`] bytes live in it (a 3-member set of
/// small integers costs no allocation, where Redis's costs a 16-byte jemalloc chunk); longer
/// ones are one exact-size allocation, as Redis's `intsetResize` keeps it, behind a thin
/// pointer (the length is in the blob's header). Every behaviour and every byte written (RDB,
/// DUMP) is the same for both forms.
#[derive(Clone)]
pub struct Intset {
    repr: Repr,
}

#[derive(Clone)]
enum Repr {
    Inline { buf: [u8; INLINE_MAX], len: InlineLen },
    Heap(HeapBlob),
}

/// The length of an inline blob: 8..=15, a type with few values so that `Repr` and `Set` find
/// their discriminants in its spare values.
#[derive(Clone, Copy)]
#[repr(u8)]
enum InlineLen {
    L8 = 8,
    L9,
    L10,
    L11,
    L12,
    L13,
    L14,
    L15,
}

impl InlineLen {
    fn new(n: usize) -> InlineLen {
        match n {
            8 => InlineLen::L8,
            9 => InlineLen::L9,
            10 => InlineLen::L10,
            11 => InlineLen::L11,
            12 => InlineLen::L12,
            13 => InlineLen::L13,
            14 => InlineLen::L14,
            15 => InlineLen::L15,
            _ => unreachable!("inline intset blobs are 8..=15 bytes"),
        }
    }
}

/// An exact-size heap copy of a blob whose header is consistent (`8 + length * encoding`
/// bytes), owned through a thin pointer.
struct HeapBlob(std::ptr::NonNull<u8>);

// SAFETY: a HeapBlob owns its allocation exclusively, like a `Box<[u8]>`.
unsafe impl Send for HeapBlob {}
// SAFETY: shared access only reads, like `&[u8]`.
unsafe impl Sync for HeapBlob {}

impl HeapBlob {
    fn layout(len: usize) -> std::alloc::Layout {
        std::alloc::Layout::array::<u8>(len).expect("intset blobs are small")
    }

    /// Copy `bytes` (a blob longer than its 8-byte header, with a consistent header).
    fn new(bytes: &[u8]) -> HeapBlob {
        debug_assert!(bytes.len() > HEADER_SIZE && blob_size(bytes) == bytes.len());
        let layout = HeapBlob::layout(bytes.len());
        // SAFETY: the layout has a non-zero size.
        let ptr = unsafe { std::alloc::alloc(layout) };
        let Some(ptr) = std::ptr::NonNull::new(ptr) else { std::alloc::handle_alloc_error(layout) };
        // SAFETY: `ptr` is a fresh allocation of `bytes.len()` bytes.
        unsafe { std::ptr::copy_nonoverlapping(bytes.as_ptr(), ptr.as_ptr(), bytes.len()) };
        HeapBlob(ptr)
    }

    fn as_slice(&self) -> &[u8] {
        // SAFETY: the allocation holds at least the 8-byte header, written at creation and
        // never changed, and exactly the number of bytes that header describes.
        unsafe {
            let header = std::slice::from_raw_parts(self.0.as_ptr(), HEADER_SIZE);
            std::slice::from_raw_parts(self.0.as_ptr(), blob_size(header))
        }
    }
}

impl Clone for HeapBlob {
    fn clone(&self) -> HeapBlob {
        HeapBlob::new(self.as_slice())
    }
}

impl Drop for HeapBlob {
    fn drop(&mut self) {
        let layout = HeapBlob::layout(self.as_slice().len());
        // SAFETY: allocated in `new` with this same layout (the header never changes).
        unsafe { std::alloc::dealloc(self.0.as_ptr(), layout) }
    }
}

/// Bytes of the blob whose header starts `b`: `8 + length * encoding`.
fn blob_size(b: &[u8]) -> usize {
    HEADER_SIZE + read_u32(b, 4) as usize * read_u32(b, 0) as usize
}

impl fmt::Debug for Intset {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Intset").field("buf", &self.as_bytes()).finish()
    }
}

impl PartialEq for Intset {
    fn eq(&self, other: &Intset) -> bool {
        self.as_bytes() == other.as_bytes()
    }
}

impl Eq for Intset {}

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
        Intset::store(&buf)
    }

    /// The blob `bytes` (consistent header), inline when it fits.
    fn store(bytes: &[u8]) -> Intset {
        let repr = if bytes.len() <= INLINE_MAX {
            let mut buf = [0u8; INLINE_MAX];
            buf[..bytes.len()].copy_from_slice(bytes);
            Repr::Inline { buf, len: InlineLen::new(bytes.len()) }
        } else {
            Repr::Heap(HeapBlob::new(bytes))
        };
        Intset { repr }
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
        let set = Intset::store(&buf);
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
        match &self.repr {
            Repr::Inline { buf, len } => &buf[..*len as usize],
            Repr::Heap(blob) => blob.as_slice(),
        }
    }

    pub fn into_bytes(self) -> Vec<u8> {
        self.as_bytes().to_vec()
    }

    /// Bytes per value: 2, 4 or 8.
    pub fn encoding(&self) -> usize {
        read_u32(self.as_bytes(), 0) as usize
    }

    pub fn len(&self) -> usize {
        read_u32(self.as_bytes(), 4) as usize
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    pub fn blob_len(&self) -> usize {
        self.as_bytes().len()
    }

    /// Bytes allocated for the blob (MEMORY USAGE): exactly its length, 0 when inline.
    pub fn alloc_bytes(&self) -> usize {
        match &self.repr {
            Repr::Inline { .. } => 0,
            Repr::Heap(blob) => blob.as_slice().len(),
        }
    }

    /// The value at sorted position `i`, if any.
    pub fn get_checked(&self, i: usize) -> Option<i64> {
        (i < self.len()).then(|| self.get(i))
    }

    /// The value at sorted position `i < len()`.
    pub fn get(&self, i: usize) -> i64 {
        let enc = self.encoding();
        let at = HEADER_SIZE + i * enc;
        decode(&self.as_bytes()[at..at + enc])
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
                let mut buf = Vec::with_capacity(self.blob_len() + enc);
                buf.extend_from_slice(self.as_bytes());
                buf.splice(at..at, encode(v, enc));
                set_len(&mut buf, self.len() + 1);
                *self = Intset::store(&buf);
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
                let mut buf = self.as_bytes().to_vec();
                buf.drain(at..at + enc);
                set_len(&mut buf, self.len() - 1);
                *self = Intset::store(&buf);
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
        *self = Intset::store(&buf);
    }
}

/// Write the value count into a blob's header.
fn set_len(buf: &mut [u8], n: usize) {
    let n32 = u32::try_from(n).expect("intset lengths fit in u32");
    buf[4..8].copy_from_slice(&n32.to_le_bytes());
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
    fn small_blobs_are_inline_and_larger_ones_exact_size() {
        assert_eq!(std::mem::size_of::<Intset>(), 16);
        let mut s = Intset::new();
        for v in [1, 2, 3] {
            s.add(v);
        }
        assert_eq!((s.blob_len(), s.alloc_bytes()), (14, 0));
        s.add(4);
        assert_eq!((s.blob_len(), s.alloc_bytes()), (16, 16));
        let copy = s.clone();
        assert!(s.remove(4));
        assert_eq!((s.blob_len(), s.alloc_bytes()), (14, 0));
        assert_eq!(copy.iter().collect::<Vec<_>>(), vec![1, 2, 3, 4]);
        assert_eq!(s.iter().collect::<Vec<_>>(), vec![1, 2, 3]);
        s.add(1 << 40);
        assert_eq!((s.encoding(), s.len(), s.alloc_bytes()), (8, 4, 40));
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
