#!/usr/bin/env bash
# Installs the build into a temporary prefix, then builds an out-of-tree C program against it
# twice: with find_package(oneloop) and with pkg-config. Both must run.
set -euo pipefail
build=$1
here=$(cd "$(dirname "$0")" && pwd)
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
cmake --install "$build" --prefix "$tmp/prefix" >/dev/null

cmake -S "$here/consumer" -B "$tmp/cmake" -DCMAKE_PREFIX_PATH="$tmp/prefix" >/dev/null
cmake --build "$tmp/cmake" >/dev/null
LD_LIBRARY_PATH="$tmp/prefix/lib" "$tmp/cmake/consumer"

export PKG_CONFIG_PATH="$tmp/prefix/lib/pkgconfig"
cc -std=c11 -Wall -Werror "$here/consumer/main.c" -o "$tmp/consumer_pc" \
  $(pkg-config --cflags --libs oneloop)
LD_LIBRARY_PATH="$tmp/prefix/lib" "$tmp/consumer_pc"
