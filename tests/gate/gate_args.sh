#!/usr/bin/env bash
# gate_args.sh - ci/gate-kernel's argument checks and exit statuses (0 pass, 1 fail, 2 infrastructure)
# without QEMU: tests/gate/fake-qemu plays each way a boot can end.
set -euo pipefail
src=$1
. "$src/tests/integration/lib.sh"
gate=$src/ci/gate-kernel
tmp=$(mktemp -d); trap 'rm -rf "$tmp"' EXIT

# Argument checks come before anything is needed: no QEMU, no busybox.
expect 2 "$gate"
echo "$out" | grep -q "\-\-kernel PATH (or --deb FILE.deb) is required" || fail "no args: $out"
expect 2 "$gate" --bogus
expect 2 "$gate" --kernel "$tmp/no-such-bzImage"
echo "$out" | grep -q "no kernel image at" || fail "missing kernel: $out"
: >"$tmp/empty" # a download cut short: refused before the static build and the boot
expect 2 "$gate" --kernel "$tmp/empty"
echo "$out" | grep -q "the kernel image '$tmp/empty' is empty" || fail "empty kernel: $out"
expect 2 "$gate" --deb "$tmp/empty"
echo pass >"$tmp/k"
expect 2 "$gate" --kernel "$tmp/k" --modules "$tmp/no-such-dir"
expect 2 "$gate" --deb "$tmp/no-such.deb"
expect 2 "$gate" --kernel "$tmp/k" --modules "$tmp" --deb "$tmp/k"
expect 2 "$gate" --kernel "$tmp/k" --fuzz-seconds ten
expect 2 "$gate" --kernel "$tmp/k" --timeout 0
expect 2 "$gate" --kernel "$tmp/k" --accel hvf
expect 2 "$gate" --kernel "$tmp/k" --base-modules "$tmp"
expect 2 "$gate" --kernel "$tmp/k" --base "$tmp/no-such-base"
expect 2 "$gate" --kernel "$tmp/k" --base "$tmp/empty"
expect 2 "$gate" --kernel "$tmp/k" --known "$tmp/no-such-list"
expect 2 "$gate" --kernel "$tmp/k" --timeout
expect 0 "$gate" --help
echo "$out" | grep -q "^exit status: 0" || fail "--help: $out"

# The rest boots the fake: it needs the gate's host tools.
for t in busybox python3 strings; do
	command -v $t >/dev/null || { echo "SKIP: $t is not installed (ci/install-deps.sh)"; exit 4; }
done
mkdir -p "$tmp/bin"
ln -s "$src/tests/gate/fake-qemu" "$tmp/bin/qemu-system-x86_64"
export PATH=$tmp/bin:$PATH
bb=$(command -v busybox) # a static binary where the gate wants a static msrexit; never run as one
kernel() { echo "$1" >"$tmp/$1"; echo "$tmp/$1"; }
run() { expect "$1" "$gate" --msrexit "$bb" --fuzz-seconds 0 --timeout 5 --out "$tmp/out" "${@:2}"; }
junit_counts() { # FILE: "tests failures errors" over its suites
	python3 - "$1" <<'PY'
import sys, xml.etree.ElementTree as ET
s = ET.parse(sys.argv[1]).getroot().findall("testsuite")
print(*(sum(int(x.get(k)) for x in s) for k in ("tests", "failures", "errors")))
PY
}

run 0 --kernel "$(kernel pass)" --junit "$tmp/j.xml"
echo "$out" | grep -q "candidate 6.99.0-fake: boot 1.50 s, kvm loaded at 2.00 s, conform 3.0 s" ||
	fail "times line: $out"
[ "$(junit_counts "$tmp/j.xml")" = "3 0 0" ] || fail "pass: junit $(junit_counts "$tmp/j.xml")"
[ -s "$tmp/out/candidate/console.log" ] && [ -s "$tmp/out/candidate/ktap.txt" ] || fail "no logs in --out"
! grep -q $'\r' "$tmp/out/candidate/ktap.txt" || fail "ktap.txt keeps the serial port's CRs"

run 1 --kernel "$(kernel fail)" --junit "$tmp/j.xml"
[ "$(junit_counts "$tmp/j.xml")" = "3 1 0" ] || fail "fail: junit $(junit_counts "$tmp/j.xml")"
echo "$out" | grep -q "FAIL conform/topic.sometimes_fails: op 1: exit: expected exit, got none" ||
	fail "the failing case and its reason are not shown: $out"

run 2 --kernel "$(kernel nokvm)" --junit "$tmp/j.xml"
echo "$out" | grep -q "KVM did not load" || fail "nokvm: $out"
[ "$(junit_counts "$tmp/j.xml" | cut -d' ' -f3)" = 1 ] || fail "nokvm: junit has no error"

