//! The server as a state machine (DESIGN §3). The same `Server` value runs under the production
//! event loop (`net`) and under the simulator; both call only these entry points:
//!
//! 1. [`Server::connect`] / [`Server::feed`] / [`Server::disconnect`]: bytes in; `feed` parses
//!    and executes every complete command, buffering replies in the client;
//! 2. [`Server::before_sleep`]: fast active-expire cycle, then (with AOF) the flush of `aof_buf`;
//!    only after it returns may the driver send reply bytes (the write barrier);
//! 3. [`Server::cron`]: called by the driver every `1000/hz` ms of the `Clock`.
//!
//! Nothing here does I/O except through `Env`.

pub mod blocking;
pub mod client;
pub mod cron;
pub mod log;
pub mod process;
pub mod persist;
pub mod reply;


use crate::commands::CommandTable;
use crate::config::Config;
use crate::env::hash::KeyedMap;
use crate::env::{Env, KeyedState, Rng};
use crate::expire::ActiveExpire;
use crate::keyspace::{ClientId, Keyspace, LruMode};
use client::Client;
use log::Log;

/// Server-wide counters for INFO stats.
#[derive(Clone, Debug, Default)]
pub struct Stats {
    pub total_connections: u64,
    pub rejected_connections: u64,
    pub total_commands: u64,
    pub net_input_bytes: u64,
    pub net_output_bytes: u64,
    pub cron_loops: u64,
    /// Times background-job results were collected (cron and before the AOF flush): the
    /// simulator's clock for when the engine learns a background fsync's result.
    pub background_reaps: u64,
}

/// What [`Server::write_output`] left behind.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Flushed {
    /// Everything written.
    Idle,
    /// The connection would block: wait until it is writable.
    Pending,
    /// Close the connection (QUIT, error, kill, broken pipe).
    Close,
}

pub struct Server {
    pub env: Env,
    pub config: Config,
    pub ks: Keyspace,
    /// Connected clients (the one whose command is executing is taken out meanwhile).
    /// A hash map with keys from the seeded PRNG: cheap take-out/put-back on every read,
    /// and a deterministic iteration order for a seed.
    pub clients: KeyedMap<ClientId, Box<Client>>,
    pub commands: CommandTable,
    pub stats: Stats,
    pub log: Log,
    pub active_expire: ActiveExpire,
    pub start_unix_ms: i64,
    pub start_mono_us: u64,
    /// Set by SHUTDOWN; the driver exits after the final before_sleep.
    pub shutdown: bool,
    /// Set by DEBUG SLEEP in simulation-free drivers: microseconds to block.
    pub run_id: String,
    /// Clients other than the current one marked for closing (CLIENT KILL, timeout); the
    /// driver collects them with `take_close_requests`.
    pub close_requests: Vec<ClientId>,
    /// When set, every propagated effect is also appended here (tests and the simulator
    /// observe what the AOF would receive).
    pub effects_log: Option<Vec<crate::keyspace::Effect>>,
    pub eviction_pool: crate::evict::EvictionPool,
    /// EXEC is running its queued commands.
    pub in_exec: bool,
    pub rdb: crate::rdb::RdbState,
    pub aof: crate::aof::AofState,
    /// Clients blocked in BLPOP & co. and the keys they wait on (`server::blocking`).
    pub blocked: blocking::Blocked,
    next_client_id: ClientId,
    last_cron_us: u64,
}

