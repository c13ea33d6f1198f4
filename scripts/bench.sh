#!/usr/bin/env bash
# The benchmark of the README: generates a large data set with `postsale demo` (once; it is kept
# in target/bench) and times (a) loading and validating every table (`postsale check`) and
# (b) `postsale metrics --period ttm --format json` (every metric), (c) the revenue and
# experience metrics alone, each the best and the median of 5 runs, with rows per second and
# peak memory (GNU time), and (d) the whole site of the standard reports (`build --no-pdf`, one
# run) into a new folder, (e) the same build replacing that site, with pages per second and
# output size; (f) `postsale alerts` with the example's alert rules, best and median of 5;
# (g) the e-mail digests: the build's "mail" step (from `--timings` of (d)) and `postsale deliver
# --outbox` of every message at once (each report's digest, each CSM's, each alert recipient's),
# MIME and inline PNG charts included, one run; (h) the analytics (models, scores, survival,
# drivers, the renewal forecast), one run each; (i) pushdown: the data loaded into a throwaway
# local PostgreSQL cluster (`postsale sql --load`, timed) and `metrics --period ttm` under
# `engine: warehouse` (every pushed-down metric), best and median of 5, its output compared
# with the in-process engine's for the same metrics.
# Usage: scripts/bench.sh [ACCOUNTS] [MONTHS] [STEPS]   (default 50000 60 all)
# STEPS: `all`, or `scale` for (a), (b), (c) and (i) only (no site: the 500,000-account run).
set -euo pipefail
cd "$(dirname "$0")/.."
accounts=${1:-50000}
months=${2:-60}
steps=${3:-all}
case "$steps" in all|scale) ;; *) echo "STEPS is all or scale, not '$steps'" >&2; exit 2;; esac
dir="target/bench/${accounts}x${months}"
bin=target/release/postsale

command -v /usr/bin/time >/dev/null || { echo "needs GNU time: apt-get install -y time" >&2; exit 1; }
cargo build --release --locked --quiet

if [ ! -f "$dir/.complete" ]; then
  rm -rf "$dir" && mkdir -p "$dir"
  echo "generating $accounts accounts x $months months into $dir ..."
  /usr/bin/time -f "  demo: %e s, peak %M KB" "$bin" demo --accounts "$accounts" --months "$months" --seed 7 --out "$dir/data" >/dev/null
  printf 'name: Benchmark\nas_of: 2026-11-01\n' > "$dir/postsale.yaml"
  touch "$dir/.complete"
fi

