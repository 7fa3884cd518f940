//! How a rewrite writes one key (`rewriteAppendOnlyFileRio`): the shortest commands that
//! recreate it, then its TTL as an absolute `PEXPIREAT`. Keys already expired at the fork time
//! are skipped.
//!
//! ```text
//! SET k v                       *3\r\n$3\r\nSET\r\n$1\r\nk\r\n$1\r\nv\r\n
//! PEXPIREAT k 1796315011697     *3\r\n$9\r\nPEXPIREAT\r\n$1\r\nk\r\n$13\r\n1796315011697\r\n
//! ```
//!
//! Collections (when the engine has them) are written with at most
//! [`AOF_REWRITE_ITEMS_PER_CMD`] items per command by [`emit_batched`]: `RPUSH`/`SADD` with one
//! argument per item, `HMSET`/`ZADD` with two (Redis's `rewriteListObject` & co.). Streams
//! are written entry by entry, then their counters and groups (`emit_stream`).

use super::feed::append_command;
use crate::object::{Stored, Value};

/// Items per command in a rewrite (Redis's `AOF_REWRITE_ITEMS_PER_CMD`).
pub const AOF_REWRITE_ITEMS_PER_CMD: usize = 64;

/// Append the commands recreating `key` to `out`; nothing if it is expired at `now_ms`.
pub fn emit_key(out: &mut Vec<u8>, key: &[u8], entry: &Stored, expire_ms: Option<i64>, now_ms: i64) {
    if expire_ms.is_some_and(|when| when < now_ms) {
        return;
    }
    match &entry.value {
        Value::Str(s) => append_command(out, &[b"SET".as_slice(), key, &s.to_bytes()]),
        other => emit_aggregate(out, key, other),
    }
    if let Some(when) = expire_ms {
        append_command(out, &[b"PEXPIREAT".as_slice(), key, when.to_string().as_bytes()]);
    }
}

/// Lists as RPUSH, sets as SADD, hashes as HMSET, sorted sets as ZADD (score as `%.17g`),
/// in batches of at most [`AOF_REWRITE_ITEMS_PER_CMD`] items.
fn emit_aggregate(out: &mut Vec<u8>, key: &[u8], value: &Value) {
    use crate::rdb::value::LoadedValue;
    match LoadedValue::from_engine(value) {
        LoadedValue::Str(s) => append_command(out, &[b"SET".as_slice(), key, &s]),
        LoadedValue::List(v) => emit_batched(out, b"RPUSH", key, 1, v.iter().map(|e| vec![e.as_slice()])),
        LoadedValue::Set(v) => emit_batched(out, b"SADD", key, 1, v.iter().map(|e| vec![e.as_slice()])),
        LoadedValue::Hash(v) => emit_batched(out, b"HMSET", key, 2, v.iter().map(|(f, x)| vec![f.as_slice(), x.as_slice()])),
        LoadedValue::ZSet(v) => {
            let scores: Vec<String> = v.iter().map(|(_, s)| crate::util::number::d2string(*s)).collect();
            emit_batched(out, b"ZADD", key, 2, v.iter().zip(&scores).map(|((m, _), s)| vec![s.as_bytes(), m.as_slice()]));
        }
        LoadedValue::Stream(s) => emit_stream(out, key, &s),
        LoadedValue::Adopted(v) => emit_aggregate(out, key, &v),
    }
}

