#!/usr/bin/env bash
# Installs the system packages oneloop builds and tests with (Debian 12, as root or with sudo).
# Idempotent: does nothing when everything is already there.
set -euo pipefail

packages=(
  build-essential cmake pkg-config git
  libuv1-dev libcurl4-openssl-dev zlib1g-dev   # the core and the fixture server
  libbrotli-dev                                # br decoding (optional at build time)
  catch2                                       # core tests
  abigail-tools                                # ABI check against the last release (abidiff)
  nginx-light openssl curl                     # TLS/HTTP2 tests (nginx), certificates
  clang libclang-rt-14-dev                     # libFuzzer harness
  ruby ruby-dev swig ruby-typhoeus ruby-async  # Ruby gem, its benchmark peer, fiber tests
  python3 python3-venv python3-dev             # Python package (CFFI)
  clang-format-14 rubocop                      # make lint / make format (ruff, ESLint: scripts/lint.sh)
)

missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ ${#missing[@]} -eq 0 ]; then
  exit 0
fi
echo "installing: ${missing[*]}"
SUDO=""
[ "$(id -u)" -eq 0 ] || SUDO=sudo
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -qq
$SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
