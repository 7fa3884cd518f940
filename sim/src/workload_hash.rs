//! Workload commands for the hash type: every hash command, with field counts and value
//! lengths straddling the ziplist limits (bulk HSETs of 120..=140 pairs around the 128-entry
//! limit, values of 64 and 65 bytes around the 64-byte limit, fields of 65 bytes through
//! HINCRBY), and the random/scan commands the model checks by validity.

use crate::workload::{argv, Argv, Workload};

impl Workload<'_> {
    /// One random hash command on key `k`.
    pub(crate) fn hash_op(&mut self, k: Vec<u8>) -> Argv {
        match self.rng.below(24) {
            0..=4 => self.hset(k),
            5 => self.hset_bulk(k),
            6 => argv(&[b"HSETNX", &k, &self.hash_field(), &self.hash_value()]),
            7..=8 => {
                let mut a = argv(&[b"HDEL", &k]);
                let n = self.rng.range_inclusive(1, 3);
                a.extend((0..n).map(|_| self.hash_field()));
                a
            }
            9 => argv(&[b"HINCRBY", &k, &self.hash_field(), self.pick(&[b"1", b"-3", b"100", b"x", b"9223372036854775807"])]),
            10 => argv(&[b"HINCRBYFLOAT", &k, &self.hash_field(), self.pick(&[b"1.5", b"-0.25", b"3", b"1e2", b"abc", b"inf"])]),
            11 => argv(&[b"HGET", &k, &self.hash_field()]),
            12 => {
                let mut a = argv(&[b"HMGET", &k]);
                a.extend((0..3).map(|_| self.hash_field()));
                a
            }
            13 => argv(&[self.pick(&[b"HSTRLEN", b"HEXISTS"]), &k, &self.hash_field()]),
            14 => argv(&[b"HLEN", &k]),
            15..=16 => argv(&[self.pick(&[b"HGETALL", b"HKEYS", b"HVALS"]), &k]),
            17..=18 => self.hrandfield(k),
            19 => self.hscan(k),
            20 => argv(&[b"HMSET", &k, &self.hash_field(), &self.hash_value()]),
            21 => argv(&[b"HINCRBY", &k, &[b'f'; 65], b"1"]),
            22 => argv(&[b"HSET", &k, &self.hash_field()]),
            _ => argv(&[b"TYPE", &k]),
        }
    }

    /// A field from a space of 140 names, so hashes can pass 128 entries.
    fn hash_field(&mut self) -> Vec<u8> {
        format!("f{}", self.rng.below(140)).into_bytes()
    }

    /// A value: short, an integer, or 64/65 bytes (either side of `hash-max-ziplist-value`).
    fn hash_value(&mut self) -> Vec<u8> {
        match self.rng.below(12) {
            0 => vec![b'v'; 64],
            1 => vec![b'v'; 65],
            2..=4 => self.hash_int(-5, 1000),
            _ => self.value(),
        }
    }

    fn hset(&mut self, k: Vec<u8>) -> Argv {
        let mut a = argv(&[b"HSET", &k]);
        let n = self.rng.range_inclusive(1, 4);
        for _ in 0..n {
            a.extend([self.hash_field(), self.hash_value()]);
        }
        a
    }

    /// HSET of 120..=140 short pairs: lands either side of the 128-entry limit.
    fn hset_bulk(&mut self, k: Vec<u8>) -> Argv {
        let mut a = argv(&[b"HSET", &k]);
        let n = self.rng.range_inclusive(120, 140);
        for i in 0..n {
            a.extend([format!("f{i}").into_bytes(), self.hash_int(0, 99)]);
        }
        a
    }

    fn hrandfield(&mut self, k: Vec<u8>) -> Argv {
        let count: &[u8] = self.pick(&[b"1", b"3", b"-3", b"0", b"200", b"-200", b"x", b"-9223372036854775807"]);
        match self.rng.below(3) {
            0 => argv(&[b"HRANDFIELD", &k]),
            1 => argv(&[b"HRANDFIELD", &k, count]),
            _ => argv(&[b"HRANDFIELD", &k, count, b"WITHVALUES"]),
        }
    }

    fn hscan(&mut self, k: Vec<u8>) -> Argv {
        match self.rng.below(4) {
            0 => argv(&[b"HSCAN", &k, b"0"]),
            1 => argv(&[b"HSCAN", &k, b"0", b"COUNT", &self.hash_int(1, 300)]),
            2 => argv(&[b"HSCAN", &k, b"0", b"MATCH", b"f1*", b"COUNT", b"1000"]),
            _ => argv(&[b"HSCAN", &k, &self.hash_int(0, 64)]),
        }
    }

    /// A decimal integer in `lo..=hi`.
    fn hash_int(&mut self, lo: i64, hi: i64) -> Vec<u8> {
        (lo + self.rng.range_inclusive(0, (hi - lo) as u64) as i64).to_string().into_bytes()
    }
}
