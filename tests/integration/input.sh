#!/usr/bin/env bash
# input.sh - text or binary (the 'MX' magic, or --binary/--text); errors name the whole path.
set -euo pipefail
bin=$1 src=$2
. "$(dirname "$0")/lib.sh"
tmp=$(mktemp -d); trap 'rm -rf "$tmp"' EXIT

# expect_out STATUS WANT CMD...: as expect, and the output must contain WANT (a fixed string)
expect_out() {
	local want=$1 text=$2; shift 2
	expect "$want" "$@"
	echo "$out" | grep -qF -- "$text" || fail "'$*' does not say '$text':
$out"
}

# A control byte in a text is an error at its place, named in hex: never a binary program
for b in 0c 00 1b 0b 7f; do
	printf "rdmsr EFER # \\x$b in a comment is no text either\nrdmsr LSTAR \\x$b\n" >"$tmp/$b.msr"
	for c in disasm asm; do
		expect_out 2 "$tmp/$b.msr:1:14: error: byte 0x$b is not text" "$bin" $c "$tmp/$b.msr"
	done
	printf "rdmsr LSTAR \\x$b\n" >"$tmp/$b.msr"
	expect_out 2 "$tmp/$b.msr:1:13: error: byte 0x$b is not text" "$bin" disasm "$tmp/$b.msr"
	expect 0 "$bin" disasm --binary "$tmp/$b.msr"
done

# Binary bytes without a control byte are text errors unless --binary says so
printf '\xff' >"$tmp/ff.bin"
expect_out 2 "$tmp/ff.bin:1:1: error: byte 0xff outside a comment is not text" \
	"$bin" disasm "$tmp/ff.bin"
printf 'M' >"$tmp/m.bin"
expect_out 2 "$tmp/m.bin:1:1: error: unknown statement 'M'" "$bin" disasm "$tmp/m.bin"
expect 0 "$bin" disasm --binary "$tmp/ff.bin"
[ "$out" = $'setup vcpus=2\nfilter 0\nend\nfilter 1\nend' ] || fail "disasm --binary ff: $out"
expect 0 "$bin" disasm --binary "$tmp/m.bin"
echo "$out" | grep -q "^filter 2$" || fail "disasm --binary M: $out"

# "#B": a comment as text, a 2-vCPU program with two filters as binary
printf '#B' >"$tmp/hash-b"
expect 0 "$bin" disasm "$tmp/hash-b"
[ -z "$out" ] || fail "disasm #B as text: $out"
expect 0 "$bin" disasm --binary "$tmp/hash-b"
[ "$out" = $'setup vcpus=2 mask=UNKNOWN\nfilter 0\nend\nfilter 1\nend' ] || fail "#B binary: $out"

# The magic makes a binary program; --text reads it as text (and fails at the version byte)
printf 'setup vcpus=2\nrdmsr EFER vcpu=1 error=1\n' >"$tmp/a.msr"
expect 0 "$bin" asm "$tmp/a.msr" -o "$tmp/a.bin"
expect 0 "$bin" disasm "$tmp/a.bin"
[ "$out" = $'setup vcpus=2\nrdmsr EFER vcpu=1 error=1' ] || fail "disasm a.bin: $out"
expect_out 2 "$tmp/a.bin:1:3: error: byte 0x01 is not text" "$bin" disasm --text "$tmp/a.bin"
expect 0 "$bin" asm --binary "$tmp/a.bin" -o "$tmp/b.bin"
cmp -s "$tmp/a.bin" "$tmp/b.bin" || fail "asm --binary of a binary program changed it"

# Empty, the magic alone, the magic and its version byte
: >"$tmp/empty"
for k in "" --text --binary; do
	expect 0 "$bin" disasm $k "$tmp/empty"
	[ -z "$out" ] || fail "disasm $k of an empty file: $out"
done
printf 'MX\x01' >"$tmp/mx1"
expect 0 "$bin" disasm "$tmp/mx1"
[ -z "$out" ] || fail "disasm MX 01: $out"
printf 'MX' >"$tmp/mx"
expect 0 "$bin" disasm --binary "$tmp/mx"
want=$out
expect 0 "$bin" disasm "$tmp/mx"
[ -n "$out" ] && [ "$out" = "$want" ] || fail "MX alone is not the body 'MX': '$out' vs '$want'"

