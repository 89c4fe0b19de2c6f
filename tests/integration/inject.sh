#!/usr/bin/env bash
# inject.sh - the checker catches a wrong answer: with a fault injected in the harness, runs must fail.
set -euo pipefail
bin=$1 src=$2
. "$(dirname "$0")/lib.sh"
need_kvm
tmp=$(mktemp -d); trap 'rm -rf "$tmp"' EXIT
cat >"$tmp/p.msr" <<'P'
setup mask=UNKNOWN
rdmsr 0x12345678 data=0x1122334455667788
rdmsr 0x12345678 error=1
P
expect 0 "$bin" run "$tmp/p.msr"
MSREXIT_INJECT=reply-data expect 1 "$bin" run "$tmp/p.msr"
echo "$out" | grep -q "op 0: rax: expected 0x55667788, got 0x55667789" || fail "reply-data: $out"
MSREXIT_INJECT=reply-error expect 1 "$bin" run "$tmp/p.msr"
echo "$out" | grep -q "op 1: result" || fail "reply-error: $out"
# a kernel that resumes one byte late lands in the pad: the RIP is exact, +3 not +2
MSREXIT_INJECT=skip expect 1 "$bin" run "$tmp/p.msr"
echo "$out" | grep -q "op 0: rip: expected +2, got +3" || fail "skip: $out"
# a finding outranks bad input: one mismatching program and one missing file exit 1
MSREXIT_INJECT=reply-data expect 1 "$bin" run "$tmp/p.msr" "$tmp/missing.msr"
MSREXIT_INJECT=hang expect 1 "$bin" run --timeout 300 "$tmp/p.msr"
echo "$out" | grep -q "watchdog" || fail "hang: $out"
if [ -w /dev/kmsg ] && [ -r /dev/kmsg ]; then
	MSREXIT_INJECT=kmsg expect 1 "$bin" run "$tmp/p.msr"
	echo "$out" | grep -q "kernel health: kernel log: .*WARNING" || fail "kmsg: $out"
fi
echo "inject: ok"
