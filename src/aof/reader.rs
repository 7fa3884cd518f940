//! Reading AOF commands, shared by the loader (`load.rs`) and `keel-check-aof` (`check.rs`).
//!
//! Grammar (Redis's `loadSingleAppendOnlyFile`, stricter where Redis skips bytes unchecked):
//!
//! ```text
//! file    := { command | annotation }
//! command := '*' <argc ≥ 1> CRLF  argc × ( '$' <len> CRLF <len bytes> CRLF )
//! annotation := '#' <text> LF             (Redis 7: "#TS:<unix-seconds>")
//! ```
//!
//! Errors carry the offset of the element being read (`epos` of `redis-check-aof`) and a
//! message worded as `redis-check-aof` words it. They come in three kinds:
//! - [`ReadErrorKind::Eof`]: the file ends inside a command — a short read, the torn tail of a
//!   crash; `aof-load-truncated yes` truncates it.
//! - [`ReadErrorKind::Torn`]: a NUL byte where the grammar needs `*`, `$`, a digit or CRLF.
//!   File systems zero-fill blocks whose data did not reach the disk before a power loss, so a
//!   NUL there is a torn write, not media corruption, and is handled like a short read (Redis
//!   calls it a bad format and refuses to start; Keel truncates it, which keeps a prefix).
//! - [`ReadErrorKind::Format`]: anything else; start-up is refused.
//!
//! No allocation is sized by a length read from the file beyond the bytes the file holds:
//! a bulk length is checked against the remaining file size and [`BULK_MAX`] first.

use std::io;

use crate::env::FileRef;

/// Largest bulk argument accepted (`proto-max-bulk-len`, 512 MB).
pub const BULK_MAX: u64 = 512 << 20;
/// Largest argument count accepted (Redis: `INT_MAX`).
pub const ARGC_MAX: u64 = i32::MAX as u64;
/// Longest header line (`*<n>` / `$<n>`): Redis reads them with a 128-byte `fgets`.
pub const HEADER_LINE_MAX: usize = 128;
/// Longest annotation line (`AOF_ANNOTATION_LINE_MAX_LEN`).
pub const ANNOTATION_LINE_MAX: usize = 1024;
/// Most argv slots preallocated whatever `*<argc>` claims (Redis caps at 1024 too).
const ARGV_PREALLOC_MAX: usize = 1024;
const CHUNK: usize = 64 * 1024;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ReadErrorKind {
    Eof,
    Torn,
    Format,
}

#[derive(Debug)]
pub enum ReadError {
    /// The file could not be read.
    Io(io::Error),
    /// The bytes at `offset` do not parse.
    Bad { kind: ReadErrorKind, offset: u64, message: String },
}

impl std::fmt::Display for ReadError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            ReadError::Io(e) => write!(f, "{e}"),
            ReadError::Bad { offset, message, .. } => write!(f, "{message} at offset {offset}"),
        }
    }
}

/// One item of the file.
#[derive(Debug, PartialEq, Eq)]
pub enum Item {
    Command(Vec<Vec<u8>>),
    /// A `#...` line (without its line end).
    Annotation(Vec<u8>),
}

/// Buffered reader of one AOF file through the `File` seam.
pub struct Reader {
    file: FileRef,
    len: u64,
    /// File offset of `buf[0]`.
    buf_start: u64,
    buf: Vec<u8>,
    pos: u64,
    /// Lines consumed (`redis-check-aof`'s `line`, starting at 1).
    pub line: u64,
    /// Offset of the last element read (`redis-check-aof`'s `epos`).
    pub epos: u64,
}

fn bad(kind: ReadErrorKind, offset: u64, message: String) -> ReadError {
    ReadError::Bad { kind, offset, message }
}

impl Reader {
    /// Read `file` from `start` (after an RDB preamble) to its current length.
    pub fn new(file: FileRef, start: u64) -> io::Result<Reader> {
        let len = file.len()?;
        Ok(Reader { file, len, buf_start: start, buf: Vec::new(), pos: start, line: 1, epos: start })
    }

    /// Offset of the next unread byte.
    pub fn offset(&self) -> u64 {
        self.pos
    }

    /// Read no further than `end`, as if the file ended there.
    pub fn limit(&mut self, end: u64) {
        self.len = self.len.min(end);
    }

    pub fn file_len(&self) -> u64 {
        self.len
    }

    /// Make `buf` hold at least `want` bytes from `pos` if the file has them.
    fn fill(&mut self, want: usize) -> io::Result<()> {
        let have = (self.buf_start + self.buf.len() as u64).saturating_sub(self.pos) as usize;
        if have >= want || self.buf_start + self.buf.len() as u64 >= self.len {
            return Ok(());
        }
        let skip = (self.pos - self.buf_start) as usize;
        self.buf.drain(..skip.min(self.buf.len()));
        self.buf_start = self.pos;
        while self.buf.len() < want {
            let end = self.buf_start + self.buf.len() as u64;
            let room = (self.len - end).min(CHUNK.max(want - self.buf.len()) as u64) as usize;
            if room == 0 {
                break;
            }
            let old = self.buf.len();
            self.buf.resize(old + room, 0);
            let n = self.file.read_at(end, &mut self.buf[old..])?;
            self.buf.truncate(old + n);
            if n == 0 {
                break;
            }
        }
        Ok(())
    }

