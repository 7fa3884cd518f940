#!/usr/bin/env bash
# loom models of the threaded seam (tests/loom_background.rs): every interleaving of the bio
# queues and the used_memory counter up to LOOM_MAX_PREEMPTIONS (default 3). Builds into its
# own target dir so the `--cfg loom` flags never invalidate the normal build cache.
set -euo pipefail
cd "$(dirname "$0")/.."
export LOOM_MAX_PREEMPTIONS="${LOOM_MAX_PREEMPTIONS:-3}"
RUSTFLAGS="--cfg loom" CARGO_TARGET_DIR=target/loom cargo test -p keel --test loom_background --release -- --test-threads=1 "$@"
