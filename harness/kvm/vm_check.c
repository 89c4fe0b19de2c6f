/* vm_check.c - proof that a reset VM is clean: its state, MSRs and memory against the snapshot. */
#include <errno.h>
#include <string.h>
#include <sys/ioctl.h>

#include "vm_snapshot.h"

static int differs(int v, const char *what)
{
	return kvm_error(EIO, "vCPU %d is not clean after reset: %s differs from the snapshot", v,
			 what);
}

static int compare_msrs(int v, int fd, const struct msr_set *snap, struct msr_set *cur)
{
	if (snap_read_msrs(fd, snap, cur))
		return differs(v, "the set of readable MSRs");
	for (unsigned i = 0; i < snap->n; i++) {
		if (snap_msr_volatile(snap->e[i].index) || cur->e[i].data == snap->e[i].data)
			continue;
		return kvm_error(
		    EIO, "vCPU %d is not clean after reset: MSR 0x%x is 0x%llx, snapshot 0x%llx", v,
		    snap->e[i].index, (unsigned long long)cur->e[i].data,
		    (unsigned long long)snap->e[i].data);
	}
	return 0;
}

/* The timer's current count (APIC_TMCCT, 0x390) is computed on read: not compared. */
static bool lapic_equal(const struct kvm_lapic_state *a, const struct kvm_lapic_state *b)
{
	return !memcmp(a->regs, b->regs, 0x390) &&
	       !memcmp(a->regs + 0x3a0, b->regs + 0x3a0, sizeof(a->regs) - 0x3a0);
}

static bool events_equal(const struct kvm_vcpu_events *a, const struct kvm_vcpu_events *b)
{
	return !memcmp(&a->exception, &b->exception, sizeof(a->exception)) &&
	       !memcmp(&a->interrupt, &b->interrupt, sizeof(a->interrupt)) &&
	       !memcmp(&a->nmi, &b->nmi, sizeof(a->nmi)) &&
	       !memcmp(&a->smi, &b->smi, sizeof(a->smi)) &&
	       a->triple_fault.pending == b->triple_fault.pending;
}

static int check_vcpu(struct vm *vm, int v)
{
	struct vcpu *vc = &vm->vcpu[v];
	const struct vcpu_state *st = &vm->snap->v[v];
	struct vcpu_state *now = &vm->snap->now;
	int r = snap_read_state(vc, now, "check");

	if (r)
		return r;
	if (memcmp(&now->regs, &st->regs, sizeof(now->regs)))
		return differs(v, "KVM_GET_REGS");
	if (memcmp(&now->sregs, &st->sregs, sizeof(now->sregs)))
		return differs(v, "KVM_GET_SREGS");
	if (!lapic_equal(&now->lapic, &st->lapic))
		return differs(v, "the local APIC");
	if (!events_equal(&now->events, &st->events))
		return differs(v, "the pending events");
	if (now->mp.mp_state != st->mp.mp_state)
		return differs(v, "the MP state");
	if (memcmp(now->debugregs.db, st->debugregs.db, sizeof(st->debugregs.db)) ||
	    now->debugregs.dr6 != st->debugregs.dr6 || now->debugregs.dr7 != st->debugregs.dr7)
		return differs(v, "the debug registers");
	if (memcmp(&now->xcrs, &st->xcrs, sizeof(st->xcrs)))
		return differs(v, "the XCRs");
	return compare_msrs(v, vc->fd, &st->msrs, &now->msrs);
}

static bool page_is_zero(const uint8_t *page)
{
	static const uint8_t zero[PAGE_SIZE_4K];

	return !memcmp(page, zero, PAGE_SIZE_4K);
}

/*
 * Guest memory as vm_create wrote it: the low pages equal to the snapshot's
 * copy, every other page in memory zero (a page not in memory is zero).
 */
static int check_memory(struct vm *vm)
{
	struct vm_snapshot *s = vm->snap;
	int r = snap_resident(vm);

	if (r)
		return r;
	for (unsigned i = 0; i < GUEST_PAGES; i++) {
		const uint8_t *page = vm->mem + (size_t)i * PAGE_SIZE_4K;
		bool same;

		if (!(s->resident[i] & 1))
			continue;
		if (i < s->low_pages)
			same = !memcmp(page, s->low + (size_t)i * PAGE_SIZE_4K, PAGE_SIZE_4K);
		else
			same = page_is_zero(page);
		if (!same)
			return kvm_error(EIO,
					 "guest memory is not clean after reset: the page at 0x%x "
					 "differs from the snapshot",
					 i * PAGE_SIZE_4K);
	}
	return 0;
}

int __vm_check_clean(struct vm *vm)
{
	int r;

	kvm_clear_error();
	if (!vm->snap)
		return kvm_error(EINVAL, "no snapshot (vm_snapshot_take first)");
	for (int v = 0; v < vm->nvcpus; v++) {
		r = check_vcpu(vm, v);
		if (r)
			return r;
	}
	return check_memory(vm);
}

void vm_check_clean(struct vm *vm)
{
	kvm_check(__vm_check_clean(vm), __func__);
}
