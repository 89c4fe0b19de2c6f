#!/usr/bin/env bash
# cli.sh - the command line: help everywhere, clear errors with file:line:column, exit statuses.
set -euo pipefail
bin=$1 src=$2
. "$(dirname "$0")/lib.sh"
tmp=$(mktemp -d); trap 'rm -rf "$tmp"' EXIT
seed=$src/corpus/seeds/31-readme-example.msr

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
# any bytes are a binary program: with the magic, or raw with --binary (tests/integration/input.sh)
head -c 300 /dev/urandom >"$tmp/r.bin"
expect 0 "$bin" disasm --binary "$tmp/r.bin"
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
expect 2 "$bin" conform --list -t nomatch   # as the running path does
echo "$out" | grep -q "no case matches" || fail "conform --list -t nomatch: $out"
# Bad input outranks the skip: without KVM a malformed file is still exit 2, and named
MSREXIT_KVM_DEVICE=/dev/null expect 2 "$bin" run "$src/corpus/seeds/01-unknown-read-exit.msr" \
	"$tmp/bad.msr"
echo "$out" | grep -q "bad.msr:2:7: error: .*EFERX" || fail "no-KVM run of a bad file: $out"

# Numbers in options: digits only, in range, nothing after them
for v in 5abc 4294967297 -1 "" 0 257 " 5" +5 0x5 18446744073709551617; do
	expect 2 "$bin" bench -n "$v"
	echo "$out" | grep -qF -- "msrexit bench: -n takes a whole number from 1 to 256, not '$v'" ||
		fail "bench -n '$v': $out"
done
for v in 5abc 4294967297 -1 "" 0 600001; do
	expect 2 "$bin" run --timeout "$v" "$src/corpus/seeds/01-unknown-read-exit.msr"
	echo "$out" | grep -qF -- "--timeout takes a whole number from 1 to 600000, not '$v'" ||
		fail "run --timeout '$v': $out"
done
# valid values get as far as opening the device
MSREXIT_KVM_DEVICE=/dev/null expect 4 "$bin" bench -n 256
MSREXIT_KVM_DEVICE=/dev/null expect 4 "$bin" run --timeout 600000 \
	"$src/corpus/seeds/01-unknown-read-exit.msr"
expect 2 "$bin" bench -x
echo "$out" | grep -q "unknown option '-x'" || fail "bench -x: $out"
echo "$out" | grep -q "takes" && fail "bench -x blames -n: $out"
expect 2 "$bin" bench -n
echo "$out" | grep -q -- "-n needs a value" || fail "bench -n without a value: $out"
expect 2 "$bin" run --bogus "$src/corpus/seeds/01-unknown-read-exit.msr"
echo "$out" | grep -q -- "unknown option '--bogus'" || fail "run --bogus: $out"
expect 2 "$bin" run --reuse=1 "$src/corpus/seeds/01-unknown-read-exit.msr"
echo "$out" | grep -q -- "'--reuse=1': no such option, or it takes no value" ||
	fail "run --reuse=1: $out"
expect 0 "$bin" run --help
echo "$out" | grep -q -- "--reuse" || fail "run --help does not mention --reuse: $out"
for c in asm disasm; do
	expect 2 "$bin" "$c" -x "$seed"
	echo "$out" | grep -q "^msrexit $c: unknown option '-x'" || fail "$c -x: $out"
	expect 2 "$bin" "$c" "$seed" -o
	echo "$out" | grep -q "^msrexit $c: -o needs a value" || fail "$c -o: $out"
	expect 2 "$bin" "$c" "$seed" "$seed"
	echo "$out" | grep -q "^msrexit $c: expected exactly one input file" || fail "$c: $out"
done

