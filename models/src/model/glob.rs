//! Redis's glob matcher (`stringmatchlen` in util.c), byte for byte, for KEYS and SCAN MATCH.
//!
//! Syntax: `*` any run, `?` one byte, `[abc]`, `[^a]`, `[a-z]` (reversed ranges are swapped),
//! `\x` a literal `x`. Quirks kept on purpose: an unterminated `[` ends the class at the end of
//! the pattern, range bounds compare as signed `char` like C does, and `*` matching is pruned
//! with Redis's `skipLongerMatches` flag, which keeps the cost polynomial.

/// Does `string` match `pattern` (case-sensitive)?
pub fn matches(pattern: &[u8], string: &[u8]) -> bool {
    let mut skip_longer = false;
    match_impl(pattern, string, &mut skip_longer)
}

/// The byte at `i`, or NUL past the end (the C code reads the sds terminator there).
fn at(s: &[u8], i: usize) -> u8 {
    s.get(i).copied().unwrap_or(0)
}

fn match_impl(pattern: &[u8], string: &[u8], skip_longer: &mut bool) -> bool {
    let (mut p, mut s) = (0usize, 0usize);
    while p < pattern.len() && s < string.len() {
        match pattern[p] {
            b'*' => {
                while p + 1 < pattern.len() && pattern[p + 1] == b'*' {
                    p += 1;
                }
                if p + 1 == pattern.len() {
                    return true;
                }
                while s < string.len() {
                    if match_impl(&pattern[p + 1..], &string[s..], skip_longer) {
                        return true;
                    }
                    if *skip_longer {
                        return false;
                    }
                    s += 1;
                }
                *skip_longer = true;
                return false;
            }
            b'?' => s += 1,
            b'[' => match class(pattern, p, string[s]) {
                (true, end) => {
                    p = end;
                    s += 1;
                }
                (false, _) => return false,
            },
            b'\\' if pattern.len() - p >= 2 => {
                p += 1;
                if pattern[p] != string[s] {
                    return false;
                }
                s += 1;
            }
            c => {
                if c != string[s] {
                    return false;
                }
                s += 1;
            }
        }
        p += 1;
        if s == string.len() {
            while p < pattern.len() && pattern[p] == b'*' {
                p += 1;
            }
            break;
        }
    }
    p == pattern.len() && s == string.len()
}

/// Match one `[...]` class starting at `pattern[open]` against byte `c`.
/// Returns (matched, index of the class's last byte).
fn class(pattern: &[u8], open: usize, c: u8) -> (bool, usize) {
    let mut p = open + 1;
    let not = at(pattern, p) == b'^';
    if not {
        p += 1;
    }
    let mut matched = false;
    loop {
        let left = pattern.len().saturating_sub(p);
        if at(pattern, p) == b'\\' && left >= 2 {
            p += 1;
            matched |= pattern[p] == c;
        } else if at(pattern, p) == b']' && left >= 1 {
            break;
        } else if left == 0 {
            p -= 1;
            break;
        } else if left >= 3 && pattern[p + 1] == b'-' {
            let (mut lo, mut hi) = (pattern[p] as i8, pattern[p + 2] as i8);
            if lo > hi {
                std::mem::swap(&mut lo, &mut hi);
            }
            p += 2;
            matched |= (lo..=hi).contains(&(c as i8));
        } else {
            matched |= pattern[p] == c;
        }
        p += 1;
    }
    (matched != not, p)
}

#[cfg(test)]
mod tests {
    use super::matches;

    #[test]
    fn glob_follows_redis_stringmatchlen() {
        assert!(matches(b"*", b"anything"));
        assert!(matches(b"h?llo", b"hello"));
        assert!(!matches(b"h?llo", b"hllo"));
        assert!(matches(b"h[ae]llo", b"hallo"));
        assert!(!matches(b"h[^e]llo", b"hello"));
        assert!(matches(b"h[a-b]llo", b"hbllo"));
        assert!(matches(b"h[b-a]llo", b"hallo"));
        assert!(matches(b"h\\*llo", b"h*llo"));
        assert!(!matches(b"h\\*llo", b"hello"));
        assert!(matches(b"a*b*c", b"aXXbYYc"));
        assert!(!matches(b"a*b*c", b"aXXbYY"));
        assert!(
            !matches(b"k[", b"k["),
            "an unterminated class never matches"
        );
        assert!(matches(b"ab*", b"ab"));
    }
}
