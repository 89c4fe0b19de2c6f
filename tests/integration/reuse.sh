#!/usr/bin/env bash
# reuse.sh - every seed and conformance program gives the same verdict on one reused VM as on fresh ones.
set -euo pipefail
bin=$1 src=$2
. "$(dirname "$0")/lib.sh"
need_kvm
shopt -s nullglob
progs=("$src"/corpus/seeds/*.msr "$src"/conformance/*/*.msr)
# the findings and WRMSRNS programs fail on some platforms: what matters is the same verdict
verdicts() { { "$bin" run "$@" "${progs[@]}" 2>&1 || true; } | tee -a "${TMPDIR:-/tmp}/raw.$$" | sed -n 's/^\([^:]*\.msr\):\([0-9]*:\)\{0,1\} *\(ok\|cannot run: .*\|op [0-9]*: [a-z_]*\).*/\1 \3/p' | sort; }
verdicts >"${TMPDIR:-/tmp}/fresh.$$"
verdicts --reuse >"${TMPDIR:-/tmp}/reused.$$"
trap 'rm -f "${TMPDIR:-/tmp}"/fresh.$$ "${TMPDIR:-/tmp}"/reused.$$ "${TMPDIR:-/tmp}"/raw.$$' EXIT
n=$(wc -l <"${TMPDIR:-/tmp}/fresh.$$")
[ "$n" -ge "${#progs[@]}" ] || fail "only $n verdicts for ${#progs[@]} programs"
diff "${TMPDIR:-/tmp}/fresh.$$" "${TMPDIR:-/tmp}/reused.$$" || fail "verdicts differ on a reused VM"
if grep "made anew" "${TMPDIR:-/tmp}/raw.$$"; then
	fail "a reset failed or was not clean (above)"
fi
echo "reuse: ${#progs[@]} programs, same verdicts on fresh and reused VMs, every reset proven clean"
