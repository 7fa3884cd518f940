//! The command table (Redis's `redisCommandTable`): name, arity, flags, key positions and the
//! handler of every command Keel supports, one file per family.
//!
//! Arity follows Redis: `n > 0` means exactly `n` arguments (the name included), `-n` means
//! at least `n`. Handlers reply into the client and record their effects in the keyspace; see
//! `server::process` for the propagation contract.

/// One row of a command table: name, arity, flags, first/last key and step, handler.
macro_rules! cmd {
    ($name:expr, $arity:expr, $flags:expr, $first:expr, $last:expr, $step:expr, $h:path) => {
        Command { name: $name, arity: $arity, flags: $flags, first_key: $first, last_key: $last, key_step: $step, handler: $h }
    };
}

pub mod aof_cmds;
pub mod conn;
pub mod expire;
pub mod hash;
pub mod hash_random;
pub mod hash_read;
pub mod hash_scan;
pub mod info;
pub mod keys;
pub mod list;
pub mod list_block;
pub mod list_pop;
pub mod memory;
pub mod memory_size;
pub mod multi;
pub mod rdb_cmds;
pub mod scan;
pub mod server_cmds;
pub mod set;
pub mod set_ops;
pub mod set_random;
pub mod sort;
pub mod sort_pattern;
pub mod stream;
pub mod stream_group;
pub mod stream_read;
pub mod strings;
pub mod zset;
pub mod zset_add;
pub mod zset_block;
pub mod zset_pop;
pub mod zset_range;
pub mod zset_store;

use crate::env::hash::KeyedMap;
use crate::env::KeyedState;
use crate::resp::Argv;
use crate::server::client::Client;
use crate::server::Server;

/// Per-call context a handler may update.
pub struct Ctx {
    /// The handler recorded its own effects; don't propagate argv as is.
    pub propagated: bool,
}

pub type Handler = fn(&mut Server, &mut Client, &Argv, &mut Ctx);

pub mod flags {
    pub const WRITE: u32 = 1;
    pub const READONLY: u32 = 1 << 1;
    pub const DENYOOM: u32 = 1 << 2;
    pub const ADMIN: u32 = 1 << 3;
    pub const FAST: u32 = 1 << 4;
    pub const NO_AUTH: u32 = 1 << 5;
    /// Executed at once even inside MULTI (MULTI, EXEC, DISCARD, WATCH, RESET…).
    pub const NO_MULTI_QUEUE: u32 = 1 << 6;
    pub const LOADING: u32 = 1 << 7;
    pub const STALE: u32 = 1 << 8;

    const NAMES: [(u32, &str); 8] = [
        (WRITE, "write"),
        (READONLY, "readonly"),
        (DENYOOM, "denyoom"),
        (ADMIN, "admin"),
        (FAST, "fast"),
        (NO_AUTH, "no_auth"),
        (LOADING, "loading"),
        (STALE, "stale"),
    ];

    /// Flag names as COMMAND INFO reports them.
    pub fn names(f: u32) -> Vec<&'static str> {
        NAMES.iter().filter(|(bit, _)| f & bit != 0).map(|(_, n)| *n).collect()
    }
}

pub struct Command {
    pub name: &'static str,
    pub arity: i32,
    pub flags: u32,
    pub first_key: i32,
    pub last_key: i32,
    pub key_step: i32,
    pub handler: Handler,
}

impl Command {
    pub fn arity_ok(&self, argc: usize) -> bool {
        let argc = argc as i64;
        let arity = i64::from(self.arity);
        if arity > 0 {
            argc == arity
        } else {
            argc >= -arity
        }
    }

    /// The name in arity errors: `config|get` for container commands with a subcommand.
    pub fn full_name(&self, argv: &Argv) -> String {
        if CONTAINERS.contains(&self.name) && argv.len() >= 2 {
            format!("{}|{}", self.name, String::from_utf8_lossy(argv.get(1)).to_ascii_lowercase())
        } else {
            self.name.to_string()
        }
    }
}

const CONTAINERS: [&str; 4] = ["config", "client", "object", "command"];

use flags::*;

/// Shorthands for the tables.
pub(crate) const W: u32 = WRITE;
pub(crate) const WD: u32 = WRITE | DENYOOM;
pub(crate) const R: u32 = READONLY;
pub(crate) const NQ: u32 = NO_MULTI_QUEUE;

