#!/usr/bin/env bash
# The shared library exports ol_* and nothing else: no libuv, libcurl or helper symbols.
set -euo pipefail
lib=$1
bad=$(nm -D --defined-only "$lib" | awk '{print $3}' | grep -v -e '^ol_' -e '^ONELOOP_[0-9]*$' || true)
if [ -n "$bad" ]; then
  echo "unexpected exported symbols in $lib:"; echo "$bad"; exit 1
fi
count=$(nm -D --defined-only "$lib" | awk '{print $3}' | grep -c '^ol_')
echo "$lib exports $count ol_* symbols and nothing else"
[ "$count" -gt 50 ]
