//! The ziplist (Redis ≤ 6.2, `ziplist.c`): a list of strings and integers packed in one blob,
//! byte-exact with Redis so it can be written to and read from RDB types 10, 12, 13 and 14.
//!
//! ```text
//! <zlbytes u32 LE> <zltail u32 LE> <zllen u16 LE> <entry> ... <entry> <zlend 0xFF>
//! entry = <prevlen> <encoding> <data>
//!   prevlen:  1 byte if the previous entry's raw length is < 254, else 0xFE + u32 LE
//!   encoding: 00pppppp                 string, len ≤ 63
//!             01pppppp qqqqqqqq        string, len ≤ 16383 (14 bits, big-endian)
//!             10000000 + u32 BE        string, longer
//!             0xC0 int16 | 0xD0 int32 | 0xE0 int64 | 0xF0 int24 | 0xFE int8 (data LE)
//!             0xF1..0xFD               immediate 0..12, no data
//! ```
//! zltail is the offset of the last entry (10 when empty); zllen is the count, or 65535 when the
//! count does not fit and must be found by walking. Example from Redis's own comment:
//! `[0f 00 00 00] [0c 00 00 00] [02 00] [00 f3] [02 f6] [ff]` = `["2", "5"]`: 15 bytes, tail at
//! 12, two entries, `"2"` as immediate `f3` with prevlen 0, `"5"` as `f6` with prevlen 2.
//!
//! Invariants (checked by [`Ziplist::from_bytes`] and kept by every operation): zlbytes equals
//! the blob length, entries decode inside the blob and end exactly at the terminator, each
//! prevlen equals the previous entry's raw length, zltail points at the last entry, and zllen is
//! `min(count, 65535)`. Values that are canonical integers (`zipTryEncoding`) are stored as
//! integers; the cascade-update rules are described in `cascade.rs`.

mod cascade;
mod entry;
mod validate;

pub use entry::ZlValue;

/// Whether canonical values (see [`ZlValue::is_canonical`]) are pairwise distinct. Sorts them.
pub fn all_distinct(values: &mut [ZlValue<'_>]) -> bool {
    values.sort_unstable();
    values.windows(2).all(|w| w[0] != w[1])
}

use crate::encoding::Corrupt;
use cascade::{delete_at, insert_at, set_count, tail};
use entry::{entry_at, try_encoding, value_of, Encoded, END, HEADER_SIZE};

/// Redis's `SIZE_SAFETY_LIMIT` for `ziplistSafeToAdd`: a ziplist never grows past 1 GiB.
pub const SAFETY_SIZE_MAX: usize = 1 << 30;

/// A ziplist blob. The entry count is the header's zllen (walked when it says 65535), so the
/// struct is just the blob, one exact-size allocation behind a 16-byte pointer: a small hash
/// or sorted set stores it inline in its keyspace value, with no box of its own.
///
/// Memory: the blob grows by exactly what an insert needs and shrinks after a delete, as
/// Redis's `zrealloc` of the blob does, so a ziplist holds no spare capacity (mutations go
/// through [`Ziplist::edit`], which turns the blob into a `Vec` and back without copying).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Ziplist {
    buf: Box<[u8]>,
}

impl Default for Ziplist {
    fn default() -> Self {
        Ziplist::new()
    }
}

impl Ziplist {
    /// An empty ziplist: `[0b 00 00 00] [0a 00 00 00] [00 00] [ff]`.
    pub fn new() -> Ziplist {
        Ziplist { buf: cascade::empty_blob().into_boxed_slice() }
    }

    /// Accept bytes from outside after a shallow header check and a deep walk of every entry.
    pub fn from_bytes(mut buf: Vec<u8>) -> Result<Ziplist, Corrupt> {
        let walked = validate::deep(&mut buf)?;
        // A zllen of 65535 ("walk to count") is replaced by the count when it fits, as
        // Redis's `ziplistLen` does after its walk.
        set_count(&mut buf, walked.count);
        Ok(Ziplist { buf: buf.into_boxed_slice() })
    }

    /// Only the header check (Redis validates this much when `sanitize-dump-payload` is off);
    /// the blob is then walked anyway to count entries, so this is for reporting, not loading.
    pub fn shallow_check(buf: &[u8]) -> Result<(), Corrupt> {
        validate::shallow(buf)
    }