rows=0
for f in "$dir"/data/*.csv; do rows=$((rows + $(wc -l < "$f") - 1)); done
bytes=$(du -cb "$dir"/data/*.csv | tail -n 1 | cut -f1)
echo "data: $rows rows, $((bytes / 1000000)) MB in $(ls "$dir"/data/*.csv | wc -l) files"

# five runs: prints "best_seconds peak_kb_of_that_run median_seconds" (this kind of virtual
# machine varies by 20-30 % from one minute to the next, so the median is shown beside the best)
measure() {
  local tmp runs=5
  tmp=$(mktemp)
  for _ in $(seq "$runs"); do
    /usr/bin/time -f "%e %M" -a -o "$tmp" "$@" >/dev/null 2>&1 || { echo "failed: $*" >&2; exit 1; }
  done
  sort -n "$tmp" | awk -v n="$runs" 'NR == 1 { best = $1; kb = $2 } NR == int((n + 1) / 2) { median = $1 } END { print best, kb, median }'
  rm -f "$tmp"
}

# rows of the given tables
rows_of() {
  local n=0
  for t in "$@"; do n=$((n + $(wc -l < "$dir/data/$t.csv") - 1)); done
  echo "$n"
}

report() {
  local label=$1 rows=$3 s kb median
  read -r s kb median <<< "$2"
  awk -v l="$label" -v s="$s" -v kb="$kb" -v rows="$rows" -v median="$median" \
    'BEGIN { printf "%-44s %6.2f s (median %.2f s)  %9.0f rows/s  peak %5.0f MB\n", l, s, median, (s > 0 ? rows / s : 0), kb / 1024 }'
}

report "(a) load + validate all tables (check)" "$(measure "$bin" check --project "$dir")" "$rows"
# Every metric of the catalog: reads every table.
report "(b) metrics --period ttm --format json" "$(measure "$bin" metrics --project "$dir" --period ttm --format json)" "$rows"
# Revenue and experience metrics only: reads accounts, mrr and surveys.
report "(c) metrics (revenue, experience) ttm json" \
  "$(measure "$bin" metrics mrr arr arpa nrr grr logo_churn_rate ltv ltv_cac_ratio nps csat --project "$dir" --period ttm --format json)" \
  "$(rows_of accounts mrr surveys)"

# (i) Pushdown on a throwaway PostgreSQL cluster in $dir/pg (removed at the end).
pushdown() {
  local pgbin pg port as=() url ids
  pgbin=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1)
  if [ -z "$pgbin" ] || [ ! -x "$pgbin/initdb" ]; then
    echo "(i) skipped: PostgreSQL's server programs are missing (apt-get install -y postgresql)"
    return
  fi
  pg="$(pwd)/$dir/pg"
  rm -rf "$pg" && mkdir -p "$pg"
  # initdb refuses to run as root: the server runs as Debian's postgres user then.
  if [ "$(id -u)" = 0 ]; then chown postgres: "$pg"; as=(runuser -u postgres --); fi
  port=$((20000 + RANDOM % 20000))
  "${as[@]}" "$pgbin/initdb" -D "$pg/data" -U postsale --auth=trust -E UTF8 --locale=C >/dev/null
  # A disposable cluster: no durability; memory for the aggregations.
  printf "listen_addresses = ''\nport = %d\nunix_socket_directories = '%s'\nfsync = off\nsynchronous_commit = off\nfull_page_writes = off\nshared_buffers = 4GB\nwork_mem = 512MB\nmaintenance_work_mem = 1GB\nmax_wal_size = 8GB\n" \
    "$port" "$pg" >> "$pg/data/postgresql.conf"
  "${as[@]}" "$pgbin/pg_ctl" start -w -t 120 -D "$pg/data" -l "$pg/server.log" >/dev/null
  trap '"${as[@]}" "$pgbin/pg_ctl" stop -m fast -D "$pg/data" >/dev/null 2>&1 || true' EXIT
  "$bin" sql --load "$dir/data" > "$pg/load.sql"
  local tmp s kb size
  tmp=$(mktemp)
  /usr/bin/time -f "%e %M" -o "$tmp" "$pgbin/psql" -X -q -v ON_ERROR_STOP=1 -h "$pg" -p "$port" -U postsale -d postgres -f "$pg/load.sql" >/dev/null
  read -r s kb < <(tail -n 1 "$tmp")
  size=$("$pgbin/psql" -X -At -h "$pg" -p "$port" -U postsale -d postgres -c "select pg_database_size('postgres')")
  awk -v s="$s" -v size="$size" -v rows="$rows" \
    'BEGIN { printf "%-44s %6.2f s  %9.0f rows/s  database %.0f MB\n", "(i) load every table (sql --load | psql)", s, rows / s, size / 1e6 }'
  rm -f "$tmp"
  mkdir -p "$dir/warehouse"
  printf 'name: Benchmark (warehouse)\nas_of: 2026-11-01\nengine: warehouse\ndatabase:\n  url_env: POSTSALE_BENCH_URL\n  tables: { accounts: accounts, mrr: mrr, renewals: renewals, health: health }\n' \
    > "$dir/warehouse/postsale.yaml"
  url="postgresql://postsale@localhost/postgres?host=$pg&port=$port"
  report "(i) metrics --period ttm, engine: warehouse" \
    "$(POSTSALE_BENCH_URL=$url measure "$bin" metrics --project "$dir/warehouse" --period ttm --format json)" "$(rows_of accounts mrr renewals health)"
  # The same metrics in process, for the comparison and the output check.
  ids=$(POSTSALE_BENCH_URL=$url "$bin" metrics --project "$dir/warehouse" --period ttm --format csv | tail -n +2 | cut -d, -f3 | sort -u | tr '\n' ' ')
  # shellcheck disable=SC2086
  report "(i) the same metrics in process" "$(measure "$bin" metrics $ids --project "$dir" --period ttm --format json)" "$(rows_of accounts mrr renewals health)"
  # shellcheck disable=SC2086
  if cmp -s <(POSTSALE_BENCH_URL=$url "$bin" metrics --project "$dir/warehouse" --period ttm --format json) \
            <("$bin" metrics $ids --project "$dir" --period ttm --format json); then
    echo "(i) warehouse output = in-process output (byte for byte)"
  else
    echo "(i) warehouse output DIFFERS from the in-process output" >&2
    exit 1
  fi
  "${as[@]}" "$pgbin/pg_ctl" stop -m fast -D "$pg/data" >/dev/null
  trap - EXIT
  rm -rf "$pg" "$dir/warehouse"
}
if [ "$steps" = scale ]; then
  pushdown
  exit 0
fi

# (f) The example's alert rules on the benchmark data: every rule at every scope (each segment,
# each CSM's book), evaluated at as-of and a week before.
cp alerts.yaml "$dir/alerts.yaml"
report "(f) alerts --format json (example rules)" "$(measure "$bin" alerts --project "$dir" --format json)" "$rows"

# (d) The full site: every page of the standard reports, no PDFs, into a folder that does not
# exist yet (one run; it is long). (e) The same build again over it: the new site is swapped in
# and the old one removed, whose 50,000 files the disk has to free. The folder is removed after.
rm -rf "$dir/reports" && cp -r reports "$dir/reports"
out="site-$$"
site_build() {
  local label=$1 tmp
  tmp=$(mktemp)
  /usr/bin/time -f "%e %M" -o "$tmp" "$bin" build --no-pdf --timings --project "$dir" --out "$out" > "$tmp.out" 2>&1 \
    || { cat "$tmp.out" >&2; echo "failed: site build" >&2; exit 1; }
  read -r s kb < <(tail -n 1 "$tmp")
  cp "$tmp.out" "$dir/timings.txt"
  pages=$(grep -o 'built [0-9]* pages' "$tmp.out" | grep -o '[0-9]*')
  size=$(du -sb "$dir/$out" | cut -f1)
  awk -v l="$label" -v s="$s" -v kb="$kb" -v pages="$pages" -v size="$size" \
    'BEGIN { printf "%-44s %6.2f s  %8.0f pages/s  %d pages, %.0f MB  peak %5.0f MB\n", l, s, pages / s, pages, size / 1e6, kb / 1024 }'
  rm -f "$tmp" "$tmp.out"
}
site_build "(d) build --no-pdf (the whole site, new)"
grep -E '^mail ' "$dir/timings.txt" | awk '{ printf "%-44s %6.2f s\n", "(g) build step: render every e-mail digest", $2 }' || true

# (g) Every prepared message at once: every schedule daily at 07:00 New York time, delivered at
# 07:05 into an outbox (nothing sent, no ledger).
cat > "$dir/delivery.yaml" <<'YAML'
from: "Benchmark <cs@example.com>"
timezone: America/New_York
lists:
  leadership: [vp-cs@example.com]
  executives: [ceo@example.com]
  board: [board@example.com]
schedules:
  weekly: { report: weekly, to: [leadership], daily: { at: "07:00" } }
  monthly: { report: monthly, to: [leadership], daily: { at: "07:00" } }
  quarterly: { report: quarterly, to: [leadership], daily: { at: "07:00" } }
  annual: { report: annual, to: [executives], daily: { at: "07:00" } }
  board: { report: board, to: [board], daily: { at: "07:00" } }
  csm: { report: csm, to: [csm], cc: [manager], daily: { at: "07:00" } }
  alerts: { report: alerts, daily: { at: "07:00" } }
YAML
outbox=$(mktemp -d)
tmp=$(mktemp)
/usr/bin/time -f "%e %M" -o "$tmp" "$bin" deliver --project "$dir" --site "$out" \
  --now 2026-11-02T07:05:00-05:00 --outbox "$outbox" > "$tmp.out" 2>&1 \
  || { cat "$tmp.out" >&2; echo "failed: deliver" >&2; exit 1; }
read -r s kb < <(tail -n 1 "$tmp")
n=$(find "$outbox" -name '*.eml' | wc -l)
bytes=$(du -sb "$outbox" | cut -f1)
awk -v s="$s" -v kb="$kb" -v n="$n" -v b="$bytes" \
  'BEGIN { printf "%-44s %6.2f s  %d messages, %.0f MB  peak %5.0f MB\n", "(g) deliver --outbox (every message)", s, n, b / 1e6, kb / 1024 }'
rm -rf "$outbox" "$tmp" "$tmp.out" "$dir/delivery.yaml"

site_build "(e) the same, replacing the site of (d)"
rm -rf "${dir:?}/$out"

# (h) The analytics: the churn and expansion models (training on every monthly snapshot, the
# time-based backtest and its baselines), the scores of every paying account, survival by
# segment, the drivers study and the renewal forecast from history; one run each.
once() {
  local label=$1 tmp s kb
  shift
  tmp=$(mktemp)
  /usr/bin/time -f "%e %M" -o "$tmp" "$@" > /dev/null 2>&1 || { echo "failed: $*" >&2; exit 1; }
  read -r s kb < <(tail -n 1 "$tmp")
  awk -v l="$label" -v s="$s" -v kb="$kb" 'BEGIN { printf "%-44s %6.2f s  peak %5.0f MB\n", l, s, kb / 1024 }'
  rm -f "$tmp"
}
once "(h) analyze churn-model (train + backtest)" "$bin" analyze churn-model --format json --project "$dir"
once "(h) analyze scores (train + score)" "$bin" analyze scores --format csv --project "$dir"
once "(h) analyze survival --by segment" "$bin" analyze survival --by segment --format csv --project "$dir"
once "(h) analyze drivers" "$bin" analyze drivers --format json --project "$dir"
once "(h) analyze renewals" "$bin" analyze renewals --format json --project "$dir"
pushdown
