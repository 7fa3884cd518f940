//! Redis-style log lines, buffered: the engine appends, the driver drains and prints (the real
//! server to stdout or `logfile`, the simulator into its trace). Format, as Redis 7.0:
//! `4242:M 22 Nov 2026 04:32:31.123 * Ready to accept connections`
//! (pid, role M/C, date, level mark `.` debug, `-` verbose, `*` notice, `#` warning).

#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum Level {
    Debug,
    Verbose,
    Notice,
    Warning,
}

impl Level {
    fn mark(self) -> char {
        match self {
            Level::Debug => '.',
            Level::Verbose => '-',
            Level::Notice => '*',
            Level::Warning => '#',
        }
    }
}

#[derive(Default)]
pub struct Log {
    pub lines: Vec<String>,
    /// Lines below this level are dropped.
    pub min_level: Option<Level>,
}

const MONTHS: [&str; 12] = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"];

/// Civil date from days since 1970-01-01 (Howard Hinnant's algorithm).
fn civil(days: i64) -> (i64, usize, i64) {
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = doy - (153 * mp + 2) / 5 + 1;
    let m = if mp < 10 { mp + 3 } else { mp - 9 };
    (yoe + era * 400 + i64::from(m <= 2), m as usize, d)
}

/// `22 Nov 2026 04:32:31.123` for a unix time in ms.
pub fn format_time(unix_ms: i64) -> String {
    let secs = unix_ms.div_euclid(1000);
    let (y, m, d) = civil(secs.div_euclid(86_400));
    let t = secs.rem_euclid(86_400);
    format!("{d} {} {y} {:02}:{:02}:{:02}.{:03}", MONTHS[m - 1], t / 3600, t / 60 % 60, t % 60, unix_ms.rem_euclid(1000))
}

impl Log {
    pub fn line(&mut self, pid: u32, unix_ms: i64, level: Level, msg: &str) {
        if level < self.min_level.unwrap_or(Level::Notice) {
            return;
        }
        self.lines.push(format!("{pid}:M {} {} {msg}", format_time(unix_ms), level.mark()));
    }

    pub fn drain(&mut self) -> Vec<String> {
        std::mem::take(&mut self.lines)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn log_time_matches_redis_format() {
        assert_eq!(format_time(1_795_321_951_123), "22 Nov 2026 04:32:31.123");
        assert_eq!(format_time(0), "1 Jan 1970 00:00:00.000");
    }
}
