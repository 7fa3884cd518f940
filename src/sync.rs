//! The synchronisation types of Keel's threaded parts, so that `loom` can check them.
//!
//! In a normal build these are the `std` types. In a `RUSTFLAGS="--cfg loom"` build they are
//! `loom`'s, whose every lock, wait, notify and atomic access is a scheduling point that
//! `loom::model` permutes, exploring every interleaving up to a preemption bound
//! (`tests/loom_background.rs`, run by `tests/loom.sh`).
//!
//! Rule: code that shares state between threads (today `env::os_background` and the counting
//! logic of `env::os_alloc`) takes `Arc`, `Mutex`, `Condvar`, atomics and `thread` from here,
//! never from `std` directly, so the model and production run the same code. This is the one
//! place where a `cfg` swaps an implementation (DESIGN prefers trait seams): loom's types are
//! drop-in replacements with the same API, and both halves are this file's few re-exports, so
//! they cannot drift.
//!
//! Not covered: `static` items (loom's atomics have no `const fn new`), so the global
//! allocator's counter stays a `std` atomic and `os_alloc` makes its counting logic generic
//! over the atomic instead.

#[cfg(loom)]
pub use loom::sync::{Arc, Condvar, Mutex, MutexGuard};

#[cfg(not(loom))]
pub use std::sync::{Arc, Condvar, Mutex, MutexGuard};

/// Atomics (`AtomicUsize`, `AtomicBool`, `Ordering`, ...).
pub mod atomic {
    #[cfg(loom)]
    pub use loom::sync::atomic::*;

    #[cfg(not(loom))]
    pub use std::sync::atomic::*;
}

/// Threads (`spawn`, `Builder`, `JoinHandle`, `yield_now`).
pub mod thread {
    #[cfg(loom)]
    pub use loom::thread::*;

    #[cfg(not(loom))]
    pub use std::thread::*;
}
