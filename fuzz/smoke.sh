#!/usr/bin/env bash
# Build every fuzz target (stable toolchain, no sanitizer) and run each for N seconds
# (default 10) from its committed seeds. Fails on the first crash, leak-free timeout or OOM.
#   fuzz/smoke.sh [SECONDS]
set -euo pipefail
# Runs from the repository root: cargo-fuzz starts the fuzzer there, so the corpus
# (fuzz/corpus/<target>, the default) and dictionary paths are relative to it.
cd "$(dirname "$0")/.."
secs="${1:-10}"
targets=$(cargo fuzz list)
cargo fuzz build -s none
for t in $targets; do
  mkdir -p "fuzz/corpus/$t"
  [[ -d "fuzz/seeds/$t" ]] && cp -n "fuzz/seeds/$t/"* "fuzz/corpus/$t/" 2>/dev/null || true
  dict=()
  case "$t" in
    rdb_load|restore_payload) dict=(-dict=fuzz/dicts/rdb.dict) ;;
    resp_parse|aof_load|engine_vs_model) dict=(-dict=fuzz/dicts/resp.dict) ;;
  esac
  echo "== $t (${secs}s)"
  log="$(mktemp)"
  if ! cargo fuzz run -s none "$t" -- -max_total_time="$secs" -max_len=8192 \
       -rss_limit_mb=2048 -timeout=10 "${dict[@]}" >"$log" 2>&1; then
    tail -40 "$log"
    echo "fuzz target $t FAILED (artifact in fuzz/artifacts/$t/)"
    exit 1
  fi
  grep -E '^Done [0-9]+ runs|DONE' "$log" | tail -1
  rm -f "$log"
done
