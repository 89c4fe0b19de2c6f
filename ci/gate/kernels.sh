# kernels.sh - ci/gate-kernel's steps per kernel: unpack, KVM modules, initramfs, QEMU boot, verdict.
# Sourced by ci/gate-kernel (its variables: root, here, work, out, msrexit, timeout, ...).
# shellcheck shell=bash disable=SC2154

# What every kernel's initramfs shares: busybox, msrexit, the regressions, the fuzz inputs.
shared_inputs() {
	local base=$work/shared
	mkdir -p "$base/bin" "$base/gate/regressions" || infra "cannot fill $base"
	cp "$(command -v busybox)" "$base/bin/busybox"
	ln -s busybox "$base/bin/sh" # the init makes the other applets' links
	cp "$msrexit" "$base/bin/msrexit"
	cp "$here/gate/init" "$base/init"
	chmod 755 "$base/init"
	cp "$root"/corpus/regressions/*.msr "$base/gate/regressions/" 2>/dev/null
	[ "$fuzz_seconds" -gt 0 ] || return 0
	mkdir -p "$work/seeds"
	local s
	for s in "$root"/corpus/seeds/*.msr; do
		# a seed newer than this msrexit (--msrexit from another tree) is left out
		"$msrexit" asm "$s" -o "$work/seeds/$(basename "$s" .msr).bin" >/dev/null 2>&1 ||
			say "seed $(basename "$s") left out: msrexit asm failed on it"
	done
	# enough batches for a fast guest; the guest stops when its time is up
	python3 "$here/gate/fuzz_inputs.py" --seeds "$work/seeds" --out "$base/gate/fuzz" \
		--seed "$fuzz_seed" --batches $((fuzz_seconds * 4 + 8)) ||
		infra "fuzz_inputs.py failed"
}

# --run-extra's programs, into the shared initramfs as /gate/extra/NAME: a .c built with cc -static -O2.
extra_programs() {
	local f name dir=$work/shared/gate/extra
	extra_names=""
	[ ${#extras[@]} -gt 0 ] || return 0
	mkdir -p "$dir" || infra "cannot make $dir"
	for f in "${extras[@]}"; do
		name=$(basename "$f" .c)
		case $f in
		*.c)
			command -v cc >/dev/null || infra "cc is not installed: it builds --run-extra $f"
			cc -static -O2 -o "$dir/$name" "$f" >"$work/extra.log" 2>&1 ||
				infra "cc -static -O2 $f failed: $(tail -5 "$work/extra.log")"
			;;
		*)
			is_static "$f" || infra "--run-extra $f is not a static executable"
			cp "$f" "$dir/$name" && chmod 755 "$dir/$name" || infra "cannot copy $f"
			;;
		esac
		extra_names="$extra_names $name"
	done
}

# extra_report DIR: the extra part's KTAP (the programs' output, exit status, result) as printed.
extra_report() {
	[ -n "$extra_names" ] || return 0
	sed -n '/^# part [0-9]* extra$/,/^\(not \)\?ok [0-9]* extra /p' "$1/ktap.txt" | sed '1d; s/^ *//; s/^/  extra: /'
}

