#!/usr/bin/env bash
# Memory of small aggregates next to Debian's redis-server (issue 7's memory row).
#
# Four datasets of N keys each (default 1,000,000), the same bytes for both servers, loaded
# with `redis-cli --pipe` from a generated RESP file into a fresh server with persistence off:
#   hash  : HSET hash:<i> fieldaaa v<i> fieldbbb w<i> fieldccc x<i>   (3 fields, 8-byte names and values)
#   zset  : ZADD zset:<i> 1 a<i> 2 b<i> 3 c<i>                          (3 members of 8 bytes)
#   intset: SADD iset:<i> <i%1000> <i%1000+1000> <i%1000+2000>         (3 small integers)
#   strset: SADD sset:<i> a<i> b<i> c<i>                                (3 members of 8 bytes)
# (<i> is 7 digits.) For each dataset and server the row is INFO `used_memory` after the load
# minus `used_memory` of the same server just started and empty (the baseline), and the
# `OBJECT ENCODING` of one key: Keel names the compact encodings as the seeds do (ziplist),
# Redis 7.0 says listpack; Redis 7.0 keeps small sets of strings in a hashtable (listpack sets
# come with 7.2), so does Keel. Ratio = Keel / Redis; lower is better.
#
# Appends a table to $REPORT (default reports/perf.md). Needs redis-server, redis-cli, python3.
#
#   bash benches/memory_compare.sh                              # N=1000000
#   N=100000 REPORT=/dev/null bash benches/memory_compare.sh    # quicker, no report
set -euo pipefail
cd "$(dirname "$0")/.."
N=${N:-1000000}
REPORT=${REPORT:-reports/perf.md}
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
used_memory() { redis-cli -p "$1" info memory | tr -d '\r' | awk -F: '/^used_memory:/ {print $2}'; }

python3 - "$N" "$work" <<'PY'
import sys
n, work = int(sys.argv[1]), sys.argv[2]
def cmd(*args):
    out = b"*%d\r\n" % len(args)
    for a in args:
        a = a if isinstance(a, bytes) else str(a).encode()
        out += b"$%d\r\n%s\r\n" % (len(a), a)
    return out
sets = {
    "hash": lambda i: cmd("HSET", b"hash:%07d" % i, "fieldaaa", b"v%07d" % i, "fieldbbb", b"w%07d" % i, "fieldccc", b"x%07d" % i),
    "zset": lambda i: cmd("ZADD", b"zset:%07d" % i, 1, b"a%07d" % i, 2, b"b%07d" % i, 3, b"c%07d" % i),
    "intset": lambda i: cmd("SADD", b"iset:%07d" % i, i % 1000, i % 1000 + 1000, i % 1000 + 2000),
    "strset": lambda i: cmd("SADD", b"sset:%07d" % i, b"a%07d" % i, b"b%07d" % i, b"c%07d" % i),
}
for name, make in sets.items():
    with open(f"{work}/{name}.resp", "wb") as f:
        for i in range(n):
            f.write(make(i))
PY

rows="$work/rows.csv"   # dataset,server,baseline,loaded,encoding
sample_key() { case $1 in hash) echo hash:0000000;; zset) echo zset:0000000;; intset) echo iset:0000000;; strset) echo sset:0000000;; esac; }
for ds in hash zset intset strset; do
  for s in keel redis; do
    port=$(free_port); dir="$work/$s-$ds"
    start "$s" "$dir" "$port"
    base=$(used_memory "$port")
    redis-cli -p "$port" --pipe <"$work/$ds.resp" >/dev/null
    loaded=$(used_memory "$port")
    keys=$(redis-cli -p "$port" dbsize | tr -d '\r')
    [ "$keys" = "$N" ] || { echo "$s/$ds: $keys keys loaded, expected $N" >&2; exit 1; }
    enc=$(redis-cli -p "$port" object encoding "$(sample_key "$ds")" | tr -d '\r')
    echo "$ds,$s,$base,$loaded,$enc" >>"$rows"
    stop "$port"
  done
done

commit=$(git rev-parse --short HEAD 2>/dev/null || echo unknown)
python3 - "$rows" "$commit" "$N" <<'PY' | tee -a "$REPORT"
import csv, datetime, sys
path, commit, n = sys.argv[1], sys.argv[2], int(sys.argv[3])
rows = {}
for ds, server, base, loaded, enc in csv.reader(open(path)):
    rows.setdefault(ds, {})[server] = (int(base), int(loaded), enc)
print(f"\n## Memory of small hashes, sorted sets and sets ({datetime.date.today()})\n")
print(f"`bash benches/memory_compare.sh` at commit `{commit}`, N = {n:,} keys per dataset (see the script's header "
      "for the exact data: 3 fields or members of 8 bytes each, or 3 small integers). Bytes = INFO `used_memory` after "
      "loading minus `used_memory` of the same freshly started, empty server. Ratio = Keel / Redis (lower is better; "
      "target ≤ 1.0).\n")
print("| dataset | Keel bytes (per key) | Keel encoding | Redis 7.0 bytes (per key) | Redis encoding | ratio |\n|---|---|---|---|---|---|")
for ds, by in rows.items():
    kb, kl, ke = by["keel"]; rb, rl, re = by["redis"]
    k, r = kl - kb, rl - rb
    print(f"| {ds} | {k:,} ({k / n:.1f}) | {ke} | {r:,} ({r / n:.1f}) | {re} | {k / r:.2f} |")
PY
