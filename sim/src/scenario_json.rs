//! A scenario as JSON, for failure files (`reports/failures/*.json`): the configuration, the
//! fault rates and every event, exactly enough to replay the scenario (`keel-sim replay
//! --file`). Floats are written in Rust's shortest round-tripping form, so a configuration
//! read back is equal to the one written.
//!
//! Events (one JSON value each):
//! `"flush"`, `"tick"`, `"background"`, `"audit"`, `"crash_keep_child"`, `"child_step"`,
//! `"kill_child"`, `"orphan_step"`, `{"send": {"client": 0, "cmds": [["SET", "k", "v"]],
//! "split_permille": 500}}` (`split_permille` may be `null`), `{"advance_us": 1000}`,
//! `{"config_set": ["hz", "10"]}`, `{"reconnect": 1}`, `{"crash": {"power_loss": true}}`,
//! `{"admin": ["BGSAVE"]}`, `{"fail_next": ["Fsync", "Eio"]}`. A command argument is a JSON
//! string when it is UTF-8, else `{"hex": "00ff"}`.

use keel::config::AppendFsync;

use crate::fs::{Fault, FaultConfig, FsOp, FsyncProfile, PowerLossRates};
use crate::json::Json;
use crate::scenario::{Event, ScenarioConfig};
use crate::workload::Argv;

type R<T> = Result<T, String>;

fn field<'a>(v: &'a Json, name: &str) -> R<&'a Json> {
    v.get(name).ok_or_else(|| format!("missing {name:?}"))
}

fn u64_of(v: &Json, name: &str) -> R<u64> {
    field(v, name)?.as_u64().ok_or_else(|| format!("{name:?} is not an unsigned integer"))
}

fn f64_of(v: &Json, name: &str) -> R<f64> {
    field(v, name)?.as_f64().ok_or_else(|| format!("{name:?} is not a number"))
}

fn bool_of(v: &Json, name: &str) -> R<bool> {
    field(v, name)?.as_bool().ok_or_else(|| format!("{name:?} is not a boolean"))
}

fn usize_of(v: &Json, name: &str) -> R<usize> {
    usize::try_from(u64_of(v, name)?).map_err(|_| format!("{name:?} is too large"))
}

fn u32_of(v: &Json, name: &str) -> R<u32> {
    u32::try_from(u64_of(v, name)?).map_err(|_| format!("{name:?} is too large"))
}

fn fsync_name(p: AppendFsync) -> &'static str {
    match p {
        AppendFsync::Always => "always",
        AppendFsync::Everysec => "everysec",
        AppendFsync::No => "no",
    }
}

fn fsync_parse(text: &str) -> R<AppendFsync> {
    match text {
        "always" => Ok(AppendFsync::Always),
        "everysec" => Ok(AppendFsync::Everysec),
        "no" => Ok(AppendFsync::No),
        other => Err(format!("bad appendfsync {other:?}")),
    }
}

/// The fault rates of a scenario.
pub fn faults_to_json(f: &FaultConfig) -> Json {
    Json::obj([
        ("short_write", Json::f64(f.short_write)),
        ("eio_write", Json::f64(f.eio_write)),
        ("eio_fsync", Json::f64(f.eio_fsync)),
        ("eio_close", Json::f64(f.eio_close)),
        ("capacity_bytes", f.capacity_bytes.map_or(Json::Null, Json::num)),
        ("fsync_profile", Json::str(format!("{:?}", f.fsync_profile))),
        ("fsync_latency_us", Json::Arr(vec![Json::num(f.fsync_latency_us.0), Json::num(f.fsync_latency_us.1)])),
        ("power_loss_write_lost", Json::f64(f.power_loss.write_lost)),
        ("power_loss_write_torn", Json::f64(f.power_loss.write_torn)),
    ])
}

pub fn faults_from_json(v: &Json) -> R<FaultConfig> {
    let latency = field(v, "fsync_latency_us")?.as_array().unwrap_or_default();
    let [lo, hi] = latency else { return Err("fsync_latency_us is not a pair".into()) };
    let profile = match field(v, "fsync_profile")?.as_str() {
        Some("Ext4") => FsyncProfile::Ext4,
        Some("Btrfs") => FsyncProfile::Btrfs,
        other => return Err(format!("bad fsync_profile {other:?}")),
    };
    Ok(FaultConfig {
        short_write: f64_of(v, "short_write")?,
        eio_write: f64_of(v, "eio_write")?,
        eio_fsync: f64_of(v, "eio_fsync")?,
        eio_close: f64_of(v, "eio_close")?,
        capacity_bytes: match field(v, "capacity_bytes")? {
            Json::Null => None,
            n => Some(n.as_u64().ok_or("capacity_bytes is not a number")?),
        },
        fsync_profile: profile,
        fsync_latency_us: (lo.as_u64().ok_or("bad latency")?, hi.as_u64().ok_or("bad latency")?),
        power_loss: PowerLossRates {
            write_lost: f64_of(v, "power_loss_write_lost")?,
            write_torn: f64_of(v, "power_loss_write_torn")?,
        },
    })
}

