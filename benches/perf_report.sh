#!/usr/bin/env bash
# Regenerates reports/perf.md from the current code with every comparison against Debian's
# redis-server (issue 10), in one command:
#
#   bash benches/perf_report.sh
#
# 1. benches/compare.sh          every redis-benchmark row at -P 1 and -P 16 (FULL=1; writes the file)
# 2. benches/persistence_compare.sh  SET with appendfsync always/everysec; RDB save/load time,
#                                    file size and used_memory for 1,000,000 strings/hashes/zsets
# 3. benches/memory_compare.sh   used_memory of 1,000,000 small hashes/zsets/intsets/string sets
# 4. benches/bgsave_rss.sh       BGSAVE under a write load: peak RSS/PSS of parent + child
# Each appends its section. Run it on a quiet machine: about 60 minutes on 2 cores.
# Installs nothing: needs redis-server, redis-benchmark, redis-cli and python3.
set -euo pipefail
cd "$(dirname "$0")/.."
FULL=1 RUNS=${RUNS:-5} RUNS_P1=${RUNS_P1:-9} bash benches/compare.sh >/dev/null
RUNS=5 bash benches/persistence_compare.sh >/dev/null
bash benches/memory_compare.sh >/dev/null
bash benches/bgsave_rss.sh >/dev/null
echo "reports/perf.md regenerated at $(git rev-parse --short HEAD)"
