#!/bin/sh
# Build the libFuzzer harnesses with clang and run each for a bounded time (CI).
# Usage: tests/fuzz/run_fuzz.sh [total seconds (default: $FUZZ_SECONDS, else 60)]
# Env: FUZZ_BUILD_DIR, FUZZ_JOBS. The total is split: a third for fuzz_http (header parser and
# option setters, cheap runs), the rest for fuzz_http_transfer (real transfers over loopback,
# about a millisecond each). Exits non-zero when a harness finds a crash, hang, leak, overread
# or UB; the reproducer is written to $build/fuzz-artifacts/.
set -eu
root=$(cd "$(dirname "$0")/../.." && pwd)
build=${FUZZ_BUILD_DIR:-$root/build-fuzz}
seconds=${1:-${FUZZ_SECONDS:-60}}
parser_seconds=$(( seconds / 3 > 0 ? seconds / 3 : 1 ))
transfer_seconds=$(( seconds - parser_seconds > 0 ? seconds - parser_seconds : 1 ))
CC=clang CXX=clang++ cmake -S "$root" -B "$build" -DCMAKE_BUILD_TYPE=RelWithDebInfo \
  -DONELOOP_FUZZ=ON -DONELOOP_BENCH=OFF >/dev/null
cmake --build "$build" --target fuzz_http fuzz_http_transfer -j"${FUZZ_JOBS:-2}"
mkdir -p "$build/fuzz-artifacts"

# run_one NAME SECONDS SEEDS_DIR [libFuzzer flags...]: fuzz from the seeds plus the corpus kept
# by earlier runs in this build.
run_one() {
  name=$1 secs=$2 seeds=$3
  shift 3
  corpus="$build/fuzz-corpus/$name"
  mkdir -p "$corpus"
  cp "$seeds"/* "$corpus"/
  echo "== $name for ${secs}s"
  "$build/tests/fuzz/$name" -max_total_time="$secs" -rss_limit_mb=2048 \
    -artifact_prefix="$build/fuzz-artifacts/$name-" "$@" "$corpus"
}
run_one fuzz_http "$parser_seconds" "$root/tests/fuzz/seeds" -timeout=10 -max_len=4096
# A transfer is bounded by its own timeout (3 s, never reached when the server closes at once)
# and by the harness's 15 s bound on settling, so -timeout only catches a stuck harness.
run_one fuzz_http_transfer "$transfer_seconds" "$root/tests/fuzz/seeds-transfer" -timeout=60 \
  -max_len=8192
