//! Server configuration: the parameters Keel supports, their defaults, parsing and printing,
//! shared by the config file, command-line arguments, CONFIG GET and CONFIG SET.
//!
//! Every parameter is a row of [`PARAMS`]: name, optional alias (Redis 7's listpack names),
//! whether CONFIG SET may change it at run time, and a getter/setter over [`Config`]. Errors use
//! Redis 7.0's texts, e.g. `argument couldn't be parsed into an integer`.

use crate::util::glob::string_match;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum AppendFsync {
    Always,
    Everysec,
    No,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum MaxmemoryPolicy {
    VolatileLru,
    AllkeysLru,
    VolatileLfu,
    AllkeysLfu,
    VolatileRandom,
    AllkeysRandom,
    VolatileTtl,
    NoEviction,
}

const POLICY_NAMES: [(&str, MaxmemoryPolicy); 8] = [
    ("volatile-lru", MaxmemoryPolicy::VolatileLru),
    ("volatile-lfu", MaxmemoryPolicy::VolatileLfu),
    ("volatile-random", MaxmemoryPolicy::VolatileRandom),
    ("volatile-ttl", MaxmemoryPolicy::VolatileTtl),
    ("allkeys-lru", MaxmemoryPolicy::AllkeysLru),
    ("allkeys-lfu", MaxmemoryPolicy::AllkeysLfu),
    ("allkeys-random", MaxmemoryPolicy::AllkeysRandom),
    ("noeviction", MaxmemoryPolicy::NoEviction),
];

const FSYNC_NAMES: [(&str, AppendFsync); 3] =
    [("everysec", AppendFsync::Everysec), ("always", AppendFsync::Always), ("no", AppendFsync::No)];

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum DebugCommand {
    No,
    Yes,
    Local,
}

/// The client-output-buffer-limit of one class: hard, soft, soft seconds.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct OutputLimit {
    pub hard_bytes: u64,
    pub soft_bytes: u64,
    pub soft_seconds: u64,
}

#[derive(Clone, Debug)]
pub struct Config {
    pub port: u16,
    pub bind: Vec<String>,
    pub protected_mode: bool,
    pub requirepass: Option<Vec<u8>>,
    pub maxclients: u64,
    pub timeout_s: u64,
    pub tcp_keepalive_s: u64,
    pub tcp_backlog: u64,
    pub databases: usize,
    pub hz: u32,
    /// Keel only: after an event-loop iteration that handled events, keep polling without
    /// sleeping for this many microseconds (0: always sleep in `epoll_wait`, as Redis does).
    pub event_loop_spin_us: u64,
    pub dynamic_hz: bool,
    pub dir: String,
    pub dbfilename: String,
    pub save_points: Vec<(u64, u64)>,
    pub rdbcompression: bool,
    pub rdbchecksum: bool,
    pub stop_writes_on_bgsave_error: bool,
    pub appendonly: bool,
    pub appendfilename: String,
    pub appendfsync: AppendFsync,
    pub no_appendfsync_on_rewrite: bool,
    pub auto_aof_rewrite_percentage: u64,
    pub auto_aof_rewrite_min_size: u64,
    pub aof_load_truncated: bool,
    pub aof_use_rdb_preamble: bool,
    pub aof_rewrite_incremental_fsync: bool,
    pub maxmemory: u64,
    pub maxmemory_policy: MaxmemoryPolicy,
    pub maxmemory_samples: u64,
    pub lfu_log_factor: u32,
    pub lfu_decay_time: u32,
    pub active_expire_effort: u32,
    pub lazyfree_lazy_user_del: bool,
    pub lazyfree_lazy_expire: bool,
    pub proto_max_bulk_len: u64,
    pub client_query_buffer_limit: u64,
    pub output_normal: OutputLimit,
    pub output_replica: OutputLimit,
    pub output_pubsub: OutputLimit,
    pub enable_debug_command: DebugCommand,
    pub loglevel: String,
    pub logfile: String,
    pub pidfile: String,
    pub daemonize: bool,
    pub hash_max_ziplist_entries: u64,
    pub hash_max_ziplist_value: u64,
    pub zset_max_ziplist_entries: u64,
    pub zset_max_ziplist_value: u64,
    pub set_max_intset_entries: u64,
    pub list_max_ziplist_size: i64,
    pub list_compress_depth: u64,
}

