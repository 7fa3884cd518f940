//! Target `aof_load`: arbitrary bytes as `appendonly.aof`, loaded by a server started with
//! `appendonly yes` on a simulated disk (the loader needs the server: it replays commands
//! through a fake client).
//!
//! Input: `[flags][file bytes]`; flags bit 0 chooses `aof-load-truncated`. Asserts: start-up
//! never panics and ends loaded or refused with a message; a loaded server serves a command;
//! a restart on the same disk (the file possibly truncated by the first load) loads again to
//! the same dataset.

use keel::resp::Frame;

use super::input::Input;
use super::sim_server::{quiet_config, SimServer};

pub fn check(data: &[u8]) {
    let mut input = Input::new(data);
    let flags = input.u8();
    let file = input.rest();
    let mut config = quiet_config();
    config.appendonly = true;
    config.aof_load_truncated = flags & 1 == 1;
    let name = format!("{}/{}", config.dir, config.appendfilename);
    let mut s = SimServer::start(config, &[(name.as_str(), file)]);
    if let Some(err) = s.server.startup_error() {
        assert!(!err.is_empty());
        return;
    }
    let digest = s.digest();
    assert!(matches!(s.cmd(&[b"PING"]), Frame::Simple(_)), "a loaded server answers PING");
    s.restart();
    assert_eq!(s.server.startup_error(), None, "a file that loaded once must load again");
    assert_eq!(s.digest(), digest, "reloading the same AOF gives another dataset");
}
