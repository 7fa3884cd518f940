//! Transactions: MULTI, EXEC, DISCARD, WATCH, UNWATCH, and how writes touch WATCHers
//! (Redis 7.0 `multi.c`).
//!
//! Rules the model keeps:
//! - inside MULTI every command except EXEC/DISCARD/MULTI/WATCH is queued (`+QUEUED`); an
//!   unknown command or a wrong arity is answered at once and flags the transaction
//!   (CLIENT_DIRTY_EXEC), so EXEC answers `EXECABORT ...`. MULTI inside MULTI and WATCH inside
//!   MULTI are errors that do not flag it.
//! - any modification of a watched key, by any client, including its lazy or active expiry,
//!   marks the watcher CLIENT_DIRTY_CAS and EXEC answers a nil array. A watched key that has
//!   expired by EXEC time fails EXEC too (`isWatchedKeyExpired`), unless it was already expired
//!   when WATCHed (`watchedKey.expired`); deleting such a key is "no logical change".
//! - FLUSHDB/FLUSHALL/SWAPDB touch watched keys that exist (physically) in the emptied db or
//!   in the db replacing it (`touchAllWatchedKeysInDb`).
//!
//! Deviation: Redis's `touchWatchedKey` stops scanning the watcher list when it meets a watcher
//! whose key was already expired and is still present (a `break`); the model only skips that
//! watcher. The difference needs an expired key that is modified without being looked up first,
//! which no command in the model does.

use super::reply::Reply;
use super::{Client, Ctx, Model, Watched};

impl Model {
    pub(super) fn in_multi(&self, client: u64) -> bool {
        self.clients.get(&client).is_some_and(|c| c.multi.is_some())
    }

    /// Redis `flagTransaction`: a command was rejected while queueing.
    pub(super) fn flag_transaction(&mut self, client: u64) {
        if let Some(c) = self.clients.get_mut(&client) {
            if c.multi.is_some() {
                c.dirty_exec = true;
            }
        }
    }

    pub(super) fn queue(&mut self, client: u64, argv: &[Vec<u8>]) -> Reply {
        if let Some(queue) = self.clients.get_mut(&client).and_then(|c| c.multi.as_mut()) {
            queue.push(argv.to_vec());
        }
        Reply::Simple("QUEUED".to_string())
    }

    /// Redis `touchWatchedKey` (`signalModifiedKey`): call after `key` in `db` changed.
    pub(super) fn touch(&mut self, db: usize, key: &[u8]) {
        let present = self.is_present(db, key);
        for c in self.clients.values_mut() {
            if c.dirty_cas {
                continue;
            }
            let Some(w) = c.watched.iter_mut().find(|w| w.db == db && w.key == key) else {
                continue;
            };
            if w.expired {
                if !present {
                    w.expired = false;
                }
                continue;
            }
            mark_dirty(c);
        }
    }

    /// Redis `touchAllWatchedKeysInDb(emptied, replaced_with)`.
    pub(super) fn touch_all_in_db(
        &mut self,
        emptied: usize,
        replaced_with: Option<usize>,
        now_ms: i64,
    ) {
        let mut dirty = Vec::new();
        for (&id, c) in &self.clients {
            for (i, w) in c
                .watched
                .iter()
                .enumerate()
                .filter(|(_, w)| w.db == emptied)
            {
                dirty.push((id, i, self.watch_outcome(w, replaced_with, now_ms)));
            }
        }
        for (id, i, outcome) in dirty {
            let Some(c) = self.clients.get_mut(&id) else {
                continue;
            };
            match outcome {
                WatchOutcome::Unchanged => {}
                WatchOutcome::SetExpired(flag) => {
                    if let Some(w) = c.watched.get_mut(i) {
                        w.expired = flag;
                    }
                }
                WatchOutcome::Dirty => c.dirty_cas = true,
            }
        }
        for c in self.clients.values_mut().filter(|c| c.dirty_cas) {
            c.watched.clear();
        }
    }

