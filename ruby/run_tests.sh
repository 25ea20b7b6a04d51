#!/usr/bin/env bash
# Runs the minitest suite against the CMake build: the SWIG extension is the target
# oneloop_ruby (bindings/CMakeLists.txt), brought up to date here, never built a second way.
#   ONELOOP_BUILD_DIR  the CMake build directory (absolute; default <repo>/build; make build)
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
repo="$(cd "$here/.." && pwd)"
export ONELOOP_BUILD_DIR="${ONELOOP_BUILD_DIR:-$repo/build}"
ext_dir="$ONELOOP_BUILD_DIR/bindings/ruby"
server="$ONELOOP_BUILD_DIR/tests/fixture/ol_fixture_server"
if [[ ! -f "$ONELOOP_BUILD_DIR/CMakeCache.txt" ]]; then
  echo "run_tests.sh: no CMake build in $ONELOOP_BUILD_DIR: run make build first" >&2
  exit 2
fi
cmake --build "$ONELOOP_BUILD_DIR" --target oneloop_ruby ol_fixture_server >/dev/null
if [[ ! -f "$ext_dir/oneloop_native.so" ]]; then
  echo "run_tests.sh: $ext_dir/oneloop_native.so not built (are swig and ruby-dev installed?)" >&2
  exit 2
fi

export ONELOOP_RUBY_EXT_DIR="$ext_dir"
export ONELOOP_FIXTURE_SERVER="$server"
# Every test file in one process (C25: one executor); bounded so a hang fails instead.
# Extra arguments go to minitest (e.g. -n /C24/ or -v).
exec timeout --kill-after=10 600 ruby -w -I"$here/lib" -I"$here/test" \
  -e 'Dir[File.join(ARGV.shift, "test_*.rb")].sort.each { |f| require f }' "$here/test" "$@"
