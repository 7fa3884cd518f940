//! Dispatch on the RDB object type to the per-type loaders (Redis's `rdbLoadObject`), plus the
//! helpers they share: reading an embedded blob and refusing duplicates.

use std::borrow::Cow;
use std::collections::BTreeSet;

use super::{hash, list, set, stream, zset};
use crate::rdb::blob::Corrupt;
use crate::rdb::error::{RdbError, Result};
use crate::rdb::format::*;
use crate::rdb::reader::Reader;
use crate::rdb::value::LoadedValue;
use crate::encoding::ziplist::Ziplist;
use crate::object::Value;
use crate::types::TypeLimits;

/// Read the value of `key` stored with `rdb_type`. `Ok(None)` for an empty aggregate.
/// `adopt`: the engine's limits, to keep a ziplist that already fits them as the engine's value
/// (see [`crate::rdb::load::LoadOptions::adopt_blobs`]).
pub fn read(r: &mut Reader<'_>, rdb_type: u8, key: &[u8], type_at: u64, adopt: Option<&TypeLimits>) -> Result<Option<LoadedValue>> {
    let value = match rdb_type {
        TYPE_STRING => LoadedValue::Str(r.string()?.into_owned()),
        TYPE_LIST => list::plain(r)?,
        TYPE_LIST_ZIPLIST => list::ziplist(r)?,
        TYPE_LIST_QUICKLIST => list::quicklist(r)?,
        TYPE_LIST_QUICKLIST_2 => list::quicklist2(r)?,
        TYPE_SET => set::plain(r)?,
        TYPE_SET_INTSET => set::intset(r)?,
        TYPE_SET_LISTPACK => set::listpack(r)?,
        TYPE_HASH => hash::plain(r)?,
        TYPE_HASH_ZIPMAP => hash::zipmap(r)?,
        TYPE_HASH_ZIPLIST => hash::ziplist(r, adopt)?,
        TYPE_HASH_LISTPACK => hash::listpack(r)?,
        TYPE_ZSET | TYPE_ZSET_2 => zset::plain(r, rdb_type == TYPE_ZSET_2)?,
        TYPE_ZSET_ZIPLIST => zset::ziplist(r, adopt)?,
        TYPE_ZSET_LISTPACK => zset::listpack(r)?,
        TYPE_STREAM_LISTPACKS | TYPE_STREAM_LISTPACKS_2 | TYPE_STREAM_LISTPACKS_3 => stream::read(r, rdb_type)?,
        TYPE_MODULE_PRE_GA | TYPE_MODULE_2 | 22..=25 => {
            return Err(RdbError::Unsupported { key: key.to_vec(), rdb_type, offset: type_at })
        }
        t => return Err(RdbError::corrupt(type_at, format!("Unknown RDB encoding type {t}"))),
    };
    Ok((!value.is_empty()).then_some(value))
}

/// An embedded blob (ziplist, listpack, intset, zipmap) stored as an RDB string, and the
/// offset of that string, for errors.
pub fn blob<'a>(r: &mut Reader<'a>) -> Result<(Cow<'a, [u8]>, u64)> {
    let at = r.offset();
    Ok((r.string()?, at))
}

/// With `adopt` (the engine's limits), keep a ziplist blob as the engine's value when `keep`
/// accepts it after the full walk of [`Ziplist::from_bytes`]; `None` sends the caller to the
/// pairs path, which converts the blob or reports what is wrong with it.
pub fn adopt_ziplist(zl: &[u8], adopt: Option<&TypeLimits>, keep: impl FnOnce(Ziplist, &TypeLimits) -> Option<Value>) -> Option<LoadedValue> {
    let limits = adopt?;
    let zl = Ziplist::from_bytes(zl.to_vec()).ok()?;
    keep(zl, limits).map(LoadedValue::Adopted)
}

/// Map a blob validation error to a file-level error at the blob's offset.
pub fn blob_error(at: u64, what: &str) -> impl FnOnce(Corrupt) -> RdbError + '_ {
    move |c| RdbError::corrupt(at, format!("invalid {what} (byte {} of the blob): {}", c.offset, c.reason))
}

/// Refuse a duplicate member/field (Redis: "Duplicate set members detected", "Duplicate hash
/// fields detected", "Duplicate zset fields detected").
pub fn check_unique<'a>(items: impl IntoIterator<Item = &'a [u8]>, at: u64, what: &str) -> Result<()> {
    let mut seen = BTreeSet::new();
    for item in items {
        if !seen.insert(item) {
            return Err(RdbError::corrupt(at, format!("duplicate {what} detected")));
        }
    }
    Ok(())
}

/// Split a flat element list into pairs; an odd count is corrupt.
pub fn pairs(flat: Vec<Vec<u8>>, at: u64, what: &str) -> Result<Vec<(Vec<u8>, Vec<u8>)>> {
    if !flat.len().is_multiple_of(2) {
        return Err(RdbError::corrupt(at, format!("{what} with an odd number of elements")));
    }
    let mut out = Vec::with_capacity(flat.len() / 2);
    let mut it = flat.into_iter();
    while let (Some(a), Some(b)) = (it.next(), it.next()) {
        out.push((a, b));
    }
    Ok(out)
}