# unpack_deb DEB DIR: sets image and moddir from a linux-image package.
unpack_deb() {
	mkdir -p "$2" && dpkg-deb -x "$1" "$2" 2>"$2.err" || infra "dpkg-deb -x $1: $(cat "$2.err")"
	image=$(ls "$2"/boot/vmlinuz-* 2>/dev/null | head -1)
	[ -n "$image" ] || infra "$1 holds no boot/vmlinuz-*: not a linux-image package"
	moddir=$(ls -d "$2"/lib/modules/* 2>/dev/null | head -1)
}

# find_module DIR NAME: the module file, NAME with - or _, .ko or compressed.
find_module() {
	local n=${2//_/-} m=${2//-/_}
	find "$1" \( -name "$n.ko" -o -name "$n.ko.xz" -o -name "$n.ko.zst" -o -name "$n.ko.gz" \
		-o -name "$m.ko" -o -name "$m.ko.xz" -o -name "$m.ko.zst" -o -name "$m.ko.gz" \) \
		-print -quit 2>/dev/null
}

# add_module DIR NAME DEST: NAME and what it depends on (its .modinfo), decompressed into DEST
# and appended to module_order after its dependencies. A module not found is built in.
add_module() {
	local f dep name=${2//_/-}
	case " $module_order " in *" $name.ko "*) return 0 ;; esac
	f=$(find_module "$1" "$name")
	[ -n "$f" ] || return 0
	case $f in
	*.xz) xz -dc "$f" >"$3/$name.ko" ;;
	*.zst) zstd -qdc "$f" >"$3/$name.ko" ;;
	*.gz) gzip -dc "$f" >"$3/$name.ko" ;;
	*) cp "$f" "$3/$name.ko" ;;
	esac || infra "cannot decompress $f (ci/install-deps.sh installs xz-utils and zstd)"
	for dep in $(strings "$3/$name.ko" | sed -n 's/^depends=//p' | tr , ' '); do
		add_module "$1" "$dep" "$3"
	done
	module_order="$module_order $name.ko"
}

# The vendor module: TCG's -cpu max is an AMD CPU with SVM; with -enable-kvm the host's.
vendor_module() {
	if [ "$accel" = kvm ] && grep -q GenuineIntel /proc/cpuinfo; then
		echo kvm-intel
	else
		echo kvm-amd
	fi
}

# make_initramfs DIR MODDIR OUT: the shared files, this kernel's modules, its settings.
make_initramfs() {
	local d=$1
	cp -a "$work/shared" "$d" && mkdir -p "$d/gate/modules" "$d/proc" "$d/sys" "$d/dev" "$d/tmp" ||
		infra "cannot make $d"
	module_order=""
	[ -z "$2" ] || add_module "$2" "$(vendor_module)" "$d/gate/modules"
	cat >"$d/gate/settings" <<EOF
MODULES="$module_order"
FUZZ_SECONDS=$fuzz_seconds
SUITE_ARGS="$suite_args"
EXTRA="${extra_names# }"
EXTRA_ONLY=$extra_only
EOF
	(cd "$d" && find . | busybox cpio -o -H newc 2>/dev/null | gzip -1) >"$3" ||
		infra "cannot pack the initramfs"
}

# conform -j where this msrexit has it: 4 cases per CPU, as most of a case's time is waiting
# for the kernel (a filter update's SRCU grace period), not running.
conform_args() {
	if "$msrexit" conform --help 2>/dev/null | grep -q -- "-j N"; then
		suite_args="-j $((cpus * 4))"
	else
		suite_args=""
	fi
}

# boot IMAGE INITRD DIR: QEMU's exit status (124 on timeout); console and KTAP in DIR.
boot() {
	local acc=(-accel tcg -cpu max)
	[ "$accel" = kvm ] && acc=(-accel kvm -cpu host)
	timeout -k 10 "$timeout" qemu-system-x86_64 "${acc[@]}" -m "$memory" -smp "$cpus" \
		-nodefaults -display none -no-reboot \
		-kernel "$1" -initrd "$2" \
		-append "console=ttyS0 panic=-1 kvm.force_emulation_prefix=1 $append" \
		-serial "file:$3/console.log" -serial "file:$3/ktap.raw" \
		-device isa-debug-exit,iobase=0xf4,iosize=0x04 \
		</dev/null >"$3/qemu.log" 2>&1
}

# marker DIR WHAT: the number after "msrexit-gate: WHAT" on the console (a time or a status).
marker() {
	sed -n "s/^msrexit-gate: $2 \([0-9.]*\).*/\1/p" "$1/console.log" | tr -d '\r' | head -1
}

# guest_verdict STATUS DIR: sets v from QEMU's status, checked against the KTAP's last word, and
# why when there is none (v=2).
guest_verdict() {
	local st=$1 d=$2 said
	said=$(sed -n 's/^# msrexit gate: verdict \([0-9]\)$/\1/p' "$d/ktap.txt" | tail -1)
	v=2 why=""
	case $st in
	1 | 3 | 5)
		if [ "$said" = $(((st - 1) / 2)) ]; then
			v=$said
			[ "$v" = 2 ] && why=$(sed -n 's/^msrexit-gate: verdict 2: //p' "$d/console.log" | tr -d '\r')
			return 0
		fi
		[ -n "$said" ] && why="QEMU exited with $st but the guest's KTAP says verdict $said" && return 0
		why="QEMU exited with status $st without the guest's verdict: $(tail -2 "$d/qemu.log")"
		;;
	124 | 137) why="timed out after $timeout s" ;;
	*) why="QEMU exited with status $st without the guest's verdict: $(tail -2 "$d/qemu.log")" ;;
	esac
}