    /// Rebuild from bytes this module produced (e.g. a quicklist node it compressed itself),
    /// with the count known; skips the walk. Debug builds still validate.
    pub(crate) fn from_trusted(buf: Vec<u8>, count: usize) -> Ziplist {
        debug_assert!(Ziplist::from_bytes(buf.clone()).is_ok_and(|z| z.len() == count));
        Ziplist { buf: buf.into_boxed_slice() }
    }

    pub fn as_bytes(&self) -> &[u8] {
        &self.buf
    }

    pub fn into_bytes(self) -> Vec<u8> {
        self.buf.into_vec()
    }

    /// Total bytes of the blob (`ziplistBlobLen`).
    pub fn blob_len(&self) -> usize {
        self.buf.len()
    }

    /// Bytes allocated for the blob (MEMORY USAGE): exactly its length.
    pub fn alloc_bytes(&self) -> usize {
        self.buf.len()
    }

    /// Run a byte-moving operation on the blob as a `Vec`. The operations reserve exactly
    /// what they add, so the `Vec` comes back with no spare capacity and turning it into a
    /// boxed slice again does not reallocate.
    fn edit<R>(&mut self, f: impl FnOnce(&mut Vec<u8>) -> R) -> R {
        let mut v = std::mem::take(&mut self.buf).into_vec();
        let out = f(&mut v);
        self.buf = v.into_boxed_slice();
        out
    }

    /// Number of entries (`ziplistLen`): zllen, or a walk when zllen is 65535.
    pub fn len(&self) -> usize {
        let n = u16::from_le_bytes([self.buf[8], self.buf[9]]);
        if n < u16::MAX {
            return usize::from(n);
        }
        let (mut p, mut count) = (HEADER_SIZE, 0);
        while self.buf[p] != END {
            p += entry_at(&self.buf, p).raw_len();
            count += 1;
        }
        count
    }

    pub fn is_empty(&self) -> bool {
        self.buf[HEADER_SIZE] == END
    }

    /// Whether `add` more bytes keep the blob within [`SAFETY_SIZE_MAX`] (`ziplistSafeToAdd`).
    pub fn safe_to_add(&self, add: usize) -> bool {
        self.buf.len().saturating_add(add) <= SAFETY_SIZE_MAX
    }

    /// Raw bytes `value` would take as a new entry with a 5-byte prevlen (an upper bound).
    pub fn entry_size_max(value: &[u8]) -> usize {
        5 + try_encoding(value).size()
    }

    /// Push at the head or the tail (`ziplistPush`).
    pub fn push(&mut self, value: &[u8], head: bool) {
        let p = if head { HEADER_SIZE } else { self.buf.len() - 1 };
        let before = self.len();
        self.edit(|b| insert_at(b, p, value));
        self.bump(1, before);
    }

    /// Insert so that `value` ends up at `index` (`index == len()` appends). False if out of range.
    #[must_use]
    pub fn insert(&mut self, index: usize, value: &[u8]) -> bool {
        let Some(p) = self.offset_or_end(index) else { return false };
        let before = self.len();
        self.edit(|b| insert_at(b, p, value));
        self.bump(1, before);
        true
    }

    /// Delete the entry at `index`; false if there is none.
    pub fn delete(&mut self, index: usize) -> bool {
        self.delete_range(index, 1) == 1
    }

    /// Delete up to `count` entries from `index` (`ziplistDeleteRange`); returns how many.
    pub fn delete_range(&mut self, index: usize, count: usize) -> usize {
        let Some(p) = self.offset(index) else { return 0 };
        let before = self.len();
        let n = self.edit(|b| delete_at(b, p, count));
        set_count(&mut self.buf, before - n);
        n
    }

    /// Replace the value at `index` (`ziplistReplace`: in place when the new encoding and data
    /// have the same size as the old, otherwise delete then insert). False if out of range.
    pub fn replace(&mut self, index: usize, value: &[u8]) -> bool {
        let Some(p) = self.offset(index) else { return false };
        let e = entry_at(&self.buf, p);
        let enc = try_encoding(value);
        if enc.size() == e.len_size + e.len {
            let mut bytes = Vec::with_capacity(enc.size());
            enc.write(&mut bytes);
            let start = p + e.prevlen_size;
            self.buf[start..start + bytes.len()].copy_from_slice(&bytes);
            return true;
        }
        self.edit(|b| {
            delete_at(b, p, 1);
            insert_at(b, p, value);
        });
        true
    }

