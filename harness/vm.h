/* vm.h - a VM with 1-2 vCPUs in long mode running the guest stub, ready for MSR tests. */
#ifndef MSREXIT_VM_H
#define MSREXIT_VM_H

#include <stdbool.h>
#include <stdint.h>

#include "kvm.h"
#include "program.h"
#include "stub_abi.h"

struct kvm_run;

struct vcpu {
	int fd, id;
	struct kvm_run *run;
	struct stub_mailbox *mb;
	uint64_t last_insn; /* address of the instruction of the last operation started */
	bool held; /* an MSR exit is pending (REPLY_HOLD) */
	int seg_start, seg_end; /* program steps of the batch in the mailbox */
};

struct vm {
	struct kvm_sys *sys;
	int fd;
	uint8_t *mem;
	int nvcpus;
	struct vcpu vcpu[PROG_MAX_VCPUS];
	const struct stub_header *stub;
};

/* Returns 0, or -1 with kvm_last_error() naming the failing step (the VM is then destroyed). */
int vm_create(struct vm *vm, struct kvm_sys *sys, int nvcpus);
/* In two halves, for cases that act between VM and vCPU creation. */
int vm_create_bare(struct vm *vm, struct kvm_sys *sys);
int vm_add_vcpus(struct vm *vm, int nvcpus);
void vm_destroy(struct vm *vm);

/* KVM_ENABLE_CAP(KVM_CAP_X86_USER_SPACE_MSR) on fd with the given flags and mask. */
int vm_enable_cap_fd(int fd, uint32_t flags, uint64_t mask);

/* The embedded guest image. */
const uint8_t *guest_image(unsigned long *size);

#endif
