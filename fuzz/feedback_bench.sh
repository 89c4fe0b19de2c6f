#!/usr/bin/env bash
# feedback_bench.sh MSREXIT_FUZZ SEEDS [RUNS [SEED...]] - what the semantic feedback is worth: the
# same libFuzzer run from the seeds (RUNS inputs, default 80000) with and without it
# (MSREXIT_FUZZ_FEEDBACK=0), distinct tuples and corpus size at the end. A figure, not a test.
set -uo pipefail
target=$1 seeds=$2 runs=${3:-80000}
shift $(( $# < 3 ? $# : 3 ))
[ $# -gt 0 ] || set -- 1 2
dir=$(dirname "$target")
tmp=$(mktemp -d); trap 'rm -rf "$tmp"' EXIT
printf '%-9s %-5s %8s %8s %7s %s\n' feedback seed inputs tuples corpus "known platform facts"
for fb in 1 0; do
	for seed in "$@"; do
		rm -rf "$tmp/corpus"; mkdir "$tmp/corpus"
		MSREXIT_FUZZ_FEEDBACK=$fb "$target" -dict="$dir/msrexit.dict" -max_len=2048 -timeout=10 \
			-runs="$runs" -seed="$seed" -artifact_prefix="$tmp/" "$tmp/corpus" "$seeds" \
			>"$tmp/log" 2>&1
		line=$(grep '^msrexit-fuzz: ' "$tmp/log" | tail -1)
		finding=$(grep -m1 '^msrexit-finding:' "$tmp/log")
		inputs=$(echo "$line" | sed -n 's/^msrexit-fuzz: \([0-9]*\) inputs.*/\1/p')
		tuples=$(echo "$line" | sed -n 's/.* \([0-9]*\) distinct feedback tuples.*/\1/p')
		known=$(echo "$line" | grep -o 'wrmsrns-internal-error.*')
		printf '%-9s %-5s %8s %8s %7s %s\n' "$([ $fb = 1 ] && echo on || echo off)" "$seed" \
			"${inputs:-?}" "${tuples:-?}" "$(ls "$tmp/corpus" | wc -l)" "${finding:-$known}"
	done
done
