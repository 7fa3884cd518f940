//! The server-side request parser: Redis 7.0's `processMultibulkBuffer` and
//! `processInlineBuffer`, made resumable.
//!
//! A request starting with `*` is a multibulk request, anything else an inline line (see
//! [`super::inline`]):
//!
//! ```text
//! *<count>\r\n  then <count> times  $<len>\r\n<len bytes>\r\n
//! 2a 32 0d 0a 24 33 0d 0a 47 45 54 0d 0a 24 31 0d 0a 6b 0d 0a   = ["GET", "k"]
//! ```
//!
//! Compatibility details kept from Redis, so clients see the same behaviour:
//! - `*0` and `*-N` are complete, empty commands (the caller skips them);
//! - counts and lengths are parsed with `string2ll` (no `+`, no leading zeros);
//! - the two bytes after a header's `\r`, and after a bulk payload, are skipped without
//!   checking that they are `\n` / `\r\n`;
//! - a header line (`*...`/`$...`) longer than `inline_max` is "too big ... count string";
//! - a client that must still `AUTH` may send at most 10 arguments of at most 16 KiB.
//!
//! Resumability: when a command is incomplete, [`RequestParser::parse`] returns
//! `Ok(None)` and remembers how far it got (arguments already copied into the [`Argv`],
//! the offset of the next header, how far an inline line was scanned for `\n`). The
//! caller must call again with the same bytes from the same start plus whatever arrived,
//! so a 100 MB argument arriving in 16 KiB reads costs O(total), not O(total²).
//!
//! Divergence: Redis finds lines with `strchr`, which stops at a NUL byte, so a NUL in a
//! header stalls the connection; Keel searches the bytes and parses (or rejects) the line.

use super::argv::Argv;
use super::error::ParseError;
use super::inline::split_args;
use super::limits::{Limits, UNAUTHENTICATED_BULK_MAX, UNAUTHENTICATED_MULTIBULK_MAX};
use super::number::string2ll;

/// Where the parser is inside the current request.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
enum State {
    /// Between requests.
    #[default]
    Start,
    /// An inline line whose first `scanned` bytes hold no `\n`.
    Inline { scanned: usize },
    /// A multibulk request with `remaining` arguments to read; `bulk_len` is the length of
    /// the next argument once its `$<len>` header has been read.
    Multibulk { remaining: usize, bulk_len: Option<usize> },
}

/// Resumable request parser; one per connection. See the module doc.
#[derive(Clone, Debug, Default)]
pub struct RequestParser {
    state: State,
    /// Bytes of the current request already parsed (headers and whole arguments).
    pos: usize,
    /// The client must still `AUTH`: Redis then rejects counts above 10 and bulks above
    /// 16 KiB, so an unauthenticated client cannot make the server buffer much.
    auth_required: bool,
}

impl RequestParser {
    /// A parser between requests.
    pub fn new() -> RequestParser {
        RequestParser::default()
    }

    /// Parses one request from the front of `buf` into `argv`.
    ///
    /// - `Ok(Some(consumed))`: `argv` holds a complete command taken from
    ///   `buf[..consumed]`; it may be empty (empty inline line, `*0`, `*-1`), which the
    ///   caller skips. The next call starts a new request (and clears `argv`).
    /// - `Ok(None)`: incomplete. Call again with `buf` extended (same start); `argv`
    ///   holds the arguments parsed so far and must not be touched in between.
    /// - `Err(e)`: protocol error; reply `e.write_reply` and close the connection.
    pub fn parse(
        &mut self,
        buf: &[u8],
        limits: &Limits,
        argv: &mut Argv,
    ) -> Result<Option<usize>, ParseError> {
        if self.pos > buf.len() {
            debug_assert!(false, "parse called with a shorter buffer than last time");
            self.reset();
        }
        if self.state == State::Start {
            argv.clear();
            match buf.first() {
                None => return Ok(None),
                Some(b'*') => {}
                Some(_) => self.state = State::Inline { scanned: 0 },
            }
        }
        let result = match self.state {
            State::Inline { scanned } => self.parse_inline(buf, scanned, limits, argv),
            _ => self.parse_multibulk(buf, limits, argv),
        };
        match result {
            Ok(Some(consumed)) => {
                self.reset();
                Ok(Some(consumed))
            }
            Ok(None) => self.check_query_buffer(buf, limits, argv),
            Err(e) => {
                self.reset();
                Err(e)
            }
        }
    }

