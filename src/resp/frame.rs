//! Reply frames as a client sees them (tests, the simulator's clients, CLI tools), and
//! their canonical encoding.
//!
//! One prefix byte per type, lines end in `\r\n`, lengths in decimal:
//!
//! ```text
//! +OK            Simple        -ERR x         Error (also !<len> blob error)
//! :42            Integer       $<len> bytes   Bulk  ($-1 is Null)
//! *<n> frames    Array         *-1            NullArray
//! _              Null          %<n> k v ...   Map
//! ~<n> frames    Set           ><n> frames    Push
//! ,2.5           Double        #t / #f        Boolean
//! (123           BigNumber     =<len> fmt:txt Verbatim
//! |<n> k v ...   attributes: parsed and dropped, the frame after them is returned
//! ```
//!
//! Example: `2a 32 0d 0a 3a 31 0d 0a 5f 0d 0a` = `*2\r\n:1\r\n_\r\n` =
//! `Array([Integer(1), Null])`.
//!
//! [`write_frame`] writes each variant in a form that [`super::parse_frame`] maps back to
//! the same variant: `Null` as `_`, `NullArray` as `*-1`, RESP3 types in RESP3. A
//! `Simple` text cannot hold `\r` (written as a space); an `Error` text holding `\r` or
//! `\n` is written as a `!` blob error. For a client's negotiated protocol use
//! [`super::ReplyWriter::frame`] instead.

use super::number::{write_double, write_i64, write_u64};

/// One RESP2/RESP3 value.
#[derive(Clone, Debug, PartialEq)]
pub enum Frame {
    /// `+text`
    Simple(String),
    /// `-text` or `!<len>`; non-UTF-8 bytes are replaced by U+FFFD when parsed.
    Error(String),
    /// `:n`
    Integer(i64),
    /// `$<len>`
    Bulk(Vec<u8>),
    /// RESP3 `_`, or RESP2's null bulk `$-1`.
    Null,
    /// `*<n>`
    Array(Vec<Frame>),
    /// RESP2's null array `*-1`.
    NullArray,
    /// `%<n>`: `n` key-value pairs.
    Map(Vec<(Frame, Frame)>),
    /// `~<n>`
    Set(Vec<Frame>),
    /// `,<double>`
    Double(f64),
    /// `#t` / `#f`
    Boolean(bool),
    /// `(<digits>`
    BigNumber(String),
    /// `=<len>\r\nfmt:text`
    Verbatim {
        /// Three bytes such as `txt` or `mkd`.
        format: [u8; 3],
        /// The text after `fmt:`.
        text: Vec<u8>,
    },
    /// `><n>`: an out-of-band message.
    Push(Vec<Frame>),
}

impl Frame {
    /// A bulk frame holding `bytes`.
    pub fn bulk(bytes: impl AsRef<[u8]>) -> Frame {
        Frame::Bulk(bytes.as_ref().to_vec())
    }

    /// Structural equality in which doubles compare by bits, except that every NaN equals
    /// every NaN (`-nan` and `nan` both write as `nan`).
    pub fn same(&self, other: &Frame) -> bool {
        let all = |a: &[Frame], b: &[Frame]| {
            a.len() == b.len() && a.iter().zip(b).all(|(x, y)| x.same(y))
        };
        match (self, other) {
            (Frame::Double(a), Frame::Double(b)) => {
                (a.is_nan() && b.is_nan()) || a.to_bits() == b.to_bits()
            }
            (Frame::Array(a), Frame::Array(b))
            | (Frame::Set(a), Frame::Set(b))
            | (Frame::Push(a), Frame::Push(b)) => all(a, b),
            (Frame::Map(a), Frame::Map(b)) => {
                a.len() == b.len()
                    && a.iter().zip(b).all(|((ka, va), (kb, vb))| ka.same(kb) && va.same(vb))
            }
            (a, b) => a == b,
        }
    }
}

