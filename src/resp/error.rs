//! Protocol errors of the RESP parsers, with Redis 7.0's exact reply texts.
//!
//! The server replies `-ERR <text>\r\n` and then closes the connection, as Redis does
//! after `setProtocolError`. Example: the request `*1\r\n+foo\r\n` gives
//! [`ParseError::ExpectedDollar`]`(b'+')`, whose reply is
//! `-ERR Protocol error: expected '$', got '+'\r\n`.
//!
//! The byte in `expected '$', got 'X'` is sent raw, as Redis's `%c` does, so the reply is
//! bytes, not a `String`; only `\r` and `\n` are replaced by a space, as
//! `addReplyErrorFormat` does so the error line stays one line.

use std::fmt;

/// Why a request or a frame could not be parsed. After any of these the stream is out of
/// sync: the connection must be closed.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum ParseError {
    /// `*<count>` is not a number, or is above `Limits::multibulk_max`.
    InvalidMultibulkLength,
    /// An argument of a multibulk request does not start with `$`.
    ExpectedDollar(u8),
    /// `$<len>` is not a number, is negative, or is above `Limits::bulk_max`.
    InvalidBulkLength,
    /// `*<count>` above 10 from a client that has not authenticated yet.
    UnauthenticatedMultibulkLength,
    /// `$<len>` above 16 KiB from a client that has not authenticated yet.
    UnauthenticatedBulkLength,
    /// An inline request line longer than `Limits::inline_max`.
    TooBigInlineRequest,
    /// A `*<count>` line longer than `Limits::inline_max`.
    TooBigMbulkCountString,
    /// A `$<len>` line longer than `Limits::inline_max`.
    TooBigBulkCountString,
    /// An inline request with an unclosed quote, or a closing quote not followed by a space.
    UnbalancedQuotes,
    /// The query buffer plus the partially parsed command grew above
    /// `Limits::query_buffer_max`. Redis closes such a client without a reply.
    QueryBufferLimit {
        /// Bytes held for the unfinished command.
        len: usize,
    },
    /// A reply frame (client side) broke the protocol; the text says how.
    Frame(&'static str),
}

impl ParseError {
    /// The error text as Redis 7.0 words it, without the `-ERR ` prefix, as bytes.
    pub fn message_bytes(&self) -> Vec<u8> {
        match self {
            ParseError::ExpectedDollar(byte) => {
                let shown = if matches!(byte, b'\r' | b'\n') { b' ' } else { *byte };
                let mut text = b"Protocol error: expected '$', got '".to_vec();
                text.push(shown);
                text.push(b'\'');
                text
            }
            other => other.static_message().as_bytes().to_vec(),
        }
    }

    /// Appends the whole error reply (`-ERR ...\r\n`), or nothing for
    /// [`ParseError::QueryBufferLimit`], whose client Redis closes silently.
    pub fn write_reply(&self, out: &mut Vec<u8>) {
        if matches!(self, ParseError::QueryBufferLimit { .. }) {
            return;
        }
        out.extend_from_slice(b"-ERR ");
        out.extend_from_slice(&self.message_bytes());
        out.extend_from_slice(b"\r\n");
    }

    fn static_message(&self) -> &'static str {
        match self {
            ParseError::InvalidMultibulkLength => "Protocol error: invalid multibulk length",
            ParseError::ExpectedDollar(_) => "Protocol error: expected '$'",
            ParseError::InvalidBulkLength => "Protocol error: invalid bulk length",
            ParseError::UnauthenticatedMultibulkLength => {
                "Protocol error: unauthenticated multibulk length"
            }
            ParseError::UnauthenticatedBulkLength => "Protocol error: unauthenticated bulk length",
            ParseError::TooBigInlineRequest => "Protocol error: too big inline request",
            ParseError::TooBigMbulkCountString => "Protocol error: too big mbulk count string",
            ParseError::TooBigBulkCountString => "Protocol error: too big bulk count string",
            ParseError::UnbalancedQuotes => "Protocol error: unbalanced quotes in request",
            ParseError::QueryBufferLimit { .. } => "closing client that reached max query buffer length",
            ParseError::Frame(text) => text,
        }
    }
}

impl fmt::Display for ParseError {
    /// The message with any non-UTF-8 byte shown as `\xHH`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for chunk in self.message_bytes().utf8_chunks() {
            f.write_str(chunk.valid())?;
            for byte in chunk.invalid() {
                write!(f, "\\x{byte:02x}")?;
            }
        }
        Ok(())
    }
}

impl std::error::Error for ParseError {}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn expected_dollar_reply_is_redis_text_with_raw_byte() {
        let mut out = Vec::new();
        ParseError::ExpectedDollar(b'+').write_reply(&mut out);
        assert_eq!(out, b"-ERR Protocol error: expected '$', got '+'\r\n");
        out.clear();
        ParseError::ExpectedDollar(0xff).write_reply(&mut out);
        assert_eq!(out, b"-ERR Protocol error: expected '$', got '\xff'\r\n");
        assert_eq!(
            ParseError::ExpectedDollar(0xff).to_string(),
            "Protocol error: expected '$', got '\\xff'"
        );
    }

    #[test]
    fn carriage_return_in_expected_dollar_becomes_space() {
        let mut out = Vec::new();
        ParseError::ExpectedDollar(b'\r').write_reply(&mut out);
        assert_eq!(out, b"-ERR Protocol error: expected '$', got ' '\r\n");
    }

    #[test]
    fn query_buffer_limit_closes_without_reply() {
        let mut out = Vec::new();
        ParseError::QueryBufferLimit { len: 1 }.write_reply(&mut out);
        assert!(out.is_empty());
    }
}
