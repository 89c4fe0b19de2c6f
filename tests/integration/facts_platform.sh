#!/usr/bin/env bash
# facts_platform.sh - `msrexit facts` names the guest CPU vendor, the hardware and the stable release.
set -euo pipefail
bin=$1
. "$(dirname "$0")/lib.sh"
need_kvm
expect 0 "$bin" facts
first=$(sed -n 1p <<<"$out")
second=$(sed -n 2p <<<"$out")
# the vCPUs get the CPUID KVM supports, whose vendor is the host CPU's
vendor=$(awk -F': ' '/^vendor_id/ { print $2; exit }' /proc/cpuinfo)
# the stable release: uname's, or Debian's own where uname names none (6.1.0-N)
release=$(uname -r | grep -o '^[0-9]*\.[0-9]*\.[0-9]*')
debian=$(uname -v | grep -o 'Debian [0-9]*\.[0-9]*\.[0-9]*' | cut -d' ' -f2 || true)
if [ -n "$debian" ] && [ "${debian%.*}" = "${release%.*}" ]; then
	release=$debian
fi
case $first in
"kernel $release, backend "*) ;;
*) fail "facts should name kernel $release; first line: $first" ;;
esac
if grep -qw hypervisor /proc/cpuinfo; then
	hw='*(hypervisor *)'
else
	hw='bare metal (no hypervisor bit)'
fi
# shellcheck disable=SC2254
case $second in
"guest CPU vendor $vendor, hardware "$hw) ;;
*) fail "facts should say 'guest CPU vendor $vendor, hardware $hw'; second line: $second" ;;
esac
echo "facts_platform: ok ($second)"
