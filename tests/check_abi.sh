#!/usr/bin/env bash
# The shared library keeps the ABI of the last release (core/abi/oneloop-<release>.abi, made
# by abidw from that release's build; core/ABI.md says how). abidiff compares it with the
# library built now, counting only what the public headers show. Added functions pass;
# removed or changed functions, changed enum values and changed layouts of public structs fail,
# unless the SONAME changed and CHANGELOG.md names the new one.
#   tests/check_abi.sh build/core/liboneloop.so [public-headers-dir]
#   tests/check_abi.sh --dump liboneloop.so public-headers-dir out.abi   (makes a baseline)
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)

# The public ABI of a library built with debug info: types defined outside the public headers
# are dropped (their layout is private), unreachable public types (enums) are kept.
abi_dump() {
  abidw --headers-dir "$2" --drop-private-types --load-all-types --no-corpus-path \
    --no-comp-dir-path --short-locs --type-id-style hash --out-file "$3" "$1"
}
if [ "${1:-}" = "--dump" ]; then abi_dump "$2" "$3" "$4"; exit 0; fi
lib=${1:?usage: check_abi.sh path/to/liboneloop.so [public-headers-dir]}
headers=${2:-$root/core/include}
baseline=${ONELOOP_ABI_BASELINE:-$root/core/abi/oneloop-0.1.abi}  # the env: tests only
frozen_node=ONELOOP_0   # the version node of the baseline's functions (core/oneloop.map)

if ! command -v abidiff >/dev/null; then
  echo "abidiff not found: install Debian's abigail-tools (scripts/install_deps.sh does)"; exit 1
fi

base_soname=$(sed -n "s/.*<abi-corpus [^>]*soname='\([^']*\)'.*/\1/p" "$baseline" | head -1)
soname=$(readelf -d "$lib" | sed -n 's/.*Library soname: \[\(.*\)\].*/\1/p')
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
abi_dump "$lib" "$headers" "$tmp/current.abi"
status=0
abidiff --no-added-syms --suppressions "$root/core/abi/oneloop.abignore" \
  "$baseline" "$tmp/current.abi" >"$tmp/report" || status=$?
report=$(cat "$tmp/report")
if [ $((status & 3)) -ne 0 ]; then
  echo "$report"; echo "FAIL: abidiff could not compare (exit $status)"; exit 1
fi

# Enum values of the public headers, even those no function signature names (ol_status codes
# travel as int): every "enum::ENUMERATOR=value" of the baseline must still be there.
public_enumerators() {
  awk -v headers="$2" '
    BEGIN { n = split(headers, h, " "); for (i = 1; i <= n; i++) public[h[i]] = 1 }
    /<enum-decl / { inside = 0; name = ""; file = ""
      if (match($0, /name=\x27[^\x27]*\x27/)) name = substr($0, RSTART + 6, RLENGTH - 7)
      if (match($0, /filepath=\x27[^\x27]*\x27/)) file = substr($0, RSTART + 10, RLENGTH - 11)
      sub(/.*\//, "", file); inside = (file in public) }
    /<\/enum-decl>/ { inside = 0 }
    inside && /<enumerator / { split($0, q, "\x27"); print name "::" q[2] "=" q[4] }' "$1" | sort -u
}
public_headers=$(cd "$headers" && find . -name '*.h' -printf '%f ')
changed_enumerators=$(comm -23 <(public_enumerators "$baseline" "$public_headers") \
                               <(public_enumerators "$tmp/current.abi" "$public_headers"))
[ -z "$changed_enumerators" ] || status=$((status | 8))

# Functions first exported after the baseline must not join its frozen version node.
new_in_frozen=$(comm -13 \
  <(grep -o "<elf-symbol name='ol_[A-Za-z0-9_]*' version='$frozen_node'" "$baseline" \
      | sed "s/<elf-symbol name='\([^']*\)'.*/\1/" | sort -u) \
  <(nm -D --defined-only "$lib" | awk '{print $3}' | grep "@@$frozen_node\$" | sed 's/@.*//' | sort -u))

if [ "$status" -eq 0 ] && [ -z "$new_in_frozen" ]; then
  echo "$lib keeps the ABI of $(basename "$baseline") (additions only)"; exit 0
fi
[ -z "$report" ] || echo "$report"
if [ -n "$changed_enumerators" ]; then
  echo "Enumerators of the public headers removed or renumbered since $(basename "$baseline"):"
  sed 's/^/    /' <<<"$changed_enumerators"
fi
if [ -n "$new_in_frozen" ]; then
  echo "Functions added since $(basename "$baseline") carry its version node $frozen_node; move them"
  echo "to the ONELOOP_0.2 node of core/oneloop.map:"; sed 's/^/    /' <<<"$new_in_frozen"
fi
if [ "$soname" != "$base_soname" ]; then
  if grep -qF "$soname" "$root/CHANGELOG.md"; then
    echo "The ABI changed, and so did the SONAME ($base_soname -> $soname), as CHANGELOG.md says:"
    echo "accepted. Commit a new baseline with the release (core/ABI.md)."; exit 0
  fi
  echo "FAIL: the SONAME changed ($base_soname -> $soname) but CHANGELOG.md does not mention $soname"
  exit 1
fi
if [ "$status" -ne 0 ]; then
  echo "FAIL: incompatible ABI change against $(basename "$baseline") with the SONAME unchanged ($soname)."
  echo "Keep the old functions and layouts (add new functions, append fields to versioned structs),"
  echo "or raise SOVERSION in core/CMakeLists.txt and name the new SONAME in CHANGELOG.md (core/ABI.md)."
else
  echo "FAIL: new functions in the released version node $frozen_node (see above)."
fi
exit 1
