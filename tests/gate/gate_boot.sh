#!/usr/bin/env bash
# gate_boot.sh - ci/gate-kernel boots Debian's 6.12 kernel under QEMU and runs msrexit inside: its
# exit status agrees with its KTAP and JUnit, the forced-emulation cases run. Skips (4) without
# QEMU, a static msrexit (ci/build.sh static, or $MSREXIT_STATIC_BIN) or the kernel package.
set -euo pipefail
src=$1
. "$src/tests/integration/lib.sh"
tmp=$(mktemp -d); trap 'rm -rf "$tmp"' EXIT
skip() { echo "SKIP: $*"; exit 4; }

command -v qemu-system-x86_64 >/dev/null || skip "qemu-system-x86_64 is not installed (ci/install-deps.sh)"
command -v busybox >/dev/null || skip "busybox is not installed (ci/install-deps.sh)"
static=${MSREXIT_STATIC_BIN:-$src/build-static/msrexit}
[ -x "$static" ] || skip "no static msrexit at $static (ci/build.sh static)"
deb=$("$src/ci/gate/fetch-kernel.sh" 6.12) || skip "Debian's 6.12 kernel package cannot be had here"

set +e
"$src/ci/gate-kernel" --deb "$deb" --msrexit "$static" --fuzz-seconds 3 --timeout 240 \
	--out "$tmp/out" --junit "$tmp/junit.xml" >"$tmp/log" 2>&1
st=$?
set -e
cat "$tmp/log"
d=$tmp/out/candidate
[ "$st" -ne 2 ] || fail "infrastructure error booting $deb (status 2); console:
$(tail -20 "$d/console.log")"
grep -q "^gate-kernel: candidate 6\.12\.[0-9]*+deb12-amd64: boot [0-9.]* s, kvm loaded at [0-9.]* s, conform [0-9.]* s" \
	"$tmp/log" || fail "no times line for 6.12"

# KTAP: the four parts, conform whole, run with the prefix on
grep -Eq "^(not )?ok 1 conform " "$d/ktap.txt" || fail "no conform result"
grep -Eq "^(not )?ok 4 kernel_health" "$d/ktap.txt" || fail "no kernel_health result"
grep -q "^    # msrexit conform: kernel 6\.12, .*force_emulation_prefix=1" "$d/ktap.txt" ||
	fail "conform did not run with kvm.force_emulation_prefix=1"
grep -q "^    ok [0-9]* instruction_forms.fep_rdmsr_exit_completion$" "$d/ktap.txt" ||
	fail "the forced-emulation case did not pass: $(grep fep_rdmsr "$d/ktap.txt")"
grep -q "^# msrexit gate: verdict $st$" "$d/ktap.txt" || fail "exit $st, but the KTAP's verdict differs"

# The exit status, the KTAP and the JUnit say the same
fails=$(grep -Ec "^    not ok " "$d/ktap.txt" || true)
want=0
grep -q "^not ok " "$d/ktap.txt" && want=1
[ "$st" -eq "$want" ] || fail "exit $st, but the KTAP's top level wants $want"
cmp -s "$tmp/junit.xml" "$d/junit.xml" || fail "--junit is not the candidate's junit.xml"
python3 - "$tmp/junit.xml" "$fails" <<'PY'
import sys, xml.etree.ElementTree as ET
suites = {s.get("name"): s for s in ET.parse(sys.argv[1]).getroot().findall("testsuite")}
assert int(suites["conform"].get("tests")) >= 150, "conform has too few cases"
failures = sum(int(s.get("failures")) for s in suites.values())
assert failures == int(sys.argv[2]), "junit failures %d, KTAP %s" % (failures, sys.argv[2])
PY
echo "PASS: gate on $(basename "$deb"): exit $st, $fails failing cases"
