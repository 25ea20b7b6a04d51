#!/usr/bin/env bash
# Installs oneloop, then builds an out-of-tree C program against the installed copy with
# find_package(oneloop) and with pkg-config. Both must run.
#   check_install.sh BUILD_DIR             install BUILD_DIR with `cmake --install --prefix TMP`
#   check_install.sh --usr-multiarch SRC   configure SRC for /usr with Debian's multiarch libdir
#                                          (lib/x86_64-linux-gnu), install it into a DESTDIR
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

if [ "$1" = "--usr-multiarch" ]; then
  multiarch=$(gcc -print-multiarch 2>/dev/null || true)
  libdir=lib/${multiarch:-x86_64-linux-gnu}
  cmake -S "$2" -B "$tmp/build" -DCMAKE_BUILD_TYPE=RelWithDebInfo -DCMAKE_INSTALL_PREFIX=/usr \
    -DCMAKE_INSTALL_LIBDIR="$libdir" -DONELOOP_TESTS=OFF -DONELOOP_BENCH=OFF \
    -DONELOOP_BINDINGS=OFF >/dev/null
  cmake --build "$tmp/build" -j"${JOBS:-2}" --target oneloop oneloop_static >/dev/null
  DESTDIR="$tmp/root" cmake --install "$tmp/build" >/dev/null
  root=$tmp/root prefix=$tmp/root/usr
else
  libdir=lib
  cmake --install "$1" --prefix "$tmp/prefix" >/dev/null
  root="" prefix=$tmp/prefix
fi
libpath=$prefix/$libdir
[ -f "$libpath/liboneloop.so" ] || { echo "FAIL: no liboneloop.so in $libpath"; exit 1; }

# find_package: the shared and the static library. The consumer checks that its CURL_LIBRARIES
# and the other variables a dependency search could set are left alone.
cmake -S "$here/consumer" -B "$tmp/cmake" -DCMAKE_PREFIX_PATH="$prefix" >/dev/null
cmake --build "$tmp/cmake" >/dev/null
LD_LIBRARY_PATH="$libpath" "$tmp/cmake/consumer"
"$tmp/cmake/consumer_static"

# find_package(oneloop QUIET) without pkg-config: finds the shared library, no error.
cmake -S "$here/consumer" -B "$tmp/cmake_quiet" -DCMAKE_PREFIX_PATH="$prefix" -DCONSUMER_QUIET=ON \
  -DPKG_CONFIG_EXECUTABLE="$tmp/no-such-pkg-config" >"$tmp/quiet.log" 2>&1 \
  || { cat "$tmp/quiet.log"; echo "FAIL: find_package(oneloop QUIET) without pkg-config"; exit 1; }
cmake --build "$tmp/cmake_quiet" >/dev/null
LD_LIBRARY_PATH="$libpath" "$tmp/cmake_quiet/consumer"
# ... while asking for the static library then fails, saying what it needs.
if cmake -S "$here/consumer" -B "$tmp/cmake_static" -DCMAKE_PREFIX_PATH="$prefix" \
     -DPKG_CONFIG_EXECUTABLE="$tmp/no-such-pkg-config" >"$tmp/static.log" 2>&1 \
   || ! grep -q "needs pkg-config" "$tmp/static.log"; then
  cat "$tmp/static.log"; echo "FAIL: COMPONENTS static without pkg-config: no clear error"; exit 1
fi

# pkg-config: the flags name the installed folders exactly (a DESTDIR install is read through
# PKG_CONFIG_SYSROOT_DIR, as a cross build would; system folders are kept to compare them).
export PKG_CONFIG_PATH="$libpath/pkgconfig" PKG_CONFIG_SYSROOT_DIR="$root"
export PKG_CONFIG_ALLOW_SYSTEM_CFLAGS=1 PKG_CONFIG_ALLOW_SYSTEM_LIBS=1
cflags=$(echo $(pkg-config --cflags oneloop)) libs=$(echo $(pkg-config --libs oneloop))
# The first -I is oneloop's own (libcurl's may follow: Requires.private adds its cflags).
[ "${cflags%% *}" = "-I$prefix/include" ] || { echo "FAIL: pkg-config --cflags gives '$cflags'"; exit 1; }
[ "$libs" = "-L$libpath -loneloop" ] || { echo "FAIL: pkg-config --libs gives '$libs'"; exit 1; }
[ "$(pkg-config --modversion oneloop)" = "$(sed -n 's/^Version: //p' "$libpath/pkgconfig/oneloop.pc")" ]
cc -std=c11 -Wall -Werror "$here/consumer/main.c" -o "$tmp/consumer_pc" $cflags $libs
LD_LIBRARY_PATH="$libpath" "$tmp/consumer_pc"
