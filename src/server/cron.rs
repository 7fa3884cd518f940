//! `serverCron`: called every `1000/hz` ms of the `Clock`. It runs the slow active-expire
//! cycle, incremental rehashing and table shrinking, client timeouts, and background-job
//! completions. Persistence work (save points, child reaping, auto rewrite) hooks in here.

use super::Server;

/// Rehash steps per db per cron run (`databasesCron` uses 1 ms of work; steps are cheaper to
/// reason about and deterministic).
const REHASH_STEPS_PER_CRON: usize = 100;

impl Server {
    pub fn cron(&mut self) {
        self.stats.cron_loops += 1;
        self.ks.now_ms = self.env.clock.unix_ms();
        self.ks.record_effects = self.wants_effects();
        let now_us = self.env.clock.monotonic_us();
        crate::expire::slow_cycle(self, now_us);
        self.drain_effects();
        self.databases_cron();
        self.clients_cron();
        self.block_timeouts();
        self.reap_background();
        self.persistence_cron();
    }

    /// Resize and rehash the tables, unless a fork child runs (copy-on-write).
    fn databases_cron(&mut self) {
        if self.ks.child_running {
            return;
        }
        for db in &mut self.ks.dbs {
            db.try_shrink();
            db.rehash_step(REHASH_STEPS_PER_CRON);
        }
    }

    /// Close clients idle longer than `timeout` (not those in MULTI-free blocking states).
    fn clients_cron(&mut self) {
        if self.config.timeout_s == 0 {
            return;
        }
        let now = self.env.clock.unix_ms();
        let limit_ms = self.config.timeout_s as i64 * 1000;
        for c in self.clients.values_mut() {
            if now - c.last_interaction_ms > limit_ms && c.multi.is_none() && !c.is_blocked() {
                c.close_asap = true;
                self.close_requests.push(c.id);
            }
        }
    }

    /// Handle the background jobs that finished since the last call. Called from cron and at
    /// the start of every AOF flush: an everysec fsync that failed must be known (and the AOF
    /// repaired) before more is appended after the bytes it lost.
    pub(crate) fn reap_background(&mut self) {
        self.stats.background_reaps += 1;
        for done in self.env.background.take_completed() {
            self.background_job_done(done);
        }
    }

    /// A background job finished (fsync results matter to the AOF).
    fn background_job_done(&mut self, done: crate::env::JobDone) {
        crate::aof::job_done(self, &done);
        if let Err(e) = &done.result {
            self.log_warning(&format!("Background job {:?} failed: {e}", done.kind));
        }
    }
}
