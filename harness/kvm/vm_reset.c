/* vm_reset.c - reusing a VM: snapshot its state once, return to it cheaply, prove it got there. */
#include <errno.h>
#include <linux/kvm.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>

#include "filter.h"
#include "msr_table.h"
#include "vm.h"

#define SNAP_MAX_MSRS 1024
#define MSR_CHUNK 200 /* KVM_GET/SET_MSRS take fewer than 256 entries */

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
};

struct vm_snapshot {
	struct vcpu_state v[PROG_MAX_VCPUS];
	struct vcpu_state now; /* scratch for the check */
};

/* MSRs that change by themselves: restored, but not compared. */
static bool msr_volatile(uint32_t index)
{
	return index == 0x10 || /* TSC */
	       index == 0x6e0 || /* TSC_DEADLINE: reads the time left once armed */
	       index == 0xe7 || /* MPERF */
	       index == 0xe8; /* APERF */
}

#define GET(fd, req, p, what)                         \
	do {                                          \
		int r_ = KVM_IOCTL(fd, req, p, what); \
		if (r_ < 0)                           \
			return r_;                    \
	} while (0)

static void add_if_readable(int fd, struct msr_set *s, uint32_t index)
{
	uint64_t data = 0;

	for (unsigned i = 0; i < s->n; i++)
		if (s->e[i].index == index)
			return;
	if (s->n < SNAP_MAX_MSRS && __msr_io_one(fd, KVM_GET_MSRS, index, &data) == 1)
		s->e[s->n++] = (struct kvm_msr_entry){ .index = index, .data = data };
}

/*
 * Every MSR the guest could have changed and this vCPU can read: what KVM
 * lists, the suite's own table, and the ranges KVM emulates without listing
 * them (MTRRs, machine-check banks, KVM's paravirtual MSRs).
 */
static int snapshot_msrs(struct kvm_sys *sys, int fd, struct msr_set *s)
{
	struct kvm_msr_list *list = calloc(1, sizeof(*list) + SNAP_MAX_MSRS * sizeof(__u32));
	static const uint32_t lone[] = { 0x179, 0x17a, 0x17b, 0x3b };

	if (!list)
		return kvm_error(ENOMEM, "out of memory");
	s->n = 0;
	list->nmsrs = SNAP_MAX_MSRS;
	/* without the list, the other sources below still cover the guest's MSRs */
	if (ioctl(sys->fd, KVM_GET_MSR_INDEX_LIST, list) == 0)
		for (unsigned i = 0; i < list->nmsrs; i++)
			add_if_readable(fd, s, list->indices[i]);
	free(list);
	for (unsigned i = 0; i < msr_table_len; i++)
		add_if_readable(fd, s, msr_table[i].index);
	for (uint32_t i = 0x200; i <= 0x2ff; i++)
		add_if_readable(fd, s, i);
	for (uint32_t i = 0x400; i < 0x480; i++)
		add_if_readable(fd, s, i);
	for (uint32_t i = 0x4b564d00; i < 0x4b564d10; i++)
		add_if_readable(fd, s, i);
	for (unsigned i = 0; i < sizeof(lone) / sizeof(lone[0]); i++)
		add_if_readable(fd, s, lone[i]);
	return 0;
}

/* The current values of the indices in s, into cur (chunked: fewer than 256 a call). */
static int read_set(int fd, const struct msr_set *s, struct msr_set *cur)
{
	static __thread struct {
		struct kvm_msrs hdr;
		struct kvm_msr_entry e[MSR_CHUNK];
	} buf;

	cur->n = s->n;
	for (unsigned base = 0; base < s->n; base += MSR_CHUNK) {
		unsigned n = s->n - base < MSR_CHUNK ? s->n - base : MSR_CHUNK;

		buf.hdr.nmsrs = n;
		for (unsigned i = 0; i < n; i++)
			buf.e[i] = (struct kvm_msr_entry){ .index = s->e[base + i].index };
		if (ioctl(fd, KVM_GET_MSRS, &buf) != (int)n)
			return kvm_error(
			    EIO, "KVM_GET_MSRS of the snapshot's MSRs read fewer than %u", n);
		memcpy(&cur->e[base], buf.e, n * sizeof(buf.e[0]));
	}
	return 0;
}

/* Everything but the MSRs: for the snapshot and for the check alike. */
static int read_state(struct vcpu *vc, struct vcpu_state *st, const char *what)
{
	GET(vc->fd, KVM_GET_REGS, &st->regs, what);
	GET(vc->fd, KVM_GET_SREGS, &st->sregs, what);
	GET(vc->fd, KVM_GET_LAPIC, &st->lapic, what);
	GET(vc->fd, KVM_GET_VCPU_EVENTS, &st->events, what);
	GET(vc->fd, KVM_GET_MP_STATE, &st->mp, what);
	GET(vc->fd, KVM_GET_DEBUGREGS, &st->debugregs, what);
	GET(vc->fd, KVM_GET_XCRS, &st->xcrs, what);
	return 0;
}

static int save_vcpu(struct vm *vm, struct vcpu *vc, struct vcpu_state *st)
{
	int r = read_state(vc, st, "snapshot");

	return r ? r : snapshot_msrs(vm->sys, vc->fd, &st->msrs);
}

