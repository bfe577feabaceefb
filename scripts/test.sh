#!/usr/bin/env bash
# Runs bote's whole test suite on a fresh machine of the rust-svc kind: installs what the
# tests need that the machine lacks, checks the services they use, then runs every test on
# both stores (SQLite files made per test; a fresh PostgreSQL database per test).
set -euo pipefail
cd "$(dirname "$0")/.."

# The SMPP tests run a small Node.js SMSC; install its pinned packages when they are
# missing or its lock file changed since the last install.
SMSC_DIR=crates/channels/tests/smsc
if [ ! -d "$SMSC_DIR/node_modules" ] || ! cmp -s "$SMSC_DIR/package-lock.json" "$SMSC_DIR/node_modules/.package-lock.json.installed"; then
  npm ci --prefix "$SMSC_DIR" --no-audit --no-fund
  cp "$SMSC_DIR/package-lock.json" "$SMSC_DIR/node_modules/.package-lock.json.installed"
fi

# The websms Python client test (crates/server/tests/websms_python.rs) drives the published
# PyPI client; install its pinned packages into a venv when it is missing or its
# requirements changed since the last install.
PY_REQS=crates/server/tests/python/requirements.txt
PY_VENV=target/test-venv
if [ ! -x "$PY_VENV/bin/python" ] || ! cmp -s "$PY_REQS" "$PY_VENV/requirements.txt.installed"; then
  rm -rf "$PY_VENV"
  python3 -m venv "$PY_VENV"
  "$PY_VENV/bin/pip" install --quiet --disable-pip-version-check -r "$PY_REQS"
  cp "$PY_REQS" "$PY_VENV/requirements.txt.installed"
fi
export BOTE_TEST_PYTHON="$PWD/$PY_VENV/bin/python"

# The web interface's browser tests (crates/server/tests/web_browser.rs) drive Debian's
# headless Chromium through chromedriver; install both when the driver is missing.
if ! command -v chromedriver >/dev/null 2>&1; then
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium chromium-driver >/dev/null
fi

export BOTE_TEST_POSTGRES_URL="${BOTE_TEST_POSTGRES_URL:-postgres://postgres@127.0.0.1:5432/postgres}"

# PostgreSQL runs on this kind of machine before a session starts; start it only if it stopped.
if ! pg_isready -q -h 127.0.0.1 -p 5432 2>/dev/null; then
  echo "PostgreSQL is not answering on 127.0.0.1:5432; starting it" >&2
  pg_ctlcluster --skip-systemctl-redirect "$(ls /etc/postgresql | head -n1)" main start
  for _ in $(seq 1 30); do pg_isready -q -h 127.0.0.1 -p 5432 && break; sleep 1; done
fi

# Test databases of earlier runs.
psql "$BOTE_TEST_POSTGRES_URL" -qAtc \
  "SELECT 'DROP DATABASE IF EXISTS \"' || datname || '\";' FROM pg_database WHERE datname LIKE 'bote_test_%'" \
  | psql "$BOTE_TEST_POSTGRES_URL" -q >/dev/null 2>&1 || true

if command -v cargo-nextest >/dev/null 2>&1; then
  # nextest does not run doctests; run them first so the suite's summary ends the output
  cargo test --workspace --doc -q
  cargo nextest run --workspace --no-fail-fast "$@"
else
  cargo test --workspace --no-fail-fast "$@"
fi