/// A scenario's configuration without its fault rates (see [`faults_to_json`]).
pub fn config_to_json(c: &ScenarioConfig) -> Json {
    let saves = c.save_points.iter().map(|&(s, n)| Json::Arr(vec![Json::num(s), Json::num(n)])).collect();
    Json::obj([
        ("hz", Json::num(c.hz.into())),
        ("keys", Json::num(c.keys.into())),
        ("dbs", Json::num(c.dbs.into())),
        ("clients", Json::num(c.clients as u64)),
        ("pipeline_max", Json::num(c.pipeline_max as u64)),
        ("value_len_max", Json::num(c.value_len_max as u64)),
        ("int_value_pct", Json::num(c.int_value_pct.into())),
        ("ttl_pct", Json::num(c.ttl_pct.into())),
        ("ttl_ms_max", Json::num(c.ttl_ms_max)),
        ("txn_pct", Json::num(c.txn_pct.into())),
        ("split_feed_pct", Json::num(c.split_feed_pct.into())),
        ("events", Json::num(c.events as u64)),
        ("crash_per_10k", Json::num(c.crash_per_10k.into())),
        ("power_loss_pct", Json::num(c.power_loss_pct.into())),
        ("big_jump_pct", Json::num(c.big_jump_pct.into())),
        ("appendonly", Json::bool(c.appendonly)),
        ("appendfsync", Json::str(fsync_name(c.appendfsync))),
        ("save_points", Json::Arr(saves)),
        ("aof_use_rdb_preamble", Json::bool(c.aof_use_rdb_preamble)),
        ("auto_aof_rewrite_min_size", Json::num(c.auto_aof_rewrite_min_size)),
        ("auto_aof_rewrite_percentage", Json::num(c.auto_aof_rewrite_percentage)),
        ("no_appendfsync_on_rewrite", Json::bool(c.no_appendfsync_on_rewrite)),
        ("persist_pct", Json::num(c.persist_pct.into())),
        ("runtime_policy_changes", Json::bool(c.runtime_policy_changes)),
        ("streams", Json::bool(c.streams)),
    ])
}

/// Read a configuration written by [`config_to_json`], with `faults` as its fault rates.
pub fn config_from_json(v: &Json, faults: FaultConfig) -> R<ScenarioConfig> {
    let save_points = field(v, "save_points")?
        .as_array()
        .ok_or("save_points is not an array")?
        .iter()
        .map(|p| match p.as_array() {
            Some([s, n]) => Ok((s.as_u64().ok_or("bad save point")?, n.as_u64().ok_or("bad save point")?)),
            _ => Err("a save point is not a pair".to_string()),
        })
        .collect::<R<Vec<_>>>()?;
    Ok(ScenarioConfig {
        hz: u32_of(v, "hz")?,
        keys: u32_of(v, "keys")?,
        dbs: u32_of(v, "dbs")?,
        clients: usize_of(v, "clients")?,
        pipeline_max: usize_of(v, "pipeline_max")?,
        value_len_max: usize_of(v, "value_len_max")?,
        int_value_pct: u32_of(v, "int_value_pct")?,
        ttl_pct: u32_of(v, "ttl_pct")?,
        ttl_ms_max: u64_of(v, "ttl_ms_max")?,
        txn_pct: u32_of(v, "txn_pct")?,
        split_feed_pct: u32_of(v, "split_feed_pct")?,
        events: usize_of(v, "events")?,
        crash_per_10k: u32_of(v, "crash_per_10k")?,
        power_loss_pct: u32_of(v, "power_loss_pct")?,
        big_jump_pct: u32_of(v, "big_jump_pct")?,
        appendonly: bool_of(v, "appendonly")?,
        appendfsync: fsync_parse(field(v, "appendfsync")?.as_str().unwrap_or(""))?,
        save_points,
        aof_use_rdb_preamble: bool_of(v, "aof_use_rdb_preamble")?,
        auto_aof_rewrite_min_size: u64_of(v, "auto_aof_rewrite_min_size")?,
        auto_aof_rewrite_percentage: u64_of(v, "auto_aof_rewrite_percentage")?,
        no_appendfsync_on_rewrite: bool_of(v, "no_appendfsync_on_rewrite")?,
        persist_pct: u32_of(v, "persist_pct")?,
        runtime_policy_changes: bool_of(v, "runtime_policy_changes")?,
        // Absent from failure files written before streams were generated.
        streams: field(v, "streams").is_ok() && bool_of(v, "streams")?,
        faults,
    })
}

