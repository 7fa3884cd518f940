//! The checks behind every fuzz target, one file per target. They are the library of the
//! `keel-fuzz` crate (each `fuzz_targets/<target>.rs` is one line calling `check`) and are
//! included by `tests/fuzz_replay.rs` with `#[path]`, so `cargo test` runs the saved seeds
//! and crash artifacts through exactly the code the fuzzer runs.
//!
//! Each `check(data)` takes raw fuzzer bytes, decodes them with [`input::Input`] and panics
//! when an invariant breaks; returning means the input was handled (accepted or refused).

pub mod aof_load;
pub mod engine_vs_model;
pub mod input;
pub mod intset;
pub mod listpack;
pub mod lzf;
pub mod rdb_load;
pub mod resp_parse;
pub mod restore_payload;
pub mod sim_server;
pub mod ziplist;

/// Every target, by name (the directory names under `fuzz/seeds/` and `fuzz/regressions/`).
pub const TARGETS: &[&str] =
    &["aof_load", "engine_vs_model", "intset", "listpack", "lzf", "rdb_load", "resp_parse", "restore_payload", "ziplist"];

/// Run `target`'s check on `data`; `false` if there is no such target.
pub fn run(target: &str, data: &[u8]) -> bool {
    let check: fn(&[u8]) = match target {
        "aof_load" => aof_load::check,
        "engine_vs_model" => engine_vs_model::check,
        "intset" => intset::check,
        "listpack" => listpack::check,
        "lzf" => lzf::check,
        "rdb_load" => rdb_load::check,
        "resp_parse" => resp_parse::check,
        "restore_payload" => restore_payload::check,
        "ziplist" => ziplist::check,
        _ => return false,
    };
    check(data);
    true
}
