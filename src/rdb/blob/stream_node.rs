//! Stream nodes (`t_stream.c`): a stream is saved as listpacks keyed by a *master ID* (16 bytes,
//! big-endian ms then seq), the ID of the node's first entry. Each listpack starts with a
//! master entry naming the fields most entries share, then holds the entries; IDs are stored
//! as differences from the master ID (64-bit, wrapping). Numbers are listpack integers.
//!
//! ```text
//! master: count | deleted | n | field_1 … field_n | 0
//! entry:  flags | ms-diff | seq-diff | [m | f_1 v_1 … f_m v_m]  | lp-count
//!   flags & SAMEFIELDS (2): the fields are the master's, only the values follow
//!   flags & DELETED (1): the entry was removed by XDEL (a tombstone)
//!   lp-count: elements of the entry before it (n + 3 with SAMEFIELDS, 2m + 4 without)
//! ```
//! Example (one entry `5-1 k v`, master ID 5-1):
//! `count 1 | deleted 0 | 1 | "k" | 0 | flags 2 | 0 | 0 | "v" | 4`.

use super::listpack;
use super::Corrupt;
use crate::types::stream::{Fields, StreamId};
use crate::util::number::string2ll;

const FLAG_DELETED: i64 = 1;
const FLAG_SAMEFIELDS: i64 = 2;
/// Redis's defaults `stream-node-max-entries` and `stream-node-max-bytes`.
const NODE_MAX_ENTRIES: usize = 100;
const NODE_MAX_BYTES: usize = 4096;

/// The live entries of one node, in order (tombstones skipped), after checking the layout.
pub fn decode(master: StreamId, lp: &[u8]) -> Result<Vec<(StreamId, Fields)>, Corrupt> {
    let items = listpack::parse(lp)?;
    let mut cur = Cursor { items: &items, at: 0 };
    let (count, deleted, n) = (cur.count()?, cur.count()?, cur.count()?);
    let master_fields: Vec<Vec<u8>> = (0..n).map(|_| cur.bytes()).collect::<Result<_, _>>()?;
    if cur.int()? != 0 {
        return Err(cur.corrupt("stream node: master entry not terminated by 0"));
    }
    let mut live = Vec::new();
    for _ in 0..count.checked_add(deleted).ok_or(cur.corrupt("stream node: entry count overflows"))? {
        let start = cur.at;
        let flags = cur.int()?;
        let id = StreamId::new(master.ms.wrapping_add(cur.int()? as u64), master.seq.wrapping_add(cur.int()? as u64));
        let fields = if flags & FLAG_SAMEFIELDS != 0 {
            master_fields.iter().map(|f| Ok([f.clone(), cur.bytes()?])).collect::<Result<Vec<_>, Corrupt>>()?.concat()
        } else {
            let m = cur.count()?;
            (0..m.checked_mul(2).ok_or(cur.corrupt("stream entry: field count overflows"))?).map(|_| cur.bytes()).collect::<Result<_, _>>()?
        };
        if cur.count()? != cur.at - start - 1 {
            return Err(cur.corrupt("stream entry: lp-count does not match the entry"));
        }
        if flags & FLAG_DELETED == 0 {
            live.push((id, fields));
        }
    }
    if cur.at != items.len() {
        return Err(cur.corrupt("stream node: elements after the last entry"));
    }
    if live.len() != count {
        return Err(Corrupt::at(0, "stream node: live entries do not match the master count"));
    }
    Ok(live)
}

/// The nodes of a stream's entries: `(master ID, listpack)`, at most 100 entries and about
/// 4 KB each, every entry whose fields equal the node's first entry's flagged SAMEFIELDS.
pub fn encode<'a>(entries: impl IntoIterator<Item = (StreamId, &'a Fields)>) -> Vec<(StreamId, Vec<u8>)> {
    let mut nodes = Vec::new();
    let mut node: Option<NodeBuilder> = None;
    for (id, fields) in entries {
        if node.as_ref().is_some_and(|b| b.full()) {
            nodes.extend(node.take().map(NodeBuilder::finish));
        }
        node.get_or_insert_with(|| NodeBuilder::new(id, fields)).push(id, fields);
    }
    nodes.extend(node.map(NodeBuilder::finish));
    nodes
}

struct NodeBuilder<'a> {
    master: StreamId,
    master_fields: Vec<&'a [u8]>,
    body: Vec<Vec<u8>>,
    entries: usize,
    bytes: usize,
}

