//! Lists: LIST (1) = count + strings; LIST_ZIPLIST (10) = one ziplist; LIST_QUICKLIST (14) =
//! count + ziplist strings (a node may be LZF-compressed through the string encoding);
//! LIST_QUICKLIST_2 (18) = count + (container, string) with container 1 = PLAIN (one raw
//! element) and 2 = PACKED (a listpack). Empty nodes are skipped, as Redis 7.0 does.

use super::value::{blob, blob_error};
use crate::rdb::blob::{listpack, ziplist};
use crate::rdb::error::{RdbError, Result};
use crate::rdb::format::{QUICKLIST_NODE_PACKED, QUICKLIST_NODE_PLAIN};
use crate::rdb::reader::Reader;
use crate::rdb::value::LoadedValue;

pub fn plain(r: &mut Reader<'_>) -> Result<LoadedValue> {
    let n = r.count(1)?;
    let mut out = Vec::with_capacity(n);
    for _ in 0..n {
        out.push(r.string()?.into_owned());
    }
    Ok(LoadedValue::List(out))
}

pub fn ziplist(r: &mut Reader<'_>) -> Result<LoadedValue> {
    let (zl, at) = blob(r)?;
    Ok(LoadedValue::List(ziplist::parse(&zl).map_err(blob_error(at, "ziplist"))?))
}

pub fn quicklist(r: &mut Reader<'_>) -> Result<LoadedValue> {
    let nodes = r.count(1)?;
    let mut out = Vec::new();
    for _ in 0..nodes {
        let (zl, at) = blob(r)?;
        out.extend(ziplist::parse(&zl).map_err(blob_error(at, "quicklist ziplist node"))?);
    }
    Ok(LoadedValue::List(out))
}

pub fn quicklist2(r: &mut Reader<'_>) -> Result<LoadedValue> {
    let nodes = r.count(2)?;
    let mut out = Vec::new();
    for _ in 0..nodes {
        let container_at = r.offset();
        match r.length()? {
            QUICKLIST_NODE_PLAIN => out.push(r.string()?.into_owned()),
            QUICKLIST_NODE_PACKED => {
                let (lp, at) = blob(r)?;
                out.extend(listpack::parse(&lp).map_err(blob_error(at, "quicklist listpack node"))?);
            }
            c => return Err(RdbError::corrupt(container_at, format!("quicklist: unknown node container {c}"))),
        }
    }
    Ok(LoadedValue::List(out))
}
