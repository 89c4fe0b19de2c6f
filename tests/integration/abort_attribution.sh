#!/usr/bin/env bash
# abort_attribution.sh - a run stopped by an emulation failure is blamed on the access at its RIP.
set -euo pipefail
bin=$1
. "$(dirname "$0")/lib.sh"
need_kvm
tmp=$(mktemp -d); trap 'rm -rf "$tmp"' EXIT
# An exit, an in-kernel read, then WRMSRNS without the CPUID bit: #UD on
# hardware, KVM_EXIT_INTERNAL_ERROR on kvm_pvm (measured on 6.18).
cat >"$tmp/p.msr" <<'P'
setup mask=UNKNOWN
rdmsr 0x12345678 data=5
rdmsr EFER
wrmsrns EFER 0x500
P
set +e; out=$("$bin" run -v "$tmp/p.msr" 2>&1); set -e
if ! echo "$out" | grep -q "run aborted here: KVM_EXIT_INTERNAL_ERROR"; then
	echo "SKIP: this kernel does not stop on WRMSRNS; output:"
	echo "$out"
	exit 4
fi
echo "$out" | grep -q "p.msr:4: op 2: run: expected completed" || fail "abort blamed elsewhere: $out"
echo "$out" | grep -q "0 rdmsr .*-> success rax 0x5 rdx 0x0 rip +2" || fail "op 0 lost: $out"
echo "$out" | grep -q "1 rdmsr EFER .*: success rax 0x" || fail "op 1 lost: $out"
echo "abort_attribution: ok"
