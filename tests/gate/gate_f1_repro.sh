#!/usr/bin/env bash
# gate_f1_repro.sh - F1's C reproducer, run by ci/gate-kernel --run-extra inside Debian's 6.12 under
# QEMU, exits 0 there (the finding is kvm_pvm's); a program exiting 1 or 4 beside it is reported
# "not ok" / skipped and fails the gate. Skips (4) without QEMU, busybox, cc, a static msrexit
# (ci/build.sh static, or $MSREXIT_STATIC_BIN) or the kernel package.
set -euo pipefail
src=$1
. "$src/tests/integration/lib.sh"
tmp=$(mktemp -d); trap 'rm -rf "$tmp"' EXIT
skip() { echo "SKIP: $*"; exit 4; }

command -v qemu-system-x86_64 >/dev/null || skip "qemu-system-x86_64 is not installed (ci/install-deps.sh)"
command -v busybox >/dev/null || skip "busybox is not installed (ci/install-deps.sh)"
command -v cc >/dev/null || skip "no cc to build the reproducer"
static=${MSREXIT_STATIC_BIN:-$src/build-static/msrexit}
[ -x "$static" ] || skip "no static msrexit at $static (ci/build.sh static)"
deb=$("$src/ci/gate/fetch-kernel.sh" 6.12) || skip "Debian's 6.12 kernel package cannot be had here"
printf 'int main(void) { return 1; }\n' >"$tmp/exits-1.c"
printf 'int main(void) { return 4; }\n' >"$tmp/exits-4.c"

gate() { # OUT EXTRA...: the gate with --extra-only, its status in st, its output in $tmp/OUT.log
	local o=$1 a=() f
	shift
	for f; do a+=(--run-extra "$f"); done
	set +e
	"$src/ci/gate-kernel" --deb "$deb" --msrexit "$static" --extra-only "${a[@]}" --timeout 150 \
		--out "$tmp/$o" >"$tmp/$o.log" 2>&1
	st=$?
	set -e
	grep -v "# facts:" "$tmp/$o.log"
	[ "$st" -ne 2 ] || fail "infrastructure error booting $deb (status 2); console:
$(tail -20 "$tmp/$o/candidate/console.log")"
}

gate f1 "$src/corpus/findings/F1-repro.c"
k=$tmp/f1/candidate/ktap.txt
grep -q "^# facts: kernel 6\.12\.[0-9]*, backend kvm_amd" "$k" || fail "not Debian's 6.12 with kvm_amd"
grep -q "^    # F1-repro: exit status 0$" "$k" || fail "F1-repro did not exit 0: $(grep F1-repro "$k")"
grep -q "^    # not reproduced: the kernel did what it should$" "$k" || fail "F1-repro's verdict line is missing"
grep -q "^    ok 1 F1-repro$" "$k" || fail "F1-repro is not 'ok 1'"
grep -q "^ok 1 conform # SKIP --extra-only$" "$k" || fail "--extra-only ran conform"
grep -q "^ok 5 kernel_health" "$k" || fail "kernel_health did not pass after the extra part"
grep -q "^  extra: # F1-repro: exit status 0$" "$tmp/f1.log" || fail "the gate's output does not show F1-repro's exit status"
[ "$st" -eq 0 ] || fail "the gate exited $st with F1-repro passing"

# The plumbing judges exit statuses: 1 fails the part and the gate, 4 is a skip.
gate other "$tmp/exits-1.c" "$tmp/exits-4.c"
k=$tmp/other/candidate/ktap.txt
grep -q "^    not ok 1 exits-1 # exit status 1$" "$k" || fail "exit 1 is not 'not ok'"
grep -q "^    ok 2 exits-4 # SKIP exit status 4$" "$k" || fail "exit 4 is not a skip"
grep -q "^not ok 4 extra # exit status 1" "$k" || fail "the extra part did not fail"
[ "$st" -eq 1 ] || fail "the gate exited $st with a program exiting 1, wants 1"
echo "PASS: F1-repro.c exits 0 in $(basename "$deb") under QEMU; exit 1 fails the gate, 4 skips"