/// The tables of every command family: this file's, then one per data type.
pub static FAMILIES: [&[Command]; 6] = [COMMANDS, list::COMMANDS, hash::COMMANDS, set::COMMANDS, zset::COMMANDS, stream::COMMANDS];

/// The string, key, server and connection commands.
pub static COMMANDS: &[Command] = &[
    // strings
    cmd!("get", 2, R | FAST, 1, 1, 1, strings::get),
    cmd!("set", -3, WD, 1, 1, 1, strings::set),
    cmd!("setnx", 3, WD | FAST, 1, 1, 1, strings::setnx),
    cmd!("setex", 4, WD, 1, 1, 1, strings::setex),
    cmd!("psetex", 4, WD, 1, 1, 1, strings::psetex),
    cmd!("getset", 3, WD | FAST, 1, 1, 1, strings::getset),
    cmd!("getdel", 2, W | FAST, 1, 1, 1, strings::getdel),
    cmd!("getex", -2, W | FAST, 1, 1, 1, strings::getex),
    cmd!("mget", -2, R | FAST, 1, -1, 1, strings::mget),
    cmd!("mset", -3, WD, 1, -1, 2, strings::mset),
    cmd!("msetnx", -3, WD, 1, -1, 2, strings::msetnx),
    cmd!("incr", 2, WD | FAST, 1, 1, 1, strings::incr),
    cmd!("decr", 2, WD | FAST, 1, 1, 1, strings::decr),
    cmd!("incrby", 3, WD | FAST, 1, 1, 1, strings::incrby),
    cmd!("decrby", 3, WD | FAST, 1, 1, 1, strings::decrby),
    cmd!("incrbyfloat", 3, WD | FAST, 1, 1, 1, strings::incrbyfloat),
    cmd!("append", 3, WD, 1, 1, 1, strings::append),
    cmd!("strlen", 2, R | FAST, 1, 1, 1, strings::strlen),
    cmd!("getrange", 4, R, 1, 1, 1, strings::getrange),
    cmd!("substr", 4, R, 1, 1, 1, strings::getrange),
    cmd!("setrange", 4, WD, 1, 1, 1, strings::setrange),
    // keys
    cmd!("del", -2, W, 1, -1, 1, keys::del),
    cmd!("unlink", -2, W | FAST, 1, -1, 1, keys::unlink),
    cmd!("exists", -2, R | FAST, 1, -1, 1, keys::exists),
    cmd!("type", 2, R | FAST, 1, 1, 1, keys::type_),
    cmd!("touch", -2, R | FAST, 1, -1, 1, keys::touch),
    cmd!("rename", 3, W, 1, 2, 1, keys::rename),
    cmd!("renamenx", 3, W | FAST, 1, 2, 1, keys::renamenx),
    cmd!("copy", -3, WD, 1, 2, 1, keys::copy),
    cmd!("move", 3, W | FAST, 1, 1, 1, keys::move_),
    cmd!("swapdb", 3, W | FAST, 0, 0, 0, keys::swapdb),
    cmd!("dbsize", 1, R | FAST, 0, 0, 0, keys::dbsize),
    cmd!("flushdb", -1, W, 0, 0, 0, keys::flushdb),
    cmd!("flushall", -1, W, 0, 0, 0, keys::flushall),
    cmd!("keys", 2, R, 0, 0, 0, keys::keys),
    cmd!("scan", -2, R, 0, 0, 0, scan::scan),
    cmd!("randomkey", 1, R, 0, 0, 0, keys::randomkey),
    cmd!("object", -2, R, 2, 2, 1, keys::object),
    cmd!("sort", -2, WD, 1, 1, 1, sort::sort),
    cmd!("sort_ro", -2, R, 1, 1, 1, sort::sort_ro),
    cmd!("memory", -2, R, 0, 0, 0, memory::memory),
    // expire
    cmd!("expire", -3, W | FAST, 1, 1, 1, expire::expire),
    cmd!("pexpire", -3, W | FAST, 1, 1, 1, expire::pexpire),
    cmd!("expireat", -3, W | FAST, 1, 1, 1, expire::expireat),
    cmd!("pexpireat", -3, W | FAST, 1, 1, 1, expire::pexpireat),
    cmd!("ttl", 2, R | FAST, 1, 1, 1, expire::ttl),
    cmd!("pttl", 2, R | FAST, 1, 1, 1, expire::pttl),
    cmd!("expiretime", 2, R | FAST, 1, 1, 1, expire::expiretime),
    cmd!("pexpiretime", 2, R | FAST, 1, 1, 1, expire::pexpiretime),
    cmd!("persist", 2, W | FAST, 1, 1, 1, expire::persist),
    // transactions
    cmd!("multi", 1, FAST | NQ, 0, 0, 0, multi::multi),
    cmd!("exec", 1, NQ, 0, 0, 0, multi::exec),
    cmd!("discard", 1, FAST | NQ, 0, 0, 0, multi::discard),
    cmd!("watch", -2, FAST | NQ, 1, -1, 1, multi::watch),
    cmd!("unwatch", 1, FAST, 0, 0, 0, multi::unwatch),
    // connection
    cmd!("ping", -1, FAST, 0, 0, 0, conn::ping),
    cmd!("echo", 2, FAST, 0, 0, 0, conn::echo),
    cmd!("select", 2, FAST | LOADING, 0, 0, 0, conn::select),
    cmd!("auth", -2, FAST | NO_AUTH | LOADING, 0, 0, 0, conn::auth),
    cmd!("hello", -1, FAST | NO_AUTH | LOADING, 0, 0, 0, conn::hello),
    cmd!("client", -2, LOADING, 0, 0, 0, conn::client),
    cmd!("time", 1, FAST | LOADING, 0, 0, 0, conn::time),
    cmd!("reset", 1, FAST | NO_AUTH | NQ, 0, 0, 0, conn::reset),
    // server
    cmd!("info", -1, LOADING, 0, 0, 0, info::info),
    cmd!("config", -2, ADMIN | LOADING, 0, 0, 0, server_cmds::config),
    cmd!("command", -1, LOADING, 0, 0, 0, server_cmds::command),
    cmd!("debug", -2, ADMIN, 0, 0, 0, server_cmds::debug),
    cmd!("shutdown", -1, ADMIN | LOADING, 0, 0, 0, server_cmds::shutdown),
    // persistence
    cmd!("save", 1, ADMIN, 0, 0, 0, rdb_cmds::save),
    cmd!("bgsave", -1, ADMIN, 0, 0, 0, rdb_cmds::bgsave),
    cmd!("lastsave", 1, FAST | LOADING, 0, 0, 0, rdb_cmds::lastsave),
    cmd!("bgrewriteaof", 1, ADMIN, 0, 0, 0, aof_cmds::bgrewriteaof),
    cmd!("dump", 2, R, 1, 1, 1, rdb_cmds::dump),
    cmd!("restore", -4, WD, 1, 1, 1, rdb_cmds::restore),
];