fn arg_to_json(arg: &[u8]) -> Json {
    match std::str::from_utf8(arg) {
        Ok(s) => Json::str(s),
        Err(_) => Json::obj([("hex", Json::str(arg.iter().map(|b| format!("{b:02x}")).collect::<String>()))]),
    }
}

fn arg_from_json(v: &Json) -> R<Vec<u8>> {
    if let Some(s) = v.as_str() {
        return Ok(s.as_bytes().to_vec());
    }
    let hex = v.get("hex").and_then(Json::as_str).ok_or("an argument is neither a string nor {\"hex\": ...}")?;
    if !hex.len().is_multiple_of(2) || !hex.is_ascii() {
        return Err(format!("bad hex argument {hex:?}"));
    }
    (0..hex.len()).step_by(2).map(|i| u8::from_str_radix(&hex[i..i + 2], 16).map_err(|e| format!("bad hex argument: {e}"))).collect()
}

fn strings(items: &[String]) -> Json {
    Json::Arr(items.iter().map(|s| Json::str(s.as_str())).collect())
}

fn strings_from(v: &Json) -> R<Vec<String>> {
    v.as_array()
        .ok_or("expected an array of strings")?
        .iter()
        .map(|s| s.as_str().map(str::to_string).ok_or_else(|| "expected a string".to_string()))
        .collect()
}

const FS_OPS: &[(FsOp, &str)] = &[
    (FsOp::Open, "Open"),
    (FsOp::Write, "Write"),
    (FsOp::Read, "Read"),
    (FsOp::SetLen, "SetLen"),
    (FsOp::Fsync, "Fsync"),
    (FsOp::Close, "Close"),
    (FsOp::Rename, "Rename"),
    (FsOp::Unlink, "Unlink"),
    (FsOp::List, "List"),
    (FsOp::FsyncDir, "FsyncDir"),
    (FsOp::CreateDir, "CreateDir"),
];
const FAULTS: &[(Fault, &str)] = &[(Fault::Eio, "Eio"), (Fault::Enospc, "Enospc"), (Fault::ShortWrite, "ShortWrite")];

