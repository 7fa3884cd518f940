//! Fuzz target `engine_vs_model`: see `checks/engine_vs_model.rs` for the input format and the invariants.
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| keel_fuzz::engine_vs_model::check(data));
