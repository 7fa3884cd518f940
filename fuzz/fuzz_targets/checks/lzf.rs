//! Target `lzf`: compression round trip, and decompression of arbitrary bytes under a cap.
//!
//! Input: `[mode][u16 LE declared length][u16 LE cap][bytes...]`. The bytes compress (when
//! that saves space) to something shorter that decompresses to them; the same bytes
//! decompressed as a stream never panic, never produce anything but exactly the declared
//! length, and a declared length over the cap is refused before allocating.

use keel::encoding::lzf::{compress, compress_max, decompress};

use super::input::Input;

pub fn check(data: &[u8]) {
    let mut input = Input::new(data);
    let mode = input.u8();
    let declared = usize::from(input.u16());
    let cap = usize::from(input.u16());
    let bytes = input.rest();

    if let Some(c) = compress(bytes) {
        assert!(c.len() < bytes.len());
        assert_eq!(decompress(&c, bytes.len(), bytes.len()).as_deref(), Ok(bytes));
    }
    let out_max = usize::from(mode) % (bytes.len() + 1);
    if let Some(c) = compress_max(bytes, out_max) {
        assert!(c.len() <= out_max);
        assert_eq!(decompress(&c, bytes.len(), bytes.len()).as_deref(), Ok(bytes));
    }

    if let Ok(out) = decompress(bytes, declared, cap) {
        assert!(declared <= cap);
        assert_eq!(out.len(), declared);
        assert!(out.capacity() <= cap.max(1) * 2, "over-allocation");
    }
    if declared > cap {
        assert!(decompress(bytes, declared, cap).is_err());
    }
}
