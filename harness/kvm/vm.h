/* vm.h - a VM with 1-2 vCPUs in long mode running the guest stub, ready for MSR tests. */
#ifndef MSREXIT_VM_H
#define MSREXIT_VM_H

#include <stdbool.h>
#include <stdint.h>

#include "guest_code.h"
#include "kvm.h"
#include "program.h"
#include "stub_abi.h"

struct kvm_run;

struct vcpu {
	int fd, id;
	struct kvm_run *run;
	uint8_t *area; /* host address of its guest area (GUEST_VCPU_AREA) */
	uint64_t last_insn; /* address of the instruction of the last operation started */
	bool held; /* an MSR exit is pending (REPLY_HOLD) */
	int seg_start, seg_end; /* program steps of the batch in its code area */
	struct batch_code code;
	int next; /* first access of the batch whose outcome is still open */
	int exited; /* the access whose exit was answered and whose outcome is open, or -1 */
	bool exited_in_regs; /* its results come in R8-R10 (execute_guest.c) */
};

struct vm {
	struct kvm_sys *sys;
	int fd;
	uint8_t *mem;
	int nvcpus;
	struct vcpu vcpu[PROG_MAX_VCPUS];
	const struct stub_header *stub;
	struct vm_snapshot *snap; /* the state vm_reset returns to (vm_reset.c) */
};

struct vm_snapshot;

/*
 * Plain forms fail loudly, __ forms return 0 or -errno (kvm.h). A VM with
 * nvcpus vCPUs; a VM whose making failed is safe to vm_destroy (__vm_create
 * and __vm_create_bare already did).
 */
void vm_create(struct vm *vm, struct kvm_sys *sys, int nvcpus);
int __vm_create(struct vm *vm, struct kvm_sys *sys, int nvcpus);
/* In two halves, for cases that act between VM and vCPU creation. */
void vm_create_bare(struct vm *vm, struct kvm_sys *sys);
int __vm_create_bare(struct vm *vm, struct kvm_sys *sys);
void vm_add_vcpus(struct vm *vm, int nvcpus);
int __vm_add_vcpus(struct vm *vm, int nvcpus);
void vm_destroy(struct vm *vm);

/* GDT, IDT, TSS, page tables and the stub image into guest memory (as vm_create does). */
void vm_write_memory(struct vm *vm);
int __vm_write_memory(struct vm *vm);

/*
 * Reuse (vm_reset.c): vm_snapshot_take records the state right after
 * vm_create; vm_reset returns the VM to it (memory, registers, every MSR KVM
 * lists, local APIC, events, mask 0, no filter) far cheaper than a new VM;
 * vm_check_clean compares the state (memory included) with the snapshot and
 * says what differs.
 */
void vm_snapshot_take(struct vm *vm);
int __vm_snapshot_take(struct vm *vm);
void vm_reset(struct vm *vm);
int __vm_reset(struct vm *vm);
void vm_check_clean(struct vm *vm);
int __vm_check_clean(struct vm *vm);
void vm_snapshot_free(struct vm *vm);

/*
 * What a program can have changed on a VM (pool.c works it out from the
 * program and its trace), so that a reset restores that and nothing else.
 * The mask and the filter are the caller's: __vm_reset_touched leaves them.
 */
#define VM_TOUCHED_MAX_MSRS 128
struct vm_touched {
	bool everything; /* all of the snapshot's state, as __vm_reset (the PMU's MSRs) */
	bool stopped; /* the run stopped early: complete pending exits first, on every vCPU */
	/*
	 * APIC_BASE was written: every vCPU's local APIC and MP state too
	 * (x2APIC registers, timers, IPIs from one vCPU to another).
	 */
	bool lapic;
	bool memory; /* KVM may have written any guest page (paravirtual MSRs): all of them */
	/*
	 * bit v: vCPU v ran (KVM_RUN, immediate_exit too): its registers,
	 * segment registers (an exception reloads CS from the GDT, a return
	 * from CPL3 leaves SS null), events (KVM keeps the last exception's
	 * vector), stacks and code area.
	 */
	uint8_t ran;
	/*
	 * bit v: restore vCPU v's registers, segment registers and events by
	 * ioctl now. Otherwise they go with its next KVM_RUN (the synced
	 * registers), which is enough unless a host ioctl on the vCPU comes
	 * first (a host step, the check).
	 */
	uint8_t now;
	unsigned nmsrs[PROG_MAX_VCPUS];
	uint32_t msrs[PROG_MAX_VCPUS][VM_TOUCHED_MAX_MSRS]; /* written by the guest or the host */
};
void vm_reset_touched(struct vm *vm, const struct vm_touched *t);
int __vm_reset_touched(struct vm *vm, const struct vm_touched *t);

/*
 * KVM_GET_MSRS or KVM_SET_MSRS (req) of one MSR on fd, *data in/out: the
 * number of MSRs done (0: KVM refused it), or -errno. Every caller looks at
 * that, so there is no plain form.
 */
int __msr_io_one(int fd, unsigned long req, uint32_t index, uint64_t *data);

/*
 * KVM_RUN with immediate_exit set: completes a pending exit, never runs the
 * guest. Returns KVM_RUN's result: -EINTR is the normal outcome, >= 0 means
 * it ran the guest. No plain form: callers record or ignore it.
 */
int __vcpu_run_immediate_exit(struct vcpu *vc);

/* KVM_ENABLE_CAP(KVM_CAP_X86_USER_SPACE_MSR) on fd with the given flags and mask. */
void vm_enable_cap_fd(int fd, uint32_t flags, uint64_t mask);
int __vm_enable_cap_fd(int fd, uint32_t flags, uint64_t mask);

/* The embedded guest image. */
const uint8_t *guest_image(unsigned long *size);

#endif
