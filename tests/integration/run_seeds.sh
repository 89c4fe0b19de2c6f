#!/usr/bin/env bash
# run_seeds.sh - every seed and regression program runs clean (`msrexit run`), and there are enough.
set -euo pipefail
bin=$1 src=$2
. "$(dirname "$0")/lib.sh"
need_kvm
shopt -s nullglob
seeds=("$src"/corpus/seeds/*.msr)
regs=("$src"/corpus/regressions/*.msr)
[ ${#seeds[@]} -ge 25 ] || fail "only ${#seeds[@]} seed programs (want at least 25)"
expect 0 "$bin" run "${seeds[@]}" "${regs[@]}"
echo "$out" | tail -n 1
echo "$out" | grep -q "^$((${#seeds[@]} + ${#regs[@]})) passed, 0 failed$" || fail "summary: $out"
# the binary form of every seed runs the same
tmp=$(mktemp -d); trap 'rm -rf "$tmp"' EXIT
for s in "${seeds[@]}"; do
	"$bin" asm "$s" -o "$tmp/$(basename "$s").bin" || fail "asm $s"
done
expect 0 "$bin" run -q "$tmp"/*.bin
echo "seeds: ${#seeds[@]} text and binary programs ok"
