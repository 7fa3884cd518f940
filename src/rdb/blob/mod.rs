//! The compact blobs embedded in RDB values, parsed with full validation (Redis's
//! `*ValidateIntegrity` with `deep = 1`): ziplist, listpack, intset, zipmap, plus the encoders
//! the writer needs (ziplist, intset) and tests use (listpack).
//!
//! These are deliberately minimal: they turn a blob into its elements (integers rendered as
//! decimal text) and back. The in-memory structures that commands operate on live in
//! `crate::encoding`; when that module's validating parsers are in, these can delegate to them.
//!
//! Contract of every `parse`: never panics, never allocates more than a small multiple of the
//! blob's own size, and returns [`Corrupt`] with the byte offset inside the blob for any
//! inconsistency (header length, counts, entry bounds, back-lengths, terminator).

pub mod intset;
pub mod listpack;
pub mod stream_node;
pub mod ziplist;
pub mod zipmap;

pub use crate::encoding::Corrupt;

/// Bounds-checked slice of `blob` (`start..start+len`), or `Corrupt` at `start`.
pub(crate) fn slice<'a>(blob: &'a [u8], start: usize, len: usize, what: &'static str) -> Result<&'a [u8], Corrupt> {
    start.checked_add(len).and_then(|end| blob.get(start..end)).ok_or(Corrupt::at(start, what))
}

/// Little-endian integer of `N` bytes at `start`, sign-extended.
pub(crate) fn int_le<const N: usize>(blob: &[u8], start: usize) -> Result<i64, Corrupt> {
    let b = slice(blob, start, N, "integer past the end")?;
    let mut wide = [0u8; 8];
    wide[..N].copy_from_slice(b);
    let shift = 64 - 8 * N as u32;
    Ok((i64::from_le_bytes(wide) << shift) >> shift)
}
