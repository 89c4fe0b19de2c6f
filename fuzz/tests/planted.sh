#!/usr/bin/env bash
# planted.sh standalone|libfuzzer TARGET SEEDS KIND REGEX - with the harness made wrong on
# purpose (MSREXIT_INJECT=KIND), msrexit-fuzz reports it from the seeds, within a bounded number
# of runs, with a signature matching REGEX, and keeps an input that replays to it.
set -euo pipefail
. "$(dirname "$0")/../../tests/integration/lib.sh"
mode=$1 target=$2 seeds=$3 kind=$4 want=$5
need_kvm
if [ "$kind" = kmsg ] && ! { [ -w /dev/kmsg ] && [ -r /dev/kmsg ]; }; then
	echo "SKIP: /dev/kmsg is not readable and writable here: a WARNING cannot be planted"
	exit 4
fi
tmp=$(mktemp -d); trap 'rm -rf "$tmp"' EXIT
args=("$seeds")
if [ "$mode" = libfuzzer ]; then
	mkdir "$tmp/corpus"
	args=(-runs=5000 -timeout=10 -seed=1 -artifact_prefix="$tmp/" "$tmp/corpus" "$seeds")
fi
set +e
MSREXIT_INJECT=$kind "$target" "${args[@]}" >"$tmp/log" 2>&1
st=$?
set -e
[ $st -eq 4 ] && { tail -1 "$tmp/log"; exit 4; }
[ $st -ne 0 ] || fail "no finding with MSREXIT_INJECT=$kind: $(tail -3 "$tmp/log")"
sig=$(grep -m1 "^msrexit-finding:" "$tmp/log") || { tail -40 "$tmp/log" >&2; fail "no signature line"; }
echo "$sig" | grep -Eq "^msrexit-finding: ($want)\$" || fail "signature '$sig', want $want"
echo "$sig"
if [ "$mode" = libfuzzer ]; then
	crash=$(ls "$tmp"/crash-* 2>/dev/null | head -1)
	[ -n "$crash" ] || fail "libFuzzer kept no crash file"
	# the saved input replays to the same signature, and is clean without the injection
	set +e
	MSREXIT_INJECT=$kind "$target" "$crash" >"$tmp/replay" 2>&1
	set -e
	grep -qxF "$sig" "$tmp/replay" || fail "replay: $(grep msrexit-finding "$tmp/replay")"
	expect 0 "$target" "$crash"
	grep -m1 -E "^#[0-9]+" "$tmp/log" | head -1 || true
fi
echo "planted: ok"
