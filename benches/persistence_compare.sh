#!/usr/bin/env bash
# Persistence and memory next to Debian's redis-server, same machine, same run, alternating:
#  - SET throughput with `appendfsync always` and `everysec` (redis-benchmark -P 1);
#  - time to SAVE and to load (restart) N keys of each dataset, and the RDB file sizes;
#  - used_memory after loading the same dataset.
# Datasets (DATASETS, default "strings hashes zsets"), N keys each:
#   strings: SET key:<i> value:<i>
#   hashes : HSET hash:<i> f1 v<i> f2 w<i> f3 x<i>      (small: ziplist in Keel, listpack in Redis 7)
#   zsets  : ZADD zset:<i> 1 a<i> 2 b<i> 3 c<i>         (small: ziplist in Keel, listpack in Redis 7)
# Each step runs for both servers back to back, the first one alternating by run.
# Appends its tables to reports/perf.md. Installs nothing (needs redis-server, redis-cli,
# redis-benchmark, python3).
#
#   bash benches/persistence_compare.sh                 # N=1000000 keys, RUNS=3
set -euo pipefail
cd "$(dirname "$0")/.."
N=${N:-1000000}
RUNS=${RUNS:-3}
# The SET rows are -P 1 runs, as noisy as the -P 1 rows of compare.sh: more of them.
AOF_RUNS=${AOF_RUNS:-9}
REQS=${REQS:-100000}
# As in compare.sh: servers on the last CPU, redis-benchmark on CPU 0 (PIN=0 to disable).
NCPU=$(nproc)
PIN=${PIN:-$([ "$NCPU" -ge 2 ] && echo 1 || echo 0)}
SERVER_PREFIX=(); CLIENT_PREFIX=()
if [ "$PIN" = 1 ]; then SERVER_PREFIX=(taskset -c $((NCPU - 1))); CLIENT_PREFIX=(taskset -c 0); fi
DATASETS=${DATASETS:-strings hashes zsets}
cargo build --release --bin keel-server >&2
KEEL="${CARGO_TARGET_DIR:-target}/release/keel-server"
work=$(mktemp -d)
trap 'for p in $(jobs -p); do kill "$p" 2>/dev/null || true; done; rm -rf "$work"' EXIT
free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }
bin() { if [ "$1" = keel ]; then echo "$KEEL"; else echo redis-server; fi; }

start() { # name dir port extra-args... ; waits until the server answers PING
  local name=$1 dir=$2 port=$3; shift 3
  mkdir -p "$dir"
  "${SERVER_PREFIX[@]}" "$(bin "$name")" --port "$port" --bind 127.0.0.1 --dir "$dir" "$@" >"$dir/log" 2>&1 &
  echo $! >"$dir/pid"
  for _ in $(seq 6000); do redis-cli -p "$port" ping 2>/dev/null | grep -q PONG && return; sleep 0.01; done
  echo "$name did not start: $(tail -3 "$dir/log")" >&2; exit 1
}
stop() { # port dir ; returns once the process has exited, so it takes no CPU from the next step
  redis-cli -p "$1" shutdown nosave >/dev/null 2>&1 || true
  local pid; pid=$(cat "$2/pid")
  for _ in $(seq 3000); do
    case "$(ps -o stat= -p "$pid")" in ""|Z*) return 0 ;; esac   # gone, or exited and not yet reaped
    sleep 0.01
  done
  echo "server $pid did not exit" >&2; exit 1
}
now() { python3 -c 'import time; print(time.monotonic())'; }

# Pipe-able datasets in RESP: $work/<name>.resp, N commands each.
python3 - "$N" "$work" <<'PY'
import sys
n, work = int(sys.argv[1]), sys.argv[2]
def cmd(*args):
    out = b"*%d\r\n" % len(args)
    for a in args:
        out += b"$%d\r\n%s\r\n" % (len(a), a)
    return out
makers = {
    "strings": lambda i: cmd(b"SET", b"key:%d" % i, b"value:%d" % i),
    "hashes": lambda i: cmd(b"HSET", b"hash:%d" % i, b"f1", b"v%d" % i, b"f2", b"w%d" % i, b"f3", b"x%d" % i),
    "zsets": lambda i: cmd(b"ZADD", b"zset:%d" % i, b"1", b"a%d" % i, b"2", b"b%d" % i, b"3", b"c%d" % i),
}
for name, make in makers.items():
    with open(f"{work}/{name}.resp", "wb") as f:
        f.writelines(make(i) for i in range(n))
PY

rows="$work/rows.csv"   # metric,server,run,value

