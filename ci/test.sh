#!/usr/bin/env bash
# test.sh - runs every test: unit tests (no KVM) and integration tests on /dev/kvm, under ASan+UBSan.
set -euo pipefail
cd "$(dirname "$0")/.."
ci/check-format.sh

# The static binary (what runs inside other kernels' initramfs) builds, is static, and works.
ci/build.sh static
if readelf -l build-static/msrexit | grep -q "program interpreter"; then
	echo "test: build-static/msrexit is dynamically linked" >&2
	exit 1
fi
if [ -e /dev/kvm ]; then
	build-static/msrexit conform -t 'capability.*' -t 'reason_matrix.unknown_*' >/dev/null
	echo "test: static build runs the suite"
fi

ci/build.sh asan
(cd build-asan && ctest --output-on-failure "$@")

# The fuzz flavours: bounded libFuzzer (ASan+UBSan) and AFL++ runs, where clang/AFL++ are here.
for flavour in fuzz afl; do
	st=0
	ci/build.sh "$flavour" || st=$?
	if [ $st -eq 4 ]; then
		echo "test: the $flavour flavour is skipped: its compiler is not installed"
		continue
	fi
	[ $st -eq 0 ] || exit $st
	(cd "build-$flavour" && ctest -L fuzz --output-on-failure)
done
