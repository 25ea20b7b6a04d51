#!/usr/bin/env bash
# Runs bench/bench_ruby.rb: builds the Ruby extension like ruby/run_tests.sh, then the benchmark.
#   ONELOOP_BUILD_DIR  the core's CMake build directory (absolute; default <repo>/build)
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
repo="$(cd "$here/.." && pwd)"
export ONELOOP_BUILD_DIR="${ONELOOP_BUILD_DIR:-$repo/build}"
server="$ONELOOP_BUILD_DIR/tests/fixture/ol_fixture_server"
[[ -x "$server" ]] || { echo "run_ruby.sh: $server not found: build the core first" >&2; exit 2; }

ext_dir="$ONELOOP_BUILD_DIR/ruby-ext"
mkdir -p "$ext_dir"
(
  cd "$ext_dir"
  ruby "$repo/ruby/ext/oneloop/extconf.rb" > extconf.out 2>&1 || { cat extconf.out >&2; exit 1; }
  make -s V=0 > make.out 2>&1 || { cat make.out >&2; exit 1; }
)
export ONELOOP_RUBY_EXT_DIR="$ext_dir" ONELOOP_FIXTURE_SERVER="$server"
exec timeout 900 ruby -I"$repo/ruby/lib" "$here/bench_ruby.rb" "$@"
