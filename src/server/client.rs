//! A connected client (Redis's `client`): its query buffer and parser state, the selected db,
//! the reply buffer, the protocol version (RESP2 or RESP3 after HELLO 3), MULTI state and the
//! keys it WATCHes. The same struct serves real sockets and simulated connections: the driver
//! only moves bytes in and out of `query` and `reply`.

use crate::keyspace::ClientId;
use crate::resp::{Argv, RequestParser};

/// Queued commands of a MULTI block.
#[derive(Default)]
pub struct MultiState {
    pub queued: Vec<Vec<Vec<u8>>>,
    /// A command failed to queue (unknown, wrong arity, OOM): EXEC answers EXECABORT.
    pub dirty_exec: bool,
    /// Union of the queued commands' flags (Redis's `mstate.cmd_flags`): EXEC is checked as
    /// a write (MISCONF) or denyoom (OOM) command when any queued command is one.
    pub flags: u32,
}

/// The id of the AOF loader's fake client (connections are numbered from 1): commands it
/// replays are obeyed as written (Redis's `mustObeyClient`).
pub const AOF_CLIENT_ID: ClientId = 0;

pub struct Client {
    pub id: ClientId,
    pub db: usize,
    pub name: Option<Vec<u8>>,
    pub addr: String,
    pub laddr: String,
    /// Bytes received and not yet consumed by the parser (from `query_pos`).
    pub query: Vec<u8>,
    pub query_pos: usize,
    pub parser: RequestParser,
    pub argv: Argv,
    /// Reply bytes not yet written to the connection.
    pub reply: Vec<u8>,
    /// 2 or 3.
    pub resp: u8,
    pub authenticated: bool,
    /// Close the connection once `reply` is flushed (QUIT, protocol error, CLIENT KILL).
    pub close_after_reply: bool,
    /// Close at once (output buffer limit, timeout).
    pub close_asap: bool,
    pub multi: Option<MultiState>,
    pub watched: Vec<(usize, Box<[u8]>)>,
    pub created_ms: i64,
    pub last_interaction_ms: i64,
    pub last_cmd: &'static str,
    /// Bytes of `reply` already written by the driver when the buffer is drained partially.
    pub reply_sent: usize,
    pub total_commands: u64,
    /// Since when the pending reply has been over the soft output limit.
    pub soft_limit_since_ms: Option<i64>,
    /// Set while blocked in BLPOP & co. (`server::blocking`); input then waits in `query`.
    pub blocked: Option<Box<crate::server::blocking::BlockState>>,
    /// CLIENT_DENY_BLOCKING: set by EXEC while it runs queued commands, so blocking commands
    /// answer at once instead of blocking.
    pub deny_blocking: bool,
}

impl Client {
    pub fn new(id: ClientId, addr: String, laddr: String, now_ms: i64, authenticated: bool) -> Client {
        Client {
            id,
            db: 0,
            name: None,
            addr,
            laddr,
            query: Vec::new(),
            query_pos: 0,
            parser: RequestParser::default(),
            argv: Argv::new(),
            reply: Vec::new(),
            resp: 2,
            authenticated,
            close_after_reply: false,
            close_asap: false,
            multi: None,
            watched: Vec::new(),
            created_ms: now_ms,
            last_interaction_ms: now_ms,
            last_cmd: "NULL",
            reply_sent: 0,
            total_commands: 0,
            soft_limit_since_ms: None,
            blocked: None,
            deny_blocking: false,
        }
    }

    /// Bytes of the reply still to be sent.
    pub fn pending_reply(&self) -> &[u8] {
        &self.reply[self.reply_sent..]
    }

    /// Record that the driver sent `n` more reply bytes; frees the buffer when all are sent.
    pub fn consume_reply(&mut self, n: usize) {
        self.reply_sent += n;
        if self.reply_sent >= self.reply.len() {
            self.reply.clear();
            self.reply_sent = 0;
        }
    }

    /// True for the AOF loader's client.
    pub fn must_obey(&self) -> bool {
        self.id == AOF_CLIENT_ID
    }

    /// Append received bytes to the query buffer, compacting consumed bytes first.
    pub fn feed(&mut self, bytes: &[u8]) {
        if self.query_pos > 0 && self.query_pos == self.query.len() {
            self.query.clear();
            self.query_pos = 0;
        } else if self.query_pos > 4096 && self.query_pos * 2 > self.query.len() {
            self.query.drain(..self.query_pos);
            self.query_pos = 0;
        }
        self.query.extend_from_slice(bytes);
    }

    /// Authentication state; unauthenticated clients get Redis's small request limits.
    pub fn set_authenticated(&mut self, yes: bool) {
        self.authenticated = yes;
        self.parser.set_auth_required(!yes);
    }

    pub fn unconsumed_query(&self) -> usize {
        self.query.len() - self.query_pos
    }
}
