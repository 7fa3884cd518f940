//! The durability ledger: one record per crash + restart + check, kept in a seed's result and
//! written to the campaign's JSON file, from which `keel-sim report` draws its durability
//! tables, crash-point coverage and recovery outcomes.
//!
//! # Encoding
//! A record is one string of `|`-separated fields (a 100,000-seed campaign has about half a
//! million crashes, so the file stays small and cheap to parse):
//!
//! `policy|kind|site|phase|n|k|k_min|lost_acked|window_us|refused|outcome`
//!
//! - `policy`: the oracle's policy for the crash: `always`, `everysec`, `no`, `rdb`, `none`;
//! - `kind`: `power-loss`, `process-crash`, `process-crash-orphan` (a fork child kept running),
//!   `fatal-exit` (the engine exited on a fatal AOF error);
//! - `site`: the last state-changing disk operation before the crash (`fs::Site::label`), or
//!   `none`; `phase`: the persistence phase (`marks::CRASH_*` without its prefix);
//! - `n`: writes executed in the epoch before the crash; `k`: the recovered prefix the oracle
//!   matched; `k_min`: its lower bound under the policy (`-` when the check failed);
//! - `lost_acked`: acknowledged writes not recovered; `window_us`: the data-loss window, the
//!   simulated time from the execution of the first write not recovered to the crash (0 when
//!   every executed write was recovered);
//! - `refused`: start-up attempts refused (under an injected I/O fault) before the one that
//!   served; `outcome`: `clean`, `truncated` (a torn AOF tail was cut off at load), `refused`
//!   (no start-up succeeded: a violation of P4) or `violation` (the oracle's check failed).
//!
//! Example: `always|power-loss|AOF fsync|nothing pending|12|12|12|0|0|0|clean`.

use std::fmt;

/// How a recovery ended.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Outcome {
    Clean,
    /// The AOF's torn tail was truncated at load (`aof-load-truncated yes`).
    Truncated,
    /// No start-up attempt succeeded.
    Refused,
    /// The server started but the oracle's check failed.
    Violation,
}

impl Outcome {
    pub fn name(self) -> &'static str {
        match self {
            Outcome::Clean => "clean",
            Outcome::Truncated => "truncated",
            Outcome::Refused => "refused",
            Outcome::Violation => "violation",
        }
    }

    pub fn parse(text: &str) -> Option<Outcome> {
        [Outcome::Clean, Outcome::Truncated, Outcome::Refused, Outcome::Violation].into_iter().find(|o| o.name() == text)
    }
}

/// One crash of the durability ledger (see the module doc for the fields).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CrashRecord {
    pub policy: String,
    pub kind: String,
    pub site: String,
    pub phase: String,
    pub writes: u64,
    pub k: Option<u64>,
    pub k_min: Option<u64>,
    pub lost_acked: u64,
    pub window_us: u64,
    pub refused: u64,
    pub outcome: Outcome,
}

fn opt(n: Option<u64>) -> String {
    n.map_or("-".into(), |n| n.to_string())
}

impl fmt::Display for CrashRecord {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{}|{}|{}|{}|{}|{}|{}|{}|{}|{}|{}",
            self.policy,
            self.kind,
            self.site,
            self.phase,
            self.writes,
            opt(self.k),
            opt(self.k_min),
            self.lost_acked,
            self.window_us,
            self.refused,
            self.outcome.name()
        )
    }
}

/// Field text without the separator (site and phase names never contain it; be safe anyway).
pub fn clean_field(text: &str) -> String {
    text.replace('|', "/")
}

impl CrashRecord {
    /// Parse the encoding of the module doc.
    pub fn parse(text: &str) -> Result<CrashRecord, String> {
        let f: Vec<&str> = text.split('|').collect();
        if f.len() != 11 {
            return Err(format!("ledger record with {} fields, expected 11: {text:?}", f.len()));
        }
        let num = |i: usize| f[i].parse::<u64>().map_err(|_| format!("ledger field {i} not a number: {text:?}"));
        let opt = |i: usize| if f[i] == "-" { Ok(None) } else { num(i).map(Some) };
        Ok(CrashRecord {
            policy: f[0].into(),
            kind: f[1].into(),
            site: f[2].into(),
            phase: f[3].into(),
            writes: num(4)?,
            k: opt(5)?,
            k_min: opt(6)?,
            lost_acked: num(7)?,
            window_us: num(8)?,
            refused: num(9)?,
            outcome: Outcome::parse(f[10]).ok_or_else(|| format!("bad ledger outcome in {text:?}"))?,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_doc_example_parses_and_round_trips() {
        let text = "always|power-loss|AOF fsync|nothing pending|12|12|12|0|0|0|clean";
        let r = CrashRecord::parse(text).expect("the doc example parses");
        assert_eq!((r.writes, r.k, r.k_min, r.outcome), (12, Some(12), Some(12), Outcome::Clean));
        assert_eq!(r.to_string(), text);
        let failed = CrashRecord { k: None, k_min: None, outcome: Outcome::Violation, ..r };
        assert_eq!(CrashRecord::parse(&failed.to_string()), Ok(failed));
    }

    #[test]
    fn malformed_records_are_errors() {
        for bad in ["", "a|b", "always|power-loss|s|p|x|1|1|0|0|0|clean", "always|power-loss|s|p|1|1|1|0|0|0|maybe"] {
            assert!(CrashRecord::parse(bad).is_err(), "{bad:?}");
        }
    }
}