    fn watch_outcome(
        &self,
        w: &Watched,
        replaced_with: Option<usize>,
        now_ms: i64,
    ) -> WatchOutcome {
        let in_emptied = self.is_present(w.db, &w.key);
        let in_replacement = replaced_with.is_some_and(|r| self.is_present(r, &w.key));
        if !in_emptied && !in_replacement {
            return WatchOutcome::Unchanged;
        }
        if w.expired {
            if !in_replacement {
                return WatchOutcome::SetExpired(false);
            }
            if replaced_with.is_some_and(|r| self.is_present_expired(r, &w.key, now_ms)) {
                return WatchOutcome::Unchanged;
            }
        } else if !in_emptied
            && replaced_with.is_some_and(|r| self.is_present_expired(r, &w.key, now_ms))
        {
            return WatchOutcome::SetExpired(true);
        }
        WatchOutcome::Dirty
    }
}

enum WatchOutcome {
    Unchanged,
    SetExpired(bool),
    Dirty,
}

fn mark_dirty(c: &mut Client) {
    c.dirty_cas = true;
    c.watched.clear();
}

fn client<'a>(m: &'a mut Model, ctx: &Ctx) -> &'a mut Client {
    m.clients.entry(ctx.client).or_default()
}

pub(super) fn multi(m: &mut Model, ctx: &mut Ctx, _argv: &[Vec<u8>]) -> Reply {
    let c = client(m, ctx);
    if c.multi.is_some() {
        return Reply::err("ERR MULTI calls can not be nested");
    }
    c.multi = Some(Vec::new());
    Reply::ok()
}

/// Redis `discardTransaction`: drop the queue, the flags and the WATCHed keys.
fn discard_transaction(c: &mut Client) {
    c.multi = None;
    c.dirty_exec = false;
    c.dirty_cas = false;
    c.watched.clear();
}

pub(super) fn discard(m: &mut Model, ctx: &mut Ctx, _argv: &[Vec<u8>]) -> Reply {
    let c = client(m, ctx);
    if c.multi.is_none() {
        return Reply::err("ERR DISCARD without MULTI");
    }
    discard_transaction(c);
    Reply::ok()
}

pub(super) fn exec(m: &mut Model, ctx: &mut Ctx, _argv: &[Vec<u8>]) -> Reply {
    let queue = match exec_prelude(m, ctx) {
        Ok(queue) => queue,
        Err(reply) => return reply,
    };
    let replies = queue.iter().map(|argv| m.run_queued(ctx, argv)).collect();
    Reply::Array(replies)
}

/// EXEC's checks. `Ok(queue)` means run it (the client has left MULTI and unwatched);
/// `Err(reply)` is the whole answer (no MULTI, EXECABORT, or nil for a touched WATCH).
pub(super) fn exec_prelude(m: &mut Model, ctx: &Ctx) -> Result<Vec<Vec<Vec<u8>>>, Reply> {
    if !m.in_multi(ctx.client) {
        return Err(Reply::err("ERR EXEC without MULTI"));
    }
    let watched_expired = m.clients.get(&ctx.client).is_some_and(|c| {
        c.watched
            .iter()
            .any(|w| !w.expired && m.is_present_expired(w.db, &w.key, ctx.now_ms))
    });
    let c = client(m, ctx);
    c.dirty_cas |= watched_expired;
    let outcome = if c.dirty_exec {
        Err(Reply::err(
            "EXECABORT Transaction discarded because of previous errors.",
        ))
    } else if c.dirty_cas {
        Err(Reply::NilArray)
    } else {
        Ok(c.multi.take().unwrap_or_default())
    };
    discard_transaction(c);
    outcome
}

pub(super) fn watch(m: &mut Model, ctx: &mut Ctx, argv: &[Vec<u8>]) -> Reply {
    if m.in_multi(ctx.client) {
        return Reply::err("ERR WATCH inside MULTI is not allowed");
    }
    for key in &argv[1..] {
        let expired = m.is_present_expired(ctx.db, key, ctx.now_ms);
        let c = client(m, ctx);
        if !c.watched.iter().any(|w| w.db == ctx.db && &w.key == key) {
            c.watched.push(Watched {
                db: ctx.db,
                key: key.clone(),
                expired,
            });
        }
    }
    Reply::ok()
}

pub(super) fn unwatch(m: &mut Model, ctx: &mut Ctx, _argv: &[Vec<u8>]) -> Reply {
    let c = client(m, ctx);
    c.watched.clear();
    c.dirty_cas = false;
    Reply::ok()
}
