//! The production clock: `SystemTime` for unix ms, `Instant` for monotonic time.
#![allow(clippy::disallowed_methods, clippy::disallowed_types)] // this file is the OS seam

use std::time::{Instant, SystemTime, UNIX_EPOCH};

use super::Clock;

pub struct OsClock {
    origin: Instant,
}

impl OsClock {
    pub fn new() -> OsClock {
        OsClock { origin: Instant::now() }
    }
}

impl Default for OsClock {
    fn default() -> Self {
        Self::new()
    }
}

impl Clock for OsClock {
    fn unix_ms(&self) -> i64 {
        match SystemTime::now().duration_since(UNIX_EPOCH) {
            Ok(d) => d.as_millis() as i64,
            Err(e) => -(e.duration().as_millis() as i64),
        }
    }

    fn monotonic_us(&self) -> u64 {
        self.origin.elapsed().as_micros() as u64
    }

    fn sleep_us(&self, us: u64) {
        std::thread::sleep(std::time::Duration::from_micros(us));
    }
}

/// A seed for the engine's PRNG from the OS (time and pid mixed; it needs to differ between
/// runs, not to be secret: the dict hash keys come from it, like Redis's random seed).
pub fn os_seed() -> u64 {
    let mut seed = [0u8; 8];
    // SAFETY: getrandom writes at most `seed.len()` bytes into the buffer we own.
    let got = unsafe { libc::getrandom(seed.as_mut_ptr().cast(), seed.len(), 0) };
    if got == seed.len() as isize {
        return u64::from_le_bytes(seed);
    }
    let t = SystemTime::now().duration_since(UNIX_EPOCH).map(|d| d.as_nanos() as u64).unwrap_or(0);
    t ^ (u64::from(std::process::id()) << 32)
}

