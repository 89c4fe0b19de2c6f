#!/usr/bin/env bash
# main-job.sh - the main job on this machine's KVM: kernel facts, the conformance suite, the corpus.
set -uo pipefail
cd "$(dirname "$0")/.."
bin=build/msrexit
shopt -s nullglob
echo "== kernel facts"
$bin facts || exit $?
echo "== conformance suite (KTAP; JUnit in build/conform-junit.xml)"
$bin conform --junit build/conform-junit.xml
conform=$?
echo "== corpus: seeds and regressions"
progs=(corpus/seeds/*.msr corpus/regressions/*.msr)
$bin run -q "${progs[@]}"
corpus=$?
echo "== summary"
[ $conform -eq 0 ] && echo "conformance: ok" || echo "conformance: FAILED (status $conform)"
[ $corpus -eq 0 ] && echo "corpus: all ${#progs[@]} programs ok" || echo "corpus: FAILED (status $corpus)"
[ $conform -eq 0 ] && [ $corpus -eq 0 ]
