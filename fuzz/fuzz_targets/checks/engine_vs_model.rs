//! Target `engine_vs_model`: a fuzzer-chosen sequence of commands from a small vocabulary,
//! flushes, cron ticks, time jumps, background completions and crashes, run through
//! `keel_sim`'s harness (`runner::run_events`), which checks every reply against the
//! reference model (`keel-models`) and every restart with the durability oracle.
//!
//! Input: `[swarm seed][event...]`; the seed picks the scenario's configuration (hz, clients,
//! persistence, SimFs faults) as `keel-sim` would, the rest are events (at most 64). A failure
//! panics with the harness's verdict and the events as Rust (`Event::to_rust`), ready to paste
//! into a regression test.

use keel_sim::harness::Hooks;
use keel_sim::runner::run_events;
use keel_sim::scenario::{Event, Scenario, ScenarioConfig};

use super::input::Input;

const EVENTS_MAX: usize = 64;

const KEYS: &[&str] = &["k0", "k1", "k2", "k3"];
const VALUES: &[&str] = &["", "v", "1", "-7", "12345678901234567890", "3.5", "xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx"];

pub fn check(data: &[u8]) {
    let mut input = Input::new(data);
    let seed = u64::from(input.u8());
    let config = ScenarioConfig::from_seed(seed);
    let clients = config.clients.max(1);
    let mut events = Vec::new();
    while !input.is_empty() && events.len() < EVENTS_MAX {
        events.push(event(&mut input, clients));
    }
    events.push(Event::Flush);
    events.push(Event::Audit);
    let scenario = Scenario { seed, config, events: Vec::new() };
    let (result, _) = run_events(&scenario, &events, Hooks::default());
    if let Some(f) = result.failure {
        let rust: Vec<String> = events.iter().map(Event::to_rust).collect();
        panic!("{f}\nswarm seed {seed}\nevents:\n    {}", rust.join(",\n    "));
    }
}

fn event(input: &mut Input<'_>, clients: usize) -> Event {
    match input.u8() % 16 {
        0..=7 => {
            let client = input.below(clients);
            let n = 1 + input.below(3);
            let cmds = (0..n).map(|_| command(input)).collect();
            let split = input.bool().then(|| u32::from(input.u16()) % 1000);
            Event::Send { client, cmds, split_permille: split }
        }
        8 | 9 => Event::Flush,
        10 => Event::Tick,
        11 => Event::Advance { us: [1_000, 100_000, 1_000_000, 5_000_000][input.below(4)] },
        12 => Event::Background,
        13 => Event::Crash { power_loss: input.bool() },
        14 => Event::Audit,
        _ => Event::Reconnect { client: input.below(clients) },
    }
}

fn command(input: &mut Input<'_>) -> Vec<Vec<u8>> {
    let k = KEYS[input.below(KEYS.len())];
    let k2 = KEYS[input.below(KEYS.len())];
    let v = VALUES[input.below(VALUES.len())];
    let ms = ["1", "10", "1000"][input.below(3)];
    let parts: Vec<&str> = match input.u8() % 24 {
        0 => vec!["SET", k, v],
        1 => vec!["SET", k, v, "PX", ms],
        2 => vec!["GET", k],
        3 => vec!["DEL", k, k2],
        4 => vec!["INCR", k],
        5 => vec!["INCRBY", k, v],
        6 => vec!["APPEND", k, v],
        7 => vec!["PEXPIRE", k, ms],
        8 => vec!["PERSIST", k],
        9 => vec!["TTL", k],
        10 => vec!["EXISTS", k],
        11 => vec!["RENAME", k, k2],
        12 => vec!["GETDEL", k],
        13 => vec!["SETRANGE", k, "3", v],
        14 => vec!["MSET", k, v, k2, v],
        15 => vec!["SELECT", ["0", "1"][input.below(2)]],
        16 => vec!["MULTI"],
        17 => vec!["EXEC"],
        18 => vec!["DISCARD"],
        19 => vec!["FLUSHDB"],
        20 => vec!["PEXPIREAT", k, "@ms+5"],
        21 => vec!["GETEX", k, "PX", ms],
        22 => vec!["SETNX", k, v],
        _ => vec!["DBSIZE"],
    };
    parts.iter().map(|p| p.as_bytes().to_vec()).collect()
}
