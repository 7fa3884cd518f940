//! SCAN cursor [MATCH pattern] [COUNT n] [TYPE t] (`scanGenericCommand`).
//!
//! The cursor is the dict's reverse-binary cursor (`dictScan`), so a key present for the whole
//! iteration is returned at least once even while the table grows, shrinks or rehashes; keys
//! may repeat. At most `COUNT * 10` buckets are visited per call, like Redis. Expired keys are
//! deleted (lazy expiry) and not returned.

use super::Ctx;
use crate::resp::Argv;
use crate::server::client::Client;
use crate::server::Server;
use crate::util::glob::string_match;

/// `parseScanCursorOrReply`: an unsigned 64-bit number, as strtoul accepts it (a leading `-`
/// wraps around, as in Redis).
pub fn parse_cursor(arg: &[u8]) -> Option<u64> {
    let text = std::str::from_utf8(arg).ok()?;
    if let Some(neg) = text.strip_prefix('-') {
        return neg.parse::<u64>().ok().map(|n| n.wrapping_neg());
    }
    text.parse::<u64>().ok()
}

struct ScanOpts<'a> {
    pattern: Option<&'a [u8]>,
    count: usize,
    type_name: Option<Vec<u8>>,
}

fn parse_opts(a: &Argv, from: usize) -> Option<ScanOpts<'_>> {
    let mut o = ScanOpts { pattern: None, count: 10, type_name: None };
    let mut i = from;
    while i < a.len() {
        if i + 1 >= a.len() {
            return None;
        }
        match a.get(i).to_ascii_lowercase().as_slice() {
            b"count" => {
                let n = super::arg_i64(a.get(i + 1))?;
                if n < 1 {
                    return None;
                }
                o.count = usize::try_from(n).unwrap_or(usize::MAX);
            }
            b"match" => o.pattern = Some(a.get(i + 1)).filter(|p| *p != b"*"),
            b"type" => o.type_name = Some(a.get(i + 1).to_ascii_lowercase()),
            _ => return None,
        }
        i += 2;
    }
    Some(o)
}

pub fn scan(s: &mut Server, c: &mut Client, a: &Argv, _: &mut Ctx) {
    let Some(mut cursor) = parse_cursor(a.get(1)) else { return c.add_error("ERR invalid cursor") };
    let Some(o) = parse_opts(a, 2) else { return c.add_syntax_error() };
    let db = c.db;
    let mut keys: Vec<Vec<u8>> = Vec::new();
    let mut budget = o.count.saturating_mul(10);
    loop {
        cursor = s.ks.dbs[db].dict.scan(cursor, |k, _| keys.push(k.to_vec()));
        budget = budget.saturating_sub(1);
        if cursor == 0 || budget == 0 || keys.len() >= o.count {
            break;
        }
    }
    keys.retain(|k| o.pattern.is_none_or(|p| string_match(p, k, false)));
    keys.retain(|k| !s.ks.expire_if_needed(db, k));
    if let Some(t) = &o.type_name {
        keys.retain(|k| s.ks.dbs[db].dict.get(&k[..]).is_some_and(|e| e.value.type_name().as_bytes() == t.as_slice()));
    }
    c.add_array_len(2);
    c.add_bulk(cursor.to_string().as_bytes());
    c.add_array_len(keys.len());
    for k in &keys {
        c.add_bulk(k);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cursor_parses_like_strtoul() {
        assert_eq!(parse_cursor(b"0"), Some(0));
        assert_eq!(parse_cursor(b"-1"), Some(u64::MAX));
        assert_eq!(parse_cursor(b"18446744073709551615"), Some(u64::MAX));
        assert_eq!(parse_cursor(b"18446744073709551616"), None);
        assert_eq!(parse_cursor(b"x"), None);
    }
}
