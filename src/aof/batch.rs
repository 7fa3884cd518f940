//! Checksummed batches: how Keel tells a torn, unsynced AOF tail from data.
//!
//! An AOF has no checksum, so after a power loss a loader cannot see that a sector in the middle
//! of an unsynced write never reached the disk: file systems read such a sector as zeros, and
//! zeros inside a bulk string parse as a value. Redis loads that value. Keel marks its writes
//! instead, with annotation lines that Redis 7's loader and `redis-check-aof` skip:
//!
//! ```text
//! #KC:START\r\n          the chain starts here (written once per file, fsynced with it)
//! <batch>#KC:<crc>\r\n   after every flushed batch: <crc> = 16 lowercase hex digits of the
//!                        CRC-64 (Redis's Jones polynomial, `encoding::crc64`) of every byte
//!                        since the end of the previous `#KC:` line
//! ```
//!
//! A batch and its line go out in one `write`, so a batch whose line is missing, or whose CRC
//! does not match, was torn by a crash: the loader keeps the file up to the end of the last
//! good line ([`verified_end`]) and treats the rest like a torn tail (`aof-load-truncated`).
//! A file with no `#KC:START` (written by Redis, or before Keel marked its files) is loaded
//! unchecked, as Redis would, and gets a `#KC:START` line before Keel appends to it.

use std::io;

use super::reader::{Item, Reader};
use crate::encoding::crc64::crc64;
use crate::env::FileRef;

/// The line that starts the chain.
pub const START: &[u8] = b"#KC:START\r\n";
/// Length of a batch line: `#KC:` + 16 hex digits + CRLF.
pub const LINE_LEN: usize = 4 + 16 + 2;

/// What a `#...` annotation says about the chain.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Mark {
    Start,
    Batch(u64),
    /// A `#KC:` line that is neither: a torn or corrupt mark.
    Broken,
}

/// The batch line closing a batch whose bytes have CRC `crc`.
pub fn line(crc: u64) -> [u8; LINE_LEN] {
    let mut out = [0u8; LINE_LEN];
    out[..4].copy_from_slice(b"#KC:");
    const HEX: &[u8; 16] = b"0123456789abcdef";
    for (i, slot) in out[4..20].iter_mut().enumerate() {
        *slot = HEX[((crc >> (60 - 4 * i)) & 0xf) as usize];
    }
    out[20..].copy_from_slice(b"\r\n");
    out
}

/// Parse an annotation's text (without `#`... line end removed, `#` kept).
fn mark(text: &[u8]) -> Option<Mark> {
    let rest = text.strip_prefix(b"#KC:")?;
    if rest == b"START" {
        return Some(Mark::Start);
    }
    let hex = std::str::from_utf8(rest).ok().filter(|h| h.len() == 16);
    Some(hex.and_then(|h| u64::from_str_radix(h, 16).ok()).map_or(Mark::Broken, Mark::Batch))
}

/// Where the checked part of the command section starting at `start` ends: `None` for an
/// unchecked file (no `#KC:START`), else the end of the last batch line whose CRC matches,
/// with every batch before it matching too. Bytes after it were never fully written.
pub fn verified_end(file: &FileRef, start: u64) -> io::Result<Option<u64>> {
    let mut reader = Reader::new(file.clone(), start)?;
    let mut verified: Option<u64> = None;
    loop {
        let at = reader.offset();
        let text = match reader.next_item() {
            Ok(Some(Item::Annotation(text))) => text,
            Ok(Some(Item::Command(_))) => continue,
            // The end, or bytes that do not parse: the chain ends before them.
            Ok(None) | Err(_) => return Ok(verified),
        };
        // A mark counts only with its CRLF: the file may end inside the line.
        let whole = text.len() + 2 == (reader.offset() - at) as usize;
        let mark = mark(&text).map(|m| if whole { m } else { Mark::Broken });
        match (mark, verified) {
            // Keel writes a START only where everything before it is durable (after a load,
            // after a rewrite's snapshot): it (re)anchors the chain.
            (Some(Mark::Start), _) => verified = Some(reader.offset()),
            (Some(Mark::Batch(crc)), Some(from)) => {
                if crc_of(file, from, at)? != crc {
                    return Ok(verified);
                }
                verified = Some(reader.offset());
            }
            (Some(Mark::Broken), Some(_)) => return Ok(verified),
            _ => {}
        }
    }
}

/// CRC-64 of the file's bytes in `from..to`.
fn crc_of(file: &FileRef, from: u64, to: u64) -> io::Result<u64> {
    let mut crc = 0;
    let mut buf = vec![0u8; 64 * 1024];
    let mut at = from;
    while at < to {
        let want = ((to - at) as usize).min(buf.len());
        let n = file.read_at(at, &mut buf[..want])?;
        if n == 0 {
            return Err(io::Error::new(io::ErrorKind::UnexpectedEof, "AOF shorter than its batch"));
        }
        crc = crc64(crc, &buf[..n]);
        at += n as u64;
    }
    Ok(crc)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_batch_line_round_trips_its_crc() {
        let crc = crc64(0, b"*1\r\n$4\r\nPING\r\n");
        let l = line(crc);
        assert_eq!(mark(&l[..LINE_LEN - 2]), Some(Mark::Batch(crc)));
        assert_eq!(&line(0x0123_4567_89ab_cdef)[..], b"#KC:0123456789abcdef\r\n");
        assert_eq!(mark(b"#KC:START"), Some(Mark::Start));
        assert_eq!(mark(b"#KC:01234"), Some(Mark::Broken));
        assert_eq!(mark(b"#TS:1700000000"), None);
    }
}
