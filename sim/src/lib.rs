//! keel-sim: the simulated side of every seam in `keel::env` (clock, file system, fork,
//! background jobs, memory), seeded randomness, and the trace that makes a run replayable.
//!
//! Everything here is deterministic: no real clock, no threads, no OS randomness. All state sits
//! behind `Arc<Mutex<..>>` only because the seam traits are `Send + Sync`; the simulation itself
//! is single-threaded and the scheduler decides when time passes, when a background job
//! completes and when a child process takes a step.

pub mod background;
pub mod campaign;
pub mod check;
pub mod cli;
mod cli_report;
pub mod clock;
pub mod env;
pub mod exhaust;
pub mod exhaust_scenarios;
pub mod fork;
pub mod fs;
pub mod json;
pub mod harness;
pub mod failure_file;
pub mod ledger;
pub mod marks;
pub mod memory;
pub mod persist;
mod persist_events;
pub mod report;
pub mod report_md;
pub mod report_stats;
pub mod report_svg;
pub mod rng;
pub mod runner;
pub mod scenario;
pub mod scenario_json;
pub mod shrink;
pub mod trace;
pub mod workload;
mod workload_hash;
mod workload_list;
mod workload_set;
mod workload_stream;
mod workload_zset;

pub use background::{BackgroundLatency, SimBackground};
pub use clock::SimClock;
pub use env::SimEnv;
pub use fork::{ChildProgress, OrphanPolicy, SimForker};
pub use fs::{Fault, FaultConfig, FaultKind, FsOp, FsyncProfile, SimFs};
pub use memory::SimMemory;
pub use rng::{streams, SimRng, Streams};
pub use trace::Trace;
