//! Iteration over a [`Dict`](super::Dict) in bucket order (Redis's `dictNext`): the buckets of
//! `ht[0]` by index, each chain from its head, then those of `ht[1]` while rehashing. The
//! iterator borrows the dict, so the table cannot change underneath it (Redis needs "safe"
//! iterators and fingerprints for that).

use super::table::{Node, Table};

/// Iterator over `(&key, &value)`.
pub struct Iter<'a, K, V> {
    tables: &'a [Table<K, V>; 2],
    /// 0 or 1; 2 when done.
    table: usize,
    /// Next bucket to open in `tables[table]`.
    bucket: usize,
    node: Option<&'a Node<K, V>>,
    last_table: usize,
    remaining: usize,
}

impl<'a, K, V> Iter<'a, K, V> {
    pub(crate) fn new(tables: &'a [Table<K, V>; 2], rehashing: bool, len: usize) -> Self {
        Iter { tables, table: 0, bucket: 0, node: None, last_table: usize::from(rehashing), remaining: len }
    }
}

impl<'a, K, V> Iterator for Iter<'a, K, V> {
    type Item = (&'a K, &'a V);

    fn next(&mut self) -> Option<(&'a K, &'a V)> {
        loop {
            if let Some(node) = self.node {
                self.node = node.next.as_deref();
                self.remaining = self.remaining.saturating_sub(1);
                return Some((&node.key, &node.value));
            }
            if self.remaining == 0 || self.table > self.last_table {
                return None;
            }
            let buckets = &self.tables[self.table].buckets;
            match buckets.get(self.bucket) {
                Some(link) => {
                    self.node = link.as_deref();
                    self.bucket += 1;
                }
                None => {
                    self.table += 1;
                    self.bucket = 0;
                }
            }
        }
    }

    fn size_hint(&self) -> (usize, Option<usize>) {
        (self.remaining, Some(self.remaining))
    }
}

impl<K, V> ExactSizeIterator for Iter<'_, K, V> {}
