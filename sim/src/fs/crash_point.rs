//! Crash points: every state-changing disk operation is a boundary a crash can land on.
//!
//! SimFs counts its state-changing operations ([`super::site`]) and remembers the last one's
//! site (the campaign report counts crashes by it). For the bounded exhaustive mode a crash
//! point can be *armed*: when the counter reaches the armed value, SimFs takes a copy of its
//! whole disk state (inodes with page cache, durable bytes and pending operations; directories;
//! pending directory changes) together with the simulated time. The engine keeps running to the
//! end of the harness event it is in, on the live state; the harness then restores the copy
//! ([`SimFs::restore_crash_point`]) and crashes, which is exactly a crash right after that
//! operation. The harness must not trust anything that happened after the copy (it neither
//! releases replies nor records durability evidence once [`SimFs::crash_point_taken`] is set).
//!
//! [`SimFs::power_loss_choices`] lists what a power loss may decide at that point, in the
//! order [`super::crash`] visits pending operations, so every combination can be enumerated.

use std::collections::{BTreeMap, BTreeSet};
use std::path::PathBuf;

use super::site::Site;
use super::state::{DataOp, Dir, FsState, Ino, Inode, MetaOp, SECTOR};
use super::SimFs;

/// The disk state copied at an armed crash point.
#[derive(Debug)]
pub(crate) struct Frozen {
    at_us: u64,
    site: Option<Site>,
    inodes: BTreeMap<Ino, Inode>,
    dirs: BTreeMap<PathBuf, Dir>,
    meta_pending: Vec<MetaOp>,
    next_ino: Ino,
}

/// Operation counting and the armed crash point (part of [`FsState`]).
#[derive(Debug, Default)]
pub(crate) struct CrashPoints {
    /// State-changing operations so far.
    pub ops: u64,
    pub last: Option<Site>,
    /// Copy the state when `ops` reaches this value.
    pub armed: Option<u64>,
    pub taken: Option<Frozen>,
    /// Sites of every operation since [`SimFs::record_sites`] turned recording on.
    pub sites: Option<Vec<Site>>,
}

/// One decision a power loss makes at a crash point, in visiting order.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum PendingChoice {
    /// A pending write of `pieces` sector-aligned pieces of inode `ino` (its `index`th pending
    /// operation): survives whole, is lost, or keeps `1..pieces` pieces.
    Write { ino: u64, index: usize, pieces: u64 },
    /// A pending `set_len`: survives or not.
    SetLen { ino: u64, index: usize },
}

impl PendingChoice {
    /// Number of outcomes: whole, lost, and each torn prefix for writes; kept or not for
    /// `set_len`.
    pub fn outcomes(&self) -> u64 {
        match self {
            PendingChoice::Write { pieces, .. } => 2 + pieces.saturating_sub(1),
            PendingChoice::SetLen { .. } => 2,
        }
    }
}

/// Everything a power loss may decide at a crash point.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct PowerLossChoices {
    pub pending: Vec<PendingChoice>,
    /// Pending directory changes: an oldest-first prefix of `0..=dir_changes` survives.
    pub dir_changes: usize,
}

fn pieces(offset: u64, len: u64) -> u64 {
    if len == 0 {
        return 0;
    }
    (offset + len - 1) / SECTOR - offset / SECTOR + 1
}

impl FsState {
    /// A state-changing operation at `site` completed.
    pub(crate) fn boundary(&mut self, site: Site) {
        let cp = &mut self.crash_points;
        cp.ops += 1;
        cp.last = Some(site);
        if let Some(sites) = cp.sites.as_mut() {
            sites.push(site);
        }
        if cp.armed == Some(cp.ops) && cp.taken.is_none() {
            self.freeze();
        }
    }

    fn freeze(&mut self) {
        let at_us = self.clock.as_ref().map_or(0, keel::env::Clock::monotonic_us);
        let frozen = Frozen {
            at_us,
            site: self.crash_points.last,
            inodes: self.inodes.clone(),
            dirs: self.dirs.clone(),
            meta_pending: self.meta_pending.clone(),
            next_ino: self.next_ino,
        };
        self.trace.record(format_args!("crash point taken at op {} ({:?})", self.crash_points.ops, frozen.site));
        self.crash_points.taken = Some(frozen);
    }

}

