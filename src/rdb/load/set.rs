//! Sets: SET (2) = count + strings; SET_INTSET (11) = one intset; SET_LISTPACK (20, Redis
//! 7.2) = one listpack. Duplicates are corrupt (Redis: "Duplicate set members detected").

use super::value::{blob, blob_error, check_unique};
use crate::rdb::blob::{intset, listpack};
use crate::rdb::error::Result;
use crate::rdb::reader::Reader;
use crate::rdb::value::LoadedValue;

pub fn plain(r: &mut Reader<'_>) -> Result<LoadedValue> {
    let at = r.offset();
    let n = r.count(1)?;
    let mut out = Vec::with_capacity(n);
    for _ in 0..n {
        out.push(r.string()?.into_owned());
    }
    check_unique(out.iter().map(|m| m.as_slice()), at, "set members")?;
    Ok(LoadedValue::Set(out))
}

pub fn intset(r: &mut Reader<'_>) -> Result<LoadedValue> {
    let (is, at) = blob(r)?;
    let members = intset::parse(&is).map_err(blob_error(at, "intset"))?;
    // Strictly increasing, so unique.
    Ok(LoadedValue::Set(members.iter().map(|v| v.to_string().into_bytes()).collect()))
}

pub fn listpack(r: &mut Reader<'_>) -> Result<LoadedValue> {
    let (lp, at) = blob(r)?;
    let members = listpack::parse(&lp).map_err(blob_error(at, "set listpack"))?;
    check_unique(members.iter().map(|m| m.as_slice()), at, "set members")?;
    Ok(LoadedValue::Set(members))
}
