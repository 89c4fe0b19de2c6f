#!/usr/bin/env bash
# cli.sh MSREXIT - `msrexit campaign`'s command line: help, bad options, a target that is not one,
# a locked workdir, and --time 0 on an empty workdir (a report, no fuzzing). Needs no KVM.
set -euo pipefail
. "$(dirname "$0")/../integration/lib.sh"
bin=$1
tmp=$(mktemp -d); trap 'rm -rf "$tmp"' EXIT

expect 0 "$bin" campaign --help
echo "$out" | grep -q "usage: msrexit campaign --time DURATION --workdir DIR" || fail "help: $out"
expect 0 "$bin" --help
echo "$out" | grep -q "^  campaign " || fail "campaign is not listed: $out"

expect 2 "$bin" campaign --workdir "$tmp/w"
echo "$out" | grep -q -- "--time and --workdir are needed" || fail "no --time: $out"
expect 2 "$bin" campaign --time 5x --workdir "$tmp/w"
echo "$out" | grep -q -- "--time takes a duration (90, 30s, 20m, 8h, 1h30m), not '5x'" || fail "$out"
expect 2 "$bin" campaign --time 10 --jobs 0 --workdir "$tmp/w"
echo "$out" | grep -q -- "--jobs takes a whole number from 1 to 64, not '0'" || fail "$out"
expect 2 "$bin" campaign --time 10 --engine honggfuzz --workdir "$tmp/w"
echo "$out" | grep -q -- "--engine is afl or libfuzzer, not 'honggfuzz'" || fail "$out"
expect 2 "$bin" campaign --time 10 --sync always --workdir "$tmp/w"
echo "$out" | grep -q -- "--sync is none, device or full, not 'always'" || fail "$out"

# a program that is no fuzz target: the message says how to build one
expect 2 "$bin" campaign --time 10 --workdir "$tmp/w" --fuzzer "$bin"
echo "$out" | grep -q "is neither an AFL++ target (\`ci/build.sh afl\`" || fail "not a target: $out"
echo "$out" | grep -q "\`ci/build.sh fuzz\` builds build-fuzz/fuzz/msrexit-fuzz" || fail "$out"

# --time 0 on an empty workdir: nothing to fuzz or minimize, a report all the same
expect 0 "$bin" campaign --time 0 --workdir "$tmp/w"
grep -q "^execs:       0 " "$tmp/w/report.txt" || fail "report: $(cat "$tmp/w/report.txt")"
grep -q "^findings:    0 signatures" "$tmp/w/report.txt" || fail "report: $(cat "$tmp/w/report.txt")"
grep -q "<svg" "$tmp/w/report.html" || fail "no plot in report.html"
[ ! -e "$tmp/w/campaign.running" ] || fail "the running marker stayed after a clean end"

# a workdir that is a file is no workdir, not one another campaign holds
touch "$tmp/file"
expect 2 "$bin" campaign --time 0 --workdir "$tmp/file"
echo "$out" | grep -qF "$tmp/file is no workdir: cannot make $tmp/file/campaign.lock: Not a directory" ||
	fail "workdir a file: $out"

# two campaigns on one workdir would mix their counters: the second is refused
exec 9>"$tmp/w/campaign.lock"
flock 9
expect 2 "$bin" campaign --time 0 --workdir "$tmp/w"
echo "$out" | grep -q "another campaign runs on $tmp/w" || fail "lock: $out"
exec 9>&-
echo "campaign cli: ok"
