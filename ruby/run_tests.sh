#!/usr/bin/env bash
# Builds the SWIG extension against an already built core and runs the minitest suite.
#   ONELOOP_BUILD_DIR  the core's CMake build directory (absolute; default <repo>/build)
# The extension (and the generated wrapper) go to $ONELOOP_BUILD_DIR/ruby-ext, never the source.
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
repo="$(cd "$here/.." && pwd)"
export ONELOOP_BUILD_DIR="${ONELOOP_BUILD_DIR:-$repo/build}"

lib="$ONELOOP_BUILD_DIR/core/liboneloop.so"
server="$ONELOOP_BUILD_DIR/tests/fixture/ol_fixture_server"
[[ -f "$lib" ]] || { echo "run_tests.sh: $lib not found: build the core first" >&2; exit 2; }
[[ -x "$server" ]] || { echo "run_tests.sh: $server not found: build the core first" >&2; exit 2; }

ext_dir="$ONELOOP_BUILD_DIR/ruby-ext"
mkdir -p "$ext_dir"
(
  cd "$ext_dir"
  ruby "$here/ext/oneloop/extconf.rb" > extconf.out 2>&1 || { cat extconf.out mkmf.log >&2; exit 1; }
  make -s V=0 > make.out 2>&1 || { cat make.out >&2; exit 1; }
)

export ONELOOP_RUBY_EXT_DIR="$ext_dir"
export ONELOOP_FIXTURE_SERVER="$server"
# Every test file in one process (C25: one executor); bounded so a hang fails instead.
# Extra arguments go to minitest (e.g. -n /C24/ or -v).
exec timeout --kill-after=10 600 ruby -w -I"$here/lib" -I"$here/test" \
  -e 'Dir[File.join(ARGV.shift, "test_*.rb")].sort.each { |f| require f }' "$here/test" "$@"
