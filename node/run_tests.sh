#!/usr/bin/env bash
# Runs the node:test suite against the addon of a CMake build (`make build`: the core, the
# fixture server and the addon, target oneloop_node, all in one build directory).
#   ONELOOP_BUILD_DIR=/abs/build node/run_tests.sh
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
repo="$(dirname "$here")"
export ONELOOP_BUILD_DIR="${ONELOOP_BUILD_DIR:-$repo/build}"
for f in "$ONELOOP_BUILD_DIR/core/liboneloop.so" "$ONELOOP_BUILD_DIR/tests/fixture/ol_fixture_server"; do
  [ -e "$f" ] || { echo "run_tests.sh: missing $f (build the core and the fixture first)" >&2; exit 2; }
done

cd "$here"
if [ ! -d node_modules/undici ]; then
  npm install --no-audit --no-fund --ignore-scripts
fi
# The build's own addon, brought up to date (never a second build of it elsewhere).
cmake --build "$ONELOOP_BUILD_DIR" --target oneloop_node -j2 >/dev/null ||
  { echo "run_tests.sh: could not build the Node addon (target oneloop_node) in $ONELOOP_BUILD_DIR" >&2; exit 2; }
export ONELOOP_NODE_ADDON="$ONELOOP_BUILD_DIR/node/oneloop.node"

exec node --test --test-concurrency=1 --test-timeout=120000 test/*.test.mjs
