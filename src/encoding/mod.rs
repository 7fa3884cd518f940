//! Compact encodings (being written).
