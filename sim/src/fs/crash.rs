//! Crashes of a [`SimFs`]: process crash (`kill -9`) and power loss.
//!
//! **Process crash**: the kernel survives, so the page cache, the pending (non-durable) data
//! and directory changes all survive unchanged; only the server's open handles die.
//!
//! **Power loss**: a [`PowerLossPlan`] decides, for every pending operation, what reached the
//! disk. Pending data operations are visited inode by inode (ascending inode number), each
//! file's in the order they were issued, and replayed onto the durable bytes:
//! - a write is [`Survival::Whole`], [`Survival::Lost`] or [`Survival::Torn`]: a torn write
//!   keeps its first `sectors` pieces, where the pieces are the write cut at file offsets that
//!   are multiples of [`SECTOR_BYTES`] (512); `1 <= sectors < pieces`. Within one write sectors
//!   reach the disk in order; across writes there is no order, so a later write may survive
//!   while an earlier one does not (LazyFS's torn-seq). A surviving piece is written back as
//!   whole sectors with the page cache's content at that point, so bytes of earlier writes
//!   sharing its first or last sector survive with it; a surviving piece beyond the durable end
//!   extends the file with zeros;
//! - a `set_len` (including the truncation of an open with `truncate`) survives or not.
//!
//! Pending directory changes survive as an oldest-first prefix (`dir_changes_kept`), the rest
//! revert. Then page cache := durable, visible entries := durable entries, inodes no entry
//! names are freed, and every handle dies.

use std::collections::VecDeque;

use super::faults::{FaultKind, PowerLossRates};
use super::state::{apply_data, write_at, DataOp, FsState, Ino, SECTOR};
use super::SimFs;
use crate::rng::SimRng;

/// Sector size used for torn writes.
pub const SECTOR_BYTES: u64 = SECTOR;

/// What of one pending write reaches the disk.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Survival {
    Whole,
    Lost,
    /// Only the first `sectors` sector-aligned pieces.
    Torn { sectors: u64 },
}

/// A pending write, as shown to a [`PowerLossPlan`].
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct PendingWrite {
    pub ino: u64,
    /// Position among the file's pending operations (0 = oldest).
    pub index: usize,
    pub offset: u64,
    pub len: u64,
    /// Number of sector-aligned pieces the write spans.
    pub pieces: u64,
}

/// Decides what a power loss keeps.
pub trait PowerLossPlan {
    fn write(&mut self, w: &PendingWrite) -> Survival;
    /// Whether a pending `set_len(len)` of inode `ino` survives.
    fn set_len(&mut self, ino: u64, len: u64) -> bool;
    /// How many of the `pending` oldest directory changes survive (clamped to `pending`).
    fn dir_changes_kept(&mut self, pending: usize) -> usize;
}

/// Nothing pending survives: durable state only.
pub struct LoseAll;

impl PowerLossPlan for LoseAll {
    fn write(&mut self, _: &PendingWrite) -> Survival {
        Survival::Lost
    }
    fn set_len(&mut self, _: u64, _: u64) -> bool {
        false
    }
    fn dir_changes_kept(&mut self, _: usize) -> usize {
        0
    }
}

/// Everything pending survives (the disk happened to have written it all).
pub struct KeepAll;

impl PowerLossPlan for KeepAll {
    fn write(&mut self, _: &PendingWrite) -> Survival {
        Survival::Whole
    }
    fn set_len(&mut self, _: u64, _: u64) -> bool {
        true
    }
    fn dir_changes_kept(&mut self, pending: usize) -> usize {
        pending
    }
}

/// Seeded choices with the given rates; directory prefix length uniform in `0..=pending`.
pub struct RandomPlan<'a> {
    pub rng: &'a mut SimRng,
    pub rates: PowerLossRates,
}

impl PowerLossPlan for RandomPlan<'_> {
    fn write(&mut self, w: &PendingWrite) -> Survival {
        let x = self.rng.unit();
        if x < self.rates.write_lost {
            Survival::Lost
        } else if w.pieces > 1 && x < self.rates.write_lost + self.rates.write_torn {
            Survival::Torn { sectors: self.rng.range_inclusive(1, w.pieces - 1) }
        } else {
            Survival::Whole
        }
    }
    fn set_len(&mut self, _: u64, _: u64) -> bool {
        !self.rng.chance(self.rates.write_lost)
    }
    fn dir_changes_kept(&mut self, pending: usize) -> usize {
        self.rng.below(pending as u64 + 1) as usize
    }
}

/// Decisions given in advance: writes take `writes` in visiting order (then `default`),
/// `set_len`s survive iff `keep_set_len`, and `dir_changes` oldest directory changes survive.
pub struct ScriptedPlan {
    pub writes: VecDeque<Survival>,
    pub default: Survival,
    pub keep_set_len: bool,
    pub dir_changes: usize,
}

