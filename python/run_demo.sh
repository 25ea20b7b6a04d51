#!/usr/bin/env bash
# The README's demo: requests+threads vs aiohttp loop thread vs oneloop, 0 and 50 ms latency.
#   ONELOOP_BUILD_DIR  absolute CMake build dir (default <repo>/build)
set -euo pipefail
HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
REPO="$(cd "$HERE/.." && pwd)"
export ONELOOP_BUILD_DIR="${ONELOOP_BUILD_DIR:-$REPO/build}"
PY="${PYTHON:-python3}"
if [[ ! -x "$HERE/.venv/bin/python" ]]; then
    "$PY" -m venv "$HERE/.venv"
fi
VPY="$HERE/.venv/bin/python"
"$VPY" -m pip install -q cffi "setuptools>=68" wheel requests aiohttp
"$VPY" -m pip install -q --no-build-isolation --force-reinstall --no-deps "$HERE"
cd "$HERE/demo"
exec "$VPY" demo.py "$@"
