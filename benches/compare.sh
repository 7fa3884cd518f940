#!/usr/bin/env bash
# Side-by-side throughput of keel-server and Debian's redis-server, measured in the same run,
# alternating the two servers, and written as ratios (Keel / Redis) to reports/perf.md.
#
# Installs nothing: needs redis-server and redis-benchmark on PATH (apt-get install -y
# redis-server redis-tools) and builds keel-server in release mode.
#
#   bash benches/compare.sh            # SET/GET/INCR at -P 1 and -P 16 (the issue-2 rows)
#   FULL=1 bash benches/compare.sh     # every redis-benchmark row of the performance issue
#   RUNS=5 N=500000 bash benches/compare.sh
#   RUNS_P1=5 bash benches/compare.sh  # more runs for the -P 1 rows (client-bound, noisier)
#   PIN=0 bash benches/compare.sh      # do not pin (default with 2+ CPUs: servers on the last
#                                      # CPU, redis-benchmark on CPU 0, the same for both)
#
# Besides requests per second, each row reports the server's CPU time per request (user +
# system, from /proc/<pid>/stat around each run): on a small, shared machine the throughput
# of one client process on loopback is noisy, the server's own cost much less so.
set -euo pipefail
cd "$(dirname "$0")/.."

RUNS=${RUNS:-3}
# -P 1 is bound by the one redis-benchmark process and noisier: it may get more runs.
RUNS_P1=${RUNS_P1:-$RUNS}
N=${N:-200000}
CLIENTS=${CLIENTS:-50}
KEYSPACE=${KEYSPACE:-100000}
if [ "${FULL:-0}" = 1 ]; then
  TESTS=${TESTS:-set,get,incr,lpush,lpop,sadd,hset,zadd,mset,lrange_100}
  N=${N_FULL:-1000000}
else
  TESTS=${TESTS:-set,get,incr}
fi
PIPELINES=${PIPELINES:-"1 16"}
# The file written (whole); perf_report.sh then appends the other sections to it.
REPORT=${REPORT:-reports/perf.md}

for tool in redis-server redis-benchmark redis-cli; do
  command -v "$tool" >/dev/null || { echo "missing $tool: apt-get install -y redis-server redis-tools" >&2; exit 1; }
done
cargo build --release --bin keel-server >&2

work=$(mktemp -d)
trap 'kill $(jobs -p) 2>/dev/null || true; rm -rf "$work"' EXIT
free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }

NCPU=$(nproc)
PIN=${PIN:-$([ "$NCPU" -ge 2 ] && echo 1 || echo 0)}
SERVER_CPU=$((NCPU - 1))
SERVER_PREFIX=(); CLIENT_PREFIX=()
if [ "$PIN" = 1 ]; then SERVER_PREFIX=(taskset -c "$SERVER_CPU"); CLIENT_PREFIX=(taskset -c 0); fi
# utime + stime of a process, in clock ticks.
cpu_ticks() { awk '{print $14 + $15}' "/proc/$1/stat"; }
TICK_US=$((1000000 / $(getconf CLK_TCK)))

start() { # name binary port
  local dir="$work/$1"; mkdir -p "$dir"
  "${SERVER_PREFIX[@]}" "$2" --port "$3" --bind 127.0.0.1 --save "" --appendonly no --dir "$dir" >"$dir/log" 2>&1 &
  eval "${1^^}_PID=$!"
  for _ in $(seq 100); do redis-cli -p "$3" ping >/dev/null 2>&1 && return; sleep 0.05; done
  echo "$1 did not start" >&2; exit 1
}

KEEL_PORT=$(free_port); start keel "${CARGO_TARGET_DIR:-target}/release/keel-server" "$KEEL_PORT"
REDIS_PORT=$(free_port); start redis redis-server "$REDIS_PORT"