fn name_of<T: PartialEq + Copy>(table: &[(T, &'static str)], x: T) -> &'static str {
    table.iter().find(|(t, _)| *t == x).map_or("?", |(_, n)| n)
}

fn parse_of<T: Copy>(table: &[(T, &str)], name: &str) -> R<T> {
    table.iter().find(|(_, n)| *n == name).map(|(t, _)| *t).ok_or_else(|| format!("unknown name {name:?}"))
}

pub fn event_to_json(e: &Event) -> Json {
    match e {
        Event::Send { client, cmds, split_permille } => {
            let cmds = cmds.iter().map(|c| Json::Arr(c.iter().map(|a| arg_to_json(a)).collect())).collect();
            let split = split_permille.map_or(Json::Null, |p| Json::num(p.into()));
            let send = Json::obj([("client", Json::num(*client as u64)), ("cmds", Json::Arr(cmds)), ("split_permille", split)]);
            Json::obj([("send", send)])
        }
        Event::Flush => Json::str("flush"),
        Event::Tick => Json::str("tick"),
        Event::Advance { us } => Json::obj([("advance_us", Json::num(*us))]),
        Event::Background => Json::str("background"),
        Event::ConfigSet { param, value } => Json::obj([("config_set", strings(&[param.clone(), value.clone()]))]),
        Event::Reconnect { client } => Json::obj([("reconnect", Json::num(*client as u64))]),
        Event::Audit => Json::str("audit"),
        Event::Crash { power_loss } => Json::obj([("crash", Json::obj([("power_loss", Json::bool(*power_loss))]))]),
        Event::CrashKeepChild => Json::str("crash_keep_child"),
        Event::Admin { cmd } => Json::obj([("admin", strings(cmd))]),
        Event::ChildStep => Json::str("child_step"),
        Event::KillChild => Json::str("kill_child"),
        Event::OrphanStep => Json::str("orphan_step"),
        Event::FailNext { op, fault } => {
            let pair = [name_of(FS_OPS, *op).to_string(), name_of(FAULTS, *fault).to_string()];
            Json::obj([("fail_next", strings(&pair))])
        }
    }
}

fn send_from_json(s: &Json) -> R<Event> {
    let cmds = field(s, "cmds")?
        .as_array()
        .ok_or("cmds is not an array")?
        .iter()
        .map(|c| c.as_array().ok_or_else(|| "a command is not an array".to_string())?.iter().map(arg_from_json).collect::<R<Argv>>())
        .collect::<R<Vec<Argv>>>()?;
    let split_permille = match field(s, "split_permille")? {
        Json::Null => None,
        n => Some(u32::try_from(n.as_u64().ok_or("bad split_permille")?).map_err(|_| "bad split_permille")?),
    };
    Ok(Event::Send { client: usize_of(s, "client")?, cmds, split_permille })
}

pub fn event_from_json(v: &Json) -> R<Event> {
    if let Some(name) = v.as_str() {
        return match name {
            "flush" => Ok(Event::Flush),
            "tick" => Ok(Event::Tick),
            "background" => Ok(Event::Background),
            "audit" => Ok(Event::Audit),
            "crash_keep_child" => Ok(Event::CrashKeepChild),
            "child_step" => Ok(Event::ChildStep),
            "kill_child" => Ok(Event::KillChild),
            "orphan_step" => Ok(Event::OrphanStep),
            other => Err(format!("unknown event {other:?}")),
        };
    }
    let Json::Obj(members) = v else { return Err("an event is neither a name nor an object".into()) };
    let [(name, body)] = members.as_slice() else { return Err("an event object has one member".into()) };
    match name.as_str() {
        "send" => send_from_json(body),
        "advance_us" => Ok(Event::Advance { us: body.as_u64().ok_or("bad advance_us")? }),
        "config_set" => match strings_from(body)?.as_slice() {
            [param, value] => Ok(Event::ConfigSet { param: param.clone(), value: value.clone() }),
            _ => Err("config_set takes [param, value]".into()),
        },
        "reconnect" => Ok(Event::Reconnect { client: usize::try_from(body.as_u64().ok_or("bad client")?).map_err(|_| "bad client")? }),
        "crash" => Ok(Event::Crash { power_loss: bool_of(body, "power_loss")? }),
        "admin" => Ok(Event::Admin { cmd: strings_from(body)? }),
        "fail_next" => match strings_from(body)?.as_slice() {
            [op, fault] => Ok(Event::FailNext { op: parse_of(FS_OPS, op)?, fault: parse_of(FAULTS, fault)? }),
            _ => Err("fail_next takes [op, fault]".into()),
        },
        other => Err(format!("unknown event {other:?}")),
    }
}

pub fn events_from_json(v: &Json) -> R<Vec<Event>> {
    v.as_array()
        .ok_or("events is not an array")?
        .iter()
        .enumerate()
        .map(|(i, e)| event_from_json(e).map_err(|err| format!("event #{i}: {err}")))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::scenario::{PersistMode, Scenario};

    #[test]
    fn generated_scenarios_round_trip() {
        for (seed, mode) in [(0, PersistMode::Mixed), (7, PersistMode::Rdb), (42, PersistMode::parse("everysec").expect("a mode"))] {
            let s = Scenario::generate_with(seed, mode);
            let faults = faults_from_json(&Json::parse(&faults_to_json(&s.config.faults).to_text()).expect("json")).expect("faults");
            let config = config_from_json(&Json::parse(&config_to_json(&s.config).to_text()).expect("json"), faults).expect("config");
            assert_eq!(config, s.config, "seed {seed}");
            let events = Json::Arr(s.events.iter().map(event_to_json).collect());
            let back = events_from_json(&Json::parse(&events.to_text()).expect("json")).expect("events");
            assert_eq!(back, s.events, "seed {seed}");
        }
    }

    #[test]
    fn every_event_kind_and_binary_arguments_round_trip() {
        let events = vec![
            Event::Send { client: 1, cmds: vec![vec![b"SET".to_vec(), vec![0, 0xff, b'k'], Vec::new()]], split_permille: Some(3) },
            Event::FailNext { op: FsOp::FsyncDir, fault: Fault::ShortWrite },
            Event::Crash { power_loss: true },
            Event::CrashKeepChild,
            Event::ConfigSet { param: "save".into(), value: "".into() },
            Event::Reconnect { client: 2 },
            Event::Admin { cmd: vec!["CONFIG".into(), "SET".into(), "appendonly".into(), "yes".into()] },
            Event::Advance { us: 12 },
        ];
        let json = Json::Arr(events.iter().map(event_to_json).collect());
        assert_eq!(events_from_json(&json), Ok(events));
        for bad in [r#"["jump"]"#, r#"[{"advance_us": "x"}]"#, r#"[{"fail_next": ["Write"]}]"#, r#"[{"send": {"client": 0, "cmds": [[{"hex": "f"}]], "split_permille": null}}]"#] {
            assert!(events_from_json(&Json::parse(bad).expect("valid JSON")).is_err(), "{bad}");
        }
    }
}
