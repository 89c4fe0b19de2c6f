#!/usr/bin/env bash
# suspect.sh MSREXIT TARGET SRC - the input a fuzzing process was running when everything stopped
# (its current-input file still RUNNING) is reported at the next campaign start, kept in
# suspects/ and listed in the report with its program; whether the machine rebooted in between
# (the campaign marker's boot id) decides what the message says. A torn record is no suspect.
set -euo pipefail
. "$(dirname "$0")/../integration/lib.sh"
bin=$1 target=$2 src=$3
need_kvm
tmp=$(mktemp -d); trap 'rm -rf "$tmp"' EXIT
w=$tmp/w
mkdir -p "$w/current"
"$bin" asm "$src/corpus/seeds/31-readme-example.msr" -o "$tmp/input.bin"

# One input through the target, as a campaign runs it: kept in current/PID.input before it ran,
# marked closed at the end. Sets $f to the file, made RUNNING again as if the kernel died then.
run_and_die() {
	[ -z "$(ls -A "$w/current")" ] || fail "current/ is not empty: $(ls "$w/current")"
	MSREXIT_CURRENT_INPUT=$w/current "$target" "$tmp/input.bin" >"$tmp/log" 2>&1 ||
		fail "$target: $(tail -5 "$tmp/log")"
	f=$(ls -d "$w"/current/*.input) || fail "the target kept no current input in $w/current"
	[ "$(echo "$f" | wc -l)" -eq 1 ] || fail "one process, one file: $f"
	[ "$(head -c 8 "$f")" = MXCURIN1 ] || fail "$f: no record"
	# the header: magic, state (u32 at 8: 0 closed, 1 running), size (u32 at 12), seq (u64 at 16)
	[ "$(od -An -tu4 -j8 -N4 "$f" | tr -d ' ')" = 0 ] || fail "not closed after a clean end"
	[ "$(od -An -tu4 -j12 -N4 "$f" | tr -d ' ')" = "$(stat -c %s "$tmp/input.bin")" ] ||
		fail "size in the header"
	cmp -s <(tail -c +65 "$f" | head -c "$(stat -c %s "$tmp/input.bin")") "$tmp/input.bin" ||
		fail "the record does not hold the input"
	printf '\001' | dd of="$f" bs=1 seek=8 conv=notrunc status=none
}

# the machine rebooted since the campaign started (another boot id): a possible machine killer
run_and_die
echo "00000000-0000-0000-0000-000000000000 4242 1700000000" >"$w/campaign.running"
expect 1 "$bin" campaign --time 0 --workdir "$w"
echo "$out" | grep -q "(pid 4242) did not end, and the machine has rebooted since" ||
	fail "no reboot message: $out"
echo "$out" | grep -q "one of them may have killed the kernel" || fail "$out"
suspect=$(ls "$w"/suspects/*.bin)
[ "$(echo "$suspect" | wc -l)" -eq 1 ] || fail "suspects: $suspect"
echo "$out" | grep -qF "$suspect" || fail "the message does not name $suspect: $out"
cmp -s "$suspect" "$tmp/input.bin" || fail "the suspect is not the input that ran"
[ -z "$(ls -A "$w/current")" ] || fail "current/ not emptied: $(ls "$w/current")"
[ ! -e "$w/campaign.running" ] || fail "the old marker stayed"
grep -q "^suspects:    1 input left running" "$w/report.txt" || fail "$(cat "$w/report.txt")"
grep -q "the machine rebooted since: it may have killed the kernel" "$w/report.txt" ||
	fail "report: $(cat "$w/report.txt")"
"$bin" disasm --binary "$tmp/input.bin" | grep -v '^#' >"$tmp/program.msr"
while IFS= read -r line; do
	grep -qxF "$line" "$w/report.txt" || fail "report.txt lacks the program line '$line'"
done <"$tmp/program.msr"
grep -qF "suspects/" "$w/report.html" || fail "report.html lists no suspect"

# the same boot: the campaign was killed, the kernel survived it
run_and_die
echo "$(cat /proc/sys/kernel/random/boot_id) 4343 1700000000" >"$w/campaign.running"
expect 1 "$bin" campaign --time 0 --workdir "$w"
echo "$out" | grep -q "(pid 4343) was killed before it ended (the kernel survived it)" ||
	fail "no same-boot message: $out"
grep -q "^suspects:    2 inputs left running" "$w/report.txt" || fail "$(cat "$w/report.txt")"

# a record torn while it was written (the input never ran): not a suspect
run_and_die
printf 'X' | dd of="$f" bs=1 seek=70 conv=notrunc status=none
expect 1 "$bin" campaign --time 0 --workdir "$w"
[ "$(ls "$w"/suspects/*.bin | wc -l)" -eq 2 ] || fail "a torn record became a suspect"
echo "campaign suspect: ok"
