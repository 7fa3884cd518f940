//! Stream values (rdb.c `rdbLoadObject`, types 15, 19 = `_2` and 21 = `_3`), numbers as RDB
//! lengths unless noted:
//! ```text
//! nodes × (master ID: 16-byte string, listpack string)        see rdb::blob::stream_node
//! length, last_id ms, seq, [_2+: first_id ms seq, max_deleted ms seq, entries_added]
//! groups × (name, last_id ms seq, [_2+: entries_read],
//!           pel × (16 raw bytes id, i64 LE delivery time, delivery count),
//!           consumers × (name, i64 LE seen time, [_3: i64 LE active time], pel × 16 raw bytes))
//! ```
//! Checks beyond the layout: node IDs strictly increase across nodes, `length` equals the live
//! entries, group names and consumer names are unique, and every PEL entry belongs to exactly
//! one consumer (Redis checks the last one only with `sanitize-dump-payload yes`).

use super::value::{blob, blob_error};
use crate::rdb::blob::stream_node;
use crate::rdb::error::{RdbError, Result};
use crate::rdb::format::{TYPE_STREAM_LISTPACKS_2, TYPE_STREAM_LISTPACKS_3};
use crate::rdb::reader::Reader;
use crate::rdb::value::LoadedValue;
use crate::types::stream::group::ENTRIES_READ_UNKNOWN;
use crate::types::stream::{Group, Stream, StreamId};

const STREAM_ID_BYTES: usize = 16;

pub fn read(r: &mut Reader<'_>, t: u8) -> Result<LoadedValue> {
    let mut s = Stream::default();
    let nodes = r.count(2)?;
    for _ in 0..nodes {
        read_node(r, &mut s)?;
    }
    let at = r.offset();
    let length = r.length()?;
    s.last_id = id_lengths(r)?;
    if t >= TYPE_STREAM_LISTPACKS_2 {
        id_lengths(r)?; // first_id: the first live entry, recomputed
        s.max_deleted_id = id_lengths(r)?;
        s.entries_added = r.length()?;
    } else {
        s.entries_added = length;
    }
    if length != s.entries.len() as u64 {
        return Err(RdbError::corrupt(at, format!("stream length {length} but {} entries", s.entries.len())));
    }
    if s.entries.last_key_value().is_some_and(|(id, _)| *id > s.last_id) {
        return Err(RdbError::corrupt(at, "stream last ID below its last entry"));
    }
    let groups = r.count(2)?;
    for _ in 0..groups {
        let at = r.offset();
        let (name, group) = read_group(r, t)?;
        if s.groups.insert(name, group).is_some() {
            return Err(RdbError::corrupt(at, "duplicated consumer group name"));
        }
    }
    Ok(LoadedValue::Stream(Box::new(s)))
}

fn read_node(r: &mut Reader<'_>, s: &mut Stream) -> Result<()> {
    let at = r.offset();
    let master = StreamId::from_be_bytes(&r.string()?).ok_or_else(|| RdbError::corrupt(at, "stream node key is not a 128-bit ID"))?;
    let (lp, lp_at) = blob(r)?;
    let entries = stream_node::decode(master, &lp).map_err(blob_error(lp_at, "stream listpack"))?;
    if entries.is_empty() {
        return Err(RdbError::corrupt(lp_at, "empty listpack inside stream"));
    }
    for (id, fields) in entries {
        if s.entries.last_key_value().is_some_and(|(last, _)| *last >= id) {
            return Err(RdbError::corrupt(lp_at, "stream entry IDs out of order"));
        }
        s.entries.insert(id, fields);
    }
    Ok(())
}

fn read_group(r: &mut Reader<'_>, t: u8) -> Result<(Vec<u8>, Group)> {
    let name = r.string()?.into_owned();
    let last_id = id_lengths(r)?;
    let entries_read = if t >= TYPE_STREAM_LISTPACKS_2 { r.length()? as i64 } else { ENTRIES_READ_UNKNOWN };
    let mut g = Group::new(last_id, entries_read);
    let pel = r.count(STREAM_ID_BYTES + 9)?;
    for _ in 0..pel {
        let id = raw_id(r)?;
        let delivery_time = r.i64_le()?;
        let delivery_count = r.length()?;
        g.pel.insert(id, crate::types::stream::Nack { delivery_time, delivery_count, consumer: Vec::new() });
    }
    let consumers = r.count(10)?;
    for _ in 0..consumers {
        let at = r.offset();
        let cname = r.string()?.into_owned();
        let seen_time = r.i64_le()?;
        if t == TYPE_STREAM_LISTPACKS_3 {
            r.i64_le()?; // active time (Redis 7.2), not kept
        }
        if g.consumers.contains_key(&cname) {
            return Err(RdbError::corrupt(at, "duplicated consumer name"));
        }
        g.consumer_or_create(&cname, seen_time);
        let owned = r.count(STREAM_ID_BYTES)?;
        for _ in 0..owned {
            let id_at = r.offset();
            let id = raw_id(r)?;
            let nack = g.pel.get_mut(&id).filter(|n| n.consumer.is_empty());
            let nack = nack.ok_or_else(|| RdbError::corrupt(id_at, "consumer entry not found in the group PEL"))?;
            nack.consumer = cname.clone();
            g.consumers.get_mut(&cname).map(|c| c.pel.insert(id));
        }
    }
    if !g.consistent() {
        return Err(r.corrupt("stream consumer group PEL entry without a consumer"));
    }
    Ok((name, g))
}

/// An ID written as two RDB lengths (ms, seq).
fn id_lengths(r: &mut Reader<'_>) -> Result<StreamId> {
    Ok(StreamId::new(r.length()?, r.length()?))
}

/// An ID written as 16 raw bytes.
fn raw_id(r: &mut Reader<'_>) -> Result<StreamId> {
    let b = r.bytes(STREAM_ID_BYTES)?;
    Ok(StreamId::from_be_bytes(b).unwrap_or_default())
}
