#!/usr/bin/env bash
# Benchmark: SMPP submit_sm throughput and end-to-end messages/s with receipts, bote's
# connector beside node-smpp's own client (bench/smpp/node_client.js), each against a
# fresh test SMSC (crates/channels/tests/smsc/smsc.js), in one run. Prints a table.
# Run from anywhere: bench/smpp.sh [N] [WINDOW]   (defaults 100000 and 64; also
# SMPP_BENCH_TASKS, SMPP_BENCH_ROWS, see crates/channels/benches/smpp_throughput.rs)
set -euo pipefail
cd "$(dirname "$0")/.."
export SMPP_BENCH_N="${1:-${SMPP_BENCH_N:-100000}}"
export SMPP_BENCH_WINDOW="${2:-${SMPP_BENCH_WINDOW:-64}}"

# The SMSC and the node client both use the smpp package pinned for the test SMSC.
SMSC_DIR=crates/channels/tests/smsc
if [ ! -d "$SMSC_DIR/node_modules" ] || ! cmp -s "$SMSC_DIR/package-lock.json" "$SMSC_DIR/node_modules/.package-lock.json.installed"; then
  npm ci --prefix "$SMSC_DIR" --no-audit --no-fund
  cp "$SMSC_DIR/package-lock.json" "$SMSC_DIR/node_modules/.package-lock.json.installed"
fi

# Release build (the bench profile) first, so the compile is not part of the run.
cargo bench -p bote-channels --bench smpp_throughput --no-run -q
echo "node $(node --version), $(nproc) cores; uptime:$(uptime | sed 's/.*up/ up/')"
cargo bench -p bote-channels --bench smpp_throughput -q
