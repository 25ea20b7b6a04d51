#!/usr/bin/env bash
# tests/check_abi.sh can fail: against baselines edited to differ from the library the way a
# break would (a function the library no longer has, a struct that was larger, an enumerator
# that had another value), it must fail and name the difference.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
lib=$1
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
base=$here/../core/abi/oneloop-0.1.abi

expect_break() {  # name, sed script applied to the baseline, text the report must contain
  sed "$2" "$base" >"$tmp/$1.abi"
  cmp -s "$base" "$tmp/$1.abi" && { echo "FAIL: $1: the edit changed nothing"; exit 1; }
  if ONELOOP_ABI_BASELINE="$tmp/$1.abi" "$here/check_abi.sh" "$lib" >"$tmp/$1.log" 2>&1; then
    cat "$tmp/$1.log"; echo "FAIL: $1 passed the ABI check"; exit 1
  fi
  grep -q "$3" "$tmp/$1.log" || { cat "$tmp/$1.log"; echo "FAIL: $1: no '$3' in the report"; exit 1; }
  echo "ok: $1 fails the ABI check"
}
expect_break removed_function "s/'ol_wait_any'/'ol_wait_gone'/g" "ol_wait_gone"
expect_break renumbered_enumerator "s/name='OL_EAGAIN' value='-9'/name='OL_EAGAIN' value='-99'/" \
  "ol_status::OL_EAGAIN=-99"
# ol_http_timing was one int64_t longer: its size and its last field's offset change.
expect_break struct_layout "/<class-decl name='ol_http_timing'/s/size-in-bits='\([0-9]*\)'/size-in-bits='9999'/" \
  "ol_http_timing"
