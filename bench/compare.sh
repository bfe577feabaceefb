#!/usr/bin/env bash
# Benchmark: bote (SQLite, PostgreSQL) against Kannel 1.4.5, the whole SMS loop, same
# node-smpp test SMSC setup and the same message count in one run:
#   HTTP request → SMPP submit_sm → text receipt (deliver_sm) → final status → callback.
# bote: `bote-bench e2e --smsc node` (websms, 1,000 recipients per request);
# Kannel: `bote-bench kannel` (sendsms, 1 recipient per request, and 1,000 per request).
# Prints one table: end-to-end msg/s, p99 acceptance latency, peak RSS, ratio to Kannel,
# and the ceilings of the SMSC (messages per CPU second) and of bote-bench's receiver.
# Run from the repository root. Environment: MESSAGES (default 20000), SMSC_PROCS (1),
# STORES ("sqlite postgres"), KANNEL_CONCURRENCY (64), BOTE_TEST_POSTGRES_URL.
# Installs kannel (apt-get) and the SMSC's node packages if missing.
set -euo pipefail
cd "$(dirname "$0")/.."
messages="${MESSAGES:-20000}"
procs="${SMSC_PROCS:-1}"
stores="${STORES:-sqlite postgres}"
kc="${KANNEL_CONCURRENCY:-64}"
pg_admin="${BOTE_TEST_POSTGRES_URL:-postgres://postgres@127.0.0.1:5432/postgres}"

if [ ! -x /usr/sbin/bearerbox ] || [ ! -x /usr/sbin/smsbox ]; then
  sudo_=""; [ "$(id -u)" = 0 ] || sudo_="sudo"
  $sudo_ apt-get update -q
  DEBIAN_FRONTEND=noninteractive $sudo_ apt-get install -y -q kannel
fi
if [ ! -d crates/channels/tests/smsc/node_modules ]; then
  npm ci --prefix crates/channels/tests/smsc --no-audit --no-fund
fi
cargo build --release -q -p bote -p bote-bench

out="$(mktemp)"
trap 'rm -f "$out"' EXIT
echo "machine: $(nproc) cores; before: $(uptime)"
for store in $stores; do
  target/release/bote-bench e2e --bote target/release/bote --database "$store" \
    --messages "$messages" --per-request 1000 --concurrency 4 --postgres-url "$pg_admin" \
    --smsc node --smsc-procs "$procs" | tee -a "$out" || true
  echo
done
target/release/bote-bench kannel --messages "$messages" --per-request 1 \
  --concurrency "$kc" | tee -a "$out" || true
echo
target/release/bote-bench kannel --messages "$messages" --per-request 1000 \
  --concurrency 4 | tee -a "$out" || true
echo "after: $(uptime)"
echo
# RESULT lines: name, msg/s, p99 ms, peak RSS MB, SMSC msg per CPU s, receiver cb/s, messages
awk -F'\t' -v n="$messages" '
  $1 == "RESULT" { name[++k] = $2; rate[k] = $3; p99[k] = $4; rss[k] = $5; smsc[k] = $6; recv[k] = $7; got[k] = $8
                   if ($2 ~ /^Kannel.*\(1 per request/) kbase = $3
                   if ($2 ~ /^Kannel/ && $3 > kbest) kbest = $3 }
  END {
    printf "| system | messages done of %d | end-to-end msg/s | p99 acceptance ms | peak RSS MB | × Kannel (1/request) | × best Kannel | SMSC ceiling msg/CPU-s |\n", n
    print "| --- | --- | --- | --- | --- | --- | --- | --- |"
    for (i = 1; i <= k; i++)
      printf "| %s | %d | %d | %d | %d | %s | %s | %d |\n", name[i], got[i], rate[i], p99[i], rss[i],
        (kbase > 0 ? sprintf("%.2f", rate[i] / kbase) : "-"), (kbest > 0 ? sprintf("%.2f", rate[i] / kbest) : "-"), smsc[i]
    for (i = 1; i <= k; i++) if (recv[i] > 0) { printf "bote-bench receiver ceiling: %d callbacks/s (%s run)\n", recv[i], name[i] }
  }' "$out"