/// Appends the canonical encoding of `frame` (see the module doc).
pub fn write_frame(frame: &Frame, out: &mut Vec<u8>) {
    match frame {
        Frame::Simple(s) => simple_line(out, b'+', s.as_bytes()),
        Frame::Error(s) if s.bytes().any(|b| b == b'\r' || b == b'\n') => {
            blob(out, b'!', s.as_bytes())
        }
        Frame::Error(s) => simple_line(out, b'-', s.as_bytes()),
        Frame::Integer(n) => {
            out.push(b':');
            write_i64(out, *n);
            out.extend_from_slice(b"\r\n");
        }
        Frame::Bulk(b) => blob(out, b'$', b),
        Frame::Null => out.extend_from_slice(b"_\r\n"),
        Frame::NullArray => out.extend_from_slice(b"*-1\r\n"),
        Frame::Array(items) => aggregate(out, b'*', items),
        Frame::Set(items) => aggregate(out, b'~', items),
        Frame::Push(items) => aggregate(out, b'>', items),
        Frame::Map(pairs) => {
            header(out, b'%', pairs.len());
            for (k, v) in pairs {
                write_frame(k, out);
                write_frame(v, out);
            }
        }
        Frame::Double(d) => {
            out.push(b',');
            write_double(out, *d);
            out.extend_from_slice(b"\r\n");
        }
        Frame::Boolean(b) => out.extend_from_slice(if *b { b"#t\r\n" } else { b"#f\r\n" }),
        Frame::BigNumber(s) => simple_line(out, b'(', s.as_bytes()),
        Frame::Verbatim { format, text } => {
            header(out, b'=', text.len() + 4);
            out.extend_from_slice(format);
            out.push(b':');
            out.extend_from_slice(text);
            out.extend_from_slice(b"\r\n");
        }
    }
}

/// Appends a command as a multibulk request: `*<n>` then `$<len>` per argument.
pub fn encode_command(args: &[&[u8]], out: &mut Vec<u8>) {
    header(out, b'*', args.len());
    for arg in args {
        blob(out, b'$', arg);
    }
}

fn header(out: &mut Vec<u8>, prefix: u8, n: usize) {
    out.push(prefix);
    write_u64(out, n as u64);
    out.extend_from_slice(b"\r\n");
}

fn blob(out: &mut Vec<u8>, prefix: u8, bytes: &[u8]) {
    out.reserve(bytes.len() + 16);
    header(out, prefix, bytes.len());
    out.extend_from_slice(bytes);
    out.extend_from_slice(b"\r\n");
}

fn aggregate(out: &mut Vec<u8>, prefix: u8, items: &[Frame]) {
    header(out, prefix, items.len());
    items.iter().for_each(|f| write_frame(f, out));
}

/// `<prefix>text\r\n`, a `\r` in `text` written as a space (it would end the line).
fn simple_line(out: &mut Vec<u8>, prefix: u8, text: &[u8]) {
    out.push(prefix);
    out.extend(text.iter().map(|&b| if b == b'\r' { b' ' } else { b }));
    out.extend_from_slice(b"\r\n");
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn doc_example_encodes() {
        let mut out = Vec::new();
        write_frame(&Frame::Array(vec![Frame::Integer(1), Frame::Null]), &mut out);
        assert_eq!(out, [0x2a, 0x32, 0x0d, 0x0a, 0x3a, 0x31, 0x0d, 0x0a, 0x5f, 0x0d, 0x0a]);
    }

    #[test]
    fn encode_command_is_multibulk() {
        let mut out = Vec::new();
        encode_command(&[b"SET", b"k", b""], &mut out);
        assert_eq!(out, b"*3\r\n$3\r\nSET\r\n$1\r\nk\r\n$0\r\n\r\n");
    }

    #[test]
    fn multi_line_errors_become_blob_errors() {
        let mut out = Vec::new();
        write_frame(&Frame::Error("ERR a\nb".into()), &mut out);
        assert_eq!(out, b"!7\r\nERR a\nb\r\n");
    }

    #[test]
    fn same_treats_nan_as_equal() {
        let nan = Frame::Array(vec![Frame::Double(f64::NAN)]);
        assert!(nan.same(&nan.clone()));
        assert!(!Frame::Double(0.0).same(&Frame::Double(-0.0)));
    }
}