impl Default for Config {
    fn default() -> Self {
        Config {
            port: 6379,
            bind: vec!["127.0.0.1".into(), "-::1".into()],
            protected_mode: true,
            requirepass: None,
            maxclients: 10000,
            timeout_s: 0,
            tcp_keepalive_s: 300,
            tcp_backlog: 511,
            databases: 16,
            hz: 10,
            event_loop_spin_us: 300,
            dynamic_hz: true,
            dir: ".".into(),
            dbfilename: "dump.rdb".into(),
            save_points: vec![(3600, 1), (300, 100), (60, 10000)],
            rdbcompression: true,
            rdbchecksum: true,
            stop_writes_on_bgsave_error: true,
            appendonly: false,
            appendfilename: "appendonly.aof".into(),
            appendfsync: AppendFsync::Everysec,
            no_appendfsync_on_rewrite: false,
            auto_aof_rewrite_percentage: 100,
            auto_aof_rewrite_min_size: 64 << 20,
            aof_load_truncated: true,
            aof_use_rdb_preamble: true,
            aof_rewrite_incremental_fsync: true,
            maxmemory: 0,
            maxmemory_policy: MaxmemoryPolicy::NoEviction,
            maxmemory_samples: 5,
            lfu_log_factor: 10,
            lfu_decay_time: 1,
            active_expire_effort: 1,
            lazyfree_lazy_user_del: false,
            lazyfree_lazy_expire: false,
            proto_max_bulk_len: 512 << 20,
            client_query_buffer_limit: 1 << 30,
            output_normal: OutputLimit { hard_bytes: 0, soft_bytes: 0, soft_seconds: 0 },
            output_replica: OutputLimit { hard_bytes: 256 << 20, soft_bytes: 64 << 20, soft_seconds: 60 },
            output_pubsub: OutputLimit { hard_bytes: 32 << 20, soft_bytes: 8 << 20, soft_seconds: 60 },
            enable_debug_command: DebugCommand::No,
            loglevel: "notice".into(),
            logfile: String::new(),
            pidfile: String::new(),
            daemonize: false,
            hash_max_ziplist_entries: 128,
            hash_max_ziplist_value: 64,
            zset_max_ziplist_entries: 128,
            zset_max_ziplist_value: 64,
            set_max_intset_entries: 512,
            list_max_ziplist_size: -2,
            list_compress_depth: 0,
        }
    }
}

type Getter = fn(&Config) -> String;
type Setter = fn(&mut Config, &[&str]) -> Result<(), String>;

/// One configuration parameter.
pub struct Param {
    pub name: &'static str,
    pub alias: Option<&'static str>,
    /// CONFIG SET may change it at run time.
    pub mutable: bool,
    pub get: Getter,
    pub set: Setter,
}

fn yes_no(b: bool) -> String {
    if b { "yes" } else { "no" }.to_string()
}

fn parse_bool(v: &[&str]) -> Result<bool, String> {
    match one(v)?.to_ascii_lowercase().as_str() {
        "yes" => Ok(true),
        "no" => Ok(false),
        _ => Err("argument must be 'yes' or 'no'".into()),
    }
}

fn one<'a>(v: &[&'a str]) -> Result<&'a str, String> {
    match v {
        [x] => Ok(x),
        _ => Err("wrong number of arguments".into()),
    }
}

fn parse_int(v: &[&str], min: i64, max: i64) -> Result<i64, String> {
    let n: i64 = one(v)?.parse().map_err(|_| "argument couldn't be parsed into an integer".to_string())?;
    if n < min || n > max {
        return Err(format!("argument must be between {min} and {max} inclusive"));
    }
    Ok(n)
}

