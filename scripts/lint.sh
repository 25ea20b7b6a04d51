#!/usr/bin/env bash
# Formatters and linters for every language in the tree (the files git tracks, so generated
# code, build directories, node_modules and virtualenvs are never looked at).
#   scripts/lint.sh          check only: fails on any finding or any file the formatters would change
#   scripts/lint.sh --fix    rewrite: clang-format, ruff format and import order, RuboCop's layout
# Tools: clang-format-14 and rubocop from Debian (scripts/install_deps.sh), ruff from PyPI in
# its own virtualenv under the build directory, ESLint from node/package.json.
set -euo pipefail
repo="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$repo"
fix=false
[ "${1:-}" = "--fix" ] && fix=true

RUFF_VERSION=0.17.6
build="${ONELOOP_BUILD_DIR:-$repo/build}"
venv="$build/lint-venv"
if [ ! -x "$venv/bin/ruff" ] || [ "$("$venv/bin/ruff" --version)" != "ruff $RUFF_VERSION" ]; then
  python3 -m venv "$venv"
  "$venv/bin/pip" install -q "ruff==$RUFF_VERSION"
fi
ruff=("$venv/bin/ruff")
ruff_config=(--config python/pyproject.toml)
if [ ! -x node/node_modules/.bin/eslint ]; then
  (cd node && npm install --no-audit --no-fund --ignore-scripts >/dev/null)
fi

mapfile -t c_files < <(git ls-files '*.c' '*.h' '*.cpp' '*.hpp')
mapfile -t py_files < <(git ls-files '*.py')
mapfile -t rb_files < <(git ls-files '*.rb' '*.gemspec')
mapfile -t js_files < <(git ls-files '*.js' '*.mjs' '*.cjs')

if $fix; then
  clang-format-14 -i "${c_files[@]}"
  "${ruff[@]}" check "${ruff_config[@]}" --select I --fix --quiet "${py_files[@]}"
  "${ruff[@]}" format "${ruff_config[@]}" --quiet "${py_files[@]}"
  rubocop --autocorrect --only Layout --force-exclusion --format quiet "${rb_files[@]}" || true
  exit 0
fi

failed=()
clang-format-14 --dry-run -Werror "${c_files[@]}" || failed+=(clang-format)
"${ruff[@]}" format "${ruff_config[@]}" --check --quiet "${py_files[@]}" || failed+=("ruff format")
"${ruff[@]}" check "${ruff_config[@]}" --quiet "${py_files[@]}" || failed+=("ruff check")
rubocop --force-exclusion --format quiet "${rb_files[@]}" || failed+=(rubocop)
node/node_modules/.bin/eslint --config node/eslint.config.js "${js_files[@]}" || failed+=(eslint)
if [ ${#failed[@]} -gt 0 ]; then
  echo "lint: findings from ${failed[*]} (scripts/lint.sh --fix, i.e. make format, fixes the layout)" >&2
  exit 1
fi
echo "lint: clean"
