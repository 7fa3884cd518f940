//! Streams are not a Keel type: the engine refuses them ([`crate::rdb::RdbError::Unsupported`]),
//! but `keel-check-rdb` walks over them so it can report the rest of the file. Layout
//! (rdb.c `rdbLoadObject`, types 15, 19 = `_2` and 21 = `_3`), numbers as RDB lengths unless noted:
//! ```text
//! n × (master ID: 16-byte string, listpack string)
//! length, last_id ms, seq, [_2+: first_id ms seq, max_deleted ms seq, entries_added]
//! groups × (name, last_id ms seq, [_2+: entries_read],
//!           pel × (16 raw bytes id, i64 LE delivery time, delivery count),
//!           consumers × (name, i64 LE seen time, [_3: i64 LE active time], pel × 16 raw bytes))
//! ```

use crate::rdb::error::Result;
use crate::rdb::format::{TYPE_STREAM_LISTPACKS, TYPE_STREAM_LISTPACKS_2, TYPE_STREAM_LISTPACKS_3};
use crate::rdb::reader::Reader;

const STREAM_ID_BYTES: usize = 16;

pub fn is_stream(t: u8) -> bool {
    matches!(t, TYPE_STREAM_LISTPACKS | TYPE_STREAM_LISTPACKS_2 | TYPE_STREAM_LISTPACKS_3)
}

/// Walk over a stream value, checking only that it is structurally complete.
pub fn skip(r: &mut Reader<'_>, t: u8) -> Result<()> {
    let v2 = t >= TYPE_STREAM_LISTPACKS_2;
    let nodes = r.count(2)?;
    for _ in 0..nodes {
        let at = r.offset();
        if r.string()?.len() != STREAM_ID_BYTES {
            return Err(r_corrupt(at, "stream node key is not a 128-bit ID"));
        }
        r.string()?;
    }
    let header_lens = if v2 { 8 } else { 3 };
    for _ in 0..header_lens {
        r.length()?;
    }
    let groups = r.count(2)?;
    for _ in 0..groups {
        skip_group(r, t, v2)?;
    }
    Ok(())
}

fn skip_group(r: &mut Reader<'_>, t: u8, v2: bool) -> Result<()> {
    r.string()?;
    r.length()?;
    r.length()?;
    if v2 {
        r.length()?;
    }
    let pel = r.count(STREAM_ID_BYTES + 9)?;
    for _ in 0..pel {
        r.bytes(STREAM_ID_BYTES)?;
        r.i64_le()?;
        r.length()?;
    }
    let consumers = r.count(10)?;
    for _ in 0..consumers {
        r.string()?;
        r.i64_le()?;
        if t == TYPE_STREAM_LISTPACKS_3 {
            r.i64_le()?;
        }
        let owned = r.count(STREAM_ID_BYTES)?;
        r.bytes(owned * STREAM_ID_BYTES)?;
    }
    Ok(())
}

fn r_corrupt(at: u64, reason: &str) -> crate::rdb::RdbError {
    crate::rdb::RdbError::corrupt(at, reason)
}
