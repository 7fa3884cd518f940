//! Blocked clients (`blocked.c`, Redis 7.0, lists, sorted sets and streams): the seeds'
//! `blocking_keys` (per db key → FIFO of waiting clients) and `ready_keys` (keys that received
//! data since the last command), with the server hooks that serve and time out waiters.
//!
//! Life of a blocked client:
//! 1. a blocking command (BLPOP …) finds all its keys empty outside MULTI and calls
//!    [`Server::block_client`]: the client is queued on every key (duplicates once) and its
//!    [`BlockState`] is stored in `Client::blocked`. `process_input` stops at a blocked client,
//!    so its later pipelined commands wait in its query buffer;
//! 2. a command that creates a list or sorted set key calls [`Blocked::signal`]; after every
//!    command `process_command` calls [`Server::serve_ready_keys`], which, for each ready key
//!    in signal order, serves the waiters in FIFO order while the key holds a non-empty value
//!    of the type they wait for (the reply goes to the waiter's buffer, the effect is
//!    propagated as the non-blocking command). A waiter of the other type (BZPOPMIN on a key
//!    that became a list) is moved to the back of the queue and stays blocked, as Redis 7.0's
//!    `serveClientsBlockedOn*Key` skip clients whose `btype` differs;
//! 3. a served (or timed-out) client is unblocked and its remaining query buffer is processed
//!    at once, in the same loop;
//! 4. [`Server::block_timeouts`] (from cron) answers a null array to clients whose deadline
//!    (unix ms on the `Clock`; 0 = none) has passed;
//! 5. a disconnecting client leaves every queue ([`Server::unblock_disconnected`]).
//!
//! Keys filled by commands outside the list family (RENAME, MOVE, COPY, SWAPDB, RESTORE …)
//! are not signalled by those commands; instead, after any change of `ks.dirty` while clients
//! are blocked, the waited-on keys are scanned once for a non-empty list or zset (Redis signals them
//! from `dbAdd`; the outcome is the same, only the order between several such keys may
//! differ).
//!
//! Invariants: a client id is in a key's queue iff that client's `blocked` state lists the
//! key; `clients` holds exactly the blocked clients; serving never re-enters itself (nested
//! `process_command` calls made while reprocessing an unblocked client leave their ready keys
//! to the outer loop).

use std::collections::{BTreeMap, BTreeSet, VecDeque};

use super::client::Client;
use super::Server;
use crate::keyspace::ClientId;

/// What a blocked client waits to do once a key is ready.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum BlockOp {
    /// BLPOP / BRPOP.
    Pop { head: bool },
    /// BLMPOP with its COUNT.
    MPop { head: bool, count: i64 },
    /// BLMOVE / BRPOPLPUSH (which propagates as RPOPLPUSH).
    Move { dst: Box<[u8]>, from_head: bool, to_head: bool, rpoplpush: bool },
    /// BZPOPMIN / BZPOPMAX.
    ZPop { max: bool },
    /// BZMPOP with its COUNT.
    ZMPop { max: bool, count: usize },
    /// XREAD / XREADGROUP with BLOCK: the whole request (IDs resolved when it blocked).
    XRead(Box<crate::commands::stream_read::ReadSpec>),
}

impl BlockOp {
    /// Does the op wait for a sorted set (Redis's `BLOCKED_ZSET`) rather than a list?
    pub fn wants_zset(&self) -> bool {
        matches!(self, BlockOp::ZPop { .. } | BlockOp::ZMPop { .. })
    }
}

/// Can a waiter blocked for `op` be served from `key` now (a non-empty value of its type)?
fn ready_for(s: &mut Server, db: usize, key: &[u8], op: &BlockOp) -> bool {
    if let BlockOp::XRead(spec) = op {
        crate::commands::stream_read::key_ready(s, db, key, spec)
    } else if op.wants_zset() {
        crate::commands::zset_block::key_has_members(s, db, key)
    } else {
        crate::commands::list_block::key_has_elements(s, db, key)
    }
}

/// Serve a waiter (its reply, its effect); the caller unblocks it.
fn serve(s: &mut Server, c: &mut Client, key: &[u8], op: &BlockOp) {
    if let BlockOp::XRead(spec) = op {
        crate::commands::stream_read::serve_blocked(s, c, key, spec);
    } else if op.wants_zset() {
        crate::commands::zset_block::serve_blocked(s, c, key, op);
    } else {
        crate::commands::list_block::serve_blocked(s, c, key, op);
    }
}

