#!/usr/bin/env bash
# Builds the addon against an existing core build and runs the node:test suite.
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
# One addon build per core build, so runs against different build dirs do not collide.
export ONELOOP_NODE_BUILD_DIR="$ONELOOP_BUILD_DIR/node-addon"
node scripts/build.js
export ONELOOP_NODE_ADDON="$ONELOOP_NODE_BUILD_DIR/oneloop.node"

exec node --test --test-concurrency=1 --test-timeout=120000 test/*.test.mjs