impl<'a> NodeBuilder<'a> {
    fn new(master: StreamId, fields: &'a Fields) -> NodeBuilder<'a> {
        let master_fields = fields.iter().step_by(2).map(|f| f.as_slice()).collect();
        NodeBuilder { master, master_fields, body: Vec::new(), entries: 0, bytes: 0 }
    }

    fn full(&self) -> bool {
        self.entries >= NODE_MAX_ENTRIES || self.bytes >= NODE_MAX_BYTES
    }

    fn push(&mut self, id: StreamId, fields: &'a Fields) {
        let start = self.body.len();
        let same = fields.len() == 2 * self.master_fields.len() && fields.iter().step_by(2).zip(&self.master_fields).all(|(f, m)| f == m);
        let num = |v: i64| v.to_string().into_bytes();
        self.body.push(num(if same { FLAG_SAMEFIELDS } else { 0 }));
        self.body.push(num(id.ms.wrapping_sub(self.master.ms) as i64));
        self.body.push(num(id.seq.wrapping_sub(self.master.seq) as i64));
        if same {
            self.body.extend(fields.iter().skip(1).step_by(2).cloned());
        } else {
            self.body.push(num((fields.len() / 2) as i64));
            self.body.extend(fields.iter().cloned());
        }
        self.body.push(num((self.body.len() - start) as i64));
        self.bytes += fields.iter().map(|f| f.len() + 2).sum::<usize>() + 8;
        self.entries += 1;
    }

    fn finish(self) -> (StreamId, Vec<u8>) {
        let head = [self.entries.to_string().into_bytes(), b"0".to_vec(), self.master_fields.len().to_string().into_bytes()];
        let lp = listpack::encode(
            head.iter().map(|v| v.as_slice()).chain(self.master_fields.iter().copied()).chain([&b"0"[..]]).chain(self.body.iter().map(|v| v.as_slice())),
        );
        (self.master, lp)
    }
}

/// Reads a node's elements in order, as integers or bytes.
struct Cursor<'a> {
    items: &'a [Vec<u8>],
    at: usize,
}

impl Cursor<'_> {
    fn corrupt(&self, what: &'static str) -> Corrupt {
        Corrupt::at(0, what)
    }

    fn bytes(&mut self) -> Result<Vec<u8>, Corrupt> {
        let v = self.items.get(self.at).ok_or(self.corrupt("stream node: ends inside an entry"))?;
        self.at += 1;
        Ok(v.clone())
    }

    fn int(&mut self) -> Result<i64, Corrupt> {
        string2ll(&self.bytes()?).ok_or(self.corrupt("stream node: integer expected"))
    }

    /// A non-negative count, bounded by the elements left (each counted thing takes one).
    fn count(&mut self) -> Result<usize, Corrupt> {
        let n = usize::try_from(self.int()?).map_err(|_| self.corrupt("stream node: negative count"))?;
        if n > self.items.len() {
            return Err(self.corrupt("stream node: count larger than the node"));
        }
        Ok(n)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn fields(pairs: &[(&str, &str)]) -> Fields {
        pairs.iter().flat_map(|(f, v)| [f.as_bytes().to_vec(), v.as_bytes().to_vec()]).collect()
    }

    #[test]
    fn doc_example_encodes_and_decodes() {
        let f = fields(&[("k", "v")]);
        let nodes = encode([(StreamId::new(5, 1), &f)]);
        assert_eq!(nodes.len(), 1);
        let items = listpack::parse(&nodes[0].1).expect("valid listpack");
        let want: Vec<&[u8]> = vec![b"1", b"0", b"1", b"k", b"0", b"2", b"0", b"0", b"v", b"4"];
        assert_eq!(items, want.iter().map(|v| v.to_vec()).collect::<Vec<_>>());
        assert_eq!(decode(nodes[0].0, &nodes[0].1), Ok(vec![(StreamId::new(5, 1), f)]));
    }

    #[test]
    fn mixed_fields_and_many_entries_round_trip() {
        let entries: Vec<(StreamId, Fields)> = (0..250u64)
            .map(|i| {
                let f = if i % 3 == 0 { fields(&[("a", "1"), ("b", "x")]) } else { fields(&[("other", "y")]) };
                (StreamId::new(1000 + i / 2, i % 2 * 7), f)
            })
            .collect();
        let nodes = encode(entries.iter().map(|(id, f)| (*id, f)));
        assert_eq!(nodes.len(), 3, "100 entries per node");
        let back: Vec<(StreamId, Fields)> = nodes.iter().flat_map(|(m, lp)| decode(*m, lp).expect("valid node")).collect();
        assert_eq!(back, entries);
    }

    #[test]
    fn damaged_nodes_are_corrupt_not_panics() {
        let f = fields(&[("k", "v")]);
        let (_, lp) = encode([(StreamId::new(5, 1), &f)]).remove(0);
        let items = listpack::parse(&lp).expect("valid");
        for i in 0..items.len() {
            for bad in [&b"99"[..], b"-1", b"x"] {
                let mut v = items.clone();
                v[i] = bad.to_vec();
                let lp = listpack::encode(v.iter().map(|x| x.as_slice()));
                let _ = decode(StreamId::new(5, 1), &lp);
            }
            let lp = listpack::encode(items[..i].iter().map(|x| x.as_slice()));
            assert!(decode(StreamId::new(5, 1), &lp).is_err(), "cut after {i} elements");
        }
    }
}
