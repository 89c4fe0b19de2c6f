/* cases_implicit.c - implicit MSR reads (SYSCALL's EFER, STAR, LSTAR, SFMASK) are not filtered (§3, §8). */
#include <errno.h>
#include <linux/kvm.h>
#include <string.h>
#include <sys/ioctl.h>

#include "conform.h"
#include "filter.h"
#include "msr_index.h"
#include "requirements.h"
#include "stub_abi.h"

/* Where the guest's SYSCALL lands (LSTAR), from the code's start: out PORT_BATCH_DONE, al. */
#define TARGET_OFFSET 0x40
/* A SYSCALL that falls through instead of jumping exits on this port. */
#define PORT_FELL_THROUGH 0xf0

struct syscall_outcome {
	uint32_t exit_reason;
	uint16_t port;
	uint32_t msr_index; /* an MSR exit's index */
	struct kvm_regs regs;
};

/* A filter denying every access to the MSRs SYSCALL reads: any exit would be FILTER. */
static void deny_syscall_msrs(struct prog_filter *f)
{
	memset(f, 0, sizeof(*f));
	f->nranges = 2;
	f->ranges[0] = (struct prog_range){ RANGE_READ | RANGE_WRITE, 1, MSR_EFER, 0, 0 };
	f->ranges[1] = (struct prog_range){ RANGE_READ | RANGE_WRITE, 4, MSR_STAR, 0, 0 };
}

/* SYSCALL (behind the forced-emulation prefix if forced) from code at CPL0, LSTAR at the target. */
static int run_syscall(struct case_ctx *c, bool forced, struct syscall_outcome *o)
{
	static const uint8_t fep[] = { 0x0f, 0x0b, 'k', 'v', 'm' };
	const uint64_t code = GUEST_VCPU_AREA(0) + AREA_CODE;
	/* host writes are never filtered: CS and SS from STAR are the stub's own */
	uint64_t star = (uint64_t)SEL_KERNEL_CS << 32, lstar = code + TARGET_OFFSET, mask = 0;
	struct kvm_regs r = { .rflags = 2 };
	struct prog_filter flt;
	uint8_t *p;
	size_t n = 0;
	struct vm vm;
	int ret;

	vm_create(&vm, c->sys, 1);
	vm_enable_cap_fd(vm.fd, 0, REASON_VALID_MASK);
	deny_syscall_msrs(&flt);
	filter_install(vm.fd, &flt);
	p = vm.mem + code;
	if (forced) {
		memcpy(p, fep, sizeof(fep));
		n = sizeof(fep);
	}
	memcpy(p + n, "\x0f\x05\xe6", 3); /* syscall; out PORT_FELL_THROUGH, al */
	p[n + 3] = PORT_FELL_THROUGH;
	p[TARGET_OFFSET] = 0xe6; /* out PORT_BATCH_DONE, al */
	p[TARGET_OFFSET + 1] = PORT_BATCH_DONE;
	if (__msr_io_one(vm.vcpu[0].fd, KVM_SET_MSRS, MSR_STAR, &star) != 1 ||
	    __msr_io_one(vm.vcpu[0].fd, KVM_SET_MSRS, MSR_LSTAR, &lstar) != 1 ||
	    __msr_io_one(vm.vcpu[0].fd, KVM_SET_MSRS, MSR_SFMASK, &mask) != 1) {
		vm_destroy(&vm);
		return case_fail(c, "KVM_SET_MSRS of STAR, LSTAR, SFMASK failed");
	}
	r.rip = code;
	r.rsp = GUEST_VCPU_AREA(0) + AREA_STACK_TOP;
	KVM_IOCTL(vm.vcpu[0].fd, KVM_SET_REGS, &r, "SYSCALL code");
	ret = ioctl(vm.vcpu[0].fd, KVM_RUN, 0);
	memset(o, 0, sizeof(*o));
	o->exit_reason = vm.vcpu[0].run->exit_reason;
	o->port = vm.vcpu[0].run->io.port;
	o->msr_index = vm.vcpu[0].run->msr.index;
	KVM_IOCTL(vm.vcpu[0].fd, KVM_GET_REGS, &o->regs, "after SYSCALL");
	vm_destroy(&vm);
	if (ret)
		return case_fail(c, "KVM_RUN failed: %s", strerror(errno));
	return (int)n; /* the prefix's length */
}

/*
 * The filter covers RDMSR/WRMSR only: SYSCALL reads EFER, STAR, LSTAR and
 * SFMASK implicitly, and lands at LSTAR with RCX past the instruction.
 * Since 5.19 KVM's emulator reads them unfiltered too (emulate.c em_syscall
 * through ops->get_msr, x86.c emulator_get_msr); before, a filter that
 * denied them made the emulated SYSCALL exit or fault.
 */
static int check_syscall(struct case_ctx *c, bool forced)
{
	const uint64_t code = GUEST_VCPU_AREA(0) + AREA_CODE, target = code + TARGET_OFFSET;
	struct syscall_outcome o;
	int len;

	case_diag(c, "expectation: kernel >= 5.19: implicit MSR reads are not filtered");
	len = run_syscall(c, forced, &o);
	if (len < 0)
		return CASE_FAIL;
	if (o.exit_reason == KVM_EXIT_X86_RDMSR || o.exit_reason == KVM_EXIT_X86_WRMSR)
		return case_fail(c,
				 "SYSCALL made an MSR exit (index 0x%x): the filter applied to "
				 "an implicit read",
				 o.msr_index);
	CASE_EXPECT(c, o.exit_reason == KVM_EXIT_IO && o.port == PORT_BATCH_DONE,
		    "exit %u port 0x%x: SYSCALL did not reach LSTAR (0x%x: fell through; 0x%x + "
		    "vector: an exception)",
		    o.exit_reason, o.port, PORT_FELL_THROUGH, PORT_EXCEPTION_BASE);
	CASE_EXPECT(c, o.regs.rcx == code + (uint64_t)len + 2, "RCX 0x%llx, want 0x%llx",
		    (unsigned long long)o.regs.rcx, (unsigned long long)(code + len + 2));
	/* at the OUT there, or past it: kvm_amd completes an OUT at the next KVM_RUN */
	CASE_EXPECT(c, o.regs.rip == target || o.regs.rip == target + 2,
		    "RIP 0x%llx, want 0x%llx or 0x%llx", (unsigned long long)o.regs.rip,
		    (unsigned long long)target, (unsigned long long)(target + 2));
	return CASE_PASS;
}

static int syscall_denied(struct case_ctx *c)
{
	return check_syscall(c, false);
}

static int syscall_denied_emulated(struct case_ctx *c)
{
	if (!c->facts->force_emulation_prefix)
		return case_skip(c, "%s", requirement_unmet(c->facts, REQ_FORCE_EMULATION));
	return check_syscall(c, true);
}

const struct conform_case implicit_cases[] = {
	{ "implicit.syscall_lstar_denied", "3,8",
	  "SYSCALL reaches LSTAR though the filter denies EFER, STAR, LSTAR, SFMASK",
	  syscall_denied, NULL },
	{ "implicit.syscall_lstar_denied_emulated", "3,8",
	  "an emulated SYSCALL (forced emulation) reads LSTAR unfiltered (fixed in 5.19)",
	  syscall_denied_emulated, NULL },
	{ 0 },
};
