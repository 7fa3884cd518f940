//! Look-ahead over a pipelined query buffer: argument 1 (the key, for most commands) of each
//! complete multibulk request at the front of the buffer, found without copying and without
//! touching any parser state.
//!
//! It feeds a prefetch hint only. The server asks the keyspace to start loading the buckets
//! and chain heads of the next requests' keys, all at once, before running the first of
//! them, so that the lookups' cache misses overlap instead of coming one after another. No
//! behaviour depends on the answer: the requests are parsed and checked by
//! [`super::RequestParser`] as before.
//!
//! The scan reads what that parser would read (`*<count>\r\n`, then `$<len>\r\n<len bytes>`
//! and two bytes, counts and lengths by `string2ll`) and stops at the first thing it does not
//! follow: an inline request, a malformed or overlong header, an incomplete request. So every
//! key it reports is argument 1 of a request the parser returns, in order, but it may report
//! fewer than there are.

use super::number::string2ll;

/// Longest header (`*<count>` or `$<len>`) followed, `\r` excluded: a sign and 19 digits.
const HEADER_MAX: usize = 20;

/// Stores in `keys` argument 1 of each complete multibulk request at the start of `buf`
/// that has two or more arguments, stopping when `keys` is full or the scan stops (see the
/// module doc). Returns how many were stored.
pub fn first_keys<'a>(buf: &'a [u8], keys: &mut [&'a [u8]]) -> usize {
    let mut pos = 0;
    let mut found = 0;
    while found < keys.len() {
        let Some((key, end)) = request_at(buf, pos) else { break };
        if let Some(key) = key {
            keys[found] = key;
            found += 1;
        }
        pos = end;
    }
    found
}

/// The request starting at `pos`: its argument 1 (if it has one) and where it ends; `None`
/// when there is no complete multibulk request there.
fn request_at(buf: &[u8], pos: usize) -> Option<(Option<&[u8]>, usize)> {
    let (count, mut pos) = header(buf, pos, b'*')?;
    let mut key = None;
    for i in 0..count.max(0) {
        let (len, start) = header(buf, pos, b'$')?;
        let len = usize::try_from(len).ok()?;
        let end = start.checked_add(len)?;
        if buf.len().saturating_sub(end) < 2 {
            return None;
        }
        if i == 1 {
            key = Some(&buf[start..end]);
        }
        pos = end + 2;
    }
    Some((key, pos))
}

/// `<tag><integer>\r` and one more byte at `pos`: the integer and the offset after the line.
fn header(buf: &[u8], pos: usize, tag: u8) -> Option<(i64, usize)> {
    let line = buf.get(pos..)?;
    if *line.first()? != tag {
        return None;
    }
    let cr = line.iter().take(HEADER_MAX + 2).position(|&b| b == b'\r')?;
    let end = pos + cr + 2;
    (end <= buf.len()).then_some(())?;
    Some((string2ll(&line[1..cr])?, end))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::resp::{Argv, Limits, RequestParser};
    use proptest::prelude::*;

    fn keys_of(buf: &[u8]) -> Vec<Vec<u8>> {
        let mut keys = [&[][..]; 8];
        let n = first_keys(buf, &mut keys);
        keys[..n].iter().map(|k| k.to_vec()).collect()
    }

    /// Argument 1 of every request the real parser returns from `buf`, until it needs more
    /// bytes or reports an error.
    fn parser_keys(buf: &[u8]) -> Vec<Vec<u8>> {
        let (mut parser, mut argv, mut pos, mut keys) = (RequestParser::new(), Argv::new(), 0, Vec::new());
        while let Ok(Some(used)) = parser.parse(&buf[pos..], &Limits::default(), &mut argv) {
            pos += used;
            if argv.len() >= 2 {
                keys.push(argv.get(1).to_vec());
            }
        }
        keys
    }

    #[test]
    fn finds_the_key_of_each_pipelined_request() {
        let buf = b"*3\r\n$3\r\nSET\r\n$2\r\nk1\r\n$1\r\nv\r\n*1\r\n$4\r\nPING\r\n*2\r\n$3\r\nGET\r\n$2\r\nk2\r\n*2\r\n$3\r\nGET";
        assert_eq!(keys_of(buf), vec![b"k1".to_vec(), b"k2".to_vec()]);
    }

    #[test]
    fn stops_at_inline_malformed_or_full() {
        assert!(keys_of(b"GET k\r\n*2\r\n$3\r\nGET\r\n$1\r\nk\r\n").is_empty());
        assert!(keys_of(b"*2\r\n$03\r\nGET\r\n$1\r\nk\r\n").is_empty(), "leading zero, as string2ll");
        assert!(keys_of(b"*2\r\n$3\r\nGET\r\n$1\r\nk\r").is_empty(), "the payload's \\r\\n has not arrived");
        let one = b"*2\r\n$3\r\nGET\r\n$1\r\nk\r\n".repeat(10);
        assert_eq!(keys_of(&one).len(), 8, "as many as fit");
        assert_eq!(keys_of(b"*-1\r\n*0\r\n*2\r\n$3\r\nGET\r\n$1\r\nk\r\n"), vec![b"k".to_vec()]);
    }

    fn request() -> impl Strategy<Value = Vec<u8>> {
        prop::collection::vec(prop::collection::vec(any::<u8>(), 0..6), 0..4).prop_map(|args| {
            let mut out = format!("*{}\r\n", args.len()).into_bytes();
            for a in args {
                out.extend(format!("${}\r\n", a.len()).bytes());
                out.extend(a);
                out.extend(b"\r\n");
            }
            out
        })
    }

    proptest! {
        /// Well-formed pipelines, cut anywhere: exactly the parser's keys (up to 8).
        #[test]
        fn agrees_with_the_parser_on_pipelines(reqs in prop::collection::vec(request(), 0..12), cut in any::<prop::sample::Index>()) {
            let all = reqs.concat();
            let buf = &all[..cut.index(all.len() + 1)];
            let mut want = parser_keys(buf);
            want.truncate(8);
            prop_assert_eq!(keys_of(buf), want);
        }

        /// Any bytes: never a panic, and what it reports is a prefix of the parser's keys.
        #[test]
        fn is_a_prefix_of_the_parser_on_any_bytes(buf in prop::collection::vec(prop::sample::select(b"*$\r\n0123-ab".to_vec()), 0..80)) {
            let got = keys_of(&buf);
            let want = parser_keys(&buf);
            prop_assert!(want.starts_with(&got), "{:?} vs {:?}", got, want);
        }
    }
}
