#!/usr/bin/env bash
# The exported symbols are exactly the functions the public headers declare, listed one by one
# in core/oneloop.map (no pattern: a new function must be added to the map on purpose, in the
# version node of the release that adds it), and the shared library exports those and nothing
# else (no libuv, libcurl or helper symbols).
#   tests/check_exports.sh build/core/liboneloop.so   check the map and the library
#   tests/check_exports.sh --headers                  print the functions the headers declare
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
map=core/oneloop.map
# The node that takes functions added since the last release (core/ABI.md). Raise it when a
# release ships with it: ONELOOP_0.2 becomes frozen and the next additions go to ONELOOP_0.3.
new_node=ONELOOP_0.2
released_node=ONELOOP_0

# Names of the functions declared with OL_EXTERN (the name may sit on the line after it).
header_functions() {
  awk '/OL_EXTERN/ && !/#[ \t]*define/ { pending = 1 }
       pending && match($0, /ol_[A-Za-z0-9_]+[ \t]*\(/) {
         name = substr($0, RSTART, RLENGTH); sub(/[ \t]*\($/, "", name); print name; pending = 0
       }' "$root"/core/include/oneloop.h "$root"/core/include/oneloop/*.h | sort -u
}

# Every symbol core/oneloop.map lists, whatever its node (comments skipped).
map_symbols() {
  awk '/^[ \t]*\/\*/, /\*\// { next }
       /^[ \t]+[A-Za-z_][A-Za-z0-9_]*;/ { sym = $1; sub(/;.*/, "", sym); print sym }' \
    "$root/$map" | sort -u
}

if [ "${1:-}" = "--headers" ]; then header_functions; exit 0; fi
lib=${1:?usage: check_exports.sh path/to/liboneloop.so | --headers}
fail=0
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
header_functions >"$tmp/headers"
map_symbols >"$tmp/map"

# A declaration at the start of a line without OL_EXTERN would be hidden (not exported).
no_extern=$(grep -nE '^[A-Za-z_].*\bol_[A-Za-z0-9_]+[ \t]*\(' \
              "$root"/core/include/oneloop.h "$root"/core/include/oneloop/*.h \
            | grep -vE '^[^:]*:[0-9]+:(OL_EXTERN|typedef|static|#)' | sed "s|^$root/||" || true)
if [ -n "$no_extern" ]; then
  fail=1; echo "FAIL: public functions declared without OL_EXTERN (they would not be exported):"
  sed 's/^/    /' <<<"$no_extern"
fi

if grep -q '\*[ \t]*;' <(grep -v '^[ \t]*local:' "$root/$map" | grep -v '^[ \t]*/\?\*'); then
  echo "FAIL: $map exports by pattern; list each function by name instead"; fail=1
fi

missing=$(comm -23 "$tmp/headers" "$tmp/map")
if [ -n "$missing" ]; then
  fail=1
  echo "FAIL: the public headers declare functions that $map does not export."
  if grep -q "^$new_node[ \t]*{" "$root/$map"; then
    echo "Add these lines under 'global:' in the $new_node node of $map (keep it sorted):"
    sed 's/^/    /; s/$/;/' <<<"$missing"
  else
    echo "Add this node at the end of $map (functions new since 0.1 never go into $released_node):"
    echo; echo "$new_node {"; echo "  global:"; sed 's/^/    /; s/$/;/' <<<"$missing"
    echo "} $released_node;"; echo
  fi
fi

extra=$(comm -13 "$tmp/headers" "$tmp/map")
if [ -n "$extra" ]; then
  fail=1
  echo "FAIL: $map lists functions that no public header (core/include) declares with OL_EXTERN."
  echo "Declare them in core/include/oneloop/*.h, or delete these lines from $map"
  echo "(deleting a released function breaks the ABI: see core/ABI.md):"
  sed 's/^/    /; s/$/;/' <<<"$extra"
fi

# The library itself: ol_* from the map, nothing else.
nm -D --defined-only "$lib" | awk '{print $3}' | sed 's/@.*//' | sort -u >"$tmp/lib"
bad=$(grep -v -e '^ol_' -e '^ONELOOP_[0-9.]*$' "$tmp/lib" || true)
if [ -n "$bad" ]; then
  fail=1; echo "FAIL: unexpected exported symbols in $lib:"; echo "$bad"
fi
unexported=$(comm -23 "$tmp/map" "$tmp/lib")
if [ -n "$unexported" ]; then
  fail=1
  echo "FAIL: $map lists functions that $lib does not export (not defined, or defined without"
  echo "OL_EXTERN / with static):"; sed 's/^/    /' <<<"$unexported"
fi
unlisted=$(grep '^ol_' "$tmp/lib" | comm -23 - "$tmp/map")
if [ -n "$unlisted" ]; then
  fail=1; echo "FAIL: $lib exports functions $map does not list:"; sed 's/^/    /' <<<"$unlisted"
fi

[ "$fail" -eq 0 ] || exit 1
echo "$lib exports the $(wc -l <"$tmp/map") functions of $map, which the public headers declare"
