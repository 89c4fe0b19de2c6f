#!/usr/bin/env bash
# test.sh - runs every test: unit tests (no KVM) and integration tests on /dev/kvm, under ASan+UBSan.
set -euo pipefail
cd "$(dirname "$0")/.."
ci/build.sh asan
ci/check-format.sh
cd build-asan
ctest --output-on-failure -j 2 "$@"
