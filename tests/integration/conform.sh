#!/usr/bin/env bash
# conform.sh - the conformance suite passes on this KVM; KTAP, JUnit, --list, -t and exit codes hold up.
set -euo pipefail
bin=$1 src=$2
. "$(dirname "$0")/lib.sh"
tmp=$(mktemp -d); trap 'rm -rf "$tmp"' EXIT

expect 0 "$bin" conform --list
n=$(echo "$out" | wc -l)
[ "$n" -ge 80 ] || fail "only $n conformance cases (want at least 80)"
echo "$out" | grep -Eq "^filter_match\.[a-z_0-9]+ +§3 " || fail "--list format: $(echo "$out" | head -3)"
expect 2 "$bin" conform -t 'no-such-case*'
expect 2 "$bin" conform --bogus
expect 0 "$bin" conform --help
need_kvm

# The whole suite: its KTAP goes to the ctest log.
set +e
"$bin" conform --junit "$tmp/junit.xml" | tee "$tmp/ktap"
st=${PIPESTATUS[0]}
set -e
[ "$st" -eq 0 ] || fail "msrexit conform exited $st"
head -1 "$tmp/ktap" | grep -qx "KTAP version 1" || fail "no KTAP header"
grep -qx "1\.\.$n" "$tmp/ktap" || fail "plan line is not 1..$n"
[ "$(grep -Ec '^(not )?ok [0-9]+ ' "$tmp/ktap")" -eq "$n" ] || fail "not $n result lines"
python3 - "$tmp/junit.xml" "$n" <<'PY'
import sys, xml.etree.ElementTree as ET
root = ET.parse(sys.argv[1]).getroot()
suite = root.find("testsuite")
cases = suite.findall("testcase")
assert len(cases) == int(sys.argv[2]) == int(suite.get("tests")), "junit case count"
assert int(suite.get("failures")) == 0, "junit failures"
assert int(suite.get("skipped")) == sum(1 for c in cases if c.find("skipped") is not None)
PY

# A selection, and a failing run: wrong replies must fail cases and exit 1.
expect 0 "$bin" conform -t 'reason_matrix.*' -t 'capability.every_mask_bit'
echo "$out" | grep -qx "1\.\.13" || fail "-t selection: $out"
MSREXIT_INJECT=reply-error expect 1 "$bin" conform -t 'reason_matrix.unknown_read' --junit "$tmp/j2.xml"
echo "$out" | grep -q "^not ok 1 reason_matrix.unknown_read" || fail "injected failure: $out"
grep -q "<failure" "$tmp/j2.xml" || fail "JUnit has no failure element"
echo "conform: ok ($n cases)"
