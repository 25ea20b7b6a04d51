#!/usr/bin/env bash
# tests/check_exports.sh can fail: on copies of the headers and map that disagree the way a
# forgotten entry would, it must fail and print the fix.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
lib=$1
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

expect_fail() {  # name, shell edit run in the copy, text the output must contain
  rm -rf "$tmp/root"; mkdir -p "$tmp/root/tests" "$tmp/root/core"
  cp "$here/check_exports.sh" "$tmp/root/tests/"
  cp -r "$here/../core/include" "$here/../core/oneloop.map" "$tmp/root/core/"
  (cd "$tmp/root" && eval "$2")
  if "$tmp/root/tests/check_exports.sh" "$lib" >"$tmp/out" 2>&1; then
    cat "$tmp/out"; echo "FAIL: $1 passed the exports check"; exit 1
  fi
  grep -qF -- "$3" "$tmp/out" || { cat "$tmp/out"; echo "FAIL: $1: no '$3' in the output"; exit 1; }
  echo "ok: $1 fails the exports check"
}
expect_fail header_function_missing_from_map \
  "echo 'OL_EXTERN int ol_selftest_new(void);' >> core/include/oneloop/loop.h" "    ol_selftest_new;"
expect_fail map_lists_undeclared_function \
  "sed -i 's/^    ol_wait_any;$/    ol_wait_any;\n    ol_selftest_gone;/' core/oneloop.map" "ol_selftest_gone"
expect_fail declared_without_OL_EXTERN \
  "echo 'int ol_selftest_hidden(void);' >> core/include/oneloop/loop.h" "without OL_EXTERN"
expect_fail export_by_pattern \
  "sed -i 's/^  local: \*;$/    ol_*;\n  local: *;/' core/oneloop.map" "by pattern"
