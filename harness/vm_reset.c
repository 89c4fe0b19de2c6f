/* vm_reset.c - reusing a VM: snapshot its state once, return to it cheaply, prove it got there. */
#include <errno.h>
#include <linux/kvm.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>

#include "filter.h"
#include "vm.h"

#define SNAP_MAX_MSRS 512

struct vcpu_state {
	struct kvm_regs regs;
	struct kvm_sregs sregs;
	struct kvm_lapic_state lapic;
	struct kvm_vcpu_events events;
	struct kvm_mp_state mp;
	struct kvm_debugregs debugregs;
	struct kvm_xcrs xcrs;
	struct {
		struct kvm_msrs hdr;
		struct kvm_msr_entry e[SNAP_MAX_MSRS];
	} msrs;
};

struct vm_snapshot {
	struct vcpu_state v[PROG_MAX_VCPUS];
};

/* MSRs that change by themselves: restored, but not compared. */
static bool msr_volatile(uint32_t index)
{
	return index == 0x10 || /* TSC */
	       index == 0x6e0 || /* TSC_DEADLINE: counts down once armed */
	       index == 0x3b || /* TSC_ADJUST follows guest TSC writes */
	       index == 0x4b564d00 || /* kvmclock: wall clock */
	       index == 0x4b564d01 || index == 0x11 || index == 0x12;
}

#define GET(fd, req, p, what)                        \
	do {                                         \
		if (KVM_IOCTL(fd, req, p, what) < 0) \
			return -1;                   \
	} while (0)

/* Every MSR KVM lists that this vCPU can read, with its value. */
static int read_msr_list(struct kvm_sys *sys, int fd, struct vcpu_state *st)
{
	struct kvm_msr_list *list = calloc(1, sizeof(*list) + SNAP_MAX_MSRS * sizeof(__u32));
	unsigned n = 0;

	if (!list) {
		kvm_set_error("out of memory");
		return -1;
	}
	list->nmsrs = SNAP_MAX_MSRS;
	if (KVM_IOCTL(sys->fd, KVM_GET_MSR_INDEX_LIST, list, "snapshot") < 0) {
		free(list);
		return -1;
	}
	for (unsigned i = 0; i < list->nmsrs; i++) {
		struct {
			struct kvm_msrs hdr;
			struct kvm_msr_entry e;
		} one = { .hdr.nmsrs = 1, .e.index = list->indices[i] };

		if (ioctl(fd, KVM_GET_MSRS, &one) == 1)
			st->msrs.e[n++] = one.e;
	}
	st->msrs.hdr.nmsrs = n;
	free(list);
	return 0;
}

static int save_vcpu(struct vm *vm, struct vcpu *vc, struct vcpu_state *st)
{
	GET(vc->fd, KVM_GET_REGS, &st->regs, "snapshot");
	GET(vc->fd, KVM_GET_SREGS, &st->sregs, "snapshot");
	GET(vc->fd, KVM_GET_LAPIC, &st->lapic, "snapshot");
	GET(vc->fd, KVM_GET_VCPU_EVENTS, &st->events, "snapshot");
	GET(vc->fd, KVM_GET_MP_STATE, &st->mp, "snapshot");
	GET(vc->fd, KVM_GET_DEBUGREGS, &st->debugregs, "snapshot");
	GET(vc->fd, KVM_GET_XCRS, &st->xcrs, "snapshot");
	return read_msr_list(vm->sys, vc->fd, st);
}

int vm_snapshot_take(struct vm *vm)
{
	vm_snapshot_free(vm);
	vm->snap = calloc(1, sizeof(*vm->snap));
	if (!vm->snap) {
		kvm_set_error("out of memory");
		return -1;
	}
	for (int v = 0; v < vm->nvcpus; v++)
		if (save_vcpu(vm, &vm->vcpu[v], &vm->snap->v[v]))
			return -1;
	return 0;
}

void vm_snapshot_free(struct vm *vm)
{
	free(vm->snap);
	vm->snap = NULL;
}

/* A completion left pending by an aborted run is carried out now, not in the next program. */
static void flush_pending(struct vcpu *vc)
{
	vc->run->immediate_exit = 1;
	ioctl(vc->fd, KVM_RUN, 0);
	vc->run->immediate_exit = 0;
	vc->held = false;
	vc->seg_start = vc->seg_end = 0;
}

/*
 * APIC_BASE goes first (the LAPIC state depends on the mode), the rest of
 * the MSRs before the events: writing some MSRs queues nothing, but the
 * events must be last to clear whatever an aborted run left queued.
 */
