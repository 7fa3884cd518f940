//! RDB commands: SAVE, BGSAVE [SCHEDULE], LASTSAVE (Redis 7.0 replies and refusals).

use super::Ctx;
use crate::resp::Argv;
use crate::server::client::Client;
use crate::server::Server;

/// SAVE: write the snapshot in the foreground.
pub fn save(s: &mut Server, c: &mut Client, _: &Argv, _: &mut Ctx) {
    if s.rdb.child_pid.is_some() {
        return c.add_error("ERR Background save already in progress");
    }
    match crate::rdb::save_sync(s) {
        Ok(()) => c.add_ok(),
        Err(_) => c.add_error("ERR"),
    }
}

/// BGSAVE [SCHEDULE]: fork a child; with SCHEDULE, wait for a running AOF rewrite to end.
pub fn bgsave(s: &mut Server, c: &mut Client, a: &Argv, _: &mut Ctx) {
    let schedule = match a.len() {
        1 => false,
        2 if a.get(1).eq_ignore_ascii_case(b"schedule") => true,
        _ => return c.add_error("ERR syntax error"),
    };
    if s.rdb.child_pid.is_some() {
        return c.add_error("ERR Background save already in progress");
    }
    if s.aof.child_pid.is_some() {
        if schedule {
            s.rdb.bgsave_scheduled = true;
            return c.add_simple("Background saving scheduled");
        }
        return c.add_error("ERR Another child process is active (AOF?): can't BGSAVE right now. Use BGSAVE SCHEDULE in order to schedule a BGSAVE whenever possible.");
    }
    match crate::rdb::bgsave::start(s) {
        Ok(_) => c.add_simple("Background saving started"),
        Err(e) => c.add_error(&e),
    }
}

pub fn lastsave(s: &mut Server, c: &mut Client, _: &Argv, _: &mut Ctx) {
    c.add_int(crate::rdb::lastsave(s));
}
