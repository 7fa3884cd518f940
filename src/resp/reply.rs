//! The server-side reply writer: appends RESP2 or RESP3 replies to a client's output
//! buffer, as Redis's `addReply*` family does.
//!
//! | call              | RESP2                 | RESP3             |
//! |-------------------|-----------------------|-------------------|
//! | `simple("OK")`    | `+OK\r\n`             | same              |
//! | `error("ERR x")`  | `-ERR x\r\n`          | same              |
//! | `int(42)`         | `:42\r\n`             | same              |
//! | `bulk(b"hi")`     | `$2\r\nhi\r\n`        | same              |
//! | `null()`          | `$-1\r\n`             | `_\r\n`           |
//! | `null_array()`    | `*-1\r\n`             | `_\r\n`           |
//! | `array_len(2)`    | `*2\r\n`              | same              |
//! | `map_len(2)`      | `*4\r\n`              | `%2\r\n`          |
//! | `set_len(2)`      | `*2\r\n`              | `~2\r\n`          |
//! | `push_len(2)`     | `*2\r\n`              | `>2\r\n`          |
//! | `double(2.5)`     | `$3\r\n2.5\r\n`       | `,2.5\r\n`        |
//! | `bool(true)`      | `:1\r\n`              | `#t\r\n`          |
//! | `verbatim(t,txt)` | `$1\r\nt\r\n`         | `=5\r\ntxt:t\r\n` |
//! | `big_number("1")` | `$1\r\n1\r\n`         | `(1\r\n`          |
//!
//! Doubles are formatted like Redis 7.0 (`%.17g`, see [`super::number::write_double`]).
//! Status and error texts must be one line: a `\r` or `\n` in them is written as a space
//! so a careless caller cannot break the stream.

use super::frame::Frame;
use super::number::{write_double, write_i64, write_u64};

/// The protocol a client chose with `HELLO`; RESP2 until it says otherwise.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub enum Protocol {
    /// RESP2, the default.
    #[default]
    Resp2,
    /// RESP3 (`HELLO 3`).
    Resp3,
}

/// Precomputed replies, like Redis's `shared` objects.
pub mod shared {
    /// `+OK`
    pub const OK: &[u8] = b"+OK\r\n";
    /// `+QUEUED`
    pub const QUEUED: &[u8] = b"+QUEUED\r\n";
    /// `+PONG`
    pub const PONG: &[u8] = b"+PONG\r\n";
    /// `:0`
    pub const CZERO: &[u8] = b":0\r\n";
    /// `:1`
    pub const CONE: &[u8] = b":1\r\n";
    /// `:-1`
    pub const CNEGONE: &[u8] = b":-1\r\n";
    /// RESP2 null bulk.
    pub const NULL_BULK: &[u8] = b"$-1\r\n";
    /// RESP2 null array.
    pub const NULL_ARRAY: &[u8] = b"*-1\r\n";
    /// RESP3 null.
    pub const NULL_RESP3: &[u8] = b"_\r\n";
    /// Empty array.
    pub const EMPTY_ARRAY: &[u8] = b"*0\r\n";
    /// Empty bulk string.
    pub const EMPTY_BULK: &[u8] = b"$0\r\n\r\n";
    /// `WRONGTYPE` error.
    pub const WRONGTYPE: &[u8] =
        b"-WRONGTYPE Operation against a key holding the wrong kind of value\r\n";
    /// Syntax error.
    pub const SYNTAX_ERR: &[u8] = b"-ERR syntax error\r\n";
}

/// Appends replies to `out` in the client's protocol. Borrow one per command:
/// `ReplyWriter::new(&mut client.reply, client.protocol).bulk(value)`.
pub struct ReplyWriter<'a> {
    out: &'a mut Vec<u8>,
    protocol: Protocol,
}

