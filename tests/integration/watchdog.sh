#!/usr/bin/env bash
# watchdog.sh - a looping guest is stopped by the watchdog in every front end, conform cases included.
set -euo pipefail
bin=$1
. "$(dirname "$0")/lib.sh"
need_kvm
# the case runs in a forked process: its watchdog must be its own, not the parent's timer
MSREXIT_INJECT=hang expect 1 "$bin" conform -t reasons.inval_efer_bit1
echo "$out" | grep -q "^not ok 1 reasons.inval_efer_bit1$" || fail "conform hang: $out"
echo "$out" | grep -q "watchdog: the guest did not finish its batch in 2000 ms" ||
	fail "conform hang: not stopped by the watchdog: $out"
if echo "$out" | grep -q "died with signal"; then fail "conform hang: $out"; fi
# no timer can be made (no signal may be queued): a clear environment error, nothing run
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
echo "rdmsr 0xc0000080" >"$tmp/p.msr"
expect 2 bash -c 'ulimit -i 0 && exec "$0" run "$1"' "$bin" "$tmp/p.msr"
echo "$out" | grep -q "the watchdog cannot be set up: timer_create: " || fail "no timer: $out"
echo "watchdog: ok"
