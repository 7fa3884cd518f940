#!/usr/bin/env bash
# Regenerate the curated seed corpora in fuzz/seeds/<target>/ (committed) from Keel's encoders,
# tests/fixtures/ and ../shared/redis-samples/, then copy them into the working corpora
# fuzz/corpus/<target>/ (git-ignored) that `cargo fuzz run` grows.
#   fuzz/seed_corpora.sh            regenerate + copy
#   fuzz/seed_corpora.sh --copy     only copy the committed seeds
set -euo pipefail
cd "$(dirname "$0")/.."
if [[ "${1:-}" != "--copy" ]]; then
  cargo test -p keel --test fuzz_replay -- --ignored write_seed_corpora
fi
for dir in fuzz/seeds/*/; do
  target=$(basename "$dir")
  mkdir -p "fuzz/corpus/$target"
  cp -n "$dir"* "fuzz/corpus/$target/" 2>/dev/null || true
done
ls fuzz/corpus
