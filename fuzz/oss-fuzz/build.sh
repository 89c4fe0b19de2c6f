#!/bin/bash -eu
# build.sh - the OSS-Fuzz / ClusterFuzzLite build: $OUT/msrexit_{exec,decode,parse}_fuzzer, each with
# its _seed_corpus.zip, .dict and .options. Uses what the builder sets: $CC, $CFLAGS (sanitizer and
# -fsanitize=fuzzer-no-link), $LIB_FUZZING_ENGINE, $OUT, $SRC, $WORK.
# msrexit_exec_fuzzer runs every input on /dev/kvm: only on bots that have it (it exits 4 at start
# elsewhere); the decode and parse fuzzers need no KVM.

# The checkout: next to this script (fuzz/oss-fuzz/), or $SRC/msrexit (OSS-Fuzz copies build.sh to $SRC).
here=$(cd "$(dirname "$0")" && pwd)
if [ -f "$here/../../CMakeLists.txt" ]; then
	root=$(cd "$here/../.." && pwd)
elif [ -f "$SRC/msrexit/CMakeLists.txt" ]; then
	root=$SRC/msrexit
else
	root=$(pwd)
fi
build=${WORK:-/tmp}/msrexit-build

# The libraries and msrexit (which assembles the seeds) with the builder's flags. No -fsanitize of
# our own (MSREXIT_SANITIZE): $CFLAGS carries the sanitizer; the guest stub is never instrumented.
cmake -S "$root" -B "$build" -DCMAKE_BUILD_TYPE=Release -DCMAKE_C_COMPILER="$CC" \
	-DCMAKE_ASM_COMPILER="$CC" -DCMAKE_C_FLAGS="$CFLAGS" -DMSREXIT_FUZZ= >/dev/null
cmake --build "$build" -j"$(nproc)" --target msrexit msrexit_fuzz_exec msrexit_fuzz_check \
	fuzz_seeds

includes=(-I"$root/fuzz" -I"$root/harness/model" -I"$root/harness/kvm" -I"$root/guest-stubs"
	-I"$root/tests/unit")
exec_libs=("$build"/fuzz/libmsrexit_fuzz_exec.a "$build"/fuzz/libmsrexit_fuzz_model.a
	"$build"/libmsrexit_kvm.a "$build"/libmsrexit_model.a)
check_libs=("$build"/fuzz/libmsrexit_fuzz_check.a "$build"/fuzz/libmsrexit_fuzz_model.a
	"$build"/libmsrexit_model.a)

# fuzzer NAME SOURCE OPTIONS LIBS...: the binary, its dictionary and options (dict renamed to its own).
fuzzer() {
	local name=$1 src=$2 options=$3
	shift 3
	# shellcheck disable=SC2086 # $CFLAGS and $LIB_FUZZING_ENGINE are word lists
	$CC $CFLAGS -std=gnu11 "${includes[@]}" "$root/fuzz/$src" "$@" $LIB_FUZZING_ENGINE \
		-o "$OUT/$name"
	cp "$root/fuzz/msrexit.dict" "$OUT/$name.dict"
	sed "s/^dict = .*/dict = $name.dict/" "$root/fuzz/$options" >"$OUT/$name.options"
}

fuzzer msrexit_exec_fuzzer fuzz_exec.c msrexit-fuzz.options "${exec_libs[@]}"
fuzzer msrexit_decode_fuzzer fuzz_decode.c msrexit-fuzz-decode.options "${check_libs[@]}"
fuzzer msrexit_parse_fuzzer fuzz_parse.c msrexit-fuzz-parse.options "${check_libs[@]}"

# Seeds: binary programs (corpus/seeds and the conformance programs, assembled) for the binary
# targets, the text programs for the parser.
rm -f "$OUT"/msrexit_*_seed_corpus.zip
zip -qj "$OUT/msrexit_exec_fuzzer_seed_corpus.zip" "$build"/fuzz/seeds/*.bin
cp "$OUT/msrexit_exec_fuzzer_seed_corpus.zip" "$OUT/msrexit_decode_fuzzer_seed_corpus.zip"
(cd "$root" && zip -q "$OUT/msrexit_parse_fuzzer_seed_corpus.zip" corpus/seeds/*.msr \
	conformance/*/*.msr)
