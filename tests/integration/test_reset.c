/* test_reset.c - a reused VM: vm_check_clean sees each kind of dirt, vm_reset removes all of it. */
#include <linux/kvm.h>
#include <string.h>
#include <sys/ioctl.h>

#include "execute.h"
#include "program_build.h"
#include "unit.h"

static struct program p;
static struct trace t;

/* Runs p, then: dirty (check fails, naming what), reset, clean (check passes). */
static void dirty_then_reset(struct vm *vm, const char *what, const char *expect_in_msg)
{
	struct exec_opts o = { .timeout_ms = 2000 };
	int dirty;

	execute(vm, &p, &o, &t);
	dirty = __vm_check_clean(vm);
	CHECK(dirty && strstr(kvm_last_error(), expect_in_msg), "%s: check said '%s'", what,
	      dirty ? kvm_last_error() : "clean");
	CHECK(!__vm_reset(vm), "%s: reset: %s", what, kvm_last_error());
	/* a call that succeeds leaves no message behind, not the failed check's */
	CHECK(!kvm_last_error()[0], "%s: a stale error after the reset: '%s'", what,
	      kvm_last_error());
	CHECK(!__vm_check_clean(vm), "%s: after reset: %s", what, kvm_last_error());
	CHECK(!kvm_last_error()[0], "%s: a stale error after the check: '%s'", what,
	      kvm_last_error());
}

/*
 * A feature MSR changed before the vCPU ran: once it has, KVM may refuse the
 * snapshot's value back (then the reset names the MSR) or take it (then the
 * reset succeeds, the MSR is back, and the check proves the VM clean).
 * Either holds; nothing else.
 */
static void reset_after_feature_msr(struct kvm_sys *sys, uint32_t index, const char *name)
{
	uint64_t initial = 0, now;
	struct vm fresh;
	char want[32];

	vm_create(&fresh, sys, 1);
	vm_snapshot_take(&fresh);
	CHECK(__msr_io_one(fresh.vcpu[0].fd, KVM_GET_MSRS, index, &initial) == 1,
	      "%s: KVM_GET_MSRS of a fresh vCPU: %s", name, kvm_last_error());
	pb_init(&p, 1, 0);
	pb_host_msrs(&p, STEP_HOST_SET_MSRS, 1, (uint32_t[]){ index }, (uint64_t[]){ initial ^ 1 });
	pb_rdmsr(&p, 0xc0000080);
	execute(&fresh, &p, &(struct exec_opts){ .timeout_ms = 2000 }, &t);
	if (t.h[0].ret != 1) {
		printf("# %s: no value but 0x%llx is taken here: that check was not made\n", name,
		       (unsigned long long)initial);
	} else if (__vm_reset(&fresh)) {
		snprintf(want, sizeof(want), "MSR 0x%x", index);
		CHECK(strstr(kvm_last_error(), want), "%s: the reset failed saying '%s'", name,
		      kvm_last_error());
		printf("# %s: KVM refuses its old value once the vCPU ran\n", name);
	} else {
		now = ~initial;
		CHECK(!kvm_last_error()[0], "%s: reset succeeded, yet says '%s'", name,
		      kvm_last_error());
		CHECK(__msr_io_one(fresh.vcpu[0].fd, KVM_GET_MSRS, index, &now) == 1 &&
			  now == initial,
		      "%s: reset succeeded, but the MSR is 0x%llx, was 0x%llx", name,
		      (unsigned long long)now, (unsigned long long)initial);
		CHECK(!__vm_check_clean(&fresh), "%s: reset succeeded, but %s", name,
		      kvm_last_error());
		printf("# %s: KVM takes its old value back after the vCPU ran\n", name);
	}
	vm_destroy(&fresh);
}

/*
 * A program that reads vCPU 0's registers and events before it runs it sees
 * what it sees on a fresh VM, after a full reset and after a reset of what
 * the program before (a #GP) touched.
 */
static void first_reads_as_fresh(struct kvm_sys *sys)
{
	static struct program reads, gp;
	static struct trace fresh_t;
	struct exec_opts o = { .timeout_ms = 2000 };
	struct vm_touched touched = { .ran = 1, .now = 1 };
	struct vm vm;

	pb_init(&reads, 1, 0);
	pb_host(&reads, STEP_HOST_GET_REGS, 0);
	pb_host(&reads, STEP_HOST_GET_EVENTS, 0);
	pb_init(&gp, 1, 0);
	pb_rdmsr(&gp, 0x12345678); /* no exits: #GP */
	vm_create(&vm, sys, 1);
	execute(&vm, &reads, &o, &fresh_t);
	vm_destroy(&vm);
	vm_create(&vm, sys, 1);
	vm_snapshot_take(&vm);
	for (int partial = 0; partial < 2; partial++) {
		execute(&vm, &gp, &o, &t);
		CHECK(t.g[0].faulted && t.g[0].vector == 13, "the access did not #GP");
		if (partial)
			vm_reset_touched(&vm, &touched);
		else
			vm_reset(&vm);
		execute(&vm, &reads, &o, &t);
		for (int n = 0; n < 2; n++)
			CHECK(t.h[n].nvals == fresh_t.h[n].nvals &&
				  !memcmp(t.h[n].vals, fresh_t.h[n].vals,
					  t.h[n].nvals * sizeof(t.h[n].vals[0])),
			      "%s reset: %s: 0x%llx 0x%llx, fresh 0x%llx 0x%llx",
			      partial ? "partial" : "full", n ? "events" : "registers",
			      (unsigned long long)t.h[n].vals[0],
			      (unsigned long long)t.h[n].vals[1],
			      (unsigned long long)fresh_t.h[n].vals[0],
			      (unsigned long long)fresh_t.h[n].vals[1]);
	}
	vm_destroy(&vm);
}

