//! Workload commands for the set type: every set command, with members straddling the intset
//! rules (integers vs strings, bulk SADDs of 500..=520 integers around the 512-entry limit),
//! multi-key algebra between colliding keys, and the random/scan commands the model checks by
//! validity.

use crate::workload::{argv, Argv, Workload};

impl Workload<'_> {
    /// One random set command on key `k`.
    pub(crate) fn set_op(&mut self, k: Vec<u8>) -> Argv {
        match self.rng.below(26) {
            0..=4 => {
                let mut a = argv(&[b"SADD", &k]);
                let n = self.rng.range_inclusive(1, 4);
                a.extend((0..n).map(|_| self.set_member()));
                a
            }
            5 => self.sadd_bulk(k),
            6..=7 => {
                let mut a = argv(&[b"SREM", &k]);
                let n = self.rng.range_inclusive(1, 3);
                a.extend((0..n).map(|_| self.set_member()));
                a
            }
            8 => argv(&[b"SMOVE", &k, &self.key(), &self.set_member()]),
            9 => argv(&[b"SISMEMBER", &k, &self.set_member()]),
            10 => argv(&[b"SMISMEMBER", &k, &self.set_member(), &self.set_member()]),
            11 => argv(&[b"SCARD", &k]),
            12 => argv(&[b"SMEMBERS", &k]),
            13..=14 => argv(&[self.pick(&[b"SINTER", b"SUNION", b"SDIFF"]), &k, &self.key()]),
            15 => argv(&[self.pick(&[b"SINTERSTORE", b"SUNIONSTORE", b"SDIFFSTORE"]), &self.key(), &k, &self.key()]),
            16 => self.sintercard(k),
            17..=18 => self.spop(k),
            19..=20 => self.srandmember(k),
            21 => self.sscan(k),
            22 => argv(&[b"SADD", &k, self.pick(&[b"-0", b"007", b"+1", b"9223372036854775808", b"-9223372036854775808"])]),
            23 => self.sort_op(k),
            _ => argv(&[b"TYPE", &k]),
        }
    }

    /// Mostly integers (so sets stay intsets), sometimes strings that convert them.
    fn set_member(&mut self) -> Vec<u8> {
        match self.rng.below(10) {
            0 => format!("m{}", self.rng.below(50)).into_bytes(),
            1 => self.value(),
            _ => self.set_int(-20, 600),
        }
    }

    /// SADD of 500..=520 integers: either side of `set-max-intset-entries` (512).
    fn sadd_bulk(&mut self, k: Vec<u8>) -> Argv {
        let mut a = argv(&[b"SADD", &k]);
        let n = self.rng.range_inclusive(500, 520);
        a.extend((0..n).map(|i| i.to_string().into_bytes()));
        a
    }

    fn sintercard(&mut self, k: Vec<u8>) -> Argv {
        match self.rng.below(4) {
            0 => argv(&[b"SINTERCARD", b"1", &k]),
            1 => argv(&[b"SINTERCARD", b"2", &k, &self.key(), b"LIMIT", &self.set_int(0, 5)]),
            2 => argv(&[b"SINTERCARD", b"2", &k, &self.key()]),
            _ => argv(&[b"SINTERCARD", self.pick(&[b"0", b"3", b"x"]), &k]),
        }
    }

    fn spop(&mut self, k: Vec<u8>) -> Argv {
        match self.rng.below(3) {
            0 => argv(&[b"SPOP", &k]),
            _ => argv(&[b"SPOP", &k, self.pick(&[b"0", b"1", b"3", b"10", b"400", b"1000", b"-1"])]),
        }
    }

    fn srandmember(&mut self, k: Vec<u8>) -> Argv {
        match self.rng.below(3) {
            0 => argv(&[b"SRANDMEMBER", &k]),
            _ => {
                let count: &[u8] = self.pick(&[b"1", b"5", b"-5", b"0", b"600", b"-600", b"x", b"-9223372036854775807"]);
                argv(&[b"SRANDMEMBER", &k, count])
            }
        }
    }

    fn sscan(&mut self, k: Vec<u8>) -> Argv {
        match self.rng.below(4) {
            0 => argv(&[b"SSCAN", &k, b"0"]),
            1 => argv(&[b"SSCAN", &k, b"0", b"COUNT", &self.set_int(1, 1000)]),
            2 => argv(&[b"SSCAN", &k, b"0", b"MATCH", b"1*"]),
            _ => argv(&[b"SSCAN", &k, &self.set_int(0, 64), b"COUNT", b"5"]),
        }
    }

    /// A decimal integer in `lo..=hi`.
    fn set_int(&mut self, lo: i64, hi: i64) -> Vec<u8> {
        (lo + self.rng.range_inclusive(0, (hi - lo) as u64) as i64).to_string().into_bytes()
    }
}