/// Redis's `memtoull`: a number with an optional b/k/kb/m/mb/g/gb suffix (k = 1000, kb = 1024).
pub fn parse_memory(s: &str) -> Option<u64> {
    let lower = s.to_ascii_lowercase();
    let split = lower.find(|c: char| !c.is_ascii_digit()).unwrap_or(lower.len());
    let (num, unit) = lower.split_at(split);
    let mul: u64 = match unit {
        "" | "b" => 1,
        "k" => 1000,
        "kb" => 1024,
        "m" => 1000 * 1000,
        "mb" => 1024 * 1024,
        "g" => 1000 * 1000 * 1000,
        "gb" => 1024 * 1024 * 1024,
        _ => return None,
    };
    num.parse::<u64>().ok()?.checked_mul(mul)
}

fn parse_mem_arg(v: &[&str]) -> Result<u64, String> {
    parse_memory(one(v)?).ok_or_else(|| "argument must be a memory value".to_string())
}

fn parse_enum<T: Copy>(v: &[&str], names: &[(&str, T)]) -> Result<T, String> {
    let s = one(v)?.to_ascii_lowercase();
    names.iter().find(|(n, _)| *n == s).map(|(_, t)| *t).ok_or_else(|| {
        let all: Vec<&str> = names.iter().map(|(n, _)| *n).collect();
        format!("argument(s) must be one of the following: {}", all.join(", "))
    })
}

