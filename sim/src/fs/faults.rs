//! Fault configuration and per-operation fault decisions for [`super::SimFs`].
//!
//! A [`FaultConfig`] gives each fault kind a probability per operation; every kind is off by
//! default (`FaultConfig::default()` is a perfect disk). Decisions come from [`FaultDice`]: one
//! ChaCha stream per fault kind, all derived from the run's fault stream, so turning one kind
//! off (rate 0 draws nothing) changes neither the workload nor the other kinds' decisions.
//!
//! A fault queued with `SimFs::fail_next(op, fault)` fires on the next operation of that kind,
//! before (and instead of) any random decision. What each fault does is specified in
//! `fs/mod.rs`.

use std::collections::VecDeque;

use crate::rng::SimRng;

/// Which operation a fault applies to. `Fsync` covers both `fsync` and `fdatasync`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum FsOp {
    Open,
    Write,
    Read,
    SetLen,
    Fsync,
    Close,
    Rename,
    Unlink,
    List,
    FsyncDir,
    CreateDir,
}

/// A fault to inject deterministically with `SimFs::fail_next`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Fault {
    /// The operation fails with EIO (for fsync, with the profile's page-cache semantics).
    Eio,
    /// The operation fails with ENOSPC and changes nothing.
    Enospc,
    /// A write writes a seeded, non-empty strict prefix (writes of 1 byte are not shortened).
    ShortWrite,
}

/// Counted kinds of injected faults and crash effects (`SimFs::fault_counts`).
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum FaultKind {
    ShortWrite,
    Enospc,
    EioWrite,
    EioFsync,
    EioClose,
    /// EIO injected on an operation other than write, fsync and close.
    EioOther,
    /// An fsync that took simulated time (latency > 0).
    SlowFsync,
    PowerLoss,
    ProcessCrash,
    /// A pending write that did not survive a power loss at all.
    WriteLost,
    /// A pending write of which only a sector-aligned prefix survived a power loss.
    WriteTorn,
    /// A non-durable directory change undone by a power loss.
    DirEntryReverted,
}

/// What fsync does to the page cache when it fails with EIO.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum FsyncProfile {
    /// Linux ext4/XFS: the dirty pages are marked clean; the data stays visible but is dropped
    /// from the not-yet-durable set without becoming durable; the error is reported once.
    #[default]
    Ext4,
    /// Btrfs-like: the file's page cache reverts to its durable content.
    Btrfs,
}

/// How a random power loss treats pending writes (see `fs/crash.rs`).
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct PowerLossRates {
    /// Probability a pending write is lost entirely.
    pub write_lost: f64,
    /// Probability a pending write (spanning more than one sector) is torn.
    pub write_torn: f64,
}

impl Default for PowerLossRates {
    fn default() -> Self {
        PowerLossRates { write_lost: 1.0 / 3.0, write_torn: 1.0 / 3.0 }
    }
}

/// Per-seed fault rates. All off by default.
#[derive(Clone, Copy, Debug, Default, PartialEq)]
pub struct FaultConfig {
    /// Probability a write is short.
    pub short_write: f64,
    /// Probability a write fails with EIO (writing nothing).
    pub eio_write: f64,
    /// Probability an fsync/fdatasync fails with EIO.
    pub eio_fsync: f64,
    /// Probability a close reports EIO (the handle is closed anyway).
    pub eio_close: f64,
    /// Total bytes of page cache the fs holds; writes beyond it are short or fail ENOSPC.
    pub capacity_bytes: Option<u64>,
    pub fsync_profile: FsyncProfile,
    /// Simulated fsync duration, drawn uniformly in `lo..=hi` µs; `(0, 0)` is instant.
    pub fsync_latency_us: (u64, u64),
    /// Distribution used by `SimFs::power_loss`.
    pub power_loss: PowerLossRates,
}

impl FaultConfig {
    /// Swarm testing: each fault kind is on with probability 1/2, with a rate spread over
    /// three orders of magnitude (10⁻¹ … 10⁻⁴); the fsync profile and latency are drawn too.
    pub fn swarm(rng: &mut SimRng) -> FaultConfig {
        let rate = |rng: &mut SimRng| {
            if rng.chance(0.5) {
                10f64.powf(-1.0 - 3.0 * rng.unit())
            } else {
                0.0
            }
        };
        let short_write = rate(rng);
        let eio_write = rate(rng);
        let eio_fsync = rate(rng);
        let eio_close = rate(rng);
        let capacity_bytes = rng.chance(0.25).then(|| 1 << rng.range_inclusive(12, 24));
        let fsync_profile = if rng.chance(0.25) { FsyncProfile::Btrfs } else { FsyncProfile::Ext4 };
        let hi = if rng.chance(0.5) { rng.range_inclusive(1_000, 3_000_000) } else { 0 };
        FaultConfig {
            short_write,
            eio_write,
            eio_fsync,
            eio_close,
            capacity_bytes,
            fsync_profile,
            fsync_latency_us: (hi / 10, hi),
            power_loss: PowerLossRates::default(),
        }
    }
}

/// One independent stream per fault kind plus the queue of forced faults.
#[derive(Debug)]
pub(crate) struct FaultDice {
    short_write: SimRng,
    short_len: SimRng,
    eio_write: SimRng,
    eio_fsync: SimRng,
    eio_close: SimRng,
    latency: SimRng,
    forced: VecDeque<(FsOp, Fault)>,
}

impl FaultDice {
    pub(crate) fn new(faults: &mut SimRng) -> FaultDice {
        let base = faults.next_u64();
        FaultDice {
            short_write: SimRng::new(base, 1),
            short_len: SimRng::new(base, 2),
            eio_write: SimRng::new(base, 3),
            eio_fsync: SimRng::new(base, 4),
            eio_close: SimRng::new(base, 5),
            latency: SimRng::new(base, 6),
            forced: VecDeque::new(),
        }
    }

    pub(crate) fn force(&mut self, op: FsOp, fault: Fault) {
        self.forced.push_back((op, fault));
    }

    /// The fault (if any) for the next operation `op`.
    pub(crate) fn decide(&mut self, op: FsOp, config: &FaultConfig) -> Option<Fault> {
        if let Some(i) = self.forced.iter().position(|(o, _)| *o == op) {
            return self.forced.remove(i).map(|(_, f)| f);
        }
        match op {
            FsOp::Write => {
                // Draw both, so whether one kind fires never shifts the other kind's stream.
                let eio = self.eio_write.chance(config.eio_write);
                let short = self.short_write.chance(config.short_write);
                if eio {
                    Some(Fault::Eio)
                } else if short {
                    Some(Fault::ShortWrite)
                } else {
                    None
                }
            }
            FsOp::Fsync if self.eio_fsync.chance(config.eio_fsync) => Some(Fault::Eio),
            FsOp::Close if self.eio_close.chance(config.eio_close) => Some(Fault::Eio),
            _ => None,
        }
    }

    /// Length of a short write of `len > 1` bytes: uniform in `1..len`.
    pub(crate) fn short_len(&mut self, len: usize) -> usize {
        1 + self.short_len.below(len as u64 - 1) as usize
    }

    /// A seeded fsync duration in µs.
    pub(crate) fn fsync_latency_us(&mut self, config: &FaultConfig) -> u64 {
        let (lo, hi) = config.fsync_latency_us;
        self.latency.range_inclusive(lo, hi)
    }
}
