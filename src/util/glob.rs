//! Glob-style matching exactly like Redis 7.0's `stringmatchlen` (util.c), used by KEYS, SCAN
//! MATCH, PSUBSCRIBE and CONFIG GET.
//!
//! Syntax: `*` any run of bytes, `?` one byte, `[abc]` a set, `[^abc]` its complement, `[a-z]`
//! a range (reversed ranges such as `[z-a]` work too), `\x` the byte `x` literally. An
//! unterminated `[` set takes the rest of the pattern as the set.
//!
//! Compatibility details kept on purpose, because clients see them:
//! - Bytes compare as C `char`s, which are signed: in a range, bytes >= 0x80 sort below ASCII.
//! - `nocase` folds only ASCII letters (the "C" locale's `tolower`), and not for `\`-escaped
//!   bytes inside a set.
//! - Reads past the end of the pattern see a NUL byte, as in C where the pattern is an sds.
//!
//! Cost guards (Redis's fixes for exponential patterns, CVE-2022-36021 and CVE-2024-31228):
//! once the rest of a pattern after a `*` fails to match at every position of the remaining
//! string, no earlier `*` can help either (`skip_longer`), so `*a*a*a*a*b` against `aaaa…` is
//! quadratic instead of exponential; and recursion stops at [`NESTING_MAX`] nested `*`, where
//! the match fails.

/// Deepest nesting of `*` before a match attempt fails (Redis: `nesting > 1000`).
pub const NESTING_MAX: u32 = 1000;

/// Whether `s` matches the glob `pattern` (Redis's `stringmatchlen`).
pub fn string_match(pattern: &[u8], s: &[u8], nocase: bool) -> bool {
    let mut m = Matcher { nocase, skip_longer: false };
    m.matches(pattern, s, 0)
}

struct Matcher {
    nocase: bool,
    /// Redis's `skipLongerMatches`.
    skip_longer: bool,
}

/// The pattern byte at `i`, or NUL past the end (C reads the sds terminator).
fn at(p: &[u8], i: usize) -> u8 {
    p.get(i).copied().unwrap_or(0)
}

/// C's `tolower` in the "C" locale.
fn lower(c: i32) -> i32 {
    if (i32::from(b'A')..=i32::from(b'Z')).contains(&c) {
        c + 32
    } else {
        c
    }
}

/// A byte as a signed C `char`, widened to `int`.
fn signed(b: u8) -> i32 {
    i32::from(b as i8)
}

impl Matcher {
    fn eq_byte(&self, a: u8, b: u8) -> bool {
        if self.nocase {
            lower(signed(a)) == lower(signed(b))
        } else {
            a == b
        }
    }

    /// Redis's `stringmatchlen_impl`. `p` and `s` index into `pat` and `st`.
    fn matches(&mut self, pat: &[u8], st: &[u8], nesting: u32) -> bool {
        if nesting > NESTING_MAX {
            return false;
        }
        let (mut p, mut s) = (0usize, 0usize);
        while p < pat.len() && s < st.len() {
            match pat[p] {
                b'*' => return self.star(&pat[p..], &st[s..], nesting),
                b'?' => s += 1,
                b'[' => match self.set(pat, p, st[s]) {
                    Some(end) => {
                        p = end;
                        s += 1;
                    }
                    None => return false,
                },
                c => {
                    let lit = if c == b'\\' && pat.len() - p >= 2 {
                        p += 1;
                        pat[p]
                    } else {
                        c
                    };
                    if !self.eq_byte(lit, st[s]) {
                        return false;
                    }
                    s += 1;
                }
            }
            p += 1;
            if s == st.len() {
                while at(pat, p) == b'*' {
                    p += 1;
                }
                break;
            }
        }
        p == pat.len() && s == st.len()
    }

    /// `pat` starts with `*`; `st` is non-empty.
    fn star(&mut self, pat: &[u8], st: &[u8], nesting: u32) -> bool {
        let mut p = 0;
        while p < pat.len() && at(pat, p + 1) == b'*' {
            p += 1;
        }
        if pat.len() - p == 1 {
            return true;
        }
        for start in 0..st.len() {
            if self.matches(&pat[p + 1..], &st[start..], nesting + 1) {
                return true;
            }
            if self.skip_longer {
                return false;
            }
        }
        self.skip_longer = true;
        false
    }

