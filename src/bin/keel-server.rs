//! keel-server: the Redis-compatible server.
//!
//! Usage, as redis-server: `keel-server [config-file] [--name value ...]`. A config file `-`
//! is read from stdin. An unknown or invalid option stops start-up with Redis's
//! `*** FATAL CONFIG FILE ERROR ***` report and exit status 1.
#![allow(clippy::disallowed_methods, clippy::disallowed_types)] // the binary reads its config file

use std::io::{Read, Write};

use keel::config::{parse_config_text, Config};
use keel::env::os_net::EventLoop;
use keel::env::Env;
use keel::server::Server;

#[global_allocator]
static ALLOC: keel::env::os_alloc::CountingAlloc = keel::env::os_alloc::CountingAlloc;

/// Turn argv into config text: the optional config file, then `--name v1 v2` as lines.
fn config_text(args: &[String]) -> Result<String, String> {
    let mut text = String::new();
    let mut rest = args;
    if let Some(first) = args.first().filter(|a| !a.starts_with("--")) {
        text = if first == "-" {
            let mut s = String::new();
            std::io::stdin().read_to_string(&mut s).map_err(|e| e.to_string())?;
            s
        } else {
            std::fs::read_to_string(first).map_err(|e| format!("Fatal error, can't open config file '{first}': {e}"))?
        };
        text.push('\n');
        rest = &args[1..];
    }
    let mut line = String::new();
    for arg in rest {
        if let Some(name) = arg.strip_prefix("--") {
            if !line.is_empty() {
                text.push_str(&line);
                text.push('\n');
            }
            line = name.to_string();
        } else {
            line.push(' ');
            line.push_str(&quote(arg));
        }
    }
    if !line.is_empty() {
        text.push_str(&line);
        text.push('\n');
    }
    Ok(text)
}

/// Quote an argument so the config parser reads it back as one word (`--save ""` included).
fn quote(arg: &str) -> String {
    format!("\"{}\"", arg.replace('\\', "\\\\").replace('"', "\\\""))
}

fn fatal_config(line_no: usize, line: &str, reason: &str) -> ! {
    eprintln!("\n*** FATAL CONFIG FILE ERROR (Redis {}) ***", keel::commands::conn::REDIS_VERSION);
    eprintln!("Reading the configuration file, at line {line_no}");
    eprintln!(">>> '{line}'");
    eprintln!("{reason}");
    std::process::exit(1);
}

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    if args.iter().any(|a| a == "-v" || a == "--version") {
        println!("Keel server v={} (Redis {} compatible)", env!("CARGO_PKG_VERSION"), keel::commands::conn::REDIS_VERSION);
        return;
    }
    let text = match config_text(&args) {
        Ok(t) => t,
        Err(e) => {
            eprintln!("{e}");
            std::process::exit(1);
        }
    };
    let mut config = Config::default();
    if let Err((n, line, reason)) = parse_config_text(&mut config, &text) {
        fatal_config(n, &line, &reason);
    }
    if let Err(e) = std::env::set_current_dir(&config.dir) {
        eprintln!("Can't chdir to '{}': {e}", config.dir);
        std::process::exit(1);
    }
    let mut server = Server::new(Env::os(), config);
    let mut event_loop = match EventLoop::bind(&server) {
        Ok(l) => l,
        Err(e) => {
            server.log_warning(&e.to_string());
            print_lines(&server.log.drain(), &server.config.logfile);
            std::process::exit(1);
        }
    };
    server.log_notice("Server initialized");
    server.startup();
    if let Some(err) = server.startup_error() {
        server.log_warning(&err);
        print_lines(&server.log.drain(), &server.config.logfile);
        std::process::exit(1);
    }
    server.log_notice("Ready to accept connections tcp");
    let logfile = server.config.logfile.clone();
    print_lines(&server.log.drain(), &logfile);
    if let Err(e) = event_loop.run(&mut server, |lines| print_lines(lines, &logfile)) {
        eprintln!("event loop failed: {e}");
        std::process::exit(1);
    }
    // Like Redis, exit without freeing the dataset: dropping millions of keys one by one only
    // delays the exit, and a restart that waits for it. What must reach the disk was written
    // and fsynced by the shutdown (AOF flush and fsync, final RDB save) before `run` returned.
    std::process::exit(0);
}

fn print_lines(lines: &[String], logfile: &str) {
    if lines.is_empty() {
        return;
    }
    let text: String = lines.iter().map(|l| format!("{l}\n")).collect();
    if logfile.is_empty() {
        let _ = std::io::stdout().write_all(text.as_bytes());
        let _ = std::io::stdout().flush();
    } else if let Ok(mut f) = std::fs::OpenOptions::new().create(true).append(true).open(logfile) {
        let _ = f.write_all(text.as_bytes());
    }
}
