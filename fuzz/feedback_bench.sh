#!/usr/bin/env bash
# feedback_bench.sh [--planted] MSREXIT_FUZZ SEEDS [RUNS [SEED...]] - what the semantic feedback is
# worth: the same libFuzzer runs from the seeds (RUNS inputs each) with and without it
# (MSREXIT_FUZZ_FEEDBACK=0; -use_value_profile=0 in both). Default: distinct tuples and corpus
# size at the end (RUNS 80000, seeds 1 2). --planted: for each deep planted deviation
# (MSREXIT_INJECT, harness/kvm/inject_deep.c), in how many runs it was found with its signature
# and after how many inputs (RUNS 30000, seeds 1 to 8). A figure, not a test.
set -uo pipefail
planted=0
[ "${1:-}" = --planted ] && { planted=1; shift; }
target=$1 seeds=$2 runs=${3:-$([ $planted = 1 ] && echo 30000 || echo 80000)}
shift $(( $# < 3 ? $# : 3 ))
if [ $# -eq 0 ]; then
	if [ $planted = 1 ]; then set -- 1 2 3 4 5 6 7 8; else set -- 1 2; fi
fi
dir=$(dirname "$target")
tmp=$(mktemp -d); trap 'rm -rf "$tmp"' EXIT

# fuzz FEEDBACK SEED [VAR=VALUE...]: one libFuzzer run from the seeds into a fresh corpus
fuzz() {
	local fb=$1 seed=$2
	shift 2
	rm -rf "$tmp/corpus" "$tmp"/crash-*; mkdir "$tmp/corpus"
	env MSREXIT_FUZZ_FEEDBACK="$fb" "$@" "$target" -dict="$dir/msrexit.dict" -max_len=2048 \
		-timeout=10 -use_value_profile=0 -print_final_stats=1 -runs="$runs" -seed="$seed" \
		-artifact_prefix="$tmp/" "$tmp/corpus" "$seeds" >"$tmp/log" 2>&1
}

on_off() { [ "$1" = 1 ] && echo on || echo off; }

tuples_bench() {
	printf '%-9s %-5s %8s %8s %7s %s\n' feedback seed inputs tuples corpus "known platform facts"
	for fb in 1 0; do
		for seed in "$@"; do
			fuzz "$fb" "$seed"
			line=$(grep '^msrexit-fuzz: ' "$tmp/log" | tail -1)
			finding=$(grep -m1 '^msrexit-finding:' "$tmp/log")
			inputs=$(echo "$line" | sed -n 's/^msrexit-fuzz: \([0-9]*\) inputs.*/\1/p')
			tuples=$(echo "$line" | sed -n 's/.* \([0-9]*\) distinct feedback tuples.*/\1/p')
			known=$(echo "$line" | grep -o 'wrmsrns-internal-error.*')
			printf '%-9s %-5s %8s %8s %7s %s\n' "$(on_off $fb)" "$seed" "${inputs:-?}" \
				"${tuples:-?}" "$(ls "$tmp/corpus" | wc -l)" "${finding:-$known}"
		done
	done
}

# The deep planted deviations and their signatures (fuzz/tests/CMakeLists.txt has the same).
kinds=(filter-after-gp set-while-held scribble-after-mask)
declare -A want=(
	[filter-after-gp]='wrmsr/FILTER/success-expected-got-gp'
	[set-while-held]='rdmsr/OK/rax-expected-got-wrong'
	[scribble-after-mask]='rdmsr/UNKNOWN/rdx-expected-got-wrong'
)

# median RUNS N...: the median of the inputs each run took to find it, 0 for not found (">RUNS")
median() {
	local runs=$1
	shift
	printf '%s\n' "$@" | awk -v runs="$runs" '{ print $1 ? $1 : runs + 1 }' | sort -n |
		awk -v runs="$runs" '{ v[NR] = $1 } END { m = v[int((NR + 1) / 2)]; print (m > runs ? ">" runs : m) }'
}

planted_bench() {
	declare -gA execs # kind and feedback: the inputs each run took to find it, 0 for not found
	printf '%-20s %-9s %-5s %8s %s\n' kind feedback seed inputs finding
	for kind in "${kinds[@]}"; do
		for fb in 1 0; do
			execs[$kind$fb]=
			for seed in "$@"; do
				fuzz "$fb" "$seed" MSREXIT_INJECT="$kind"
				sig=$(grep -m1 '^msrexit-finding:' "$tmp/log" | sed 's/^msrexit-finding: //')
				n=$(sed -n 's/^stat::number_of_executed_units: *//p' "$tmp/log" | head -1)
				[ "$sig" = "${want[$kind]}" ] && execs[$kind$fb]+="${n:-$runs} " ||
					execs[$kind$fb]+="0 "
				printf '%-20s %-9s %-5s %8s %s\n' "$kind" "$(on_off $fb)" "$seed" "${n:-?}" \
					"${sig:-none}"
			done
		done
	done
	echo
	# a run stops at its first finding, so one found within N inputs is found in any run of N
	local budgets=($((runs / 10)) $((runs / 3)) "$runs")
	echo "of $# runs, how many found it within $(IFS=/; echo "${budgets[*]}") inputs (median inputs to find it):"
	printf '%-20s %-26s %s\n' kind "feedback on" "feedback off"
	local -A total
	for kind in "${kinds[@]}"; do
		printf '%-20s %-26s %s\n' "$kind" \
			"$(within "$kind" 1 "${budgets[@]}") ($(median "$runs" ${execs[${kind}1]}))" \
			"$(within "$kind" 0 "${budgets[@]}") ($(median "$runs" ${execs[${kind}0]}))"
		for b in "${budgets[@]}"; do
			total[1$b]=$((${total[1$b]:-0} + $(found_within "$b" ${execs[${kind}1]})))
			total[0$b]=$((${total[0$b]:-0} + $(found_within "$b" ${execs[${kind}0]})))
		done
	done
	printf '%-20s %-26s %s\n' "total of $(($# * ${#kinds[@]}))" \
		"$(for b in "${budgets[@]}"; do echo "${total[1$b]}"; done | paste -sd/)" \
		"$(for b in "${budgets[@]}"; do echo "${total[0$b]}"; done | paste -sd/)"
}

# found_within N INPUTS...: how many runs found it within N inputs (0: not found)
found_within() {
	local n=$1 k=0
	shift
	for x in "$@"; do [ "$x" -gt 0 ] && [ "$x" -le "$n" ] && k=$((k + 1)); done
	echo $k
}

# within KIND FEEDBACK N...: "a/b/c", how many runs found it within each budget
within() {
	local kind=$1 fb=$2
	shift 2
	for b in "$@"; do found_within "$b" ${execs[$kind$fb]}; done | paste -sd/
}

if [ $planted = 1 ]; then planted_bench "$@"; else tuples_bench "$@"; fi
