//! Fuzz target `resp_parse`: see `checks/resp_parse.rs` for the input format and the invariants.
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| keel_fuzz::resp_parse::check(data));
