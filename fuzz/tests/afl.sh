#!/usr/bin/env bash
# afl.sh TARGET EXECS SEEDS - a bounded AFL++ run (afl-fuzz -E) of msrexit-afl from the seeds: no crash.
set -euo pipefail
. "$(dirname "$0")/../../tests/integration/lib.sh"
target=$1 execs=$2 seeds=$3
need_kvm
command -v afl-fuzz >/dev/null || { echo "SKIP: afl-fuzz is not installed (afl++)"; exit 4; }
tmp=$(mktemp -d); trap 'rm -rf "$tmp"' EXIT
export AFL_NO_UI=1 AFL_SKIP_CPUFREQ=1 AFL_I_DONT_CARE_ABOUT_MISSING_CRASHES=1 AFL_NO_AFFINITY=1 AFL_QUIET=1
set +e
afl-fuzz -i "$seeds" -o "$tmp/out" -E "$execs" -t 5000 -x "$(dirname "$target")/msrexit.dict" \
	-- "$target" >"$tmp/log" 2>&1
st=$?
set -e
stats=$tmp/out/default/fuzzer_stats
[ -f "$stats" ] || { tail -40 "$tmp/log" >&2; fail "afl-fuzz exited $st without fuzzer_stats"; }
crashes=$(find "$tmp/out/default/crashes" -name 'id:*' | wc -l)
if [ "$crashes" -ne 0 ]; then
	for c in "$tmp"/out/default/crashes/id:*; do
		"$target" <"$c" 2>&1 | grep msrexit-finding || true
	done
	fail "$crashes crashes"
fi
[ $st -eq 0 ] || { tail -40 "$tmp/log" >&2; fail "afl-fuzz exited $st"; }
grep -E "^(execs_done|execs_per_sec|corpus_count|saved_crashes|saved_hangs) " "$stats"
echo "afl: ok"
