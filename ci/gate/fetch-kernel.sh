#!/usr/bin/env bash
# fetch-kernel.sh SERIES - the newest Debian linux-image-SERIES.*-amd64 package, downloaded once; prints its path.
# SERIES is 6.1 or 6.12 (any Debian kernel series); the cache is $MSREXIT_KERNEL_CACHE, else
# msrexit/kernels in $XDG_CACHE_HOME or ~/.cache. Exit 2, saying why, when apt cannot give the
# package (no network, no apt lists): an infrastructure error, not a kernel's failure.
set -uo pipefail
series=${1:?usage: fetch-kernel.sh SERIES (6.1, 6.12)}
cache=${MSREXIT_KERNEL_CACHE:-${XDG_CACHE_HOME:-${HOME:-/tmp}/.cache}/msrexit/kernels}
fail() {
	echo "fetch-kernel: $*" >&2
	exit 2
}
[[ $series =~ ^[0-9]+\.[0-9]+$ ]] || fail "SERIES is like 6.1 or 6.12, not '$series'"
command -v apt-cache >/dev/null || fail "no apt-cache: linux-image packages come from Debian's apt"

# linux-image-6.1.0-57-amd64, linux-image-6.12.117+deb12-amd64: not -rt, -cloud or -dbg
newest() {
	apt-cache search --names-only "^linux-image-${series//./\\.}\\.[0-9]+[-+][^ ]*amd64\$" 2>/dev/null |
		awk '{ print $1 }' | grep -v -E -- '-(rt|cloud)-|-dbg' | sort -V | tail -1
}
pkg=$(newest)
if [ -z "$pkg" ]; then
	apt-get update -qq >/dev/null 2>&1 # lists not fetched yet on a fresh machine
	pkg=$(newest)
fi
[ -n "$pkg" ] || fail "apt knows no linux-image-$series.*-amd64 package (apt-get update failed or no network?)"
mkdir -p "$cache" || fail "cannot make the cache $cache"
deb=$(ls "$cache/${pkg}"_*_amd64.deb 2>/dev/null | tail -1)
if [ -z "$deb" ]; then
	(cd "$cache" && apt-get download -q "$pkg" >"$cache/.download.log" 2>&1) ||
		fail "apt-get download $pkg failed: $(tail -2 "$cache/.download.log")"
	deb=$(ls "$cache/${pkg}"_*_amd64.deb 2>/dev/null | tail -1)
fi
[ -n "$deb" ] || fail "apt-get download $pkg left no .deb in $cache"
echo "$deb"