/// Inodes a power loss could leave named: durably named now, or named by a pending directory
/// change that may survive.
fn nameable(dirs: &BTreeMap<PathBuf, Dir>, meta_pending: &[MetaOp]) -> BTreeSet<Ino> {
    let mut out: BTreeSet<Ino> = dirs.values().flat_map(|d| d.durable.values().copied()).collect();
    for op in meta_pending {
        match op {
            MetaOp::Link { ino, .. } | MetaOp::Rename { ino, .. } => {
                out.insert(*ino);
            }
            MetaOp::Unlink { .. } => {}
        }
    }
    out
}

/// What a power loss may decide over this disk state (see [`SimFs::power_loss_choices`]).
fn choices(inodes: &BTreeMap<Ino, Inode>, dirs: &BTreeMap<PathBuf, Dir>, meta_pending: &[MetaOp]) -> PowerLossChoices {
    let nameable = nameable(dirs, meta_pending);
    let mut pending = Vec::new();
    for (&ino, inode) in inodes.iter().filter(|(ino, _)| nameable.contains(ino)) {
        for (index, op) in inode.pending.iter().enumerate() {
            pending.push(match op {
                DataOp::Write { offset, data } => {
                    PendingChoice::Write { ino, index, pieces: pieces(*offset, data.len() as u64) }
                }
                DataOp::SetLen(_) => PendingChoice::SetLen { ino, index },
            });
        }
    }
    PowerLossChoices { pending, dir_changes: meta_pending.len() }
}

impl SimFs {
    /// State-changing disk operations so far.
    pub fn disk_ops(&self) -> u64 {
        self.lock().crash_points.ops
    }

    /// The site of the last state-changing disk operation, if any.
    pub fn last_site(&self) -> Option<Site> {
        self.lock().crash_points.last
    }

    /// Start (or stop) recording the site of every state-changing operation.
    pub fn record_sites(&self, on: bool) {
        self.lock().crash_points.sites = on.then(Vec::new);
    }

    /// The sites recorded since [`SimFs::record_sites`]`(true)`.
    pub fn recorded_sites(&self) -> Vec<Site> {
        self.lock().crash_points.sites.clone().unwrap_or_default()
    }

    /// Copy the disk state after `after_ops` more state-changing operations (0: now).
    pub fn arm_crash_point(&self, after_ops: u64) {
        let mut st = self.lock();
        st.crash_points.taken = None;
        if after_ops == 0 {
            st.freeze();
            st.crash_points.armed = None;
        } else {
            st.crash_points.armed = Some(st.crash_points.ops + after_ops);
        }
    }

    /// The simulated time (µs) and site of the crash point taken, if it was reached.
    pub fn crash_point_taken(&self) -> Option<(u64, Option<Site>)> {
        self.lock().crash_points.taken.as_ref().map(|f| (f.at_us, f.site))
    }

    /// Put the disk back in the state copied at the crash point (call right before crashing).
    /// Returns false if no crash point was taken.
    pub fn restore_crash_point(&self) -> bool {
        let mut st = self.lock();
        st.crash_points.armed = None;
        let Some(f) = st.crash_points.taken.take() else { return false };
        st.inodes = f.inodes;
        st.dirs = f.dirs;
        st.meta_pending = f.meta_pending;
        st.next_ino = f.next_ino;
        st.crash_points.last = f.site;
        st.trace.record("crash point restored");
        true
    }

    /// What a power loss now may decide, in the order `fs/crash.rs` visits pending operations
    /// (inodes ascending, each file's operations oldest first). Inodes no entry can name after
    /// the crash are left out (their bytes cannot be seen; a plan may treat them as lost).
    pub fn power_loss_choices(&self) -> PowerLossChoices {
        let st = self.lock();
        choices(&st.inodes, &st.dirs, &st.meta_pending)
    }

    /// [`SimFs::power_loss_choices`] of the disk state copied at the crash point taken.
    pub fn crash_point_choices(&self) -> Option<PowerLossChoices> {
        let st = self.lock();
        st.crash_points.taken.as_ref().map(|f| choices(&f.inodes, &f.dirs, &f.meta_pending))
    }
}
