//! zmalloc-style memory accounting: a global allocator over the system allocator that counts
//! the bytes it really hands out (`malloc_usable_size`, as zmalloc does with HAVE_MALLOC_SIZE),
//! atomically, plus the peak. `used_memory_rss` comes from /proc/self/statm.
#![allow(clippy::disallowed_methods, clippy::disallowed_types)] // this file is the OS seam

use std::alloc::{GlobalAlloc, Layout, System};
use std::sync::atomic::{AtomicUsize, Ordering};

use super::MemoryGauge;

static USED: AtomicUsize = AtomicUsize::new(0);
static PEAK: AtomicUsize = AtomicUsize::new(0);

/// The counting allocator. Installed with `#[global_allocator]` by the binaries.
pub struct CountingAlloc;

fn usable(ptr: *mut u8) -> usize {
    // SAFETY: ptr was returned by the system allocator (malloc family) and is live.
    unsafe { libc::malloc_usable_size(ptr.cast()) }
}

fn added(n: usize) {
    let now = USED.fetch_add(n, Ordering::Relaxed) + n;
    if now > PEAK.load(Ordering::Relaxed) {
        PEAK.fetch_max(now, Ordering::Relaxed);
    }
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
        USED.fetch_sub(usable(ptr), Ordering::Relaxed);
        System.dealloc(ptr, layout)
    }
    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        let old = usable(ptr);
        let p = System.realloc(ptr, layout, new_size);
        if !p.is_null() {
            USED.fetch_sub(old, Ordering::Relaxed);
            added(usable(p));
        }
        p
    }
}

/// Bytes currently allocated through [`CountingAlloc`] (0 if it is not installed).
pub fn used_memory() -> usize {
    USED.load(Ordering::Relaxed)
}

/// The highest `used_memory` seen.
pub fn used_memory_peak() -> usize {
    PEAK.load(Ordering::Relaxed)
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
