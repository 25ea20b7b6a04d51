#!/usr/bin/env bash
# Build and test the Python package against an already built core.
#   ONELOOP_BUILD_DIR  absolute CMake build dir (default <repo>/build) holding
#                      core/liboneloop.so and tests/fixture/ol_fixture_server
set -euo pipefail
HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
REPO="$(cd "$HERE/.." && pwd)"
export ONELOOP_BUILD_DIR="${ONELOOP_BUILD_DIR:-$REPO/build}"
PY="${PYTHON:-python3}"

if [[ ! -f "$ONELOOP_BUILD_DIR/core/liboneloop.so" ]]; then
    echo "run_tests.sh: $ONELOOP_BUILD_DIR/core/liboneloop.so not found (build the core first)" >&2
    exit 2
fi
if [[ ! -x "$HERE/.venv/bin/python" ]]; then
    "$PY" -m venv "$HERE/.venv"
fi
VPY="$HERE/.venv/bin/python"
"$VPY" -m pip install -q --upgrade pip >/dev/null
"$VPY" -m pip install -q cffi "setuptools>=68" wheel pytest pytest-timeout django
# No build isolation: the build script reads ONELOOP_BUILD_DIR and compiles against the
# headers of this checkout, linking the shared library with an rpath.
"$VPY" -m pip install -q --no-build-isolation --force-reinstall --no-deps "$HERE"
"$VPY" -m pip install -q uvloop >/dev/null 2>&1 || echo "run_tests.sh: uvloop not installed; its test is skipped"

cd "$HERE"  # pytest's own script, not "python -m", so python/ is not put on sys.path
exec "$HERE/.venv/bin/pytest" -q -p no:cacheprovider --timeout=120 tests examples "$@"
