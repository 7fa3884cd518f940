//! Active expiry (`activeExpireCycle`): reclaims expired keys nobody reads.
//!
//! - The **slow** cycle runs from cron with a time budget of 25% of a cron period
//!   (`1_000_000 * 25 / hz / 100` µs); the **fast** cycle runs from `before_sleep` with a 1 ms
//!   budget, only when the last slow cycle hit its time limit or the estimated share of stale
//!   keys is above 10%, and not twice within 2 ms.
//! - Per db and loop, 20 volatile keys are sampled with the seeded PRNG; the loop repeats while
//!   more than 10% of a sample was expired. The budget is checked every 16 loops.
//! - Each deletion goes through `Keyspace::delete_expired` (DEL effect, stats, WATCH).
//! - `expired_stale_perc` is a moving average: `0.05 * this cycle + 0.95 * before`.

use crate::server::Server;

const KEYS_PER_LOOP: usize = 20;
const FAST_DURATION_US: u64 = 1000;
const SLOW_TIME_PERC: u64 = 25;
const ACCEPTABLE_STALE_PERC: u64 = 10;

/// State carried between cycles.
#[derive(Clone, Debug)]
pub struct ActiveExpire {
    /// DEBUG SET-ACTIVE-EXPIRE 0 turns it off.
    pub enabled: bool,
    /// Next db to visit.
    pub current_db: usize,
    pub timelimit_exit: bool,
    pub last_fast_cycle_us: u64,
}

impl Default for ActiveExpire {
    fn default() -> Self {
        ActiveExpire { enabled: true, current_db: 0, timelimit_exit: false, last_fast_cycle_us: 0 }
    }
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum Kind {
    Slow,
    Fast,
}

/// The slow cycle, from cron.
pub fn slow_cycle(s: &mut Server, now_us: u64) {
    cycle(s, Kind::Slow, now_us);
}

/// The fast cycle, from before_sleep.
pub fn fast_cycle(s: &mut Server, now_us: u64) {
    let stale = s.ks.stats.expired_stale_perc;
    if !s.active_expire.timelimit_exit && stale < ACCEPTABLE_STALE_PERC as f64 {
        return;
    }
    if now_us < s.active_expire.last_fast_cycle_us + FAST_DURATION_US * 2 {
        return;
    }
    s.active_expire.last_fast_cycle_us = now_us;
    cycle(s, Kind::Fast, now_us);
}

fn cycle(s: &mut Server, kind: Kind, start_us: u64) {
    if !s.active_expire.enabled || s.ks.expiry_paused {
        return;
    }
    s.ks.now_ms = s.env.clock.unix_ms();
    let hz = u64::from(s.config.hz.max(1));
    let limit_us = match kind {
        Kind::Slow => (1_000_000 * SLOW_TIME_PERC / hz / 100).max(1),
        Kind::Fast => FAST_DURATION_US,
    };
    let dbs = s.ks.dbs.len();
    s.active_expire.timelimit_exit = false;
    let (mut total_sampled, mut total_expired) = (0u64, 0u64);
    for _ in 0..dbs {
        let db = s.active_expire.current_db % dbs;
        s.active_expire.current_db = (db + 1) % dbs;
        let (sampled, expired, out_of_time) = expire_db(s, db, start_us, limit_us);
        total_sampled += sampled;
        total_expired += expired;
        if out_of_time {
            s.active_expire.timelimit_exit = true;
            s.ks.stats.expired_time_cap_reached_count += 1;
            break;
        }
    }
    let perc = if total_sampled > 0 { total_expired as f64 / total_sampled as f64 * 100.0 } else { 0.0 };
    let st = &mut s.ks.stats;
    st.expired_stale_perc = perc * 0.05 + st.expired_stale_perc * 0.95;
}

/// Sample and expire in one db until few expired keys are found or time runs out.
/// Returns (sampled, expired, out_of_time).
fn expire_db(s: &mut Server, db: usize, start_us: u64, limit_us: u64) -> (u64, u64, bool) {
    let (mut sampled_total, mut expired_total) = (0u64, 0u64);
    let mut iteration = 0u64;
    loop {
        if s.ks.dbs[db].expires.is_empty() {
            return (sampled_total, expired_total, false);
        }
        let now = s.ks.now_ms;
        let ks = &mut s.ks;
        let sample: Vec<(Vec<u8>, i64)> =
            ks.dbs[db].expires.sample_entries(&mut ks.rng, KEYS_PER_LOOP).into_iter().map(|(k, t)| (k.to_vec(), *t)).collect();
        let mut expired = 0u64;
        let mut ttl_sum = 0i64;
        for (key, when) in &sample {
            if now > *when {
                ks.delete_expired(db, key);
                expired += 1;
            } else {
                ttl_sum += when - now;
            }
        }
        let live = sample.len() as i64 - expired as i64;
        if live > 0 {
            let avg = ttl_sum / live;
            let old = ks.dbs[db].avg_ttl_ms;
            ks.dbs[db].avg_ttl_ms = if old == 0 { avg } else { (old / 50) * 49 + avg / 50 };
        }
        sampled_total += sample.len() as u64;
        expired_total += expired;
        iteration += 1;
        if iteration.is_multiple_of(16) && s.env.clock.monotonic_us().saturating_sub(start_us) > limit_us {
            return (sampled_total, expired_total, true);
        }
        if sample.is_empty() || expired * 100 <= sample.len() as u64 * ACCEPTABLE_STALE_PERC {
            return (sampled_total, expired_total, false);
        }
    }
}
