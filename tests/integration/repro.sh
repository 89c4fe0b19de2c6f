#!/usr/bin/env bash
# repro.sh - msrexit repro and minimize: bad files, traces, kernel log, signatures, fuzzer inputs.
set -euo pipefail
bin=$1 src=$2
. "$(dirname "$0")/lib.sh"
tmp=$(mktemp -d); trap 'rm -rf "$tmp"' EXIT

# expect_out STATUS WANT CMD...: as expect, and the output must contain WANT (a fixed string)
expect_out() {
	local want=$1 text=$2; shift 2
	expect "$want" "$@"
	echo "$out" | grep -qF -- "$text" || fail "'$*' does not say '$text':
$out"
}

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

# Bad files: a clear message naming the file, exit 2, with or without KVM
: >"$tmp/empty.msr"
mkdir "$tmp/dir.msr"
printf 'setup mask=FILTER filter=0\nfilter 0\n\trange read EF' >"$tmp/cut-word.msr"
printf 'setup mask=FILTER filter=0\nfilter 0\n\trange read EFER 1 deny\n' >"$tmp/cut-block.msr"
printf 'hello, world\n' >"$tmp/hello.msr"
printf '\177ELF\2\1\1\0\0\0\0\0\0\0\0\0\3\0>\0' >"$tmp/elf"
truncate -s 100M "$tmp/huge.msr"
for c in "repro" "repro --emit-c" "minimize -o $tmp/out.msr"; do
	expect_out 2 "$tmp/empty.msr: is empty" "$bin" $c "$tmp/empty.msr"
	expect_out 2 "$tmp/dir.msr: is a directory" "$bin" $c "$tmp/dir.msr"
	expect_out 2 "$tmp/cut-word.msr:3:16: error: expected 'range FLAGS BASE NMSRS BITMAP'" \
		"$bin" $c "$tmp/cut-word.msr"
	echo "$out" | grep -qF "$tmp/cut-word.msr ends before the program does: truncated?" || fail "$out"
	expect_out 2 "$tmp/cut-block.msr:2:1: error: filter 0 has no 'end'" \
		"$bin" $c "$tmp/cut-block.msr"
	echo "$out" | grep -qF "$tmp/cut-block.msr ends before the program does: truncated?" ||
		fail "$out"
	expect_out 2 "$tmp/hello.msr:1:1: error: unknown statement" "$bin" $c "$tmp/hello.msr"
	expect_out 2 "is not a text program; if it is a raw fuzzer input, --binary" \
		"$bin" $c "$tmp/elf"
	expect_out 2 "$tmp/huge.msr: is 104857600 bytes: no program or fuzzer input is larger" \
		"$bin" $c "$tmp/huge.msr"
	expect_out 2 "$tmp/missing.msr: cannot read: No such file" "$bin" $c "$tmp/missing.msr"
done
[ ! -e "$tmp/out.msr" ] || fail "minimize wrote a file for bad input"
expect_out 2 "give exactly one input file" "$bin" repro
expect_out 2 "-o is for --emit-c" "$bin" repro -o "$tmp/x.c" "$tmp/hello.msr"
expect_out 2 "give one input file and -o OUT.msr" "$bin" minimize "$tmp/hello.msr"
for c in repro minimize; do
	expect_out 0 "usage: msrexit $c" "$bin" $c --help
done

# Without KVM a good file is a skip (4), after the bad ones above were refused (2)
for c in "repro" "repro --emit-c" "minimize -o $tmp/out.msr"; do
	MSREXIT_KVM_DEVICE=$tmp/no-kvm expect_out 4 "$tmp/no-kvm does not exist" \
		"$bin" $c "$src/corpus/seeds/01-unknown-read-exit.msr"
done

need_kvm
# A passing program: the whole trace, the kernel log section, no signature, exit 0
seed=$src/corpus/seeds/31-readme-example.msr
expect_clean 0 "$bin" repro "$seed"
for want in "input: $seed (text program" "kernel: $(uname -r), backend" "    setup mask=UNKNOWN|FILTER" \
	"  0 rdmsr EFER cpl0 vcpu0: exit RDMSR reason FILTER index 0xc0000080 data 0x0 -> reply error 0 data 0x42 -> success rax 0x42" \
	"[expected: exit RDMSR reason FILTER -> success rax 0x42 rdx 0x0]" \
	"kernel log during this run:" "signature: none" "fresh VMs: reproduced in 0 of 1 run (ok x1)"; do
	echo "$out" | grep -qF -- "$want" || fail "repro of a seed does not say '$want':
