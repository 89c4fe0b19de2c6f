#!/usr/bin/env bash
# planted.sh standalone|libfuzzer TARGET SEEDS - with replies made wrong on purpose
# (MSREXIT_INJECT=reply-data), msrexit-fuzz reports it from the seeds, within a bounded
# number of runs, with the signature of a wrong RDMSR result, and keeps the input.
set -euo pipefail
. "$(dirname "$0")/../../tests/integration/lib.sh"
mode=$1 target=$2 seeds=$3
need_kvm
tmp=$(mktemp -d); trap 'rm -rf "$tmp"' EXIT
want='^msrexit-finding: rdmsr/(UNKNOWN|FILTER|INVAL)/rax-expected-got-wrong$'
args=("$seeds")
if [ "$mode" = libfuzzer ]; then
	mkdir "$tmp/corpus"
	args=(-runs=5000 -timeout=10 -seed=1 -artifact_prefix="$tmp/" "$tmp/corpus" "$seeds")
fi
set +e
MSREXIT_INJECT=reply-data "$target" "${args[@]}" >"$tmp/log" 2>&1
st=$?
set -e
[ $st -eq 4 ] && { tail -1 "$tmp/log"; exit 4; }
[ $st -ne 0 ] || fail "no finding with MSREXIT_INJECT=reply-data: $(tail -3 "$tmp/log")"
sig=$(grep -m1 "^msrexit-finding:" "$tmp/log") || { tail -40 "$tmp/log" >&2; fail "no signature line"; }
echo "$sig" | grep -Eq "$want" || fail "signature '$sig', want $want"
echo "$sig"
if [ "$mode" = libfuzzer ]; then
	crash=$(ls "$tmp"/crash-* 2>/dev/null | head -1)
	[ -n "$crash" ] || fail "libFuzzer kept no crash file"
	# the saved input replays to the same signature, and is clean without the injection
	set +e
	MSREXIT_INJECT=reply-data "$target" "$crash" >"$tmp/replay" 2>&1
	set -e
	grep -qxF "$sig" "$tmp/replay" || fail "replay: $(grep msrexit-finding "$tmp/replay")"
	expect 0 "$target" "$crash"
	grep -m1 -E "^#[0-9]+" "$tmp/log" | head -1 || true
fi
echo "planted: ok"
