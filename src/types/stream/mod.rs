//! Streams (`t_stream.c`): entries ordered by [`StreamId`], each a list of field/value pairs,
//! plus the stream's counters and its consumer groups.
//!
//! Redis keeps entries in a radix tree of listpack nodes; Keel keeps them in a `BTreeMap` and
//! produces the node layout only when saving (`rdb::stream`). What is observable is the same:
//! - `last_id` is the largest ID ever added (or set by XSETID), even after deletions;
//! - `entries_added` counts every entry ever added; `max_deleted_id` is the largest ID removed
//!   by XDEL (trimming does not change it);
//! - the first ID (`recorded-first-entry-id`) is the first live entry, or `0-0` when empty.
//!
//! A stream stays in the keyspace when its last entry goes (unlike other aggregates).

pub mod group;
pub mod id;

use std::collections::BTreeMap;
use std::ops::Bound;

pub use group::{Consumer, Group, Nack};
pub use id::StreamId;

/// An entry's field/value pairs, flattened: `[f1, v1, f2, v2, ...]`.
pub type Fields = Vec<Vec<u8>>;

#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Stream {
    pub entries: BTreeMap<StreamId, Fields>,
    pub last_id: StreamId,
    pub max_deleted_id: StreamId,
    pub entries_added: u64,
    /// By name, in byte order (Redis's `cgroups` radix tree).
    pub groups: BTreeMap<Vec<u8>, Group>,
}

/// Why XADD refused an ID.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum AddError {
    /// Not greater than `last_id` (or the stream is at the largest ID).
    NotGreater,
    /// `0-0` given explicitly.
    Zero,
}

impl Stream {
    pub fn len(&self) -> usize {
        self.entries.len()
    }

