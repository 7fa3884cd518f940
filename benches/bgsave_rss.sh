#!/usr/bin/env bash
# BGSAVE under a write load: peak memory of parent + child, Keel next to Debian's redis-server,
# same machine, same run, alternating. Appends a table to reports/perf.md (or to $OUT).
#
# Per run and server: load N string keys (`key:i` → 100-byte value) with `redis-cli --pipe`,
# start `redis-benchmark -t set -r N -d 100 -P 16` (overwriting the same keys), wait a moment,
# send BGSAVE, and sample /proc every 5 ms until the child is gone:
#   - peak RSS of parent + child (VmRSS summed — counts copy-on-write-shared pages twice, which
#     is what naive monitoring shows),
#   - peak PSS of parent + child (Pss from smaps_rollup — shared pages split between the two, so
#     the sum is the real physical footprint),
#   - RSS of the parent just before BGSAVE (the baseline), and the BGSAVE duration.
# Installs nothing (needs redis-server, redis-cli, redis-benchmark, python3).
#
#   bash benches/bgsave_rss.sh            # N=1000000 keys, RUNS=3
set -euo pipefail
cd "$(dirname "$0")/.."
N=${N:-1000000}
RUNS=${RUNS:-3}
OUT=${OUT:-reports/perf.md}
cargo build --release --bin keel-server >&2
KEEL="${CARGO_TARGET_DIR:-target}/release/keel-server"
work=$(mktemp -d)
trap 'for p in $(jobs -p); do kill "$p" 2>/dev/null || true; done; rm -rf "$work"' EXIT
free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }
bin() { if [ "$1" = keel ]; then echo "$KEEL"; else echo redis-server; fi; }

start() { # name dir port ; waits until the server answers PING
  local name=$1 dir=$2 port=$3
  mkdir -p "$dir"
  "$(bin "$name")" --port "$port" --bind 127.0.0.1 --dir "$dir" --save "" --appendonly no >"$dir/log" 2>&1 &
  echo $! >"$dir/pid"
  for _ in $(seq 6000); do redis-cli -p "$port" ping 2>/dev/null | grep -q PONG && return; sleep 0.01; done
  echo "$name did not start: $(tail -3 "$dir/log")" >&2; exit 1
}
stop() { redis-cli -p "$1" shutdown nosave >/dev/null 2>&1 || true; sleep 0.3; }

python3 - "$N" >"$work/dataset.resp" <<'PY'
import sys
n = int(sys.argv[1]); out = sys.stdout.buffer; v = b"v" * 100
for i in range(n):
    k = b"key:%d" % i
    out.write(b"*3\r\n$3\r\nSET\r\n$%d\r\n%s\r\n$%d\r\n%s\r\n" % (len(k), k, len(v), v))
PY

# Samples parent + children of $1 every 5 ms until BGSAVE's child has come and gone; prints
# "peak_rss_kb peak_pss_kb seconds".
cat >"$work/sample.py" <<'PY'
import os, sys, time
parent = int(sys.argv[1])
def kb(pid, path, field):
    try:
        for line in open(f"/proc/{pid}/{path}"):
            if line.startswith(field):
                return int(line.split()[1])
    except OSError:
        pass
    return 0
def children(pid):
    try:
        return [int(c) for c in open(f"/proc/{pid}/task/{pid}/children").read().split()]
    except OSError:
        return []
peak_rss = peak_pss = 0
seen_child = False
t0 = time.monotonic()
while time.monotonic() - t0 < 120:
    kids = children(parent)
    pids = [parent] + kids
    peak_rss = max(peak_rss, sum(kb(p, "status", "VmRSS:") for p in pids))
    peak_pss = max(peak_pss, sum(kb(p, "smaps_rollup", "Pss:") for p in pids))
    if kids:
        seen_child = True
    elif seen_child:
        break
    time.sleep(0.005)
print(peak_rss, peak_pss, f"{time.monotonic() - t0:.3f}")
PY

rows="$work/rows.csv"   # metric,server,run,value
for run in $(seq "$RUNS"); do
  for s in keel redis; do
    port=$(free_port); dir="$work/$s-$run"
    start "$s" "$dir" "$port"
    redis-cli -p "$port" --pipe <"$work/dataset.resp" >/dev/null
    pid=$(cat "$dir/pid")
    redis-benchmark -p "$port" -t set -r "$N" -d 100 -P 16 -c 20 -n 100000000 >/dev/null 2>&1 &
    load=$!
    sleep 1
    echo "rss_before_bgsave_kb,$s,$run,$(awk '/^VmRSS:/ {print $2}' "/proc/$pid/status")" >>"$rows"
    redis-cli -p "$port" bgsave >/dev/null
    read -r rss pss secs < <(python3 "$work/sample.py" "$pid")
    kill "$load" 2>/dev/null || true; wait "$load" 2>/dev/null || true
    echo "bgsave_peak_rss_parent_plus_child_kb,$s,$run,$rss" >>"$rows"
    echo "bgsave_peak_pss_parent_plus_child_kb,$s,$run,$pss" >>"$rows"
    echo "bgsave_seconds_under_load,$s,$run,$secs" >>"$rows"
    status=$(redis-cli -p "$port" info persistence | tr -d '\r' | awk -F: '/^rdb_last_bgsave_status:/ {print $2}')
    [ "$status" = ok ] || { echo "$s: BGSAVE status $status" >&2; exit 1; }
    stop "$port"
  done
done

commit=$(git rev-parse --short HEAD 2>/dev/null || echo unknown)
python3 - "$rows" "$commit" "$N" "$RUNS" <<'PY' | tee -a "$OUT"
import csv, statistics, sys
path, commit, n, runs = sys.argv[1:]
data = {}
for metric, server, run, value in csv.reader(open(path)):
    data.setdefault(metric, {}).setdefault(server, []).append(float(value))
print(f"\n## BGSAVE under a write load\n\n`bash benches/bgsave_rss.sh` at commit `{commit}`: {runs} runs, servers alternating. "
      f"{int(n):,} keys with 100-byte values; during the BGSAVE `redis-benchmark -t set -r {int(n)} -d 100 -P 16 -c 20` "
      "overwrites them. Peaks sampled every 5 ms from /proc over parent + child: RSS summed (shared copy-on-write pages "
      "counted twice) and PSS summed (the physical footprint). Median (min–max); lower is better. Ratio = Keel / Redis.\n")
print("| metric | Keel | Redis | ratio |\n|---|---|---|---|")
def fmt(v):
    m = statistics.median(v)
    return f"{m:,.3f} ({min(v):,.3f}–{max(v):,.3f})" if m < 100 else f"{m:,.0f} ({min(v):,.0f}–{max(v):,.0f})"
for metric, by in data.items():
    k, r = by.get("keel", []), by.get("redis", [])
    if k and r:
        print(f"| {metric} | {fmt(k)} | {fmt(r)} | {statistics.median(k) / statistics.median(r):.2f} |")
PY
