//! The client-side frame parser: one RESP2/RESP3 reply from the front of a buffer.
//!
//! The wire format is specified in [`super::frame`]. The parser is not resumable: on
//! `Ok(None)` the caller reads more and calls again from the start of the frame. Every
//! declared length is checked against [`FrameLimits`] before use; aggregates preallocate
//! at most `prealloc_max` slots whatever count they declare; nesting deeper than
//! `depth_max` is an error, which also bounds the recursion.
//!
//! Example (from the doc of [`super::frame`]): `*2\r\n:1\r\n_\r\n` parses to
//! `(Array([Integer(1), Null]), 11)`.

use super::error::ParseError;
use super::frame::Frame;
use super::limits::FrameLimits;
use super::number::string2ll;

/// Parses one frame from the front of `buf`: `Ok(Some((frame, consumed)))`, `Ok(None)`
/// when more bytes are needed, or a protocol error (the stream is then unusable).
pub fn parse_frame(
    buf: &[u8],
    limits: &FrameLimits,
) -> Result<Option<(Frame, usize)>, ParseError> {
    FrameParser { buf, limits }.value(0, 0)
}

type Parsed = Result<Option<(Frame, usize)>, ParseError>;

struct FrameParser<'a> {
    buf: &'a [u8],
    limits: &'a FrameLimits,
}

/// Returns `Ok(None)` from the enclosing function when the value is `None`.
macro_rules! need {
    ($e:expr) => {
        match $e? {
            Some(v) => v,
            None => return Ok(None),
        }
    };
}

impl<'a> FrameParser<'a> {
    /// Parses the frame at `pos`, nested `depth` aggregates deep.
    fn value(&self, pos: usize, depth: usize) -> Parsed {
        let Some(&prefix) = self.buf.get(pos) else {
            return Ok(None);
        };
        let (line, next) = need!(self.line(pos + 1));
        match prefix {
            b'+' => Ok(Some((Frame::Simple(text(line)), next))),
            b'-' => Ok(Some((Frame::Error(text(line)), next))),
            b':' => Ok(Some((Frame::Integer(integer(line)?), next))),
            b'(' => Ok(Some((Frame::BigNumber(text(line)), next))),
            b',' => Ok(Some((Frame::Double(double(line)?), next))),
            b'#' => Ok(Some((Frame::Boolean(boolean(line)?), next))),
            b'_' if line.is_empty() => Ok(Some((Frame::Null, next))),
            b'_' => Err(ParseError::Frame("Protocol error: bad null")),
            b'$' | b'!' | b'=' => self.blob(prefix, line, next),
            b'*' | b'~' | b'>' | b'%' | b'|' => self.aggregate(prefix, line, next, depth),
            _ => Err(ParseError::Frame("Protocol error: unknown frame type")),
        }
    }

    /// The line starting at `pos` up to its `\r\n`, and the position after it.
    fn line(&self, pos: usize) -> Result<Option<(&'a [u8], usize)>, ParseError> {
        let buf: &'a [u8] = self.buf;
        let rest = buf.get(pos..).unwrap_or_default();
        let window = &rest[..rest.len().min(self.limits.line_max.saturating_add(1))];
        match window.iter().position(|&b| b == b'\r') {
            Some(cr) => match rest.get(cr + 1) {
                Some(b'\n') => Ok(Some((&rest[..cr], pos + cr + 2))),
                Some(_) => Err(ParseError::Frame("Protocol error: expected CRLF")),
                None => Ok(None),
            },
            None if window.len() > self.limits.line_max => {
                Err(ParseError::Frame("Protocol error: line too long"))
            }
            None => Ok(None),
        }
    }

    /// `$`, `!` and `=`: a length line, the payload, `\r\n`.
    fn blob(&self, prefix: u8, line: &[u8], start: usize) -> Parsed {
        let len = match string2ll(line) {
            Some(-1) if prefix == b'$' => return Ok(Some((Frame::Null, start))),
            Some(n) if n >= 0 && n as u64 <= self.limits.bulk_max as u64 => n as usize,
            _ => return Err(ParseError::Frame("Protocol error: invalid bulk length")),
        };
        let end = start.saturating_add(len);
        if self.buf.len() < end.saturating_add(2) {
            return Ok(None);
        }
        if &self.buf[end..end + 2] != b"\r\n" {
            return Err(ParseError::Frame("Protocol error: expected CRLF after bulk"));
        }
        let payload = &self.buf[start..end];
        let frame = match prefix {
            b'$' => Frame::Bulk(payload.to_vec()),
            b'!' => Frame::Error(text(payload)),
            _ => verbatim(payload)?,
        };
        Ok(Some((frame, end + 2)))
    }

