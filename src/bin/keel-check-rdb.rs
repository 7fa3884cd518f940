//! `keel-check-rdb FILE`: check an RDB file and report what it holds (version, AUX fields, keys
//! per database and per type, expires) or exactly where and why it is bad — Keel's
//! `redis-check-rdb`. Exit status 0 when the file is valid, 1 when it is not, 2 on usage or I/O
//! errors.

use std::path::Path;
use std::process::ExitCode;

use keel::env::os_clock::OsClock;
use keel::env::os_fs::OsFs;
use keel::env::{read_whole, Clock};

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().collect();
    let [_, file] = args.as_slice() else {
        eprintln!("Usage: keel-check-rdb <rdb-file-name>");
        return ExitCode::from(2);
    };
    let buf = match read_whole(&OsFs, Path::new(file)) {
        Ok(buf) => buf,
        Err(e) => {
            eprintln!("Cannot read {file}: {e}");
            return ExitCode::from(2);
        }
    };
    let name = Path::new(file).file_name().map_or_else(|| file.clone(), |n| n.to_string_lossy().into_owned());
    let report = keel::rdb::check::check(&buf, &name, OsClock::new().unix_ms());
    print!("{}", report.render());
    if report.is_ok() {
        ExitCode::SUCCESS
    } else {
        ExitCode::from(1)
    }
}
