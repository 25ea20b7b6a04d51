#!/usr/bin/env bash
# Build and test the Python package against an already built core.
#   ONELOOP_BUILD_DIR  absolute CMake build dir (default <repo>/build) holding
#                      core/liboneloop.so and tests/fixture/ol_fixture_server
#   PYTHON             the interpreter: a command or path (default python3, venv python/.venv),
#                      or a version such as 3.12 (found with pyenv; venv python/.venv-3.12).
#                      Each interpreter gets its own venv and its own build of the extension.
set -euo pipefail
HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
REPO="$(cd "$HERE/.." && pwd)"
export ONELOOP_BUILD_DIR="${ONELOOP_BUILD_DIR:-$REPO/build}"

if [[ ! -f "$ONELOOP_BUILD_DIR/core/liboneloop.so" ]]; then
    echo "run_tests.sh: $ONELOOP_BUILD_DIR/core/liboneloop.so not found (build the core first)" >&2
    exit 2
fi
if [[ -z "${PYTHON:-}" ]]; then
    PY=python3
    VENV="$HERE/.venv"
else
    PY="$PYTHON"
    if [[ "$PY" =~ ^[0-9]+\.[0-9]+$ ]]; then
        prefix="$(pyenv prefix "$PY" 2>/dev/null)" || {
            echo "run_tests.sh: no CPython $PY found (pyenv install $PY)" >&2
            exit 2
        }
        PY="$prefix/bin/python"
    fi
    VENV="$HERE/.venv-$("$PY" -c 'import sys; print("%d.%d" % sys.version_info[:2])')"
fi
if [[ ! -x "$VENV/bin/python" ]]; then
    "$PY" -m venv "$VENV"
fi
VPY="$VENV/bin/python"
echo "run_tests.sh: $("$VPY" -VV | head -1) in ${VENV#"$REPO"/}"
"$VPY" -m pip install -q --upgrade pip >/dev/null
"$VPY" -m pip install -q cffi "setuptools>=68" wheel pytest pytest-timeout django
# No build isolation: the build script reads ONELOOP_BUILD_DIR and compiles against the
# headers of this checkout, linking the shared library with an rpath.
"$VPY" -m pip install -q --no-build-isolation --force-reinstall --no-deps "$HERE"
"$VPY" -m pip install -q uvloop >/dev/null 2>&1 || echo "run_tests.sh: uvloop not installed; its test is skipped"

cd "$HERE"  # pytest's own script, not "python -m", so python/ is not put on sys.path
exec "$VENV/bin/pytest" -q -p no:cacheprovider --timeout=120 tests examples "$@"
