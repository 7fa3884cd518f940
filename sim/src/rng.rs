//! Seeded randomness for the simulator: every random choice in `keel-sim` comes from a
//! [`SimRng`], a ChaCha8 stream derived from the run's one seed.
//!
//! Invariant: streams are independent. [`Streams::new`] derives each purpose (workload, faults,
//! latency, power loss, engine) from the same seed with a different ChaCha *stream id*, so
//! drawing more or fewer numbers from one stream (e.g. turning a fault kind off) never shifts
//! the numbers another stream produces. The same seed always yields the same streams.

use rand::{Rng as _, RngCore, SeedableRng};
use rand_chacha::ChaCha8Rng;

/// A seeded ChaCha8 generator with the few helpers the simulator needs.
#[derive(Clone, Debug)]
pub struct SimRng(ChaCha8Rng);

impl SimRng {
    /// Stream `stream` of the generator keyed by `seed`.
    pub fn new(seed: u64, stream: u64) -> SimRng {
        let mut rng = ChaCha8Rng::seed_from_u64(seed);
        rng.set_stream(stream);
        SimRng(rng)
    }

    pub fn next_u64(&mut self) -> u64 {
        self.0.next_u64()
    }

    /// Uniform in `0..n`; 0 when `n == 0`.
    pub fn below(&mut self, n: u64) -> u64 {
        if n == 0 {
            0
        } else {
            self.0.gen_range(0..n)
        }
    }

    /// Uniform in `lo..=hi` (`lo` when `hi <= lo`).
    pub fn range_inclusive(&mut self, lo: u64, hi: u64) -> u64 {
        if hi <= lo {
            lo
        } else {
            self.0.gen_range(lo..=hi)
        }
    }

    /// True with probability `p` (clamped to `[0, 1]`). Draws nothing when `p <= 0`, so a
    /// disabled fault consumes no randomness.
    pub fn chance(&mut self, p: f64) -> bool {
        if p <= 0.0 {
            return false;
        }
        self.0.gen::<f64>() < p.min(1.0)
    }

    /// Uniform in `[0, 1)`.
    pub fn unit(&mut self) -> f64 {
        self.0.gen::<f64>()
    }

    /// A derived, independent generator.
    pub fn fork_stream(&mut self) -> SimRng {
        SimRng::new(self.next_u64(), 0)
    }
}

/// Stream ids of [`Streams`]; also usable directly with [`SimRng::new`].
pub mod stream_id {
    pub const WORKLOAD: u64 = 1;
    pub const FAULTS: u64 = 2;
    pub const LATENCY: u64 = 3;
    pub const POWER_LOSS: u64 = 4;
    pub const ENGINE: u64 = 5;
    pub const SWARM: u64 = 6;
}

/// The independent random streams of one simulation run.
#[derive(Clone, Debug)]
pub struct Streams {
    pub seed: u64,
    /// Client commands and scheduling choices.
    pub workload: SimRng,
    /// Per-operation fault decisions of SimFs (each fault kind further splits this, see
    /// `fs::faults`).
    pub faults: SimRng,
    /// Background job and fsync latencies.
    pub latency: SimRng,
    /// Which pending writes survive a power loss.
    pub power_loss: SimRng,
    /// The seed handed to the engine (`Env::seed`).
    pub engine_seed: u64,
    /// Swarm testing: which fault kinds a seed enables and at which rates.
    pub swarm: SimRng,
}

/// All streams of `seed`.
pub fn streams(seed: u64) -> Streams {
    Streams::new(seed)
}

impl Streams {
    pub fn new(seed: u64) -> Streams {
        Streams {
            seed,
            workload: SimRng::new(seed, stream_id::WORKLOAD),
            faults: SimRng::new(seed, stream_id::FAULTS),
            latency: SimRng::new(seed, stream_id::LATENCY),
            power_loss: SimRng::new(seed, stream_id::POWER_LOSS),
            engine_seed: SimRng::new(seed, stream_id::ENGINE).next_u64(),
            swarm: SimRng::new(seed, stream_id::SWARM),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn streams_of_one_seed_differ_and_replay() {
        let mut a = streams(7);
        let mut b = streams(7);
        let x: Vec<u64> = (0..4).map(|_| a.workload.next_u64()).collect();
        let y: Vec<u64> = (0..4).map(|_| b.workload.next_u64()).collect();
        assert_eq!(x, y);
        assert_ne!(a.faults.next_u64(), a.latency.next_u64());
    }

    #[test]
    fn chance_zero_draws_nothing() {
        let mut a = SimRng::new(1, 0);
        let mut b = SimRng::new(1, 0);
        assert!(!a.chance(0.0));
        assert_eq!(a.next_u64(), b.next_u64());
    }
}