impl PowerLossPlan for ScriptedPlan {
    fn write(&mut self, _: &PendingWrite) -> Survival {
        self.writes.pop_front().unwrap_or(self.default)
    }
    fn set_len(&mut self, _: u64, _: u64) -> bool {
        self.keep_set_len
    }
    fn dir_changes_kept(&mut self, pending: usize) -> usize {
        self.dir_changes.min(pending)
    }
}

fn pieces(offset: u64, len: u64) -> u64 {
    if len == 0 {
        return 0;
    }
    (offset + len - 1) / SECTOR - offset / SECTOR + 1
}

/// Replay `pending` onto `durable` as `plan` decides.
///
/// The unit that reaches the disk is a whole sector holding the page cache's content at the
/// time: a surviving piece of a write carries the bytes of earlier writes that share its first
/// and last sector (they were in the page when it was written back), so an earlier write can
/// be lost only in sectors no later surviving write touches.
fn replay(st: &mut FsState, ino: Ino, pending: &[DataOp], plan: &mut dyn PowerLossPlan) -> Vec<u8> {
    let mut bytes = st.inodes.get(&ino).map(|i| i.durable.clone()).unwrap_or_default();
    // The page cache as it evolves: the durable bytes with every pending operation applied.
    let mut cache = bytes.clone();
    for (index, op) in pending.iter().enumerate() {
        apply_data(&mut cache, op);
        match op {
            DataOp::Write { offset, data } => {
                let len = data.len() as u64;
                let w = PendingWrite { ino, index, offset: *offset, len, pieces: pieces(*offset, len) };
                let keep = match plan.write(&w) {
                    Survival::Whole => len,
                    Survival::Lost => 0,
                    Survival::Torn { sectors } => {
                        let sectors = sectors.clamp(1, w.pieces.max(2) - 1);
                        ((offset / SECTOR + sectors) * SECTOR - offset).min(len)
                    }
                };
                let kind = match keep {
                    0 => Some(FaultKind::WriteLost),
                    k if k < len => Some(FaultKind::WriteTorn),
                    _ => None,
                };
                if let Some(kind) = kind {
                    st.count(kind);
                }
                st.trace.record(format_args!("power_loss ino={ino} write off={offset} len={len} kept={keep}"));
                if keep > 0 {
                    let start = offset / SECTOR * SECTOR;
                    let end = (offset + keep).div_ceil(SECTOR) * SECTOR;
                    let end = end.min(cache.len() as u64);
                    write_at(&mut bytes, start, &cache[start as usize..end as usize]);
                }
            }
            DataOp::SetLen(len) => {
                if plan.set_len(ino, *len) {
                    apply_data(&mut bytes, op);
                }
            }
        }
    }
    bytes
}

impl SimFs {
    /// The server process dies (`kill -9`): the handles it opened die; page cache, pending
    /// changes and handles of forked children survive. No inode is freed here (an orphan may
    /// still hold an unlinked one); the next power loss collects them.
    pub fn process_crash(&self) {
        let mut st = self.lock();
        st.server_epoch += 1;
        st.current_owner = super::state::SERVER;
        st.count(FaultKind::ProcessCrash);
    }

    /// The machine loses power; pending writes survive per the config's rates, drawn from `rng`
    /// (normally `streams(seed).power_loss`).
    pub fn power_loss(&self, rng: &mut SimRng) {
        let rates = self.config().power_loss;
        self.power_loss_with(&mut RandomPlan { rng, rates });
    }

    /// The machine loses power; `plan` decides what of the pending state survives.
    pub fn power_loss_with(&self, plan: &mut dyn PowerLossPlan) {
        let mut st = self.lock();
        st.epoch += 1;
        st.count(FaultKind::PowerLoss);
        let inos: Vec<Ino> = st.inodes.keys().copied().collect();
        for ino in inos {
            let pending = st.inodes.get_mut(&ino).map(|i| std::mem::take(&mut i.pending));
            let pending = pending.unwrap_or_default();
            let bytes = replay(&mut st, ino, &pending, plan);
            if let Some(inode) = st.inodes.get_mut(&ino) {
                inode.cache = bytes.clone();
                inode.durable = bytes;
            }
        }
        let meta = std::mem::take(&mut st.meta_pending);
        let kept = plan.dir_changes_kept(meta.len()).min(meta.len());
        for op in &meta[..kept] {
            st.apply_meta_durably(op);
        }
        for _ in kept..meta.len() {
            st.count(FaultKind::DirEntryReverted);
        }
        for dir in st.dirs.values_mut() {
            dir.visible = dir.durable.clone();
        }
        st.collect_garbage();
        st.trace.record(format_args!("power_loss dir_changes kept={kept}/{}", meta.len()));
    }
}
