#!/usr/bin/env bash
# planted_deep.sh standalone|libfuzzer TARGET MSREXIT SEEDS KIND REGEX RUNS - a deep planted
# deviation (MSREXIT_INJECT=KIND, harness/kvm/inject_deep.c): a program built for it is reported
# with a signature matching REGEX and is clean without it; no seed alone sets it off; and libFuzzer
# with the semantic feedback finds it from the seeds, in one of three runs of RUNS inputs (seeds
# 1, 2, 3: a run that wandered off is not waited for), keeping an input that replays to it.
# Without libFuzzer the search is skipped (4).
set -euo pipefail
. "$(dirname "$0")/../../tests/integration/lib.sh"
mode=$1 target=$2 msrexit=$3 seeds=$4 kind=$5 want=$6 runs=$7
need_kvm
tmp=$(mktemp -d); trap 'rm -rf "$tmp"' EXIT

# the shortest program that sets KIND off: the deep combination, step by step
case "$kind" in
filter-after-gp) cat >"$tmp/p.msr" <<'EOF'
setup mask=FILTER filter=0
filter 0 default=allow
	range rw STAR 1 deny
end
wrmsr LSTAR 0x8000000000000000       # non-canonical, INVAL not in the mask: #GP
wrmsr STAR 0x0023001000000000        # denied: FILTER exit, answered 0
EOF
	;;
set-while-held) cat >"$tmp/p.msr" <<'EOF'
setup mask=UNKNOWN
rdmsr 0x12345678 data=1 hold
host set LSTAR=0xffffffff81234000    # while the exit is held
rdmsr LSTAR                          # the kernel answers: the value just set
EOF
	;;
scribble-after-mask) cat >"$tmp/p.msr" <<'EOF'
setup mask=UNKNOWN
rdmsr 0x12345678 data=1
host mask UNKNOWN|INVAL              # a new mask since that exit
rdmsr 0x12345678 data=0x200000002 scribble
EOF
	;;
*) fail "no program for $kind" ;;
esac
expect 0 "$msrexit" run "$tmp/p.msr"
MSREXIT_INJECT=$kind expect 1 "$msrexit" run "$tmp/p.msr"
echo "$out" | grep -Eq "\[($want)\]\$" || fail "MSREXIT_INJECT=$kind run: $out"

# deep means no seed reaches it directly
set +e
MSREXIT_INJECT=$kind "$target" "$seeds"/* >"$tmp/seeds" 2>&1
st=$?
set -e
[ $st -eq 4 ] && { tail -1 "$tmp/seeds"; exit 4; }
grep -m1 "^msrexit-finding:" "$tmp/seeds" && fail "a seed alone sets $kind off"
[ $st -eq 0 ] || fail "the seeds alone: exit $st: $(tail -3 "$tmp/seeds")"
if [ "$mode" != libfuzzer ]; then
	echo "SKIP: finding $kind from the seeds needs the libFuzzer build (ci/build.sh fuzz)"
	exit 4
fi

for seed in 1 2 3; do
	rm -rf "$tmp/corpus" && mkdir "$tmp/corpus"
	set +e
	MSREXIT_INJECT=$kind "$target" -dict="$(dirname "$target")/msrexit.dict" -max_len=2048 \
		-timeout=10 -use_value_profile=0 -print_final_stats=1 -runs="$runs" -seed=$seed \
		-artifact_prefix="$tmp/" "$tmp/corpus" "$seeds" >"$tmp/log" 2>&1
	st=$?
	set -e
	[ $st -eq 4 ] && { tail -1 "$tmp/log"; exit 4; }
	[ $st -ne 0 ] && break
	echo "libFuzzer seed $seed: not found in $runs inputs"
done
[ $st -ne 0 ] || fail "MSREXIT_INJECT=$kind not found in three runs of $runs inputs"
sig=$(grep -m1 "^msrexit-finding:" "$tmp/log") || { tail -40 "$tmp/log" >&2; fail "no signature line"; }
echo "$sig" | grep -Eq "^msrexit-finding: ($want)\$" || fail "signature '$sig', want $want"
echo "$sig after $(sed -n 's/^stat::number_of_executed_units: *//p' "$tmp/log") inputs (seed $seed)"
crash=$(ls "$tmp"/crash-* 2>/dev/null | head -1)
[ -n "$crash" ] || fail "libFuzzer kept no crash file"
set +e
MSREXIT_INJECT=$kind "$target" "$crash" >"$tmp/replay" 2>&1
set -e
grep -qxF "$sig" "$tmp/replay" || fail "replay: $(grep msrexit-finding "$tmp/replay")"
expect 0 "$target" "$crash"
echo "planted deep: ok"
