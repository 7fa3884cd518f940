//! Server commands: CONFIG, COMMAND, DEBUG, SHUTDOWN.

use super::{Command, Ctx};
use crate::config::DebugCommand;
use crate::resp::Argv;
use crate::server::client::Client;
use crate::server::Server;

fn lossy(b: &[u8]) -> String {
    String::from_utf8_lossy(b).into_owned()
}

pub fn config(s: &mut Server, c: &mut Client, a: &Argv, _: &mut Ctx) {
    let sub = a.get(1).to_ascii_lowercase();
    match sub.as_slice() {
        b"get" if a.len() >= 3 => config_get(s, c, a),
        b"set" if a.len() >= 4 => config_set(s, c, a),
        b"resetstat" if a.len() == 2 => {
            s.stats = Default::default();
            s.ks.stats = Default::default();
            c.add_ok();
        }
        b"rewrite" if a.len() == 2 => c.add_error("ERR The server is running without a config file"),
        b"get" | b"set" | b"resetstat" | b"rewrite" => {
            c.add_error(&format!("ERR wrong number of arguments for 'config|{}' command", lossy(&sub)))
        }
        _ => c.add_error(&format!("ERR unknown subcommand '{}'. Try CONFIG HELP.", lossy(a.get(1)))),
    }
}

fn config_get(s: &mut Server, c: &mut Client, a: &Argv) {
    let mut pairs: Vec<(String, String)> = Vec::new();
    for i in 2..a.len() {
        for pair in s.config.get_matching(a.get(i)) {
            if !pairs.iter().any(|(n, _)| *n == pair.0) {
                pairs.push(pair);
            }
        }
    }
    c.add_map_len(pairs.len());
    for (name, value) in pairs {
        c.add_bulk(name.as_bytes());
        c.add_bulk(value.as_bytes());
    }
}

/// CONFIG SET name value [name value ...]: all or nothing, Redis 7.0's error texts.
fn config_set(s: &mut Server, c: &mut Client, a: &Argv) {
    if !a.len().is_multiple_of(2) {
        return c.add_syntax_error();
    }
    let mut next = s.config.clone();
    for i in (2..a.len()).step_by(2) {
        let name = lossy(a.get(i));
        let Some(param) = crate::config::find(&name) else {
            return c.add_error(&format!("ERR Unknown option or number of arguments for CONFIG SET - '{name}'"));
        };
        if !param.mutable {
            return c.add_error(&format!("ERR CONFIG SET failed (possibly related to argument '{name}') - can't set immutable config"));
        }
        let value = lossy(a.get(i + 1));
        if let Err(e) = (param.set)(&mut next, &[value.as_str()]) {
            return c.add_error(&format!("ERR CONFIG SET failed (possibly related to argument '{name}') - {e}"));
        }
    }
    let appendonly_changed = next.appendonly != s.config.appendonly;
    s.config = next;
    s.apply_config();
    if appendonly_changed {
        let on = s.config.appendonly;
        if let Err(msg) = crate::aof::set_appendonly(s, on) {
            s.config.appendonly = !on;
            return c.add_error(&msg);
        }
    }
    c.add_ok();
}

/// COMMAND INFO entry: name, arity, flags, first/last/step keys, ACL categories, tips,
/// key specs, subcommands.
fn command_info(c: &mut Client, cmd: &Command) {
    c.add_array_len(10);
    c.add_bulk(cmd.name.as_bytes());
    c.add_int(i64::from(cmd.arity));
    let flags = super::flags::names(cmd.flags);
    c.add_set_len(flags.len());
    for f in flags {
        c.add_simple(f);
    }
    c.add_int(i64::from(cmd.first_key));
    c.add_int(i64::from(cmd.last_key));
    c.add_int(i64::from(cmd.key_step));
    c.add_set_len(0);
    c.add_set_len(0);
    c.add_array_len(0);
    c.add_array_len(0);
}