$out"
done
expect_clean 0 "$bin" repro --runs 3 --reuse "$seed"
echo "$out" | grep -qF "one reused VM: reproduced in 0 of 3 runs (ok x3)" || fail "--reuse: $out"
echo "$out" | grep -qF "fresh VMs: reproduced in 0 of 3 runs (ok x3)" || fail "--runs 3: $out"
echo "$out" | grep -qF "fresh and reused VMs agree" || fail "--reuse: $out"
[ "$(echo "$out" | grep -c "each step, what happened")" -eq 1 ] || fail "one trace for one outcome: $out"
expect_out 2 "minimize: $seed does not fail here (the run was ok): nothing to minimize" \
	"$bin" minimize "$seed" -o "$tmp/out.msr"

# A planted failure: its signature, the same as a raw fuzzer input of the same program gives
cat >"$tmp/p.msr" <<'P'
setup mask=UNKNOWN
rdmsr 0x12345678 data=0x1122334455667788
P
sig="rdmsr/UNKNOWN/rax-expected-got-wrong"
MSREXIT_INJECT=reply-data expect_out 1 "signature: $sig" "$bin" repro "$tmp/p.msr"
echo "$out" | grep -qF "op 0: rax: expected 0x55667788, got 0x55667789 [$sig]" || fail "$out"
MSREXIT_INJECT=reply-data expect_out 1 "reproduced in 2 of 2 runs ($sig x2)" \
	"$bin" repro --runs 2 "$tmp/p.msr"
"$bin" asm "$tmp/p.msr" -o "$tmp/p.bin"
mkdir -p "$tmp/crashes"
tail -c +4 "$tmp/p.bin" >"$tmp/crash-0123456789abcdef" # libFuzzer: the body, no magic
cp "$tmp/crash-0123456789abcdef" "$tmp/crashes/id:000000,sig:06,src:000001,op:havoc,rep:4"
for f in "$tmp/p.bin" "$tmp/crash-0123456789abcdef" "$tmp/crashes/id:000000,sig:06,src:000001,op:havoc,rep:4"; do
	MSREXIT_INJECT=reply-data expect_out 1 "signature: $sig" "$bin" repro "$f"
done
echo "$out" | grep -qF "(AFL++ input, read as a binary program," || fail "AFL++ input: $out"
MSREXIT_INJECT=reply-data expect_out 1 "(libFuzzer artifact, read as a binary program," \
	"$bin" repro "$tmp/crash-0123456789abcdef"
# a fuzzer's input becomes a C reproducer too (the planted fault is msrexit's, so it passes)
expect_out 0 "msrexit repro: wrote $tmp/crash.c" \
	"$bin" repro --emit-c "$tmp/crash-0123456789abcdef" -o "$tmp/crash.c"
grep -q "^ \*     rdmsr UNKNOWN_12345678 data=0x1122334455667788$" "$tmp/crash.c" || fail "crash.c"
cc -Wall -Werror -o "$tmp/crash" "$tmp/crash.c" || fail "crash.c does not build"
expect_out 0 "not reproduced: the kernel did what it should" "$tmp/crash"
# --text reads a fuzzer artifact as text (and fails on its bytes)
expect 2 "$bin" repro --text "$tmp/crash-0123456789abcdef"

# The signature is the fuzzers': the first mismatch no known platform fact explains (on kvm_pvm
# the MISC_ENABLE write is F2, known; elsewhere it does not fail at all)
cat >"$tmp/known.msr" <<'P'
setup mask=INVAL|UNKNOWN
wrmsr MISC_ENABLE 0x801
rdmsr 0x12345678 data=0x5
P
MSREXIT_INJECT=reply-data expect_out 1 "signature: $sig" "$bin" repro "$tmp/known.msr"

# Every kernel log line written during the run is shown, not only bad ones. An informational
# line (a WARNING would fail the other tests running meanwhile) is written every 20 ms while
# repro replays a seed 50 times.
if [ -w /dev/kmsg ] && [ -r /dev/kmsg ]; then
	(
		echo "<6>msrexit-repro-test: a line repro must show" >/dev/kmsg && : >"$tmp/writing"
		while [ ! -e "$tmp/stop" ]; do
			echo "<6>msrexit-repro-test: a line repro must show" >/dev/kmsg
			sleep 0.02
		done
	) &
	writer=$!
	while [ ! -e "$tmp/writing" ] && kill -0 "$writer" 2>/dev/null; do sleep 0.01; done
	set +e; out=$("$bin" repro --runs 50 "$seed" 2>&1); st=$?; set -e
	: >"$tmp/stop"
	wait "$writer"
	[ "$st" -eq 0 ] || echo "$out" | grep -q "injected for a test" || fail "repro exited $st: $out"
	echo "$out" | grep -q "^  \(kernel log: \)\{0,1\}msrexit-repro-test: a line repro must show$" ||
		fail "the kernel log lines are not shown: $out"
fi
echo "repro: ok"
