//! `SmallBytes`: an immutable byte string that stores up to [`INLINE_MAX`] bytes inline and
//! longer ones in one boxed slice — the keyspace's key type and the storage of short string
//! values, so a typical key or value costs no allocation of its own (Redis gets the same
//! effect with embstr objects and sds headers sized to the string).
//!
//! Layout: 24 bytes, like a `Vec` header. `Inline` holds the length and the bytes;
//! `Heap` holds a `Box<[u8]>` (16 bytes). Hashing and comparison are exactly those of `[u8]`,
//! so a `Dict<SmallBytes, _>` can be looked up with a `&[u8]` (`Borrow<[u8]>`).

use std::borrow::Borrow;
use std::fmt;
use std::hash::{Hash, Hasher};
use std::ops::Deref;

/// Longest byte string stored inline.
pub const INLINE_MAX: usize = 22;

#[derive(Clone)]
pub enum SmallBytes {
    Inline { len: u8, buf: [u8; INLINE_MAX] },
    Heap(Box<[u8]>),
}

impl SmallBytes {
    pub fn new(bytes: &[u8]) -> SmallBytes {
        if bytes.len() <= INLINE_MAX {
            let mut buf = [0u8; INLINE_MAX];
            buf[..bytes.len()].copy_from_slice(bytes);
            SmallBytes::Inline { len: bytes.len() as u8, buf }
        } else {
            SmallBytes::Heap(Box::from(bytes))
        }
    }

    pub fn as_slice(&self) -> &[u8] {
        match self {
            SmallBytes::Inline { len, buf } => &buf[..usize::from(*len)],
            SmallBytes::Heap(b) => b,
        }
    }

    /// Bytes allocated on the heap for this string (0 when inline).
    pub fn heap_bytes(&self) -> usize {
        match self {
            SmallBytes::Inline { .. } => 0,
            SmallBytes::Heap(b) => b.len(),
        }
    }
}

impl Deref for SmallBytes {
    type Target = [u8];
    fn deref(&self) -> &[u8] {
        self.as_slice()
    }
}

impl AsRef<[u8]> for SmallBytes {
    fn as_ref(&self) -> &[u8] {
        self.as_slice()
    }
}

impl Borrow<[u8]> for SmallBytes {
    fn borrow(&self) -> &[u8] {
        self.as_slice()
    }
}

impl From<&[u8]> for SmallBytes {
    fn from(bytes: &[u8]) -> SmallBytes {
        SmallBytes::new(bytes)
    }
}

impl From<Vec<u8>> for SmallBytes {
    fn from(bytes: Vec<u8>) -> SmallBytes {
        if bytes.len() <= INLINE_MAX {
            SmallBytes::new(&bytes)
        } else {
            SmallBytes::Heap(bytes.into_boxed_slice())
        }
    }
}

impl PartialEq for SmallBytes {
    fn eq(&self, other: &SmallBytes) -> bool {
        self.as_slice() == other.as_slice()
    }
}

impl Eq for SmallBytes {}

impl PartialOrd for SmallBytes {
    fn partial_cmp(&self, other: &SmallBytes) -> Option<std::cmp::Ordering> {
        Some(self.cmp(other))
    }
}

impl Ord for SmallBytes {
    fn cmp(&self, other: &SmallBytes) -> std::cmp::Ordering {
        self.as_slice().cmp(other.as_slice())
    }
}

impl Hash for SmallBytes {
    fn hash<H: Hasher>(&self, state: &mut H) {
        self.as_slice().hash(state);
    }
}

impl fmt::Debug for SmallBytes {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{:?}", String::from_utf8_lossy(self.as_slice()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::hash::BuildHasher;

    #[test]
    fn short_strings_are_inline_and_long_ones_boxed() {
        assert_eq!(std::mem::size_of::<SmallBytes>(), 24);
        let short = SmallBytes::new(b"key:12345");
        assert_eq!(short.heap_bytes(), 0);
        assert_eq!(&*short, b"key:12345");
        let long = SmallBytes::new(&[7u8; 23]);
        assert_eq!(long.heap_bytes(), 23);
        assert_eq!(long.len(), 23);
        assert_eq!(SmallBytes::from(vec![1u8; 40]).as_slice(), &[1u8; 40][..]);
    }

    #[test]
    fn hashes_like_the_byte_slice_it_borrows_as() {
        let state = crate::env::KeyedState::fixed();
        for s in [&b""[..], b"a", b"exactly-twenty-two-b!!", b"longer than twenty-two bytes"] {
            assert_eq!(state.hash_one(SmallBytes::new(s)), state.hash_one(s));
        }
    }
}
