//! Keel: a Redis-compatible storage engine whose whole server runs under deterministic
//! simulation. See `DESIGN.md` in the shared folder and `README.md`.
//!
//! Layout: `env` (the OS seams), `resp` (protocol), `dict` (the keyspace hash table), the
//! keyspace and commands, and `server` (clients, event loop, cron).

pub mod env;
pub mod resp;
pub mod dict;
pub mod util;
pub mod digest;
pub mod commands;
pub mod config;
pub mod db;
pub mod digest_ks;
pub mod expire;
pub mod keyspace;
pub mod object;
pub mod server;
pub mod encoding;
pub mod aof;
pub mod bytes;
pub mod rdb;
pub mod types;
pub mod evict;
pub mod sync;
