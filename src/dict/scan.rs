//! SCAN over a [`Dict`] with Redis's reverse-binary cursor (`dictScan`).
//!
//! The cursor is a bucket index whose bits are incremented from the most significant end of
//! the table mask downwards. Growing a table of size `2^n` to `2^(n+1)` splits bucket `i` into
//! `i` and `i + 2^n`, which in reversed-bit order are adjacent and come *after* every bucket
//! already visited; shrinking merges them back. Hence the guarantee: an element present from
//! the first call to the call that returns cursor 0 is reported at least once, whatever the
//! table does in between (it may be reported more than once).
//!
//! While rehashing, a call visits bucket `cursor & m0` of the smaller table and every bucket of
//! the larger table that expands it (`cursor & m1` for all values of the extra high bits).
//!
//! Example, table of 8 buckets: cursors go 0, 4, 2, 6, 1, 5, 3, 7, then 0 (done).

use std::hash::Hash;

use super::table::{Link, Table};
use super::Dict;

/// Visit every node of a chain.
fn emit_chain<K, V>(link: &Link<K, V>, f: &mut impl FnMut(&K, &V)) {
    let mut cur = link.as_deref();
    while let Some(node) = cur {
        f(&node.key, &node.value);
        cur = node.next.as_deref();
    }
}

/// Increment `v` in reverse-bit order within `mask` (Redis: `v |= ~m; v = rev(v); v++;
/// v = rev(v)`).
fn next_cursor(v: u64, mask: u64) -> u64 {
    (v | !mask).reverse_bits().wrapping_add(1).reverse_bits()
}

impl<K: Hash + Eq, V> Dict<K, V> {
    /// One SCAN step from `cursor`: calls `f` for each entry of the buckets at the cursor and
    /// returns the next cursor, 0 when the scan is complete. Start with cursor 0. An entry
    /// present for the whole scan is reported at least once (see the module docs); entries
    /// may be reported more than once. Does not rehash.
    pub fn scan(&self, cursor: u64, mut f: impl FnMut(&K, &V)) -> u64 {
        if self.is_empty() {
            return 0;
        }
        if self.rehash_idx.is_none() {
            return scan_one(&self.ht[0], cursor, &mut f);
        }
        let (small, large) = if self.ht[0].size() > self.ht[1].size() {
            (&self.ht[1], &self.ht[0])
        } else {
            (&self.ht[0], &self.ht[1])
        };
        scan_two(small, large, cursor, &mut f)
    }
}

fn scan_one<K, V>(t: &Table<K, V>, cursor: u64, f: &mut impl FnMut(&K, &V)) -> u64 {
    let mask = t.mask() as u64;
    emit_chain(&t.buckets[(cursor & mask) as usize], f);
    next_cursor(cursor, mask)
}

fn scan_two<K, V>(small: &Table<K, V>, large: &Table<K, V>, mut v: u64, f: &mut impl FnMut(&K, &V)) -> u64 {
    let m0 = small.mask() as u64;
    let m1 = large.mask() as u64;
    emit_chain(&small.buckets[(v & m0) as usize], f);
    // Visit the buckets of the larger table that expand the smaller table's bucket.
    loop {
        emit_chain(&large.buckets[(v & m1) as usize], f);
        v = next_cursor(v, m1);
        if v & (m0 ^ m1) == 0 {
            return v;
        }
    }
}
