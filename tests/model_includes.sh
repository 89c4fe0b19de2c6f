#!/bin/bash
# model_includes.sh - the model sees no KVM: its files include only model headers and the C library.
# usage: model_includes.sh SOURCE_DIR [FILE...]   (exit 0 all good, 1 a violation, named on stderr)
# Without FILEs: every .c and .h of harness/model. With FILEs (paths from the current directory,
# a library that claims no KVM, e.g. fuzz/'s msrexit_fuzz_model): those, and every header of
# their own folder they include. The build runs it (CMakeLists.txt, no_kvm_check); needs no KVM.
set -u
root=$(realpath "${1:?usage: model_includes.sh SOURCE_DIR [FILE...]}") || exit 2
shift
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

queue=()
if [ $# -eq 0 ]; then
	while IFS= read -r -d '' f; do
		queue+=("$f")
	done < <(find "$model" -type f \( -name '*.c' -o -name '*.h' \) -print0)
else
	for f; do
		queue+=("$(realpath "$f")") || exit 2
	done
fi
[ ${#queue[@]} -gt 0 ] || fail "no .c or .h files under $model"
declare -A seen

# file:line:#include X of a file in dir  ->  checks on X (a header of dir is checked in turn)
check_include() {
	local where=$1 target=$2 dir=$3 name
	case $target in
	*../*)
		fail "$where: $target escapes the model's include path" ;;
	'<linux/kvm'* | '<asm/kvm'*)
		fail "$where: $target is a KVM header (use kvm_abi.h)" ;;
	'"'*'"')
		name=${target#\"}
		name=${name%\"}
		if [ -f "$model/$name" ]; then
			queue+=("$model/$name")
		elif [ -f "$dir/$name" ]; then
			queue+=("$dir/$name")
		else
			fail "$where: \"$name\" is not a model header (harness/model/$name)"
		fi ;;
	esac
}

for ((i = 0; i < ${#queue[@]}; i++)); do
	f=${queue[$i]}
	[ -z "${seen[$f]:-}" ] || continue
	seen[$f]=1
	while IFS=: read -r line text; do
		target=$(sed -E 's/^[[:space:]]*#[[:space:]]*include[[:space:]]*([<"][^>"]*[>"]).*/\1/' <<<"$text")
		check_include "${f#"$root"/}:$line" "$target" "$(dirname "$f")"
	done < <(grep -nE '^[[:space:]]*#[[:space:]]*include' "$f")
done
exit $status
