//! LZF (liblzf 3.x, as vendored by Redis): compression of RDB strings and quicklist nodes.
//!
//! Stream format, a sequence of chunks, each starting with a control byte `ctrl`:
//! - `ctrl < 0x20`: a literal run; the next `ctrl + 1` bytes are copied to the output.
//! - otherwise a back reference: `len = ctrl >> 5`; if `len == 7` the next byte is added to it;
//!   then one byte `lo`; copy `len + 2` bytes starting `((ctrl & 0x1f) << 8) + lo + 1` bytes
//!   back from the current end of the output (the source may overlap the bytes being written).
//!
//! Example: `[02 61 62 63] [e0 06 02]` decodes to `"abcabcabcabcabcabc"` (18 bytes): a literal
//! run of 3 bytes `"abc"`, then a reference with `len = 7 + 6 = 13`, copying 15 bytes from 3
//! bytes back (the unit test below decodes it). The compressor's own output for that input
//! differs (liblzf never references input offset 0, and a match never covers the last two
//! input bytes) but decodes to the same.
//!
//! The compressor is lzf_c.c's algorithm ("very fast" re-hashing after a match) with a zeroed
//! hash table, so its output is deterministic. The table has 2^HLOG slots with HLOG 16 as in
//! lzf for inputs of 64 KiB and more, and just enough slots for smaller inputs (at least 2^8):
//! zeroing lzf's 64 Ki-slot table for every 100-byte value made SAVE spend 86% of its time in
//! memset. A smaller table only changes which earlier match is found, never the format. Decompression checks every length and
//! offset against the input and against a caller-given output limit, so no input panics and no
//! untrusted length sizes an allocation beyond that limit.

use super::Corrupt;

const HLOG_MAX: u32 = 16;
const HLOG_MIN: u32 = 8;
const MAX_LIT: usize = 1 << 5;
const MAX_OFF: usize = 1 << 13;
const MAX_REF: usize = (1 << 8) + (1 << 3);

/// lzf's hash of the 3 bytes in `h` into a table of 2^`hlog` slots.
fn idx(h: u32, hlog: u32) -> usize {
    ((((h ^ (h << 5)) >> (24 - hlog)).wrapping_sub(h.wrapping_mul(5))) as usize) & ((1 << hlog) - 1)
}

/// log2 of the hash table size for an input of `n` bytes.
fn table_log(n: usize) -> u32 {
    n.next_power_of_two().trailing_zeros().clamp(HLOG_MIN, HLOG_MAX)
}

/// Compress `input`; `None` when the result would not be strictly smaller (lzf_compress
/// returning 0 for an output buffer of `input.len() - 1`).
pub fn compress(input: &[u8]) -> Option<Vec<u8>> {
    compress_max(input, input.len().checked_sub(1)?)
}

/// Compress `input` into at most `out_max` bytes, or `None` if it does not fit (Redis's RDB
/// writer passes `len - 4`, the quicklist passes the node size).
pub fn compress_max(input: &[u8], out_max: usize) -> Option<Vec<u8>> {
    if input.is_empty() || out_max == 0 {
        return None;
    }
    let mut c = Compressor { input, out: vec![0u8; out_max + 8], op: 1, lit: 0, out_max };
    c.run()?;
    let mut out = c.out;
    out.truncate(c.op);
    (out.len() <= out_max).then_some(out)
}

struct Compressor<'a> {
    input: &'a [u8],
    /// Output with 8 bytes of slack past `out_max`, so the tail handling needs no index checks;
    /// the final length is checked against `out_max`.
    out: Vec<u8>,
    op: usize,
    lit: usize,
    out_max: usize,
}

impl Compressor<'_> {
    fn run(&mut self) -> Option<()> {
        let input = self.input;
        let n = input.len();
        // htab[slot] = position + 1 of the last 3-byte sequence with that hash (0 = empty).
        let hlog = table_log(n);
        let mut htab = vec![0usize; 1 << hlog];
        let mut ip = 0usize;
        let mut hval = if n >= 2 { (u32::from(input[0]) << 8) | u32::from(input[1]) } else { 0 };
        while n >= 3 && ip < n - 2 {
            hval = (hval << 8) | u32::from(input[ip + 2]);
            let slot = idx(hval, hlog);
            let reference = htab[slot];
            htab[slot] = ip + 1;
            match reference.checked_sub(1).filter(|&r| self.is_match(r, ip)) {
                Some(r) => {
                    ip = self.emit_match(r, ip)?;
                    if ip >= n - 2 {
                        break;
                    }
                    // Hash the two positions the match skipped over (lzf's VERY_FAST mode).
                    ip -= 2;
                    hval = (u32::from(input[ip]) << 8) | u32::from(input[ip + 1]);
                    for _ in 0..2 {
                        hval = (hval << 8) | u32::from(input[ip + 2]);
                        htab[idx(hval, hlog)] = ip + 1;
                        ip += 1;
                    }
                }
                None => {
                    if self.op >= self.out_max {
                        return None;
                    }
                    self.literal(input[ip]);
                    ip += 1;
                }
            }
        }
        if self.op + 3 > self.out_max {
            return None;
        }
        while ip < n {
            self.literal(input[ip]);
            ip += 1;
        }
        self.close_run();
        Some(())
    }

    fn is_match(&self, r: usize, ip: usize) -> bool {
        let input = self.input;
        r < ip && ip - r - 1 < MAX_OFF && r > 0 && input[r..r + 3] == input[ip..ip + 3]
    }

    fn literal(&mut self, b: u8) {
        self.out[self.op] = b;
        self.op += 1;
        self.lit += 1;
        if self.lit == MAX_LIT {
            self.close_run();
            self.op += 1;
        }
    }

    /// Write the pending literal run's control byte (or drop the reserved byte if empty).
    fn close_run(&mut self) {
        if self.lit > 0 {
            self.out[self.op - self.lit - 1] = (self.lit - 1) as u8;
        } else {
            self.op -= 1;
        }
        self.lit = 0;
    }

    /// Emit a back reference for the match at `r` against `ip`; returns the new `ip`.
    fn emit_match(&mut self, r: usize, ip: usize) -> Option<usize> {
        let input = self.input;
        let maxlen = (input.len() - ip - 2).min(MAX_REF);
        let lit_empty = usize::from(self.lit == 0);
        if self.op + 4 >= self.out_max && self.op - lit_empty + 4 >= self.out_max {
            return None;
        }
        self.close_run();
        let mut len = 2;
        loop {
            len += 1;
            if !(len < maxlen && input[r + len] == input[ip + len]) {
                break;
            }
        }
        let len = len - 2;
        let off = ip - r - 1;
        if len < 7 {
            self.push(((off >> 8) + (len << 5)) as u8);
        } else {
            self.push(((off >> 8) + (7 << 5)) as u8);
            self.push((len - 7) as u8);
        }
        self.push(off as u8);
        self.op += 1; // reserve the next run's control byte
        Some(ip + 1 + len + 1)
    }

    fn push(&mut self, b: u8) {
        self.out[self.op] = b;
        self.op += 1;
    }
}

