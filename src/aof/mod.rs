//! AOF persistence (issue 6): feeding effects into `aof_buf`, flushing in before_sleep with the
//! fsync policies, loading, and the background rewrite. The server calls the hooks below.

use crate::server::Server;

/// AOF state of the server (Redis's `aof_buf`, `aof_fd`, `aof_last_write_status`, ...).
#[derive(Default)]
pub struct AofState {
    /// Pid of the running rewrite child, if any.
    pub child_pid: Option<crate::env::Pid>,
}

/// Append the effects of executed commands (`server.ks.effects`, drained) to `aof_buf`.
pub fn feed(s: &mut Server) {
    s.ks.effects.clear();
}

/// `flushAppendOnlyFile`: called from before_sleep before replies are released.
pub fn flush(_s: &mut Server, _force: bool) {}

/// Periodic work from cron: everysec fsync, postponed flushes, auto rewrite.
pub fn cron(_s: &mut Server) {}

/// A background job finished (fsync results).
pub fn job_done(_s: &mut Server, _done: &crate::env::JobDone) {}

/// A child finished; returns true if it was ours.
pub fn child_done(_s: &mut Server, _pid: crate::env::Pid, _exit: &crate::env::ChildExit) -> bool {
    false
}

/// Load the AOF at start-up when `appendonly yes`; returns true if it handled loading.
pub fn startup_load(_s: &mut Server) -> bool {
    false
}

/// INFO persistence fields of AOF.
pub fn info(s: &Server) -> Vec<(String, String)> {
    vec![
        ("aof_enabled".into(), u8::from(s.config.appendonly).to_string()),
        ("aof_rewrite_in_progress".into(), u8::from(s.aof.child_pid.is_some()).to_string()),
    ]
}

/// Why writes are refused (MISCONF after an AOF write error), if they are.
pub fn write_blocked_reason(_s: &Server) -> Option<String> {
    None
}

/// SHUTDOWN: flush and fsync the AOF.
pub fn on_shutdown(_s: &mut Server) -> Result<(), String> {
    Ok(())
}
