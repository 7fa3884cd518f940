//! AOF commands: BGREWRITEAOF (filled in by the AOF work, issue 6).

use super::Ctx;
use crate::resp::Argv;
use crate::server::client::Client;
use crate::server::Server;

pub fn bgrewriteaof(_: &mut Server, c: &mut Client, _: &Argv, _: &mut Ctx) {
    c.add_error("ERR BGREWRITEAOF is not implemented yet in Keel");
}
