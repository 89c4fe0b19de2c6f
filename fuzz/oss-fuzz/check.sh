#!/usr/bin/env bash
# check.sh - runs build.sh here the way OSS-Fuzz runs it for libFuzzer with ASan (CC, CFLAGS,
# LIB_FUZZING_ENGINE, OUT, SRC, WORK), then each fuzzer on its seed corpus for a few runs.
# Needs clang; takes a minute or two (a whole build). Usage: fuzz/oss-fuzz/check.sh [DIR]
set -euo pipefail
root=$(cd "$(dirname "$0")/../.." && pwd)
dir=${1:-$(mktemp -d)}
mkdir -p "$dir/out" "$dir/build" "$dir/src"
ln -sfn "$root" "$dir/src/msrexit"
export CC=clang CXX=clang++ SANITIZER=address FUZZING_ENGINE=libfuzzer ARCHITECTURE=x86_64
export CFLAGS="-O1 -fno-omit-frame-pointer -gline-tables-only -DFUZZING_BUILD_MODE_UNSAFE_FOR_PRODUCTION -fsanitize=address -fsanitize-address-use-after-scope -fsanitize=fuzzer-no-link"
export LIB_FUZZING_ENGINE=-fsanitize=fuzzer OUT=$dir/out SRC=$dir/src WORK=$dir/build
cp "$root/fuzz/oss-fuzz/build.sh" "$SRC/build.sh"
(cd "$SRC/msrexit" && bash "$SRC/build.sh")
for f in "$OUT"/*_fuzzer; do
	name=$(basename "$f")
	for ext in .dict .options _seed_corpus.zip; do
		[ -s "$OUT/$name$ext" ] || { echo "check: $OUT/$name$ext is missing" >&2; exit 1; }
	done
	rm -rf "$dir/corpus-$name" && mkdir "$dir/corpus-$name"
	unzip -qo "$OUT/${name}_seed_corpus.zip" -d "$dir/corpus-$name"
	st=0
	"$f" -runs=500 -dict="$OUT/$name.dict" "$dir/corpus-$name" >"$dir/$name.log" 2>&1 || st=$?
	if [ $st -eq 4 ]; then
		echo "check: $name skipped (no /dev/kvm)"
	elif [ $st -ne 0 ]; then
		tail -20 "$dir/$name.log" >&2
		echo "check: $name exited $st" >&2
		exit 1
	else
		echo "check: $name ok ($(grep -c . <(unzip -Z1 "$OUT/${name}_seed_corpus.zip")) seeds, $(grep -m1 -o 'Done [0-9]* runs' "$dir/$name.log"))"
	fi
done
echo "check: $OUT holds $(ls "$OUT" | tr '\n' ' ')"
