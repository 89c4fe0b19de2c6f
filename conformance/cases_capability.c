/* cases_capability.c - KVM_CAP_X86_USER_SPACE_MSR enabling: every mask bit, fds, timing (docs/spec.md §2). */
#include <errno.h>
#include <linux/kvm.h>
#include <string.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include "conform.h"
#include "program_build.h"

/* Only bits 0-2 of the mask are valid: each of the 64 bits alone. */
static int every_mask_bit(struct case_ctx *c)
{
	struct vm vm;

	vm_create(&vm, c->sys, 1);
	for (int bit = 0; bit < 64; bit++) {
		int r = __vm_enable_cap_fd(vm.fd, 0, 1ull << bit);
		int want_ok = bit < 3;

		CASE_EXPECT(c, want_ok ? r == 0 : r == -EINVAL, "mask bit %d: %d (%s), want %s",
			    bit, r, r ? kvm_last_error() : "ok", want_ok ? "0" : "-EINVAL");
	}
	vm_destroy(&vm);
	return CASE_PASS;
}

/* The capability may be enabled before any vCPU exists, and holds for vCPUs made later. */
static int before_vcpus(struct case_ctx *c)
{
	static struct program p;
	struct vm vm;

	vm_create_bare(&vm, c->sys);
	CASE_EXPECT(c, __vm_enable_cap_fd(vm.fd, 0, REASON_UNKNOWN) == 0,
		    "enable on a VM with no vCPU: %s", kvm_last_error());
	vm_add_vcpus(&vm, 1);
	pb_init(&p, 1, REASON_UNKNOWN);
	pb_rdmsr(&p, 0x12345678)->g.reply_data = 0x4200000042;
	pb_wrmsr(&p, 0xdeadbeef, 7);
	case_run_on(c, &vm, &p, true);
	vm_destroy(&vm);
	return CASE_PASS;
}

/* KVM_ENABLE_CAP with this capability on /dev/kvm is refused. */
static int system_fd(struct case_ctx *c)
{
	int r = __vm_enable_cap_fd(c->sys->fd, 0, REASON_UNKNOWN);

	CASE_EXPECT(c, r == -EINVAL, "%d (%s), want -EINVAL", r, r ? kvm_last_error() : "ok");
	return CASE_PASS;
}

const struct conform_case capability_cases[] = {
	{ "capability.every_mask_bit", "2",
	  "each of the 64 mask bits alone: only bits 0-2 are accepted", every_mask_bit, NULL },
	{ "capability.before_vcpus", "2", "the capability can be enabled before vCPUs exist",
	  before_vcpus, NULL },
	{ "capability.system_fd", "2", "KVM_ENABLE_CAP(USER_SPACE_MSR) on /dev/kvm is EINVAL",
	  system_fd, NULL },
	{ 0 },
};