    pub fn get(&self, index: usize) -> Option<ZlValue<'_>> {
        let p = self.offset(index)?;
        Some(value_of(&self.buf, &entry_at(&self.buf, p)))
    }

    /// Values head to tail.
    pub fn iter(&self) -> Iter<'_> {
        Iter { buf: &self.buf, off: HEADER_SIZE, left: self.len() }
    }

    /// Values tail to head, following prevlen.
    pub fn iter_rev(&self) -> IterRev<'_> {
        IterRev { buf: &self.buf, off: tail(&self.buf), left: self.len() }
    }

    /// Index of the first entry at or after `start` equal to `value`, comparing one entry and
    /// then skipping `skip` (`ziplistFind`; a hash's fields are found with `skip = 1`).
    /// Integer entries compare equal to their canonical decimal string.
    pub fn find(&self, start: usize, value: &[u8], skip: usize) -> Option<usize> {
        let want = try_encoding(value);
        let mut wait = 0;
        for (i, v) in self.iter().enumerate().skip(start) {
            if wait > 0 {
                wait -= 1;
                continue;
            }
            if value_matches(v, value, want) {
                return Some(i);
            }
            wait = skip;
        }
        None
    }

    /// Concatenate `first` then `second` (`ziplistMerge`), fixing the seam with a cascade
    /// update from `first`'s tail. Redis grows the longer one in place; the bytes are the same.
    pub fn merge(first: Ziplist, second: Ziplist) -> Ziplist {
        if second.is_empty() {
            return first;
        }
        if first.is_empty() {
            return second;
        }
        let first_tail = tail(&first.buf);
        let second_tail = tail(&second.buf);
        let first_count = first.len();
        let mut buf = first.buf.into_vec();
        let first_bytes = buf.len();
        buf.pop();
        buf.reserve_exact(second.buf.len() - HEADER_SIZE);
        buf.extend_from_slice(&second.buf[HEADER_SIZE..]);
        cascade::set_tail(&mut buf, (first_bytes - 1) + (second_tail - HEADER_SIZE));
        let count = first_count + second.len();
        set_count(&mut buf, count);
        cascade::cascade_update(&mut buf, first_tail);
        Ziplist { buf: buf.into_boxed_slice() }
    }

    fn bump(&mut self, n: usize, before: usize) {
        set_count(&mut self.buf, before + n);
    }

    /// Offset of entry `index`, walking from whichever end is nearer.
    fn offset(&self, index: usize) -> Option<usize> {
        let count = self.len();
        if index >= count {
            return None;
        }
        if index < count / 2 {
            let mut p = HEADER_SIZE;
            for _ in 0..index {
                p += entry_at(&self.buf, p).raw_len();
            }
            Some(p)
        } else {
            let mut p = tail(&self.buf);
            for _ in index + 1..count {
                p -= entry_at(&self.buf, p).prevlen;
            }
            Some(p)
        }
    }

    fn offset_or_end(&self, index: usize) -> Option<usize> {
        if index == self.len() {
            Some(self.buf.len() - 1)
        } else {
            self.offset(index)
        }
    }
}

fn value_matches(v: ZlValue<'_>, raw: &[u8], want: Encoded<'_>) -> bool {
    match (v, want) {
        (ZlValue::Str(s), _) => s == raw,
        (ZlValue::Int(a), Encoded::Int(_, b)) => a == b,
        (ZlValue::Int(_), Encoded::Str(_)) => false,
    }
}

/// Forward iterator over a ziplist's values.
pub struct Iter<'a> {
    buf: &'a [u8],
    off: usize,
    left: usize,
}

impl<'a> Iterator for Iter<'a> {
    type Item = ZlValue<'a>;
    fn next(&mut self) -> Option<ZlValue<'a>> {
        if self.left == 0 || self.buf[self.off] == END {
            return None;
        }
        let e = entry_at(self.buf, self.off);
        self.off += e.raw_len();
        self.left -= 1;
        Some(value_of(self.buf, &e))
    }
}

/// Backward iterator over a ziplist's values.
pub struct IterRev<'a> {
    buf: &'a [u8],
    off: usize,
    left: usize,
}

impl<'a> Iterator for IterRev<'a> {
    type Item = ZlValue<'a>;
    fn next(&mut self) -> Option<ZlValue<'a>> {
        if self.left == 0 {
            return None;
        }
        let e = entry_at(self.buf, self.off);
        self.left -= 1;
        self.off -= e.prevlen;
        Some(value_of(self.buf, &e))
    }
}

#[cfg(test)]
mod tests;
