//! Connection commands: PING, ECHO, SELECT, AUTH, HELLO, CLIENT, TIME, RESET.

use super::{arg_i64, Ctx};
use crate::resp::Argv;
use crate::server::client::Client;
use crate::server::Server;

/// The Redis version Keel is wire-compatible with (HELLO, INFO `redis_version`).
pub const REDIS_VERSION: &str = "7.0.15";

pub fn ping(_: &mut Server, c: &mut Client, a: &Argv, _: &mut Ctx) {
    if a.len() > 2 {
        return c.add_error("ERR wrong number of arguments for 'ping' command");
    }
    match a.try_get(1) {
        Some(msg) => c.add_bulk(msg),
        None => c.add_simple("PONG"),
    }
}

pub fn echo(_: &mut Server, c: &mut Client, a: &Argv, _: &mut Ctx) {
    c.add_bulk(a.get(1));
}

pub fn select(s: &mut Server, c: &mut Client, a: &Argv, _: &mut Ctx) {
    let Some(n) = arg_i64(a.get(1)) else { return c.add_not_integer() };
    if n < 0 || n >= s.ks.dbs.len() as i64 {
        return c.add_error("ERR DB index is out of range");
    }
    c.db = n as usize;
    c.add_ok();
}

/// Check a password for user `user` ("default" is the only user).
fn check_auth(s: &Server, user: &[u8], pass: &[u8]) -> bool {
    user == b"default" && s.config.requirepass.as_deref().is_none_or(|p| p == pass)
}

pub fn auth(s: &mut Server, c: &mut Client, a: &Argv, _: &mut Ctx) {
    if a.len() > 3 {
        return c.add_syntax_error();
    }
    if a.len() == 2 && s.config.requirepass.is_none() {
        return c.add_error("ERR AUTH <password> called without any password configured for the default user. Are you sure your configuration is correct?");
    }
    let (user, pass): (&[u8], &[u8]) = if a.len() == 3 { (a.get(1), a.get(2)) } else { (b"default", a.get(1)) };
    if check_auth(s, user, pass) {
        c.set_authenticated(true);
        c.add_ok();
    } else {
        c.add_error("WRONGPASS invalid username-password pair or user is disabled.");
    }
}

pub fn hello(s: &mut Server, c: &mut Client, a: &Argv, _: &mut Ctx) {
    let mut proto = c.resp;
    if a.len() >= 2 {
        match arg_i64(a.get(1)) {
            Some(v @ 2..=3) => proto = v as u8,
            Some(_) => return c.add_error("NOPROTO unsupported protocol version"),
            None => return c.add_error("ERR Protocol version is not an integer or out of range"),
        }
    }
    let mut i = 2;
    let mut name = None;
    while i < a.len() {
        let more = a.len() - i - 1;
        match a.get(i).to_ascii_lowercase().as_slice() {
            b"auth" if more >= 2 => {
                if !check_auth(s, a.get(i + 1), a.get(i + 2)) {
                    return c.add_error("WRONGPASS invalid username-password pair or user is disabled.");
                }
                c.set_authenticated(true);
                i += 3;
            }
            b"setname" if more >= 1 => {
                name = Some(a.get(i + 1).to_vec());
                i += 2;
            }
            _ => {
                let opt = String::from_utf8_lossy(a.get(i)).into_owned();
                return c.add_error(&format!("ERR Syntax error in HELLO option '{opt}'"));
            }
        }
    }
    if !c.authenticated {
        return c.add_error("NOAUTH HELLO must be called with the client already authenticated, otherwise the HELLO <proto> AUTH <user> <pass> option can be used to authenticate the client and select the RESP protocol version at the same time");
    }
    if let Some(n) = name {
        if !valid_client_name(&n) {
            return c.add_error("ERR Client names cannot contain spaces, newlines or special characters.");
        }
        c.name = (!n.is_empty()).then_some(n);
    }
    c.resp = proto;
    c.add_map_len(7);
    c.add_bulk(b"server");
    c.add_bulk(b"redis");
    c.add_bulk(b"version");
    c.add_bulk(REDIS_VERSION.as_bytes());
    c.add_bulk(b"proto");
    c.add_int(i64::from(proto));
    c.add_bulk(b"id");
    c.add_int(c.id as i64);
    c.add_bulk(b"mode");
    c.add_bulk(b"standalone");
    c.add_bulk(b"role");
    c.add_bulk(b"master");
    c.add_bulk(b"modules");
    c.add_array_len(0);
}

fn valid_client_name(n: &[u8]) -> bool {
    n.iter().all(|&b| (b'!'..=b'~').contains(&b))
}

pub fn time(s: &mut Server, c: &mut Client, _: &Argv, _: &mut Ctx) {
    let us = s.env.clock.unix_ms() * 1000 + (s.env.clock.monotonic_us() % 1000) as i64;
    c.add_array_len(2);
    c.add_bulk((us / 1_000_000).to_string().as_bytes());
    c.add_bulk((us % 1_000_000).to_string().as_bytes());
}

