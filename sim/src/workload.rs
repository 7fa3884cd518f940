//! The command generator: random Redis commands over a small key space, drawn from the
//! workload stream under a [`ScenarioConfig`].
//!
//! What it aims at: keys that collide often (a key space of a few to a few hundred names over a
//! few dbs), values straddling the encoding thresholds (integers that fit `long long` or not,
//! strings of 43..=46 bytes around the 44-byte embstr limit), TTLs close to now (so keys expire
//! both lazily and actively while the workload runs), transactions (MULTI/EXEC with and without
//! a queueing error, DISCARD, WATCH) and every nondeterministic command the model checks by
//! validity (KEYS, SCAN, RANDOMKEY, DBSIZE, INCRBYFLOAT).
//!
//! Absolute times cannot be known when the scenario is generated, so they are symbolic:
//! `@ms+N` is replaced at send time by the simulated unix time in ms plus `N`, and `@s+N` by the
//! unix time in seconds plus `N` (see [`resolve_time_arg`]).
//!
//! Invariant: generation reads only the workload stream and the config, never the engine, so a
//! scenario is a pure function of its seed.

use crate::rng::SimRng;
use crate::scenario::ScenarioConfig;

/// One command: its arguments.
pub type Argv = Vec<Vec<u8>>;

/// Command generator for one scenario.
pub struct Workload<'a> {
    pub cfg: &'a ScenarioConfig,
    pub rng: &'a mut SimRng,
}

pub(crate) fn argv(parts: &[&[u8]]) -> Argv {
    parts.iter().map(|p| p.to_vec()).collect()
}

/// Replace a symbolic time argument (`@ms+N`, `@s+N`, N may be negative) by its value at
/// `unix_ms`; other arguments are returned unchanged.
pub fn resolve_time_arg(arg: &[u8], unix_ms: i64) -> Vec<u8> {
    let text = match std::str::from_utf8(arg) {
        Ok(t) if t.starts_with('@') => t,
        _ => return arg.to_vec(),
    };
    let parse = |rest: &str| rest.parse::<i64>().ok();
    let value = if let Some(rest) = text.strip_prefix("@ms+") {
        parse(rest).map(|n| unix_ms.saturating_add(n))
    } else if let Some(rest) = text.strip_prefix("@s+") {
        parse(rest).map(|n| unix_ms.div_euclid(1000).saturating_add(n))
    } else {
        None
    };
    value.map_or_else(|| arg.to_vec(), |v| v.to_string().into_bytes())
}

