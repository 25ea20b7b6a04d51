#!/usr/bin/env bash
# Python benchmark: installs oneloop and the peers (requests, aiohttp, asgiref, pycurl) in
# python/.venv and runs bench_python.py against the fixture server.
#   ONELOOP_BUILD_DIR  absolute CMake build dir (default <repo>/build)
set -euo pipefail
HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
REPO="$(cd "$HERE/.." && pwd)"
export ONELOOP_BUILD_DIR="${ONELOOP_BUILD_DIR:-$REPO/build}"
PY="${PYTHON:-python3}"
VENV="$REPO/python/.venv"
if [[ ! -x "$VENV/bin/python" ]]; then
    "$PY" -m venv "$VENV"
fi
"$VENV/bin/python" -m pip install -q cffi "setuptools>=68" wheel requests aiohttp asgiref pycurl
"$VENV/bin/python" -m pip install -q --no-build-isolation --force-reinstall --no-deps "$REPO/python"
cd "$HERE"
exec "$VENV/bin/python" bench_python.py "$@"
