#!/usr/bin/env bash
# run_known.sh - msrexit run --known-facts: a mismatch a known platform fact explains passes, named.
set -euo pipefail
bin=$1 src=$2
. "$(dirname "$0")/lib.sh"

expect 0 "$bin" run --help
echo "$out" | grep -qF -- "--known-facts" || fail "run --help does not document --known-facts"
need_kvm

# The findings whose fact this machine shows (F3 on kvm_pvm, F4 under QEMU TCG) fail a plain run
shown=0
for f in "$src"/corpus/findings/f*.msr; do
	name=$(basename "$f" .msr)
	set +e; "$bin" run -q "$f" >/dev/null 2>&1; st=$?; set -e
	[ "$st" -eq 1 ] || continue
	shown=$((shown + 1))
	expect 0 "$bin" run -q --known-facts "$f"
	echo "$out" | grep -q "^$f: known: ${name%%-*}-" ||
		fail "run --known-facts $f does not name its fact:
$out"
	echo "$out" | grep -q "\[" && fail "run --known-facts $f still prints mismatches:
$out"
	# among other programs: they pass as before, and the count says so
	expect 0 "$bin" run --reuse --known-facts "$f" "$src"/corpus/regressions/0001-*.msr
	echo "$out" | grep -qF "2 passed, 0 failed" || fail "run --reuse --known-facts: $out"
done
[ "$shown" -gt 0 ] || { echo "SKIP: no known platform fact shows on this machine"; exit 4; }
echo "ok: $shown findings judged known"
