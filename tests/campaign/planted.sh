#!/usr/bin/env bash
# planted.sh MSREXIT ENGINE TARGET - with the harness made wrong on purpose
# (MSREXIT_INJECT=reply-data), a campaign from two clean seeds finds the deviation, deduplicates
# its crash files into one finding per signature, and minimizes each to a text program that
# reproduces it (and passes without the injection).
set -euo pipefail
. "$(dirname "$0")/../integration/lib.sh"
bin=$1 engine=$2 target=$3
want='rdmsr/(UNKNOWN|FILTER|INVAL)/rax-expected-got-wrong'
need_kvm
if [ "$engine" = afl ] && ! command -v afl-fuzz >/dev/null; then
	echo "SKIP: afl-fuzz is not installed (afl++)"
	exit 4
fi
tmp=$(mktemp -d); trap 'rm -rf "$tmp"' EXIT
w=$tmp/w
mkdir "$tmp/seeds"
# user-space exits of writes only: the injected wrong read data needs one mutation to show
printf 'setup mask=UNKNOWN\nwrmsr 0x12345678 0x1\nrdmsr EFER\n' >"$tmp/a.msr"
printf 'setup mask=UNKNOWN|FILTER\nwrmsr 0x40000001 0x2\nwrmsr STAR 0x0\n' >"$tmp/b.msr"
for s in a b; do
	"$bin" asm "$tmp/$s.msr" -o "$tmp/seeds/$s.bin"
	MSREXIT_INJECT=reply-data expect 0 "$bin" run "$tmp/$s.msr"
done

set +e
MSREXIT_INJECT=reply-data "$bin" campaign --time 15 --workdir "$w" --fuzzer "$target" \
	--seeds "$tmp/seeds" --minimize-time 5 >"$tmp/log" 2>&1
st=$?
set -e
[ $st -eq 4 ] && { tail -1 "$tmp/log"; exit 4; }
[ $st -eq 1 ] || fail "campaign exited $st, want 1 (findings): $(tail -20 "$tmp/log")"
sed -n '/^findings$/,/^---/p' "$w/report.txt"

sigs=$(sed -n '/^findings$/,$s/^ *[0-9][0-9]* \([a-z][^ ]*\) .*/\1/p' "$w/report.txt")
[ -n "$sigs" ] || fail "no finding in the report"
[ "$(echo "$sigs" | sort | uniq -d)" = "" ] || fail "a signature listed twice: $sigs"
files=$(grep -c . "$w/findings/triage.tsv")
[ "$files" -gt "$(echo "$sigs" | wc -l)" ] ||
	fail "$files crash files for $(echo "$sigs" | wc -l) findings: nothing was deduplicated"
for sig in $sigs; do
	echo "$sig" | grep -Eqx "$want" || fail "finding '$sig' is not the planted deviation ($want)"
	[ "$(cut -f1 "$w/findings/triage.tsv" | grep -cxF "$sig")" -ge 1 ] || fail "$sig: no file"
	prog=$w/findings/$(echo "$sig" | tr / _)/program.msr
	[ -f "$prog" ] || fail "$sig: no program.msr"
	grep -qxF "# Signature: $sig" "$prog" || fail "$sig: not minimized by msrexit minimize: $(cat "$prog")"
	grep -q "^rdmsr " "$prog" || fail "$sig: the program reads no MSR: $(cat "$prog")"
	MSREXIT_INJECT=reply-data expect 1 "$bin" run "$prog"
	echo "$out" | grep -qF "[$sig]" || fail "$prog does not reproduce $sig: $out"
	expect 0 "$bin" run "$prog"
	grep -qF "<code>$sig</code>" "$w/report.html" || fail "report.html lacks $sig"
done
# the next start on the workdir triages no crash file twice
cp "$w/findings/triage.tsv" "$tmp/triage.before"
MSREXIT_INJECT=reply-data expect 1 "$bin" campaign --time 0 --workdir "$w" --fuzzer "$target"
cmp -s "$w/findings/triage.tsv" "$tmp/triage.before" || fail "crash files triaged again"
[ "$(cut -f4 "$w/findings/triage.tsv" | sort | uniq -d)" = "" ] || fail "a crash file twice"
echo "campaign planted: ok ($engine: $(echo "$sigs" | tr '\n' ' ')$files crash files)"
