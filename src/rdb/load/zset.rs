//! Sorted sets: ZSET (3) = count + (member, text double); ZSET_2 (5) = count + (member, binary
//! double); ZSET_ZIPLIST (12) and ZSET_LISTPACK (17) = one blob of alternating members and
//! scores (scores as integers or `%.17g` text). Duplicate members and NaN scores are corrupt.

use super::value::{adopt_ziplist, blob, blob_error, check_unique, pairs};
use crate::rdb::blob::{listpack, ziplist};
use crate::rdb::error::{RdbError, Result};
use crate::rdb::reader::{parse_score, Reader};
use crate::object::Value;
use crate::rdb::value::LoadedValue;
use crate::types::{zset::ZSet, TypeLimits};

fn unique(items: Vec<(Vec<u8>, f64)>, at: u64) -> Result<LoadedValue> {
    check_unique(items.iter().map(|(m, _)| m.as_slice()), at, "zset members")?;
    Ok(LoadedValue::ZSet(items))
}

pub fn plain(r: &mut Reader<'_>, binary: bool) -> Result<LoadedValue> {
    let at = r.offset();
    let n = r.count(if binary { 9 } else { 2 })?;
    let mut out = Vec::with_capacity(n);
    for _ in 0..n {
        let member = r.string()?.into_owned();
        let score_at = r.offset();
        let score = if binary { r.binary_double()? } else { r.text_double()? };
        if score.is_nan() {
            return Err(RdbError::corrupt(score_at, "zset with NaN score detected"));
        }
        out.push((member, score));
    }
    unique(out, at)
}

/// Members and scores from a flat blob element list.
fn scored(flat: Vec<Vec<u8>>, at: u64, what: &str) -> Result<LoadedValue> {
    let mut out = Vec::with_capacity(flat.len() / 2);
    for (member, score) in pairs(flat, at, what)? {
        let score = parse_score(&score).ok_or_else(|| RdbError::corrupt(at, format!("{what}: invalid score")))?;
        out.push((member, score));
    }
    unique(out, at)
}

pub fn ziplist(r: &mut Reader<'_>, adopt: Option<&TypeLimits>) -> Result<LoadedValue> {
    let (zl, at) = blob(r)?;
    if let Some(adopted) = adopt_ziplist(&zl, adopt, |zl, limits| ZSet::adopt_ziplist(zl, limits).map(Value::ZSet)) {
        return Ok(adopted);
    }
    scored(ziplist::parse(&zl).map_err(blob_error(at, "zset ziplist"))?, at, "zset ziplist")
}

pub fn listpack(r: &mut Reader<'_>) -> Result<LoadedValue> {
    let (lp, at) = blob(r)?;
    scored(listpack::parse(&lp).map_err(blob_error(at, "zset listpack"))?, at, "zset listpack")
}
