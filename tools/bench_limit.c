/*
 * bench_limit.c - the machine's own limit: a minimal guest loop of RDMSRs, with no harness in it.
 *
 * "mov ecx, imm32; rdmsr; jmp back" answered by the host at each exit is one
 * MSR exit round trip and nothing else; "mov ecx, EFER; rdmsr; dec r8d; jnz"
 * is an RDMSR the kernel handles itself, with its loop. msrexit bench prints
 * its own figures as ratios to these, measured in the same run.
 */
#include <linux/kvm.h>
#include <string.h>
#include <sys/ioctl.h>
#include <time.h>

#include "bench.h"

#define LIMIT_ITERS 4096

static double now_us(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1e6 + ts.tv_nsec / 1e3;
}

static int start_at(struct vm *vm, const uint8_t *code, size_t len, uint32_t r8)
{
	struct kvm_regs r = { .rflags = 2, .r8 = r8 };

	r.rip = GUEST_VCPU_AREA(0) + AREA_CODE;
	r.rsp = GUEST_VCPU_AREA(0) + AREA_STACK_TOP;
	memcpy(vm->mem + r.rip, code, len);
	return ioctl(vm->vcpu[0].fd, KVM_SET_REGS, &r);
}

/* One MSR exit round trip, per exit: the median over rounds of iters exits. */
static double exit_round(struct vm *vm, int iters)
{
	static const uint8_t loop[] = {
		0xb9, 0x78, 0x56, 0x34, 0x12, /* mov ecx, 0x12345678 */
		0x0f, 0x32, /* rdmsr */
		0xeb, 0xf7, /* jmp back to the mov */
	};
	double t0;

	if (start_at(vm, loop, sizeof(loop), 0))
		return -1;
	t0 = now_us();
	for (int i = 0; i < iters; i++)
		if (ioctl(vm->vcpu[0].fd, KVM_RUN, 0) ||
		    vm->vcpu[0].run->exit_reason != KVM_EXIT_X86_RDMSR)
			return -1;
	return (now_us() - t0) / iters;
}

/* One RDMSR KVM handles itself, with its loop: iters of them in one KVM_RUN. */
static double in_kernel_round(struct vm *vm, int iters)
{
	static const uint8_t loop[] = {
		0xb9, 0x80,
		0x00, 0x00,
		0xc0, /* mov ecx, EFER */
		0x0f, 0x32, /* rdmsr */
		0x41, 0xff,
		0xc8, /* dec r8d */
		0x75, 0xf4, /* jnz back to the mov */
		0xe6, PORT_BATCH_DONE, /* out PORT_BATCH_DONE, al */
	};
	double t0;

	if (start_at(vm, loop, sizeof(loop), (uint32_t)iters))
		return -1;
	t0 = now_us();
	if (ioctl(vm->vcpu[0].fd, KVM_RUN, 0) || vm->vcpu[0].run->exit_reason != KVM_EXIT_IO)
		return -1;
	return (now_us() - t0) / iters;
}

int bench_limit(struct kvm_sys *sys, int rounds, double *exit_us, double *in_kernel_us)
{
	return bench_limit_iters(sys, rounds, LIMIT_ITERS, exit_us, in_kernel_us);
}

int bench_limit_iters(struct kvm_sys *sys, int rounds, int iters, double *exit_us,
		      double *in_kernel_us)
{
	double ve[BENCH_MAX_ROUNDS], vk[BENCH_MAX_ROUNDS];
	struct vm vm;

	vm_create(&vm, sys, 1);
	vm_enable_cap_fd(vm.fd, 0, REASON_UNKNOWN);
	for (int r = 0; r < rounds; r++) {
		ve[r] = exit_round(&vm, iters);
		vk[r] = in_kernel_round(&vm, iters);
		if (ve[r] < 0 || vk[r] < 0) {
			kvm_set_error("the limit loop did not run as written");
			vm_destroy(&vm);
			return -1;
		}
	}
	vm_destroy(&vm);
	*exit_us = bench_median(ve, rounds);
	*in_kernel_us = bench_median(vk, rounds);
	return 0;
}
