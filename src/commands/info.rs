//! INFO [section ...]: the sections Keel fills, in Redis 7.0's text format
//! (`# Section\r\nfield:value\r\n…`, sections separated by an empty line).

use super::Ctx;
use crate::resp::Argv;
use crate::server::client::Client;
use crate::server::Server;

const DEFAULT_SECTIONS: [&str; 8] = ["server", "clients", "memory", "persistence", "stats", "replication", "cpu", "keyspace"];

/// Redis's `bytesToHuman`.
pub fn bytes_to_human(n: u64) -> String {
    let f = n as f64;
    const K: f64 = 1024.0;
    match n {
        _ if f < K => format!("{n}B"),
        _ if f < K * K => format!("{:.2}K", f / K),
        _ if f < K * K * K => format!("{:.2}M", f / (K * K)),
        _ if f < K * K * K * K => format!("{:.2}G", f / (K * K * K)),
        _ if f < K * K * K * K * K => format!("{:.2}T", f / (K * K * K * K)),
        _ => format!("{:.2}P", f / (K * K * K * K * K)),
    }
}

fn server_section(s: &Server) -> Vec<(String, String)> {
    let uptime = s.uptime_s();
    vec![
        ("redis_version".into(), super::conn::REDIS_VERSION.into()),
        ("keel_version".into(), env!("CARGO_PKG_VERSION").into()),
        ("redis_mode".into(), "standalone".into()),
        ("os".into(), std::env::consts::OS.into()),
        ("arch_bits".into(), "64".into()),
        ("process_id".into(), s.env.pid.to_string()),
        ("run_id".into(), s.run_id.clone()),
        ("tcp_port".into(), s.config.port.to_string()),
        ("server_time_usec".into(), (s.env.clock.unix_ms() * 1000).to_string()),
        ("uptime_in_seconds".into(), uptime.to_string()),
        ("uptime_in_days".into(), (uptime / 86_400).to_string()),
        ("hz".into(), s.config.hz.to_string()),
        ("configured_hz".into(), s.config.hz.to_string()),
        ("lru_clock".into(), crate::object::lru_clock(s.env.clock.unix_ms()).to_string()),
    ]
}

fn clients_section(s: &Server) -> Vec<(String, String)> {
    vec![
        ("connected_clients".into(), (s.clients.len() + 1).to_string()),
        ("maxclients".into(), s.config.maxclients.to_string()),
        ("blocked_clients".into(), "0".into()),
        ("watching_clients".into(), s.clients.values().filter(|c| !c.watched.is_empty()).count().to_string()),
        ("total_watched_keys".into(), s.ks.watched_keys().to_string()),
    ]
}

fn memory_section(s: &Server) -> Vec<(String, String)> {
    let used = s.env.memory.used() as u64;
    let rss = s.env.memory.rss() as u64;
    let peak = used.max(crate::env::os_alloc::used_memory_peak() as u64);
    let ratio = if used > 0 { rss as f64 / used as f64 } else { 0.0 };
    vec![
        ("used_memory".into(), used.to_string()),
        ("used_memory_human".into(), bytes_to_human(used)),
        ("used_memory_rss".into(), rss.to_string()),
        ("used_memory_rss_human".into(), bytes_to_human(rss)),
        ("used_memory_peak".into(), peak.to_string()),
        ("used_memory_peak_human".into(), bytes_to_human(peak)),
        ("maxmemory".into(), s.config.maxmemory.to_string()),
        ("maxmemory_human".into(), bytes_to_human(s.config.maxmemory)),
        ("maxmemory_policy".into(), s.config.policy_name()),
        ("mem_fragmentation_ratio".into(), format!("{ratio:.2}")),
        ("mem_allocator".into(), "libc".into()),
        ("lazyfree_pending_objects".into(), s.env.background.pending(crate::env::JobKind::LazyFree).to_string()),
    ]
}

fn stats_section(s: &Server) -> Vec<(String, String)> {
    let k = &s.ks.stats;
    vec![
        ("total_connections_received".into(), s.stats.total_connections.to_string()),
        ("total_commands_processed".into(), s.stats.total_commands.to_string()),
        ("instantaneous_ops_per_sec".into(), "0".into()),
        ("total_net_input_bytes".into(), s.stats.net_input_bytes.to_string()),
        ("total_net_output_bytes".into(), s.stats.net_output_bytes.to_string()),
        ("rejected_connections".into(), s.stats.rejected_connections.to_string()),
        ("expired_keys".into(), k.expired_keys.to_string()),
        ("expired_stale_perc".into(), format!("{:.2}", k.expired_stale_perc)),
        ("expired_time_cap_reached_count".into(), k.expired_time_cap_reached_count.to_string()),
        ("evicted_keys".into(), k.evicted_keys.to_string()),
        ("keyspace_hits".into(), k.keyspace_hits.to_string()),
        ("keyspace_misses".into(), k.keyspace_misses.to_string()),
    ]
    .into_iter()
    .chain(crate::rdb::stats_info(s))
    .collect()
}

fn keyspace_section(s: &Server) -> Vec<(String, String)> {
    s.ks.dbs
        .iter()
        .filter(|db| !db.is_empty())
        .map(|db| (format!("db{}", db.id), format!("keys={},expires={},avg_ttl={}", db.len(), db.expires.len(), db.avg_ttl_ms)))
        .collect()
}

/// The fields of one section, or None if Keel does not know it.
fn section(s: &Server, name: &str) -> Option<(&'static str, Vec<(String, String)>)> {
    Some(match name {
        "server" => ("Server", server_section(s)),
        "clients" => ("Clients", clients_section(s)),
        "memory" => ("Memory", memory_section(s)),
        "persistence" => ("Persistence", s.persistence_info()),
        "stats" => ("Stats", stats_section(s)),
        "replication" => ("Replication", vec![("role".into(), "master".into()), ("connected_slaves".into(), "0".into())]),
        "cpu" => ("CPU", Vec::new()),
        "keyspace" => ("Keyspace", keyspace_section(s)),
        _ => return None,
    })
}

/// The INFO text for the requested sections (empty = default).
pub fn info_text(s: &Server, requested: &[String]) -> String {
    let all = requested.iter().any(|r| r == "all" || r == "everything");
    let wanted: Vec<&str> = if requested.is_empty() || all || requested.iter().any(|r| r == "default") {
        DEFAULT_SECTIONS.to_vec()
    } else {
        DEFAULT_SECTIONS.iter().copied().filter(|d| requested.iter().any(|r| r == d)).collect()
    };
    let mut out = String::new();
    for name in wanted {
        let Some((title, fields)) = section(s, name) else { continue };
        if !out.is_empty() {
            out.push_str("\r\n");
        }
        out.push_str(&format!("# {title}\r\n"));
        for (k, v) in fields {
            out.push_str(&format!("{k}:{v}\r\n"));
        }
    }
    out
}

pub fn info(s: &mut Server, c: &mut Client, a: &Argv, _: &mut Ctx) {
    let requested: Vec<String> = (1..a.len()).map(|i| String::from_utf8_lossy(a.get(i)).to_ascii_lowercase()).collect();
    let text = info_text(s, &requested);
    c.add_verbatim(&text);
}

#[cfg(test)]
mod tests {
    use super::bytes_to_human;

    #[test]
    fn human_bytes_match_redis() {
        assert_eq!(bytes_to_human(1000), "1000B");
        assert_eq!(bytes_to_human(1024 * 1024 + 1024 * 512), "1.50M");
        assert_eq!(bytes_to_human(0), "0B");
    }
}
