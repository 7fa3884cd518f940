//! zmalloc-style memory accounting: a global allocator over the system allocator that counts
//! the bytes it really hands out (`malloc_usable_size`, as zmalloc does with HAVE_MALLOC_SIZE),
//! atomically, plus the peak. `used_memory_rss` comes from /proc/self/statm.
//!
//! Invariant: once every thread that allocated or freed has finished its call, `used` equals
//! the sum of the usable sizes of the live allocations, and `peak >= used`. The counting logic
//! is [`UsedCounter`], generic over the atomic so that `tests/loom_background.rs` checks it
//! with [`crate::sync::atomic`]'s (loom's) atomics while the allocator uses a `static` of
//! `std`'s (loom's atomics cannot be built in a `static`).
#![allow(clippy::disallowed_methods, clippy::disallowed_types)] // this file is the OS seam

use std::alloc::{GlobalAlloc, Layout, System};
use std::sync::atomic::{AtomicUsize, Ordering};

use super::MemoryGauge;

/// The operations [`UsedCounter`] needs from an atomic `usize` (all `Relaxed`: the counter
/// orders nothing else, each update is one atomic read-modify-write).
pub trait CounterCell {
    /// Add and return the new value.
    fn add(&self, n: usize) -> usize;
    fn sub(&self, n: usize);
    fn get(&self) -> usize;
    /// Raise to at least `n`.
    fn raise_to(&self, n: usize);
}

macro_rules! counter_cell {
    ($t:ty) => {
        impl CounterCell for $t {
            fn add(&self, n: usize) -> usize {
                self.fetch_add(n, Ordering::Relaxed) + n
            }
            fn sub(&self, n: usize) {
                self.fetch_sub(n, Ordering::Relaxed);
            }
            fn get(&self) -> usize {
                self.load(Ordering::Relaxed)
            }
            fn raise_to(&self, n: usize) {
                self.fetch_max(n, Ordering::Relaxed);
            }
        }
    };
}

counter_cell!(AtomicUsize);
#[cfg(loom)]
counter_cell!(crate::sync::atomic::AtomicUsize);

/// zmalloc's `used_memory` and its peak, updated from any thread.
pub struct UsedCounter<A = AtomicUsize> {
    used: A,
    peak: A,
}

impl UsedCounter<AtomicUsize> {
    pub const fn new() -> Self {
        UsedCounter { used: AtomicUsize::new(0), peak: AtomicUsize::new(0) }
    }
}

impl Default for UsedCounter<AtomicUsize> {
    fn default() -> Self {
        UsedCounter::new()
    }
}

impl<A: CounterCell> UsedCounter<A> {
    /// A counter over the given cells (both starting at 0), e.g. loom's atomics.
    pub fn with_cells(used: A, peak: A) -> Self {
        UsedCounter { used, peak }
    }

    /// `n` bytes were handed out.
    pub fn added(&self, n: usize) {
        let now = self.used.add(n);
        if now > self.peak.get() {
            self.peak.raise_to(now);
        }
    }

    /// `n` bytes were given back.
    pub fn removed(&self, n: usize) {
        self.used.sub(n);
    }

    pub fn used(&self) -> usize {
        self.used.get()
    }

    pub fn peak(&self) -> usize {
        self.peak.get()
    }
}

static COUNTER: UsedCounter = UsedCounter::new();

/// The counting allocator. Installed with `#[global_allocator]` by the binaries.
pub struct CountingAlloc;

fn usable(ptr: *mut u8) -> usize {
    // SAFETY: ptr was returned by the system allocator (malloc family) and is live.
    unsafe { libc::malloc_usable_size(ptr.cast()) }
}

fn added(n: usize) {
    COUNTER.added(n);
}

// SAFETY: every method forwards to `System` and only adds bookkeeping.
unsafe impl GlobalAlloc for CountingAlloc {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        let p = System.alloc(layout);
        if !p.is_null() {
            added(usable(p));
        }
        p
    }
    unsafe fn alloc_zeroed(&self, layout: Layout) -> *mut u8 {
        let p = System.alloc_zeroed(layout);
        if !p.is_null() {
            added(usable(p));
        }
        p
    }
    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        COUNTER.removed(usable(ptr));
        System.dealloc(ptr, layout)
    }
    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        let old = usable(ptr);
        let p = System.realloc(ptr, layout, new_size);
        if !p.is_null() {
            COUNTER.removed(old);
            added(usable(p));
        }
        p
    }
}

/// Bytes currently allocated through [`CountingAlloc`] (0 if it is not installed).
pub fn used_memory() -> usize {
    COUNTER.used()
}

/// The highest `used_memory` seen.
pub fn used_memory_peak() -> usize {
    COUNTER.peak()
}

/// Resident set size from /proc/self/statm (Redis's `zmalloc_get_rss`).
pub fn rss_bytes() -> usize {
    let Ok(text) = std::fs::read_to_string("/proc/self/statm") else { return 0 };
    let pages: usize = text.split_whitespace().nth(1).and_then(|s| s.parse().ok()).unwrap_or(0);
    // SAFETY: sysconf has no preconditions.
    let page = unsafe { libc::sysconf(libc::_SC_PAGESIZE) };
    pages * page.max(1) as usize
}

/// The production gauge.
pub struct OsMemory;

impl MemoryGauge for OsMemory {
    fn used(&self) -> usize {
        used_memory()
    }
    fn rss(&self) -> usize {
        rss_bytes()
    }
}
