//! Hashes: HASH (4) = count + (field, value); HASH_ZIPMAP (9) = one zipmap; HASH_ZIPLIST (13)
//! and HASH_LISTPACK (16) = one blob of alternating fields and values. Duplicate fields are
//! corrupt (Redis: "Duplicate hash fields detected").

use super::value::{adopt_ziplist, blob, blob_error, check_unique, pairs};
use crate::rdb::blob::{listpack, ziplist, zipmap};
use crate::rdb::error::Result;
use crate::rdb::reader::Reader;
use crate::object::Value;
use crate::rdb::value::LoadedValue;
use crate::types::{hash::Hash, TypeLimits};

fn unique(pairs: Vec<(Vec<u8>, Vec<u8>)>, at: u64) -> Result<LoadedValue> {
    check_unique(pairs.iter().map(|(f, _)| f.as_slice()), at, "hash fields")?;
    Ok(LoadedValue::Hash(pairs))
}

pub fn plain(r: &mut Reader<'_>) -> Result<LoadedValue> {
    let at = r.offset();
    let n = r.count(2)?;
    let mut out = Vec::with_capacity(n);
    for _ in 0..n {
        let field = r.string()?.into_owned();
        out.push((field, r.string()?.into_owned()));
    }
    unique(out, at)
}

pub fn zipmap(r: &mut Reader<'_>) -> Result<LoadedValue> {
    let (zm, at) = blob(r)?;
    unique(zipmap::parse(&zm).map_err(blob_error(at, "zipmap"))?, at)
}

pub fn ziplist(r: &mut Reader<'_>, adopt: Option<&TypeLimits>) -> Result<LoadedValue> {
    let (zl, at) = blob(r)?;
    if let Some(adopted) = adopt_ziplist(&zl, adopt, |zl, limits| Hash::adopt_ziplist(zl, limits).map(Value::Hash)) {
        return Ok(adopted);
    }
    let flat = ziplist::parse(&zl).map_err(blob_error(at, "hash ziplist"))?;
    unique(pairs(flat, at, "hash ziplist")?, at)
}

pub fn listpack(r: &mut Reader<'_>) -> Result<LoadedValue> {
    let (lp, at) = blob(r)?;
    let flat = listpack::parse(&lp).map_err(blob_error(at, "hash listpack"))?;
    unique(pairs(flat, at, "hash listpack")?, at)
}
