#!/usr/bin/env bash
# minimize.sh - msrexit minimize shrinks a padded 60-step failing program to a few steps, same signature.
set -euo pipefail
bin=$1 src=$2
. "$(dirname "$0")/lib.sh"
need_kvm
tmp=$(mktemp -d); trap 'rm -rf "$tmp"' EXIT

# expect_clean STATUS CMD...: as expect; a run that failed only through a WARNING another test
# injected at the same time (MSREXIT_INJECT=kmsg: "injected for a test") is run again
expect_clean() {
	local want=$1 got try; shift
	for try in 1 2 3; do
		set +e; out=$("$@" 2>&1); got=$?; set -e
		[ "$got" -eq "$want" ] && return 0
		echo "$out" | grep -q "injected for a test" || break
	done
	fail "'$*' exited $got, want $want; output:
$out"
}

# pad FILE STEP...: a 60-step program, the given steps at step 30 among harmless ones
pad() {
	local file=$1; shift
	{
		echo "setup vcpus=2 mask=UNKNOWN|INVAL filter=0"
		printf 'filter 0\n\trange read LSTAR 1 allow\n\trange write 0x10 64 pattern=0x00ff\nend\n'
		printf 'filter 1 default=deny\nend\n'
		local steps=("rdmsr EFER" "wrmsr STAR 0x23001000000000" "rdmsr LSTAR vcpu=1"
			"host get EFER PAT" "wrmsr 0x12345679 0x5 error=1" "rdmsr PAT cpl=3" "host regs"
			"wrmsr 0xdeadbeef 0x7 vcpu=1")
		for i in $(seq 0 $((59 - $#))); do
			[ "$i" -eq 30 ] && printf '%s\n' "$@"
			echo "${steps[$((i % 8))]}"
		done
	} >"$file"
	return 0
}

# check_minimized IN OUT SIG MAXSTEPS: sizes printed, the result small, commented, same signature
check_minimized() {
	local in=$1 min=$2 sig=$3 max=$4 n
	echo "$out" | grep -qF "signature: $sig" || fail "minimize of $in: $out"
	echo "$out" | grep -q "^size: 60 steps, 2 filters, 2 ranges, [0-9]* host MSR entries, [0-9]* bytes as text$" ||
		fail "size before: $out"
	echo "$out" | grep -q "^  ->  [0-9] steps, 0 filters, 0 ranges, [0-9]* host MSR entries," ||
		fail "size after: $out"
	n=$(grep -c "# op [0-9]*: expected" "$min") || true
	[ "$n" -ge 1 ] && [ "$n" -le "$max" ] || fail "$n steps left (at most $max):
$(cat "$min")"
	grep -q "^# Signature: $sig$" "$min" || fail "no signature line: $(cat "$min")"
	grep -q "differs: " "$min" || fail "the failing step is not marked: $(cat "$min")"
}

# A failure planted in the harness: RDMSR replies reach the guest with data ^ 1
pad "$tmp/inject.msr" "rdmsr 0x12345678 data=0x1122334455667788 rax=0x5"
[ "$(grep -c . "$tmp/inject.msr")" -eq 67 ] || fail "padding: $(cat "$tmp/inject.msr")"
expect_clean 0 "$bin" run "$tmp/inject.msr"
sig="rdmsr/UNKNOWN/rax-expected-got-wrong"
MSREXIT_INJECT=reply-data expect 0 "$bin" minimize "$tmp/inject.msr" -o "$tmp/inject-min.msr"
check_minimized "$tmp/inject.msr" "$tmp/inject-min.msr" "$sig" 1
echo "$out" | grep -qF "minimize: dropped steps:" || fail "no progress lines: $out"
grep -q "^setup mask=UNKNOWN$" "$tmp/inject-min.msr" || fail "setup: $(cat "$tmp/inject-min.msr")"
grep -q "^rdmsr UNKNOWN_12345678  *# op 0: .*differs: rax: expected 0x0, got 0x1$" "$tmp/inject-min.msr" ||
	fail "reply data and RAX simplified to their defaults: $(cat "$tmp/inject-min.msr")"
# an -o that cannot be written is refused before minimizing (which can take minutes), not after
MSREXIT_INJECT=reply-data expect 2 "$bin" minimize "$tmp/inject.msr" -o "$tmp/no-such-dir/m.msr"
echo "$out" | grep -qF -- "-o $tmp/no-such-dir/m.msr: cannot write in $tmp/no-such-dir" ||
	fail "missing -o directory: $out"
! echo "$out" | grep -q "^signature:" || fail "minimized before checking -o: $out"
MSREXIT_INJECT=reply-data expect 2 "$bin" minimize "$tmp/inject.msr" -o "$tmp"
echo "$out" | grep -qF -- "-o $tmp is a directory" || fail "-o a directory: $out"
[ -z "$(ls "$tmp" | grep '\.tmp')" ] || fail "a temporary file was left: $(ls "$tmp")"
# the result replays: with the fault it fails with the same signature, without it it is fine
MSREXIT_INJECT=reply-data expect 1 "$bin" repro "$tmp/inject-min.msr"
echo "$out" | grep -qF "signature: $sig" || fail "replay: $out"
expect_clean 0 "$bin" run "$tmp/inject-min.msr"

# F1 where the kernel has it (kvm_pvm): 60 steps down to the held exit and the host write
f1=$src/corpus/findings/f1-host-efer-nxe-pending-exit.msr
set +e; "$bin" run -q "$f1" >/dev/null 2>&1; has_f1=$?; set -e
if [ "$has_f1" -eq 1 ]; then
	pad "$tmp/f1.msr" "wrmsr 0x1234abcd 0x77 rax_hi=0x5 data=0x9 hold" "host set EFER=0x501 PAT=0x1" \
		"rdmsr EFER"
	expect 0 "$bin" minimize "$tmp/f1.msr" -o "$tmp/f1-min.msr"
	check_minimized "$tmp/f1.msr" "$tmp/f1-min.msr" "wrmsr/run/completion-expected-got-second-exit" 3
	# only NXE differs from the initial EFER: the value was simplified bit by bit toward it
	grep -q "^host set EFER=0x501 " "$tmp/f1-min.msr" || fail "F1: $(cat "$tmp/f1-min.msr")"
	grep -q "^wrmsr UNKNOWN_12345678 0x0 hold " "$tmp/f1-min.msr" || fail "F1: $(cat "$tmp/f1-min.msr")"
else
	echo "note: F1 does not reproduce on this kernel: its minimization is not checked here"
fi
echo "minimize: ok"
