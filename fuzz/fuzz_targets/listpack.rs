//! Fuzz target `listpack`: see `checks/listpack.rs` for the input format and the invariants.
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| keel_fuzz::listpack::check(data));
