#!/usr/bin/env bash
# Builds the core and its Catch2 tests with a sanitizer and runs them.
#   scripts/sanitize.sh address,undefined | thread
set -euo pipefail
cd "$(dirname "$0")/.."
kind=$1
dir=build-${kind%%,*}
dir=${dir/address/asan}
dir=${dir/thread/tsan}
cmake -S . -B "$dir" -DCMAKE_BUILD_TYPE=Debug -DONELOOP_SANITIZE="$kind" -DONELOOP_BENCH=OFF >/dev/null
cmake --build "$dir" -j"${JOBS:-2}" --target test_core exit_with_jobs test_http test_http_dns ol_fixture_server
export UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1
export ASAN_OPTIONS=detect_leaks=1:abort_on_error=0
# TSan cannot follow fork() in a multi-threaded process ("starting new threads after
# multi-threaded fork is not supported"), so the fork cases run in the other builds only.
export TSAN_OPTIONS=halt_on_error=1:second_deadlock_stack=1
filter=()
[ "$kind" = thread ] && filter=('~[fork]')
# The stress cases are scaled down: sanitizers are 5-20x slower.
export OL_STRESS_JOBS=${OL_STRESS_JOBS:-10000}
"$dir/tests/test_core" "${filter[@]}"
if [ -x "$dir/tests/test_http" ]; then
  "$dir/tests/test_http" "${filter[@]}"
fi
if [ -x "$dir/tests/test_http_dns" ]; then
  "$dir/tests/test_http_dns"
fi
