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

	if (!case_vm(c, &vm, 1))
		return CASE_FAIL;
	for (int bit = 0; bit < 64; bit++) {
		int r = vm_enable_cap_fd(vm.fd, 0, 1ull << bit);
		int want_ok = bit < 3;

		CASE_EXPECT(c, want_ok ? r == 0 : (r == -1 && errno == EINVAL),
			    "mask bit %d: ret %d errno %d (%s)", bit, r, r ? errno : 0,
			    want_ok ? "want 0" : "want -1 EINVAL");
	}
	vm_destroy(&vm);
	return CASE_PASS;
}

/* The capability may be enabled before any vCPU exists, and holds for vCPUs made later. */
static int before_vcpus(struct case_ctx *c)
{
	static struct program p;
	struct vm vm;

	if (vm_create_bare(&vm, c->sys))
		return case_fail(c, "cannot create a VM: %s", kvm_last_error());
	CASE_EXPECT(c, vm_enable_cap_fd(vm.fd, 0, REASON_UNKNOWN) == 0,
		    "enable on a VM with no vCPU: errno %d", errno);
	if (vm_add_vcpus(&vm, 1)) {
		vm_destroy(&vm);
		return case_fail(c, "cannot add a vCPU: %s", kvm_last_error());
	}
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
	int r = vm_enable_cap_fd(c->sys->fd, 0, REASON_UNKNOWN);

	CASE_EXPECT(c, r == -1 && errno == EINVAL, "ret %d errno %d, want -1 EINVAL", r,
		    r ? errno : 0);
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
