#!/usr/bin/env bash
# Runs bench/bench_ruby.rb with the CMake build's Ruby extension (target oneloop_ruby), as
# ruby/run_tests.sh does.
#   ONELOOP_BUILD_DIR  the CMake build directory (absolute; default <repo>/build)
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
repo="$(cd "$here/.." && pwd)"
export ONELOOP_BUILD_DIR="${ONELOOP_BUILD_DIR:-$repo/build}"
ext_dir="$ONELOOP_BUILD_DIR/bindings/ruby"
server="$ONELOOP_BUILD_DIR/tests/fixture/ol_fixture_server"
if [[ ! -f "$ONELOOP_BUILD_DIR/CMakeCache.txt" ]]; then
  echo "run_ruby.sh: no CMake build in $ONELOOP_BUILD_DIR: run make build first" >&2
  exit 2
fi
cmake --build "$ONELOOP_BUILD_DIR" --target oneloop_ruby ol_fixture_server >/dev/null
if [[ ! -f "$ext_dir/oneloop_native.so" ]]; then
  echo "run_ruby.sh: $ext_dir/oneloop_native.so not built (are swig and ruby-dev installed?)" >&2
  exit 2
fi

export ONELOOP_RUBY_EXT_DIR="$ext_dir" ONELOOP_FIXTURE_SERVER="$server"
exec timeout 900 ruby -I"$repo/ruby/lib" "$here/bench_ruby.rb" "$@"