    /// Forgets any partial request (for a connection being reused or after an error).
    /// Keeps the `auth_required` setting.
    pub fn reset(&mut self) {
        self.state = State::Start;
        self.pos = 0;
    }

    /// Sets whether the client must still authenticate (`requirepass` set and no `AUTH`
    /// yet). Call it again after a successful `AUTH`.
    pub fn set_auth_required(&mut self, required: bool) {
        self.auth_required = required;
    }

    /// True when no request is partially parsed.
    pub fn is_idle(&self) -> bool {
        self.state == State::Start
    }

    /// While a bulk argument's payload is arriving: the buffer length at which it will be
    /// complete. A server may reserve up to that (with a cap of its own) before reading,
    /// as Redis does for arguments of 32 KiB or more.
    pub fn wanted_len(&self) -> Option<usize> {
        match self.state {
            State::Multibulk { bulk_len: Some(len), .. } => {
                Some(self.pos.saturating_add(len).saturating_add(2))
            }
            _ => None,
        }
    }

    fn check_query_buffer(
        &mut self,
        buf: &[u8],
        limits: &Limits,
        argv: &Argv,
    ) -> Result<Option<usize>, ParseError> {
        let len = buf.len().saturating_add(argv.data_len());
        if len > limits.query_buffer_max {
            self.reset();
            return Err(ParseError::QueryBufferLimit { len });
        }
        Ok(None)
    }

    fn parse_inline(
        &mut self,
        buf: &[u8],
        scanned: usize,
        limits: &Limits,
        argv: &mut Argv,
    ) -> Result<Option<usize>, ParseError> {
        let window = &buf[..buf.len().min(limits.inline_max.saturating_add(1))];
        let Some(found) = window[scanned.min(window.len())..].iter().position(|&b| b == b'\n')
        else {
            if window.len() > limits.inline_max {
                return Err(ParseError::TooBigInlineRequest);
            }
            self.state = State::Inline { scanned: window.len() };
            return Ok(None);
        };
        let newline = scanned + found;
        let line = match buf[..newline].split_last() {
            Some((b'\r', line)) => line,
            _ => &buf[..newline],
        };
        split_args(line, argv)?;
        Ok(Some(newline + 1))
    }

    fn parse_multibulk(
        &mut self,
        buf: &[u8],
        limits: &Limits,
        argv: &mut Argv,
    ) -> Result<Option<usize>, ParseError> {
        let (mut remaining, mut bulk_len) = match self.state {
            State::Multibulk { remaining, bulk_len } => (remaining, bulk_len),
            _ => match self.parse_count(buf, limits, argv)? {
                Some(0) => return Ok(Some(self.pos)),
                Some(count) => (count, None),
                None => return Ok(None),
            },
        };
        while remaining > 0 {
            let len = match bulk_len {
                Some(len) => len,
                None => match self.parse_bulk_len(buf, limits)? {
                    Some(len) => len,
                    None => break,
                },
            };
            bulk_len = Some(len);
            if buf.len() - self.pos < len.saturating_add(2) {
                break;
            }
            argv.push(&buf[self.pos..self.pos + len]);
            self.pos += len + 2;
            bulk_len = None;
            remaining -= 1;
        }
        if remaining == 0 {
            return Ok(Some(self.pos));
        }
        self.state = State::Multibulk { remaining, bulk_len };
        Ok(None)
    }

