//! Inline requests: one text line split like Redis's `sdssplitargs`, as typed into telnet.
//!
//! ```text
//! SET k "a b\x41"\r\n          → ["SET", "k", "a bA"]
//! ```
//!
//! Rules (Redis 7.0 `sdssplitargs`):
//! - Arguments are separated by runs of C `isspace` bytes (space, `\t`, `\n`, `\v`, `\f`,
//!   `\r`); an unquoted argument ends only at space, `\t`, `\n`, `\r` (not `\v`/`\f`).
//! - `"double quotes"` understand `\n \r \t \b \a`, `\xHH` (two hex digits) and `\<any>`
//!   (that byte); `'single quotes'` understand only `\'`.
//! - A quote may start mid-argument (`foo"bar"` → `foobar`), but a closing quote must be
//!   followed by a space or the end of the line, else the line has unbalanced quotes.
//! - The line is a C string: a NUL byte ends it, the rest of the line is ignored, and a
//!   NUL inside quotes is an unterminated quote.
//!
//! The line ends at `\n`, with an optional `\r` before it. Divergence from Redis: Redis
//! looks for the `\n` with `strchr`, which stops at a NUL, so a NUL before the newline
//! stalls the connection until 64 KiB arrive; Keel finds the `\n` and parses the line.

use super::argv::Argv;
use super::error::ParseError;

/// C `isspace` in the "C" locale.
fn is_space(byte: u8) -> bool {
    matches!(byte, b' ' | b'\t' | b'\n' | 0x0b | 0x0c | b'\r')
}

fn hex_value(byte: u8) -> Option<u8> {
    (byte as char).to_digit(16).map(|v| v as u8)
}

/// Splits one inline line (without its `\n` / `\r\n`) into `argv`, appending.
/// On error `argv` is left as it was.
pub(crate) fn split_args(line: &[u8], argv: &mut Argv) -> Result<(), ParseError> {
    let line = match line.iter().position(|&b| b == 0) {
        Some(nul) => &line[..nul],
        None => line,
    };
    let args_before = argv.len();
    let mut p = 0;
    loop {
        while p < line.len() && is_space(line[p]) {
            p += 1;
        }
        if p >= line.len() {
            return Ok(());
        }
        match token(line, p, argv) {
            Ok(next) => p = next,
            Err(e) => {
                argv.truncate_args(args_before);
                return Err(e);
            }
        }
        argv.end_arg();
    }
}

/// Reads one argument starting at `p` into `argv`; returns where the next one may start.
fn token(line: &[u8], p: usize, argv: &mut Argv) -> Result<usize, ParseError> {
    // Unquoted: copy a run of plain bytes at once.
    let run = line[p..]
        .iter()
        .position(|&b| matches!(b, b' ' | b'\n' | b'\r' | b'\t' | b'"' | b'\''))
        .unwrap_or(line.len() - p);
    argv.extend_arg(&line[p..p + run]);
    let p = p + run;
    // A quote ends the argument too: its closing quote is followed by a space (skipped by
    // the caller) or the end of the line.
    match line.get(p) {
        Some(b'"') => double_quoted(line, p + 1, argv),
        Some(b'\'') => single_quoted(line, p + 1, argv),
        Some(_) => Ok(p + 1),
        None => Ok(p),
    }
}

/// Reads a `"..."` body starting after the opening quote; returns the index after the
/// closing quote.
fn double_quoted(line: &[u8], mut p: usize, argv: &mut Argv) -> Result<usize, ParseError> {
    let at = |i: usize| line.get(i).copied().unwrap_or(0);
    loop {
        match at(p) {
            b'\\' if at(p + 1) == b'x' => match (hex_value(at(p + 2)), hex_value(at(p + 3))) {
                (Some(hi), Some(lo)) => {
                    argv.push_byte(hi * 16 + lo);
                    p += 4;
                }
                _ => {
                    argv.push_byte(b'x');
                    p += 2;
                }
            },
            b'\\' if at(p + 1) != 0 => {
                argv.push_byte(unescape(at(p + 1)));
                p += 2;
            }
            b'"' => return closing_quote(line, p),
            0 => return Err(ParseError::UnbalancedQuotes),
            byte => {
                argv.push_byte(byte);
                p += 1;
            }
        }
    }
}