impl<'a> ReplyWriter<'a> {
    /// A writer appending to `out`.
    pub fn new(out: &'a mut Vec<u8>, protocol: Protocol) -> ReplyWriter<'a> {
        ReplyWriter { out, protocol }
    }

    /// The protocol replies are written in.
    pub fn protocol(&self) -> Protocol {
        self.protocol
    }

    /// Appends precomputed reply bytes (see [`shared`]) as they are.
    pub fn raw(&mut self, bytes: &[u8]) {
        self.out.extend_from_slice(bytes);
    }

    /// `+text\r\n`.
    pub fn simple(&mut self, text: &str) {
        self.line(b'+', text.as_bytes());
    }

    /// `-text\r\n`; `text` includes the code, e.g. `"ERR syntax error"`.
    pub fn error(&mut self, text: &str) {
        self.line(b'-', text.as_bytes());
    }

    /// `:n\r\n`.
    pub fn int(&mut self, n: i64) {
        match n {
            0 => self.raw(shared::CZERO),
            1 => self.raw(shared::CONE),
            _ => {
                self.out.push(b':');
                write_i64(self.out, n);
                self.out.extend_from_slice(b"\r\n");
            }
        }
    }

    /// `$len\r\nbytes\r\n`.
    pub fn bulk(&mut self, bytes: &[u8]) {
        self.out.reserve(bytes.len() + 16);
        self.header(b'$', bytes.len());
        self.out.extend_from_slice(bytes);
        self.out.extend_from_slice(b"\r\n");
    }

    /// The null bulk string (`GET` of a missing key).
    pub fn null(&mut self) {
        self.raw(match self.protocol {
            Protocol::Resp2 => shared::NULL_BULK,
            Protocol::Resp3 => shared::NULL_RESP3,
        });
    }

    /// The null array (`BLPOP` timeout, `EXEC` after a failed `WATCH`).
    pub fn null_array(&mut self) {
        self.raw(match self.protocol {
            Protocol::Resp2 => shared::NULL_ARRAY,
            Protocol::Resp3 => shared::NULL_RESP3,
        });
    }

    /// Header of an array of `n` elements.
    pub fn array_len(&mut self, n: usize) {
        self.header(b'*', n);
    }

    /// Header of a map of `n` key-value pairs (a flat array of `2n` in RESP2).
    pub fn map_len(&mut self, n: usize) {
        match self.protocol {
            Protocol::Resp2 => self.header(b'*', n.saturating_mul(2)),
            Protocol::Resp3 => self.header(b'%', n),
        }
    }

    /// Header of a set of `n` members.
    pub fn set_len(&mut self, n: usize) {
        let prefix = if self.protocol == Protocol::Resp3 { b'~' } else { b'*' };
        self.header(prefix, n);
    }

    /// Header of an out-of-band push of `n` elements (pub/sub messages).
    pub fn push_len(&mut self, n: usize) {
        let prefix = if self.protocol == Protocol::Resp3 { b'>' } else { b'*' };
        self.header(prefix, n);
    }

    /// A double as Redis 7.0's `addReplyDouble` writes it.
    pub fn double(&mut self, d: f64) {
        match self.protocol {
            Protocol::Resp3 => {
                self.out.push(b',');
                write_double(self.out, d);
                self.out.extend_from_slice(b"\r\n");
            }
            Protocol::Resp2 => {
                // Format first, then put the `$len\r\n` header in front (at most 24 bytes
                // move), to avoid a temporary buffer.
                let mark = self.out.len();
                write_double(self.out, d);
                let len = self.out.len() - mark;
                debug_assert!(len < 100, "%.17g is at most 24 bytes");
                let (tens, ones) = ((len / 10 % 10) as u8, (len % 10) as u8);
                let header: &[u8] = if tens == 0 {
                    &[b'$', b'0' + ones, b'\r', b'\n']
                } else {
                    &[b'$', b'0' + tens, b'0' + ones, b'\r', b'\n']
                };
                self.out.splice(mark..mark, header.iter().copied());
                self.out.extend_from_slice(b"\r\n");
            }
        }
    }

    /// A boolean: `#t`/`#f` in RESP3, `:1`/`:0` in RESP2.
    pub fn bool(&mut self, b: bool) {
        match (self.protocol, b) {
            (Protocol::Resp3, true) => self.raw(b"#t\r\n"),
            (Protocol::Resp3, false) => self.raw(b"#f\r\n"),
            (Protocol::Resp2, true) => self.raw(shared::CONE),
            (Protocol::Resp2, false) => self.raw(shared::CZERO),
        }
    }

    /// Verbatim text with a three-byte format such as `b"txt"` (`INFO`, `CLIENT LIST`);
    /// a plain bulk string in RESP2.
    pub fn verbatim(&mut self, text: &[u8], format: &[u8; 3]) {
        if self.protocol == Protocol::Resp2 {
            return self.bulk(text);
        }
        self.header(b'=', text.len() + 4);
        self.out.extend_from_slice(format);
        self.out.push(b':');
        self.out.extend_from_slice(text);
        self.out.extend_from_slice(b"\r\n");
    }

    /// A big number given as its decimal digits; a bulk string in RESP2.
    pub fn big_number(&mut self, digits: &str) {
        match self.protocol {
            Protocol::Resp2 => self.bulk(digits.as_bytes()),
            Protocol::Resp3 => self.line(b'(', digits.as_bytes()),
        }
    }

    /// Writes a whole [`Frame`] in this writer's protocol, downgrading RESP3-only types
    /// for RESP2 clients as the calls above do.
    pub fn frame(&mut self, frame: &Frame) {
        match frame {
            Frame::Simple(s) => self.simple(s),
            Frame::Error(s) => self.error(s),
            Frame::Integer(n) => self.int(*n),
            Frame::Bulk(b) => self.bulk(b),
            Frame::Null => self.null(),
            Frame::NullArray => self.null_array(),
            Frame::Array(items) => self.frames(b'*', items),
            Frame::Set(items) => {
                self.set_len(items.len());
                items.iter().for_each(|f| self.frame(f));
            }
            Frame::Push(items) => {
                self.push_len(items.len());
                items.iter().for_each(|f| self.frame(f));
            }
            Frame::Map(pairs) => {
                self.map_len(pairs.len());
                for (k, v) in pairs {
                    self.frame(k);
                    self.frame(v);
                }
            }
            Frame::Double(d) => self.double(*d),
            Frame::Boolean(b) => self.bool(*b),
            Frame::BigNumber(s) => self.big_number(s),
            Frame::Verbatim { format, text } => self.verbatim(text, format),
        }
    }

    fn frames(&mut self, prefix: u8, items: &[Frame]) {
        self.header(prefix, items.len());
        items.iter().for_each(|f| self.frame(f));
    }

    fn header(&mut self, prefix: u8, n: usize) {
        self.out.push(prefix);
        write_u64(self.out, n as u64);
        self.out.extend_from_slice(b"\r\n");
    }

    /// `<prefix>text\r\n` with any `\r`/`\n` in `text` written as a space.
    fn line(&mut self, prefix: u8, text: &[u8]) {
        self.out.reserve(text.len() + 3);
        self.out.push(prefix);
        if text.iter().any(|&b| b == b'\r' || b == b'\n') {
            let clean = text.iter().map(|&b| if b == b'\r' || b == b'\n' { b' ' } else { b });
            self.out.extend(clean);
        } else {
            self.out.extend_from_slice(text);
        }
        self.out.extend_from_slice(b"\r\n");
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn both(write: impl Fn(&mut ReplyWriter<'_>)) -> (Vec<u8>, Vec<u8>) {
        let mut two = Vec::new();
        write(&mut ReplyWriter::new(&mut two, Protocol::Resp2));
        let mut three = Vec::new();
        write(&mut ReplyWriter::new(&mut three, Protocol::Resp3));
        (two, three)
    }

    fn check(write: impl Fn(&mut ReplyWriter<'_>), resp2: &[u8], resp3: &[u8]) {
        let (two, three) = both(write);
        assert_eq!(String::from_utf8_lossy(&two), String::from_utf8_lossy(resp2));
        assert_eq!(String::from_utf8_lossy(&three), String::from_utf8_lossy(resp3));
    }

    /// Every row of the table in the module doc.
    #[test]
    fn doc_table_rows() {
        check(|w| w.simple("OK"), b"+OK\r\n", b"+OK\r\n");
        check(|w| w.error("ERR x"), b"-ERR x\r\n", b"-ERR x\r\n");
        check(|w| w.int(42), b":42\r\n", b":42\r\n");
        check(|w| w.bulk(b"hi"), b"$2\r\nhi\r\n", b"$2\r\nhi\r\n");
        check(|w| w.null(), b"$-1\r\n", b"_\r\n");
        check(|w| w.null_array(), b"*-1\r\n", b"_\r\n");
        check(|w| w.array_len(2), b"*2\r\n", b"*2\r\n");
        check(|w| w.map_len(2), b"*4\r\n", b"%2\r\n");
        check(|w| w.set_len(2), b"*2\r\n", b"~2\r\n");
        check(|w| w.push_len(2), b"*2\r\n", b">2\r\n");
        check(|w| w.double(2.5), b"$3\r\n2.5\r\n", b",2.5\r\n");
        check(|w| w.bool(true), b":1\r\n", b"#t\r\n");
        check(|w| w.verbatim(b"t", b"txt"), b"$1\r\nt\r\n", b"=5\r\ntxt:t\r\n");
        check(|w| w.big_number("1"), b"$1\r\n1\r\n", b"(1\r\n");
    }

    /// Bytes captured from `redis-server` 7.0.15 (`ZSCORE` after `HELLO 3`).
    #[test]
    fn doubles_match_redis_bytes() {
        check(
            |w| w.double(0.1),
            b"$19\r\n0.10000000000000001\r\n",
            b",0.10000000000000001\r\n",
        );
        check(|w| w.double(f64::INFINITY), b"$3\r\ninf\r\n", b",inf\r\n");
        check(|w| w.double(f64::NEG_INFINITY), b"$4\r\n-inf\r\n", b",-inf\r\n");
        check(|w| w.double(0.0), b"$1\r\n0\r\n", b",0\r\n");
    }

    #[test]
    fn newlines_in_status_and_error_texts_become_spaces() {
        check(|w| w.error("ERR a\r\nb"), b"-ERR a  b\r\n", b"-ERR a  b\r\n");
        check(|w| w.simple("x\ny"), b"+x y\r\n", b"+x y\r\n");
    }

    #[test]
    fn frames_downgrade_for_resp2() {
        let frame = Frame::Map(vec![(Frame::Bulk(b"k".to_vec()), Frame::Boolean(false))]);
        check(|w| w.frame(&frame), b"*2\r\n$1\r\nk\r\n:0\r\n", b"%1\r\n$1\r\nk\r\n#f\r\n");
    }
}
