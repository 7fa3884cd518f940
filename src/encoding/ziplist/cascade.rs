//! The three byte-moving operations of a ziplist, as Redis 4.0–6.2's `__ziplistInsert`,
//! `__ziplistDelete` and `__ziplistCascadeUpdate` do them, so the bytes we produce are the bytes
//! Redis produces for the same operations.
//!
//! The cascade: every entry records its predecessor's raw length in a 1-byte (< 254) or 5-byte
//! prevlen field. When an entry's raw length changes size class, the following entry's prevlen
//! field must grow from 1 to 5 bytes, which makes *that* entry 4 bytes longer, which may push
//! the next one over 253 bytes, and so on (a run of 250–253-byte entries cascades to the end).
//! The cascade never shrinks a field: a 5-byte field whose value now fits in one byte is kept
//! 5 bytes long and rewritten "large" (`zipStorePrevEntryLengthLarge`), so updates cannot
//! flap. The insert and delete paths themselves do shrink the one field they rewrite (the entry
//! right after the change), exactly as Redis does, except for `forcelarge` on insert: a new entry
//! under 4 bytes keeps the following 5-byte field large.

use super::entry::{
    entry_at, prevlen_size_for, store_prevlen, try_encoding, write_prevlen, END, HEADER_SIZE,
};

pub(crate) fn tail(buf: &[u8]) -> usize {
    u32::from_le_bytes([buf[4], buf[5], buf[6], buf[7]]) as usize
}

pub(crate) fn set_tail(buf: &mut [u8], off: usize) {
    let off32 = u32::try_from(off).expect("ziplist offsets are under 4 GiB");
    buf[4..8].copy_from_slice(&off32.to_le_bytes());
}

/// Rewrite zlbytes from the buffer's length.
pub(crate) fn sync_bytes(buf: &mut [u8]) {
    let n = u32::try_from(buf.len()).expect("ziplists are under 4 GiB");
    buf[0..4].copy_from_slice(&n.to_le_bytes());
}

/// Write zllen: the count, or 65535 ("unknown, walk") when it does not fit in 16 bits.
pub(crate) fn set_count(buf: &mut [u8], count: usize) {
    let n = u16::try_from(count).unwrap_or(u16::MAX);
    buf[8..10].copy_from_slice(&n.to_le_bytes());
}

/// Insert `s` so that it starts at offset `p` (an entry or the END byte).
pub(crate) fn insert_at(buf: &mut Vec<u8>, p: usize, s: &[u8]) {
    let at_end = buf[p] == END;
    let prevlen = if !at_end {
        entry_at(buf, p).prevlen
    } else {
        let t = tail(buf);
        if buf[t] != END {
            entry_at(buf, t).raw_len()
        } else {
            0
        }
    };
    let enc = try_encoding(s);
    let mut new_entry = Vec::with_capacity(5 + enc.size());
    write_prevlen(&mut new_entry, prevlen, false);
    enc.write(&mut new_entry);
    let reqlen = new_entry.len();
    if at_end {
        // Grow by exactly the entry, as Redis's `zrealloc` of the blob does: a ziplist holds
        // no amortized spare capacity (small hashes and sorted sets are mostly ziplists).
        buf.reserve_exact(reqlen);
        buf.splice(p..p, new_entry);
        set_tail(buf, p);
        sync_bytes(buf);
        return;
    }
    let next = entry_at(buf, p);
    let mut nextdiff = prevlen_size_for(reqlen) as isize - next.prevlen_size as isize;
    let forcelarge = nextdiff == -4 && reqlen < 4;
    if forcelarge {
        nextdiff = 0;
    }
    let next_is_tail = tail(buf) == p;
    let old_tail = tail(buf);
    write_prevlen(&mut new_entry, reqlen, forcelarge);
    buf.reserve_exact(new_entry.len() - next.prevlen_size);
    buf.splice(p..p + next.prevlen_size, new_entry);
    let new_tail = if next_is_tail {
        p + reqlen
    } else {
        (old_tail + reqlen).wrapping_add_signed(nextdiff)
    };
    set_tail(buf, new_tail);
    sync_bytes(buf);
    if nextdiff != 0 {
        cascade_update(buf, p + reqlen);
    }
}

/// Delete up to `num` entries starting at offset `p`; returns how many were deleted.
pub(crate) fn delete_at(buf: &mut Vec<u8>, p: usize, num: usize) -> usize {
    let first = entry_at(buf, p);
    let mut q = p;
    let mut deleted = 0;
    while buf[q] != END && deleted < num {
        q += entry_at(buf, q).raw_len();
        deleted += 1;
    }
    let totlen = q - p;
    if totlen == 0 {
        return 0;
    }
    if buf[q] == END {
        buf.drain(p..q);
        set_tail(buf, p - first.prevlen);
        sync_bytes(buf);
        buf.shrink_to_fit();
        return deleted;
    }
    let next = entry_at(buf, q);
    let nextdiff = prevlen_size_for(first.prevlen) as isize - next.prevlen_size as isize;
    let old_tail = tail(buf);
    let mut field = Vec::with_capacity(5);
    write_prevlen(&mut field, first.prevlen, false);
    buf.splice(p..q + next.prevlen_size, field);
    let new_tail = if old_tail == q {
        p
    } else {
        (old_tail - totlen).wrapping_add_signed(nextdiff)
    };
    set_tail(buf, new_tail);
    sync_bytes(buf);
    if nextdiff != 0 {
        cascade_update(buf, p);
    }
    buf.shrink_to_fit();
    deleted
}

/// Starting with the entry at `p`, whose raw length may have changed, fix the following
/// entries' prevlen fields until one already holds the right value (Redis's
/// `__ziplistCascadeUpdate`; see the module doc for the never-shrink rule).
pub(crate) fn cascade_update(buf: &mut Vec<u8>, mut p: usize) {
    while buf[p] != END {
        let cur = entry_at(buf, p);
        let rawlen = cur.raw_len();
        let rawlensize = prevlen_size_for(rawlen);
        let np = p + rawlen;
        if buf[np] == END {
            break;
        }
        let next = entry_at(buf, np);
        if next.prevlen == rawlen {
            break;
        }
        if next.prevlen_size < rawlensize {
            let extra = rawlensize - next.prevlen_size;
            let t = tail(buf);
            if t != np {
                set_tail(buf, t + extra);
            }
            let mut field = Vec::with_capacity(5);
            write_prevlen(&mut field, rawlen, false);
            buf.reserve_exact(extra);
            buf.splice(np..np + next.prevlen_size, field);
            p = np;
        } else {
            // Same size, or a 5-byte field that could shrink: rewrite in place, keep its size.
            store_prevlen(buf, np, rawlen, next.prevlen_size);
            break;
        }
    }
    sync_bytes(buf);
}

/// An empty ziplist: `[0b 00 00 00] [0a 00 00 00] [00 00] [ff]`.
pub(crate) fn empty_blob() -> Vec<u8> {
    let mut buf = vec![0u8; HEADER_SIZE + 1];
    buf[HEADER_SIZE] = END;
    sync_bytes(&mut buf);
    set_tail(&mut buf, HEADER_SIZE);
    buf
}
