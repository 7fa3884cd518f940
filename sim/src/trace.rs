//! `Trace`: the record of one simulation run and its rolling hash.
//!
//! Every fs operation, injected fault, fork step and background completion is appended as one
//! compact text event (`"fs.write #3 ino=2 len=10 -> 10"`). The hash is FNV-1a 64 over each
//! event's bytes followed by a `\n` separator, so it is stable across Rust versions and
//! platforms (std's `DefaultHasher` is not guaranteed to be). Only the first `cap` events are
//! stored for printing; hashing continues past the cap, so two runs with equal hashes executed
//! the same events in the same order (up to hash collisions).

use std::fmt::Display;
use std::sync::{Arc, Mutex};

const FNV_OFFSET: u64 = 0xcbf2_9ce4_8422_2325;
const FNV_PRIME: u64 = 0x0000_0100_0000_01b3;

/// Default number of stored events.
pub const DEFAULT_CAP: usize = 100_000;

#[derive(Debug)]
struct Inner {
    events: Vec<String>,
    cap: usize,
    count: u64,
    hash: u64,
}

/// A shared, cloneable trace handle.
#[derive(Clone, Debug)]
pub struct Trace {
    inner: Arc<Mutex<Inner>>,
}

impl Default for Trace {
    fn default() -> Self {
        Trace::new(DEFAULT_CAP)
    }
}

fn fnv1a(mut hash: u64, bytes: &[u8]) -> u64 {
    for &b in bytes {
        hash ^= u64::from(b);
        hash = hash.wrapping_mul(FNV_PRIME);
    }
    hash
}

impl Trace {
    /// A trace storing at most `cap` events.
    pub fn new(cap: usize) -> Trace {
        let inner = Inner { events: Vec::new(), cap, count: 0, hash: FNV_OFFSET };
        Trace { inner: Arc::new(Mutex::new(inner)) }
    }

    fn with<T>(&self, f: impl FnOnce(&mut Inner) -> T) -> T {
        let mut guard = self.inner.lock().unwrap_or_else(|e| e.into_inner());
        f(&mut guard)
    }

    /// Append one event.
    pub fn record(&self, event: impl Display) {
        let text = event.to_string();
        self.with(|t| {
            t.hash = fnv1a(fnv1a(t.hash, text.as_bytes()), b"\n");
            t.count += 1;
            if t.events.len() < t.cap {
                t.events.push(text);
            }
        });
    }

    /// The rolling hash of every event recorded so far.
    pub fn hash(&self) -> u64 {
        self.with(|t| t.hash)
    }

    /// Number of events recorded (including those past the cap).
    pub fn len(&self) -> u64 {
        self.with(|t| t.count)
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// The stored events (at most `cap`), oldest first.
    pub fn events(&self) -> Vec<String> {
        self.with(|t| t.events.clone())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hash_depends_on_order_and_continues_past_the_cap() {
        let a = Trace::new(1);
        let b = Trace::new(10);
        for e in ["x", "y"] {
            a.record(e);
            b.record(e);
        }
        assert_eq!(a.hash(), b.hash());
        assert_eq!(a.events(), vec!["x".to_string()]);
        assert_eq!(a.len(), 2);
        let c = Trace::new(10);
        c.record("y");
        c.record("x");
        assert_ne!(c.hash(), b.hash());
    }

    #[test]
    fn event_boundaries_matter() {
        let a = Trace::new(4);
        a.record("ab");
        let b = Trace::new(4);
        b.record("a");
        b.record("b");
        assert_ne!(a.hash(), b.hash());
    }
}
