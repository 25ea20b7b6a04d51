#!/usr/bin/env bash
# Node benchmark: the addon of the CMake build in ONELOOP_BUILD_DIR (default <repo>/build; target
# oneloop_node, brought up to date), undici (devDependency of node/), bench_node.mjs against the
# fixture server.
set -euo pipefail
HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
REPO="$(cd "$HERE/.." && pwd)"
export ONELOOP_BUILD_DIR="${ONELOOP_BUILD_DIR:-$REPO/build}"
cd "$REPO/node"
[ -d node_modules/undici ] || npm install --no-audit --no-fund --ignore-scripts
cmake --build "$ONELOOP_BUILD_DIR" --target oneloop_node -j2 >/dev/null ||
  { echo "run_node.sh: could not build the Node addon (target oneloop_node) in $ONELOOP_BUILD_DIR" >&2; exit 2; }
export ONELOOP_NODE_ADDON="$ONELOOP_BUILD_DIR/node/oneloop.node"
exec node "$HERE/bench_node.mjs" "$@"
