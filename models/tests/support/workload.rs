//! A seeded random workload over the model's commands: ~20 keys, values that are integers,
//! floats and plain strings, TTLs far in the future or in the past, a few clients that enter
//! MULTI and WATCH keys, and a sprinkling of wrong arities, bad options and unknown commands.

use keel_models::Reply;

use super::rng::Rng;

const KEYS: i64 = 20;

pub struct Workload {
    rng: Rng,
    in_multi: Vec<bool>,
}

fn b(s: impl AsRef<str>) -> Vec<u8> {
    s.as_ref().as_bytes().to_vec()
}

impl Workload {
    pub fn new(seed: u64, clients: usize) -> Workload {
        Workload {
            rng: Rng::new(seed),
            in_multi: vec![false; clients],
        }
    }

    /// The next (client, command) at wall-clock `now_ms`.
    pub fn next(&mut self, now_ms: i64) -> (usize, Vec<Vec<u8>>) {
        let client = self.rng.below(self.in_multi.len() as u64) as usize;
        let argv = if self.in_multi[client] && self.rng.chance(15) {
            vec![b(if self.rng.chance(85) {
                "EXEC"
            } else {
                "DISCARD"
            })]
        } else {
            self.command(now_ms, self.in_multi[client])
        };
        (client, argv)
    }

    /// Track MULTI state from the server's replies.
    pub fn observe(&mut self, client: usize, argv: &[Vec<u8>], reply: &Reply) {
        match String::from_utf8_lossy(&argv[0])
            .to_ascii_lowercase()
            .as_str()
        {
            "multi" if *reply == Reply::ok() => self.in_multi[client] = true,
            "exec" | "discard" => self.in_multi[client] = false,
            _ => {}
        }
    }

    fn key(&mut self) -> Vec<u8> {
        b(format!("k{}", self.rng.below(KEYS as u64)))
    }

    fn value(&mut self) -> Vec<u8> {
        let r = &mut self.rng;
        match r.below(10) {
            0..=2 => b(r.range(-100, 100).to_string()),
            3 => b(r.pick(&[
                "9223372036854775806",
                "-9223372036854775807",
                "9223372036854775807",
            ])),
            4 => b(r.pick(&["1.5", "-0.25", "2.75e1", "0.1", "3", "1e3", "-7.125"])),
            5 => b(r.pick(&["", "01", " 1", "-0", "+1", "abc"])),
            _ => (0..r.below(8)).map(|_| b'a' + r.below(26) as u8).collect(),
        }
    }

    fn int_arg(&mut self) -> Vec<u8> {
        let r = &mut self.rng;
        match r.below(10) {
            0..=6 => b(r.range(-50, 50).to_string()),
            7 => b(r.pick(&[
                "9223372036854775807",
                "-9223372036854775808",
                "4611686018427387904",
            ])),
            8 => b(r.pick(&["x", "1.5", "", "99999999999999999999"])),
            _ => b(r.range(-1000, 1000).to_string()),
        }
    }

    fn float_arg(&mut self) -> Vec<u8> {
        let r = &mut self.rng;
        b(r.pick(&[
            "0.5", "-1.25", "10", "3.0e2", "0.1", "-0.1", "abc", "", "1e-3", "7",
        ]))
    }

    /// A relative TTL: far future mostly, sometimes invalid.
    fn ttl(&mut self, ms: bool) -> Vec<u8> {
        let r = &mut self.rng;
        match r.below(10) {
            0 => b(r.pick(&["0", "-5", "abc", "9223372036854775807"])),
            _ if ms => b(r.range(1_000_000, 1_000_000_000).to_string()),
            _ => b(r.range(1_000, 1_000_000).to_string()),
        }
    }

    /// An absolute time: far future or in the past.
    fn at(&mut self, now_ms: i64, ms: bool) -> Vec<u8> {
        let r = &mut self.rng;
        let offset_s = if r.chance(70) {
            r.range(100_000, 10_000_000)
        } else {
            -r.range(100_000, 10_000_000)
        };
        let t_ms = now_ms + offset_s * 1000;
        b(if ms {
            t_ms.to_string()
        } else {
            (t_ms / 1000).to_string()
        })
    }