results="$work/results.csv"   # server,test,pipeline,run,rps,cpu_us_per_request,client_busy
# Each test runs on both servers back to back, so that a slow spell of this shared machine
# falls on both; which server goes first alternates from one test and run to the next.
for p in $PIPELINES; do
  runs=$RUNS; [ "$p" = 1 ] && runs=$RUNS_P1
  for run in $(seq "$runs"); do
    i=0
    for t in ${TESTS//,/ }; do
      order="keel redis"; [ $(((run + i) % 2)) -eq 0 ] && order="redis keel"; i=$((i + 1))
      for server in $order; do
        port=$KEEL_PORT; pid=$KEEL_PID
        [ "$server" = redis ] && port=$REDIS_PORT && pid=$REDIS_PID
        before=$(cpu_ticks "$pid")
        # The client's own CPU time over its wall time: near 1.0, redis-benchmark is the limit.
        { TIMEFORMAT='%R %U %S'; time "${CLIENT_PREFIX[@]}" redis-benchmark -p "$port" -c "$CLIENTS" -n "$N" -r "$KEYSPACE" -P "$p" -t "$t" --csv >"$work/out" 2>/dev/null; } 2>"$work/time"
        after=$(cpu_ticks "$pid")
        IFS=, read -r test rps _ <<<"$(tail -n 1 "$work/out")"
        read -r wall cu cs <"$work/time"
        cpu=$(awk -v t=$((after - before)) -v u="$TICK_US" -v n="$N" 'BEGIN { printf "%.3f", t * u / n }')
        busy=$(awk -v w="$wall" -v u="$cu" -v s="$cs" 'BEGIN { printf "%.3f", (u + s) / w }')
        echo "$server,${test//\"/},$p,$run,${rps//\"/},$cpu,$busy" >>"$results"
      done
    done
    echo "done: -P $p run $run" >&2
  done
done

commit=$(git rev-parse --short HEAD 2>/dev/null || echo unknown)
python3 - "$results" "$commit" "$RUNS" "$RUNS_P1" "$N" "$CLIENTS" "$KEYSPACE" "$PIN" "$SERVER_CPU" >"$REPORT" <<'PY'
import csv, statistics, sys, platform, subprocess
path, commit, runs, runs_p1, n, clients, keyspace, pin, server_cpu = sys.argv[1:]
pin_note = (f"Both servers pinned to CPU {server_cpu} and redis-benchmark to CPU 0 (taskset)." if pin == "1"
            else "No CPU pinning.")
rows, cpu, busy, by_run = {}, {}, {}, {}
for server, test, p, run, rps, us, b in csv.reader(open(path)):
    rows.setdefault((test, int(p)), {}).setdefault(server, []).append(float(rps))
    by_run.setdefault((test, int(p), run), {})[server] = float(rps)
    cpu.setdefault((test, int(p)), {}).setdefault(server, []).append(float(us))
    busy.setdefault((test, int(p)), {}).setdefault(server, []).append(float(b))
redis_ver = subprocess.run(["redis-server", "--version"], capture_output=True, text=True).stdout.split()[2]
print("# Keel vs Redis: throughput\n")
print("The whole file is regenerated by `bash benches/perf_report.sh`, except the sections marked as checked by hand; "
      "each section names the script and commit that produced it.\n")
print(f"Generated by `bash benches/compare.sh` at commit `{commit}` on {platform.node()} "
      f"({subprocess.run(['nproc'], capture_output=True, text=True).stdout.strip()} cores). "
      f"Debian's redis-server {redis_ver}; both servers with `--save \"\" --appendonly no` on loopback.\n")
print(f"`redis-benchmark -c {clients} -n {n} -r {keyspace} -P <p> --csv`, {runs_p1} runs per -P 1 row and {runs} per -P 16 row; "
      "in every run each test goes to the two servers back to back, and which one goes first alternates from test to test and run to run. Requests per second: median (min–max). "
      "Ratio = Keel median / Redis median; above 1.0 Keel is faster. "
      "Paired: the median (min–max) of the per-run ratios of the two back-to-back runs, which a slow spell of the machine shifts less than the medians. "
      f"{pin_note} CPU µs/req: the server's user + system CPU time per request (median of the runs; "
      "clock-tick resolution), Keel / Redis below 1.0 means Keel spends less. "
      "Keel runs with its default `event-loop-spin-us 300` (see README): while busy it polls instead of sleeping between requests, so at -P 1 its CPU time per request is about 1 / its throughput, the whole CPU, and not comparable to Redis's. "
      "Client busy: redis-benchmark's user + system CPU time over its wall time (median), against Keel / against Redis; "
      "near 100 % the one client process, not the server, sets the rate, and a ratio cannot exceed what that client can send. "
      "For LRANGE_100 the CPU and busy figures include the LPUSH that redis-benchmark runs first to fill the list.\n")
print("| test | -P | Keel rps | Redis rps | ratio | paired | Keel CPU µs/req | Redis CPU µs/req | CPU ratio | client busy |")
print("|---|---|---|---|---|---|---|---|---|---|")
def fmt(v):
    return f"{statistics.median(v):,.0f} ({min(v):,.0f}–{max(v):,.0f})"
for (test, p), by in sorted(rows.items(), key=lambda kv: (kv[0][1], kv[0][0])):
    k, r = by.get("keel", []), by.get("redis", [])
    if not k or not r:
        continue
    ck, cr = statistics.median(cpu[(test, p)]["keel"]), statistics.median(cpu[(test, p)]["redis"])
    cpu_ratio = f"{ck / cr:.2f}" if cr else "n/a"
    bk, br = (statistics.median(busy[(test, p)][s]) * 100 for s in ("keel", "redis"))
    pairs = [v["keel"] / v["redis"] for (t, pp, _), v in by_run.items() if (t, pp) == (test, p) and len(v) == 2]
    paired = f"{statistics.median(pairs):.2f} ({min(pairs):.2f}–{max(pairs):.2f})"
    print(f"| {test} | {p} | {fmt(k)} | {fmt(r)} | {statistics.median(k) / statistics.median(r):.2f} | {paired} | {ck:.2f} | {cr:.2f} | {cpu_ratio} | {bk:.0f} % / {br:.0f} % |")
PY
cat "$REPORT"
