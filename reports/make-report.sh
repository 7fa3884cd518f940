#!/usr/bin/env bash
# Regenerates the crash-recovery campaign report from the current code, in one command:
#   bash reports/make-report.sh
# Builds keel-sim (release), runs SEEDS seeds (default 20,000) under each of --persistence mixed,
# rdb, always, everysec and no (5 x 20,000 = 100,000 seeds), runs the bounded exhaustive mode,
# then writes reports/<date>-<commit7>-all-policies.md with its SVG plots, failure files for any
# failed seed (reports/failures/) and the list in reports/README.md. The previous report of this
# campaign is replaced (git keeps the old ones). Result files stay in target/keel-sim-campaign/.
# Takes about 30 minutes on 2 cores. Exit code: 0 when no seed and no crash state failed.
set -uo pipefail
cd "$(dirname "$0")/.."

SEEDS=${SEEDS:-20000}
NAME=${NAME:-all-policies}
OUT=reports
WORK=target/keel-sim-campaign
BIN=target/release/keel-sim

cargo build -p keel-sim --release || exit 2
mkdir -p "$WORK"
status=0
files=()
for policy in mixed rdb always everysec no; do
  echo "== $SEEDS seeds, --persistence $policy"
  "$BIN" run --seeds "$SEEDS" --persistence "$policy" --quiet --json "$WORK/$policy.json" | tail -n 4 || status=1
  files+=("$WORK/$policy.json")
done
echo "== exhaustive mode"
"$BIN" exhaust --json "$WORK/exhaust.json" || status=1

rm -f "$OUT"/????-??-??-*-"$NAME".md "$OUT"/????-??-??-*-"$NAME"-*.svg
"$BIN" report "${files[@]}" --exhaust "$WORK/exhaust.json" --out "$OUT" --name "$NAME" || status=1
exit $status