    fn set_options(&mut self, now_ms: i64) -> Vec<Vec<u8>> {
        let mut out = Vec::new();
        for _ in 0..self.rng.below(3) {
            match self.rng.below(10) {
                0 => out.push(b("NX")),
                1 => out.push(b("XX")),
                2 => out.push(b("GET")),
                3 => out.push(b("KEEPTTL")),
                4 => out.extend([b("EX"), self.ttl(false)]),
                5 => out.extend([b("PX"), self.ttl(true)]),
                6 => out.extend([b("EXAT"), self.at(now_ms, false)]),
                7 => out.extend([b("PXAT"), self.at(now_ms, true)]),
                8 => out.push(b("bogus")),
                _ => out.push(b("EX")),
            }
        }
        out
    }

    fn expire_flags(&mut self) -> Vec<Vec<u8>> {
        let r = &mut self.rng;
        (0..r.below(3).saturating_sub(r.below(2)))
            .map(|_| b(r.pick(&["NX", "XX", "GT", "LT", "gt", "zz"])))
            .collect()
    }

    fn command(&mut self, now_ms: i64, in_multi: bool) -> Vec<Vec<u8>> {
        loop {
            let argv = self.any_command(now_ms);
            let cmd = String::from_utf8_lossy(&argv[0]).to_ascii_lowercase();
            // TTL replies inside EXEC would be compared exactly; keep them outside.
            if in_multi && matches!(cmd.as_str(), "ttl" | "pttl" | "expiretime" | "pexpiretime") {
                continue;
            }
            return argv;
        }
    }

    fn any_command(&mut self, now_ms: i64) -> Vec<Vec<u8>> {
        let k = self.key();
        match self.rng.below(64) {
            0..=3 => vec![b("GET"), k],
            4..=7 => {
                let mut argv = vec![b("SET"), k, self.value()];
                argv.extend(self.set_options(now_ms));
                argv
            }
            8 => vec![b("SETNX"), k, self.value()],
            9 => vec![b("SETEX"), k, self.ttl(false), self.value()],
            10 => vec![b("PSETEX"), k, self.ttl(true), self.value()],
            11 => vec![b("GETSET"), k, self.value()],
            12 => vec![b("GETDEL"), k],
            13 => self.getex(k, now_ms),
            14 => vec![b("MGET"), k, self.key(), self.key()],
            15 => vec![b("MSET"), k, self.value(), self.key(), self.value()],
            16 => vec![b("MSETNX"), k, self.value(), self.key(), self.value()],
            17 => vec![b(self.rng.pick(&["INCR", "DECR"])), k],
            18..=19 => vec![b(self.rng.pick(&["INCRBY", "DECRBY"])), k, self.int_arg()],
            20..=21 => vec![b("INCRBYFLOAT"), k, self.float_arg()],
            22 => vec![b("APPEND"), k, self.value()],
            23 => vec![b("STRLEN"), k],
            24 => vec![b("GETRANGE"), k, self.int_arg(), self.int_arg()],
            25 => vec![
                b("SETRANGE"),
                k,
                b(self.rng.range(-1, 40).to_string()),
                self.value(),
            ],
            26 => vec![b(self.rng.pick(&["DEL", "UNLINK"])), k, self.key()],
            27 => vec![
                b(self.rng.pick(&["EXISTS", "TOUCH"])),
                k.clone(),
                self.key(),
                k,
            ],
            28 => vec![b("TYPE"), k],
            29..=30 => self.expire(k, now_ms),
            31..=32 => vec![
                b(self.rng.pick(&["TTL", "PTTL", "EXPIRETIME", "PEXPIRETIME"])),
                k,
            ],
            33 => vec![b("PERSIST"), k],
            34 => self.rename(k),
            35 => self.copy(k),
            36 => vec![
                b("KEYS"),
                b(self.rng.pick(&["*", "k1*", "k?", "k[1-3]", "k[^1]*", "x*"])),
            ],
            37 => self.scan(),
            38 => vec![b("RANDOMKEY")],
            39 => vec![b("DBSIZE")],
            40 => vec![
                b("SELECT"),
                b(self.rng.pick(&["0", "0", "0", "1", "2", "16", "x"])),
            ],
            41 => vec![
                b("SWAPDB"),
                b(self.rng.pick(&["0", "1", "2"])),
                b(self.rng.pick(&["0", "1", "x", "99"])),
            ],
            42 => vec![b("MOVE"), k, b(self.rng.pick(&["0", "1", "2", "16", "-1"]))],
            43 if self.rng.chance(8) => vec![b(self.rng.pick(&["FLUSHDB", "FLUSHALL"]))],
            44 => vec![b("PING")],
            45 => vec![b("ECHO"), self.value()],
            46..=47 => vec![b("MULTI")],
            48..=49 => vec![b("WATCH"), k, self.key()],
            50 => vec![b("UNWATCH")],
            51 => vec![b(self.rng.pick(&["EXEC", "DISCARD"]))],
            52 => vec![b(self.rng.pick(&["LPUSH", "RPUSH"])), k, self.value()],
            53 => vec![b(self.rng.pick(&["LLEN", "SCARD", "HLEN"])), k],
            54 => vec![b("LRANGE"), k, b("0"), b("-1")],
            55 => vec![b("SADD"), k, self.value()],
            56 => vec![b("HSET"), k, b("f"), self.value()],
            57 => vec![b("HGET"), k, b("f")],
            58 => vec![b("SISMEMBER"), k, self.value()],
            59 => self.mistake(k),
            _ => vec![b("GET"), k],
        }
    }

