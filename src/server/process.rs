//! Command processing (`processInputBuffer`, `processCommand`, `call`): parse complete commands
//! from the query buffer, check them (lookup, arity, auth, OOM, MISCONF), queue them inside
//! MULTI, execute them with the command time snapshot, and propagate their effects.
//!
//! Propagation contract: a command that changed `ks.dirty` and did not record effects of its
//! own is propagated as its argv (Redis's default); commands that rewrite themselves (SET EX →
//! SET PXAT, INCRBYFLOAT → SET KEEPTTL, …) push their effects and set `ctx.propagated`.

use super::client::{Client, MultiState};
use super::Server;
use crate::commands::{flags, Command};
use crate::resp::{Argv, Limits};

/// Largest number of commands executed from one client's buffer per `feed` before yielding
/// (keeps one pipelining client from starving the others; Redis processes the whole buffer).
const COMMANDS_PER_FEED_MAX: usize = 100_000;
/// Pipelined requests whose keys are prefetched together (see [`Server::prefetch_keys`]).
const PREFETCH_WINDOW: usize = 16;
/// Bytes of the query buffer the look-ahead scans, so that a request of millions of
/// arguments arriving in many reads is not rescanned whole after each.
const PREFETCH_SCAN_MAX: usize = 16 * 1024;

impl Server {
    pub(crate) fn limits(&self) -> Limits {
        Limits {
            bulk_max: usize::try_from(self.config.proto_max_bulk_len).unwrap_or(usize::MAX),
            query_buffer_max: usize::try_from(self.config.client_query_buffer_limit).unwrap_or(usize::MAX),
            ..Limits::default()
        }
    }

    /// Parse and run every complete command in the client's query buffer.
    pub(crate) fn process_input(&mut self, c: &mut Client) {
        let limits = self.limits();
        let mut argv = std::mem::take(&mut c.argv);
        for n in 0..COMMANDS_PER_FEED_MAX {
            if c.is_blocked() || c.close_after_reply || c.close_asap || c.query_pos >= c.query.len() {
                break;
            }
            if n % PREFETCH_WINDOW == 0 {
                self.prefetch_keys(c);
            }
            match c.parser.parse(&c.query[c.query_pos..], &limits, &mut argv) {
                Ok(Some(used)) => {
                    c.query_pos += used;
                    if !argv.is_empty() {
                        self.process_command(c, &argv);
                    }
                }
                Ok(None) => break,
                Err(e) => {
                    e.write_reply(&mut c.reply);
                    c.close_after_reply = true;
                    self.log_verbose(&format!("Protocol error ({e}) from client: id={} addr={}", c.id, c.addr));
                    break;
                }
            }
        }
        c.argv = argv;
        if c.query_pos == c.query.len() {
            c.query.clear();
            c.query_pos = 0;
        }
        self.check_output_limits(c);
    }

    /// With several requests pipelined in the query buffer, start loading the keyspace
    /// buckets of the next [`PREFETCH_WINDOW`] requests' keys, then the first node of each
    /// chain, before running them: the lookups' cache misses then overlap instead of each
    /// stalling its command (at `-P 16`, SET spent over a third of its time waiting for them).
    /// A hint only; a single request is left alone.
    fn prefetch_keys(&self, c: &Client) {
        if !c.parser.is_idle() {
            return;
        }
        let pending = &c.query[c.query_pos..];
        let mut keys = [&[][..]; PREFETCH_WINDOW];
        let n = crate::resp::peek::first_keys(&pending[..pending.len().min(PREFETCH_SCAN_MAX)], &mut keys);
        if n < 2 {
            return;
        }
        let dict = &self.ks.dbs[c.db].dict;
        let mut hashes = [0u64; PREFETCH_WINDOW];
        for (hash, key) in hashes.iter_mut().zip(&keys[..n]) {
            *hash = dict.hash(*key);
            dict.prefetch_hashed(*hash);
        }
        for &hash in &hashes[..n] {
            dict.prefetch_chain_hashed(hash);
        }
    }

    /// `client-output-buffer-limit normal`: a client whose pending reply passes the hard
    /// limit, or stays over the soft limit for the soft seconds, is closed (Redis's
    /// `checkClientOutputBufferLimits`). 0 disables a limit.
    fn check_output_limits(&mut self, c: &mut Client) {
        let limit = self.config.output_normal;
        let pending = c.pending_reply().len() as u64;
        let now = self.env.clock.unix_ms();
        let hard = limit.hard_bytes > 0 && pending > limit.hard_bytes;
        let soft_over = limit.soft_bytes > 0 && pending > limit.soft_bytes;
        let soft = match (soft_over, c.soft_limit_since_ms) {
            (false, _) => {
                c.soft_limit_since_ms = None;
                false
            }
            (true, None) => {
                c.soft_limit_since_ms = Some(now);
                limit.soft_seconds == 0
            }
            (true, Some(since)) => now - since >= limit.soft_seconds as i64 * 1000,
        };
        if (hard || soft) && !c.close_asap {
            c.close_asap = true;
            self.log_warning(&format!("Client id={} addr={} scheduled to be closed ASAP for overcoming of output buffer limits.", c.id, c.addr));
        }
    }