    /// `*`, `~`, `>`, `%` and `|`: a count line, then that many elements (pairs for `%`
    /// and `|`). Attributes (`|`) are dropped and the frame after them returned.
    fn aggregate(&self, prefix: u8, line: &[u8], mut pos: usize, depth: usize) -> Parsed {
        if depth >= self.limits.depth_max {
            return Err(ParseError::Frame("Protocol error: nesting too deep"));
        }
        let count = match string2ll(line) {
            Some(-1) if prefix == b'*' => return Ok(Some((Frame::NullArray, pos))),
            Some(n) if n >= 0 && n as u64 <= self.limits.elements_max as u64 => n as usize,
            _ => return Err(ParseError::Frame("Protocol error: invalid aggregate length")),
        };
        let paired = matches!(prefix, b'%' | b'|');
        let elements = if paired { count.saturating_mul(2) } else { count };
        let mut items = Vec::with_capacity(elements.min(self.limits.prealloc_max));
        for _ in 0..elements {
            let (item, next) = need!(self.value(pos, depth + 1));
            items.push(item);
            pos = next;
        }
        let frame = match prefix {
            b'*' => Frame::Array(items),
            b'~' => Frame::Set(items),
            b'>' => Frame::Push(items),
            b'%' => Frame::Map(pairs(items)),
            _ => return self.value(pos, depth + 1),
        };
        Ok(Some((frame, pos)))
    }
}

fn pairs(items: Vec<Frame>) -> Vec<(Frame, Frame)> {
    let mut out = Vec::with_capacity(items.len() / 2);
    let mut items = items.into_iter();
    while let (Some(k), Some(v)) = (items.next(), items.next()) {
        out.push((k, v));
    }
    out
}

fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

fn integer(line: &[u8]) -> Result<i64, ParseError> {
    string2ll(line).ok_or(ParseError::Frame("Protocol error: invalid integer"))
}

fn double(line: &[u8]) -> Result<f64, ParseError> {
    std::str::from_utf8(line)
        .ok()
        .and_then(|s| s.parse::<f64>().ok())
        .ok_or(ParseError::Frame("Protocol error: invalid double"))
}

fn boolean(line: &[u8]) -> Result<bool, ParseError> {
    match line {
        b"t" => Ok(true),
        b"f" => Ok(false),
        _ => Err(ParseError::Frame("Protocol error: invalid boolean")),
    }
}

fn verbatim(payload: &[u8]) -> Result<Frame, ParseError> {
    match payload {
        [a, b, c, b':', text @ ..] => Ok(Frame::Verbatim { format: [*a, *b, *c], text: text.to_vec() }),
        _ => Err(ParseError::Frame("Protocol error: invalid verbatim string")),
    }
}

#[cfg(test)]
mod tests {
    use super::super::frame::write_frame;
    use super::*;
    use proptest::prelude::*;

    fn parse(bytes: &[u8]) -> Parsed {
        parse_frame(bytes, &FrameLimits::default())
    }

    #[test]
    fn doc_example_decodes() {
        let bytes = [0x2a, 0x32, 0x0d, 0x0a, 0x3a, 0x31, 0x0d, 0x0a, 0x5f, 0x0d, 0x0a];
        let want = Frame::Array(vec![Frame::Integer(1), Frame::Null]);
        assert_eq!(parse(&bytes), Ok(Some((want, 11))));
    }

    /// Bytes `redis-server` 7.0.15 sent after `HELLO 3`, `ZSCORE`, `ZRANGE .. WITHSCORES`.
    #[test]
    fn parses_real_redis_resp3_replies() {
        let bytes = b",0.10000000000000001\r\n_\r\n*1\r\n*2\r\n$1\r\ne\r\n,-inf\r\n";
        let (a, n) = parse(bytes).ok().flatten().expect("complete");
        assert_eq!(a, Frame::Double(0.1));
        let (b, m) = parse(&bytes[n..]).ok().flatten().expect("complete");
        assert_eq!(b, Frame::Null);
        let (c, _) = parse(&bytes[n + m..]).ok().flatten().expect("complete");
        let pair = vec![Frame::bulk("e"), Frame::Double(f64::NEG_INFINITY)];
        assert_eq!(c, Frame::Array(vec![Frame::Array(pair)]));
    }

