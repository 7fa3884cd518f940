//! The reference model of a Redis 7.0 keyspace.
//!
//! 16 databases, each a `BTreeMap<key, Entry>`; no encodings. Expiry is evaluated on the clock
//! the caller passes to every call (`now_ms`, unix ms, Redis's `commandTimeSnapshot`). Expired
//! keys are invisible to every command; like Redis, a command that looks a key up deletes it if
//! it has expired (lazy expiry, which also touches WATCHers), and [`Model::purge_expired`] plays
//! the active-expire cycle. Replies are Redis 7.0's RESP2 replies, errors included.
//!
//! Per client the model keeps the selected db, the MULTI queue and the WATCH set.
//!
//! Known gaps (documented, not hidden): INCRBYFLOAT uses `f64` (see `num`); the model never
//! deletes expired keys on RANDOMKEY/SCAN (Redis may), so DBSIZE and a few WATCH corner cases on
//! already-expired keys are checked as ranges or may differ (see `nondet` and `txn`).

mod db;
mod expire;
mod glob;
mod hash;
mod keys;
mod keyspace;
mod list;
mod nondet;
mod num;
mod reply;
mod server;
mod set;
mod sort;
mod stream;
mod strings;
mod table;
mod txn;
mod zset;
mod zset_check;
mod zset_range;

use std::collections::BTreeMap;

pub use keyspace::{digest_state, first_difference, visible_state, Db, Entry, Fnv64, Score, State, Value};
pub use reply::Reply;

/// Number of databases (Redis's default `databases 16`).
pub const DBS: usize = 16;

/// A key watched by a client: db, key, and whether it was already expired at WATCH time
/// (Redis 7.0 `watchedKey.expired`).
#[derive(Clone, Debug)]
struct Watched {
    db: usize,
    key: Vec<u8>,
    expired: bool,
}

/// Per-client state.
#[derive(Clone, Debug, Default)]
struct Client {
    db: usize,
    /// `Some` while in MULTI: the queued commands.
    multi: Option<Vec<Vec<Vec<u8>>>>,
    /// CLIENT_DIRTY_EXEC: a command was rejected while queueing.
    dirty_exec: bool,
    /// CLIENT_DIRTY_CAS: a watched key was touched.
    dirty_cas: bool,
    watched: Vec<Watched>,
}

/// The context of one command: who runs it, in which db, at what time.
#[derive(Clone, Copy, Debug)]
struct Ctx {
    client: u64,
    db: usize,
    now_ms: i64,
}

/// The reference model. See the module doc.
#[derive(Clone, Debug)]
pub struct Model {
    dbs: Vec<Db>,
    clients: BTreeMap<u64, Client>,
}

impl Default for Model {
    fn default() -> Self {
        Model::new()
    }
}

impl Model {
    pub fn new() -> Model {
        Model {
            dbs: vec![Db::new(); DBS],
            clients: BTreeMap::new(),
        }
    }

    /// Execute one command for `client` at `now_ms`; returns the reply Redis 7.0 would give.
    /// Inside MULTI, commands are queued (`+QUEUED`) and run by EXEC.
    pub fn apply(&mut self, client: u64, argv: &[Vec<u8>], now_ms: i64) -> Reply {
        let db = self.clients.entry(client).or_default().db;
        let mut ctx = Ctx { client, db, now_ms };
        let reply = self.process(&mut ctx, argv);
        if let Some(c) = self.clients.get_mut(&client) {
            c.db = ctx.db;
        }
        reply
    }

    /// Redis `processCommand`: lookup, arity, MULTI queueing, then the command itself.
    fn process(&mut self, ctx: &mut Ctx, argv: &[Vec<u8>]) -> Reply {
        let spec = match table::check(argv) {
            Ok(spec) => spec,
            Err(rejection) => {
                self.flag_transaction(ctx.client);
                return rejection;
            }
        };
        if self.in_multi(ctx.client) && !spec.runs_inside_multi {
            return self.queue(ctx.client, argv);
        }
        (spec.run)(self, ctx, argv)
    }

    /// Run one already-validated command outside of any queueing (used by EXEC).
    fn run_queued(&mut self, ctx: &mut Ctx, argv: &[Vec<u8>]) -> Reply {
        match table::check(argv) {
            Ok(spec) => (spec.run)(self, ctx, argv),
            Err(rejection) => rejection,
        }
    }

    /// Can this command modify the dataset? EXEC counts as a write (it may run writes).
    pub fn is_write(argv: &[Vec<u8>]) -> bool {
        argv.first()
            .and_then(|name| table::lookup(name))
            .is_some_and(|spec| spec.write)
    }

    /// The client's connection closed: its MULTI state and WATCHed keys go away.
    pub fn disconnect(&mut self, client: u64) {
        self.clients.remove(&client);
    }

    /// The currently selected db of `client` (0 for an unknown client).
    pub fn selected_db(&self, client: u64) -> usize {
        self.clients.get(&client).map_or(0, |c| c.db)
    }

    /// Visible state at `now_ms` (expired keys excluded).
    pub fn state(&self, now_ms: i64) -> State {
        visible_state(&self.dbs, now_ms)
    }

    /// Deterministic digest of the visible state at `now_ms` (FNV-1a, see `keyspace`).
    pub fn digest(&self, now_ms: i64) -> u64 {
        digest_state(&self.state(now_ms))
    }

    /// The active-expire cycle, run to completion: delete every key expired at `now_ms`,
    /// touching WATCHers as Redis's `deleteExpiredKeyAndPropagate` does.
    pub fn purge_expired(&mut self, now_ms: i64) {
        for db in 0..DBS {
            let expired: Vec<Vec<u8>> = self.dbs[db]
                .iter()
                .filter(|(_, e)| e.is_expired(now_ms))
                .map(|(k, _)| k.clone())
                .collect();
            for key in expired {
                self.delete(db, &key);
            }
        }
    }

    /// Replace the whole keyspace with a visible state (e.g. one recovered from disk), keeping
    /// clients. Used by harnesses that resynchronise the model after a restart.
    pub fn load_state(&mut self, state: &State) {
        self.dbs = vec![Db::new(); DBS];
        for (&db, keys) in state.iter().filter(|(db, _)| **db < DBS) {
            for (key, (value, expire)) in keys {
                let entry = Entry {
                    value: value.clone(),
                    expire_at_ms: *expire,
                };
                self.dbs[db].insert(key.clone(), entry);
            }
        }
    }
}
