//! Consumer groups (`streamCG`): the group's last delivered ID and read counter, its pending
//! entries list (PEL: delivered, not yet acknowledged) and its consumers, each owning a subset
//! of the PEL. Invariant: every PEL entry names an existing consumer whose own set holds it.

use std::collections::{BTreeMap, BTreeSet};

use super::StreamId;

/// `entries_read` when unknown (`SCG_INVALID_ENTRIES_READ`).
pub const ENTRIES_READ_UNKNOWN: i64 = -1;

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Group {
    pub last_id: StreamId,
    pub entries_read: i64,
    pub pel: BTreeMap<StreamId, Nack>,
    pub consumers: BTreeMap<Vec<u8>, Consumer>,
}

/// A pending entry (`streamNACK`).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Nack {
    /// Unix time in ms of the last delivery.
    pub delivery_time: i64,
    pub delivery_count: u64,
    pub consumer: Vec<u8>,
}

#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Consumer {
    /// Unix time in ms of the last interaction.
    pub seen_time: i64,
    pub pel: BTreeSet<StreamId>,
}

impl Group {
    pub fn new(last_id: StreamId, entries_read: i64) -> Group {
        Group { last_id, entries_read, pel: BTreeMap::new(), consumers: BTreeMap::new() }
    }

    /// The consumer `name`, created (seen now) if missing; true if created.
    pub fn consumer_or_create(&mut self, name: &[u8], now_ms: i64) -> (&mut Consumer, bool) {
        let created = !self.consumers.contains_key(name);
        let c = self.consumers.entry(name.to_vec()).or_insert_with(|| Consumer { seen_time: now_ms, pel: BTreeSet::new() });
        (c, created)
    }

    /// Remove a consumer and its pending entries; returns how many were pending.
    pub fn delete_consumer(&mut self, name: &[u8]) -> Option<usize> {
        let c = self.consumers.remove(name)?;
        for id in &c.pel {
            self.pel.remove(id);
        }
        Some(c.pel.len())
    }

    /// Acknowledge `id`: true if it was pending.
    pub fn ack(&mut self, id: StreamId) -> bool {
        let Some(nack) = self.pel.remove(&id) else { return false };
        if let Some(c) = self.consumers.get_mut(&nack.consumer) {
            c.pel.remove(&id);
        }
        true
    }

    /// Make `id` pending for `consumer` (which must exist), moving it from its previous owner.
    pub fn assign(&mut self, id: StreamId, consumer: &[u8], delivery_time: i64, delivery_count: u64) {
        if let Some(old) = self.pel.insert(id, Nack { delivery_time, delivery_count, consumer: consumer.to_vec() }) {
            if let Some(c) = self.consumers.get_mut(&old.consumer) {
                c.pel.remove(&id);
            }
        }
        if let Some(c) = self.consumers.get_mut(consumer) {
            c.pel.insert(id);
        }
    }

    /// Check the invariant between the PEL and the consumers' sets (loading).
    pub fn consistent(&self) -> bool {
        let owned: usize = self.consumers.values().map(|c| c.pel.len()).sum();
        owned == self.pel.len()
            && self.consumers.iter().all(|(name, c)| c.pel.iter().all(|id| self.pel.get(id).is_some_and(|n| &n.consumer == name)))
    }

    pub fn heap_bytes(&self) -> usize {
        let consumers: usize = self.consumers.iter().map(|(n, c)| n.len() + 48 + c.pel.len() * 16).sum();
        64 + self.pel.values().map(|n| 48 + n.consumer.len()).sum::<usize>() + consumers
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn assign_moves_ownership_and_ack_clears_both_sides() {
        let mut g = Group::new(StreamId::MIN, 0);
        g.consumer_or_create(b"a", 1);
        g.consumer_or_create(b"b", 1);
        let id = StreamId::new(1, 0);
        g.assign(id, b"a", 5, 1);
        g.assign(id, b"b", 6, 2);
        assert!(g.consistent());
        assert!(g.consumers[&b"a"[..]].pel.is_empty());
        assert_eq!(g.pel[&id].consumer, b"b");
        assert!(g.ack(id));
        assert!(!g.ack(id));
        assert!(g.consistent() && g.consumers[&b"b"[..]].pel.is_empty());
        g.assign(id, b"a", 7, 1);
        assert_eq!(g.delete_consumer(b"a"), Some(1));
        assert!(g.pel.is_empty() && g.consistent());
    }
}
