//! A `keel::server::Server` on a `keel_sim::SimEnv` with one connected client, driven as the
//! production event loop drives it (`feed`, then `before_sleep` releases the replies), for
//! the targets that need a whole server (`aof_load`, `restore_payload`).

use std::path::Path;

use keel::config::Config;
use keel::env::{write_all, OpenOptions};
use keel::keyspace::ClientId;
use keel::resp::{encode_command, parse_frame, Frame, FrameLimits};
use keel::server::Server;
use keel_sim::env::SimEnv;
use keel_sim::fork::OrphanPolicy;
use keel_sim::fs::FaultConfig;

pub struct SimServer {
    pub sim: SimEnv,
    pub config: Config,
    pub server: Server,
    pub client: ClientId,
}

/// A configuration with no save points and DEBUG enabled.
pub fn quiet_config() -> Config {
    let mut c = Config::default();
    c.save_points.clear();
    c.enable_debug_command = keel::config::DebugCommand::Yes;
    c
}

impl SimServer {
    /// A new machine (no faults) whose disk holds `files`, and a server started on it;
    /// `startup()` has run (check `server.startup_error()`).
    pub fn start(config: Config, files: &[(&str, &[u8])]) -> SimServer {
        let sim = SimEnv::new(1, FaultConfig::default());
        let env = sim.env();
        for (name, bytes) in files {
            let file = env.fs.open(Path::new(name), OpenOptions::TRUNCATE).expect("sim fs creates a file");
            write_all(file.as_ref(), bytes).expect("sim fs without faults writes");
            file.fsync().expect("sim fs without faults fsyncs");
        }
        let mut server = Server::new(env, config.clone());
        server.startup();
        let client = server.connect("sim:1".into(), "sim:0".into());
        SimServer { sim, config, server, client }
    }

    /// Kill the process and start a new server on the same disk.
    pub fn restart(&mut self) {
        self.sim.process_crash(OrphanPolicy::Drop);
        self.server = Server::new(self.sim.env(), self.config.clone());
        self.server.startup();
        self.client = self.server.connect("sim:1".into(), "sim:0".into());
    }

    /// Send one command; return its reply.
    pub fn cmd(&mut self, args: &[&[u8]]) -> Frame {
        let mut bytes = Vec::new();
        encode_command(args, &mut bytes);
        self.server.feed(self.client, &bytes);
        self.server.before_sleep();
        let out = self.server.pending_output(self.client).expect("the client is connected").to_vec();
        self.server.output_sent(self.client, out.len());
        match parse_frame(&out, &FrameLimits::default()) {
            Ok(Some((frame, used))) => {
                assert_eq!(used, out.len(), "one command, one reply: {args:?}");
                frame
            }
            other => panic!("no whole reply to {args:?}: {other:?} from {out:?}"),
        }
    }

    /// Send a command given as space-separated words.
    pub fn line(&mut self, text: &str) -> Frame {
        let args: Vec<&[u8]> = text.split(' ').map(str::as_bytes).collect();
        self.cmd(&args)
    }

    pub fn digest(&self) -> String {
        keel::digest_ks::dataset_digest(&self.server.ks)
    }
}
