//! RDB persistence (issue 5): the snapshot format, SAVE/BGSAVE through the `Forker` seam, the
//! loader, save points. The server calls the hooks below; everything else lives in this module.

use crate::server::Server;

/// RDB state of the server (Redis's `server.lastsave`, `rdb_child_pid`, ...).
#[derive(Clone, Debug, Default)]
pub struct RdbState {
    /// Pid of the running BGSAVE child, if any.
    pub child_pid: Option<crate::env::Pid>,
}

/// Periodic work from cron: save points.
pub fn cron(_s: &mut Server) {}

/// A child finished; returns true if it was ours.
pub fn child_done(_s: &mut Server, _pid: crate::env::Pid, _exit: &crate::env::ChildExit) -> bool {
    false
}

/// Load the RDB file at start-up (when AOF is off).
pub fn startup_load(_s: &mut Server) {}

/// INFO persistence fields of RDB.
pub fn info(s: &Server) -> Vec<(String, String)> {
    vec![
        ("rdb_changes_since_last_save".into(), s.ks.dirty.to_string()),
        ("rdb_bgsave_in_progress".into(), u8::from(s.rdb.child_pid.is_some()).to_string()),
    ]
}

/// Why writes are refused (MISCONF after a failed background save), if they are.
pub fn write_blocked_reason(_s: &Server) -> Option<String> {
    None
}

/// FLUSHALL: Redis saves right away when save points are configured.
pub fn on_flushall(_s: &mut Server) {}

/// SHUTDOWN: save when asked or when save points are configured (unless NOSAVE).
pub fn on_shutdown(_s: &mut Server, _save: bool, _nosave: bool) -> Result<(), String> {
    Ok(())
}
