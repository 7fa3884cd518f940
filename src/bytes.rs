//! `SmallBytes`: an immutable byte string that stores up to [`INLINE_MAX`] bytes inline and
//! longer ones in one boxed slice — the keyspace's key type and the storage of short string
//! values, so a typical key or value costs no allocation of its own (Redis gets the same
//! effect with embstr objects and sds headers sized to the string).
//!
//! Layout: 24 bytes, like a `Vec` header. `Inline` holds the length and the bytes;
//! `Heap` holds a `Box<[u8]>` (16 bytes). Hashing and comparison are exactly those of `[u8]`,
//! so a `Dict<SmallBytes, _>` can be looked up with a `&[u8]` (`Borrow<[u8]>`).
//!
//! `KeyBytes`: the keyspace's key, the same idea with 20 bytes inline and room for the key's
//! object's 24-bit LRU/LFU field.

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

impl Default for SmallBytes {
    /// The empty string (inline).
    fn default() -> Self {
        SmallBytes::Inline { len: 0, buf: [0u8; INLINE_MAX] }
    }
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

    /// The heap bytes `SmallBytes::new` of `len` bytes would own (0 when stored inline).
    pub fn heap_bytes_for(len: usize) -> usize {
        if len <= INLINE_MAX {
            0
        } else {
            len
        }
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

/// A byte string type's views as `[u8]` (`Deref`, `AsRef`, `Borrow`, `From<&[u8]>` through
/// `new`) and its equality, order, hash and `Debug` by those bytes, as for `[u8]`: a key hashes
/// and compares the same whichever type holds it.
macro_rules! byte_string_traits {
    ($t:ident) => {
        impl Deref for $t {
            type Target = [u8];
            fn deref(&self) -> &[u8] {
                self.as_slice()
            }
        }

        impl AsRef<[u8]> for $t {
            fn as_ref(&self) -> &[u8] {
                self.as_slice()
            }
        }

        impl Borrow<[u8]> for $t {
            fn borrow(&self) -> &[u8] {
                self.as_slice()
            }
        }

        impl From<&[u8]> for $t {
            fn from(bytes: &[u8]) -> $t {
                $t::new(bytes)
            }
        }

        impl PartialEq for $t {
            fn eq(&self, other: &$t) -> bool {
                self.as_slice() == other.as_slice()
            }
        }

        impl Eq for $t {}

        impl PartialOrd for $t {
            fn partial_cmp(&self, other: &$t) -> Option<std::cmp::Ordering> {
                Some(self.cmp(other))
            }
        }

        impl Ord for $t {
            fn cmp(&self, other: &$t) -> std::cmp::Ordering {
                self.as_slice().cmp(other.as_slice())
            }
        }

        impl Hash for $t {
            fn hash<H: Hasher>(&self, state: &mut H) {
                self.as_slice().hash(state);
            }
        }

        impl fmt::Debug for $t {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                write!(f, "{:?}", String::from_utf8_lossy(self.as_slice()))
            }
        }
    };
}

byte_string_traits!(SmallBytes);

/// Longest key stored inline in a [`KeyBytes`].
pub const KEY_INLINE_MAX: usize = 20;

/// A keyspace key and its object's 24-bit LRU/LFU field (Redis keeps that field in the
/// value's `robj`; here it rides in the key so that a keyspace dict node, key 24, value 24
/// and next 8, is 56 bytes: glibc's 56-byte class, like Redis's dictEntry + key sds + robj).
/// Keys up to [`KEY_INLINE_MAX`] bytes are inline, longer ones in one boxed slice that starts
/// with the 3 LRU bytes (a 16-byte variant, so the enum stays 24 bytes). Hashing
/// and comparison are exactly those of the key's `[u8]`: the LRU field is not part of the
/// key's identity, so it may change while the key is in a dict.
#[derive(Clone)]
pub enum KeyBytes {
    /// `len_plus_1` = length + 1 (its zero is the discriminant of `Heap`).
    Inline { len_plus_1: std::num::NonZeroU8, lru: [u8; 3], buf: [u8; KEY_INLINE_MAX] },
    /// The LRU field's 3 bytes, then the key.
    Heap(Box<[u8]>),
}

fn lru_bytes(lru: u32) -> [u8; 3] {
    let b = lru.to_le_bytes();
    [b[0], b[1], b[2]]
}

impl KeyBytes {
    /// A key with LRU field 0.
    pub fn new(bytes: &[u8]) -> KeyBytes {
        KeyBytes::with_lru(bytes, 0)
    }

