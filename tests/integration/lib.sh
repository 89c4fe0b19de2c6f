# lib.sh - helpers for the integration test scripts (sourced).
fail() { echo "FAIL: $*" >&2; exit 1; }
need_kvm() {
	if [ ! -e /dev/kvm ]; then
		echo "SKIP: /dev/kvm is absent: integration tests need KVM"
		exit 4
	fi
}
# expect STATUS CMD...: runs CMD, checks its exit status, leaves output in $out
expect() {
	local want=$1; shift
	set +e; out=$("$@" 2>&1); local got=$?; set -e
	[ "$got" -eq "$want" ] || fail "'$*' exited $got, want $want; output:
$out"
}
