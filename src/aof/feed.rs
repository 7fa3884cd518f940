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

/// Drain `s.ks.effects`; when AOF is on (or a rewrite is collecting), append them.
pub fn feed(s: &mut Server) {
    if s.ks.effects.is_empty() {
        return;
    }
    let effects = std::mem::take(&mut s.ks.effects);
    let aof = &mut s.aof;
    let to_buf = aof.status == AofStatus::On && !aof.loading;
    let to_rewrite = aof.rewrite.is_some() && !aof.loading;
    if to_buf || to_rewrite {
        let mut bytes = Vec::new();
        for effect in &effects {
            if aof.selected_db != Some(effect.db) {
                let db = effect.db.to_string();
                append_command(&mut bytes, &[b"SELECT", db.as_bytes()]);
                aof.selected_db = Some(effect.db);
            }
            append_command(&mut bytes, &effect.argv);
        }
        if to_buf {
            aof.buf.extend_from_slice(&bytes);
        }
        if let (true, Some(run)) = (to_rewrite, aof.rewrite.as_mut()) {
            run.buf.extend_from_slice(&bytes);
        }
    }
    // Give the (now empty) vector back so its capacity is reused by the next command.
    let mut effects = effects;
    effects.clear();
    s.ks.effects = effects;
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
    out.extend_from_slice(n.to_string().as_bytes());
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
