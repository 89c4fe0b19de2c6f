#!/usr/bin/env bash
# install-deps.sh - installs every Debian 12 package msrexit needs to build and test (idempotent).
set -euo pipefail

packages=(
	build-essential cmake ninja-build	# the build
	clang libclang-rt-14-dev		# clang, its sanitizer and libFuzzer runtimes
	afl++					# AFL++: afl-clang-fast, afl-fuzz, afl-tmin, afl-plot
	gnuplot-nox				# afl-plot's graphs in campaign reports
	clang-format				# style check
	binutils				# objcopy: the guest stub image
	python3					# junit checks in the tests
	qemu-system-x86 busybox-static		# ci/gate-kernel: boots other kernels under TCG
	xz-utils zstd				# ci/gate-kernel: compressed kernel modules
)

missing=()
for p in "${packages[@]}"; do
	dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ ${#missing[@]} -eq 0 ]; then
	echo "install-deps: all ${#packages[@]} packages present"
	exit 0
fi
SUDO=""
[ "$(id -u)" -eq 0 ] || SUDO=sudo
echo "install-deps: installing ${missing[*]}"
$SUDO apt-get update -qq
DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}"
