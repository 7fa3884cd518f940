//! A `Server` on the simulated environment with connected in-memory clients: commands go in as
//! RESP bytes through `feed`, `before_sleep` releases the replies, frames come back decoded.

use keel::config::Config;
use keel::keyspace::ClientId;
use keel::resp::{encode_command, parse_frame, Frame, FrameLimits};
use keel::server::Server;
use keel_sim::env::SimEnv;
use keel_sim::fs::FaultConfig;

pub struct Rig {
    pub sim: SimEnv,
    pub server: Server,
    pub client: ClientId,
}

impl Rig {
    pub fn new(seed: u64) -> Rig {
        Rig::with_config(seed, |_| {})
    }

    pub fn with_config(seed: u64, tweak: impl FnOnce(&mut Config)) -> Rig {
        let sim = SimEnv::new(seed, FaultConfig::default());
        let mut config = Config::default();
        config.save_points.clear();
        tweak(&mut config);
        let mut server = Server::new(sim.env(), config);
        let client = server.connect("sim:1".into(), "sim:0".into());
        Rig { sim, server, client }
    }

    pub fn connect(&mut self) -> ClientId {
        self.server.connect("sim:2".into(), "sim:0".into())
    }

    /// Send raw bytes from `client`; returns every reply frame released by before_sleep.
    pub fn send_raw(&mut self, client: ClientId, bytes: &[u8]) -> Vec<Frame> {
        self.server.feed(client, bytes);
        self.server.before_sleep();
        let Some(out) = self.server.pending_output(client) else { return Vec::new() };
        let out = out.to_vec();
        self.server.output_sent(client, out.len());
        let mut frames = Vec::new();
        let mut at = 0;
        while let Ok(Some((frame, used))) = parse_frame(&out[at..], &FrameLimits::default()) {
            frames.push(frame);
            at += used;
        }
        assert_eq!(at, out.len(), "reply bytes must be whole frames");
        frames
    }

    pub fn cmd_on(&mut self, client: ClientId, line: &str) -> Frame {
        let args: Vec<&[u8]> = line.split_whitespace().map(str::as_bytes).collect();
        let mut bytes = Vec::new();
        encode_command(&args, &mut bytes);
        let mut frames = self.send_raw(client, &bytes);
        assert_eq!(frames.len(), 1, "exactly one reply to {line}: {frames:?}");
        frames.remove(0)
    }

    pub fn cmd(&mut self, line: &str) -> Frame {
        self.cmd_on(self.client, line)
    }

    pub fn advance_ms(&mut self, ms: u64) {
        self.sim.clock.advance_ms(ms);
    }

    pub fn int(&mut self, line: &str) -> i64 {
        match self.cmd(line) {
            Frame::Integer(n) => n,
            other => panic!("{line}: expected an integer, got {other:?}"),
        }
    }

    pub fn keys_in_db0(&self) -> usize {
        self.server.ks.dbs[0].len()
    }
}
