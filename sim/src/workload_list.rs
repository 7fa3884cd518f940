//! Workload commands for the list type: every non-blocking list command, with bulk pushes
//! (up to 140 elements, past 127/128/129) and elements of 0..=300 bytes so quicklists span
//! several 8 KB ziplist nodes; small element pools so LREM, LPOS and LINSERT find matches.
//!
//! Blocking commands (BLPOP, BRPOP, BLMOVE, BRPOPLPUSH, BLMPOP) are generated only with an
//! invalid timeout (`abc`, `-1`), which answers at once: the harness assumes one reply per
//! command, collected right after the feed, and has no notion of a client that stays
//! blocked until another client's push or a cron timeout (see `tests/list_blocking.rs`,
//! which drives real blocking on the simulated clock).
//!
//! SORT and SORT_RO (generated here for lists, and from the set and zset workloads) sort the
//! key space's own values: `k*` patterns turn an element such as `3` into the key `k3`, so BY
//! and GET find strings (weights, often not numbers: the conversion error is exercised too)
//! and hashes (`k*->f1`). STORE is never combined with ALPHA and a `*` BY pattern: weights
//! that tie keep the engine's input order, which the model cannot know.

use crate::workload::{argv, Argv, Workload};

impl Workload<'_> {
    /// One random list command on key `k`.
    pub(crate) fn list_op(&mut self, k: Vec<u8>) -> Argv {
        match self.rng.below(30) {
            0..=6 => self.list_push(k),
            7 => self.list_bulk_push(k),
            8 => argv(&[b"LINSERT", &k, self.pick(&[b"BEFORE", b"AFTER", b"x"]), &self.list_elem(), &self.list_elem()]),
            9 => argv(&[b"LLEN", &k]),
            10 => argv(&[b"LINDEX", &k, &self.list_index()]),
            11 => argv(&[b"LSET", &k, &self.list_index(), &self.list_elem()]),
            12..=13 => argv(&[b"LRANGE", &k, &self.list_index(), &self.list_index()]),
            14 => argv(&[b"LTRIM", &k, &self.list_index(), &self.list_index()]),
            15 => argv(&[b"LREM", &k, &self.list_index(), &self.list_elem()]),
            16 => self.lpos(k),
            17..=19 => self.list_pop(k),
            20 => argv(&[b"RPOPLPUSH", &k, &self.key()]),
            21 => argv(&[b"LMOVE", &k, &self.key(), self.pick(&[b"LEFT", b"RIGHT"]), self.pick(&[b"LEFT", b"RIGHT", b"UP"])]),
            22 => self.lmpop(k),
            23 => self.list_blocking_bad_timeout(k),
            24 | 25 => self.sort_op(k),
            _ => argv(&[b"LRANGE", &k, b"0", b"-1"]),
        }
    }

    /// An element: a small pool (so searches hit), an integer, or a random value.
    fn list_elem(&mut self) -> Vec<u8> {
        match self.rng.below(10) {
            0..=3 => self.pick(&[b"a", b"b", b"c", b"1", b"-2", b""]).to_vec(),
            4 => vec![b'x'; self.rng.range_inclusive(250, 300) as usize],
            5 => vec![b'v'; 64 + self.rng.below(2) as usize],
            _ => self.value(),
        }
    }

    fn list_index(&mut self) -> Vec<u8> {
        match self.rng.below(12) {
            0 => self.pick(&[b"abc", b"-9223372036854775808", b"9223372036854775807"]).to_vec(),
            1..=4 => (self.rng.below(7) as i64 - 3).to_string().into_bytes(),
            _ => (self.rng.below(300) as i64 - 150).to_string().into_bytes(),
        }
    }

    fn list_push(&mut self, k: Vec<u8>) -> Argv {
        let name = self.pick(&[b"LPUSH", b"RPUSH", b"LPUSH", b"RPUSH", b"LPUSHX", b"RPUSHX"]);
        let mut a = argv(&[name, &k]);
        let n = self.rng.range_inclusive(1, 4);
        a.extend((0..n).map(|_| self.list_elem()));
        a
    }

    /// 120..=140 elements at once: lists cross 127/128/129 entries and several nodes.
    fn list_bulk_push(&mut self, k: Vec<u8>) -> Argv {
        let mut a = argv(&[self.pick(&[b"RPUSH", b"LPUSH"]), &k]);
        let n = self.rng.range_inclusive(120, 140);
        a.extend((0..n).map(|_| self.list_elem()));
        a
    }

    fn lpos(&mut self, k: Vec<u8>) -> Argv {
        let mut a = argv(&[b"LPOS", &k, &self.list_elem()]);
        for _ in 0..self.rng.below(3) {
            let opt = self.pick(&[b"RANK", b"COUNT", b"MAXLEN"]);
            a.extend([opt.to_vec(), self.list_index()]);
        }
        a
    }

    fn list_pop(&mut self, k: Vec<u8>) -> Argv {
        let mut a = argv(&[self.pick(&[b"LPOP", b"RPOP"]), &k]);
        if self.rng.chance(0.5) {
            a.push(self.pick(&[b"0", b"1", b"3", b"200", b"-1"]).to_vec());
        }
        a
    }

    fn lmpop(&mut self, k: Vec<u8>) -> Argv {
        let mut a = argv(&[b"LMPOP", b"2", &self.key(), &k, self.pick(&[b"LEFT", b"RIGHT"])]);
        if self.rng.chance(0.6) {
            a.extend([b"COUNT".to_vec(), self.pick(&[b"1", b"5", b"150", b"0"]).to_vec()]);
        }
        a
    }

    /// A blocking command whose timeout is rejected before anything could block.
    fn list_blocking_bad_timeout(&mut self, k: Vec<u8>) -> Argv {
        let t: &[u8] = self.pick(&[b"abc", b"-1", b"nan"]);
        match self.rng.below(5) {
            0 => argv(&[b"BLPOP", &k, t]),
            1 => argv(&[b"BRPOP", &k, &self.key(), t]),
            2 => argv(&[b"BRPOPLPUSH", &k, &self.key(), t]),
            3 => argv(&[b"BLMOVE", &k, &self.key(), b"LEFT", b"RIGHT", t]),
            _ => argv(&[b"BLMPOP", t, b"1", &k, b"LEFT"]),
        }
    }

    /// SORT or SORT_RO of `k` with random options (see the module doc).
    pub(crate) fn sort_op(&mut self, k: Vec<u8>) -> Argv {
        let ro = self.rng.chance(0.2);
        let mut a = argv(&[if ro { b"SORT_RO".as_slice() } else { b"SORT" }, &k]);
        let (mut alpha, mut by_star) = (false, false);
        for _ in 0..self.rng.below(5) {
            match self.rng.below(10) {
                0 => a.push(self.pick(&[b"ASC", b"DESC"]).to_vec()),
                1 | 2 => {
                    alpha = true;
                    a.push(b"ALPHA".to_vec());
                }
                3 | 4 => {
                    let p = self.pick(&[b"k*", b"nosort", b"k*->f1", b"k*->", b"x"]);
                    by_star |= p.contains(&b'*');
                    a.extend([b"BY".to_vec(), p.to_vec()]);
                }
                5 => a.extend([b"LIMIT".to_vec(), self.list_index(), self.list_index()]),
                6 | 7 => a.extend([b"GET".to_vec(), self.pick(&[b"#", b"k*", b"k*->f2", b"k"]).to_vec()]),
                8 => a.push(self.pick(&[b"LIMIT", b"BY", b"NOPE"]).to_vec()),
                _ => a.extend([b"LIMIT".to_vec(), b"0".to_vec(), b"5".to_vec()]),
            }
        }
        if !ro && (!alpha || !by_star) && self.rng.chance(0.3) {
            a.extend([b"STORE".to_vec(), self.key()]);
        }
        a
    }

    /// Commands for the inside of a MULTI block: fill a key (list, set or sorted set) with a
    /// few elements, then SORT it, so SORT sees data however large the key space is.
    pub(crate) fn sort_in_multi(&mut self) -> Vec<Argv> {
        let k = self.key();
        let n = self.rng.range_inclusive(1, 6);
        let mut fill = match self.rng.below(3) {
            0 => argv(&[b"RPUSH", &k]),
            1 => argv(&[b"SADD", &k]),
            _ => argv(&[b"ZADD", &k]),
        };
        for i in 0..n {
            if fill[0] == b"ZADD" {
                fill.push((i % 3).to_string().into_bytes());
            }
            let e = if self.rng.chance(0.6) { self.rng.below(12).to_string().into_bytes() } else { self.list_elem() };
            fill.push(e);
        }
        let mut cmds = vec![fill];
        for _ in 0..self.rng.range_inclusive(1, 2) {
            cmds.push(self.sort_op(k.clone()));
        }
        cmds
    }
}