impl Server {
    pub fn new(env: Env, config: Config) -> Server {
        let mut rng = Rng::new(env.seed);
        let run_id = (0..40).map(|_| char::from(b"0123456789abcdef"[rng.below(16) as usize])).collect();
        let mut ks = Keyspace::new(config.databases, rng.fork_stream());
        ks.now_ms = env.clock.unix_ms();
        let start_mono_us = env.clock.monotonic_us();
        let mut server = Server {
            start_unix_ms: ks.now_ms,
            start_mono_us,
            ks,
            config,
            clients: KeyedMap::with_hasher(KeyedState::new(&mut rng)),
            commands: CommandTable::new(),
            stats: Stats::default(),
            log: Log::default(),
            active_expire: ActiveExpire::default(),
            shutdown: false,
            run_id,
            close_requests: Vec::new(),
            effects_log: None,
            eviction_pool: Default::default(),
            in_exec: false,
            rdb: Default::default(),
            aof: Default::default(),
            blocked: Default::default(),
            next_client_id: 1,
            last_cron_us: start_mono_us,
            env,
        };
        server.apply_config();
        server
    }

    /// Re-derive state that depends on the configuration (after CONFIG SET).
    pub fn apply_config(&mut self) {
        self.ks.lru_mode = if self.config.lfu_mode() {
            LruMode::Lfu { log_factor: self.config.lfu_log_factor, decay_minutes: self.config.lfu_decay_time }
        } else {
            LruMode::Lru
        };
    }

    /// A new connection; returns its id. `trusted` connections (loopback) skip protected mode.
    pub fn connect(&mut self, addr: String, laddr: String) -> ClientId {
        let id = self.next_client_id;
        self.next_client_id += 1;
        let now = self.env.clock.unix_ms();
        let authenticated = self.config.requirepass.is_none();
        let mut client = Client::new(id, addr, laddr, now, authenticated);
        client.parser.set_auth_required(!authenticated);
        if self.clients.len() as u64 >= self.config.maxclients {
            client.add_error("ERR max number of clients reached");
            client.close_after_reply = true;
            self.stats.rejected_connections += 1;
        }
        self.stats.total_connections += 1;
        self.clients.insert(id, Box::new(client));
        id
    }

    /// Forget a client (connection closed): its WATCHes and MULTI state go with it.
    pub fn disconnect(&mut self, id: ClientId) {
        if let Some(mut c) = self.clients.remove(&id) {
            self.unwatch_all(&mut c);
            self.unblock_disconnected(&mut c);
        }
    }

    /// Bytes received from a client: parse and execute every complete command.
    pub fn feed(&mut self, id: ClientId, bytes: &[u8]) {
        let Some(mut c) = self.clients.remove(&id) else { return };
        self.stats.net_input_bytes += bytes.len() as u64;
        c.feed(bytes);
        c.last_interaction_ms = self.env.clock.unix_ms();
        self.process_input(&mut c);
        self.clients.insert(id, c);
    }

    /// Bytes a client may be sent now (call after `before_sleep`).
    pub fn pending_output(&self, id: ClientId) -> Option<&[u8]> {
        self.clients.get(&id).map(|c| c.pending_reply())
    }

    /// The driver sent `n` bytes of a client's pending output.
    pub fn output_sent(&mut self, id: ClientId, n: usize) {
        if let Some(c) = self.clients.get_mut(&id) {
            c.consume_reply(n);
            self.stats.net_output_bytes += n as u64;
        }
    }

    /// Write a client's pending output with `write` (one lookup, as many writes as the
    /// connection takes) and say what the driver should do next.
    pub fn write_output(&mut self, id: ClientId, write: &mut dyn FnMut(&[u8]) -> std::io::Result<usize>) -> Flushed {
        let Some(c) = self.clients.get_mut(&id) else { return Flushed::Close };
        loop {
            let out = c.pending_reply();
            if out.is_empty() {
                break;
            }
            match write(out) {
                Ok(0) => return Flushed::Close,
                Ok(n) => {
                    c.consume_reply(n);
                    self.stats.net_output_bytes += n as u64;
                }
                Err(e) if e.kind() == std::io::ErrorKind::WouldBlock => break,
                Err(e) if e.kind() == std::io::ErrorKind::Interrupted => {}
                Err(_) => return Flushed::Close,
            }
        }
        if c.close_asap || (c.close_after_reply && c.pending_reply().is_empty()) {
            Flushed::Close
        } else if c.pending_reply().is_empty() {
            Flushed::Idle
        } else {
            Flushed::Pending
        }
    }

