//! A byte cursor that turns fuzzer bytes into structured choices (the role `arbitrary`'s
//! `Unstructured` plays), written here so the same checks compile in the fuzz crate and in
//! `tests/fuzz_replay.rs`, where `arbitrary` is not a dependency.
//!
//! Every read succeeds: past the end it yields zeros and empty slices, so any byte string is a
//! valid input and the fuzzer's mutations map to nearby structures.

pub struct Input<'a> {
    data: &'a [u8],
}

impl<'a> Input<'a> {
    pub fn new(data: &'a [u8]) -> Input<'a> {
        Input { data }
    }

    pub fn is_empty(&self) -> bool {
        self.data.is_empty()
    }

    pub fn u8(&mut self) -> u8 {
        let Some((&b, rest)) = self.data.split_first() else { return 0 };
        self.data = rest;
        b
    }

    pub fn bool(&mut self) -> bool {
        self.u8() & 1 == 1
    }

    pub fn u16(&mut self) -> u16 {
        u16::from_le_bytes([self.u8(), self.u8()])
    }

    pub fn u64(&mut self) -> u64 {
        let mut b = [0u8; 8];
        for x in &mut b {
            *x = self.u8();
        }
        u64::from_le_bytes(b)
    }

    /// A number in `0..n` (`n > 0`).
    pub fn below(&mut self, n: usize) -> usize {
        usize::from(self.u8()) % n
    }

    /// The next `n` bytes (fewer at the end).
    pub fn bytes(&mut self, n: usize) -> &'a [u8] {
        let (head, rest) = self.data.split_at(n.min(self.data.len()));
        self.data = rest;
        head
    }

    /// A blob with a `u16` little-endian length prefix.
    pub fn blob(&mut self) -> &'a [u8] {
        let n = usize::from(self.u16());
        self.bytes(n)
    }

    /// A short value: a length byte (0..=63) then that many bytes.
    pub fn short(&mut self) -> &'a [u8] {
        let n = usize::from(self.u8() % 64);
        self.bytes(n)
    }

    pub fn rest(&mut self) -> &'a [u8] {
        std::mem::take(&mut self.data)
    }

    /// An integer likely to straddle encoding boundaries (int8/16/24/32/64, immediates).
    pub fn int(&mut self) -> i64 {
        match self.u8() % 6 {
            0 => i64::from(self.u8() % 13),
            1 => i64::from(self.u8() as i8),
            2 => i64::from(self.u16() as i16),
            3 => i64::from(self.u64() as i32),
            4 => (self.u64() as i64) >> (self.u8() % 64),
            _ => self.u64() as i64,
        }
    }

    /// A value as a ziplist/listpack would be given it: text that may or may not be a
    /// canonical integer.
    pub fn value(&mut self) -> Vec<u8> {
        if self.bool() {
            self.int().to_string().into_bytes()
        } else {
            self.short().to_vec()
        }
    }
}

/// Wrap `blob` for [`Input::blob`] (seed generation).
pub fn with_len_prefix(blob: &[u8], ops: &[u8]) -> Vec<u8> {
    let n = u16::try_from(blob.len()).expect("seed blobs are under 64 KiB");
    let mut out = n.to_le_bytes().to_vec();
    out.extend_from_slice(blob);
    out.extend_from_slice(ops);
    out
}
