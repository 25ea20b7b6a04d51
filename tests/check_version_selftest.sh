#!/usr/bin/env bash
# scripts/version.py --check can fail: in a copy of the files that carry the version, each
# place changed alone must make it fail naming that place; --write must then repair it.
set -euo pipefail
repo=$(cd "$(dirname "$0")/.." && pwd)
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
files=(scripts/version.py core/include/oneloop/common.h CMakeLists.txt python/pyproject.toml
       python/oneloop/__init__.py ruby/oneloop.gemspec ruby/lib/oneloop/version.rb
       node/package.json node/package-lock.json)

expect_fail() {  # name, shell edit run in the copy, text the output must contain
  rm -rf "$tmp/root"
  for f in "${files[@]}"; do mkdir -p "$tmp/root/$(dirname "$f")"; cp "$repo/$f" "$tmp/root/$f"; done
  (cd "$tmp/root" && eval "$2")
  if python3 "$tmp/root/scripts/version.py" --check >"$tmp/out" 2>&1; then
    cat "$tmp/out"; echo "FAIL: $1 passed the version check"; exit 1
  fi
  grep -qF -- "$3" "$tmp/out" || { cat "$tmp/out"; echo "FAIL: $1: no '$3' in the output"; exit 1; }
  echo "ok: $1 fails the version check"
}
expect_fail header_string "sed -i 's/^#define OL_VERSION_STRING .*/#define OL_VERSION_STRING \"9.9.9\"/' core/include/oneloop/common.h" \
  "core/include/oneloop/common.h: '9.9.9'"
expect_fail python "sed -i 's/^__version__ = .*/__version__ = \"9.9.9\"/' python/oneloop/__init__.py" \
  "python/oneloop/__init__.py: '9.9.9'"
expect_fail ruby "sed -i 's/VERSION = .*/VERSION = \"9.9.9\"/' ruby/lib/oneloop/version.rb" \
  "ruby/lib/oneloop/version.rb: '9.9.9'"
expect_fail node "sed -i 's/^  \"version\": .*/  \"version\": \"9.9.9\",/' node/package.json" \
  "node/package.json: '9.9.9'"
expect_fail cmake_literal "sed -i 's/^project(oneloop VERSION .*/project(oneloop VERSION 9.9.9/' CMakeLists.txt" \
  "CMakeLists.txt: repeats the version"
# The header's MAJOR/MINOR/PATCH moved on: every copy is stale until --write.
expect_fail header_bump "sed -i 's/^#define OL_VERSION_MINOR .*/#define OL_VERSION_MINOR 7/' core/include/oneloop/common.h" \
  "node/package-lock.json: '$(python3 "$repo/scripts/version.py")', expected '0.7.0'"
python3 "$tmp/root/scripts/version.py" --write >/dev/null
python3 "$tmp/root/scripts/version.py" --check
