#!/usr/bin/env bash
# Runs every cargo-fuzz target in fuzz/ for a bounded time (default 20 s each; set
# BOTE_FUZZ_SECONDS), starting from the cases kept in fuzz/regressions/<target>/. Installs
# cargo-fuzz when missing. libFuzzer needs unstable compiler flags: RUSTC_BOOTSTRAP lets the
# stable toolchain accept them. A failure leaves the input in fuzz/artifacts/<target>/:
# fix the bug, then keep the input in fuzz/regressions/<target>/ so the test suite replays it.
set -euo pipefail
cd "$(dirname "$0")/.."
SECONDS_EACH="${BOTE_FUZZ_SECONDS:-20}"
command -v cargo-fuzz >/dev/null 2>&1 || cargo install cargo-fuzz --locked --quiet
export RUSTC_BOOTSTRAP=1
targets=$(cargo fuzz list --fuzz-dir fuzz)
cargo fuzz build --fuzz-dir fuzz -O -s none
for t in $targets; do
  corpus="target/fuzz-corpus/$t"
  mkdir -p "$corpus"
  echo "fuzzing $t for ${SECONDS_EACH}s"
  cargo fuzz run --fuzz-dir fuzz -O -s none "$t" "$corpus" "fuzz/regressions/$t" -- \
    -max_total_time="$SECONDS_EACH" -rss_limit_mb=1024 -max_len=4096 -print_final_stats=1 2>&1 \
    | grep -E "^(stat::number_of_executed_units|==|SUMMARY|.*panicked)" || true
  # cargo fuzz exits non-zero on a finding; pipefail is masked by grep, so check artifacts.
  if compgen -G "fuzz/artifacts/$t/*" >/dev/null; then
    echo "fuzz target $t found a failing input: fuzz/artifacts/$t/" >&2
    exit 1
  fi
done
