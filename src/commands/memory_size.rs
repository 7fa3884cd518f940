//! MEMORY USAGE's estimate (`object.c` `objectComputeSize`, Redis 7.0) over Keel's own
//! structures: what each encoding allocates, in the allocator's usable sizes.
//!
//! The production allocator is the system's (glibc malloc, counted by `env::os_alloc`, which
//! adds `malloc_usable_size` of every block to `used_memory`), so every block is counted as
//! [`malloc_size`] of what the structure requests: its `Vec`/`Box` capacity. As in Redis:
//! - compact encodings (ziplist, intset, inline strings) are measured exactly;
//! - dict-based and skiplist encodings count their fixed parts exactly and the per-element
//!   parts on the first `samples` elements, scaled to the element count (`samples` 0 = all);
//! - a quicklist counts its first `samples` nodes the same way;
//! - the key's share is its dict node (Redis's `sizeof(dictEntry)` + the key's sds) plus the
//!   key's heap bytes when it is longer than the 20 bytes stored inline.
//!
//! Example: a hash with 3 fields of 8-byte names and values is a 71-byte ziplist; on x86-64
//! the estimate is the 56-byte dict node (the `Hash` is inline in it) + `malloc_size(71)`.

use crate::bytes::SmallBytes;
use crate::db::Key;
use crate::dict::Dict;
use crate::object::{Stored, Str, Value};
use crate::types::hash::{Hash, HashTable};
use crate::types::list::List;
use crate::types::set::{Set, SetTable};
use crate::types::zset::{SkipZSet, ZSet};
use std::mem::size_of;

/// glibc's `malloc_usable_size` for a request of `n` bytes on a 64-bit target: chunks are
/// `n + 8` rounded up to 16 (at least 32), of which all but the 8-byte header is usable;
/// requests from 128 KiB up are mmapped whole pages, with a 16-byte header. 0 bytes are not
/// allocated at all (Rust's empty `Vec`/`Box` hold no block).
pub fn malloc_size(n: usize) -> usize {
    const MMAP_THRESHOLD: usize = 128 * 1024;
    if n == 0 {
        return 0;
    }
    let chunk = ((n + 8 + 15) & !15).max(32);
    if n >= MMAP_THRESHOLD {
        return (chunk + 8).div_ceil(4096) * 4096 - 16;
    }
    chunk - 8
}

/// Bytes of the key and its value: `MEMORY USAGE key SAMPLES samples` (`samples` ≥ 1).
pub fn key_usage(key: &Key, entry: &Stored, samples: usize) -> usize {
    let node = malloc_size(Dict::<Key, Stored>::node_bytes());
    node + malloc_size(key.heap_bytes()) + value_usage(&entry.value, samples)
}

/// `objectComputeSize` for a value (without the key's dict node).
pub fn value_usage(v: &Value, samples: usize) -> usize {
    match v {
        Value::Str(s) => str_usage(s),
        Value::List(l) => malloc_size(size_of::<List>()) + list_usage(l, samples),
        // Hashes, sets and sorted sets live inside the entry; their blobs or tables below.
        Value::Hash(h) => hash_usage(h, samples),
        Value::Set(s) => set_usage(s, samples),
        Value::ZSet(z) => zset_usage(z, samples),
        // An estimate over the whole stream (its entries are not sampled).
        Value::Stream(st) => malloc_size(st.heap_bytes()),
    }
}

/// Strings live in the entry (ints and up to 22 bytes) or in one block.
fn str_usage(s: &Str) -> usize {
    match s {
        Str::Int(_) => 0,
        Str::Bytes(b) => malloc_size(b.heap_bytes()),
        Str::Mutable(v) => malloc_size(size_of::<Vec<u8>>()) + malloc_size(v.capacity()),
    }
}

/// `total` scaled from a sample of `taken` elements to `len` (Redis's
/// `(double)elesize/samples*len`).
fn scaled(total: usize, taken: usize, len: usize) -> usize {
    if taken == 0 {
        return 0;
    }
    (total as f64 / taken as f64 * len as f64) as usize
}

