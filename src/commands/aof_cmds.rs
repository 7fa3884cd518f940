//! AOF commands: BGREWRITEAOF (`bgrewriteaofCommand`).
//!
//! While a rewrite runs it is refused; while a BGSAVE runs it is scheduled and started by cron
//! once the BGSAVE is done; otherwise the rewrite child is forked at once.

use super::Ctx;
use crate::resp::Argv;
use crate::server::client::Client;
use crate::server::Server;

pub fn bgrewriteaof(s: &mut Server, c: &mut Client, _: &Argv, _: &mut Ctx) {
    if s.aof.child_pid.is_some() {
        c.add_error("ERR Background append only file rewriting already in progress");
    } else if s.rdb.child_pid.is_some() {
        s.aof.rewrite_scheduled = true;
        c.add_simple("Background append only file rewriting scheduled");
    } else {
        match crate::aof::rewrite::start(s) {
            Ok(()) => c.add_simple("Background append only file rewriting started"),
            Err(e) => c.add_error(&e),
        }
    }
}
