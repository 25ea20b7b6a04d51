#!/usr/bin/env bash
# Node benchmark: builds the addon against the core in ONELOOP_BUILD_DIR (default <repo>/build),
# installs undici (devDependency of node/), runs bench_node.mjs against the fixture server.
set -euo pipefail
HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
REPO="$(cd "$HERE/.." && pwd)"
export ONELOOP_BUILD_DIR="${ONELOOP_BUILD_DIR:-$REPO/build}"
cd "$REPO/node"
[ -d node_modules/undici ] || npm install --no-audit --no-fund --ignore-scripts
export ONELOOP_NODE_BUILD_DIR="$ONELOOP_BUILD_DIR/node-addon"
node scripts/build.js >/dev/null
export ONELOOP_NODE_ADDON="$ONELOOP_NODE_BUILD_DIR/oneloop.node"
exec node "$HERE/bench_node.mjs" "$@"
