#!/usr/bin/env bash
# cli.sh - the command line: help everywhere, clear errors with file:line:column, exit statuses.
set -euo pipefail
bin=$1 src=$2
. "$(dirname "$0")/lib.sh"
tmp=$(mktemp -d); trap 'rm -rf "$tmp"' EXIT

for c in run asm disasm facts conform bench; do
	expect 0 "$bin" "$c" --help
	echo "$out" | grep -q "^usage: msrexit $c" || fail "$c --help: $out"
done
expect 0 "$bin" --help
expect 2 "$bin" frobnicate
expect 2 "$bin" run
expect 2 "$bin" run "$tmp/does-not-exist.msr"
echo "$out" | grep -q "does-not-exist.msr" || fail "missing file not named: $out"
expect 2 "$bin" run --timeout abc "$tmp/does-not-exist.msr"
expect 2 "$bin" run --timeout 0 "$tmp/does-not-exist.msr"
MSREXIT_INJECT=bogus expect 2 "$bin" run "$tmp/does-not-exist.msr"
echo "$out" | grep -q "names no fault" || fail "bad MSREXIT_INJECT: $out"
expect 2 "$bin" conform -t 'capability.*' --junit "$tmp/no/such/dir.xml"

printf 'rdmsr EFER\nrdmsr EFERX\n' >"$tmp/bad.msr"
expect 2 "$bin" run "$tmp/bad.msr"
echo "$out" | grep -q "bad.msr:2:7: error: .*EFERX" || fail "syntax error position: $out"
expect 2 "$bin" asm "$tmp/bad.msr"

# asm/disasm: text -> binary -> canonical text -> binary is stable
printf '# comment\nsetup mask=UNKNOWN|FILTER\nrdmsr 0x12345678 data=0x1122334455667788\nwrmsr LSTAR 0xffffffff81000000\n' >"$tmp/a.msr"
expect 0 "$bin" asm "$tmp/a.msr" -o "$tmp/a.bin"
expect 0 "$bin" disasm "$tmp/a.bin" -o "$tmp/b.msr"
expect 0 "$bin" asm "$tmp/b.msr" -o "$tmp/b.bin"
cmp -s "$tmp/a.bin" "$tmp/b.bin" || fail "asm(disasm(asm(x))) differs from asm(x)"
grep -q "^wrmsr LSTAR 0xffffffff81000000" "$tmp/b.msr" || fail "disasm text: $(cat "$tmp/b.msr")"
# any bytes are a program
head -c 300 /dev/urandom >"$tmp/r.bin"
expect 0 "$bin" disasm "$tmp/r.bin"
# Without KVM every command that needs it says why and exits 4 (kselftest's skip)
for dev in "$tmp/no-such-device" /dev/null; do
	for cmd in "run $src/corpus/seeds/01-unknown-read-exit.msr" facts bench conform; do
		MSREXIT_KVM_DEVICE=$dev expect 4 "$bin" $cmd
		echo "$out" | grep -q "$dev" || fail "no-KVM message for '$cmd' does not name $dev: $out"
	done
done
MSREXIT_KVM_DEVICE=/dev/null expect 4 "$bin" conform --junit "$tmp/skip.xml"
echo "$out" | grep -q "^1\.\.0 # SKIP" || fail "conform without KVM: $out"
grep -q "<skipped" "$tmp/skip.xml" || fail "JUnit of a skipped run has no skipped cases"
expect 0 "$bin" conform --list   # listing needs no KVM

expect 2 "$bin" bench -n 0
if [ -e /dev/kvm ]; then
	# figures are printed, never asserted: a noisy machine moves them
	expect 0 "$bin" bench -n 2
	for what in "MSR exit round trip" "MSR KVM handles itself" "first filter on a new VM" \
		"oracle for a 64-step program"; do
		echo "$out" | grep -q "$what" || fail "bench lacks '$what': $out"
	done
fi
echo "cli: ok"