/// Name → command, looked up case-insensitively.
pub struct CommandTable {
    by_name: KeyedMap<&'static [u8], &'static Command>,
}

/// Longest command name; longer names are unknown without hashing.
const NAME_MAX: usize = 32;

impl CommandTable {
    pub fn new() -> CommandTable {
        let mut by_name = KeyedMap::with_hasher(KeyedState::fixed());
        for cmd in FAMILIES.iter().flat_map(|f| f.iter()) {
            by_name.insert(cmd.name.as_bytes(), cmd);
        }
        CommandTable { by_name }
    }

    pub fn lookup(&self, name: &[u8]) -> Option<&'static Command> {
        if name.len() > NAME_MAX {
            return None;
        }
        let mut lower = [0u8; NAME_MAX];
        for (d, s) in lower.iter_mut().zip(name) {
            *d = s.to_ascii_lowercase();
        }
        self.by_name.get(&lower[..name.len()]).copied()
    }

    pub fn all(&self) -> impl Iterator<Item = &'static Command> + '_ {
        FAMILIES.iter().flat_map(|f| f.iter())
    }
}

impl Default for CommandTable {
    fn default() -> Self {
        Self::new()
    }
}

/// Parse an integer argument exactly as Redis's `string2ll` (no spaces, no `+`).
pub fn arg_i64(arg: &[u8]) -> Option<i64> {
    crate::util::number::string2ll(arg)
}
