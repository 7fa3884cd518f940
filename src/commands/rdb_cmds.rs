//! RDB commands: SAVE, BGSAVE, LASTSAVE (filled in by the RDB work, issue 5).

use super::Ctx;
use crate::resp::Argv;
use crate::server::client::Client;
use crate::server::Server;

pub fn save(_: &mut Server, c: &mut Client, _: &Argv, _: &mut Ctx) {
    c.add_error("ERR SAVE is not implemented yet in Keel");
}

pub fn bgsave(_: &mut Server, c: &mut Client, _: &Argv, _: &mut Ctx) {
    c.add_error("ERR BGSAVE is not implemented yet in Keel");
}

pub fn lastsave(s: &mut Server, c: &mut Client, _: &Argv, _: &mut Ctx) {
    c.add_int(s.start_unix_ms / 1000);
}