# QEMU's own error exits 1, which is also what isa-debug-exit makes of the guest's "pass"
run 2 --kernel "$(kernel qemu-error)"
echo "$out" | grep -q "without the guest's verdict" || fail "qemu-error: $out"
run 2 --kernel "$(kernel mismatch)"
run 2 --kernel "$(kernel hang)" --junit "$tmp/j.xml"
echo "$out" | grep -q "timed out after 5 s" || fail "hang: $out"
[ "$(junit_counts "$tmp/j.xml")" = "2 0 1" ] || fail "hang: junit $(junit_counts "$tmp/j.xml") (the case that ran and the error)"
run 2 --kernel "$(kernel panic-early)"
echo "$out" | grep -q "failed before KVM loaded" || fail "panic-early: $out"
run 1 --kernel "$(kernel warn-late)"
echo "$out" | grep -q "kernel log shows trouble after KVM loaded" || fail "warn-late: $out"

# --known: a listed failure is reported, not gating; an unlisted one fails
printf '# a comment\nconform/topic.sometimes_*  the suite expects kvm_pvm here\n' >"$tmp/known"
run 0 --kernel "$(kernel fail)" --known "$tmp/known"
echo "$out" | grep -q "known failures.*: 1" || fail "--known: $out"
printf 'conform/other.case  fixed long ago\n' >"$tmp/known2"
run 1 --kernel "$(kernel fail)" --known "$tmp/known2"
echo "$out" | grep -q "known failures that do not fail here .*: 1: conform/other.case" || fail "--known stale entry: $out"
run 0 --kernel "$(kernel pass)" --known "$tmp/known"

# a known entry with signatures covers a failure only while it shows no other signature
printf 'conform/* sig=rdmsr/OK/rax-expected-got-wrong,wrmsr/INVAL/exit-expected-got-success  pass-through\n' >"$tmp/known3"
run 0 --kernel "$(kernel fail)" --known "$tmp/known3"
printf 'conform/* sig=rdmsr/OK/rax-expected-got-wrong  something else\n' >"$tmp/known4"
run 1 --kernel "$(kernel fail)" --known "$tmp/known4"

# --base: a failure the base has too is old; one the base passes is new
run 0 --kernel "$(kernel fail)" --base "$(kernel fail)"
echo "$out" | grep -q "failing on base1 too (reported, not gating): 1" || fail "--base old: $out"
run 1 --kernel "$(kernel fail)" --base "$(kernel pass)"
echo "$out" | grep -q "conform/topic.sometimes_fails: pass -> fail" || fail "--base new: $out"
run 2 --kernel "$(kernel pass)" --base "$(kernel nokvm)"

# a fuzz batch only the candidate had time for is not a new failure; one both ran is compared
fuzz_ktap() { # FILE RESULT...: a gate KTAP whose fuzz part has these batch results
	local f=$1 i=0 r
	shift
	{
		echo "KTAP version 1"
		echo "1..1"
		echo "    KTAP version 1"
		for r; do
			i=$((i + 1))
			[ "$r" = ok ] && echo "    ok $i fuzz-00$i" || echo "    not ok $i fuzz-00$i"
		done
		echo "    1..$i"
		echo "not ok 1 fuzz"
	} >"$f"
}
fuzz_ktap "$tmp/fc" ok fail
fuzz_ktap "$tmp/fb" ok
expect 0 python3 "$src/ci/gate/ktap.py" verdict "$tmp/fc" --base "b=$tmp/fb"
fuzz_ktap "$tmp/fb" ok ok
expect 1 python3 "$src/ci/gate/ktap.py" verdict "$tmp/fc" --base "b=$tmp/fb"
echo "$out" | grep -q "fuzz/fuzz-002: ok -> fail\|fuzz/fuzz-002: pass -> fail" || fail "fuzz batch: $out"

# ci/matrix's table from two kernels' KTAP: the case that differs, with the failing kernel's reason
run 0 --kernel "$(kernel pass)" && cp "$tmp/out/candidate/ktap.txt" "$tmp/a.ktap"
run 1 --kernel "$(kernel fail)" && cp "$tmp/out/candidate/ktap.txt" "$tmp/b.ktap"
expect 0 python3 "$src/ci/gate/ktap.py" matrix "A=$tmp/a.ktap" "B=$tmp/b.ktap" \
	--markdown "$tmp/m.md" --html "$tmp/m.html" --known "$tmp/known"
grep -qF "| conform/topic.sometimes_fails | pass | fail | B: the suite expects kvm_pvm here (seen: op 1: exit: expected exit, got none [wrmsr/INVAL/exit-expected-got-success]) |" \
	"$tmp/m.md" || fail "matrix row: $(grep sometimes "$tmp/m.md")"
grep -qF "| conform/topic.always_passes | pass | pass |  |" "$tmp/m.md" || fail "matrix: same results"
grep -q "<td style='background:#f4c0c0'" "$tmp/m.html" || fail "matrix.html has no failing cell"
echo "PASS: gate arguments and exit statuses"
