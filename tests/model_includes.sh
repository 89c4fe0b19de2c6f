#!/bin/bash
# model_includes.sh - the model sees no KVM: harness/model includes only its own headers and the C library.
# usage: model_includes.sh SOURCE_DIR   (exit 0 all good, 1 a violation, named on stderr; needs no KVM)
set -u
root=$(realpath "${1:?usage: model_includes.sh SOURCE_DIR}") || exit 2
model=$root/harness/model
[ -d "$model" ] || {
	echo "model_includes: no $model" >&2
	exit 2
}
status=0

fail() {
	echo "model_includes: $*" >&2
	status=1
}

# file:line:#include X  ->  checks on X
check_include() {
	local where=$1 target=$2 name
	case $target in
	*../*)
		fail "$where: $target escapes the model's include path" ;;
	'<linux/kvm'* | '<asm/kvm'*)
		fail "$where: $target is a KVM header (use kvm_abi.h)" ;;
	'"'*'"')
		name=${target#\"}
		name=${name%\"}
		[ -f "$model/$name" ] ||
			fail "$where: \"$name\" is not a model header (harness/model/$name)" ;;
	esac
}

nfiles=0
while IFS= read -r -d '' f; do
	nfiles=$((nfiles + 1))
	while IFS=: read -r line text; do
		target=$(sed -E 's/^[[:space:]]*#[[:space:]]*include[[:space:]]*([<"][^>"]*[>"]).*/\1/' <<<"$text")
		check_include "${f#"$root"/}:$line" "$target"
	done < <(grep -nE '^[[:space:]]*#[[:space:]]*include' "$f")
done < <(find "$model" -type f \( -name '*.c' -o -name '*.h' \) -print0)

[ "$nfiles" -gt 0 ] || fail "no .c or .h files under $model"
exit $status