impl Workload<'_> {
    pub(crate) fn pick<'b>(&mut self, items: &[&'b [u8]]) -> &'b [u8] {
        items[self.rng.below(items.len() as u64) as usize]
    }

    pub fn key(&mut self) -> Vec<u8> {
        format!("k{}", self.rng.below(u64::from(self.cfg.keys.max(1)))).into_bytes()
    }

    /// A value: an integer (in or out of `long long` range), a boundary-length string, or a
    /// random-length one.
    pub fn value(&mut self) -> Vec<u8> {
        if self.rng.below(100) < u64::from(self.cfg.int_value_pct) {
            return self.int_value();
        }
        let len = match self.rng.below(10) {
            0..=3 => self.rng.range_inclusive(43, 46) as usize,
            4..=5 => {
                let w: &[u8] = self.pick(&[b"abc", b"1.5", b"-0", b" 1", b"1e3", b"inf", b"3.0", b""]);
                return w.to_vec();
            }
            _ => self.rng.below(self.cfg.value_len_max as u64 + 1) as usize,
        };
        (0..len).map(|_| b'a' + self.rng.below(26) as u8).collect()
    }

    fn int_value(&mut self) -> Vec<u8> {
        match self.rng.below(8) {
            0 => self.pick(&[b"9223372036854775807", b"-9223372036854775808", b"9223372036854775808", b"0"]).to_vec(),
            1 => format!("{}", self.rng.next_u64()).into_bytes(),
            _ => format!("{}", self.rng.below(200) as i64 - 50).into_bytes(),
        }
    }

    fn small_int(&mut self, lo: i64, hi: i64) -> Vec<u8> {
        let span = (hi - lo).max(0) as u64;
        (lo + self.rng.range_inclusive(0, span) as i64).to_string().into_bytes()
    }

    fn ttl_ms(&mut self) -> u64 {
        self.rng.range_inclusive(1, self.cfg.ttl_ms_max.max(1))
    }

    /// Arguments for SET's options: maybe an expiry, maybe NX/XX, maybe GET.
    fn set_options(&mut self, out: &mut Argv) {
        if self.rng.below(100) < u64::from(self.cfg.ttl_pct) {
            match self.rng.below(5) {
                0 => out.extend(argv(&[b"PX", self.ttl_ms().to_string().as_bytes()])),
                1 => out.extend(argv(&[b"EX", self.small_int(1, 3).as_slice()])),
                2 => out.extend(argv(&[b"PXAT", format!("@ms+{}", self.ttl_ms()).as_bytes()])),
                3 => out.extend(argv(&[b"EXAT", b"@s+1"])),
                _ => out.push(b"KEEPTTL".to_vec()),
            }
        }
        match self.rng.below(6) {
            0 => out.push(b"NX".to_vec()),
            1 => out.push(b"XX".to_vec()),
            _ => {}
        }
        if self.rng.chance(0.15) {
            out.push(b"GET".to_vec());
        }
    }

    /// One random command outside of a transaction block.
    pub fn command(&mut self) -> Argv {
        let k = self.key();
        match self.rng.below(100) {
            0..=15 => {
                let mut a = argv(&[b"SET", &k, &self.value()]);
                self.set_options(&mut a);
                a
            }
            16..=25 => argv(&[b"GET", &k]),
            26..=35 => self.numeric(k),
            36..=45 => self.expiry(k),
            46..=55 => self.string_op(k),
            56..=67 => self.key_op(k),
            68..=75 => self.multi_key(),
            76..=83 => self.nondeterministic(),
            84..=89 => self.db_op(),
            90..=91 => self.list_op(k),
            92..=93 => self.hash_op(k),
            94..=95 => self.set_op(k),
            96..=97 => self.zset_op(k),
            // Without `streams` the draws are those of the generator before streams existed, so
            // the seeds of `sim/regressions.txt` replay the traces they failed with.
            _ if self.cfg.streams => self.stream_op(k),
            _ => self.generic_op(k),
        }
    }

    /// A read that works on any type.
    pub(crate) fn generic_op(&mut self, k: Vec<u8>) -> Argv {
        argv(&[self.pick(&[b"EXISTS", b"TYPE", b"STRLEN", b"TTL", b"PTTL", b"TOUCH"]), &k])
    }

    fn numeric(&mut self, k: Vec<u8>) -> Argv {
        match self.rng.below(6) {
            0 => argv(&[b"INCR", &k]),
            1 => argv(&[b"DECR", &k]),
            2 => argv(&[b"INCRBY", &k, &self.int_value()]),
            3 => argv(&[b"DECRBY", &k, &self.small_int(-100, 100)]),
            4 => argv(&[b"INCRBYFLOAT", &k, self.pick(&[b"1.5", b"-0.25", b"3", b"1e2", b"abc", b"0.1"])]),
            _ => argv(&[b"SETNX", &k, &self.value()]),
        }
    }

    fn expiry(&mut self, k: Vec<u8>) -> Argv {
        let ms = self.ttl_ms().to_string().into_bytes();
        match self.rng.below(9) {
            0 => argv(&[b"PEXPIRE", &k, &ms]),
            1 => argv(&[b"EXPIRE", &k, &self.small_int(0, 2)]),
            2 => argv(&[b"PEXPIREAT", &k, format!("@ms+{}", self.ttl_ms()).as_bytes()]),
            3 => argv(&[b"EXPIREAT", &k, format!("@s+{}", self.rng.below(4) as i64 - 1).as_bytes()]),
            4 => argv(&[b"PERSIST", &k]),
            5 => argv(&[b"PSETEX", &k, &ms, &self.value()]),
            6 => argv(&[b"SETEX", &k, &self.small_int(1, 2), &self.value()]),
            7 => argv(&[b"GETEX", &k, b"PX", &ms]),
            _ => argv(&[self.pick(&[b"EXPIRETIME", b"PEXPIRETIME", b"PTTL"]), &k]),
        }
    }

    fn string_op(&mut self, k: Vec<u8>) -> Argv {
        match self.rng.below(7) {
            0 => argv(&[b"APPEND", &k, &self.value()]),
            1 => argv(&[b"GETRANGE", &k, &self.small_int(-5, 5), &self.small_int(-5, 50)]),
            2 => argv(&[b"SETRANGE", &k, &self.small_int(0, 50), &self.value()]),
            3 => argv(&[b"GETSET", &k, &self.value()]),
            4 => argv(&[b"GETDEL", &k]),
            5 => argv(&[b"GETEX", &k, b"PERSIST"]),
            _ => argv(&[b"STRLEN", &k]),
        }
    }

    fn key_op(&mut self, k: Vec<u8>) -> Argv {
        let k2 = self.key();
        match self.rng.below(7) {
            0 => argv(&[b"DEL", &k, &k2]),
            1 => argv(&[b"UNLINK", &k]),
            2 => argv(&[b"RENAME", &k, &k2]),
            3 => argv(&[b"RENAMENX", &k, &k2]),
            4 => argv(&[b"COPY", &k, &k2, b"REPLACE"]),
            5 => argv(&[b"MOVE", &k, &self.small_int(0, i64::from(self.cfg.dbs.max(1)) - 1)]),
            _ => argv(&[b"COPY", &k, &k2]),
        }
    }

    fn multi_key(&mut self) -> Argv {
        let n = self.rng.range_inclusive(1, 4);
        match self.rng.below(3) {
            0 => {
                let mut a = argv(&[b"MGET"]);
                a.extend((0..n).map(|_| self.key()));
                a
            }
            1 => {
                let mut a = argv(&[b"MSET"]);
                (0..n).for_each(|_| a.extend([self.key(), self.value()]));
                a
            }
            _ => {
                let mut a = argv(&[b"MSETNX"]);
                (0..n).for_each(|_| a.extend([self.key(), self.value()]));
                a
            }
        }
    }

    fn nondeterministic(&mut self) -> Argv {
        match self.rng.below(5) {
            0 => argv(&[b"KEYS", self.pick(&[b"*", b"k1*", b"k?", b"*[0-3]"])]),
            1 => argv(&[b"SCAN", b"0", b"COUNT", &self.small_int(1, 20)]),
            2 => argv(&[b"RANDOMKEY"]),
            3 => argv(&[b"DBSIZE"]),
            _ => argv(&[b"SCAN", b"0", b"MATCH", b"k1*"]),
        }
    }

    fn db_op(&mut self) -> Argv {
        let dbs = i64::from(self.cfg.dbs.max(1)) - 1;
        match self.rng.below(20) {
            0..=9 => argv(&[b"SELECT", &self.small_int(0, dbs)]),
            10..=13 => argv(&[b"SWAPDB", &self.small_int(0, dbs), &self.small_int(0, dbs)]),
            14 => argv(&[b"FLUSHDB"]),
            15 if self.rng.chance(0.3) => argv(&[b"FLUSHALL"]),
            16 => argv(&[b"ECHO", &self.value()]),
            _ => argv(&[b"PING"]),
        }
    }

    /// A transaction block: MULTI, a few commands (maybe one with a wrong arity, which makes
    /// EXEC answer EXECABORT), then EXEC or DISCARD. Now and then the block starts with
    /// blocking sorted set pops (which inside MULTI never block) or with SORTs of a key it
    /// has just filled.
    pub fn transaction(&mut self) -> Vec<Argv> {
        let mut block = vec![argv(&[b"MULTI"])];
        match self.rng.below(10) {
            0 => block.extend(self.zset_blocking_in_multi()),
            1 => block.extend(self.sort_in_multi()),
            _ => {}
        }
        let n = self.rng.range_inclusive(1, 4);
        block.extend((0..n).map(|_| self.command()));
        if self.rng.chance(0.15) {
            block.push(argv(&[b"GET"]));
        }
        block.push(if self.rng.chance(0.1) { argv(&[b"DISCARD"]) } else { argv(&[b"EXEC"]) });
        block
    }

    /// WATCH then a transaction on the same key, split in two batches so another client's
    /// write can land between them.
    pub fn watched_transaction(&mut self) -> (Vec<Argv>, Vec<Argv>) {
        let k = self.key();
        let watch = vec![argv(&[b"WATCH", &k])];
        let txn = vec![argv(&[b"MULTI"]), argv(&[b"INCR", &k]), argv(&[b"GET", &k]), argv(&[b"EXEC"])];
        (watch, txn)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn time_args_resolve_against_the_clock() {
        assert_eq!(resolve_time_arg(b"@ms+5", 1_000), b"1005".to_vec());
        assert_eq!(resolve_time_arg(b"@s+-1", 5_999), b"4".to_vec());
        assert_eq!(resolve_time_arg(b"@x", 1), b"@x".to_vec());
        assert_eq!(resolve_time_arg(b"k1", 1), b"k1".to_vec());
    }
}
