#!/usr/bin/env bash
# build.sh - configures and builds one flavour: `release` (build/) or `asan` (build-asan/, ASan+UBSan).
set -euo pipefail
cd "$(dirname "$0")/.."
flavour=${1:-release}
case "$flavour" in
release) dir=build; flags=(-DCMAKE_BUILD_TYPE=RelWithDebInfo) ;;
asan) dir=build-asan; flags=(-DCMAKE_BUILD_TYPE=Debug -DMSREXIT_SANITIZE=ON) ;;
static) dir=build-static; flags=(-DCMAKE_BUILD_TYPE=Release -DMSREXIT_STATIC=ON) ;;
*) echo "build.sh: unknown flavour '$flavour' (release, asan, static)" >&2; exit 2 ;;
esac
gen=()
command -v ninja >/dev/null && gen=(-G Ninja)
[ -f "$dir/CMakeCache.txt" ] || cmake -S . -B "$dir" "${gen[@]}" "${flags[@]}" >/dev/null
cmake --build "$dir" -j "$(nproc)"