    /// Reads `*<count>\r\n`. Returns the count (0 for `*0` and negative counts).
    fn parse_count(
        &mut self,
        buf: &[u8],
        limits: &Limits,
        argv: &mut Argv,
    ) -> Result<Option<usize>, ParseError> {
        let Some(cr) = find_header_end(buf, 0, limits, ParseError::TooBigMbulkCountString)?
        else {
            return Ok(None);
        };
        let count = match string2ll(&buf[1..cr]) {
            Some(n) if n <= 0 => 0,
            Some(n) if n as u64 <= limits.multibulk_max as u64 => n as usize,
            _ => return Err(ParseError::InvalidMultibulkLength),
        };
        if self.auth_required && count > UNAUTHENTICATED_MULTIBULK_MAX {
            return Err(ParseError::UnauthenticatedMultibulkLength);
        }
        self.pos = cr + 2;
        argv.reserve_args(count);
        Ok(Some(count))
    }

    /// Reads `$<len>\r\n` at `self.pos`.
    fn parse_bulk_len(&mut self, buf: &[u8], limits: &Limits) -> Result<Option<usize>, ParseError> {
        let start = self.pos;
        let Some(cr) = find_header_end(buf, start, limits, ParseError::TooBigBulkCountString)?
        else {
            return Ok(None);
        };
        if buf[start] != b'$' {
            return Err(ParseError::ExpectedDollar(buf[start]));
        }
        let len = match string2ll(&buf[start + 1..cr]) {
            Some(n) if n >= 0 && n as u64 <= limits.bulk_max as u64 => n as usize,
            _ => return Err(ParseError::InvalidBulkLength),
        };
        if self.auth_required && len > UNAUTHENTICATED_BULK_MAX {
            return Err(ParseError::UnauthenticatedBulkLength);
        }
        self.pos = cr + 2;
        Ok(Some(len))
    }
}