# A raw fuzzer input replays exactly: with --binary it is what the same body means after the magic
for i in 1 2 3 4 5 6 7 8; do
	head -c 300 /dev/urandom >"$tmp/raw"
	cmp -s -n 2 "$tmp/raw" <(printf MX) && continue
	{ printf 'MX\x01'; cat "$tmp/raw"; } >"$tmp/framed"
	expect 0 "$bin" disasm --binary "$tmp/raw"
	want=$out
	expect 0 "$bin" disasm "$tmp/framed"
	[ "$out" = "$want" ] || fail "raw and framed decode differently"
done

# A byte order mark is skipped; columns count from after it; messages show no raw byte
printf '\xef\xbb\xbfrdmsr EFER\n' >"$tmp/bom.msr"
expect 0 "$bin" disasm "$tmp/bom.msr"
[ "$out" = "rdmsr EFER" ] || fail "BOM text: $out"
printf '\xef\xbb\xbfrdmsr EFERX\n' >"$tmp/bom-bad.msr"
expect_out 2 "bom-bad.msr:1:7: error: unknown MSR name 'EFERX'" "$bin" disasm "$tmp/bom-bad.msr"
printf 'rdmsr EFER\n\xef\xbb\xbfrdmsr EFER\n' >"$tmp/bom-late.msr"
expect_out 2 "bom-late.msr:2:1: error: byte 0xef outside a comment is not text" \
	"$bin" disasm "$tmp/bom-late.msr"
LC_ALL=C grep -q $'[\x80-\xff]' <<<"$out" && fail "raw bytes in: $out"

printf 'setup mask=0x1ffffffffffffffff\n' >"$tmp/mask.msr"
expect_out 2 "mask.msr:1:7: error: number '0x1ffffffffffffffff' does not fit in 64 bits" \
	"$bin" disasm "$tmp/mask.msr"

# A path of more than 1000 bytes appears whole in the error
long=$tmp
while [ ${#long} -lt 1100 ]; do long=$long/a-directory-name-of-some-length; done
mkdir -p "$long"
printf 'rdmsr EFER\nrdmsr EFERX\n' >"$long/bad-file-name.msr"
expect_out 2 "$long/bad-file-name.msr:2:7: error: unknown MSR name 'EFERX'" \
	"$bin" disasm "$long/bad-file-name.msr"
expect_out 2 "$long/missing-file-name.msr:0:0: error: cannot read: No such file" \
	"$bin" disasm "$long/missing-file-name.msr"

# --binary and --text contradict each other: neither silently wins
for c in run disasm asm; do
	for k in "--binary --text" "--text --binary"; do
		expect_out 2 "msrexit $c: --binary and --text exclude each other" \
			"$bin" $c $k "$tmp/a.msr"
	done
	expect 0 "$bin" disasm --text --text "$tmp/a.msr"
done

need_kvm
# run reads files by the same rule, and --binary runs a raw input
printf 'rdmsr EFER\n\f\n' >"$tmp/ff.msr"
expect_out 2 "$tmp/ff.msr:2:1: error: byte 0x0c is not text" "$bin" run "$tmp/ff.msr"
expect_out 2 "$tmp/ff.bin:1:1: error: byte 0xff" "$bin" run "$tmp/ff.bin"
expect_out 0 "$tmp/ff.bin: ok (0 steps" "$bin" run --binary "$tmp/ff.bin" "$tmp/m.bin"
expect_out 0 "$tmp/m.bin: ok (0 steps" "$bin" run --binary "$tmp/ff.bin" "$tmp/m.bin"
expect_out 0 "$tmp/hash-b: ok (0 steps" "$bin" run "$tmp/hash-b"
expect_out 0 "$tmp/hash-b: ok (0 steps" "$bin" run --binary "$tmp/hash-b"
expect_out 0 "$tmp/bom.msr: ok (1 step" "$bin" run "$tmp/bom.msr"
expect_out 0 "$tmp/a.bin: ok (1 step" "$bin" run "$tmp/a.bin"
expect_out 2 "$long/bad-file-name.msr:2:7: error:" "$bin" run "$long/bad-file-name.msr"
echo "input: ok"
