//! Fuzz target `intset`: see `checks/intset.rs` for the input format and the invariants.
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| keel_fuzz::intset::check(data));
