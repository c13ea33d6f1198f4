#!/usr/bin/env bash
# Fuzzes everything that reads untrusted text (src/fuzz_tests.rs: the CSV loader on mutated demo
# data, the postsale.yaml and front matter parsers, the component scanner, HTML/Markdown/Typst
# escaping) with property-based tests, round after round with fresh random seeds, for a set time.
# A failing case is printed with its minimal input and the script exits 1.
# Usage: scripts/fuzz.sh [SECONDS, default 600] [CASES PER PROPERTY PER ROUND, default 2000]
set -euo pipefail
cd "$(dirname "$0")/.."
seconds=${1:-600}
cases=${2:-2000}
cargo test --locked --lib --no-run fuzz_tests >/dev/null 2>&1 || cargo test --locked --lib --no-run fuzz_tests
start=$(date +%s)
round=0
while [ $(( $(date +%s) - start )) -lt "$seconds" ]; do
  round=$((round + 1))
  printf '==> round %d (%d cases per property), %d s so far\n' "$round" "$cases" $(( $(date +%s) - start ))
  log=$(mktemp)
  if ! POSTSALE_FUZZ_CASES=$cases cargo test --locked --lib --quiet fuzz_tests -- --test-threads=2 >"$log" 2>&1; then
    grep -v '^ *[0-9]*: \|^ *at ' "$log"
    rm -f "$log"
    echo "fuzz: a property failed (its minimal input is above)"
    exit 1
  fi
  grep -E '^test result' "$log"
  rm -f "$log"
done
printf '==> fuzz: %d rounds, %d cases per property each, %d s, no failure\n' "$round" "$cases" $(( $(date +%s) - start ))