# Kernel trouble the console shows; after KVM loaded it is a finding (1), before an infra error.
console_check() {
	local d=$1 bad
	bad=$(tr -d '\r' <"$d/console.log" |
		grep -n -E 'WARNING:|BUG:|Oops|Kernel panic|general protection fault|KASAN|UBSAN' | head -5)
	[ -n "$bad" ] || return 0
	echo "$bad" >"$d/kernel-trouble.txt"
	local first=${bad%%:*} kvm_line
	kvm_line=$(tr -d '\r' <"$d/console.log" | grep -n '^msrexit-gate: kvm loaded' | cut -d: -f1)
	if [ -n "$kvm_line" ] && [ "$first" -gt "$kvm_line" ]; then
		return 1
	fi
	return 2
}

times_line() {
	local d=$1 label=$2 wall=$3
	printf "%s: boot %s s, kvm loaded at %s s, conform %s s, regressions %s s, fuzz %s s, %s s in all (wall)\n" \
		"$label" "$(marker "$d" "booted in")" "$(marker "$d" "kvm loaded in")" \
		"$(sed -n 's/^msrexit-gate: conform: exit [0-9]* in \([0-9.]*\) s/\1/p' "$d/console.log" | tr -d '\r')" \
		"$(sed -n 's/^msrexit-gate: regressions: exit [0-9]* in \([0-9.]*\) s/\1/p' "$d/console.log" | tr -d '\r')" \
		"$(sed -n 's/^msrexit-gate: fuzz: exit [0-9]* in \([0-9.]*\) s/\1/p' "$d/console.log" | tr -d '\r')" \
		"$wall"
}

# run_kernel NAME IMAGE MODDIR DEB: one kernel, start to verdict; returns it (0, 1, 2).
run_kernel() {
	local name=$1 d=$out/$1 t0 st release
	image=$2 moddir=$3
	rm -rf "$d" && mkdir -p "$d" || infra "cannot make $d"
	[ -z "$4" ] || unpack_deb "$4" "$work/$name-deb"
	[ -n "$2" ] && image=$2
	conform_args
	make_initramfs "$work/$name-root" "$moddir" "$work/$name.cpio.gz"
	say "$name: booting $image${moddir:+ (modules: $module_order)} under QEMU $accel"
	t0=$(date +%s.%N)
	: >"$d/console.log" && : >"$d/ktap.raw" || infra "cannot write in $d"
	boot "$image" "$work/$name.cpio.gz" "$d"
	st=$?
	tr -d '\r' <"$d/ktap.raw" >"$d/ktap.txt" && rm -f "$d/ktap.raw"
	release=$(sed -n 's/^msrexit-gate: booted in [0-9.]* s: //p' "$d/console.log" | tr -d '\r')
	guest_verdict "$st" "$d"
	console_check "$d"
	case $? in
	1) v=1 why="the kernel log shows trouble after KVM loaded (kernel-trouble.txt)" ;;
	2) [ "$v" = 2 ] && why="$why; the kernel failed before KVM loaded (kernel-trouble.txt)" ;;
	esac
	[ -z "$release" ] && [ "$v" = 2 ] && why="the kernel did not boot to our init (${why:-no console output}); see console.log"
	times_line "$d" "gate-kernel: $name ${release:-?}" "$(awk -v a="$t0" -v b="$(date +%s.%N)" \
		'BEGIN { printf "%.1f", b - a }')"
	python3 "$here/gate/ktap.py" junit "$d/ktap.txt" "$d/junit.xml" --name "msrexit-gate $name ${release:-}" \
		${why:+--error "$why"}
	python3 "$here/gate/ktap.py" summary "$d/ktap.txt"
	extra_report "$d"
	echo "$v" >"$d/verdict"
	case $v in
	0) say "$name: PASS" ;;
	1) say "$name: FAIL${why:+: $why}${known:+ (before the known failures are taken out)}" ;;
	*) say "$name: INFRASTRUCTURE ERROR: ${why:-see $d/console.log}" ;;
	esac
	return "$v"
}

# The gate's exit status: the candidate's; with bases or --known, only its new failures fail it.
gate_verdict() {
	local status=$1 i args=()
	if { [ ${#bases[@]} -eq 0 ] && [ -z "$known" ]; } || [ "$status" = 2 ]; then
		say "verdict $status (KTAP, JUnit, console logs in $out)"
		exit "$status"
	fi
	for i in "${!bases[@]}"; do
		args+=(--base "base$((i + 1))=$out/base$((i + 1))/ktap.txt")
	done
	[ -z "$known" ] || args+=(--known "$known")
	say "the candidate's failures${known:+ against $known}${bases:+ and the bases}:"
	python3 "$here/gate/ktap.py" verdict "$out/candidate/ktap.txt" "${args[@]}"
	status=$?
	[ $status -le 1 ] || infra "ktap.py verdict failed"
	say "verdict $status (KTAP, JUnit, console logs in $out)"
	exit "$status"
}