fn list_usage(l: &List, samples: usize) -> usize {
    let ql = l.quicklist();
    let sampled: Vec<usize> = ql.nodes().take(samples).map(|n| malloc_size(n.alloc_bytes())).collect();
    malloc_size(ql.node_array_bytes()) + scaled(sampled.iter().sum(), sampled.len(), ql.node_count())
}

/// A dict's fixed part: the boxed dict and its bucket arrays.
fn dict_fixed<K: std::hash::Hash + Eq, V>(d: &Dict<K, V>) -> usize {
    let (t0, t1) = d.table_sizes();
    malloc_size(size_of::<Dict<K, V>>()) + malloc_size(t0 * size_of::<usize>()) + malloc_size(t1 * size_of::<usize>())
}

fn hash_usage(h: &Hash, samples: usize) -> usize {
    match h {
        Hash::Ziplist(zl) => malloc_size(zl.alloc_bytes()),
        Hash::Table(d) => {
            let node = malloc_size(HashTable::node_bytes());
            let sampled: Vec<usize> = d.iter().take(samples).map(|(f, v)| node + malloc_size(f.heap_bytes()) + malloc_size(v.heap_bytes())).collect();
            dict_fixed(d.as_ref()) + scaled(sampled.iter().sum(), sampled.len(), d.len())
        }
    }
}

fn set_usage(s: &Set, samples: usize) -> usize {
    match s {
        Set::Intset(is) => malloc_size(is.alloc_bytes()),
        Set::Table(d) => {
            let node = malloc_size(SetTable::node_bytes());
            let sampled: Vec<usize> = d.keys().take(samples).map(|m| node + malloc_size(m.heap_bytes())).collect();
            dict_fixed(d.as_ref()) + scaled(sampled.iter().sum(), sampled.len(), d.len())
        }
    }
}

fn zset_usage(z: &ZSet, samples: usize) -> usize {
    match z {
        ZSet::Ziplist(zl) => malloc_size(zl.alloc_bytes()),
        ZSet::Skiplist(sk) => malloc_size(size_of::<SkipZSet>()) + skiplist_usage(sk, samples),
    }
}

/// Slab bytes per skiplist element: its head (member `Vec`, score, back link, height) and,
/// on average, 4/3 level links (P = 1/4) of 24 bytes each. An estimate from the layout of
/// `encoding::skiplist`, whose slab is not exposed.
const SKIPLIST_SLAB_PER_NODE: usize = 48 + 32;

/// The member → score dict and the skiplist: fixed parts, then per member its dict node (with
/// the member inside up to 22 bytes, else boxed), its skiplist member copy and its share of the
/// skiplist's slab.
fn skiplist_usage(sk: &SkipZSet, samples: usize) -> usize {
    let dict_node = malloc_size(Dict::<SmallBytes, f64>::node_bytes());
    let zsl = &sk.zsl;
    let ids = std::iter::successors(zsl.first(), |&id| zsl.next(id));
    let per_member = |m: &[u8]| dict_node + malloc_size(SmallBytes::heap_bytes_for(m.len())) + malloc_size(m.len()) + SKIPLIST_SLAB_PER_NODE;
    let sampled: Vec<usize> = ids.take(samples).map(|id| per_member(zsl.member(id))).collect();
    dict_fixed(&sk.dict) + scaled(sampled.iter().sum(), sampled.len(), sk.dict.len())
}

#[cfg(test)]
mod tests {
    use super::malloc_size;

    #[test]
    fn malloc_size_follows_glibc_chunk_rounding() {
        assert_eq!(malloc_size(0), 0);
        assert_eq!(malloc_size(1), 24);
        assert_eq!(malloc_size(24), 24);
        assert_eq!(malloc_size(25), 40);
        assert_eq!(malloc_size(72), 72);
        assert_eq!(malloc_size(73), 88);
        assert_eq!(malloc_size(200_000), 200_704 - 16);
    }
}
