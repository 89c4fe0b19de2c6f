#!/usr/bin/env bash
# build.sh - configures and builds one flavour: `release` (build/), `asan` (build-asan/, ASan+UBSan),
# `static`, or a fuzz flavour: `fuzz` (build-fuzz/: clang, libFuzzer, ASan+UBSan) or `afl` (build-afl/: AFL++).
set -euo pipefail
cd "$(dirname "$0")/.."
flavour=${1:-release}
case "$flavour" in
release) dir=build; flags=(-DCMAKE_BUILD_TYPE=RelWithDebInfo) ;;
asan) dir=build-asan; flags=(-DCMAKE_BUILD_TYPE=Debug -DMSREXIT_SANITIZE=ON) ;;
static) dir=build-static; flags=(-DCMAKE_BUILD_TYPE=Release -DMSREXIT_STATIC=ON) ;;
fuzz) dir=build-fuzz; cc=clang
	flags=(-DCMAKE_BUILD_TYPE=RelWithDebInfo -DMSREXIT_SANITIZE=ON -DMSREXIT_FUZZ=libfuzzer) ;;
afl) dir=build-afl; cc=afl-clang-fast; flags=(-DCMAKE_BUILD_TYPE=RelWithDebInfo -DMSREXIT_FUZZ=afl) ;;
*) echo "build.sh: unknown flavour '$flavour' (release, asan, static, fuzz, afl)" >&2; exit 2 ;;
esac
if [ -n "${cc:-}" ]; then
	command -v "$cc" >/dev/null || { echo "build.sh: $flavour needs $cc (ci/install-deps.sh)" >&2; exit 4; }
	flags+=(-DCMAKE_C_COMPILER="$cc" -DCMAKE_ASM_COMPILER="$cc")
fi
gen=()
command -v ninja >/dev/null && gen=(-G Ninja)
[ -f "$dir/CMakeCache.txt" ] || cmake -S . -B "$dir" "${gen[@]}" "${flags[@]}" >/dev/null
cmake --build "$dir" -j "$(nproc)"