aof_step() { # server fsync run
  local s=$1 fsync=$2 run=$3 port dir rps
  port=$(free_port); dir="$work/$s-aof-$fsync-$run"
  start "$s" "$dir" "$port" --save "" --appendonly yes --appendfsync "$fsync" --aof-use-rdb-preamble no
  rps=$("${CLIENT_PREFIX[@]}" redis-benchmark -p "$port" -t set -n "$REQS" -c 50 -r 100000 --csv 2>/dev/null | tail -1 | cut -d, -f2 | tr -d '"')
  echo "set_appendfsync_$fsync,$s,$run,$rps" >>"$rows"
  stop "$port" "$dir"
}

dataset_step() { # server dataset run
  local s=$1 ds=$2 run=$3 port dir used t0 t1
  port=$(free_port); dir="$work/$s-rdb-$ds-$run"
  start "$s" "$dir" "$port" --save "" --appendonly no
  redis-cli -p "$port" --pipe <"$work/$ds.resp" >/dev/null
  used=$(redis-cli -p "$port" info memory | tr -d '\r' | awk -F: '/^used_memory:/ {print $2}')
  echo "${ds}_used_memory,$s,$run,$used" >>"$rows"
  t0=$(now); redis-cli -p "$port" save >/dev/null; t1=$(now)
  echo "${ds}_save_seconds,$s,$run,$(python3 -c "print($t1-$t0)")" >>"$rows"
  echo "${ds}_rdb_bytes,$s,$run,$(stat -c %s "$dir/dump.rdb")" >>"$rows"
  stop "$port" "$dir"
  t0=$(now); start "$s" "$dir" "$port" --save "" --appendonly no; t1=$(now)
  echo "${ds}_load_seconds,$s,$run,$(python3 -c "print($t1-$t0)")" >>"$rows"
  stop "$port" "$dir"
}

# Every step runs for both servers back to back, the first server alternating by run, and
# dirty pages left by the previous step are written back first (`sync`), so neither server's
# AOF runs behind the other's writeback.
for run in $(seq "$AOF_RUNS"); do
  if [ $((run % 2)) -eq 1 ]; then order="keel redis"; else order="redis keel"; fi
  for fsync in always everysec; do
    for s in $order; do sync; aof_step "$s" "$fsync" "$run"; done
  done
done
for run in $(seq "$RUNS"); do
  if [ $((run % 2)) -eq 1 ]; then order="keel redis"; else order="redis keel"; fi
  for ds in $DATASETS; do
    for s in $order; do sync; dataset_step "$s" "$ds" "$run"; done
  done
done

commit=$(git rev-parse --short HEAD 2>/dev/null || echo unknown)
python3 - "$rows" "$commit" "$N" "$REQS" "$RUNS" "$AOF_RUNS" "$PIN" <<'PY' | tee -a reports/perf.md
import csv, statistics, sys
path, commit, n, reqs, runs, aof_runs, pin = sys.argv[1:]
data = {}
for metric, server, run, value in csv.reader(open(path)):
    data.setdefault(metric, {}).setdefault(server, []).append(float(value))
pinned = " Servers pinned to the last CPU, redis-benchmark to CPU 0." if pin == "1" else ""
print(f"\n## Persistence and memory\n\n`bash benches/persistence_compare.sh` at commit `{commit}`: {runs} runs ({aof_runs} for the SET rows), servers alternating.{pinned} "
      f"SET rows: `redis-benchmark -t set -n {reqs} -c 50 -r 100000` (-P 1) with AOF on (`--aof-use-rdb-preamble no`). "
      f"RDB rows: {int(n):,} keys per dataset (strings `SET key:i value:i`; hashes of 3 short fields; zsets of 3 short members) loaded with `redis-cli --pipe`; save = `SAVE` round trip, "
      "load = restart until PING answers. Median (min–max). For throughput higher is better; for time, bytes and memory "
      "lower is better. Ratio = Keel / Redis.\n")
print("| metric | Keel | Redis | ratio |\n|---|---|---|---|")
def fmt(v):
    m = statistics.median(v)
    return f"{m:,.3f} ({min(v):,.3f}–{max(v):,.3f})" if m < 100 else f"{m:,.0f} ({min(v):,.0f}–{max(v):,.0f})"
for metric, by in data.items():
    k, r = by.get("keel", []), by.get("redis", [])
    if k and r:
        print(f"| {metric} | {fmt(k)} | {fmt(r)} | {statistics.median(k) / statistics.median(r):.2f} |")
PY