    fn getex(&mut self, k: Vec<u8>, now_ms: i64) -> Vec<Vec<u8>> {
        let mut argv = vec![b("GETEX"), k];
        match self.rng.below(6) {
            0 => argv.extend([b("EX"), self.ttl(false)]),
            1 => argv.extend([b("PX"), self.ttl(true)]),
            2 => argv.extend([b("EXAT"), self.at(now_ms, false)]),
            3 => argv.extend([b("PXAT"), self.at(now_ms, true)]),
            4 => argv.push(b("PERSIST")),
            _ => {}
        }
        argv
    }

    fn expire(&mut self, k: Vec<u8>, now_ms: i64) -> Vec<Vec<u8>> {
        let (cmd, arg) = match self.rng.below(4) {
            0 => ("EXPIRE", self.ttl(false)),
            1 => ("PEXPIRE", self.ttl(true)),
            2 => ("EXPIREAT", self.at(now_ms, false)),
            _ => ("PEXPIREAT", self.at(now_ms, true)),
        };
        let mut argv = vec![b(cmd), k, arg];
        argv.extend(self.expire_flags());
        argv
    }

    fn rename(&mut self, k: Vec<u8>) -> Vec<Vec<u8>> {
        let dst = if self.rng.chance(10) {
            k.clone()
        } else {
            self.key()
        };
        vec![b(self.rng.pick(&["RENAME", "RENAMENX"])), k, dst]
    }

    fn copy(&mut self, k: Vec<u8>) -> Vec<Vec<u8>> {
        let mut argv = vec![b("COPY"), k, self.key()];
        if self.rng.chance(40) {
            argv.push(b("REPLACE"));
        }
        if self.rng.chance(30) {
            argv.extend([b("DB"), b(self.rng.pick(&["0", "1", "2", "16"]))]);
        }
        argv
    }

    fn scan(&mut self) -> Vec<Vec<u8>> {
        let mut argv = vec![b("SCAN"), b(self.rng.pick(&["0", "0", "7", "x"]))];
        if self.rng.chance(30) {
            argv.extend([b("MATCH"), b(self.rng.pick(&["k1*", "*", "k?"]))]);
        }
        if self.rng.chance(30) {
            argv.extend([b("COUNT"), b(self.rng.pick(&["5", "100", "0"]))]);
        }
        if self.rng.chance(20) {
            argv.extend([b("TYPE"), b(self.rng.pick(&["string", "list", "HASH"]))]);
        }
        argv
    }

    fn mistake(&mut self, k: Vec<u8>) -> Vec<Vec<u8>> {
        match self.rng.below(6) {
            0 => vec![b("GET")],
            1 => vec![b("NOSUCHCMD"), k],
            2 => vec![b("SET"), k],
            3 => vec![b("MSET"), k],
            4 => vec![b("gEt"), k],
            _ => vec![b("HSET"), k, b("f")],
        }
    }
}
