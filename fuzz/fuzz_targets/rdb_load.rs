//! Fuzz target `rdb_load`: see `checks/rdb_load.rs` for the input format and the invariants.
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| keel_fuzz::rdb_load::check(data));