    /// A key whose object has LRU/LFU field `lru` (24 bits; higher bits are dropped).
    pub fn with_lru(bytes: &[u8], lru: u32) -> KeyBytes {
        let lru = lru_bytes(lru);
        if bytes.len() <= KEY_INLINE_MAX {
            let mut buf = [0u8; KEY_INLINE_MAX];
            buf[..bytes.len()].copy_from_slice(bytes);
            let len_plus_1 = std::num::NonZeroU8::new(bytes.len() as u8 + 1).expect("length + 1 is not 0");
            KeyBytes::Inline { len_plus_1, lru, buf }
        } else {
            KeyBytes::Heap([&lru[..], bytes].concat().into_boxed_slice())
        }
    }

    pub fn as_slice(&self) -> &[u8] {
        match self {
            KeyBytes::Inline { len_plus_1, buf, .. } => &buf[..usize::from(len_plus_1.get() - 1)],
            KeyBytes::Heap(b) => &b[3..],
        }
    }

    /// Bytes allocated on the heap for this key (0 when inline).
    pub fn heap_bytes(&self) -> usize {
        match self {
            KeyBytes::Inline { .. } => 0,
            KeyBytes::Heap(b) => b.len(),
        }
    }

    /// The object's LRU/LFU field (24 bits).
    pub fn lru(&self) -> u32 {
        let lru = match self {
            KeyBytes::Inline { lru, .. } => &lru[..],
            KeyBytes::Heap(b) => &b[..3],
        };
        u32::from_le_bytes([lru[0], lru[1], lru[2], 0])
    }

    /// Set the object's LRU/LFU field (24 bits; higher bits are dropped).
    pub fn set_lru(&mut self, value: u32) {
        let lru = match self {
            KeyBytes::Inline { lru, .. } => &mut lru[..],
            KeyBytes::Heap(b) => &mut b[..3],
        };
        lru.copy_from_slice(&lru_bytes(value));
    }
}

impl From<Vec<u8>> for KeyBytes {
    fn from(bytes: Vec<u8>) -> KeyBytes {
        KeyBytes::new(&bytes)
    }
}

byte_string_traits!(KeyBytes);

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
    fn keys_keep_an_lru_field_outside_their_identity() {
        assert_eq!(std::mem::size_of::<KeyBytes>(), 24);
        let mut k = KeyBytes::with_lru(b"exactly-twenty-bytes", 0xabcdef);
        assert_eq!((k.heap_bytes(), k.lru(), &*k), (0, 0xabcdef, &b"exactly-twenty-bytes"[..]));
        k.set_lru(0x1234_5678);
        assert_eq!(k.lru(), 0x34_5678);
        assert_eq!(k, KeyBytes::new(b"exactly-twenty-bytes"));
        let mut long = KeyBytes::with_lru(b"twenty-one bytes long", 7);
        assert_eq!((long.heap_bytes(), long.lru()), (24, 7));
        long.set_lru(9);
        assert_eq!((long.lru(), long.as_slice()), (9, &b"twenty-one bytes long"[..]));
        assert_eq!(KeyBytes::from(vec![1u8; 40]).as_slice(), &[1u8; 40][..]);
        assert_eq!(KeyBytes::new(b"").as_slice(), b"");
        let state = crate::env::KeyedState::fixed();
        assert_eq!(state.hash_one(KeyBytes::with_lru(b"k", 5)), state.hash_one(&b"k"[..]));
    }

    #[test]
    fn hashes_like_the_byte_slice_it_borrows_as() {
        let state = crate::env::KeyedState::fixed();
        for s in [&b""[..], b"a", b"exactly-twenty-two-b!!", b"longer than twenty-two bytes"] {
            assert_eq!(state.hash_one(SmallBytes::new(s)), state.hash_one(s));
        }
    }
}
