//! The argument vector of one command: all arguments in one byte buffer plus their end
//! offsets, so a connection reuses two allocations for every command instead of one per
//! argument.
//!
//! Layout for `SET k hello`:
//!
//! ```text
//! data: [53 45 54] [6b] [68 65 6c 6c 6f]   = "SET" "k" "hello"
//! ends: [3, 4, 9]
//! ```
//!
//! Invariant: `ends` is non-decreasing and its last entry is `data.len()`.

use super::limits::{ARGV_DATA_KEEP_MAX, ARGV_PREALLOC_MAX};

/// The arguments of one command (see the module doc).
#[derive(Clone, Default, PartialEq, Eq)]
pub struct Argv {
    data: Vec<u8>,
    ends: Vec<usize>,
}

impl Argv {
    /// An empty argv; it allocates on first use.
    pub fn new() -> Argv {
        Argv::default()
    }

    /// Number of arguments.
    pub fn len(&self) -> usize {
        self.ends.len()
    }

    /// True when there are no arguments (an empty inline line, `*0`, `*-1`).
    pub fn is_empty(&self) -> bool {
        self.ends.is_empty()
    }

    /// Argument `i`.
    ///
    /// # Panics
    /// If `i >= self.len()`, like slice indexing: that is a caller bug, not bad input.
    pub fn get(&self, i: usize) -> &[u8] {
        let start = if i == 0 { 0 } else { self.ends[i - 1] };
        &self.data[start..self.ends[i]]
    }

    /// Argument `i`, or `None` past the end.
    pub fn try_get(&self, i: usize) -> Option<&[u8]> {
        (i < self.len()).then(|| self.get(i))
    }

    /// The arguments in order.
    pub fn iter(&self) -> impl Iterator<Item = &[u8]> + '_ {
        let starts = std::iter::once(0).chain(self.ends.iter().copied());
        starts.zip(self.ends.iter().copied()).map(|(s, e)| &self.data[s..e])
    }

    /// Forgets all arguments. Keeps the allocations for the next command unless the data
    /// buffer grew beyond `ARGV_DATA_KEEP_MAX` (a big value) or the offsets beyond
    /// `ARGV_PREALLOC_MAX` slots.
    pub fn clear(&mut self) {
        self.data.clear();
        self.ends.clear();
        if self.data.capacity() > ARGV_DATA_KEEP_MAX {
            self.data = Vec::new();
        }
        if self.ends.capacity() > ARGV_PREALLOC_MAX {
            self.ends = Vec::new();
        }
    }

    /// Appends one argument.
    pub fn push(&mut self, arg: &[u8]) {
        self.data.extend_from_slice(arg);
        self.ends.push(self.data.len());
    }

    /// Appends one byte to a new last argument started by [`Argv::begin_arg`]; used by the
    /// inline splitter, which builds arguments byte by byte while unescaping.
    pub(crate) fn push_byte(&mut self, byte: u8) {
        self.data.push(byte);
    }

    /// Appends bytes to the argument being built; see [`Argv::push_byte`].
    pub(crate) fn extend_arg(&mut self, bytes: &[u8]) {
        self.data.extend_from_slice(bytes);
    }

    /// Ends the argument being built from the bytes pushed since the previous end.
    pub(crate) fn end_arg(&mut self) {
        self.ends.push(self.data.len());
    }

    /// Drops bytes pushed since the last [`Argv::end_arg`] (an inline line that turned out
    /// to have unbalanced quotes).
    pub(crate) fn truncate_args(&mut self, args: usize) {
        self.ends.truncate(args);
        let end = self.ends.last().copied().unwrap_or(0);
        self.data.truncate(end);
    }

    /// Reserves offset slots for `count` more arguments, never more than
    /// `ARGV_PREALLOC_MAX`: `count` comes off the wire.
    pub(crate) fn reserve_args(&mut self, count: usize) {
        self.ends.reserve(count.min(ARGV_PREALLOC_MAX));
    }

    /// Total bytes of all arguments (Redis's `argv_len_sum`).
    pub fn data_len(&self) -> usize {
        self.data.len()
    }

    /// Heap bytes held (capacities), for memory accounting and limit tests.
    pub fn heap_bytes(&self) -> usize {
        self.data.capacity() + self.ends.capacity() * std::mem::size_of::<usize>()
    }

    /// Copies the arguments out, one `Vec` each (for tests and slow paths only).
    pub fn to_vecs(&self) -> Vec<Vec<u8>> {
        self.iter().map(<[u8]>::to_vec).collect()
    }
}

impl std::fmt::Debug for Argv {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_list()
            .entries(self.iter().map(String::from_utf8_lossy))
            .finish()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn doc_example_layout() {
        let mut argv = Argv::new();
        for arg in [&b"SET"[..], b"k", b"hello"] {
            argv.push(arg);
        }
        assert_eq!(argv.data, b"\x53\x45\x54\x6b\x68\x65\x6c\x6c\x6f");
        assert_eq!(argv.ends, [3, 4, 9]);
        assert_eq!(argv.len(), 3);
        assert_eq!(argv.get(2), b"hello");
        assert_eq!(argv.try_get(3), None);
        assert_eq!(argv.to_vecs(), vec![b"SET".to_vec(), b"k".to_vec(), b"hello".to_vec()]);
    }

    #[test]
    fn empty_arguments_are_kept() {
        let mut argv = Argv::new();
        argv.push(b"");
        argv.push(b"x");
        argv.push(b"");
        assert_eq!(argv.to_vecs(), vec![vec![], b"x".to_vec(), vec![]]);
    }

    #[test]
    fn clear_gives_back_big_buffers_only() {
        let mut argv = Argv::new();
        argv.push(&[7u8; 100]);
        argv.clear();
        assert!(argv.is_empty());
        assert!(argv.heap_bytes() >= 100);
        argv.push(&vec![7u8; ARGV_DATA_KEEP_MAX + 1]);
        argv.clear();
        assert!(argv.heap_bytes() <= ARGV_PREALLOC_MAX * 8);
    }
}
