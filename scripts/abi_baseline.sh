#!/usr/bin/env bash
# Makes the ABI baseline of a release: builds liboneloop.so (with debug info) at that commit in
# a temporary git worktree and writes its public ABI with abidw (tests/check_abi.sh --dump).
#   scripts/abi_baseline.sh 7489f16 core/abi/oneloop-0.1.abi
# Then point tests/check_abi.sh's `baseline` at the new file (core/ABI.md).
set -euo pipefail
commit=${1:?usage: abi_baseline.sh <release-commit> <out.abi>}
out=$(realpath -m "${2:?usage: abi_baseline.sh <release-commit> <out.abi>}")
root=$(cd "$(dirname "$0")/.." && pwd)
tree=$(mktemp -d)/src
git -C "$root" worktree add --detach "$tree" "$commit" >/dev/null
trap 'git -C "$root" worktree remove --force "$tree"; rm -rf "$(dirname "$tree")"' EXIT
cmake -S "$tree" -B "$tree/build" -DCMAKE_BUILD_TYPE=RelWithDebInfo -DONELOOP_TESTS=OFF \
  -DONELOOP_BENCH=OFF -DONELOOP_BINDINGS=OFF >/dev/null
cmake --build "$tree/build" -j"${JOBS:-2}" --target oneloop >/dev/null
"$root/tests/check_abi.sh" --dump "$tree/build/core/liboneloop.so" "$tree/core/include" "$out"
echo "wrote $out (liboneloop at $commit)"