    pub fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }

    /// `recorded-first-entry-id`: the first live entry, `0-0` if none.
    pub fn first_id(&self) -> StreamId {
        self.entries.keys().next().copied().unwrap_or_default()
    }

    /// The ID XADD gives a new entry (`streamAppendItem`): `requested` with `seq_given`, or
    /// generated from `now_ms` (`*`) or from the requested ms (`<ms>-*`).
    pub fn next_id(&self, requested: Option<(StreamId, bool)>, now_ms: u64) -> Result<StreamId, AddError> {
        let last = self.last_id;
        match requested {
            None if now_ms > last.ms => Ok(StreamId::new(now_ms, 0)),
            None => last.next().ok_or(AddError::NotGreater),
            Some((id, true)) if id == StreamId::MIN => Err(AddError::Zero),
            Some((id, true)) if id > last => Ok(id),
            Some((_, true)) => Err(AddError::NotGreater),
            Some((id, false)) if id.ms > last.ms => Ok(StreamId::new(id.ms, 0)),
            Some((id, false)) if id.ms == last.ms => last.next().filter(|n| n.ms == id.ms).ok_or(AddError::NotGreater),
            Some(_) => Err(AddError::NotGreater),
        }
    }

    /// Append an entry with an ID from [`Stream::next_id`].
    pub fn append(&mut self, id: StreamId, fields: Fields) {
        debug_assert!(id > self.last_id, "stream IDs only grow");
        self.entries.insert(id, fields);
        self.last_id = id;
        self.entries_added += 1;
    }

    /// XDEL of one ID: true if it was there.
    pub fn delete(&mut self, id: StreamId) -> bool {
        if self.entries.remove(&id).is_none() {
            return false;
        }
        self.max_deleted_id = self.max_deleted_id.max(id);
        true
    }

    /// Remove entries from the head while more than `max_len` remain, at most `limit`
    /// (0 = no limit); returns how many went.
    pub fn trim_max_len(&mut self, max_len: usize, limit: usize) -> usize {
        let over = self.len().saturating_sub(max_len);
        let n = if limit == 0 { over } else { over.min(limit) };
        self.pop_front(n)
    }

    /// Remove entries from the head whose ID is below `min_id`, at most `limit` (0 = none).
    pub fn trim_min_id(&mut self, min_id: StreamId, limit: usize) -> usize {
        let below = self.entries.range(..min_id).count();
        let n = if limit == 0 { below } else { below.min(limit) };
        self.pop_front(n)
    }

    fn pop_front(&mut self, n: usize) -> usize {
        for _ in 0..n {
            self.entries.pop_first();
        }
        n
    }

    /// Entries with `start <= id <= end`, in order (`rev`: from the end), at most `count`.
    pub fn range(&self, start: StreamId, end: StreamId, rev: bool, count: Option<usize>) -> Vec<(StreamId, &Fields)> {
        if start > end {
            return Vec::new();
        }
        let it = self.entries.range((Bound::Included(start), Bound::Included(end))).map(|(id, f)| (*id, f));
        let limit = count.unwrap_or(usize::MAX);
        if rev {
            it.rev().take(limit).collect()
        } else {
            it.take(limit).collect()
        }
    }

    /// Entries strictly after `after` (XREAD, XREADGROUP `>`), at most `count`.
    pub fn after(&self, after: StreamId, count: Option<usize>) -> Vec<(StreamId, &Fields)> {
        match after.next() {
            Some(start) => self.range(start, StreamId::MAX, false, count),
            None => Vec::new(),
        }
    }

    /// Are there deleted entries (tombstones) at or after `from`? (`streamRangeHasTombstones`
    /// up to the last ID.)
    pub fn has_tombstones_from(&self, from: StreamId) -> bool {
        !self.is_empty() && self.max_deleted_id != StreamId::MIN && from <= self.max_deleted_id && self.max_deleted_id <= self.last_id
    }

    /// The number of entries ever added up to `id`, when it can be known
    /// (`streamEstimateDistanceFromFirstEverEntry`); [`group::ENTRIES_READ_UNKNOWN`] otherwise.
    pub fn estimate_distance(&self, id: StreamId) -> i64 {
        let added = self.entries_added as i64;
        if added == 0 {
            return 0;
        }
        if self.is_empty() && id <= self.last_id {
            return added;
        }
        match id.cmp(&self.last_id) {
            std::cmp::Ordering::Equal => return added,
            std::cmp::Ordering::Greater => return group::ENTRIES_READ_UNKNOWN,
            std::cmp::Ordering::Less => {}
        }
        let first = self.first_id();
        if self.max_deleted_id == StreamId::MIN || self.max_deleted_id < first {
            match id.cmp(&first) {
                std::cmp::Ordering::Less => return added - self.len() as i64,
                std::cmp::Ordering::Equal => return added - self.len() as i64 + 1,
                std::cmp::Ordering::Greater => {}
            }
        }
        group::ENTRIES_READ_UNKNOWN
    }

    /// Move `group`'s last delivered ID to `id` (delivery with `>`), keeping `entries_read`.
    pub fn advance_group(&mut self, group: &[u8], id: StreamId) {
        let tombstones = self.has_tombstones_from(id);
        let estimate = self.estimate_distance(id);
        let Some(g) = self.groups.get_mut(group) else { return };
        if id <= g.last_id {
            return;
        }
        if g.entries_read != group::ENTRIES_READ_UNKNOWN && !tombstones {
            g.entries_read += 1;
        } else if self.entries_added > 0 {
            g.entries_read = estimate;
        }
        g.last_id = id;
    }

    /// Elements for MEMORY USAGE / lazy-free decisions: entries plus pending entries.
    pub fn free_effort(&self) -> usize {
        self.len() + self.groups.values().map(|g| g.pel.len() + g.consumers.len()).sum::<usize>()
    }

    /// The estimated bytes of the value (MEMORY USAGE).
    pub fn heap_bytes(&self) -> usize {
        let entry_bytes: usize = self.entries.values().map(|f| 16 + f.iter().map(|x| x.len() + 24).sum::<usize>()).sum();
        let group_bytes: usize = self.groups.iter().map(|(n, g)| n.len() + g.heap_bytes()).sum();
        std::mem::size_of::<Stream>() + entry_bytes + group_bytes
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn s_with(ids: &[(u64, u64)]) -> Stream {
        let mut s = Stream::default();
        for &(ms, seq) in ids {
            s.append(StreamId::new(ms, seq), vec![b"f".to_vec(), b"v".to_vec()]);
        }
        s
    }

    #[test]
    fn generated_ids_follow_the_clock_and_the_last_id() {
        let s = s_with(&[(5, 1)]);
        assert_eq!(s.next_id(None, 10), Ok(StreamId::new(10, 0)));
        assert_eq!(s.next_id(None, 3), Ok(StreamId::new(5, 2)));
        assert_eq!(s.next_id(Some((StreamId::new(5, 0), false)), 0), Ok(StreamId::new(5, 2)));
        assert_eq!(s.next_id(Some((StreamId::new(6, 0), false)), 0), Ok(StreamId::new(6, 0)));
        assert_eq!(s.next_id(Some((StreamId::new(4, 0), false)), 0), Err(AddError::NotGreater));
        assert_eq!(s.next_id(Some((StreamId::new(5, 1), true)), 0), Err(AddError::NotGreater));
        assert_eq!(Stream::default().next_id(Some((StreamId::MIN, true)), 0), Err(AddError::Zero));
        let full = Stream { last_id: StreamId::new(7, u64::MAX), ..Stream::default() };
        assert_eq!(full.next_id(Some((StreamId::new(7, 0), false)), 0), Err(AddError::NotGreater));
    }

    #[test]
    fn deletes_and_trims_keep_last_id_and_track_max_deleted() {
        let mut s = s_with(&[(1, 0), (2, 0), (3, 0), (4, 0)]);
        assert!(s.delete(StreamId::new(3, 0)));
        assert!(!s.delete(StreamId::new(3, 0)));
        assert_eq!(s.max_deleted_id, StreamId::new(3, 0));
        assert_eq!(s.trim_max_len(1, 0), 2);
        assert_eq!((s.first_id(), s.last_id, s.entries_added), (StreamId::new(4, 0), StreamId::new(4, 0), 4));
        assert_eq!(s.max_deleted_id, StreamId::new(3, 0), "trimming is not deleting");
        let mut s = s_with(&[(1, 0), (2, 0), (3, 0)]);
        assert_eq!(s.trim_min_id(StreamId::new(3, 0), 1), 1);
        assert_eq!(s.first_id(), StreamId::new(2, 0));
    }

    #[test]
    fn ranges_are_inclusive_and_reverse() {
        let s = s_with(&[(1, 0), (2, 0), (3, 0)]);
        let ids = |v: Vec<(StreamId, &Fields)>| v.into_iter().map(|(id, _)| id.ms).collect::<Vec<_>>();
        assert_eq!(ids(s.range(StreamId::new(1, 0), StreamId::new(2, 0), false, None)), vec![1, 2]);
        assert_eq!(ids(s.range(StreamId::MIN, StreamId::MAX, true, Some(2))), vec![3, 2]);
        assert_eq!(ids(s.after(StreamId::new(2, 0), None)), vec![3]);
        assert!(s.range(StreamId::new(3, 0), StreamId::new(1, 0), false, None).is_empty());
    }
}
