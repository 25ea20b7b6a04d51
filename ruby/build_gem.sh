#!/usr/bin/env bash
# Packages the gem: the SWIG interface lives in bindings/, the gem carries a copy.
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
rm -rf "$here/ext/oneloop/swig"
mkdir -p "$here/ext/oneloop/swig"
cp -r "$here/../bindings/oneloop.i" "$here/../bindings/ruby" "$here/ext/oneloop/swig/"
cd "$here" && gem build oneloop.gemspec
