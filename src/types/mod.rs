//! The aggregate data types built on the compact encodings (issue 7): lists (quicklist),
//! hashes (ziplist or dict), sets (intset or dict), sorted sets (ziplist or skiplist + dict).
//!
//! Every type offers the same small interface the rest of the engine relies on:
//! `len`, `encoding_name` (the seeds' names: ziplist, quicklist, intset, hashtable, skiplist),
//! `for_each` (visit the elements: the digest, RDB saving and the AOF rewrite use it) and
//! `from_items` (build from loaded elements, choosing the encoding from [`TypeLimits`]).

pub mod hash;
pub mod list;
pub mod set;
pub mod stream;
pub mod zset;

use crate::config::Config;

/// The encoding thresholds of the configuration (`hash-max-ziplist-entries`, ...).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct TypeLimits {
    pub hash_max_ziplist_entries: usize,
    pub hash_max_ziplist_value: usize,
    pub set_max_intset_entries: usize,
    pub zset_max_ziplist_entries: usize,
    pub zset_max_ziplist_value: usize,
    pub list_max_ziplist_size: i32,
    pub list_compress_depth: usize,
}

impl TypeLimits {
    pub fn from_config(c: &Config) -> TypeLimits {
        let clamp = |v: u64| usize::try_from(v).unwrap_or(usize::MAX);
        TypeLimits {
            hash_max_ziplist_entries: clamp(c.hash_max_ziplist_entries),
            hash_max_ziplist_value: clamp(c.hash_max_ziplist_value),
            set_max_intset_entries: clamp(c.set_max_intset_entries),
            zset_max_ziplist_entries: clamp(c.zset_max_ziplist_entries),
            zset_max_ziplist_value: clamp(c.zset_max_ziplist_value),
            list_max_ziplist_size: i32::try_from(c.list_max_ziplist_size).unwrap_or(-2),
            list_compress_depth: clamp(c.list_compress_depth),
        }
    }
}

impl Default for TypeLimits {
    fn default() -> Self {
        TypeLimits::from_config(&Config::default())
    }
}
