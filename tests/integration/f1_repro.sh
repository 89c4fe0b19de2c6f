#!/usr/bin/env bash
# f1_repro.sh - corpus/findings/F1-repro.c is what msrexit emits today, builds with cc -Wall
# -Werror, and reproduces F1 (exit 1, naming the second exit) where the kernel has it.
set -euo pipefail
bin=$1 src=$2
. "$(dirname "$0")/lib.sh"
need_kvm
tmp=$(mktemp -d); trap 'rm -rf "$tmp"' EXIT
f1=$src/corpus/findings/f1-host-efer-nxe-pending-exit.msr
committed=$src/corpus/findings/F1-repro.c

cc -Wall -Werror -o "$tmp/f1" "$committed" || fail "$committed does not build"
# The expectations in it are the oracle's on the platform where F1 was seen: compare there
backend=$("$bin" facts | sed -n '1s/.*backend \([a-z_]*\).*/\1/p')
if [ "$backend" = kvm_pvm ] && [ "$("$bin" facts | sed -n '1s/^kernel \([0-9]*\.[0-9]*\).*/\1/p')" = 6.18 ]; then
	"$bin" repro --emit-c "$f1" -o "$tmp/F1-repro.c" 2>/dev/null
	diff -u "$committed" "$tmp/F1-repro.c" >"$tmp/drift" ||
		fail "corpus/findings/F1-repro.c drifted from what msrexit emits; regenerate it:
  msrexit repro --emit-c corpus/findings/f1-host-efer-nxe-pending-exit.msr -o corpus/findings/F1-repro.c
$(head -n 40 "$tmp/drift")"
else
	echo "note: backend $backend: F1-repro.c was emitted on kvm_pvm 6.18; not compared here"
fi

set +e; "$bin" run -q "$f1" >"$tmp/run.out" 2>&1; has_f1=$?; "$tmp/f1" >"$tmp/out" 2>&1; st=$?; set -e
cat "$tmp/out"
if [ "$has_f1" -eq 1 ]; then
	[ "$st" -eq 1 ] || fail "F1 reproduces with msrexit run but its C reproducer exits $st"
	grep -qF "op 0 (line 5: wrmsr UNKNOWN_12345678 0x1 hold): the run stopped: a second MSR exit (WRMSR, index 0x12345678, RIP +0) for one access; expected the run to complete" \
		"$tmp/out" || fail "the message does not name the second exit"
else
	[ "$st" -eq 0 ] || fail "F1 does not reproduce with msrexit run, its C reproducer exits $st"
fi
echo "f1_repro: ok"
