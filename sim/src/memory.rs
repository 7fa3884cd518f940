//! `SimMemory`: a deterministic `keel::env::MemoryGauge`. `used()` is whatever the harness set
//! (default [`DEFAULT_USED`]); `rss()` is `used() + RSS_OVERHEAD`, a fixed overhead, so memory
//! figures never depend on the real allocator.

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;

use keel::env::MemoryGauge;

pub const DEFAULT_USED: usize = 1_000_000;
pub const RSS_OVERHEAD: usize = 2_000_000;

#[derive(Clone, Debug)]
pub struct SimMemory {
    used: Arc<AtomicUsize>,
}

impl Default for SimMemory {
    fn default() -> Self {
        SimMemory { used: Arc::new(AtomicUsize::new(DEFAULT_USED)) }
    }
}

impl SimMemory {
    pub fn set_used(&self, bytes: usize) {
        self.used.store(bytes, Ordering::Relaxed);
    }
}

impl MemoryGauge for SimMemory {
    fn used(&self) -> usize {
        self.used.load(Ordering::Relaxed)
    }
    fn rss(&self) -> usize {
        self.used().saturating_add(RSS_OVERHEAD)
    }
}
