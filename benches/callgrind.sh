#!/usr/bin/env bash
# Instructions per request of keel-server and Debian's redis-server under the same
# redis-benchmark load, counted by callgrind: repeatable on a noisy machine, unlike
# requests/second. Counts user-space instructions of the whole server process (start-up and
# shutdown included), divided by the requests sent. Appends a table to reports/perf.md.
#
#   bash benches/callgrind.sh              # SET and GET, 50,000 requests each, -P 1 and -P 16
set -euo pipefail
cd "$(dirname "$0")/.."
N=${N:-50000}
for tool in valgrind callgrind_annotate redis-server redis-benchmark redis-cli; do
  command -v "$tool" >/dev/null || { echo "missing $tool" >&2; exit 1; }
done
cargo build --release --bin keel-server >&2
keel="${CARGO_TARGET_DIR:-target}/release/keel-server"
work=$(mktemp -d); trap 'rm -rf "$work"' EXIT
free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }

count() { # name binary pipeline -> instructions
  local port; port=$(free_port)
  valgrind --tool=callgrind --callgrind-out-file="$work/$1.$3.out" "$2" --port "$port" --save "" --appendonly no --dir "$work" >"$work/$1.log" 2>&1 &
  local pid=$!
  for _ in $(seq 200); do redis-cli -p "$port" ping >/dev/null 2>&1 && break; sleep 0.1; done
  redis-benchmark -p "$port" -t set,get -n "$N" -c 20 -r 100000 -P "$3" -q >/dev/null 2>&1
  redis-cli -p "$port" shutdown nosave >/dev/null 2>&1 || true
  wait "$pid" || true
  callgrind_annotate "$work/$1.$3.out" 2>/dev/null | awk '/PROGRAM TOTALS/ {gsub(",","",$1); print $1}'
}

{
  echo
  echo "## Instructions per request (callgrind)"
  echo
  echo "\`bash benches/callgrind.sh\`: SET then GET, $N requests each, 20 clients, \`-r 100000\`; user-space"
  echo "instructions of the whole server process / requests. Lower is better; ratio = Keel / Redis."
  echo
  echo "| -P | Keel instr/request | Redis instr/request | ratio |"
  echo "|---|---|---|---|"
  for p in 1 16; do
    k=$(count keel "$keel" "$p"); r=$(count redis redis-server "$p")
    python3 -c "k,r,n=$k,$r,2*$N; print(f'| $p | {k/n:,.0f} | {r/n:,.0f} | {k/r:.2f} |')"
  done
} | tee -a reports/perf.md
