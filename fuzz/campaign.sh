#!/usr/bin/env bash
# One fuzz campaign: run TARGET for SECONDS under AddressSanitizer and record the result.
#   fuzz/campaign.sh TARGET SECONDS          (e.g. nice -n 10 fuzz/campaign.sh resp_parse 600)
#
# - corpus: fuzz/corpus/TARGET (git-ignored), seeded from the committed fuzz/seeds/TARGET;
# - sanitizer: AddressSanitizer on the stable toolchain (RUSTC_BOOTSTRAP=1 lets cargo-fuzz pass
#   -Zsanitizer=address); FUZZ_SANITIZER=none runs `-s none` instead;
# - a crash (crash-/leak-/timeout-/oom- artifact) is copied to fuzz/regressions/TARGET/, where
#   `cargo test -p keel --test fuzz_replay` replays it; minimize it with
#   `cargo fuzz tmin TARGET fuzz/regressions/TARGET/<file>` and fix the bug;
# - one row is appended to the run table in fuzz/README.md (between the campaign-runs markers)
#   and the per-target totals table (campaign-totals markers) is recomputed from all rows:
#   date (UTC), commit (+dirty when src/, sim/, models/ or fuzz/fuzz_targets/ differ from it),
#   target, seconds run (libFuzzer's "Done N runs in S second(s)"), runs, exec/s
#   (stat::average_exec_per_sec), cov and ft (libFuzzer's last status line), corpus size,
#   sanitizer, result.
# Exit status: 0 no crash, 1 crash found, 2 usage or tool error.
set -euo pipefail
cd "$(dirname "$0")/.."

if [[ $# -ne 2 || ! "$2" =~ ^[0-9]+$ ]]; then
  echo "usage: fuzz/campaign.sh TARGET SECONDS" >&2
  exit 2
fi
target="$1"
secs="$2"
sanitizer="${FUZZ_SANITIZER:-address}"
readme="${FUZZ_README:-fuzz/README.md}"

if ! cargo fuzz list | grep -x "$target" >/dev/null; then
  echo "unknown fuzz target $target (cargo fuzz list)" >&2
  exit 2
fi

corpus="fuzz/corpus/$target"
artifacts="fuzz/artifacts/$target"
mkdir -p "$corpus" "$artifacts" "fuzz/regressions/$target"
if [[ -d "fuzz/seeds/$target" ]]; then
  cp -n "fuzz/seeds/$target/"* "$corpus/" 2>/dev/null || true
fi
dict=()
case "$target" in
  rdb_load|restore_payload) dict=(-dict=fuzz/dicts/rdb.dict) ;;
  resp_parse|aof_load|engine_vs_model) dict=(-dict=fuzz/dicts/resp.dict) ;;
esac

commit=$(git rev-parse --short HEAD)
if ! git diff --quiet HEAD -- src sim models fuzz/fuzz_targets; then
  commit="$commit+dirty"
fi
date=$(date -u +%Y-%m-%dT%H:%MZ)

# Build first, so the build is not counted in the campaign's time.
run_flags=()
if [[ "$sanitizer" == none ]]; then
  run_flags=(-s none)
  cargo fuzz build -s none "$target"
else
  export RUSTC_BOOTSTRAP=1
  cargo fuzz build "$target"
fi

before=$(ls "$artifacts")
log=$(mktemp)
status=0
started=$SECONDS
# The corpus is cargo-fuzz's default, fuzz/corpus/TARGET.
cargo fuzz run "${run_flags[@]}" "$target" -- -max_total_time="$secs" \
  -rss_limit_mb=2048 -max_len=8192 -timeout=10 -print_final_stats=1 "${dict[@]}" >"$log" 2>&1 || status=$?
elapsed=$((SECONDS - started))

# libFuzzer's figures.
last_status=$(grep -E '^#[0-9]+' "$log" | grep -E 'cov: [0-9]+' | tail -1 || true)
cov=$(sed -nE 's/.* cov: ([0-9]+).*/\1/p' <<<"$last_status")
ft=$(sed -nE 's/.* ft: ([0-9]+).*/\1/p' <<<"$last_status")
corp=$(sed -nE 's/.* corp: ([0-9]+).*/\1/p' <<<"$last_status")
runs=$(sed -nE 's/^stat::number_of_executed_units: *([0-9]+).*/\1/p' "$log" | tail -1)
execs=$(sed -nE 's/^stat::average_exec_per_sec: *([0-9]+).*/\1/p' "$log" | tail -1)
ran=$(sed -nE 's/^Done [0-9]+ runs in ([0-9]+) second.*/\1/p' "$log" | tail -1)
# A crash ends the run before libFuzzer's "Done" line: count the wall time to it.
ran="${ran:-$elapsed}"

result="no crash"
new=$(comm -13 <(echo "$before") <(ls "$artifacts") | grep -E '^(crash|leak|timeout|oom)-' || true)
if [[ -n "$new" ]]; then
  for f in $new; do
    cp "$artifacts/$f" "fuzz/regressions/$target/$f"
  done
  result="CRASH: $(tr '\n' ' ' <<<"$new" | sed 's/ $//') (copied to fuzz/regressions/$target/)"
elif [[ $status -ne 0 ]]; then
  tail -40 "$log" >&2
  echo "cargo fuzz failed (status $status) without an artifact; log: $log" >&2
  exit 2
fi

row="| $date | \`$commit\` | \`$target\` | ${ran} | ${runs:-?} | ${execs:-?} | ${cov:-?} | ${ft:-?} | ${corp:-?} | $sanitizer | $result |"
echo "$row"

# Append the row, then recompute the totals table from every row. Campaigns may run in
# parallel lanes: the lock keeps their read-modify-write of the README apart.
exec 9>>"$readme.lock"
flock 9
tmp=$(mktemp)
awk -v row="$row" '/<!-- campaign-runs:end -->/ { print row } { print }' "$readme" >"$tmp"
awk -F' *\\| *' '
  /<!-- campaign-runs:start -->/ { inruns = 1; next }
  /<!-- campaign-runs:end -->/ { inruns = 0 }
  inruns && $2 ~ /^[0-9][0-9][0-9][0-9]-/ {
    t = $4; gsub(/`/, "", t)
    if (!(t in secs)) order[++n] = t
    secs[t] += ($5 ~ /^[0-9]+$/) ? $5 : 0
    crashes[t] += ($12 ~ /^CRASH/) ? 1 : 0
    last[t] = sprintf("%s | %s | %s | %s | %s", $7, $8, $9, $2, $3)
  }
  END {
    for (i = 1; i <= n; i++) {
      t = order[i]
      printf "| `%s` | %d | %.1f | %d | %s |\n", t, secs[t], secs[t] / 60, crashes[t], last[t]
    }
  }' "$tmp" >"$tmp.totals"
awk -v totals="$tmp.totals" '
  /<!-- campaign-totals:end -->/ {
    print "| target | seconds | minutes | runs with a crash | last exec/s | last cov | last ft | last date | last commit |"
    print "|---|---|---|---|---|---|---|---|---|"
    while ((getline line < totals) > 0) print line
    skip = 0
  }
  skip { next }
  { print }
  /<!-- campaign-totals:start -->/ { skip = 1 }' "$tmp" >"$readme"
rm -f "$tmp" "$tmp.totals" "$log"

[[ -z "$new" ]]
