#!/usr/bin/env bash
# Runs the node:test suite against the CMake build: the addon is the target oneloop_node
# (node/CMakeLists.txt), brought up to date here, never built a second way.
#   ONELOOP_BUILD_DIR=/abs/build node/run_tests.sh   (default <repo>/build; make build)
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
repo="$(dirname "$here")"
export ONELOOP_BUILD_DIR="${ONELOOP_BUILD_DIR:-$repo/build}"
addon="$ONELOOP_BUILD_DIR/node/oneloop.node"
if [ ! -f "$ONELOOP_BUILD_DIR/CMakeCache.txt" ]; then
  echo "run_tests.sh: no CMake build in $ONELOOP_BUILD_DIR: run make build first" >&2
  exit 2
fi
cmake --build "$ONELOOP_BUILD_DIR" --target oneloop_node ol_fixture_server >/dev/null
if [ ! -f "$addon" ]; then
  echo "run_tests.sh: $addon not built (are Node's headers installed?)" >&2
  exit 2
fi

cd "$here"
if [ ! -d node_modules/undici ]; then
  npm install --no-audit --no-fund --ignore-scripts
fi
export ONELOOP_NODE_ADDON="$addon"

exec node --test --test-concurrency=1 --test-timeout=120000 test/*.test.mjs
