//! Validation of ziplist bytes that come from outside (an RDB file, a RESTORE payload), as
//! Redis's `ziplistValidateIntegrity` with `deep = 1`: first a shallow header check, then a walk
//! of every entry. Nothing here trusts a length before checking it against the buffer, and
//! nothing allocates.

use super::cascade::{set_tail, tail};
use super::entry::{entry_safe, END, HEADER_SIZE};
use crate::encoding::Corrupt;

/// What the walk learned: the entry count (the header's may say 65535, "unknown").
pub(crate) struct Walked {
    pub count: usize,
}

/// Header checks: size, zlbytes, terminator, zltail within the blob.
pub(crate) fn shallow(buf: &[u8]) -> Result<(), Corrupt> {
    if buf.len() < HEADER_SIZE + 1 {
        return Err(Corrupt::at(0, "ziplist: shorter than header and terminator"));
    }
    let zlbytes = u32::from_le_bytes([buf[0], buf[1], buf[2], buf[3]]) as usize;
    if zlbytes != buf.len() {
        return Err(Corrupt::at(0, "ziplist: zlbytes does not match the blob size"));
    }
    if buf[buf.len() - 1] != END {
        return Err(Corrupt::at(buf.len() - 1, "ziplist: missing terminator"));
    }
    if tail(buf) > buf.len() - 1 {
        return Err(Corrupt::at(4, "ziplist: zltail past the end"));
    }
    Ok(())
}

/// Walk every entry: each decodes within the blob, records its predecessor's length, the walk
/// ends exactly at the terminator, zltail points at the last entry, and zllen (unless 65535)
/// equals the count. An empty ziplist's zltail is normalised to the header size, so the
/// operations that read the tail never see a stray offset.
pub(crate) fn deep(buf: &mut [u8]) -> Result<Walked, Corrupt> {
    shallow(buf)?;
    let header_count = u16::from_le_bytes([buf[8], buf[9]]);
    let end = buf.len() - 1;
    let mut p = HEADER_SIZE;
    let mut prev: Option<usize> = None;
    let mut prev_raw = 0usize;
    let mut count = 0usize;
    while p < end {
        if buf[p] == END {
            return Err(Corrupt::at(p, "ziplist: terminator byte before the end"));
        }
        let e = entry_safe(buf, p).ok_or(Corrupt::at(p, "ziplist: entry outside the blob"))?;
        if e.prevlen != prev_raw {
            return Err(Corrupt::at(p, "ziplist: prevlen does not match the previous entry"));
        }
        prev_raw = e.raw_len();
        prev = Some(p);
        p += prev_raw;
        count += 1;
    }
    if p != end {
        return Err(Corrupt::at(p, "ziplist: last entry overruns the terminator"));
    }
    match prev {
        Some(last) if last != tail(buf) => {
            return Err(Corrupt::at(4, "ziplist: zltail is not the last entry"))
        }
        None => set_tail(buf, HEADER_SIZE),
        _ => {}
    }
    if header_count != u16::MAX && usize::from(header_count) != count {
        return Err(Corrupt::at(8, "ziplist: zllen does not match the entries"));
    }
    Ok(Walked { count })
}