/// A blocked client's state (Redis's `c->bpop`).
#[derive(Clone, Debug)]
pub struct BlockState {
    pub db: usize,
    /// The keys, without duplicates, in argument order.
    pub keys: Vec<Box<[u8]>>,
    /// Absolute unix ms, 0 = wait forever.
    pub deadline_ms: i64,
    pub op: BlockOp,
}

/// The server's registry of blocked clients.
#[derive(Debug, Default)]
pub struct Blocked {
    /// db → key → waiting clients, oldest first.
    waiters: BTreeMap<usize, BTreeMap<Box<[u8]>, VecDeque<ClientId>>>,
    /// Every blocked client.
    clients: BTreeSet<ClientId>,
    /// Keys signalled since the last serve, in signal order, without duplicates.
    ready: VecDeque<(usize, Box<[u8]>)>,
    /// Clients unblocked whose pending input must be processed.
    unblocked: VecDeque<ClientId>,
    serving: bool,
    /// `ks.dirty` when the waited-on keys were last scanned.
    dirty_seen: u64,
}

impl Blocked {
    /// `signalKeyAsReady`: remember `key` if a client waits on it.
    pub fn signal(&mut self, db: usize, key: &[u8]) {
        let waited = self.waiters.get(&db).is_some_and(|m| m.contains_key(key));
        if waited && !self.ready.iter().any(|(d, k)| *d == db && &k[..] == key) {
            self.ready.push_back((db, Box::from(key)));
        }
    }

    /// Number of blocked clients (INFO `blocked_clients`).
    pub fn blocked_clients(&self) -> usize {
        self.clients.len()
    }

    /// Number of keys with at least one waiter (INFO `total_blocking_keys`).
    pub fn blocking_keys(&self) -> usize {
        self.waiters.values().map(BTreeMap::len).sum()
    }

    fn add(&mut self, id: ClientId, state: &BlockState) {
        let keys = self.waiters.entry(state.db).or_default();
        for key in &state.keys {
            keys.entry(key.clone()).or_default().push_back(id);
        }
        self.clients.insert(id);
    }

    fn remove(&mut self, id: ClientId, state: &BlockState) {
        if let Some(keys) = self.waiters.get_mut(&state.db) {
            for key in &state.keys {
                if let Some(q) = keys.get_mut(key) {
                    q.retain(|w| *w != id);
                    if q.is_empty() {
                        keys.remove(key);
                    }
                }
            }
            if keys.is_empty() {
                self.waiters.remove(&state.db);
            }
        }
        self.clients.remove(&id);
    }

    fn first_waiter(&self, db: usize, key: &[u8]) -> Option<ClientId> {
        self.waiters.get(&db).and_then(|m| m.get(key)).and_then(|q| q.front().copied())
    }

    /// Move the first waiter of a key to the back (a waiter that cannot be served now).
    fn rotate(&mut self, db: usize, key: &[u8]) {
        if let Some(q) = self.waiters.get_mut(&db).and_then(|m| m.get_mut(key)) {
            q.rotate_left(1.min(q.len()));
        }
    }

    fn waiter_count(&self, db: usize, key: &[u8]) -> usize {
        self.waiters.get(&db).and_then(|m| m.get(key)).map_or(0, VecDeque::len)
    }
}

impl Client {
    /// Is the client waiting in a blocking command?
    pub fn is_blocked(&self) -> bool {
        self.blocked.is_some()
    }
}

impl Server {
    /// Park `c` until one of `state.keys` is ready or the deadline passes (`blockForKeys`).
    /// Duplicate keys are registered once.
    pub fn block_client(&mut self, c: &mut Client, mut state: BlockState) {
        let mut seen = BTreeSet::new();
        state.keys.retain(|k| seen.insert(k.clone()));
        self.blocked.add(c.id, &state);
        c.blocked = Some(Box::new(state));
    }

    /// Leave every queue and forget the block (the reply was already written).
    fn unblock(&mut self, c: &mut Client) {
        if let Some(state) = c.blocked.take() {
            self.blocked.remove(c.id, &state);
            self.blocked.unblocked.push_back(c.id);
            // The production driver writes output only for clients it read from, plus the
            // ids of `take_close_requests` (it closes only those whose close flags are set).
            // Listing the unblocked client there gets its reply written although it sent
            // nothing; a dedicated pending-write list in the driver would be cleaner.
            self.close_requests.push(c.id);
        }
    }

