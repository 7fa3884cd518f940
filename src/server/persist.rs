//! Persistence hooks of the server. RDB (issue 5) and AOF (issue 6) fill these in; until then
//! Keel keeps data in memory only and says so in INFO persistence.

use super::Server;

impl Server {
    /// INFO persistence fields.
    pub fn persistence_info(&self) -> Vec<(String, String)> {
        vec![
            ("loading".into(), "0".into()),
            ("rdb_changes_since_last_save".into(), self.ks.dirty.to_string()),
            ("rdb_bgsave_in_progress".into(), "0".into()),
            ("aof_enabled".into(), "0".into()),
            ("aof_rewrite_in_progress".into(), "0".into()),
        ]
    }

    /// Start-up: load the dataset from disk (AOF or RDB) and clean up leftovers.
    pub fn startup(&mut self) {}

    /// Periodic persistence work from cron (save points, child reaping, auto rewrite).
    pub(crate) fn persistence_cron(&mut self) {}

    /// FLUSHALL's persistence side (Redis saves an empty RDB when save points are set).
    pub(crate) fn after_flushall(&mut self) {}

    /// SHUTDOWN: persist what the configuration asks for. Errors are Redis's texts.
    pub(crate) fn prepare_shutdown(&mut self, _save: bool, _nosave: bool) -> Result<(), String> {
        self.log_warning("User requested shutdown...");
        self.log_notice("Redis is now ready to exit, bye bye...");
        Ok(())
    }
}
