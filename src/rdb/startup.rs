//! Loading an RDB file into the keyspace: at start-up (`loadDataFromDisk` → `rdbLoad`) and for
//! tests and DEBUG RELOAD.
//!
//! Semantics (Redis 7.0 as a master): keys whose expire time is already in the past are dropped
//! and counted; empty aggregates are skipped with a warning; function libraries are skipped with
//! a warning (Keel has no functions); a duplicate key, a database index ≥ `databases`, a bad
//! checksum, a truncated or corrupt file, or a value of a type the engine does not hold yet
//! fails the whole load. A failed load leaves every database empty — never a partial dataset —
//! and start-up records the error in `s.rdb.load_error` so the driver exits.
//!
//! Stale `temp-<pid>.rdb` files (a save interrupted by a crash) are removed at start-up.

use std::collections::VecDeque;
use std::io::ErrorKind;

use super::error::{RdbError, Result};
use super::load::{Event, KeyRecord, LoadOptions, Parser};
use crate::keyspace::Keyspace;
use crate::server::Server;

/// What a load did.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct LoadSummary {
    pub keys_loaded: u64,
    pub keys_expired: u64,
    pub empty_keys_skipped: u64,
    pub functions_skipped: u64,
    pub version: u32,
    /// The first byte after the RDB (after its checksum): where an AOF preamble's RESP tail
    /// starts.
    pub end_offset: u64,
}

/// Load the RDB image `buf` into `ks` (whose databases should be empty). `now_ms`: drop keys
/// that expired before it (a master loading a snapshot); `None` keeps them (an AOF preamble).
/// `warn` receives Redis-style warnings. On error, every database is emptied.
pub fn load_into(ks: &mut Keyspace, buf: &[u8], opts: LoadOptions, now_ms: Option<i64>, warn: &mut dyn FnMut(String)) -> Result<LoadSummary> {
    let result = load_events(ks, buf, opts, now_ms, warn);
    if result.is_err() {
        for db in &mut ks.dbs {
            db.clear();
        }
    }
    result
}

fn load_events(ks: &mut Keyspace, buf: &[u8], opts: LoadOptions, now_ms: Option<i64>, warn: &mut dyn FnMut(String)) -> Result<LoadSummary> {
    let mut p = Parser::new(buf, LoadOptions { adopt_blobs: true, ..opts })?;
    let mut sum = LoadSummary { version: p.version, ..LoadSummary::default() };
    let mut current_db = 0;
    // A parsed key waits two key events before it goes into its dict, while the next values
    // are parsed: after the first its bucket is prefetched, after the second the first node
    // of that bucket's chain (for many small keys these two loads are the largest cost of a
    // load). Every other event, the end and an error insert the waiting keys first, so keys
    // and errors come in file order as before.
    let mut waiting: VecDeque<KeyRecord> = VecDeque::with_capacity(3);
    loop {
        let event = match p.next_event() {
            Ok(Some(event)) => event,
            Ok(None) => break,
            Err(e) => {
                insert_waiting(ks, &mut waiting, usize::MAX, &opts, now_ms, &mut sum)?;
                return Err(e);
            }
        };
        if !matches!(event, Event::Key(_)) {
            insert_waiting(ks, &mut waiting, usize::MAX, &opts, now_ms, &mut sum)?;
        }
        match event {
            Event::Key(k) => {
                if let Some(db) = ks.dbs.get(k.db) {
                    db.dict.prefetch(&k.key[..]);
                }
                if let Some(prev) = waiting.back() {
                    if let Some(db) = ks.dbs.get(prev.db) {
                        db.dict.prefetch_chain(&prev.key[..]);
                    }
                }
                waiting.push_back(k);
                if waiting.len() > 2 {
                    insert_waiting(ks, &mut waiting, 1, &opts, now_ms, &mut sum)?;
                }
            }
            Event::EmptyKey { key, .. } => {
                sum.empty_keys_skipped += 1;
                warn(format!("rdbLoadObject skipping empty key: {}", String::from_utf8_lossy(&key)));
            }
            Event::Function { .. } => {
                sum.functions_skipped += 1;
                warn("RDB file holds a function library; Keel has no functions, skipping it".into());
            }
            Event::SelectDb { db, .. } => current_db = db,
            Event::ResizeDb { keys, expires, .. } => {
                // Size the tables once, as Redis's dictExpand on RESIZEDB: no rehash while loading.
                // The hint is untrusted: cap it by what the file could possibly hold.
                let cap = (buf.len() / 4) as u64;
                if let Some(db) = ks.dbs.get_mut(current_db) {
                    db.dict.expand(keys.min(cap) as usize);
                    db.expires.expand(expires.min(cap) as usize);
                }
            }
            Event::Eof { offset, .. } => sum.end_offset = offset,
            Event::Aux { .. } => {}
        }
    }
    insert_waiting(ks, &mut waiting, usize::MAX, &opts, now_ms, &mut sum)?;
    Ok(sum)
}

/// Insert up to `n` waiting keys, oldest first.
fn insert_waiting(ks: &mut Keyspace, waiting: &mut VecDeque<KeyRecord>, n: usize, opts: &LoadOptions, now_ms: Option<i64>, sum: &mut LoadSummary) -> Result<()> {
    for _ in 0..n {
        let Some(k) = waiting.pop_front() else { break };
        insert_key(ks, k, opts, now_ms, sum)?;
    }
    Ok(())
}

