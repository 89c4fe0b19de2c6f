#!/usr/bin/env bash
# main-job.sh - the main job on this machine's KVM: kernel facts, the conformance suite, the corpus, a short fuzz campaign.
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
echo "== a short fuzz campaign (AFL++, ${MSREXIT_CAMPAIGN_TIME:-60s}; report in build/campaign/report.txt and .html)"
$bin campaign --time "${MSREXIT_CAMPAIGN_TIME:-60s}" --jobs "$(nproc)" --workdir build/campaign \
	--engine afl --fuzzer build-afl/fuzz/msrexit-afl
campaign=$?
echo "== summary"
[ $conform -eq 0 ] && echo "conformance: ok" || echo "conformance: FAILED (status $conform)"
[ $corpus -eq 0 ] && echo "corpus: all ${#progs[@]} programs ok" || echo "corpus: FAILED (status $corpus)"
case $campaign in
0) echo "fuzz campaign: no finding (build/campaign/report.txt)" ;;
1) echo "fuzz campaign: FINDINGS (build/campaign/report.txt)" ;;
*) echo "fuzz campaign: FAILED to run (status $campaign)" ;;
esac
[ $conform -eq 0 ] && [ $corpus -eq 0 ] && [ $campaign -eq 0 ]