/// Reads a `'...'` body starting after the opening quote; returns the index after the
/// closing quote.
fn single_quoted(line: &[u8], mut p: usize, argv: &mut Argv) -> Result<usize, ParseError> {
    let at = |i: usize| line.get(i).copied().unwrap_or(0);
    loop {
        match at(p) {
            b'\\' if at(p + 1) == b'\'' => {
                argv.push_byte(b'\'');
                p += 2;
            }
            b'\'' => return closing_quote(line, p),
            0 => return Err(ParseError::UnbalancedQuotes),
            byte => {
                argv.push_byte(byte);
                p += 1;
            }
        }
    }
}

/// Checks the byte after the closing quote at `p`: a space or the end of the line.
fn closing_quote(line: &[u8], p: usize) -> Result<usize, ParseError> {
    match line.get(p + 1) {
        Some(&next) if !is_space(next) => Err(ParseError::UnbalancedQuotes),
        _ => Ok(p + 1),
    }
}

fn unescape(byte: u8) -> u8 {
    match byte {
        b'n' => b'\n',
        b'r' => b'\r',
        b't' => b'\t',
        b'b' => 0x08,
        b'a' => 0x07,
        other => other,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn split(line: &[u8]) -> Result<Vec<Vec<u8>>, ParseError> {
        let mut argv = Argv::new();
        split_args(line, &mut argv).map(|()| argv.to_vecs())
    }

    fn ok(line: &[u8], want: &[&[u8]]) {
        let want: Vec<Vec<u8>> = want.iter().map(|a| a.to_vec()).collect();
        assert_eq!(split(line), Ok(want), "{:?}", String::from_utf8_lossy(line));
    }

    #[test]
    fn doc_example() {
        ok(br#"SET k "a b\x41""#, &[b"SET", b"k", b"a bA"]);
    }

    #[test]
    fn blanks_and_empty_lines() {
        ok(b"", &[]);
        ok(b"   \t ", &[]);
        ok(b"  PING  ", &[b"PING"]);
        ok(b"a\x0bb", &[b"a\x0bb"]);
        ok(b"ECHO \x0bfoo", &[b"ECHO", b"foo"]);
        ok(b"a\rb", &[b"a", b"b"]);
    }

    #[test]
    fn quotes_and_escapes() {
        ok(br#""\n\r\t\b\a\\\"\q""#, &[b"\n\r\t\x08\x07\\\"q"]);
        ok(br#""\x4g""#, &[b"x4g"]);
        ok(br#""\xff\x00""#, &[b"\xff\x00"]);
        ok(br"'it\'s' '\n'", &[b"it's", b"\\n"]);
        ok(br#"foo"bar" x"#, &[b"foobar", b"x"]);
        ok(br#""""#, &[b""]);
        ok(b"\"a\"\x0b", &[b"a"]);
    }

    #[test]
    fn unbalanced_quotes() {
        for line in [&br#""a"#[..], br#""a"b"#, b"'a'b", b"'a", br#""a\"#, b"\"a\0\""] {
            assert_eq!(split(line), Err(ParseError::UnbalancedQuotes), "{line:?}");
        }
    }

    #[test]
    fn nul_ends_the_line() {
        ok(b"ECHO a\0b c", &[b"ECHO", b"a"]);
    }

    #[test]
    fn error_leaves_argv_unchanged() {
        let mut argv = Argv::new();
        argv.push(b"keep");
        assert!(split_args(b"x \"y", &mut argv).is_err());
        assert_eq!(argv.to_vecs(), vec![b"keep".to_vec()]);
    }
}
