#!/usr/bin/env bash
# libfuzzer.sh TARGET RUNS DIR... - a bounded libFuzzer run from the seed dirs: no finding.
set -euo pipefail
. "$(dirname "$0")/../../tests/integration/lib.sh"
target=$1 runs=$2; shift 2
tmp=$(mktemp -d); trap 'rm -rf "$tmp"' EXIT
dir=$(dirname "$target")
# libFuzzer itself does not read .options: the same settings by hand
opts=$(sed -n 's/^\(dict\|max_len\) *= *\(.*\)$/-\1=\2/p' "$target.options" | sed "s|-dict=|-dict=$dir/|")
mkdir "$tmp/corpus"
set +e
# shellcheck disable=SC2086
"$target" $opts -runs="$runs" -max_total_time=60 -timeout=10 -seed=1 -print_final_stats=1 \
	-artifact_prefix="$tmp/" "$tmp/corpus" "$@" >"$tmp/log" 2>&1
st=$?
set -e
[ $st -eq 4 ] && { tail -1 "$tmp/log"; exit 4; }
if grep -q "msrexit-finding:" "$tmp/log" || [ $st -ne 0 ]; then
	tail -60 "$tmp/log" >&2
	fail "$target exited $st ($(grep -m1 msrexit-finding: "$tmp/log" || echo "no finding line"))"
fi
grep -E "^(stat::number_of_executed_units|stat::average_exec_per_sec|stat::new_units_added|msrexit-fuzz:)" "$tmp/log" || true
echo "libfuzzer: ok"
