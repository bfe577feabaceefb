#!/usr/bin/env bash
# Benchmark: CSV import of N generated contacts (default 1,000,000) with the real CLI,
# into SQLite and into PostgreSQL. Prints rows/s and peak RSS (from /usr/bin/time or
# /proc); run from the repository root: bench/import.sh [ROWS]
set -euo pipefail
cd "$(dirname "$0")/.."
rows="${1:-1000000}"
pg_admin="${BOTE_TEST_POSTGRES_URL:-postgres://postgres@127.0.0.1:5432/postgres}"
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT

cargo build --release -q
bin=target/release/bote

python3 - "$rows" "$work/contacts.csv" <<'PY'
import sys
rows, path = int(sys.argv[1]), sys.argv[2]
groups = ["NEWS", "VIP", "KUNDEN", "WIEN", "GRAZ"]
with open(path, "w") as f:
    f.write("first_name,last_name,sms_number,whatsapp_number,groups,kundennr\n")
    for i in range(rows):
        sms = f"+43676{i:07d}"
        wa = f"+43664{i:07d}" if i % 3 == 0 else ""
        f.write(f"Vorname{i},Nachname{i % 1000},{sms},{wa},{groups[i % 5]},K{i}\n")
PY
echo "generated $rows rows ($(du -h "$work/contacts.csv" | cut -f1))"

run() { # name url
  local name=$1 url=$2
  "$bin" --database-url "$url" account create --name bench >/dev/null
  local start end
  start=$(date +%s.%N)
  /usr/bin/env time -f "%M" -o "$work/rss" "$bin" --database-url "$url" contacts import "$work/contacts.csv" --account bench 2>"$work/out"
  end=$(date +%s.%N)
  local secs rss
  secs=$(python3 -c "print(f'{$end - $start:.2f}')")
  rss=$(cat "$work/rss")
  printf '%-10s rows=%s seconds=%s rows_per_s=%s peak_rss_mb=%s\n' "$name" "$rows" "$secs" \
    "$(python3 -c "print(int($rows / ($end - $start)))")" "$(python3 -c "print(round($rss / 1024, 1))")"
  tail -n 1 "$work/out"
}

command -v time >/dev/null || { echo "needs GNU time (apt-get install time)"; exit 1; }
run sqlite "sqlite://$work/bench.db"
db="bote_bench_$$"
psql "$pg_admin" -qc "CREATE DATABASE $db" >/dev/null
run postgres "${pg_admin%/*}/$db"
psql "$pg_admin" -qc "DROP DATABASE $db" >/dev/null