# A write that fails (here: a full disk) is exit status 2 with the reason, never a silent 0
expect_full() { # expect_full STATUS CMD...: CMD's stdout goes to /dev/full
	local want=$1; shift
	set +e; out=$("$@" 2>&1 >/dev/full); local got=$?; set -e
	[ "$got" -eq "$want" ] || fail "'$* >/dev/full' exited $got, want $want: $out"
	echo "$out" | grep -q "write error on standard output: No space left on device" ||
		fail "'$* >/dev/full' does not say why: $out"
}
expect_full 2 "$bin" asm "$seed"
expect_full 2 "$bin" disasm "$seed"
expect_full 2 "$bin" conform --list
expect_full 2 "$bin" --help
for c in run asm disasm facts conform bench; do
	expect_full 2 "$bin" "$c" --help
done
expect 2 "$bin" asm "$seed" -o /dev/full
expect 2 "$bin" disasm "$seed" -o /dev/full
MSREXIT_KVM_DEVICE=/dev/null expect 2 "$bin" conform --junit /dev/full
echo "$out" | grep -q "JUnit file failed: No space left on device" || fail "junit: $out"

expect 2 "$bin" bench -n 0
expect 2 "$bin" bench --execs 0
echo "$out" | grep -qF -- "msrexit bench: --execs takes a whole number from 1 to" || fail "bench --execs 0: $out"
expect 2 "$bin" bench --execs
echo "$out" | grep -q -- "--execs needs a value" || fail "bench --execs without a value: $out"
if [ -e /dev/kvm ]; then
	expect_full 2 "$bin" run "$seed"
	expect_full 2 "$bin" facts
	expect_full 2 "$bin" conform -t capability.system_fd
	expect_full 2 "$bin" bench -n 1 --no-suite
	expect 2 "$bin" conform -t capability.system_fd --junit /dev/full
	# the ok line names what it counts; EFER is KVM's own: no MSR exit, one KVM_RUN
	expect 0 "$bin" run "$seed"
	echo "$out" | grep -Eq "ok \(4 steps, 2 MSR exits, [0-9]+ KVM_RUNs\)$" || fail "ok line: $out"
	printf 'rdmsr EFER\n' >"$tmp/efer.msr"
	expect 0 "$bin" run "$tmp/efer.msr"
	echo "$out" | grep -Eq "ok \(1 step, 0 MSR exits, [0-9]+ KVM_RUNs?\)$" || fail "ok line: $out"
	# figures are printed, never asserted: a noisy machine moves them
	expect 0 "$bin" bench -n 2 --no-suite --execs 20
	for what in "MSR exit round trip" "RDMSR the kernel handles" "an exiting access in a program" \
		"an in-kernel access in a program" "a CPL3 access" "a 64-step mixed program" \
		"first filter on a new VM" "oracle for a 64-step program" \
		"executions with VM reuse .* (20 executions)" "executions with a new VM each" \
		"speedup (reuse over new VMs)" "efficiency (round trips / execution)" \
		"the reset before it" "resident set .* grew .* fds, grew"; do
		echo "$out" | grep -q "$what" || fail "bench lacks '$what': $out"
	done
	# --json: one object with the executor's keys, each a positive number; the suite's time too;
	# the fuzzing figures (growths are numbers of either sign)
	expect 0 "$bin" bench -n 1 --json --execs 20
	echo "$out" | python3 -c '
import json, sys
o = json.loads(sys.stdin.read())
for k in ("limit_exit_us", "exit_us", "limit_in_kernel_us", "in_kernel_us", "exit_ratio",
          "in_kernel_ratio", "gp_us", "cpl3_us", "one_access_us", "mixed_us", "suite_s",
          "execs_per_s", "fresh_execs_per_s", "speedup", "efficiency", "exec_us", "ideal_us"):
    assert isinstance(o[k], float) and o[k] > 0, k
for k in ("rss_growth_kb", "fd_growth"):
    assert isinstance(o[k], int) and not isinstance(o[k], bool), k
assert o["execs"] == 20, o["execs"]
' || fail "bench --json: $out"
fi
echo "cli: ok"