    /// `processCommand`: checks, MULTI queueing, then `call`.
    pub fn process_command(&mut self, c: &mut Client, argv: &Argv) {
        self.ks.now_ms = self.env.clock.unix_ms();
        self.ks.record_effects = self.wants_effects();
        let name = argv.get(0);
        if name.eq_ignore_ascii_case(b"quit") {
            c.add_ok();
            c.close_after_reply = true;
            return;
        }
        let Some(cmd) = self.commands.lookup(name) else {
            flag_multi_error(c);
            c.add_error(&unknown_command_error(argv));
            return;
        };
        if !cmd.arity_ok(argv.len()) {
            flag_multi_error(c);
            c.add_error(&format!("ERR wrong number of arguments for '{}' command", cmd.full_name(argv)));
            return;
        }
        if let Err(msg) = self.check_command(c, cmd) {
            if cmd.name == "exec" && c.multi.take().is_some() {
                // Redis's execCommandAbort: the transaction is discarded as a whole.
                self.unwatch_all(c);
                c.add_error(&format!("EXECABORT Transaction discarded because of: {msg}"));
                return;
            }
            flag_multi_error(c);
            c.add_error(&msg);
            return;
        }
        if c.multi.is_some() && cmd.flags & flags::NO_MULTI_QUEUE == 0 {
            if let Some(m) = c.multi.as_mut() {
                m.queued.push(argv.iter().map(<[u8]>::to_vec).collect());
                m.flags |= cmd.flags;
            }
            c.add_simple("QUEUED");
            return;
        }
        self.call(c, cmd, argv);
        self.drain_effects();
        self.serve_ready_keys();
    }

    /// Auth, OOM and persistence-error checks, with Redis's error texts.
    fn check_command(&mut self, c: &Client, cmd: &Command) -> Result<(), String> {
        if !c.authenticated && cmd.flags & flags::NO_AUTH == 0 {
            return Err("NOAUTH Authentication required.".into());
        }
        // EXEC counts as the commands it would run (Redis checks the whole transaction up
        // front, so a refused write never leaves half a transaction applied).
        let queued = if cmd.name == "exec" { c.multi.as_ref().map_or(0, |m| m.flags) } else { 0 };
        let effective = cmd.flags | queued;
        let out_of_memory = self.config.maxmemory > 0 && !self.aof.loading && crate::evict::perform_evictions(self).is_err();
        if effective & flags::DENYOOM != 0 && out_of_memory {
            return Err("OOM command not allowed when used memory > 'maxmemory'.".into());
        }
        if effective & flags::WRITE != 0 {
            if let Some(msg) = self.write_blocked_reason() {
                return Err(msg);
            }
        }
        Ok(())
    }

    /// True when `maxmemory` is set and exceeded (and eviction cannot help: policy noeviction).
    pub fn over_maxmemory(&self) -> bool {
        self.config.maxmemory > 0 && self.env.memory.used() as u64 > self.config.maxmemory
    }

    /// `call`: execute with the time snapshot, count, and propagate.
    pub fn call(&mut self, c: &mut Client, cmd: &'static Command, argv: &Argv) {
        let dirty_before = self.ks.dirty;
        let mut ctx = crate::commands::Ctx { propagated: false };
        (cmd.handler)(self, c, argv, &mut ctx);
        let wanted = self.ks.record_effects && !ctx.propagated && cmd.flags & flags::WRITE != 0;
        if wanted && self.ks.dirty != dirty_before {
            self.ks.propagate(c.db, argv.iter().map(<[u8]>::to_vec).collect());
        }
        self.stats.total_commands += 1;
        c.total_commands += 1;
        c.last_cmd = cmd.name;
    }

    /// MULTI.
    pub fn start_multi(&mut self, c: &mut Client) {
        c.multi = Some(MultiState::default());
    }

    /// Drop every WATCH of the client (UNWATCH, EXEC, DISCARD, disconnect).
    pub fn unwatch_all(&mut self, c: &mut Client) {
        for (db, key) in c.watched.drain(..) {
            self.ks.unwatch(db, &key, c.id);
        }
        self.ks.clear_dirty_cas(c.id);
    }

    pub fn log_verbose(&mut self, msg: &str) {
        let now = self.env.clock.unix_ms();
        self.log.line(self.env.pid, now, super::log::Level::Verbose, msg);
    }

    pub fn log_notice(&mut self, msg: &str) {
        let now = self.env.clock.unix_ms();
        self.log.line(self.env.pid, now, super::log::Level::Notice, msg);
    }

    pub fn log_warning(&mut self, msg: &str) {
        let now = self.env.clock.unix_ms();
        self.log.line(self.env.pid, now, super::log::Level::Warning, msg);
    }
}

fn flag_multi_error(c: &mut Client) {
    if let Some(m) = c.multi.as_mut() {
        m.dirty_exec = true;
    }
}

/// Redis 7.0: `ERR unknown command 'foo', with args beginning with: 'a' 'b' `
/// (the argument list is cut at 128 characters).
fn unknown_command_error(argv: &Argv) -> String {
    let mut args = String::new();
    for i in 1..argv.len() {
        if args.len() >= 128 {
            break;
        }
        args.push_str(&format!("'{}' ", sanitize(argv.get(i), 128 - args.len())));
    }
    format!("ERR unknown command '{}', with args beginning with: {args}", sanitize(argv.get(0), 128))
}

/// Error texts cannot hold newlines; Redis replaces them with spaces and truncates.
fn sanitize(b: &[u8], max: usize) -> String {
    let s: String = String::from_utf8_lossy(&b[..b.len().min(max)]).chars().map(|c| if c == '\r' || c == '\n' { ' ' } else { c }).collect();
    s
}