pub fn command(s: &mut Server, c: &mut Client, a: &Argv, _: &mut Ctx) {
    if a.len() == 1 {
        let all: Vec<&'static Command> = s.commands.all().collect();
        c.add_array_len(all.len());
        return all.into_iter().for_each(|cmd| command_info(c, cmd));
    }
    match a.get(1).to_ascii_lowercase().as_slice() {
        b"count" => c.add_int(s.commands.all().count() as i64),
        b"info" => {
            c.add_array_len(a.len() - 2);
            for i in 2..a.len() {
                match s.commands.lookup(a.get(i)) {
                    Some(cmd) => command_info(c, cmd),
                    None => c.add_null_array(),
                }
            }
        }
        b"docs" => c.add_map_len(0),
        b"list" => {
            let names: Vec<&str> = s.commands.all().map(|c| c.name).collect();
            c.add_array_len(names.len());
            names.into_iter().for_each(|n| c.add_bulk(n.as_bytes()));
        }
        _ => c.add_error(&format!("ERR unknown subcommand '{}'. Try COMMAND HELP.", lossy(a.get(1)))),
    }
}

fn is_local(c: &Client) -> bool {
    c.addr.starts_with("127.") || c.addr.starts_with("[::1]") || c.addr.starts_with("::1") || c.addr.starts_with("sim:")
}

pub fn debug(s: &mut Server, c: &mut Client, a: &Argv, _: &mut Ctx) {
    let allowed = match s.config.enable_debug_command {
        DebugCommand::Yes => true,
        DebugCommand::Local => is_local(c),
        DebugCommand::No => false,
    };
    if !allowed {
        return c.add_error("ERR DEBUG command not allowed. If the enable-debug-command option is set to \"local\", you can run it from a local connection, otherwise you need to set this option in the configuration file, and then restart the server.");
    }
    match (a.get(1).to_ascii_lowercase().as_slice(), a.len()) {
        (b"sleep", 3) => {
            let secs: f64 = lossy(a.get(2)).parse().unwrap_or(0.0);
            s.env.clock.sleep_us((secs.max(0.0) * 1e6) as u64);
            c.add_ok();
        }
        (b"set-active-expire", 3) => {
            s.active_expire.enabled = a.get(2) != b"0";
            c.add_ok();
        }
        (b"object", 3) => debug_object(s, c, a.get(2)),
        (b"reload", _) => match crate::rdb::debug_reload(s) {
            Ok(()) => c.add_ok(),
            Err(e) => c.add_error(&format!("ERR Error trying to load the RDB dump: {e}")),
        },
        (b"digest", 2) => {
            let d = crate::digest_ks::dataset_digest(&s.ks);
            c.add_simple(&d);
        }
        (b"digest-value", _) => {
            c.add_array_len(a.len() - 2);
            for i in 2..a.len() {
                let d = crate::digest_ks::value_digest(&mut s.ks, c.db, a.get(i));
                c.add_simple(&d);
            }
        }
        (b"help", _) => c.add_array_len(0),
        _ => c.add_error(&format!("ERR unknown subcommand or wrong number of arguments for '{}'. Try DEBUG HELP.", lossy(a.get(1)))),
    }
}

fn debug_object(s: &mut Server, c: &mut Client, key: &[u8]) {
    let now_clock = crate::object::lru_clock(s.ks.now_ms);
    if s.ks.lookup_notouch(c.db, key).is_none() {
        return c.add_error("ERR no such key");
    }
    let Some((k, e)) = s.ks.dbs[c.db].dict.get_key_value(key) else { return c.add_error("ERR no such key") };
    let lru = k.lru();
    let len = match &e.value {
        crate::object::Value::Str(v) => v.len(),
        other => other.free_effort(),
    };
    let idle = crate::object::idle_ms(lru, now_clock) / 1000;
    let text = format!(
        "Value at:0x0 refcount:1 encoding:{} serializedlength:{} lru:{} lru_seconds_idle:{}",
        e.value.encoding_name(),
        len,
        lru,
        idle
    );
    c.add_simple(&text);
}

pub fn shutdown(s: &mut Server, c: &mut Client, a: &Argv, _: &mut Ctx) {
    let mut nosave = false;
    let mut save = false;
    for i in 1..a.len() {
        match a.get(i).to_ascii_lowercase().as_slice() {
            b"nosave" => nosave = true,
            b"save" => save = true,
            b"now" | b"force" => {}
            _ => return c.add_syntax_error(),
        }
    }
    if nosave && save {
        return c.add_syntax_error();
    }
    match s.prepare_shutdown(save, nosave) {
        Ok(()) => {
            s.shutdown = true;
            c.close_after_reply = true;
        }
        Err(e) => c.add_error(&e),
    }
}