int main(void)
{
	struct kvm_sys *sys;
	struct vm vm;
	int st;

	sys = kvm_sys_get(&st);
	if (!sys) {
		printf("SKIP: %s\n", kvm_last_error());
		return 4;
	}
	vm_create(&vm, sys, 2);
	vm_snapshot_take(&vm);
	CHECK(!__vm_check_clean(&vm), "fresh VM: %s", kvm_last_error());

	pb_init(&p, 2, 0); /* a guest MSR write */
	pb_wrmsr(&p, 0xc0000082, 0xffffffff81000000ull);
	dirty_then_reset(&vm, "LSTAR", "not clean");

	pb_init(&p, 2,
		0); /* vCPU 1's MSR, from the host: the guest never runs, only the MSR differs */
	pb_host_msrs(&p, STEP_HOST_SET_MSRS, 1, (uint32_t[]){ 0xc0000081 },
		     (uint64_t[]){ 0x0023001000000000ull })
	    ->vcpu = 1;
	dirty_then_reset(&vm, "STAR on vCPU 1", "vCPU 1 is not clean after reset: MSR 0xc0000081");

	pb_init(&p, 2, 0); /* MSRs KVM emulates but does not list: MTRRs, machine-check banks */
	pb_wrmsr(&p, 0x2ff, 0xc06);
	dirty_then_reset(&vm, "MTRR_DEF_TYPE", "not clean");
	pb_init(&p, 2, 0);
	pb_host_msrs(&p, STEP_HOST_SET_MSRS, 2, (uint32_t[]){ 0x200, 0x400 }, (uint64_t[]){ 6, 0 });
	dirty_then_reset(&vm, "variable MTRR 0", "MSR 0x200");

	pb_init(&p, 2, 0); /* x2APIC mode and the LVT timer: the local APIC */
	pb_wrmsr(&p, 0x1b, 0xfee00d00);
	pb_wrmsr(&p, 0x832, 0x500ef);
	dirty_then_reset(&vm, "x2APIC", "not clean");

	pb_init(&p, 2, REASON_UNKNOWN); /* a #GP left queued by an immediate_exit completion */
	pb_rdmsr(&p, 0x12345678)->g.reply_error = 1;
	p.steps[0].g.reply_flags = REPLY_HOLD;
	pb_host(&p, STEP_HOST_IMMEDIATE_EXIT, 0);
	pb_host(&p, STEP_HOST_GET_REGS, 0);
	dirty_then_reset(&vm, "queued #GP", "not clean");

	/* guest memory no batch writes (KVM writes kvmclock pages like this) */
	vm.mem[GUEST_VCPU_AREA(1) + 0x50000] = 0x5a;
	vm.mem[GUEST_GDT + 0x800] = 0x5a;
	CHECK(__vm_check_clean(&vm) && strstr(kvm_last_error(), "guest memory is not clean"),
	      "guest memory: check said '%s'", kvm_last_error());
	CHECK(!__vm_reset(&vm), "guest memory: reset: %s", kvm_last_error());
	CHECK(!__vm_check_clean(&vm), "guest memory: after reset: %s", kvm_last_error());
	first_reads_as_fresh(sys);

	/* feature MSRs; measured on kvm_pvm 6.18, AMD: no other value, refused, taken back */
	reset_after_feature_msr(sys, 0x10a, "ARCH_CAPABILITIES");
	reset_after_feature_msr(sys, 0xce, "PLATFORM_INFO");
	reset_after_feature_msr(sys, 0x8b, "UCODE_REV");

	/* and after all that, a program runs as on a fresh VM */
	pb_init(&p, 2, REASON_UNKNOWN);
	pb_rdmsr(&p, 0xc0000082);
	pb_rdmsr(&p, 0x12345678)->g.reply_data = 7;
	execute(&vm, &p, &(struct exec_opts){ .timeout_ms = 2000 }, &t);
	CHECK(t.abort_step < 0 && t.g[0].rax == 0 && !t.g[0].faulted, "LSTAR after reset: 0x%llx",
	      (unsigned long long)t.g[0].rax);
	CHECK(t.g[1].exited && t.g[1].rax == 7, "mask after reset: exited %d", t.g[1].exited);
	vm_destroy(&vm);
	return unit_summary("reset");
}