    #[test]
    fn resp2_nulls_and_resp3_types() {
        assert_eq!(parse(b"$-1\r\n"), Ok(Some((Frame::Null, 5))));
        assert_eq!(parse(b"*-1\r\n"), Ok(Some((Frame::NullArray, 5))));
        assert_eq!(parse(b"#t\r\n"), Ok(Some((Frame::Boolean(true), 4))));
        assert_eq!(parse(b"!3\r\nERR\r\n"), Ok(Some((Frame::Error("ERR".into()), 9))));
        let verbatim = Frame::Verbatim { format: *b"txt", text: b"hi".to_vec() };
        assert_eq!(parse(b"=6\r\ntxt:hi\r\n"), Ok(Some((verbatim, 12))));
        let map = Frame::Map(vec![(Frame::Simple("a".into()), Frame::Integer(1))]);
        assert_eq!(parse(b"%1\r\n+a\r\n:1\r\n"), Ok(Some((map, 12))));
        assert_eq!(parse(b"|1\r\n+k\r\n+v\r\n:7\r\n"), Ok(Some((Frame::Integer(7), 16))));
    }

    #[test]
    fn incomplete_and_invalid() {
        for input in [&b""[..], b"+OK", b"+OK\r", b"$3\r\nab", b"*2\r\n:1\r\n", b"%1\r\n+a\r\n"] {
            assert_eq!(parse(input), Ok(None), "{input:?}");
        }
        for input in [&b"?\r\n"[..], b"+a\rb\r\n", b"$3\r\nabcd\r\n", b"*-2\r\n", b"$-2\r\n", b"#x\r\n"] {
            assert!(parse(input).is_err(), "{input:?}");
        }
    }

    #[test]
    fn nesting_beyond_depth_max_is_an_error() {
        let limits = FrameLimits { depth_max: 3, ..FrameLimits::default() };
        assert!(parse_frame(b"*1\r\n*1\r\n*1\r\n:1\r\n", &limits).is_ok());
        assert!(parse_frame(b"*1\r\n*1\r\n*1\r\n*1\r\n:1\r\n", &limits).is_err());
    }

    fn leaf() -> impl Strategy<Value = Frame> {
        prop_oneof![
            "[^\r]{0,8}".prop_map(Frame::Simple),
            "[^\r\n]{0,8}".prop_map(Frame::Error),
            ".{0,8}".prop_map(Frame::Error),
            any::<i64>().prop_map(Frame::Integer),
            proptest::collection::vec(any::<u8>(), 0..16).prop_map(Frame::Bulk),
            Just(Frame::Null),
            Just(Frame::NullArray),
            any::<f64>().prop_filter("NaN has no single text", |d| !d.is_nan()).prop_map(Frame::Double),
            any::<bool>().prop_map(Frame::Boolean),
            "-?[1-9][0-9]{0,30}".prop_map(Frame::BigNumber),
            (any::<[u8; 3]>(), proptest::collection::vec(any::<u8>(), 0..8))
                .prop_map(|(format, text)| Frame::Verbatim { format, text }),
        ]
    }

    fn frame() -> impl Strategy<Value = Frame> {
        leaf().prop_recursive(4, 32, 4, |inner| {
            prop_oneof![
                proptest::collection::vec(inner.clone(), 0..4).prop_map(Frame::Array),
                proptest::collection::vec(inner.clone(), 0..4).prop_map(Frame::Set),
                proptest::collection::vec(inner.clone(), 0..4).prop_map(Frame::Push),
                proptest::collection::vec((inner.clone(), inner), 0..3).prop_map(Frame::Map),
            ]
        })
    }

    proptest! {
        #[test]
        fn parse_of_write_is_identity(f in frame()) {
            let mut bytes = Vec::new();
            write_frame(&f, &mut bytes);
            let parsed = parse(&bytes);
            prop_assert_eq!(parsed, Ok(Some((f, bytes.len()))));
        }

        #[test]
        fn every_proper_prefix_needs_more(f in frame()) {
            let mut bytes = Vec::new();
            write_frame(&f, &mut bytes);
            for cut in 0..bytes.len() {
                prop_assert_eq!(parse(&bytes[..cut]), Ok(None));
            }
        }
    }
}
