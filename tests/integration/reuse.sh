#!/usr/bin/env bash
# reuse.sh - every seed and conformance program gives the same verdict on one reused VM as on fresh ones.
set -euo pipefail
bin=$1 src=$2
. "$(dirname "$0")/lib.sh"
need_kvm
shopt -s nullglob
progs=("$src"/corpus/seeds/*.msr "$src"/conformance/*/*.msr)
# the findings and WRMSRNS programs fail on some platforms: what matters is the same verdict
verdicts() { { "$bin" run "$@" "${progs[@]}" 2>&1 || true; } | sed -n 's/^\([^:]*\.msr\):\([0-9]*:\)\{0,1\} *\(ok\|cannot run: .*\|op [0-9]*: [a-z_]*\).*/\1 \3/p' | sort; }
verdicts >"${TMPDIR:-/tmp}/fresh.$$"
verdicts --reuse >"${TMPDIR:-/tmp}/reused.$$"
trap 'rm -f "${TMPDIR:-/tmp}"/fresh.$$ "${TMPDIR:-/tmp}"/reused.$$' EXIT
n=$(wc -l <"${TMPDIR:-/tmp}/fresh.$$")
[ "$n" -ge "${#progs[@]}" ] || fail "only $n verdicts for ${#progs[@]} programs"
diff "${TMPDIR:-/tmp}/fresh.$$" "${TMPDIR:-/tmp}/reused.$$" || fail "verdicts differ on a reused VM"
grep -q "not clean" "${TMPDIR:-/tmp}/reused.$$" && fail "a reset was not clean"
echo "reuse: ${#progs[@]} programs, same verdicts on fresh and reused VMs, every reset proven clean"
