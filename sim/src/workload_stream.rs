//! Workload commands for streams (seeds whose swarm configuration has `streams`): XADD with
//! exact and `ms-*` IDs from a small range (so some are refused as not above the last ID),
//! NOMKSTREAM and `MAXLEN` trims, XDEL, XTRIM, XLEN and ranges — what the model implements
//! (`keel_models::model::stream`). Consumer groups are not generated: the model has none; their
//! persistence is checked against Redis in `tests/aof_redis.rs` and `tests/rdb_redis_compat.rs`.

use crate::workload::{argv, Argv, Workload};

impl Workload<'_> {
    /// One random stream command on key `k`.
    pub(crate) fn stream_op(&mut self, k: Vec<u8>) -> Argv {
        match self.rng.below(12) {
            0..=4 => self.xadd(k),
            5 => argv(&[b"XDEL", &k, &self.stream_id(), &self.stream_id()]),
            6 => argv(&[b"XTRIM", &k, b"MAXLEN", self.pick(&[b"=", b"0"]), self.rng.below(6).to_string().as_bytes()]),
            7 => argv(&[b"XLEN", &k]),
            8 | 9 => argv(&[b"XRANGE", &k, &self.range_bound(b"-"), &self.range_bound(b"+"), b"COUNT", self.rng.below(5).to_string().as_bytes()]),
            10 => argv(&[b"XREVRANGE", &k, b"+", b"-"]),
            _ => argv(&[b"XRANGE", &k, b"-", b"+"]),
        }
    }

    fn xadd(&mut self, k: Vec<u8>) -> Argv {
        let mut a = argv(&[b"XADD", &k]);
        if self.rng.chance(0.1) {
            a.push(b"NOMKSTREAM".to_vec());
        }
        if self.rng.chance(0.2) {
            a.extend([b"MAXLEN".to_vec(), self.rng.below(6).to_string().into_bytes()]);
        }
        a.push(if self.rng.chance(0.3) { format!("{}-*", self.rng.below(60)).into_bytes() } else { self.stream_id() });
        for _ in 0..1 + self.rng.below(3) {
            a.push(format!("f{}", self.rng.below(4)).into_bytes());
            a.push(self.value());
        }
        a
    }

    /// An exact ID over a small range (`ms-seq`, sometimes `ms` alone or malformed).
    fn stream_id(&mut self) -> Vec<u8> {
        match self.rng.below(20) {
            0 => self.pick(&[b"0-0", b"x", b"1-"]).to_vec(),
            1..=3 => self.rng.below(60).to_string().into_bytes(),
            _ => format!("{}-{}", self.rng.below(60), self.rng.below(3)).into_bytes(),
        }
    }

    fn range_bound(&mut self, open: &[u8]) -> Vec<u8> {
        if self.rng.chance(0.4) { open.to_vec() } else { self.stream_id() }
    }
}