int __vm_snapshot_take(struct vm *vm)
{
	int r;

	kvm_clear_error();
	vm_snapshot_free(vm);
	vm->snap = calloc(1, sizeof(*vm->snap));
	if (!vm->snap)
		return kvm_error(ENOMEM, "out of memory");
	for (int v = 0; v < vm->nvcpus; v++) {
		r = save_vcpu(vm, &vm->vcpu[v], &vm->snap->v[v]);
		if (r)
			return r;
	}
	return 0;
}

void vm_snapshot_take(struct vm *vm)
{
	kvm_check(__vm_snapshot_take(vm), __func__);
}

void vm_snapshot_free(struct vm *vm)
{
	free(vm->snap);
	vm->snap = NULL;
}

/*
 * A completion left pending by an aborted run is carried out now, not in the
 * next program. What KVM_RUN says is not the reset's concern (its EINTR is the
 * normal outcome): the restore that follows writes every register back.
 */
static void flush_pending(struct vcpu *vc)
{
	__vcpu_run_immediate_exit(vc);
	kvm_clear_error();
	vc->held = false;
	vc->seg_start = vc->seg_end = 0;
}

/*
 * Only the MSRs that differ are written, one at a time, so one KVM refuses
 * (an immutable feature MSR once the vCPU has run) is named and the rest
 * are still written. APIC_BASE leads (the local APIC state depends on it).
 */
static int restore_msrs(int v, struct vcpu *vc, const struct msr_set *snap, struct msr_set *cur)
{
	bool refused = false;
	uint32_t bad = 0;
	int r = read_set(vc->fd, snap, cur);

	if (r)
		return r;
	for (int pass = 0; pass < 2; pass++) {
		for (unsigned i = 0; i < snap->n; i++) {
			const struct kvm_msr_entry *e = &snap->e[i];

			if ((e->index == 0x1b) != (pass == 0) || cur->e[i].data == e->data)
				continue;
			uint64_t data = e->data;

			if (__msr_io_one(vc->fd, KVM_SET_MSRS, e->index, &data) != 1 && !refused) {
				refused = true;
				bad = e->index;
			}
		}
	}
	if (refused)
		return kvm_error(EIO, "reset: vCPU %d: KVM refused to restore MSR 0x%x", v, bad);
	return 0;
}

static int restore_vcpu(struct vm *vm, int v)
{
	struct vcpu *vc = &vm->vcpu[v];
	struct vcpu_state *st = &vm->snap->v[v];
	int r;

	flush_pending(vc);
	GET(vc->fd, KVM_SET_SREGS, &st->sregs, "reset");
	r = restore_msrs(v, vc, &st->msrs, &vm->snap->now.msrs);
	if (r)
		return r;
	GET(vc->fd, KVM_SET_LAPIC, &st->lapic, "reset");
	GET(vc->fd, KVM_SET_REGS, &st->regs, "reset");
	GET(vc->fd, KVM_SET_DEBUGREGS, &st->debugregs, "reset");
	GET(vc->fd, KVM_SET_XCRS, &st->xcrs, "reset");
	GET(vc->fd, KVM_SET_MP_STATE, &st->mp, "reset");
	GET(vc->fd, KVM_SET_VCPU_EVENTS, &st->events, "reset");
	return 0;
}

/*
 * Guest memory as vm_create left it: every page dropped, the fixed
 * structures rewritten. Last, once the paravirtual MSRs that make KVM write
 * guest memory (kvmclock, steal time) are back to off.
 */
static int restore_memory(struct vm *vm)
{
	if (madvise(vm->mem, GUEST_MEM_SIZE, MADV_DONTNEED))
		return kvm_errno("reset: madvise(guest memory)");
	return __vm_write_memory(vm);
}

int __vm_reset(struct vm *vm)
{
	int r;

	kvm_clear_error();
	if (!vm->snap)
		return kvm_error(EINVAL, "no snapshot (vm_snapshot_take first)");
	r = __vm_enable_cap_fd(vm->fd, 0, 0);
	if (!r)
		r = __filter_install(vm->fd, NULL);
	if (r)
		return kvm_error(-r, "reset: clearing the mask or the filter: %s", strerror(-r));
	for (int v = 0; v < vm->nvcpus; v++) {
		r = restore_vcpu(vm, v);
		if (r)
			return r;
	}
	return restore_memory(vm);
}

void vm_reset(struct vm *vm)
{
	kvm_check(__vm_reset(vm), __func__);
}

static int differs(int v, const char *what)
{
	return kvm_error(EIO, "vCPU %d is not clean after reset: %s differs from the snapshot", v,
			 what);
}

static int compare_msrs(int v, int fd, const struct msr_set *snap, struct msr_set *cur)
{
	if (read_set(fd, snap, cur))
		return differs(v, "the set of readable MSRs");
	for (unsigned i = 0; i < snap->n; i++) {
		if (msr_volatile(snap->e[i].index) || cur->e[i].data == snap->e[i].data)
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
	int r = read_state(vc, now, "check");

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
	return 0;
}

void vm_check_clean(struct vm *vm)
{
	kvm_check(__vm_check_clean(vm), __func__);
}
