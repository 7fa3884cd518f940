//! The RESP2 view of a reply, as a client sees it, plus a small RESP2 encoder/decoder.
//!
//! Equality is exact: two replies are equal iff a RESP2 client would read the same bytes.
//! Errors hold their text without the leading `-` (`"ERR syntax error"`).
//!
//! Wire examples (RESP2): `+OK\r\n` = `Simple("OK")`, `:3\r\n` = `Int(3)`,
//! `$1\r\nv\r\n` = `Bulk(b"v")`, `$-1\r\n` = `Nil`, `*-1\r\n` = `NilArray`,
//! `*2\r\n:1\r\n$-1\r\n` = `Array([Int(1), Nil])`.

use std::fmt;

/// Nesting limit when decoding, so a hostile reply cannot recurse without bound.
const DEPTH_MAX: usize = 32;
/// Element-count limit for preallocation when decoding (Redis caps argv preallocation at 1024).
const PREALLOC_MAX: usize = 1024;

/// One RESP2 reply.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Reply {
    Simple(String),
    Error(String),
    Int(i64),
    Bulk(Vec<u8>),
    Nil,
    Array(Vec<Reply>),
    NilArray,
}

impl Reply {
    pub fn ok() -> Reply {
        Reply::Simple("OK".to_string())
    }

    pub fn err(text: &str) -> Reply {
        Reply::Error(text.to_string())
    }

    pub fn bulk(bytes: &[u8]) -> Reply {
        Reply::Bulk(bytes.to_vec())
    }

    pub fn is_error(&self) -> bool {
        matches!(self, Reply::Error(_))
    }

    /// Serialize as RESP2 bytes.
    pub fn encode(&self, out: &mut Vec<u8>) {
        match self {
            Reply::Simple(s) => push_line(out, b'+', s.as_bytes()),
            Reply::Error(s) => push_line(out, b'-', s.as_bytes()),
            Reply::Int(n) => push_line(out, b':', n.to_string().as_bytes()),
            Reply::Bulk(b) => {
                push_line(out, b'$', b.len().to_string().as_bytes());
                out.extend_from_slice(b);
                out.extend_from_slice(b"\r\n");
            }
            Reply::Nil => out.extend_from_slice(b"$-1\r\n"),
            Reply::NilArray => out.extend_from_slice(b"*-1\r\n"),
            Reply::Array(items) => {
                push_line(out, b'*', items.len().to_string().as_bytes());
                for item in items {
                    item.encode(out);
                }
            }
        }
    }

    /// Decode one reply from the front of `buf`. `Ok(None)` means more bytes are needed;
    /// `Ok(Some((reply, used)))` gives the reply and how many bytes it took.
    pub fn decode(buf: &[u8]) -> Result<Option<(Reply, usize)>, String> {
        decode_at(buf, 0, 0)
    }
}

fn push_line(out: &mut Vec<u8>, tag: u8, body: &[u8]) {
    out.push(tag);
    out.extend_from_slice(body);
    out.extend_from_slice(b"\r\n");
}

fn read_line(buf: &[u8], pos: usize) -> Option<(&[u8], usize)> {
    let rest = buf.get(pos..)?;
    let end = rest.windows(2).position(|w| w == b"\r\n")?;
    Some((&rest[..end], pos + end + 2))
}

fn parse_len(line: &[u8]) -> Result<i64, String> {
    std::str::from_utf8(line)
        .ok()
        .and_then(|s| s.parse::<i64>().ok())
        .ok_or_else(|| format!("bad length {:?}", String::from_utf8_lossy(line)))
}

fn decode_at(buf: &[u8], pos: usize, depth: usize) -> Result<Option<(Reply, usize)>, String> {
    if depth > DEPTH_MAX {
        return Err("reply nested too deeply".to_string());
    }
    let Some(&tag) = buf.get(pos) else {
        return Ok(None);
    };
    let Some((line, next)) = read_line(buf, pos + 1) else {
        return Ok(None);
    };
    let text = || String::from_utf8_lossy(line).into_owned();
    match tag {
        b'+' => Ok(Some((Reply::Simple(text()), next))),
        b'-' => Ok(Some((Reply::Error(text()), next))),
        b':' => Ok(Some((Reply::Int(parse_len(line)?), next))),
        b'$' => decode_bulk(buf, parse_len(line)?, next),
        b'*' => decode_array(buf, parse_len(line)?, next, depth),
        other => Err(format!("unknown RESP type byte {other:#04x}")),
    }
}

fn decode_bulk(buf: &[u8], len: i64, next: usize) -> Result<Option<(Reply, usize)>, String> {
    if len < 0 {
        return Ok(Some((Reply::Nil, next)));
    }
    let len = usize::try_from(len).map_err(|_| "bulk length overflow".to_string())?;
    let end = next.checked_add(len).ok_or("bulk length overflow")?;
    if buf.len() < end + 2 {
        return Ok(None);
    }
    if &buf[end..end + 2] != b"\r\n" {
        return Err("bulk string not terminated by CRLF".to_string());
    }
    Ok(Some((Reply::Bulk(buf[next..end].to_vec()), end + 2)))
}

fn decode_array(
    buf: &[u8],
    len: i64,
    mut pos: usize,
    depth: usize,
) -> Result<Option<(Reply, usize)>, String> {
    if len < 0 {
        return Ok(Some((Reply::NilArray, pos)));
    }
    let len = usize::try_from(len).map_err(|_| "array length overflow".to_string())?;
    let mut items = Vec::with_capacity(len.min(PREALLOC_MAX));
    for _ in 0..len {
        match decode_at(buf, pos, depth + 1)? {
            None => return Ok(None),
            Some((item, next)) => {
                items.push(item);
                pos = next;
            }
        }
    }
    Ok(Some((Reply::Array(items), pos)))
}

impl fmt::Display for Reply {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Reply::Simple(s) => write!(f, "+{s}"),
            Reply::Error(s) => write!(f, "-{s}"),
            Reply::Int(n) => write!(f, ":{n}"),
            Reply::Bulk(b) => write!(f, "{:?}", String::from_utf8_lossy(b)),
            Reply::Nil => write!(f, "(nil)"),
            Reply::NilArray => write!(f, "(nil array)"),
            Reply::Array(items) => {
                write!(f, "[")?;
                for (i, item) in items.iter().enumerate() {
                    if i > 0 {
                        write!(f, ", ")?;
                    }
                    write!(f, "{item}")?;
                }
                write!(f, "]")
            }
        }
    }
}
