//! `keel-check-aof [--fix] <file.manifest|file.aof>`: checks (and with `--fix` truncates) an
//! AOF like Redis's `redis-check-aof`. See `keel::aof::check`.

use keel::aof::check::Tool;
use keel::env::os_clock::OsClock;
use keel::env::os_fs::OsFs;
use keel::env::Clock;

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let stdin = std::io::stdin();
    let mut input = stdin.lock();
    let stdout = std::io::stdout();
    let mut out = stdout.lock();
    let now_ms = OsClock::new().unix_ms();
    let mut tool = Tool { fs: &OsFs, stdin: &mut input, out: &mut out, now_ms };
    let code = match tool.run(&args) {
        Ok(code) => code,
        Err(e) => {
            eprintln!("Cannot check the AOF: {e}");
            1
        }
    };
    std::process::exit(code);
}
