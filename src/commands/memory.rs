//! MEMORY (`object.c` `memoryCommand`, Redis 7.0): USAGE, HELP, PURGE, MALLOC-STATS; DOCTOR
//! and STATS answer a clear error.
//!
//! - `MEMORY USAGE key [SAMPLES count]`: the estimate of `memory_size` for the key and its
//!   value, or nil when the key is not in the dict (looked up without lazy expiry, as
//!   Redis's `dbFind`: a logically expired key that was not deleted yet is still measured).
//!   SAMPLES defaults to 5; 0 samples every element; a negative or missing count is a
//!   syntax error, a non-integer "value is not an integer or out of range".
//! - `MEMORY PURGE`: OK (Redis built on libc malloc does nothing either).
//! - `MEMORY MALLOC-STATS`: what Redis built on libc malloc answers (Keel runs on it).
//! - `MEMORY DOCTOR`, `MEMORY STATS`: not implemented; an error points to INFO memory.
//!
//! Subcommand errors follow Redis's container commands: `unknown subcommand 'x'. Try MEMORY
//! HELP.`, and `wrong number of arguments for 'memory|usage' command`.

use super::memory_size::key_usage;
use super::Ctx;
use crate::resp::Argv;
use crate::server::client::Client;
use crate::server::Server;
use crate::util::number::string2ll;

/// Samples when USAGE gives none (`OBJ_COMPUTE_SIZE_DEF_SAMPLES`).
const SAMPLES_DEFAULT: usize = 5;

pub fn memory(s: &mut Server, c: &mut Client, a: &Argv, _: &mut Ctx) {
    let sub = a.get(1).to_ascii_lowercase();
    let arity_ok = match sub.as_slice() {
        b"usage" => a.len() >= 3,
        b"help" | b"doctor" | b"stats" | b"malloc-stats" | b"purge" => a.len() == 2,
        _ => {
            let name = String::from_utf8_lossy(a.get(1));
            return c.add_error(&format!("ERR unknown subcommand '{name}'. Try MEMORY HELP."));
        }
    };
    if !arity_ok {
        let name = String::from_utf8_lossy(&sub);
        return c.add_error(&format!("ERR wrong number of arguments for 'memory|{name}' command"));
    }
    match sub.as_slice() {
        b"usage" => usage(s, c, a),
        b"help" => help(c),
        b"purge" => c.add_ok(),
        b"malloc-stats" => c.add_bulk(b"Stats not supported for the current allocator"),
        b"doctor" => c.add_error("ERR MEMORY DOCTOR is not supported by Keel; see INFO memory"),
        _ => c.add_error("ERR MEMORY STATS is not supported by Keel; see INFO memory"),
    }
}

/// `[SAMPLES count]` options: the sample count (0 → every element).
fn parse_samples(a: &Argv) -> Result<usize, &'static str> {
    let mut samples = SAMPLES_DEFAULT;
    let mut j = 3;
    while j < a.len() {
        if !a.get(j).eq_ignore_ascii_case(b"samples") || j + 1 >= a.len() {
            return Err("ERR syntax error");
        }
        let n = string2ll(a.get(j + 1)).ok_or("ERR value is not an integer or out of range")?;
        samples = match n {
            n if n < 0 => return Err("ERR syntax error"),
            0 => usize::MAX,
            n => usize::try_from(n).unwrap_or(usize::MAX),
        };
        j += 2;
    }
    Ok(samples)
}

fn usage(s: &mut Server, c: &mut Client, a: &Argv) {
    let samples = match parse_samples(a) {
        Ok(n) => n,
        Err(e) => return c.add_error(e),
    };
    match s.ks.dbs[c.db].dict.get_key_value(a.get(2)) {
        Some((key, entry)) => c.add_int(i64::try_from(key_usage(key, entry, samples)).unwrap_or(i64::MAX)),
        None => c.add_null(),
    }
}

fn help(c: &mut Client) {
    let lines = [
        "MEMORY <subcommand> [<arg> [value] [opt] ...]. Subcommands are:",
        "DOCTOR",
        "    Return memory problems reports.",
        "MALLOC-STATS",
        "    Return internal statistics report from the memory allocator.",
        "PURGE",
        "    Attempt to purge dirty pages for reclamation by the allocator.",
        "STATS",
        "    Return information about the memory usage of the server.",
        "USAGE <key> [SAMPLES <count>]",
        "    Return memory in bytes used by <key> and its value. Nested values are",
        "    sampled up to <count> times (default: 5, 0 means sample all).",
        "HELP",
        "    Prints this help.",
    ];
    c.add_array_len(lines.len());
    for l in lines {
        c.add_simple(l);
    }
}