    /// Should the driver close this client once its output is flushed (or at once)?
    pub fn wants_close(&self, id: ClientId) -> bool {
        self.clients.get(&id).is_none_or(|c| c.close_asap || (c.close_after_reply && c.pending_reply().is_empty()))
    }

    /// Before the driver sleeps: fast expire cycle; (with AOF) flush. Replies may be released
    /// only after this returns.
    pub fn before_sleep(&mut self) {
        self.ks.now_ms = self.env.clock.unix_ms();
        self.ks.record_effects = self.wants_effects();
        let now_us = self.env.clock.monotonic_us();
        crate::expire::fast_cycle(self, now_us);
        self.drain_effects();
        crate::aof::flush(self, false);
    }

    /// Run cron if its period has elapsed; returns microseconds until the next run is due.
    pub fn maybe_cron(&mut self) -> u64 {
        let period_us = 1_000_000 / u64::from(self.config.hz.max(1));
        let now = self.env.clock.monotonic_us();
        if now.saturating_sub(self.last_cron_us) >= period_us {
            self.last_cron_us = now;
            self.cron();
            return period_us;
        }
        period_us - (now - self.last_cron_us)
    }

    /// Does anything consume command effects right now (AOF, a rewrite child, an observer)?
    pub fn wants_effects(&self) -> bool {
        self.config.appendonly
            || self.aof.status != crate::aof::AofStatus::Off
            || self.aof.rewrite.is_some()
            || self.effects_log.is_some()
    }

    /// Effects of executed commands go to the AOF buffer (and the rewrite buffer).
    pub fn drain_effects(&mut self) {
        if let Some(log) = self.effects_log.as_mut() {
            log.extend(self.ks.effects.iter().cloned());
        }
        crate::aof::feed(self);
    }

    /// Clients marked for closing since the last call.
    pub fn take_close_requests(&mut self) -> Vec<ClientId> {
        std::mem::take(&mut self.close_requests)
    }

    /// Protected mode: refuse a non-loopback client with Redis's DENIED text.
    pub fn deny_protected(&mut self, id: ClientId) {
        if let Some(c) = self.clients.get_mut(&id) {
            c.add_error(PROTECTED_MODE_DENIED);
            c.close_after_reply = true;
        }
    }

    /// SIGTERM/SIGINT: shut down as SHUTDOWN would (saving when configured).
    pub fn shutdown_from_signal(&mut self) -> Result<(), String> {
        self.prepare_shutdown(false, false)?;
        self.shutdown = true;
        Ok(())
    }

    pub fn uptime_s(&self) -> u64 {
        (self.env.clock.monotonic_us() - self.start_mono_us) / 1_000_000
    }

    pub fn client_ids(&self) -> Vec<ClientId> {
        let mut ids: Vec<ClientId> = self.clients.keys().copied().collect();
        ids.sort_unstable();
        ids
    }
}

const PROTECTED_MODE_DENIED: &str = "DENIED Redis is running in protected mode because protected mode is enabled and no password is set for the default user. In this mode connections are only accepted from the loopback interface. If you want to connect from external computers to Redis you may adopt one of the following solutions: 1) Just disable protected mode sending the command 'CONFIG SET protected-mode no' from the loopback interface by connecting to Redis from the same host the server is running, however MAKE SURE Redis is not publicly accessible from internet if you do so. Use CONFIG REWRITE to make this change permanent. 2) Alternatively you can just disable the protected mode by editing the Redis configuration file, and setting the protected mode option to 'no', and then restarting the server. 3) If you started the server manually just for testing, restart it with the '--protected-mode no' option. 4) Set up an authentication password for the default user. NOTE: You only need to do one of the above things in order for the server to start accepting connections from the outside.";
