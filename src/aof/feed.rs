//! Feeding (`feedAppendOnlyFile`): the effects of executed commands, already in Redis's
//! propagated form (absolute `PEXPIREAT` / `SET … PXAT`, `DEL` for expiry, `SET … KEEPTTL`
//! for INCRBYFLOAT, MULTI…EXEC kept together), are encoded as RESP multibulk commands
//! (`catAppendOnlyGenericCommand`) and appended to `aof_buf`, preceded by a `SELECT` whenever
//! the db differs from the last one written.
//!
//! While a rewrite child runs, the same bytes also go to the rewrite buffer: the child's
//! snapshot plus the rewrite buffer is then exactly the state after every fed effect. The
//! rewrite starts with `selected_db = None`, so the first effect after the fork carries a
//! `SELECT` in both streams.
//!
//! `SET k v` in db 0 with db 3 last selected:
//! `*2\r\n$6\r\nSELECT\r\n$1\r\n0\r\n*3\r\n$3\r\nSET\r\n$1\r\nk\r\n$1\r\nv\r\n`.

use super::AofStatus;
use crate::server::Server;
use crate::util::number::{with_i64_str, write_u64};

/// Drain `s.ks.effects`; when AOF is on (or a rewrite is collecting), append them.
///
/// The effects are encoded straight into `aof_buf` (or, with AOF off and a rewrite running,
/// into the rewrite buffer): no scratch vector and no heap-formatted lengths per command, as
/// `catAppendOnlyGenericCommand` formats its lengths on the stack. This runs once per
/// executed write command, so its allocations are paid at the full request rate.
pub fn feed(s: &mut Server) {
    if s.ks.effects.is_empty() {
        return;
    }
    let aof = &mut s.aof;
    let to_buf = aof.status == AofStatus::On && !aof.loading;
    let to_rewrite = aof.rewrite.is_some() && !aof.loading;
    if to_buf {
        let start = aof.buf.len();
        encode(&mut aof.buf, &mut aof.selected_db, &s.ks.effects);
        if let (true, Some(run)) = (to_rewrite, aof.rewrite.as_mut()) {
            run.buf.extend_from_slice(&aof.buf[start..]);
        }
    } else if let (true, Some(run)) = (to_rewrite, aof.rewrite.as_mut()) {
        encode(&mut run.buf, &mut aof.selected_db, &s.ks.effects);
    }
    // Keep the (now empty) vector: its capacity is reused by the next command.
    s.ks.effects.clear();
}

/// Append `effects` to `out`, each preceded by a `SELECT` when its db is not `selected_db`.
fn encode(out: &mut Vec<u8>, selected_db: &mut Option<usize>, effects: &[crate::keyspace::Effect]) {
    for effect in effects {
        if *selected_db != Some(effect.db) {
            with_i64_str(effect.db as i64, |db| append_command(out, &[b"SELECT".as_slice(), db]));
            *selected_db = Some(effect.db);
        }
        append_command(out, &effect.argv);
    }
}

/// Append one command as a RESP multibulk (`*<argc>\r\n` then `$<len>\r\n<arg>\r\n` each).
pub fn append_command<A: AsRef<[u8]>>(out: &mut Vec<u8>, argv: &[A]) {
    push_header(out, b'*', argv.len());
    for arg in argv {
        let arg = arg.as_ref();
        push_header(out, b'$', arg.len());
        out.extend_from_slice(arg);
        out.extend_from_slice(b"\r\n");
    }
}

fn push_header(out: &mut Vec<u8>, kind: u8, n: usize) {
    out.push(kind);
    write_u64(out, n as u64);
    out.extend_from_slice(b"\r\n");
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn doc_example_select_then_set() {
        let mut out = Vec::new();
        append_command(&mut out, &[b"SELECT".as_slice(), b"0"]);
        append_command(&mut out, &[b"SET".as_slice(), b"k", b"v"]);
        assert_eq!(out, b"*2\r\n$6\r\nSELECT\r\n$1\r\n0\r\n*3\r\n$3\r\nSET\r\n$1\r\nk\r\n$1\r\nv\r\n");
        assert_eq!(&out[..12], &[0x2a, 0x32, 0x0d, 0x0a, 0x24, 0x36, 0x0d, 0x0a, 0x53, 0x45, 0x4c, 0x45]);
    }

    #[test]
    fn empty_and_binary_arguments_are_length_prefixed() {
        let mut out = Vec::new();
        append_command(&mut out, &[b"SET".to_vec(), Vec::new(), b"a\r\nb".to_vec()]);
        assert_eq!(out, b"*3\r\n$3\r\nSET\r\n$0\r\n\r\n$4\r\na\r\nb\r\n");
    }
}