fn enum_name<T: PartialEq>(v: T, names: &[(&'static str, T)]) -> String {
    names.iter().find(|(_, t)| *t == v).map(|(n, _)| n.to_string()).unwrap_or_default()
}

fn parse_save(v: &[&str]) -> Result<Vec<(u64, u64)>, String> {
    let words: Vec<&str> = v.iter().flat_map(|s| s.split_whitespace()).collect();
    if words.is_empty() || (words.len() == 1 && words[0].is_empty()) {
        return Ok(Vec::new());
    }
    if !words.len().is_multiple_of(2) {
        return Err("Invalid save parameters".into());
    }
    words
        .chunks(2)
        .map(|p| match (p[0].parse::<u64>(), p[1].parse::<u64>()) {
            (Ok(s), Ok(c)) => Ok((s, c)),
            _ => Err("Invalid save parameters".to_string()),
        })
        .collect()
}

fn show_save(c: &Config) -> String {
    c.save_points.iter().map(|(s, n)| format!("{s} {n}")).collect::<Vec<_>>().join(" ")
}

fn parse_output_limits(c: &mut Config, v: &[&str]) -> Result<(), String> {
    let words: Vec<&str> = v.iter().flat_map(|s| s.split_whitespace()).collect();
    if !words.len().is_multiple_of(4) || words.is_empty() {
        return Err("Wrong number of arguments in buffer limit configuration.".into());
    }
    for w in words.chunks(4) {
        let bad = || "Error in hard, soft or soft_seconds setting in buffer limit configuration.".to_string();
        let limit = OutputLimit {
            hard_bytes: parse_memory(w[1]).ok_or_else(bad)?,
            soft_bytes: parse_memory(w[2]).ok_or_else(bad)?,
            soft_seconds: w[3].parse().map_err(|_| bad())?,
        };
        match w[0].to_ascii_lowercase().as_str() {
            "normal" => c.output_normal = limit,
            "replica" | "slave" => c.output_replica = limit,
            "pubsub" => c.output_pubsub = limit,
            _ => return Err("Invalid client class specified in buffer limit configuration.".into()),
        }
    }
    Ok(())
}

fn show_output_limits(c: &Config) -> String {
    let f = |n: &str, l: &OutputLimit| format!("{n} {} {} {}", l.hard_bytes, l.soft_bytes, l.soft_seconds);
    format!("{} {} {}", f("normal", &c.output_normal), f("slave", &c.output_replica), f("pubsub", &c.output_pubsub))
}

const DEBUG_NAMES: [(&str, DebugCommand); 3] =
    [("no", DebugCommand::No), ("yes", DebugCommand::Yes), ("local", DebugCommand::Local)];

macro_rules! p {
    ($name:expr, $alias:expr, $mutable:expr, |$c:ident| $get:expr, |$cs:ident, $v:ident| $set:expr) => {
        Param { name: $name, alias: $alias, mutable: $mutable, get: |$c| $get, set: |$cs, $v| $set }
    };
}

/// Every supported parameter.
pub static PARAMS: &[Param] = &[
    p!("port", None, false, |c| c.port.to_string(), |c, v| { c.port = parse_int(v, 0, 65535)? as u16; Ok(()) }),
    p!("bind", None, false, |c| c.bind.join(" "), |c, v| { c.bind = v.iter().flat_map(|s| s.split_whitespace()).map(String::from).collect(); Ok(()) }),
    p!("protected-mode", None, true, |c| yes_no(c.protected_mode), |c, v| { c.protected_mode = parse_bool(v)?; Ok(()) }),
    p!("requirepass", None, true, |c| c.requirepass.as_ref().map(|p| String::from_utf8_lossy(p).into_owned()).unwrap_or_default(), |c, v| { let p = one(v)?; c.requirepass = (!p.is_empty()).then(|| p.as_bytes().to_vec()); Ok(()) }),
    p!("maxclients", None, true, |c| c.maxclients.to_string(), |c, v| { c.maxclients = parse_int(v, 1, i64::from(u32::MAX))? as u64; Ok(()) }),
    p!("timeout", None, true, |c| c.timeout_s.to_string(), |c, v| { c.timeout_s = parse_int(v, 0, i64::from(i32::MAX))? as u64; Ok(()) }),
    p!("tcp-keepalive", None, true, |c| c.tcp_keepalive_s.to_string(), |c, v| { c.tcp_keepalive_s = parse_int(v, 0, i64::from(i32::MAX))? as u64; Ok(()) }),
    p!("tcp-backlog", None, false, |c| c.tcp_backlog.to_string(), |c, v| { c.tcp_backlog = parse_int(v, 0, i64::from(i32::MAX))? as u64; Ok(()) }),
    p!("databases", None, false, |c| c.databases.to_string(), |c, v| { c.databases = parse_int(v, 1, i64::from(i32::MAX))? as usize; Ok(()) }),
    p!("hz", None, true, |c| c.hz.to_string(), |c, v| { c.hz = parse_int(v, i64::MIN, i64::MAX)?.clamp(1, 500) as u32; Ok(()) }),
    p!("event-loop-spin-us", None, true, |c| c.event_loop_spin_us.to_string(), |c, v| { c.event_loop_spin_us = parse_int(v, 0, 1_000_000)? as u64; Ok(()) }),
    p!("dynamic-hz", None, true, |c| yes_no(c.dynamic_hz), |c, v| { c.dynamic_hz = parse_bool(v)?; Ok(()) }),
    p!("dir", None, true, |c| c.dir.clone(), |c, v| { c.dir = one(v)?.to_string(); Ok(()) }),
    p!("dbfilename", None, true, |c| c.dbfilename.clone(), |c, v| { let f = one(v)?; if f.contains('/') { return Err("dbfilename can't be a path, just a filename".into()); } c.dbfilename = f.to_string(); Ok(()) }),
    p!("save", None, true, |c| show_save(c), |c, v| { c.save_points = parse_save(v)?; Ok(()) }),
    p!("rdbcompression", None, true, |c| yes_no(c.rdbcompression), |c, v| { c.rdbcompression = parse_bool(v)?; Ok(()) }),
    p!("rdbchecksum", None, true, |c| yes_no(c.rdbchecksum), |c, v| { c.rdbchecksum = parse_bool(v)?; Ok(()) }),
    p!("stop-writes-on-bgsave-error", None, true, |c| yes_no(c.stop_writes_on_bgsave_error), |c, v| { c.stop_writes_on_bgsave_error = parse_bool(v)?; Ok(()) }),
    p!("appendonly", None, true, |c| yes_no(c.appendonly), |c, v| { c.appendonly = parse_bool(v)?; Ok(()) }),
    p!("appendfilename", None, false, |c| c.appendfilename.clone(), |c, v| { c.appendfilename = one(v)?.to_string(); Ok(()) }),
    p!("appendfsync", None, true, |c| enum_name(c.appendfsync, &FSYNC_NAMES), |c, v| { c.appendfsync = parse_enum(v, &FSYNC_NAMES)?; Ok(()) }),
    p!("no-appendfsync-on-rewrite", None, true, |c| yes_no(c.no_appendfsync_on_rewrite), |c, v| { c.no_appendfsync_on_rewrite = parse_bool(v)?; Ok(()) }),
    p!("auto-aof-rewrite-percentage", None, true, |c| c.auto_aof_rewrite_percentage.to_string(), |c, v| { c.auto_aof_rewrite_percentage = parse_int(v, 0, i64::from(i32::MAX))? as u64; Ok(()) }),
    p!("auto-aof-rewrite-min-size", None, true, |c| c.auto_aof_rewrite_min_size.to_string(), |c, v| { c.auto_aof_rewrite_min_size = parse_mem_arg(v)?; Ok(()) }),
    p!("aof-load-truncated", None, true, |c| yes_no(c.aof_load_truncated), |c, v| { c.aof_load_truncated = parse_bool(v)?; Ok(()) }),
    p!("aof-use-rdb-preamble", None, true, |c| yes_no(c.aof_use_rdb_preamble), |c, v| { c.aof_use_rdb_preamble = parse_bool(v)?; Ok(()) }),
    p!("aof-rewrite-incremental-fsync", None, true, |c| yes_no(c.aof_rewrite_incremental_fsync), |c, v| { c.aof_rewrite_incremental_fsync = parse_bool(v)?; Ok(()) }),
    p!("maxmemory", None, true, |c| c.maxmemory.to_string(), |c, v| { c.maxmemory = parse_mem_arg(v)?; Ok(()) }),
    p!("maxmemory-policy", None, true, |c| enum_name(c.maxmemory_policy, &POLICY_NAMES), |c, v| { c.maxmemory_policy = parse_enum(v, &POLICY_NAMES)?; Ok(()) }),
    p!("maxmemory-samples", None, true, |c| c.maxmemory_samples.to_string(), |c, v| { c.maxmemory_samples = parse_int(v, 1, 64)? as u64; Ok(()) }),
    p!("lfu-log-factor", None, true, |c| c.lfu_log_factor.to_string(), |c, v| { c.lfu_log_factor = parse_int(v, 0, i64::from(i32::MAX))? as u32; Ok(()) }),
    p!("lfu-decay-time", None, true, |c| c.lfu_decay_time.to_string(), |c, v| { c.lfu_decay_time = parse_int(v, 0, i64::from(i32::MAX))? as u32; Ok(()) }),
    p!("active-expire-effort", None, true, |c| c.active_expire_effort.to_string(), |c, v| { c.active_expire_effort = parse_int(v, 1, 10)? as u32; Ok(()) }),
    p!("lazyfree-lazy-user-del", None, true, |c| yes_no(c.lazyfree_lazy_user_del), |c, v| { c.lazyfree_lazy_user_del = parse_bool(v)?; Ok(()) }),
    p!("lazyfree-lazy-expire", None, true, |c| yes_no(c.lazyfree_lazy_expire), |c, v| { c.lazyfree_lazy_expire = parse_bool(v)?; Ok(()) }),
    p!("proto-max-bulk-len", None, true, |c| c.proto_max_bulk_len.to_string(), |c, v| { let n = parse_mem_arg(v)?; if n < 1024 * 1024 { return Err("argument must be between 1048576 and 9223372036854775807 inclusive".into()); } c.proto_max_bulk_len = n; Ok(()) }),
    p!("client-query-buffer-limit", None, true, |c| c.client_query_buffer_limit.to_string(), |c, v| { let n = parse_mem_arg(v)?; if n < 1024 * 1024 { return Err("argument must be between 1048576 and 9223372036854775807 inclusive".into()); } c.client_query_buffer_limit = n; Ok(()) }),
    p!("client-output-buffer-limit", None, true, |c| show_output_limits(c), |c, v| parse_output_limits(c, v)),
    p!("enable-debug-command", None, false, |c| enum_name(c.enable_debug_command, &DEBUG_NAMES), |c, v| { c.enable_debug_command = parse_enum(v, &DEBUG_NAMES)?; Ok(()) }),
    p!("loglevel", None, true, |c| c.loglevel.clone(), |c, v| { let l = parse_enum(v, &[("debug", "debug"), ("verbose", "verbose"), ("notice", "notice"), ("warning", "warning"), ("nothing", "nothing")])?; c.loglevel = l.to_string(); Ok(()) }),
    p!("logfile", None, false, |c| c.logfile.clone(), |c, v| { c.logfile = one(v)?.to_string(); Ok(()) }),
    p!("pidfile", None, false, |c| c.pidfile.clone(), |c, v| { c.pidfile = one(v)?.to_string(); Ok(()) }),
    p!("daemonize", None, false, |c| yes_no(c.daemonize), |c, v| { c.daemonize = parse_bool(v)?; Ok(()) }),
    p!("hash-max-ziplist-entries", Some("hash-max-listpack-entries"), true, |c| c.hash_max_ziplist_entries.to_string(), |c, v| { c.hash_max_ziplist_entries = parse_int(v, 0, i64::MAX)? as u64; Ok(()) }),
    p!("hash-max-ziplist-value", Some("hash-max-listpack-value"), true, |c| c.hash_max_ziplist_value.to_string(), |c, v| { c.hash_max_ziplist_value = parse_mem_arg(v)?; Ok(()) }),
    p!("zset-max-ziplist-entries", Some("zset-max-listpack-entries"), true, |c| c.zset_max_ziplist_entries.to_string(), |c, v| { c.zset_max_ziplist_entries = parse_int(v, 0, i64::MAX)? as u64; Ok(()) }),
    p!("zset-max-ziplist-value", Some("zset-max-listpack-value"), true, |c| c.zset_max_ziplist_value.to_string(), |c, v| { c.zset_max_ziplist_value = parse_mem_arg(v)?; Ok(()) }),
    p!("set-max-intset-entries", None, true, |c| c.set_max_intset_entries.to_string(), |c, v| { c.set_max_intset_entries = parse_int(v, 0, i64::MAX)? as u64; Ok(()) }),
    p!("list-max-ziplist-size", Some("list-max-listpack-size"), true, |c| c.list_max_ziplist_size.to_string(), |c, v| { c.list_max_ziplist_size = parse_int(v, -5, i64::from(i32::MAX))?; Ok(()) }),
    p!("list-compress-depth", None, true, |c| c.list_compress_depth.to_string(), |c, v| { c.list_compress_depth = parse_int(v, 0, i64::from(i32::MAX))? as u64; Ok(()) }),
];

/// Find a parameter by name or alias (case-insensitive).
pub fn find(name: &str) -> Option<&'static Param> {
    let lower = name.to_ascii_lowercase();
    PARAMS.iter().find(|p| p.name == lower || p.alias == Some(lower.as_str()))
}

impl Config {
    /// CONFIG GET: (name, value) pairs of every parameter or alias matching `pattern`.
    pub fn get_matching(&self, pattern: &[u8]) -> Vec<(String, String)> {
        let mut out = Vec::new();
        for p in PARAMS {
            for name in std::iter::once(p.name).chain(p.alias) {
                if string_match(pattern, name.as_bytes(), true) {
                    out.push((name.to_string(), (p.get)(self)));
                }
            }
        }
        out
    }

    /// Set a parameter from text (config file, command line, CONFIG SET).
    pub fn set(&mut self, name: &str, args: &[&str]) -> Result<(), String> {
        let p = find(name).ok_or_else(|| "Bad directive or wrong number of arguments".to_string())?;
        (p.set)(self, args)
    }

    pub fn lfu_mode(&self) -> bool {
        matches!(self.maxmemory_policy, MaxmemoryPolicy::AllkeysLfu | MaxmemoryPolicy::VolatileLfu)
    }

    pub fn policy_name(&self) -> String {
        enum_name(self.maxmemory_policy, &POLICY_NAMES)
    }
}

/// Parse a redis.conf-style text: one directive per line, `#` comments, quoted arguments.
/// Errors carry Redis's FATAL CONFIG FILE ERROR details: (line number, line, reason).
pub fn parse_config_text(cfg: &mut Config, text: &str) -> Result<(), (usize, String, String)> {
    for (i, line) in text.lines().enumerate() {
        let trimmed = line.trim();
        if trimmed.is_empty() || trimmed.starts_with('#') {
            continue;
        }
        let words = split_config_line(trimmed).ok_or_else(|| (i + 1, line.to_string(), "Unbalanced quotes in configuration line".to_string()))?;
        let Some((name, args)) = words.split_first() else { continue };
        let args: Vec<&str> = args.iter().map(String::as_str).collect();
        let result = if args.is_empty() && name != "save" { Err("Bad directive or wrong number of arguments".to_string()) } else { cfg.set(name, &args) };
        result.map_err(|e| (i + 1, line.to_string(), e))?;
    }
    Ok(())
}

/// Split a config line into words; double or single quotes group words.
fn split_config_line(line: &str) -> Option<Vec<String>> {
    let mut words = Vec::new();
    let mut chars = line.chars().peekable();
    loop {
        while chars.peek().is_some_and(|c| c.is_whitespace()) {
            chars.next();
        }
        let Some(&first) = chars.peek() else { return Some(words) };
        let mut word = String::new();
        if first == '"' || first == '\'' {
            chars.next();
            loop {
                match chars.next()? {
                    c if c == first => break,
                    '\\' if first == '"' => word.push(match chars.next()? { 'n' => '\n', 't' => '\t', 'r' => '\r', c => c }),
                    c => word.push(c),
                }
            }
        } else {
            while let Some(&c) = chars.peek() {
                if c.is_whitespace() {
                    break;
                }
                word.push(c);
                chars.next();
            }
        }
        words.push(word);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn memory_units_follow_memtoull() {
        assert_eq!(parse_memory("1kb"), Some(1024));
        assert_eq!(parse_memory("1k"), Some(1000));
        assert_eq!(parse_memory("2GB"), Some(2 << 30));
        assert_eq!(parse_memory("10x"), None);
    }

    #[test]
    fn config_get_matches_globs_and_aliases() {
        let c = Config::default();
        let got = c.get_matching(b"hash-max-*-entries");
        assert_eq!(got.len(), 2);
        assert!(got.iter().all(|(_, v)| v == "128"));
        assert_eq!(c.get_matching(b"save"), vec![("save".into(), "3600 1 300 100 60 10000".into())]);
    }

    #[test]
    fn config_set_errors_use_redis_texts() {
        let mut c = Config::default();
        assert_eq!(c.set("hz", &["abc"]).unwrap_err(), "argument couldn't be parsed into an integer");
        assert_eq!(c.set("appendfsync", &["bogus"]).unwrap_err(), "argument(s) must be one of the following: everysec, always, no");
        assert_eq!(c.set("save", &["100"]).unwrap_err(), "Invalid save parameters");
        c.set("save", &[""]).expect("empty save disables");
        assert!(c.save_points.is_empty());
        c.set("hz", &["0"]).expect("hz is clamped");
        assert_eq!(c.hz, 1);
        assert!(c.set("event-loop-spin-us", &["-1"]).is_err());
        c.set("event-loop-spin-us", &["0"]).expect("0 turns spinning off");
        assert_eq!(c.get_matching(b"event-loop-spin-us"), vec![("event-loop-spin-us".into(), "0".into())]);
    }

    #[test]
    fn config_file_lines_parse_with_quotes() {
        let mut c = Config::default();
        parse_config_text(&mut c, "# comment\nport 7000\nsave \"\"\nrequirepass 'a b'\n").expect("valid");
        assert_eq!(c.port, 7000);
        assert!(c.save_points.is_empty());
        assert_eq!(c.requirepass.as_deref(), Some(&b"a b"[..]));
        let err = parse_config_text(&mut c, "port 1\nnosuch x\n").unwrap_err();
        assert_eq!(err.0, 2);
    }
}
