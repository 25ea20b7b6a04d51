#!/usr/bin/env bash
# Unpacks libcurl 8 from Debian's bookworm-backports into a private prefix, so that a second
# build (make test-curl8) compiles and runs the core and its HTTP tests against it.
# Nothing on the machine changes: apt runs with a sources list, package lists, cache and dpkg
# status of its own under DIR/apt, and the packages are unpacked with dpkg -x, never installed.
# Runtime dependencies that the machine's own packages do not satisfy in a new enough version
# are unpacked into the prefix too (today there are none).
#
# Usage: scripts/curl_backports.sh [DIR]   (DIR defaults to ./build-curl8)
# Prints the prefix to give CMake (CMAKE_PREFIX_PATH): DIR/prefix/usr. Reuses an earlier
# complete unpack (DIR/prefix/VERSION); ONELOOP_CURL8_REFRESH=1 fetches again.
# Env: ONELOOP_CURL8_MIRROR overrides the Debian mirror (default: the one this machine's apt
# uses for bookworm, else http://deb.debian.org/debian).
# Fails (exit 1, with a message) when the backports suite cannot be reached: CI never skips.
set -euo pipefail
cd "$(dirname "$0")/.."
dir=$(mkdir -p "${1:-build-curl8}" && cd "${1:-build-curl8}" && pwd)
prefix=$dir/prefix
apt_dir=$dir/apt
suite=bookworm-backports
packages=(libcurl4-openssl-dev libcurl4)

die() { echo "curl_backports.sh: $*" >&2; exit 1; }
say() { echo "curl_backports.sh: $*" >&2; }

if [ -f "$prefix/VERSION" ] && [ -z "${ONELOOP_CURL8_REFRESH:-}" ]; then
  echo "$prefix/usr"
  exit 0
fi

# The Debian archive this machine's apt uses (deb822 or one-line format), for the same mirror.
system_mirror() {
  local uri
  uri=$(grep -hsE '^URIs:' /etc/apt/sources.list.d/*.sources | awk '{print $2}' |
        grep -E '/debian/?$' | head -n1 || true)
  [ -n "$uri" ] || uri=$(grep -hsE '^deb .*bookworm' /etc/apt/sources.list /etc/apt/sources.list.d/*.list |
        grep -v '\[.*\]' | awk '{print $2}' | grep -E '/debian/?$' | head -n1 || true)
  echo "${uri:-http://deb.debian.org/debian}"
}
mirror=${ONELOOP_CURL8_MIRROR:-$(system_mirror)}

rm -rf "$apt_dir" "$prefix"
mkdir -p "$apt_dir/lists/partial" "$apt_dir/cache/archives/partial" "$apt_dir/debs" "$prefix"
echo "deb [signed-by=/usr/share/keyrings/debian-archive-keyring.gpg] $mirror $suite main" \
  > "$apt_dir/sources.list"
: > "$apt_dir/status" # an empty dpkg status: apt sees only the backports suite
apt_opts=(
  -o "Dir::Etc::SourceList=$apt_dir/sources.list" -o Dir::Etc::SourceParts=/dev/null
  -o "Dir::State::Lists=$apt_dir/lists" -o "Dir::State::status=$apt_dir/status"
  -o "Dir::Cache=$apt_dir/cache" -o APT::Sandbox::User=root
)

say "fetching the package list of $suite from $mirror"
if ! apt-get "${apt_opts[@]}" -q update >"$apt_dir/update.log" 2>&1 ||
   grep -qE '^(E:|W: (Failed|Some index))' "$apt_dir/update.log"; then
  cat "$apt_dir/update.log" >&2
  die "cannot reach $suite at $mirror (see above); the curl 8 build needs it"
fi
version=$(apt-cache "${apt_opts[@]}" show --no-all-versions libcurl4 2>/dev/null |
          awk '/^Version:/ {print $2; exit}')
[ -n "$version" ] || die "no libcurl4 in $suite at $mirror"

cd "$apt_dir/debs"
apt-get "${apt_opts[@]}" -q download "${packages[@]}" >&2 ||
  die "downloading ${packages[*]} from $suite failed"

# Print the dependencies of a .deb that this machine's installed packages do not satisfy
# ("name" or "name (op version)"; of alternatives "a | b", satisfied when one is).
unmet_deps() {
  dpkg-deb -f "$1" Depends | tr ',' '\n' | while read -r alternatives; do
    [ -n "$alternatives" ] || continue
    local met=0 alt name op want have
    IFS='|' read -ra alts <<<"$alternatives"
    for alt in "${alts[@]}"; do
      read -r name op want <<<"$(echo "$alt" | tr -d '()')"
      name=${name%%:*}
      have=$(dpkg-query -W -f='${Version}' "$name" 2>/dev/null || true)
      [ -n "$have" ] || continue
      if [ -z "${op:-}" ] || dpkg --compare-versions "$have" "$op" "$want"; then met=1; break; fi
    done
    [ "$met" = 1 ] || echo "$alternatives"
  done
}
unmet=$(unmet_deps libcurl4_*.deb)
if [ -n "$unmet" ]; then
  say "libcurl4 $version needs newer than this machine has: $(echo "$unmet" | tr '\n' ';')"
  names=$(echo "$unmet" | sed 's/|.*//; s/(.*//; s/:.*//' | awk '{print $1}')
  # shellcheck disable=SC2086 # one word per package name
  apt-get "${apt_opts[@]}" -q download $names >&2 ||
    die "the dependencies $names are not in $suite either"
fi

for deb in ./*.deb; do
  dpkg -x "$deb" "$prefix"
done
# The .pc file names /usr; point it (and its absolute include dir) at the prefix. Its
# Requires.private (for static linking only) names -dev packages that need not be installed,
# and pkg-config refuses the module when they are missing: drop it, the build links the .so.
pc=$(find "$prefix/usr/lib" -name libcurl.pc | head -n1)
[ -n "$pc" ] || die "libcurl.pc missing from the unpacked packages"
sed -i -e "s|^prefix=/usr\$|prefix=$prefix/usr|" \
       -e "s|^includedir=/usr/|includedir=\${prefix}/|" -e '/^Requires.private:/d' "$pc"
[ "$(PKG_CONFIG_PATH=$(dirname "$pc") pkg-config --modversion libcurl)" = "${version%%-*}" ] ||
  die "$pc does not describe libcurl $version"
echo "${version%%-*}" > "$prefix/VERSION"
say "libcurl $version unpacked into $prefix"
echo "$prefix/usr"
