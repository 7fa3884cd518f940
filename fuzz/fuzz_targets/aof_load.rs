//! Fuzz target `aof_load`: see `checks/aof_load.rs` for the input format and the invariants.
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| keel_fuzz::aof_load::check(data));