/// Put one loaded key into its database: dropped (and counted) if it expired before `now_ms`;
/// a repeated key is corrupt.
fn insert_key(ks: &mut Keyspace, k: KeyRecord, opts: &LoadOptions, now_ms: Option<i64>, sum: &mut LoadSummary) -> Result<()> {
    if let (Some(when), Some(now)) = (k.expire_ms, now_ms) {
        if when < now {
            sum.keys_expired += 1;
            return Ok(());
        }
    }
    let value = k.value.into_engine_with(&opts.type_limits, &mut ks.rng).map_err(|_| RdbError::Unsupported { key: k.key.clone(), rdb_type: k.rdb_type, offset: k.offset })?;
    if k.db >= ks.dbs.len() {
        return Err(RdbError::corrupt(k.offset, "database index out of range"));
    }
    let entry = ks.entry(value);
    let db = &mut ks.dbs[k.db];
    if let Some(when) = k.expire_ms {
        db.set_expire(&k.key, when);
    }
    // One probe: insert, and a previous value means the file repeats the key.
    let key = crate::db::Key::with_lru(&k.key, entry.lru);
    if db.dict.insert(key, crate::object::Stored { value: entry.value }).is_some() {
        return Err(RdbError::corrupt(k.offset, format!("duplicate key '{}' found in RDB file", String::from_utf8_lossy(&k.key))));
    }
    sum.keys_loaded += 1;
    Ok(())
}

/// Start-up: remove stale temp files, then load `dir/dbfilename` if it exists.
pub fn load(s: &mut Server) {
    remove_stale_temp_files(s);
    let path = super::dir(s).join(&s.config.dbfilename);
    let start_us = s.env.clock.monotonic_us();
    let buf = match crate::env::read_whole(s.env.fs.as_ref(), &path) {
        Ok(buf) => buf,
        Err(e) if e.kind() == ErrorKind::NotFound => return,
        Err(e) => return fail(s, format!("Fatal error loading the DB: {e}. Exiting.")),
    };
    let opts = LoadOptions {
        verify_checksum: s.config.rdbchecksum,
        databases: s.config.databases,
        type_limits: crate::types::TypeLimits::from_config(&s.config),
        ..LoadOptions::default()
    };
    let now_ms = s.env.clock.unix_ms();
    let mut warnings = Vec::new();
    let result = load_into(&mut s.ks, &buf, opts, Some(now_ms), &mut |w| warnings.push(w));
    for w in warnings {
        s.log_warning(&w);
    }
    // The loaded file's name may not be durable yet (a save renamed it, then the process
    // crashed before its directory fsync): make it so before serving, or a power loss could
    // bring back an older snapshot than the one clients were served from. (Found by keel-sim.)
    let result = result.and_then(|sum| match s.env.fs.fsync_dir(&super::dir(s)) {
        Ok(()) => Ok(sum),
        Err(e) => {
            for db in &mut s.ks.dbs {
                db.clear();
            }
            Err(RdbError::Io(e))
        }
    });
    match result {
        Ok(sum) => {
            let secs = s.env.clock.monotonic_us().saturating_sub(start_us) as f64 / 1e6;
            s.log_notice(&format!("Done loading RDB, keys loaded: {}, keys expired: {}.", sum.keys_loaded, sum.keys_expired));
            s.log_notice(&format!("DB loaded from disk: {secs:.3} seconds"));
            s.rdb.last_load = Some(sum);
        }
        Err(e) => fail(s, format!("Fatal error loading the DB ({}): {e}. Exiting.", path.display())),
    }
}

fn fail(s: &mut Server, msg: String) {
    s.log_warning(&msg);
    s.rdb.load_error = Some(msg);
}

/// Remove `temp-<digits>.rdb` left by a save that a crash interrupted.
fn remove_stale_temp_files(s: &mut Server) {
    let dir = super::dir(s);
    let Ok(names) = s.env.fs.list(&dir) else { return };
    for name in names.iter().filter(|n| is_temp_rdb(n)) {
        match s.env.fs.unlink(&dir.join(name)) {
            Ok(()) => s.log_notice(&format!("Removed stale temp RDB file {name} (a save interrupted by a crash)")),
            Err(e) => s.log_warning(&format!("Can't remove stale temp RDB file {name}: {e}")),
        }
    }
}

fn is_temp_rdb(name: &str) -> bool {
    name.strip_prefix("temp-").and_then(|r| r.strip_suffix(".rdb")).is_some_and(|pid| !pid.is_empty() && pid.bytes().all(|c| c.is_ascii_digit()))
}

#[cfg(test)]
mod tests {
    #[test]
    fn only_temp_pid_rdb_names_are_stale_files() {
        assert!(super::is_temp_rdb("temp-4242.rdb"));
        assert!(!super::is_temp_rdb("temp-.rdb"));
        assert!(!super::is_temp_rdb("temp-rewriteaof-12.aof"));
        assert!(!super::is_temp_rdb("dump.rdb"));
    }
}