    /// Match one byte `c` against the set starting with `[` at `pat[open]`. Returns the index
    /// of the set's last pattern byte (its `]`, or the last byte of an unterminated set), or
    /// `None` when `c` is not in the set.
    fn set(&self, pat: &[u8], open: usize, c: u8) -> Option<usize> {
        let mut p = open + 1;
        let negate = at(pat, p) == b'^';
        if negate {
            p += 1;
        }
        let mut matched = false;
        loop {
            let left = pat.len() - p;
            let b = at(pat, p);
            if b == b'\\' && left >= 2 {
                p += 1;
                if pat[p] == c {
                    matched = true;
                }
            } else if b == b']' {
                break;
            } else if left == 0 {
                p -= 1;
                break;
            } else if left >= 3 && pat[p + 1] == b'-' {
                matched |= self.in_range(pat[p], pat[p + 2], c);
                p += 2;
            } else if self.eq_byte(b, c) {
                matched = true;
            }
            p += 1;
        }
        (matched != negate).then_some(p)
    }

    fn in_range(&self, start: u8, end: u8, c: u8) -> bool {
        let (mut lo, mut hi, mut c) = (signed(start), signed(end), signed(c));
        if lo > hi {
            std::mem::swap(&mut lo, &mut hi);
        }
        if self.nocase {
            lo = lower(lo);
            hi = lower(hi);
            c = lower(c);
        }
        (lo..=hi).contains(&c)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn m(p: &str, s: &str) -> bool {
        string_match(p.as_bytes(), s.as_bytes(), false)
    }

    /// Cases from Redis's `keyspace.tcl`, `util.c` and behaviour observed on redis-server
    /// 7.0.15 with KEYS (keys `x[`, `xa`, `x`, `x\`, `x]`, `x^`, `xb`).
    #[test]
    fn matches_like_redis() {
        // The function itself never matches an empty string (KEYS and SCAN special-case a
        // lone `*`): observed `KEYS **` on redis-server 7.0.15 skipping the key "".
        assert!(!m("*", ""));
        assert!(!m("**", ""));
        assert!(m("*", "anything"));
        assert!(m("h?llo", "hello"));
        assert!(!m("h?llo", "hllo"));
        assert!(m("h*llo", "heeeello"));
        assert!(m("h[ae]llo", "hallo"));
        assert!(!m("h[ae]llo", "hillo"));
        assert!(m("h[^e]llo", "hallo"));
        assert!(!m("h[^e]llo", "hello"));
        assert!(m("h[a-b]llo", "hbllo"));
        assert!(m("h[b-a]llo", "hallo"));
        assert!(m("h\\*llo", "h*llo"));
        assert!(!m("h\\*llo", "hello"));
        assert!(m("a*", "a"));
        assert!(m("a**", "abc"));
        assert!(!m("", "a"));
        assert!(m("", ""));
        assert!(!m("?", ""));
        assert!(!m("a", ""));
        // Observed on redis-server 7.0.15.
        assert!(!m("x[", "x["));
        assert!(m("x[a", "xa"));
        for k in ["x[", "x\\", "x]", "x^", "xa", "xb"] {
            assert!(m("x[^", k), "x[^ vs {k}");
            assert!(m("x[^]", k), "x[^] vs {k}");
        }
        assert!(!m("x[^a", "xa"));
        assert!(m("x\\", "x\\"));
        assert!(m("x[\\", "x\\"));
        assert!(m("x[a-", "xa"));
        assert!(!m("x[]", "x]"));
        assert!(!m("x[]]y", "x]y"));
        assert!(m("x[\\]]y", "x]y"));
        assert!(m("x[b-a]", "xa") && m("x[b-a]", "xb"));
    }

    #[test]
    fn nocase_folds_ascii_letters_only() {
        assert!(string_match(b"HeLLo", b"hello", true));
        assert!(string_match(b"h[A-C]llo", b"hbllo", true));
        assert!(!string_match(b"HeLLo", b"hello", false));
        assert!(!string_match("É".as_bytes(), "é".as_bytes(), true));
    }

    #[test]
    fn high_bytes_sort_below_ascii_in_ranges() {
        // Signed chars: 0xE9 is -23, inside [\x80-a] = [-128, 97].
        assert!(string_match(b"[\x80-a]", b"\xe9", false));
        assert!(!string_match(b"[a-\xff]", b"\xe9", false));
    }

    #[test]
    fn exponential_patterns_finish_fast() {
        let s = vec![b'a'; 50_000];
        assert!(!string_match(b"*a*a*a*a*a*a*a*a*a*a*a*a*a*a*a*a*b", &s, false));
        // Observed on redis-server 7.0.15: "a*" x 1100 does not match "a" x 1100 (nesting
        // limit), "a*" x 999 does.
        let key = vec![b'a'; 1100];
        assert!(!string_match(&b"a*".repeat(1100), &key, false));
        assert!(string_match(&b"a*".repeat(999), &key, false));
    }
}
