//! Shared helpers of the integration tests that talk to real processes over loopback:
//! starting `keel-server` and Debian's `redis-server` on free ports, and a blocking RESP
//! client built on `keel::resp`'s frame codec.
#![allow(clippy::disallowed_methods, clippy::disallowed_types, dead_code)] // tests drive real processes

pub mod rig;

use std::io::{Read, Write};
use std::net::{TcpListener, TcpStream};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use keel::resp::{encode_command, parse_frame, Frame, FrameLimits};

/// A server process killed on drop.
pub struct ServerProcess {
    pub child: Child,
    pub port: u16,
    pub dir: tempfile::TempDir,
}

impl Drop for ServerProcess {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

pub fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0").expect("bind an ephemeral port").local_addr().expect("local addr").port()
}

/// Is `redis-server` on PATH?
pub fn redis_available() -> bool {
    Command::new("redis-server").arg("--version").stdout(Stdio::null()).stderr(Stdio::null()).status().is_ok_and(|s| s.success())
}

#[allow(clippy::zombie_processes)] // the child is killed and waited for in ServerProcess::drop
fn start(program: &str, extra: &[&str]) -> ServerProcess {
    let port = free_port();
    let dir = tempfile::tempdir().expect("temp dir");
    let mut args = vec!["--port".to_string(), port.to_string(), "--save".into(), "".into(), "--dir".into()];
    args.push(dir.path().to_string_lossy().into_owned());
    args.extend(["--enable-debug-command".into(), "yes".into()]);
    args.extend(extra.iter().map(|s| s.to_string()));
    let child = Command::new(program).args(&args).stdout(Stdio::null()).stderr(Stdio::null()).spawn().unwrap_or_else(|e| panic!("spawn {program}: {e}"));
    let deadline = Instant::now() + Duration::from_secs(10);
    while Instant::now() < deadline {
        if TcpStream::connect(("127.0.0.1", port)).is_ok() {
            return ServerProcess { child, port, dir };
        }
        std::thread::sleep(Duration::from_millis(20));
    }
    panic!("{program} did not start listening on {port}");
}

pub fn start_keel(extra: &[&str]) -> ServerProcess {
    start(env!("CARGO_BIN_EXE_keel-server"), extra)
}

pub fn start_redis(extra: &[&str]) -> ServerProcess {
    start("redis-server", extra)
}

/// An argument from text (the differential workloads build their commands with it).
#[allow(dead_code)]
pub fn b(s: &str) -> Vec<u8> {
    s.as_bytes().to_vec()
}

/// One of `items`, drawn from a workload's seeded generator.
#[allow(dead_code)]
pub fn pick<'a>(rng: &mut rand_chacha::ChaCha8Rng, items: &[&'a str]) -> &'a str {
    use rand::Rng;
    items[rng.gen_range(0..items.len())]
}

/// Both servers with three clients each for a differential workload: client 2 speaks RESP3
/// (HELLO 3; the HELLO replies themselves differ: server name and version), and `str` holds a
/// string for the WRONGTYPE paths. The servers live as long as the pair.
#[allow(dead_code)] // not every test binary that includes `support` runs a differential workload
pub struct DiffPair {
    pub keel: Vec<Client>,
    pub redis: Vec<Client>,
    _servers: (ServerProcess, ServerProcess),
}

#[allow(dead_code)]
pub fn diff_pair() -> DiffPair {
    let servers = (start_keel(&[]), start_redis(&[]));
    let mut keel: Vec<Client> = (0..3).map(|_| Client::connect(servers.0.port)).collect();
    let mut redis: Vec<Client> = (0..3).map(|_| Client::connect(servers.1.port)).collect();
    for c in [&mut keel[2], &mut redis[2]] {
        c.cmd_str("HELLO 3");
    }
    for c in [&mut keel[0], &mut redis[0]] {
        c.cmd_str("SET str v");
    }
    DiffPair { keel, redis, _servers: servers }
}

/// A blocking RESP client.
pub struct Client {
    stream: TcpStream,
    buf: Vec<u8>,
}

impl Client {
    pub fn connect(port: u16) -> Client {
        let stream = TcpStream::connect(("127.0.0.1", port)).expect("connect");
        stream.set_read_timeout(Some(Duration::from_secs(20))).expect("timeout");
        stream.set_nodelay(true).expect("nodelay");
        Client { stream, buf: Vec::new() }
    }

    pub fn send_raw(&mut self, bytes: &[u8]) {
        self.stream.write_all(bytes).expect("write");
    }

    /// Read one reply frame (None if the server closed the connection).
    pub fn read_frame(&mut self) -> Option<Frame> {
        loop {
            if let Ok(Some((frame, used))) = parse_frame(&self.buf, &FrameLimits::default()) {
                self.buf.drain(..used);
                return Some(frame);
            }
            let mut chunk = [0u8; 65536];
            match self.stream.read(&mut chunk) {
                Ok(0) | Err(_) => return None,
                Ok(n) => self.buf.extend_from_slice(&chunk[..n]),
            }
        }
    }

    pub fn cmd(&mut self, args: &[&[u8]]) -> Frame {
        let mut out = Vec::new();
        encode_command(args, &mut out);
        self.send_raw(&out);
        self.read_frame().expect("a reply")
    }

    pub fn cmd_str(&mut self, line: &str) -> Frame {
        let args: Vec<&[u8]> = line.split_whitespace().map(str::as_bytes).collect();
        self.cmd(&args)
    }
}
