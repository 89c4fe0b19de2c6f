#!/usr/bin/env bash
# facts_backend.sh - `msrexit facts` names the backend serving /dev/kvm, as /sys/module shows it.
set -euo pipefail
bin=$1
. "$(dirname "$0")/lib.sh"
need_kvm
# kvm_pvm first: loaded beside kvm_intel or kvm_amd, it is the one /dev/kvm runs on
want=unknown
for m in kvm_pvm kvm_intel kvm_amd; do
	if [ -e "/sys/module/$m" ]; then
		want=$m
		break
	fi
done
expect 0 "$bin" facts
first=$(head -n 1 <<<"$out")
case $first in
"kernel "*", backend $want, ignore_msrs="*) ;;
*) fail "facts should say 'backend $want'; first line: $first" ;;
esac
echo "facts_backend: ok (backend $want)"
