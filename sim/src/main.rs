//! `keel-sim`: Keel's deterministic simulation campaigns (see `keel_sim::cli`).

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    std::process::exit(keel_sim::cli::main_with(&args));
}
