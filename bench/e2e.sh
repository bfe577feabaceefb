#!/usr/bin/env bash
# Benchmark: end to end through the real `bote serve`: websms requests of 1,000 recipients
# → sandbox channel → final status → delivery-report callback at a local receiver, on SQLite
# and on PostgreSQL. Prints messages/s, acceptance latency, peak RSS and the tool's own
# ceilings; run from the repository root: bench/e2e.sh
# Sizes (environment): MESSAGES (default 50000), PER_REQUEST (1000), CONCURRENCY (4),
# DELAY_MS (sandbox delivery delay, 0), STORES ("sqlite postgres"), BOTE_TEST_POSTGRES_URL,
# E2E_ARGS (more bote-bench e2e flags, e.g. "--watch-stages --bote-env BOTE_LOG=debug").
set -euo pipefail
cd "$(dirname "$0")/.."
messages="${MESSAGES:-50000}"
per_request="${PER_REQUEST:-1000}"
concurrency="${CONCURRENCY:-4}"
delay_ms="${DELAY_MS:-0}"
stores="${STORES:-sqlite postgres}"
pg_admin="${BOTE_TEST_POSTGRES_URL:-postgres://postgres@127.0.0.1:5432/postgres}"

cargo build --release -q -p bote -p bote-bench

echo "machine: $(nproc) cores; $(uptime)"
for store in $stores; do
  # shellcheck disable=SC2086
  target/release/bote-bench e2e --bote target/release/bote --database "$store" \
    --messages "$messages" --per-request "$per_request" --concurrency "$concurrency" \
    --delivery-delay-ms "$delay_ms" --postgres-url "$pg_admin" ${E2E_ARGS:-}
  echo
done