/// One line of CLIENT LIST / CLIENT INFO, in Redis 7.0's field order.
fn client_line(c: &Client, now_ms: i64) -> String {
    let name = c.name.as_deref().map(String::from_utf8_lossy).unwrap_or_default();
    let multi = c.multi.as_ref().map_or(-1, |m| m.queued.len() as i64);
    let flags = if c.multi.is_some() { "x" } else { "N" };
    format!(
        "id={} addr={} laddr={} fd=8 name={} age={} idle={} flags={} db={} sub=0 psub=0 ssub=0 multi={} qbuf={} qbuf-free=0 argv-mem=0 multi-mem=0 rbs=1024 rbp=0 obl={} oll=0 omem=0 tot-mem={} events=r cmd={} user=default redir=-1 resp={}",
        c.id,
        c.addr,
        c.laddr,
        name,
        (now_ms - c.created_ms).max(0) / 1000,
        (now_ms - c.last_interaction_ms).max(0) / 1000,
        flags,
        c.db,
        multi,
        c.unconsumed_query(),
        c.pending_reply().len(),
        c.query.capacity() + c.reply.capacity(),
        c.last_cmd.to_ascii_lowercase(),
        c.resp
    )
}

pub fn client(s: &mut Server, c: &mut Client, a: &Argv, _: &mut Ctx) {
    let sub = a.get(1).to_ascii_lowercase();
    let now = s.env.clock.unix_ms();
    match (sub.as_slice(), a.len()) {
        (b"id", 2) => c.add_int(c.id as i64),
        (b"getname", 2) => c.add_bulk_or_null(c.name.clone().as_deref()),
        (b"setname", 3) => {
            let n = a.get(2);
            if !valid_client_name(n) {
                return c.add_error("ERR Client names cannot contain spaces, newlines or special characters.");
            }
            c.name = (!n.is_empty()).then(|| n.to_vec());
            c.add_ok();
        }
        (b"info", 2) => {
            let line = client_line(c, now) + "\n";
            c.add_verbatim(&line);
        }
        (b"list", _) => {
            let mut text = String::new();
            for other in s.clients.values() {
                text.push_str(&client_line(other, now));
                text.push('\n');
            }
            text.push_str(&client_line(c, now));
            text.push('\n');
            let mut lines: Vec<&str> = text.lines().collect();
            lines.sort_by_key(|l| l.split_whitespace().next().and_then(|f| f[3..].parse::<u64>().ok()));
            let joined: String = lines.iter().map(|l| format!("{l}\n")).collect();
            c.add_verbatim(&joined);
        }
        (b"kill", n) if n >= 3 => client_kill(s, c, a),
        (b"help", 2) => c.add_array_len(0),
        (b"id" | b"getname" | b"setname" | b"info", _) => {
            let name = String::from_utf8_lossy(&sub).into_owned();
            c.add_error(&format!("ERR wrong number of arguments for 'client|{name}' command"));
        }
        _ => {
            let name = String::from_utf8_lossy(a.get(1)).into_owned();
            c.add_error(&format!("ERR unknown subcommand '{name}'. Try CLIENT HELP."));
        }
    }
}

/// CLIENT KILL addr:port | CLIENT KILL [ID id] [ADDR a] [LADDR a] [SKIPME yes/no].
fn client_kill(s: &mut Server, c: &mut Client, a: &Argv) {
    if a.len() == 3 {
        let addr = a.get(2);
        if c.addr.as_bytes() == addr {
            c.close_after_reply = true;
            return c.add_ok();
        }
        return match s.clients.values_mut().find(|o| o.addr.as_bytes() == addr) {
            Some(o) => {
                o.close_asap = true;
                let id = o.id;
                s.close_requests.push(id);
                c.add_ok()
            }
            None => c.add_error("ERR No such client"),
        };
    }
    let (mut id, mut addr, mut laddr, mut skipme) = (None, None, None, true);
    let mut i = 2;
    while i + 1 < a.len() {
        let v = a.get(i + 1);
        match a.get(i).to_ascii_lowercase().as_slice() {
            b"id" => match arg_i64(v) {
                Some(n) if n > 0 => id = Some(n as u64),
                _ => return c.add_error("ERR client-id should be greater than 0"),
            },
            b"addr" => addr = Some(v.to_vec()),
            b"laddr" => laddr = Some(v.to_vec()),
            b"skipme" => match v.to_ascii_lowercase().as_slice() {
                b"yes" => skipme = true,
                b"no" => skipme = false,
                _ => return c.add_syntax_error(),
            },
            _ => return c.add_syntax_error(),
        }
        i += 2;
    }
    if i != a.len() {
        return c.add_syntax_error();
    }
    let matches = |o: &Client| {
        id.is_none_or(|x| o.id == x)
            && addr.as_deref().is_none_or(|x| o.addr.as_bytes() == x)
            && laddr.as_deref().is_none_or(|x| o.laddr.as_bytes() == x)
    };
    let mut killed = 0;
    for o in s.clients.values_mut().filter(|o| matches(o)) {
        o.close_asap = true;
        s.close_requests.push(o.id);
        killed += 1;
    }
    if !skipme && matches(c) {
        c.close_after_reply = true;
        killed += 1;
    }
    c.add_int(killed);
}

pub fn reset(s: &mut Server, c: &mut Client, _: &Argv, _: &mut Ctx) {
    c.multi = None;
    s.unwatch_all(c);
    c.db = 0;
    c.resp = 2;
    c.name = None;
    c.set_authenticated(s.config.requirepass.is_none());
    c.add_simple("RESET");
}
