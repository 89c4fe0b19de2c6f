/* vm_snapshot.h - the state vm_reset returns a VM to, shared by vm_reset.c and vm_check.c (private). */
#ifndef MSREXIT_VM_SNAPSHOT_H
#define MSREXIT_VM_SNAPSHOT_H

#include <linux/kvm.h>
#include <stdbool.h>
#include <stdint.h>

#include "vm.h"

#define SNAP_MAX_MSRS 1024
#define PAGE_SIZE_4K 4096u
#define GUEST_PAGES (GUEST_MEM_SIZE / PAGE_SIZE_4K)

struct msr_set {
	unsigned n;
	struct kvm_msr_entry e[SNAP_MAX_MSRS];
};

struct vcpu_state {
	struct kvm_regs regs;
	struct kvm_sregs sregs;
	struct kvm_lapic_state lapic;
	struct kvm_vcpu_events events;
	struct kvm_mp_state mp;
	struct kvm_debugregs debugregs;
	struct kvm_xcrs xcrs;
	struct msr_set msrs;
	uint16_t by_index[SNAP_MAX_MSRS]; /* positions in msrs, sorted by index */
};

struct vm_snapshot {
	struct vcpu_state v[PROG_MAX_VCPUS];
	struct vcpu_state now; /* scratch for the check */
	unsigned low_pages; /* guest memory [0, low_pages pages) as vm_create wrote it: */
	uint8_t *low; /* the fixed structures and the stub; every other page is zero */
	unsigned char resident[GUEST_PAGES]; /* scratch for mincore() */
};

/* MSRs that change by themselves: restored, but not compared. */
bool snap_msr_volatile(uint32_t index);
/* The snapshot's entry of index, or NULL if the vCPU could not read it then. */
const struct kvm_msr_entry *snap_msr_find(const struct vcpu_state *st, uint32_t index);
/* The current values of the indices in s, into cur (fewer than 256 an ioctl). */
int snap_read_msrs(int fd, const struct msr_set *s, struct msr_set *cur);
/* Everything but the MSRs: for the snapshot and for the check alike. */
int snap_read_state(struct vcpu *vc, struct vcpu_state *st, const char *what);
/* Which guest pages are in memory (a page that is not is zero): 0 or -errno. */
int snap_resident(struct vm *vm);

#endif
