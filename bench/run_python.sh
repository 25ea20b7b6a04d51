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
"$VENV/bin/python" -m pip install -q cffi "setuptools>=68" wheel requests aiohttp asgiref
# pycurl compiled against the system libcurl, the one oneloop uses: PyPI's pycurl wheel bundles
# its own, much newer libcurl, and the comparison would then measure two libcurl versions
# instead of two ways of driving one.
SYSTEM_CURL="libcurl/$(curl-config --version | awk '{print $2}')"
if ! "$VENV/bin/python" -c "import pycurl, sys; sys.exit('$SYSTEM_CURL ' not in pycurl.version + ' ')" 2>/dev/null; then
    "$VENV/bin/python" -m pip install -q --force-reinstall --no-binary pycurl pycurl
fi
"$VENV/bin/python" -m pip install -q --no-build-isolation --force-reinstall --no-deps "$REPO/python"
cd "$HERE"
exec "$VENV/bin/python" bench_python.py "$@"
