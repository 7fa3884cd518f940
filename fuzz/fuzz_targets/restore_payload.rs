//! Fuzz target `restore_payload`: see `checks/restore_payload.rs` for the input format and the invariants.
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| keel_fuzz::restore_payload::check(data));
