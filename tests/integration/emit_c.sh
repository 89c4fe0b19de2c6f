#!/usr/bin/env bash
# emit_c.sh - every seed, conformance, regression and finding program as a C reproducer: it
# compiles with cc -Wall -Werror, uses only libc and UAPI headers, and gives `msrexit run`'s verdict.
set -euo pipefail
bin=$1 src=$2
. "$(dirname "$0")/lib.sh"
need_kvm
tmp=$(mktemp -d); trap 'rm -rf "$tmp"' EXIT
shopt -s nullglob
progs=("$src"/corpus/seeds/*.msr "$src"/conformance/*/*.msr "$src"/corpus/regressions/*.msr
	"$src"/corpus/findings/*.msr)
[ ${#progs[@]} -ge 200 ] || fail "only ${#progs[@]} programs"

i=0
for p in "${progs[@]}"; do
	i=$((i + 1))
	printf '%s\n' "$p" >"$tmp/$i.src"
done
# emit and compile in parallel (-O0: this is about the warnings and the verdicts)
seq 1 "$i" | xargs -P "$(nproc)" -n 8 sh -c '
	bin=$1 tmp=$2; shift 2
	for k; do
		"$bin" repro --emit-c "$(cat "$tmp/$k.src")" -o "$tmp/$k.c" 2>"$tmp/$k.err" ||
			{ echo "$k emit"; continue; }
		cc -O0 -Wall -Werror -o "$tmp/$k" "$tmp/$k.c" 2>"$tmp/$k.cc" || echo "$k cc"
	done' sh "$bin" "$tmp" >"$tmp/failed"
if [ -s "$tmp/failed" ]; then
	read -r k what <"$tmp/failed"
	fail "$(wc -l <"$tmp/failed") reproducers failed ($what), e.g. $(cat "$tmp/$k.src"):
$(head -n 20 "$tmp/$k.err" "$tmp/$k.cc" 2>/dev/null)"
fi

# Nothing of ours: only these system headers
allowed='errno.h|fcntl.h|linux/kvm.h|signal.h|stdarg.h|stdint.h|stdio.h|stdlib.h|string.h|sys/ioctl.h|sys/mman.h|sys/time.h|unistd.h'
bad=$(grep -h '^[[:space:]]*#[[:space:]]*include' "$tmp"/*.c | grep -Ev "^#include <($allowed)>$" | sort -u) || true
[ -z "$bad" ] || fail "includes beyond libc and the UAPI headers: $bad"

# msrexit run's verdicts, in one run: a program fails when a mismatch line names it (a
# kernel-health-only finding may be another test's injected WARNING: not the program's verdict)
set +e; "$bin" run -q "${progs[@]}" >"$tmp/run.out" 2>&1; set -e
run_verdict() {
	if grep -F -- "$1:" "$tmp/run.out" | grep -vq '\[kernel/health\]$'; then echo 1; else echo 0; fi
}

nrepro=0
for ((k = 1; k <= i; k++)); do
	p=$(cat "$tmp/$k.src")
	want=$(run_verdict "$p")
	set +e; "$tmp/$k" >"$tmp/$k.out" 2>&1; got=$?; set -e
	[ "$got" -eq "$want" ] || fail "$p: the C reproducer exits $got, msrexit run $want:
$(cat "$tmp/$k.out")"
	if [ "$got" -eq 1 ]; then
		nrepro=$((nrepro + 1))
		grep -q "^REPRODUCED: [0-9]* difference" "$tmp/$k.out" || fail "$p: $(cat "$tmp/$k.out")"
	else
		grep -qx "not reproduced: the kernel did what it should" "$tmp/$k.out" ||
			fail "$p: $(cat "$tmp/$k.out")"
	fi
done

# Without /dev/kvm the reproducer skips (4), where a private mount namespace can hide it
if unshare --mount --propagation private true 2>/dev/null; then
	set +e
	o=$(unshare --mount --propagation private sh -c 'mount -t tmpfs none /dev && "$0"' "$tmp/1" 2>&1)
	st=$?
	set -e
	[ "$st" -eq 4 ] || fail "without /dev/kvm the reproducer exits $st, want 4: $o"
	echo "$o" | grep -q "^SKIP: /dev/kvm: No such file or directory$" || fail "no-KVM message: $o"
fi
echo "emit-c: $i programs, each reproducer compiles and agrees with msrexit run ($nrepro reproduce here)"
