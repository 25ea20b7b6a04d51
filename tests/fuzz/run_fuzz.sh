#!/bin/sh
# Build the HTTP libFuzzer harness with clang and run it for a bounded time (CI).
# Usage: tests/fuzz/run_fuzz.sh [seconds (default 60)]   Env: FUZZ_BUILD_DIR, FUZZ_JOBS
# Exits non-zero when the fuzzer finds a crash, leak, overread or UB (reproducer in the build).
set -eu
root=$(cd "$(dirname "$0")/../.." && pwd)
build=${FUZZ_BUILD_DIR:-$root/build-fuzz}
seconds=${1:-60}
CC=clang CXX=clang++ cmake -S "$root" -B "$build" -DCMAKE_BUILD_TYPE=RelWithDebInfo \
  -DONELOOP_FUZZ=ON -DONELOOP_BENCH=OFF >/dev/null
cmake --build "$build" --target fuzz_http -j"${FUZZ_JOBS:-2}"
corpus="$build/fuzz-corpus"
mkdir -p "$corpus" "$build/fuzz-artifacts"
cp "$root"/tests/fuzz/seeds/* "$corpus"/
exec "$build/tests/fuzz/fuzz_http" -max_total_time="$seconds" -timeout=10 -rss_limit_mb=2048 \
  -max_len=4096 -artifact_prefix="$build/fuzz-artifacts/" "$corpus"
