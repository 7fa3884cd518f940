//! `SimClock`: simulated wall-clock and monotonic time that move only when the scheduler says so.
//!
//! Invariants: `monotonic_us` never goes backwards (advancing by a negative amount is not
//! expressible); `unix_ms` moves with every advance and can additionally be set (a wall-clock
//! jump, as NTP or an operator may cause) without touching the monotonic time. The handle is an
//! `Arc` inside, so the scheduler and the engine's `Env` share one clock.

use std::sync::{Arc, Mutex};

use keel::env::Clock;

/// Default wall-clock origin: 2024-01-01T00:00:00Z, in ms.
pub const DEFAULT_UNIX_MS: i64 = 1_704_067_200_000;

#[derive(Debug)]
struct Times {
    /// Wall clock in µs (kept in µs so sub-millisecond advances accumulate).
    unix_us: i64,
    monotonic_us: u64,
}

/// A shared simulated clock.
#[derive(Clone, Debug)]
pub struct SimClock {
    times: Arc<Mutex<Times>>,
}

impl Default for SimClock {
    fn default() -> Self {
        SimClock::new(DEFAULT_UNIX_MS)
    }
}

impl SimClock {
    /// A clock at `unix_ms` wall time and monotonic time 0.
    pub fn new(unix_ms: i64) -> SimClock {
        let times = Times { unix_us: unix_ms.saturating_mul(1000), monotonic_us: 0 };
        SimClock { times: Arc::new(Mutex::new(times)) }
    }

    fn with<T>(&self, f: impl FnOnce(&mut Times) -> T) -> T {
        // A poisoned lock only means a panic elsewhere in a single-threaded simulation; the
        // times themselves are still consistent, so keep using them.
        let mut guard = self.times.lock().unwrap_or_else(|e| e.into_inner());
        f(&mut guard)
    }

    /// Move both clocks forward by `us` microseconds.
    pub fn advance_us(&self, us: u64) {
        self.with(|t| {
            t.monotonic_us = t.monotonic_us.saturating_add(us);
            t.unix_us = t.unix_us.saturating_add(i64::try_from(us).unwrap_or(i64::MAX));
        });
    }

    /// Move both clocks forward by `ms` milliseconds.
    pub fn advance_ms(&self, ms: u64) {
        self.advance_us(ms.saturating_mul(1000));
    }

    /// Set the wall clock (may jump backwards); the monotonic clock is unaffected.
    pub fn set_unix_ms(&self, unix_ms: i64) {
        self.with(|t| t.unix_us = unix_ms.saturating_mul(1000));
    }
}

impl Clock for SimClock {
    fn unix_ms(&self) -> i64 {
        self.with(|t| t.unix_us.div_euclid(1000))
    }

    fn monotonic_us(&self) -> u64 {
        self.with(|t| t.monotonic_us)
    }

    /// A simulated sleep (DEBUG SLEEP) is time passing: both clocks advance by `us`.
    fn sleep_us(&self, us: u64) {
        self.advance_us(us);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn clock_moves_only_when_advanced_and_clones_share_time() {
        let clock = SimClock::new(1_000);
        let other = clock.clone();
        assert_eq!(clock.monotonic_us(), 0);
        other.advance_us(1_500);
        assert_eq!(clock.monotonic_us(), 1_500);
        assert_eq!(clock.unix_ms(), 1_001);
        keel::env::Clock::sleep_us(&clock, 500);
        assert_eq!(other.monotonic_us(), 2_000);
        clock.set_unix_ms(5);
        assert_eq!(other.unix_ms(), 5);
        assert_eq!(other.monotonic_us(), 2_000);
    }
}