/// Decompress an LZF stream that must expand to exactly `expected_len` bytes, refusing any
/// `expected_len` above `max_len` before allocating (the caller's limit, e.g. the RDB loader's
/// string size limit or a quicklist node's size).
pub fn decompress(input: &[u8], expected_len: usize, max_len: usize) -> Result<Vec<u8>, Corrupt> {
    if expected_len > max_len {
        return Err(Corrupt::at(0, "lzf: declared length over the limit"));
    }
    if input.is_empty() {
        return Err(Corrupt::at(0, "lzf: empty stream"));
    }
    let mut out: Vec<u8> = Vec::with_capacity(expected_len);
    let mut ip = 0usize;
    while ip < input.len() {
        let ctrl = usize::from(input[ip]);
        ip += 1;
        if ctrl < 0x20 {
            let run = ctrl + 1;
            let lits = input.get(ip..ip + run).ok_or(Corrupt::at(ip, "lzf: literal past input"))?;
            if out.len() + run > expected_len {
                return Err(Corrupt::at(ip, "lzf: output longer than declared"));
            }
            out.extend_from_slice(lits);
            ip += run;
        } else {
            ip = back_reference(input, ip, ctrl, &mut out, expected_len)?;
        }
    }
    if out.len() != expected_len {
        return Err(Corrupt::at(input.len(), "lzf: output shorter than declared"));
    }
    Ok(out)
}

fn back_reference(
    input: &[u8],
    mut ip: usize,
    ctrl: usize,
    out: &mut Vec<u8>,
    expected_len: usize,
) -> Result<usize, Corrupt> {
    let mut len = ctrl >> 5;
    let truncated = Corrupt::at(ip, "lzf: back reference past input");
    if len == 7 {
        len += usize::from(*input.get(ip).ok_or(truncated.clone())?);
        ip += 1;
    }
    let lo = usize::from(*input.get(ip).ok_or(truncated)?);
    ip += 1;
    let back = ((ctrl & 0x1f) << 8) + lo + 1;
    let count = len + 2;
    if out.len() + count > expected_len {
        return Err(Corrupt::at(ip, "lzf: output longer than declared"));
    }
    let start = out
        .len()
        .checked_sub(back)
        .ok_or(Corrupt::at(ip, "lzf: back reference before output start"))?;
    for i in 0..count {
        let b = out[start + i];
        out.push(b);
    }
    Ok(ip)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn doc_example_decodes() {
        let stream = [0x02, 0x61, 0x62, 0x63, 0xe0, 0x06, 0x02];
        let out = decompress(&stream, 18, 18).expect("valid stream");
        assert_eq!(out, b"abcabcabcabcabcabc");
        let ours = compress(b"abcabcabcabcabcabc").expect("compressible");
        assert_eq!(ours, [0x03, 0x61, 0x62, 0x63, 0x61, 0xe0, 0x03, 0x02, 0x01, 0x62, 0x63]);
        assert_eq!(decompress(&ours, 18, 18).expect("valid"), out);
    }

    #[test]
    fn incompressible_and_tiny_inputs_return_none() {
        assert_eq!(compress(b""), None);
        assert_eq!(compress(b"a"), None);
        assert_eq!(compress(b"abcdefgh"), None);
    }

    #[test]
    fn round_trips_long_runs_and_max_literals() {
        let mut data = vec![b'x'; 5000];
        data.extend((0..300u32).map(|i| (i * 151 % 251) as u8));
        let c = compress(&data).expect("compressible");
        assert_eq!(decompress(&c, data.len(), data.len()).expect("valid"), data);
    }

    #[test]
    fn rejects_bad_streams() {
        assert!(decompress(&[0x02, 0x61], 3, 10).is_err()); // literal past input
        assert!(decompress(&[0x00, 0x61, 0x20, 0x05], 4, 10).is_err()); // ref before start
        assert!(decompress(&[0x00, 0x61], 1, 0).is_err()); // over the limit
        assert!(decompress(&[0x00, 0x61], 2, 10).is_err()); // shorter than declared
        assert!(decompress(&[0xe0], 9, 10).is_err()); // truncated reference
    }
}
