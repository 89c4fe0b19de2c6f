#!/usr/bin/env bash
# conform_jobs.sh - `conform -j N` runs cases at once and reports the same results, in the same order, as -j 1.
set -euo pipefail
bin=$1
. "$(dirname "$0")/lib.sh"
tmp=$(mktemp -d); trap 'rm -rf "$tmp"' EXIT

expect 2 "$bin" conform -j 0
echo "$out" | grep -q "\-j wants a number of cases from 1 to 64, not '0'" || fail "-j 0: $out"
expect 2 "$bin" conform -j 65
expect 2 "$bin" conform -j x
expect 2 "$bin" conform -j
expect 0 "$bin" conform --help
echo "$out" | grep -q "^  -j N " || fail "--help does not describe -j"
need_kvm

# Cases of every kind: programs, C cases with threads, the filter updates' SRCU waits.
sel=(-t 'reason_matrix.*' -t 'filter_validation.*' -t 'vcpus.*' -t 'lifecycle.*' -t 'host_c.*')
results() { grep -E '^(not )?ok [0-9]+ ' "$1" | sed 's/ # SKIP.*/ # SKIP/'; }
"$bin" conform "${sel[@]}" -j 1 >"$tmp/j1" || fail "-j 1 exited $?: $(tail -5 "$tmp/j1")"
"$bin" conform "${sel[@]}" -j 8 --junit "$tmp/j8.xml" >"$tmp/j8" || fail "-j 8 exited $?: $(tail -5 "$tmp/j8")"
n=$(results "$tmp/j1" | wc -l)
[ "$n" -ge 50 ] || fail "only $n cases selected"
diff <(results "$tmp/j1") <(results "$tmp/j8") || fail "-j 8 reports other results or another order than -j 1"
grep -qx "1\.\.$n" "$tmp/j8" || fail "-j 8: plan line is not 1..$n"
tail -1 "$tmp/j8" | grep -q "^# $n passed\|^# [0-9]* passed, 0 failed" || fail "-j 8 summary: $(tail -1 "$tmp/j8")"
python3 - "$tmp/j8.xml" "$n" <<'PY'
import sys, xml.etree.ElementTree as ET
cases = ET.parse(sys.argv[1]).getroot().find("testsuite").findall("testcase")
assert len(cases) == int(sys.argv[2]), "junit case count"
PY

# A failing case among parallel ones is still its own: wrong replies fail exactly the reads.
MSREXIT_INJECT=reply-data expect 1 "$bin" conform -t 'reason_matrix.unknown_*' -j 4
echo "$out" | grep -q "^not ok [0-9]* reason_matrix.unknown_read" || fail "injected failure not reported: $out"
echo "PASS: conform -j"
