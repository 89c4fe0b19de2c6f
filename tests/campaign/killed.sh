#!/usr/bin/env bash
# killed.sh MSREXIT ENGINE TARGET - a campaign killed outright (SIGKILL: the OOM killer, a CI job's
# timeout) takes its fuzzers with it, so the next campaign on the workdir resumes it instead of
# finding the engine's directory in use by orphans; the input left running is a suspect.
set -euo pipefail
. "$(dirname "$0")/../integration/lib.sh"
bin=$1 engine=$2 target=$3
need_kvm
if [ "$engine" = afl ] && ! command -v afl-fuzz >/dev/null; then
	echo "SKIP: afl-fuzz is not installed (afl++)"
	exit 4
fi
tmp=$(mktemp -d) worker=
w=$tmp/w
"$bin" campaign --time 600 --workdir "$w" --fuzzer "$target" >"$tmp/log1" 2>&1 &
campaign=$!
trap 'kill -9 $campaign 2>/dev/null || true; [ -z "$worker" ] || kill "$worker" 2>/dev/null || true; rm -rf "$tmp"' EXIT
# wait for the first worker and the input it runs
for _ in $(seq 600); do
	worker=$(pgrep -P $campaign | head -1 || true)
	[ -n "$worker" ] && [ -n "$(ls -A "$w/current" 2>/dev/null)" ] && break
	sleep 0.1
done
[ -n "$worker" ] || fail "no worker started: $(cat "$tmp/log1")"
kill -9 $campaign
wait $campaign 2>/dev/null || true
# the worker outlives its campaign only until it sees the parent gone; orphaned, it ran 600 s
for _ in $(seq 300); do
	kill -0 "$worker" 2>/dev/null || break
	sleep 0.1
done
! kill -0 "$worker" 2>/dev/null || fail "worker $worker ($(cat /proc/$worker/comm)) outlived its campaign"
set +e
"$bin" campaign --time 5 --workdir "$w" --fuzzer "$target" --minimize-time 5 >"$tmp/log2" 2>&1
st=$?
set -e
! grep -q "ended before the time was up" "$tmp/log2" || fail "a worker failed: $(cat "$tmp/log2")"
if [ "$engine" = afl ]; then
	[ $st -eq 1 ] || fail "the resumed campaign exited $st, want 1 (a suspect): $(tail -20 "$tmp/log2")"
	grep -q "was killed before it ended (the kernel survived it)" "$tmp/log2" || fail "$(cat "$tmp/log2")"
	grep -q "^suspects:    1 input" "$w/report.txt" || fail "$(cat "$w/report.txt")"
else
	# libFuzzer -fork runs inputs in short-lived grandchildren: at the kill one may or may not be
	# mid-input, so a suspect is possible, not certain (campaign_suspect covers the reporting)
	[ $st -le 1 ] || fail "the resumed campaign exited $st: $(tail -20 "$tmp/log2")"
fi
grep -q "^duration: .* over 2 sessions" "$w/report.txt" || fail "$(cat "$w/report.txt")"
echo "campaign killed: ok"