/// Finds the `\r` ending the header line that starts at `start`, once the byte after it
/// has arrived too. A header with more than `inline_max` bytes before its `\r` is
/// `too_big`, whether or not the `\r` has arrived: the answer does not depend on how the
/// bytes were split into reads.
fn find_header_end(
    buf: &[u8],
    start: usize,
    limits: &Limits,
    too_big: ParseError,
) -> Result<Option<usize>, ParseError> {
    let end = buf.len().min(start.saturating_add(limits.inline_max).saturating_add(1));
    let window = &buf[start..end];
    match window.iter().position(|&b| b == b'\r') {
        Some(i) if start + i + 2 <= buf.len() => Ok(Some(start + i)),
        Some(_) => Ok(None),
        None if window.len() > limits.inline_max => Err(too_big),
        None => Ok(None),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    type Parsed = Result<Option<(usize, Vec<Vec<u8>>)>, ParseError>;

    fn parse_all(input: &[u8]) -> Parsed {
        let mut argv = Argv::new();
        let got = RequestParser::new().parse(input, &Limits::default(), &mut argv)?;
        Ok(got.map(|n| (n, argv.to_vecs())))
    }

    #[test]
    fn doc_example_decodes() {
        let bytes = [
            0x2a, 0x32, 0x0d, 0x0a, 0x24, 0x33, 0x0d, 0x0a, 0x47, 0x45, 0x54, 0x0d, 0x0a, 0x24,
            0x31, 0x0d, 0x0a, 0x6b, 0x0d, 0x0a,
        ];
        assert_eq!(parse_all(&bytes), Ok(Some((20, vec![b"GET".to_vec(), b"k".to_vec()]))));
    }

    #[test]
    fn empty_and_negative_counts_are_empty_commands() {
        assert_eq!(parse_all(b"*0\r\nPING\r\n"), Ok(Some((4, vec![]))));
        assert_eq!(parse_all(b"*-1\r\n"), Ok(Some((5, vec![]))));
        assert_eq!(parse_all(b"\r\n"), Ok(Some((2, vec![]))));
    }

    #[test]
    fn inline_accepts_bare_newline() {
        assert_eq!(parse_all(b"PING\nX"), Ok(Some((5, vec![b"PING".to_vec()]))));
        assert_eq!(parse_all(b"PING\r\n"), Ok(Some((6, vec![b"PING".to_vec()]))));
    }

    #[test]
    fn terminators_after_payload_are_skipped_unchecked_like_redis() {
        assert_eq!(parse_all(b"*1\r\n$4\r\nPINGxx"), Ok(Some((14, vec![b"PING".to_vec()]))));
        assert_eq!(parse_all(b"*1\rX$4\r\nPING\r\n"), Ok(Some((14, vec![b"PING".to_vec()]))));
    }

    #[test]
    fn protocol_errors_match_redis() {
        let cases: &[(&[u8], ParseError)] = &[
            (b"*x\r\n", ParseError::InvalidMultibulkLength),
            (b"*+1\r\n", ParseError::InvalidMultibulkLength),
            (b"*01\r\n", ParseError::InvalidMultibulkLength),
            (b"*2147483648\r\n", ParseError::InvalidMultibulkLength),
            (b"*1\r\n+foo\r\n", ParseError::ExpectedDollar(b'+')),
            (b"*1\r\n\r\n", ParseError::ExpectedDollar(b'\r')),
            (b"*1\r\n$x\r\n", ParseError::InvalidBulkLength),
            (b"*1\r\n$-1\r\n", ParseError::InvalidBulkLength),
            (b"*1\r\n$ 3\r\n", ParseError::InvalidBulkLength),
            (b"*1\r\n$536870913\r\n", ParseError::InvalidBulkLength),
            (b"ECHO \"a\r\n", ParseError::UnbalancedQuotes),
        ];
        for (input, want) in cases {
            assert_eq!(parse_all(input), Err(want.clone()), "{:?}", String::from_utf8_lossy(input));
        }
    }

    #[test]
    fn incomplete_requests_need_more() {
        for input in [&b""[..], b"*", b"*1\r", b"*1\r\n$4\r\nPIN", b"*1\r\n$4\r\nPING\r", b"PING"] {
            assert_eq!(parse_all(input), Ok(None), "{input:?}");
        }
        assert_eq!(parse_all(b"*1048577\r\n"), Ok(None));
        assert_eq!(parse_all(b"*1\r\n$536870912\r\n"), Ok(None));
    }

    #[test]
    fn resumes_without_rescanning_and_reports_wanted_len() {
        let mut parser = RequestParser::new();
        let mut argv = Argv::new();
        let limits = Limits::default();
        let full = b"*2\r\n$3\r\nGET\r\n$5\r\nhello\r\n";
        assert_eq!(parser.parse(&full[..20], &limits, &mut argv), Ok(None));
        assert_eq!(argv.to_vecs(), vec![b"GET".to_vec()]);
        assert_eq!(parser.wanted_len(), Some(full.len()));
        assert_eq!(parser.parse(full, &limits, &mut argv), Ok(Some(full.len())));
        assert_eq!(argv.to_vecs(), vec![b"GET".to_vec(), b"hello".to_vec()]);
        assert!(parser.is_idle());
    }

    #[test]
    fn unauthenticated_clients_get_small_limits_like_redis() {
        let mut parser = RequestParser::new();
        parser.set_auth_required(true);
        let limits = Limits::default();
        let mut argv = Argv::new();
        let got = parser.parse(b"*11\r\n", &limits, &mut argv);
        assert_eq!(got, Err(ParseError::UnauthenticatedMultibulkLength));
        let got = parser.parse(b"*10\r\n$16385\r\n", &limits, &mut argv);
        assert_eq!(got, Err(ParseError::UnauthenticatedBulkLength));
        assert_eq!(parser.parse(b"*1\r\n$16384\r\n", &limits, &mut argv), Ok(None));
        parser.reset();
        parser.set_auth_required(false);
        assert_eq!(parser.parse(b"*11\r\n", &limits, &mut argv), Ok(None));
    }

    #[test]
    fn query_buffer_limit_is_enforced_on_incomplete_commands() {
        let limits = Limits { query_buffer_max: 16, ..Limits::default() };
        let mut argv = Argv::new();
        let got = RequestParser::new().parse(b"*1\r\n$100\r\n0123456789", &limits, &mut argv);
        assert!(matches!(got, Err(ParseError::QueryBufferLimit { .. })));
    }
}