    /// The connection of a blocked client closed (called by `disconnect`).
    pub fn unblock_disconnected(&mut self, c: &mut Client) {
        if let Some(state) = c.blocked.take() {
            self.blocked.remove(c.id, &state);
        }
    }

    /// `handleClientsBlockedOnKeys` + `processUnblockedClients`: serve every ready key, then
    /// run the pending input of unblocked clients, until nothing is left. Called after each
    /// command and from cron; does nothing when no client is blocked or unblocked.
    pub fn serve_ready_keys(&mut self) {
        if self.blocked.serving {
            return;
        }
        if self.blocked.clients.is_empty() && self.blocked.unblocked.is_empty() {
            self.blocked.ready.clear();
            return;
        }
        self.blocked.serving = true;
        self.ks.now_ms = self.env.clock.unix_ms();
        self.ks.record_effects = self.wants_effects();
        loop {
            if let Some((db, key)) = self.blocked.ready.pop_front() {
                self.serve_key(db, &key);
            } else if let Some(id) = self.blocked.unblocked.pop_front() {
                self.reprocess(id);
            } else if !self.scan_waited_keys() {
                break;
            }
        }
        self.drain_effects();
        self.blocked.serving = false;
    }

    /// Serve the waiters of one key in FIFO order while it holds a non-empty value of their
    /// type; waiters of the other type go to the back of the queue.
    fn serve_key(&mut self, db: usize, key: &[u8]) {
        for _ in 0..self.blocked.waiter_count(db, key) {
            let Some(id) = self.blocked.first_waiter(db, key) else { return };
            if !self.key_holds_data(db, key) {
                return;
            }
            let Some(mut c) = self.clients.remove(&id) else {
                // The client running the current command cannot be served from here.
                self.blocked.rotate(db, key);
                continue;
            };
            let op = c.blocked.as_ref().map(|b| b.op.clone());
            match op {
                Some(op) if ready_for(self, db, key, &op) => {
                    serve(self, &mut c, key, &op);
                    self.unblock(&mut c);
                }
                Some(_) => self.blocked.rotate(db, key),
                None => {}
            }
            self.clients.insert(id, c);
        }
    }

    /// Does `key` hold a non-empty list, sorted set or stream (something a waiter could take)?
    fn key_holds_data(&mut self, db: usize, key: &[u8]) -> bool {
        crate::commands::list_block::key_has_elements(self, db, key)
            || crate::commands::zset_block::key_has_members(self, db, key)
            || crate::commands::stream_read::key_has_entries(self, db, key)
    }

    /// Process the query buffer an unblocked client accumulated while blocked.
    fn reprocess(&mut self, id: ClientId) {
        if let Some(mut c) = self.clients.remove(&id) {
            self.process_input(&mut c);
            self.clients.insert(id, c);
        }
    }

    /// After `ks.dirty` moved: mark waited-on keys that now hold a non-empty list or zset as
    /// ready (keys filled by RENAME, MOVE, COPY, SWAPDB …). Returns whether any was found.
    fn scan_waited_keys(&mut self) -> bool {
        if self.ks.dirty == self.blocked.dirty_seen {
            return false;
        }
        self.blocked.dirty_seen = self.ks.dirty;
        let waited: Vec<(usize, Box<[u8]>)> =
            self.blocked.waiters.iter().flat_map(|(db, m)| m.keys().map(move |k| (*db, k.clone()))).collect();
        for (db, key) in waited {
            if self.key_holds_data(db, &key) {
                self.blocked.ready.push_back((db, key));
            }
        }
        !self.blocked.ready.is_empty()
    }

    /// Time out blocked clients whose deadline has passed (`handleBlockedClientsTimeout`):
    /// they get a null array (RESP3: null), then their pending input runs.
    pub fn block_timeouts(&mut self) {
        if self.blocked.clients.is_empty() {
            return;
        }
        let now = self.env.clock.unix_ms();
        let ids: Vec<ClientId> = self.blocked.clients.iter().copied().collect();
        for id in ids {
            let Some(mut c) = self.clients.remove(&id) else { continue };
            let expired = c.blocked.as_ref().is_some_and(|b| b.deadline_ms != 0 && b.deadline_ms < now);
            if expired {
                c.add_null_array();
                self.unblock(&mut c);
            }
            self.clients.insert(id, c);
        }
        self.serve_ready_keys();
    }
}
