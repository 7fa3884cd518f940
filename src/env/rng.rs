//! The engine's one PRNG: ChaCha8 from a seed (the OS's in production, the scenario's in
//! simulation). Everything random in the engine draws from it, so a seed replays a run.

use rand::{Rng as _, RngCore, SeedableRng};
use rand_chacha::ChaCha8Rng;

pub struct Rng(ChaCha8Rng);

impl Rng {
    pub fn new(seed: u64) -> Rng {
        Rng(ChaCha8Rng::seed_from_u64(seed))
    }
    pub fn next_u64(&mut self) -> u64 {
        self.0.next_u64()
    }
    /// Uniform in `0..n` (`n > 0`).
    pub fn below(&mut self, n: u64) -> u64 {
        self.0.gen_range(0..n)
    }
    /// Uniform in `[0, 1)`.
    pub fn unit(&mut self) -> f64 {
        self.0.gen::<f64>()
    }
    /// A derived generator with its own stream (for a child's or a subsystem's use).
    pub fn fork_stream(&mut self) -> Rng {
        Rng::new(self.next_u64())
    }
}
