//! Workload commands for sorted sets: every zset command, with sizes straddling the ziplist
//! limits (batches that take a key to 127/128/129 members, members of 64/65 bytes) and the
//! option and error paths. Lex commands go only to the `zlex*` keys, whose members all have
//! score 0 (Redis leaves lex ranges over mixed scores undefined); scores never include `-0`
//! (the model does not track which encoding would keep its sign).
//!
//! Blocking pops (BZPOPMIN, BZPOPMAX, BZMPOP) never really block here: the harness expects
//! one reply per command right after its feed. Outside MULTI they carry an invalid timeout
//! (answered at once); [`Workload::zset_blocking_in_multi`] puts them inside a transaction,
//! after a ZADD that fills the key (a pop with data present) or on a key that may be empty
//! (inside EXEC that answers the null array, as a timeout would). Real blocking, serving and
//! timeouts on the simulated clock are tested in `tests/zset_blocking.rs`.

use crate::workload::{argv, Argv, Workload};

impl Workload<'_> {
    /// One random zset command on key `k`.
    pub(crate) fn zset_op(&mut self, k: Vec<u8>) -> Argv {
        match self.rng.below(21) {
            0..=4 => self.zadd(k),
            5 => argv(&[b"ZINCRBY", &k, &self.zscore_arg(), &self.zmember()]),
            6 => argv(&[b"ZREM", &k, &self.zmember(), &self.zmember()]),
            7 => argv(&[self.pick(&[b"ZCARD", b"ZSCORE", b"ZRANK", b"ZREVRANK"]), &k, &self.zmember()][..if self.rng.chance(0.3) { 2 } else { 3 }]),
            8 => argv(&[b"ZMSCORE", &k, &self.zmember(), &self.zmember()]),
            9 | 10 => self.zrange_op(k),
            11 => argv(&[self.pick(&[b"ZCOUNT", b"ZREMRANGEBYSCORE"]), &k, &self.zbound(), &self.zbound()]),
            12 => argv(&[b"ZREMRANGEBYRANK", &k, &self.small_rank(), &self.small_rank()]),
            13 | 14 => self.zsetop(k),
            15 | 16 => self.zpop_op(k),
            17 => self.zrandmember(k),
            18 => argv(&[b"ZSCAN", &k, b"0", b"COUNT", b"1000"]),
            19 => self.sort_op(k),
            _ => self.zlex_op(),
        }
    }

    fn zmember(&mut self) -> Vec<u8> {
        match self.rng.below(30) {
            0 => vec![b'w'; 64 + self.rng.below(2) as usize],
            1 => self.rng.below(20).to_string().into_bytes(),
            _ => format!("m{}", self.rng.below(140)).into_bytes(),
        }
    }

    fn zscore_arg(&mut self) -> Vec<u8> {
        match self.rng.below(25) {
            0 => self.pick(&[b"inf", b"-inf", b"abc", b"nan", b"0.5"]).to_vec(),
            1..=4 => format!("{}.25", self.rng.below(20) as i64 - 10).into_bytes(),
            _ => (self.rng.below(11) as i64 - 5).to_string().into_bytes(),
        }
    }

    fn zbound(&mut self) -> Vec<u8> {
        let n = self.rng.below(11) as i64 - 5;
        match self.rng.below(8) {
            0 => self.pick(&[b"-inf", b"+inf", b"(", b"x"]).to_vec(),
            1..=3 => format!("({n}").into_bytes(),
            _ => n.to_string().into_bytes(),
        }
    }

    fn small_rank(&mut self) -> Vec<u8> {
        (self.rng.below(20) as i64 - 8).to_string().into_bytes()
    }

    fn zadd(&mut self, k: Vec<u8>) -> Argv {
        let mut a = argv(&[b"ZADD", &k]);
        if self.rng.chance(0.3) {
            a.push(self.pick(&[b"NX", b"XX", b"GT", b"LT", b"CH", b"INCR"]).to_vec());
        }
        // Now and then a batch that takes the set across 128 members.
        let pairs = if self.rng.chance(0.1) { 126 + self.rng.below(5) } else { 1 + self.rng.below(3) };
        for i in 0..pairs {
            a.push(self.zscore_arg());
            a.push(if pairs > 100 { format!("b{i}").into_bytes() } else { self.zmember() });
        }
        a
    }

    fn zrange_op(&mut self, k: Vec<u8>) -> Argv {
        let (lo, hi) = (self.zbound(), self.zbound());
        let mut a = match self.rng.below(5) {
            0 => argv(&[b"ZRANGE", &k, &self.small_rank(), &self.small_rank()]),
            1 => argv(&[b"ZRANGE", &k, &lo, &hi, b"BYSCORE"]),
            2 => argv(&[self.pick(&[b"ZRANGEBYSCORE", b"ZREVRANGEBYSCORE"]), &k, &lo, &hi]),
            3 => argv(&[b"ZREVRANGE", &k, &self.small_rank(), &self.small_rank()]),
            _ => argv(&[b"ZRANGESTORE", self.pick(&[b"k1", b"k2"]), &k, &self.small_rank(), &self.small_rank()]),
        };
        for _ in 0..self.rng.below(3) {
            match self.rng.below(3) {
                0 => a.push(b"WITHSCORES".to_vec()),
                1 => a.push(b"REV".to_vec()),
                _ => a.extend([b"LIMIT".to_vec(), self.small_rank(), self.small_rank()]),
            }
        }
        a
    }

    fn zsetop(&mut self, k: Vec<u8>) -> Argv {
        let name = self.pick(&[b"ZUNION", b"ZINTER", b"ZDIFF", b"ZUNIONSTORE", b"ZINTERSTORE", b"ZDIFFSTORE"]);
        let mut a = vec![name.to_vec()];
        if name.ends_with(b"STORE") {
            a.push(k.clone());
        }
        let n = 1 + self.rng.below(3);
        a.push(n.to_string().into_bytes());
        a.push(k);
        for _ in 1..n {
            a.push(self.key());
        }
        if self.rng.chance(0.3) && !name.starts_with(b"ZDIFF") {
            a.push(b"WEIGHTS".to_vec());
            for _ in 0..n {
                a.push(self.pick(&[b"1", b"2", b"0.5"]).to_vec());
            }
        }
        if self.rng.chance(0.3) && !name.starts_with(b"ZDIFF") {
            a.extend([b"AGGREGATE".to_vec(), self.pick(&[b"SUM", b"MIN", b"MAX"]).to_vec()]);
        }
        if self.rng.chance(0.3) && !name.ends_with(b"STORE") {
            a.push(b"WITHSCORES".to_vec());
        }
        a
    }

    fn zpop_op(&mut self, k: Vec<u8>) -> Argv {
        match self.rng.below(4) {
            0 => argv(&[self.pick(&[b"ZPOPMIN", b"ZPOPMAX"]), &k]),
            1 => argv(&[self.pick(&[b"ZPOPMIN", b"ZPOPMAX"]), &k, &self.small_rank()]),
            2 => self.zset_blocking_bad_timeout(k),
            _ => argv(&[b"ZMPOP", b"2", &self.key(), &k, self.pick(&[b"MIN", b"MAX"]), b"COUNT", &(1 + self.rng.below(5)).to_string().into_bytes()]),
        }
    }

    fn zrandmember(&mut self, k: Vec<u8>) -> Argv {
        match self.rng.below(3) {
            0 => argv(&[b"ZRANDMEMBER", &k]),
            1 => argv(&[b"ZRANDMEMBER", &k, &self.small_rank()]),
            _ => argv(&[b"ZRANDMEMBER", &k, &self.small_rank(), b"WITHSCORES"]),
        }
    }

    /// Lex commands on the all-zero-score keys.
    fn zlex_op(&mut self) -> Argv {
        let k = format!("zlex{}", self.rng.below(2)).into_bytes();
        let b = |w: &mut Self| -> Vec<u8> {
            match w.rng.below(6) {
                0 => w.pick(&[b"-", b"+", b"x"]).to_vec(),
                1..=2 => format!("(m{}", w.rng.below(30)).into_bytes(),
                _ => format!("[m{}", w.rng.below(30)).into_bytes(),
            }
        };
        match self.rng.below(5) {
            0 | 1 => argv(&[b"ZADD", &k, b"0", format!("m{}", self.rng.below(30)).as_bytes(), b"0", format!("m{}", self.rng.below(30)).as_bytes()]),
            2 => argv(&[self.pick(&[b"ZLEXCOUNT", b"ZREMRANGEBYLEX"]), &k, &b(self), &b(self)]),
            3 => argv(&[self.pick(&[b"ZRANGEBYLEX", b"ZREVRANGEBYLEX"]), &k, &b(self), &b(self)]),
            _ => argv(&[b"ZRANGE", &k, &b(self), &b(self), b"BYLEX", b"LIMIT", b"0", b"3"]),
        }
    }

    /// A blocking pop whose timeout is rejected before anything could block.
    fn zset_blocking_bad_timeout(&mut self, k: Vec<u8>) -> Argv {
        let t: &[u8] = self.pick(&[b"abc", b"-1", b"nan"]);
        match self.rng.below(3) {
            0 => argv(&[b"BZPOPMIN", &k, t]),
            1 => argv(&[b"BZPOPMAX", &self.key(), &k, t]),
            _ => argv(&[b"BZMPOP", t, b"1", &k, b"MAX"]),
        }
    }

    /// Commands for the inside of a MULTI block: a ZADD that fills `k`, then blocking pops of
    /// it (with data present they pop at once; inside EXEC they never block).
    pub(crate) fn zset_blocking_in_multi(&mut self) -> Vec<Argv> {
        let k = self.key();
        let mut cmds = vec![argv(&[b"ZADD", &k, &self.zscore_arg(), &self.zmember(), b"1", &self.zmember()])];
        for _ in 0..self.rng.range_inclusive(1, 3) {
            let timeout: &[u8] = self.pick(&[b"0", b"0.5", b"3"]);
            cmds.push(match self.rng.below(3) {
                0 => argv(&[self.pick(&[b"BZPOPMIN", b"BZPOPMAX"]), &k, timeout]),
                1 => argv(&[self.pick(&[b"BZPOPMIN", b"BZPOPMAX"]), &self.key(), &k, timeout]),
                _ => {
                    let count = (1 + self.rng.below(4)).to_string().into_bytes();
                    argv(&[b"BZMPOP", timeout, b"2", &self.key(), &k, self.pick(&[b"MIN", b"MAX"]), b"COUNT", &count])
                }
            });
        }
        cmds
    }
}
