//! Persistence hooks of the server: the one place that dispatches to `rdb` and `aof`, so the
//! rest of the server does not know their internals.

use super::Server;

impl Server {
    /// INFO persistence fields.
    pub fn persistence_info(&self) -> Vec<(String, String)> {
        let mut fields = vec![("loading".to_string(), "0".to_string())];
        fields.extend(crate::rdb::info(self));
        fields.extend(crate::aof::info(self));
        fields
    }

    /// Start-up: load the dataset (the AOF when `appendonly yes`, else the RDB file).
    pub fn startup(&mut self) {
        if !crate::aof::startup_load(self) {
            crate::rdb::startup_load(self);
        }
    }

    /// Why start-up failed (a corrupt RDB or AOF): the server must not serve then.
    pub fn startup_error(&self) -> Option<String> {
        self.aof.load_error.clone().or_else(|| self.rdb.load_error.clone())
    }

    /// A persistence error the server cannot serve through (an AOF write or fsync error under
    /// `appendfsync always`): the driver must exit without releasing the pending replies,
    /// since those writes are not known to be on disk.
    pub fn fatal_error(&self) -> Option<String> {
        self.aof.fatal_error.clone()
    }

    /// Periodic persistence work from cron: reap children, save points, AOF cron.
    pub(crate) fn persistence_cron(&mut self) {
        if let Some((pid, exit)) = self.env.forker.try_wait() {
            if !crate::rdb::child_done(self, pid, &exit) && !crate::aof::child_done(self, pid, &exit) {
                self.log_warning(&format!("Warning, detected child with unmatched pid: {pid}"));
            }
        }
        self.ks.set_child_running(self.rdb.child_pid.is_some() || self.aof.child_pid.is_some());
        crate::rdb::cron(self);
        crate::aof::cron(self);
    }

    /// Why write commands are refused right now (MISCONF), if they are.
    pub fn write_blocked_reason(&self) -> Option<String> {
        crate::rdb::write_blocked_reason(self).or_else(|| crate::aof::write_blocked_reason(self))
    }

    /// FLUSHALL's persistence side.
    pub(crate) fn after_flushall(&mut self) {
        crate::rdb::on_flushall(self);
    }

    /// SHUTDOWN: persist what the configuration asks for. Errors are Redis's texts.
    pub(crate) fn prepare_shutdown(&mut self, save: bool, nosave: bool) -> Result<(), String> {
        self.log_warning("User requested shutdown...");
        crate::aof::on_shutdown(self)?;
        crate::rdb::on_shutdown(self, save, nosave)?;
        self.log_notice("Redis is now ready to exit, bye bye...");
        Ok(())
    }
}