/// A stream as Redis 7.0's `rewriteStreamObject` writes it: one XADD per entry (an empty
/// stream: `XADD key MAXLEN 0 0-1 x y`), XSETID with the counters, then per group XGROUP
/// CREATE with ENTRIESREAD, and per consumer either XGROUP CREATECONSUMER (nothing pending) or
/// one `XCLAIM key group consumer 0 id TIME t RETRYCOUNT n JUSTID FORCE` per pending entry.
fn emit_stream(out: &mut Vec<u8>, key: &[u8], s: &crate::types::stream::Stream) {
    for (id, fields) in &s.entries {
        let id = id.to_vec();
        let mut argv: Vec<&[u8]> = vec![b"XADD", key, &id];
        argv.extend(fields.iter().map(|f| f.as_slice()));
        append_command(out, &argv);
    }
    if s.is_empty() {
        append_command(out, &[b"XADD".as_slice(), key, b"MAXLEN", b"0", b"0-1", b"x", b"y"]);
    }
    let (last, added, max_del) = (s.last_id.to_vec(), s.entries_added.to_string(), s.max_deleted_id.to_vec());
    append_command(out, &[b"XSETID".as_slice(), key, &last, b"ENTRIESADDED", added.as_bytes(), b"MAXDELETEDID", &max_del]);
    for (name, g) in &s.groups {
        let (gid, read) = (g.last_id.to_vec(), g.entries_read.to_string());
        append_command(out, &[b"XGROUP".as_slice(), b"CREATE", key, name, &gid, b"ENTRIESREAD", read.as_bytes()]);
        for (cname, c) in &g.consumers {
            if c.pel.is_empty() {
                append_command(out, &[b"XGROUP".as_slice(), b"CREATECONSUMER", key, name, cname]);
            }
            for id in &c.pel {
                let Some(nack) = g.pel.get(id) else { continue };
                let (id, t, n) = (id.to_vec(), nack.delivery_time.to_string(), nack.delivery_count.to_string());
                let argv: [&[u8]; 12] = [b"XCLAIM", key, name, cname, b"0", &id, b"TIME", t.as_bytes(), b"RETRYCOUNT", n.as_bytes(), b"JUSTID", b"FORCE"];
                append_command(out, &argv);
            }
        }
    }
}

/// Write `items` (each `width` arguments: 1 for lists and sets, 2 for hashes and zsets) as
/// `cmd key item…` commands of at most [`AOF_REWRITE_ITEMS_PER_CMD`] items each.
pub fn emit_batched<'a, I>(out: &mut Vec<u8>, cmd: &[u8], key: &[u8], width: usize, items: I)
where
    I: IntoIterator<Item = Vec<&'a [u8]>>,
{
    let mut argv: Vec<&[u8]> = Vec::with_capacity(2 + AOF_REWRITE_ITEMS_PER_CMD * width);
    let mut count = 0;
    for item in items {
        if count == 0 {
            argv.clear();
            argv.push(cmd);
            argv.push(key);
        }
        debug_assert_eq!(item.len(), width, "every item of a {} has {width} arguments", String::from_utf8_lossy(cmd));
        argv.extend(item);
        count += 1;
        if count == AOF_REWRITE_ITEMS_PER_CMD {
            append_command(out, &argv);
            count = 0;
        }
    }
    if count > 0 {
        append_command(out, &argv);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::object::Str;

    #[test]
    fn doc_example_string_with_ttl() {
        let entry = Stored { value: Value::Str(Str::from_bytes(b"v")) };
        let mut out = Vec::new();
        emit_key(&mut out, b"k", &entry, Some(1796315011697), 1);
        let want = b"*3\r\n$3\r\nSET\r\n$1\r\nk\r\n$1\r\nv\r\n*3\r\n$9\r\nPEXPIREAT\r\n$1\r\nk\r\n$13\r\n1796315011697\r\n";
        assert_eq!(out, want);
    }

    #[test]
    fn expired_key_is_skipped() {
        let entry = Stored { value: Value::Str(Str::from_bytes(b"12")) };
        let mut out = Vec::new();
        emit_key(&mut out, b"k", &entry, Some(5), 6);
        assert!(out.is_empty());
        emit_key(&mut out, b"k", &entry, Some(6), 6);
        assert!(out.starts_with(b"*3\r\n$3\r\nSET\r\n$1\r\nk\r\n$2\r\n12\r\n"));
    }

    #[test]
    fn batches_hold_at_most_64_items() {
        let members: Vec<String> = (0..130).map(|i| i.to_string()).collect();
        let mut out = Vec::new();
        emit_batched(&mut out, b"SADD", b"s", 1, members.iter().map(|m| vec![m.as_bytes()]));
        let headers: Vec<&[u8]> = out.split(|&b| b == b'\n').filter(|l| l.starts_with(b"*")).collect();
        assert_eq!(headers, vec![b"*66\r".as_slice(), b"*66\r", b"*4\r"]);
        let mut out = Vec::new();
        let pairs = [("f1", "v1"), ("f2", "v2")];
        emit_batched(&mut out, b"HMSET", b"h", 2, pairs.iter().map(|(f, v)| vec![f.as_bytes(), v.as_bytes()]));
        assert_eq!(out, b"*6\r\n$5\r\nHMSET\r\n$1\r\nh\r\n$2\r\nf1\r\n$2\r\nv1\r\n$2\r\nf2\r\n$2\r\nv2\r\n");
    }
}
