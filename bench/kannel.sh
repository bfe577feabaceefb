#!/usr/bin/env bash
# Benchmark: the same SMS loop through Kannel (Debian's package, bearerbox + smsbox) for
# comparison with bote: HTTP sendsms (dlr-mask 31, dlr-url per request) → SMPP to the
# node-smpp test SMSC → text receipt → Kannel's DLR callback at bote-bench's receiver.
# Installs kannel and the SMSC's node packages if missing; run from the repository root.
# Sizes (environment): MESSAGES (default 20000), PER_REQUEST (1; Kannel takes several
# space-separated numbers in `to`), CONCURRENCY (64), WINDOW (max-pending-submits, 256).
set -euo pipefail
cd "$(dirname "$0")/.."
if [ ! -x /usr/sbin/bearerbox ] || [ ! -x /usr/sbin/smsbox ]; then
  sudo_=""; [ "$(id -u)" = 0 ] || sudo_="sudo"
  $sudo_ apt-get update -q
  DEBIAN_FRONTEND=noninteractive $sudo_ apt-get install -y -q kannel
fi
# If the package starts a system Kannel service, it does not disturb this bench: the bench
# starts its own bearerbox and smsbox on free ports with its own kannel.conf.
if [ ! -d crates/channels/tests/smsc/node_modules ]; then
  npm ci --prefix crates/channels/tests/smsc --no-audit --no-fund
fi
cargo build --release -q -p bote-bench
echo "machine: $(nproc) cores; $(uptime)"
target/release/bote-bench kannel --messages "${MESSAGES:-20000}" \
  --per-request "${PER_REQUEST:-1}" --concurrency "${CONCURRENCY:-64}" \
  --smsc-window "${WINDOW:-256}" ${KANNEL_ARGS:-}
