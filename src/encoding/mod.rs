//! Compact encodings: the byte-exact structures Redis keeps small values in, and the codecs the
//! RDB layer needs.
//!
//! - [`ziplist`]: Redis ≤ 6.2's list / hash / zset blob (cascade update included).
//! - [`intset`]: sorted integer set with 16/32/64-bit upgrade.
//! - [`listpack`]: Redis 7's successor of the ziplist; parsed for loading and written for tests.
//! - [`quicklist`]: a list of ziplist nodes with optional LZF-compressed interior nodes.
//! - [`skiplist`]: the zset's ordered index (`zsl*` of t_zset.c) in an index arena.
//! - [`lzf`]: liblzf compression as used by RDB strings and quicklist nodes.
//! - [`crc64`]: Redis's CRC-64 (Jones) for RDB files and DUMP payloads.
//!
//! Every blob that can come from a file or a RESTORE payload is checked by a `from_bytes` /
//! `parse` that never panics and returns [`Corrupt`]; once accepted, a blob's invariants hold and
//! the in-memory operations keep them.

pub mod crc64;
pub mod intset;
pub mod listpack;
pub mod lzf;
pub mod quicklist;
pub mod skiplist;
pub mod ziplist;

use std::fmt;

/// A blob failed validation: `offset` is the byte where the problem was seen.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Corrupt {
    pub offset: usize,
    pub reason: &'static str,
}

impl Corrupt {
    pub(crate) fn at(offset: usize, reason: &'static str) -> Corrupt {
        Corrupt { offset, reason }
    }
}

impl fmt::Display for Corrupt {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "corrupt encoding at byte {}: {}", self.offset, self.reason)
    }
}

impl std::error::Error for Corrupt {}
