#!/usr/bin/env bash
# The whole benchmark suite of issue 7 in one command, ending in one table against the
# targets. Run from the repository root: bench/all.sh
#   1. End to end SMS, bote (SQLite, PostgreSQL) beside Kannel 1.4.5 (bench/compare.sh).
#   2. WhatsApp template broadcast to CONTACTS opted-in contacts (default 1,000,000) from
#      NUMBERS business numbers (default 25) at 1,000/s each → Graph API stand-in.
#   3. Inbound: WEBHOOK_MESSAGES signed webhook messages (default 20,000) with keywords.
# Environment: MESSAGES (benchmark 1, default 20000), CONTACTS, NUMBERS, WEBHOOK_MESSAGES,
# STORES ("sqlite postgres"), BOTE_TEST_POSTGRES_URL. Takes 15–30 minutes on 2 cores.
set -euo pipefail
cd "$(dirname "$0")/.."
contacts="${CONTACTS:-1000000}"
numbers="${NUMBERS:-25}"
webhook_messages="${WEBHOOK_MESSAGES:-20000}"
stores="${STORES:-sqlite postgres}"
pg_admin="${BOTE_TEST_POSTGRES_URL:-postgres://postgres@127.0.0.1:5432/postgres}"

out="$(mktemp)"
trap 'rm -f "$out"' EXIT
bench/compare.sh | tee -a "$out"
echo
for store in $stores; do
  target/release/bote-bench broadcast --bote target/release/bote --database "$store" \
    --contacts "$contacts" --numbers "$numbers" --postgres-url "$pg_admin" | tee -a "$out" || true
  echo
done
for store in $stores; do
  target/release/bote-bench webhooks --bote target/release/bote --database "$store" \
    --messages "$webhook_messages" --concurrency 32 --postgres-url "$pg_admin" | tee -a "$out" || true
  echo
done

# RESULT lines: benchmark 1 "bote (…)"/"Kannel …" name, msg/s, p99 ms, RSS MB, …;
# benchmark 2 "broadcast <store>", msg/s, expand s, RSS MB, calls; 3 "webhooks <store>",
# msg/s, p99 ms, RSS MB, stored.
echo "Summary against the targets of issue 7 (2 cores; load generator, SMSC and stand-in share them):"
awk -F'\t' '
  $1 == "RESULT" && $2 ~ /^Kannel.*\(1 per request/ { kannel = $3 }
  $1 == "RESULT" { line[++k] = $0 }
  END {
    print "| benchmark | system | figure | target | met |"
    print "| --- | --- | --- | --- | --- |"
    for (i = 1; i <= k; i++) {
      split(line[i], f, "\t")
      if (f[2] ~ /^bote \(/) {
        ratio = kannel > 0 ? f[3] / kannel : 0
        printf "| 1 end-to-end SMS | %s | %d msg/s, %.2f × Kannel (1/request), p99 %d ms, %d MB | ≥ 10 × Kannel | %s |\n", f[2], f[3], ratio, f[4], f[5], (ratio >= 10 ? "yes" : "no")
      } else if (f[2] ~ /^Kannel/) {
        printf "| 1 end-to-end SMS | %s | %d msg/s, p99 %d ms, %d MB | (peer) | |\n", f[2], f[3], f[4], f[5]
      } else if (f[2] ~ /^broadcast/) {
        printf "| 2 WhatsApp broadcast | bote %s | %d msg/s sustained, expanded in %.1f s, %d MB, %d calls | ≥ 20,000 msg/s, < 300 MB | %s |\n", substr(f[2], 11), f[3], f[4], f[5], f[6], (f[3] >= 20000 && f[5] < 300 ? "yes" : "no")
      } else if (f[2] ~ /^webhooks/) {
        printf "| 3 inbound webhooks | bote %s | %d msg/s, p99 %.0f ms, %d MB, %d stored | ≥ 10,000 msg/s | %s |\n", substr(f[2], 10), f[3], f[4], f[5], f[6], (f[3] >= 10000 ? "yes" : "no")
      }
    }
  }' "$out"