    fn available(&self) -> &[u8] {
        let at = (self.pos - self.buf_start) as usize;
        &self.buf[at.min(self.buf.len())..]
    }

    /// The next byte, without consuming it.
    pub fn peek(&mut self) -> io::Result<Option<u8>> {
        self.fill(1)?;
        Ok(self.available().first().copied())
    }

    /// The next item, `None` at the end of the file.
    pub fn next_item(&mut self) -> Result<Option<Item>, ReadError> {
        match self.peek().map_err(ReadError::Io)? {
            None => Ok(None),
            Some(b'#') => self.annotation().map(|l| Some(Item::Annotation(l))),
            Some(_) => self.command().map(|a| Some(Item::Command(a))),
        }
    }

    fn annotation(&mut self) -> Result<Vec<u8>, ReadError> {
        let start = self.pos;
        self.fill(ANNOTATION_LINE_MAX).map_err(ReadError::Io)?;
        let avail = self.available();
        let Some(nl) = avail.iter().take(ANNOTATION_LINE_MAX).position(|&b| b == b'\n') else {
            if avail.len() < ANNOTATION_LINE_MAX {
                // The file ends inside the line: Redis's `fgets` reads it as a line and
                // skips it (a checked batch's torn line is caught by `batch.rs`).
                let text = avail.to_vec();
                self.pos += text.len() as u64;
                return Ok(text);
            }
            return Err(bad(ReadErrorKind::Format, start, "Annotation line too long".into()));
        };
        let mut text = avail[..nl].to_vec();
        if text.last() == Some(&b'\r') {
            text.pop();
        }
        self.pos += nl as u64 + 1;
        Ok(text)
    }

    fn command(&mut self) -> Result<Vec<Vec<u8>>, ReadError> {
        let argc = self.header(b'*')?;
        if !(1..=ARGC_MAX).contains(&argc) {
            return Err(bad(ReadErrorKind::Format, self.pos, format!("Invalid argument count {argc}")));
        }
        let mut argv = Vec::with_capacity((argc as usize).min(ARGV_PREALLOC_MAX));
        for _ in 0..argc {
            argv.push(self.bulk()?);
        }
        Ok(argv)
    }

    /// `<prefix><number>\r\n`; returns the number.
    fn header(&mut self, prefix: u8) -> Result<u64, ReadError> {
        let epos = self.pos;
        self.epos = epos;
        self.fill(HEADER_LINE_MAX).map_err(ReadError::Io)?;
        let avail = self.available();
        let Some(&first) = avail.first() else {
            return Err(bad(ReadErrorKind::Eof, epos, format!("Expected prefix '{}', got: EOF", prefix as char)));
        };
        if first != prefix {
            let kind = if first == 0 { ReadErrorKind::Torn } else { ReadErrorKind::Format };
            return Err(bad(kind, epos, format!("Expected prefix '{}', got: '{}'", prefix as char, first as char)));
        }
        let digits = avail[1..].iter().take(20).take_while(|b| b.is_ascii_digit()).count();
        let rest = &avail[1 + digits..];
        let number = std::str::from_utf8(&avail[1..1 + digits]).ok().and_then(|t| t.parse::<u64>().ok());
        match (rest.first().copied(), rest.get(1).copied()) {
            (Some(b'\r'), Some(b'\n')) if number.is_some() => {
                self.pos += 1 + digits as u64 + 2;
                self.line += 1;
                Ok(number.unwrap_or(0))
            }
            (a, b) => Err(newline_error(epos, a, b)),
        }
    }

    fn bulk(&mut self) -> Result<Vec<u8>, ReadError> {
        let len = self.header(b'$')?;
        let epos = self.pos;
        self.epos = epos;
        if len > BULK_MAX {
            return Err(bad(ReadErrorKind::Format, epos, format!("Bulk length {len} above proto-max-bulk-len")));
        }
        // Like `redis-check-aof`'s `readBytes`, the payload is read with its CRLF.
        let remaining = self.len.saturating_sub(self.pos);
        if len + 2 > remaining {
            let msg = format!("Expected to read {} bytes, got {remaining} bytes", len + 2);
            return Err(bad(ReadErrorKind::Eof, epos, msg));
        }
        let n = len as usize;
        self.fill(n + 2).map_err(ReadError::Io)?;
        let avail = self.available();
        if avail.len() < n + 2 {
            let msg = format!("Expected to read {} bytes, got {} bytes", len + 2, avail.len());
            return Err(bad(ReadErrorKind::Eof, epos, msg));
        }
        let value = avail[..n].to_vec();
        let (a, b) = (avail[n], avail[n + 1]);
        if (a, b) != (b'\r', b'\n') {
            return Err(newline_error(epos, Some(a), Some(b)));
        }
        self.pos += len + 2;
        self.line += 1;
        Ok(value)
    }
}

/// `consumeNewline`'s error: "Expected \r\n, got: 0d00" (missing bytes shown as 00).
fn newline_error(epos: u64, a: Option<u8>, b: Option<u8>) -> ReadError {
    let kind = match (a, b) {
        (None, _) | (_, None) => ReadErrorKind::Eof,
        (Some(0), _) | (_, Some(0)) => ReadErrorKind::Torn,
        _ => ReadErrorKind::Format,
    };
    let message = format!("Expected \\r\\n, got: {:02x}{:02x}", a.unwrap_or(0), b.unwrap_or(0));
    bad(kind, epos, message)
}
