#!/usr/bin/env bash
# seeds.sh TARGET DIR... - a fuzz target (standalone driver) over every file: no finding.
set -euo pipefail
. "$(dirname "$0")/../../tests/integration/lib.sh"
target=$1; shift
set +e
out=$("$target" "$@" 2>&1)
st=$?
set -e
[ $st -eq 4 ] && { echo "$out"; exit 4; }
echo "$out" | grep -q "msrexit-finding:" && fail "a finding on the seeds:
$out"
[ $st -eq 0 ] || fail "$target exited $st:
$out"
echo "$out" | grep -E "ran [0-9]+ inputs|inputs," || true
echo "seeds: ok"