static int restore_vcpu(struct vcpu *vc, struct vcpu_state *st)
{
	int n = (int)st->msrs.hdr.nmsrs;

	flush_pending(vc);
	GET(vc->fd, KVM_SET_SREGS, &st->sregs, "reset");
	if (ioctl(vc->fd, KVM_SET_MSRS, &st->msrs) != n) {
		kvm_set_error("reset: KVM_SET_MSRS restored fewer than %d MSRs", n);
		return -1;
	}
	GET(vc->fd, KVM_SET_LAPIC, &st->lapic, "reset");
	GET(vc->fd, KVM_SET_REGS, &st->regs, "reset");
	GET(vc->fd, KVM_SET_DEBUGREGS, &st->debugregs, "reset");
	GET(vc->fd, KVM_SET_XCRS, &st->xcrs, "reset");
	GET(vc->fd, KVM_SET_MP_STATE, &st->mp, "reset");
	GET(vc->fd, KVM_SET_VCPU_EVENTS, &st->events, "reset");
	return 0;
}

/* Guest memory as vm_create left it: untouched pages dropped, the fixed structures rewritten. */
static int restore_memory(struct vm *vm)
{
	if (madvise(vm->mem, GUEST_MEM_SIZE, MADV_DONTNEED)) {
		kvm_set_error("reset: madvise(guest memory): %s", strerror(errno));
		return -1;
	}
	return vm_write_memory(vm);
}

int vm_reset(struct vm *vm)
{
	if (!vm->snap) {
		kvm_set_error("vm_reset: no snapshot (vm_snapshot_take first)");
		return -1;
	}
	if (vm_enable_cap_fd(vm->fd, 0, 0) || filter_install(vm->fd, NULL)) {
		kvm_set_error("reset: clearing the mask or the filter: %s", strerror(errno));
		return -1;
	}
	if (restore_memory(vm))
		return -1;
	for (int v = 0; v < vm->nvcpus; v++)
		if (restore_vcpu(&vm->vcpu[v], &vm->snap->v[v]))
			return -1;
	return 0;
}

static int differs(int v, const char *what)
{
	kvm_set_error("vCPU %d is not clean after reset: %s differs from the snapshot", v, what);
	return -1;
}

static int compare_msrs(int v, int fd, const struct vcpu_state *st)
{
	static __thread struct vcpu_state now;
	int n = (int)st->msrs.hdr.nmsrs;

	now.msrs = st->msrs;
	if (ioctl(fd, KVM_GET_MSRS, &now.msrs) != n)
		return differs(v, "the set of readable MSRs");
	for (int i = 0; i < n; i++) {
		if (msr_volatile(st->msrs.e[i].index) || now.msrs.e[i].data == st->msrs.e[i].data)
			continue;
		kvm_set_error(
		    "vCPU %d is not clean after reset: MSR 0x%x is 0x%llx, snapshot 0x%llx", v,
		    st->msrs.e[i].index, (unsigned long long)now.msrs.e[i].data,
		    (unsigned long long)st->msrs.e[i].data);
		return -1;
	}
	return 0;
}

/* The timer's current count (APIC_TMCCT, 0x390) is computed on read: not compared. */
static bool lapic_equal(const struct kvm_lapic_state *a, const struct kvm_lapic_state *b)
{
	return !memcmp(a->regs, b->regs, 0x390) &&
	       !memcmp(a->regs + 0x3a0, b->regs + 0x3a0, sizeof(a->regs) - 0x3a0);
}

static int check_vcpu(int v, struct vcpu *vc, const struct vcpu_state *st)
{
	static __thread struct vcpu_state now;

	GET(vc->fd, KVM_GET_REGS, &now.regs, "check");
	GET(vc->fd, KVM_GET_SREGS, &now.sregs, "check");
	GET(vc->fd, KVM_GET_LAPIC, &now.lapic, "check");
	GET(vc->fd, KVM_GET_VCPU_EVENTS, &now.events, "check");
	GET(vc->fd, KVM_GET_MP_STATE, &now.mp, "check");
	if (memcmp(&now.regs, &st->regs, sizeof(now.regs)))
		return differs(v, "KVM_GET_REGS");
	if (memcmp(&now.sregs, &st->sregs, sizeof(now.sregs)))
		return differs(v, "KVM_GET_SREGS");
	if (!lapic_equal(&now.lapic, &st->lapic))
		return differs(v, "the local APIC");
	if (memcmp(&now.events.exception, &st->events.exception, sizeof(now.events.exception)) ||
	    memcmp(&now.events.interrupt, &st->events.interrupt, sizeof(now.events.interrupt)) ||
	    memcmp(&now.events.nmi, &st->events.nmi, sizeof(now.events.nmi)))
		return differs(v, "the pending events");
	if (now.mp.mp_state != st->mp.mp_state)
		return differs(v, "the MP state");
	return compare_msrs(v, vc->fd, st);
}

int vm_check_clean(struct vm *vm)
{
	if (!vm->snap) {
		kvm_set_error("vm_check_clean: no snapshot");
		return -1;
	}
	for (int v = 0; v < vm->nvcpus; v++)
		if (check_vcpu(v, &vm->vcpu[v], &vm->snap->v[v]))
			return -1;
	return 0;
}
