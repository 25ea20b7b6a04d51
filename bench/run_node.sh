#!/usr/bin/env bash
# Node benchmark: bench_node.mjs against the fixture server, with the CMake build's addon (target
# oneloop_node), as node/run_tests.sh does, and undici (devDependency of node/).
#   ONELOOP_BUILD_DIR  the CMake build directory (absolute; default <repo>/build)
set -euo pipefail
HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
REPO="$(cd "$HERE/.." && pwd)"
export ONELOOP_BUILD_DIR="${ONELOOP_BUILD_DIR:-$REPO/build}"
addon="$ONELOOP_BUILD_DIR/node/oneloop.node"
if [ ! -f "$ONELOOP_BUILD_DIR/CMakeCache.txt" ]; then
  echo "run_node.sh: no CMake build in $ONELOOP_BUILD_DIR: run make build first" >&2
  exit 2
fi
cmake --build "$ONELOOP_BUILD_DIR" --target oneloop_node ol_fixture_server >/dev/null
if [ ! -f "$addon" ]; then
  echo "run_node.sh: $addon not built (are Node's headers installed?)" >&2
  exit 2
fi
cd "$REPO/node"
[ -d node_modules/undici ] || npm install --no-audit --no-fund --ignore-scripts
export ONELOOP_NODE_ADDON="$addon"
exec node "$HERE/bench_node.mjs" "$@"
