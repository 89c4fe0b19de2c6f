/* vm_reset.c - reusing a VM: snapshot its state once, return to it (all of it, or what a program touched). */
#include <errno.h>
#include <linux/kvm.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>

#include "filter.h"
#include "msr_index.h"
#include "msr_table.h"
#include "vm_snapshot.h"

#define MSR_CHUNK 200 /* KVM_GET/SET_MSRS take fewer than 256 entries */

bool snap_msr_volatile(uint32_t index)
{
	return index == MSR_TSC || index == MSR_MPERF || index == MSR_APERF ||
	       index == MSR_TSC_DEADLINE; /* reads the time left once armed */
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
	static const uint32_t lone[] = { MSR_MCG_CAP, MSR_MCG_STATUS, MSR_MCG_CTL, MSR_TSC_ADJUST };

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
	for (uint32_t i = MSR_MTRR_FIRST; i <= MSR_MTRR_LAST; i++)
		add_if_readable(fd, s, i);
	for (uint32_t i = MSR_MC0_CTL; i <= MSR_MC_LAST; i++)
		add_if_readable(fd, s, i);
	for (uint32_t i = MSR_KVM_FIRST; i < MSR_KVM_FIRST + 16; i++)
		add_if_readable(fd, s, i);
	for (unsigned i = 0; i < sizeof(lone) / sizeof(lone[0]); i++)
		add_if_readable(fd, s, lone[i]);
	return 0;
}

/* by_index: the positions of st->msrs sorted by index (once per snapshot). */
static void sort_by_index(struct vcpu_state *st)
{
	for (unsigned i = 0; i < st->msrs.n; i++) {
		unsigned k = i;

		while (k > 0 && st->msrs.e[st->by_index[k - 1]].index > st->msrs.e[i].index) {
			st->by_index[k] = st->by_index[k - 1];
			k--;
		}
		st->by_index[k] = (uint16_t)i;
	}
}

const struct kvm_msr_entry *snap_msr_find(const struct vcpu_state *st, uint32_t index)
{
	unsigned lo = 0, hi = st->msrs.n;

	while (lo < hi) {
		unsigned mid = (lo + hi) / 2;
		const struct kvm_msr_entry *e = &st->msrs.e[st->by_index[mid]];

		if (e->index == index)
			return e;
		if (e->index < index)
			lo = mid + 1;
		else
			hi = mid;
	}
	return NULL;
}

static __thread struct {
	struct kvm_msrs hdr;
	struct kvm_msr_entry e[MSR_CHUNK];
} msr_buf;

int snap_read_msrs(int fd, const struct msr_set *s, struct msr_set *cur)
{
	char args[48];
	int r;

	cur->n = s->n;
	for (unsigned base = 0; base < s->n; base += MSR_CHUNK) {
		unsigned n = s->n - base < MSR_CHUNK ? s->n - base : MSR_CHUNK;

		msr_buf.hdr.nmsrs = n;
		for (unsigned i = 0; i < n; i++)
			msr_buf.e[i] = (struct kvm_msr_entry){ .index = s->e[base + i].index };
		snprintf(args, sizeof(args), "%u MSRs from 0x%x", n, s->e[base].index);
		r = KVM_IOCTL(fd, KVM_GET_MSRS, &msr_buf, args);
		if (r < 0)
			return r;
		if (r != (int)n)
			return kvm_error(
			    EIO, "KVM_GET_MSRS(%s) read %d, the snapshot read them all", args, r);
		memcpy(&cur->e[base], msr_buf.e, n * sizeof(msr_buf.e[0]));
	}
	return 0;
}

int snap_read_state(struct vcpu *vc, struct vcpu_state *st, const char *what)
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

int snap_resident(struct vm *vm)
{
	if (mincore(vm->mem, GUEST_MEM_SIZE, vm->snap->resident))
		return kvm_errno("mincore(guest memory)");
	return 0;
}

static int save_vcpu(struct vm *vm, struct vcpu *vc, struct vcpu_state *st)
{
	int r = snap_read_state(vc, st, "snapshot");

	if (!r)
		r = snapshot_msrs(vm->sys, vc->fd, &st->msrs);
	if (!r)
		sort_by_index(st);
	return r;
}

/* The pages vm_create wrote (structures and stub), as it wrote them. */
static int save_low_memory(struct vm *vm)
{
	unsigned long size;
	struct vm_snapshot *s = vm->snap;

	guest_image(&size);
	s->low_pages = (GUEST_IMAGE + size + PAGE_SIZE_4K - 1) / PAGE_SIZE_4K;
	s->low = malloc((size_t)s->low_pages * PAGE_SIZE_4K);
	if (!s->low)
		return kvm_error(ENOMEM, "out of memory");
	memcpy(s->low, vm->mem, (size_t)s->low_pages * PAGE_SIZE_4K);
	return 0;
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
	return save_low_memory(vm);
}

void vm_snapshot_take(struct vm *vm)
{
	kvm_check(__vm_snapshot_take(vm), __func__);
}

void vm_snapshot_free(struct vm *vm)
{
	if (vm->snap)
		free(vm->snap->low);
	free(vm->snap);
	vm->snap = NULL;
}

/*
 * KVM_SET_MSRS of e[0..n), as few ioctls as KVM allows: it stops at an entry
 * it refuses, which is counted (*first names it) and skipped.
 */
static int set_msrs(int fd, const struct kvm_msr_entry *e, unsigned n, unsigned *refused,
		    uint32_t *first)
{
	unsigned i = 0;

	while (i < n) {
		unsigned k = n - i < MSR_CHUNK ? n - i : MSR_CHUNK;
		char args[48];
		int r;

		msr_buf.hdr.nmsrs = k;
		memcpy(msr_buf.e, e + i, k * sizeof(e[0]));
		snprintf(args, sizeof(args), "%u MSRs from 0x%x", k, e[i].index);
		r = KVM_IOCTL(fd, KVM_SET_MSRS, &msr_buf, args);
		if (r < 0)
			return r;
		i += (unsigned)r;
		if ((unsigned)r < k) {
			if (!(*refused)++)
				*first = e[i].index;
			i++;
		}
	}
	return 0;
}

/*
 * A completion left pending by an aborted run is carried out now, not in the
 * next program. What KVM_RUN says is not the reset's concern (its EINTR is the
 * normal outcome): the restore that follows writes every register back.
 */
static void flush_pending(struct vcpu *vc)
{
	vc->run->kvm_dirty_regs = 0; /* an aborted batch's registers are not wanted */
	__vcpu_run_immediate_exit(vc);
	kvm_clear_error();
}

/*
 * Only the MSRs that differ are written, so one KVM refuses (an immutable
 * feature MSR once the vCPU has run) is named and the rest are still
 * written. APIC_BASE leads (the local APIC state depends on it).
 */
static int restore_msrs(int v, struct vcpu *vc, const struct msr_set *snap, struct msr_set *cur)
{
	unsigned n = 0, refused = 0;
	uint32_t bad = 0;
	int r = snap_read_msrs(vc->fd, snap, cur);

	if (r)
		return r;
	for (int pass = 0; pass < 2; pass++)
		for (unsigned i = 0; i < snap->n; i++)
			if ((snap->e[i].index == MSR_APIC_BASE) == (pass == 0) &&
			    cur->e[i].data != snap->e[i].data)
				cur->e[n++] = snap->e[i];
	r = set_msrs(vc->fd, cur->e, n, &refused, &bad);
	if (r)
		return r;
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
 * Guest memory as vm_create left it, once the paravirtual MSRs that make KVM
 * write guest memory (kvmclock, steal time) are back to off. Only the pages
 * in memory can differ: they are copied back or zeroed in place, not dropped
 * (dropping them costs a guest page fault each on the next run).
 */
static int restore_memory(struct vm *vm)
{
	struct vm_snapshot *s = vm->snap;

	if (snap_resident(vm)) {
		if (madvise(vm->mem, GUEST_MEM_SIZE, MADV_DONTNEED))
			return kvm_errno("reset: madvise(guest memory)");
		return __vm_write_memory(vm);
	}
	for (unsigned i = 0; i < GUEST_PAGES; i++) {
		uint8_t *page = vm->mem + (size_t)i * PAGE_SIZE_4K;

		if (!(s->resident[i] & 1))
			continue;
		if (i < s->low_pages)
			memcpy(page, s->low + (size_t)i * PAGE_SIZE_4K, PAGE_SIZE_4K);
		else
			memset(page, 0, PAGE_SIZE_4K);
	}
	return 0;
}

/*
 * The parts of a vCPU area a program's batches write (guest_code.c) and its
 * exceptions push to: slots, IRET frames, the three stacks' top pages, the
 * code (a 64-access batch takes about 8 KiB). The check proves nothing else
 * is written.
 */
static const struct {
	uint32_t offset, size;
} area_written[] = {
	{ AREA_SLOTS, 0x1000 },
	{ AREA_FRAMES, 0x1000 },
	{ AREA_STACK_TOP - 0x1000, 0x1000 },
	{ AREA_RSP0_TOP - 0x1000, 0x1000 },
	{ AREA_USER_STACK_TOP - 0x1000, 0x1000 },
	{ AREA_CODE, 0x4000 },
};

/* The areas of the vCPUs that ran, and the fixed structures (the CPU sets accessed bits). */
static int restore_areas(struct vm *vm, uint8_t ran)
{
	for (int v = 0; v < vm->nvcpus; v++) {
		if (!(ran & (1u << v)))
			continue;
		for (unsigned i = 0; i < sizeof(area_written) / sizeof(area_written[0]); i++)
			memset(vm->mem + GUEST_VCPU_AREA(v) + area_written[i].offset, 0,
			       area_written[i].size);
	}
	return __vm_write_memory(vm);
}

/* The host's record of the last batch goes too: a fresh VM has none. */
static void forget_batches(struct vm *vm)
{
	for (int v = 0; v < vm->nvcpus; v++) {
		struct vcpu *vc = &vm->vcpu[v];
		struct vcpu keep = { .fd = vc->fd, .id = vc->id, .run = vc->run, .area = vc->area };

		*vc = keep;
	}
}

static int restore_everything(struct vm *vm)
{
	int r;

	for (int v = 0; v < vm->nvcpus; v++) {
		r = restore_vcpu(vm, v);
		if (r)
			return r;
	}
	r = restore_memory(vm);
	forget_batches(vm);
	return r;
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
	return restore_everything(vm);
}

void vm_reset(struct vm *vm)
{
	kvm_check(__vm_reset(vm), __func__);
}

/*
 * The snapshot's values of the MSRs written, whether they changed or not
 * (one ioctl; writing a value back is allowed even where changing it is
 * not). Any KVM refuses must already hold the snapshot's value.
 */
static int restore_written_msrs(struct vm *vm, int v, const struct vm_touched *t)
{
	struct kvm_msr_entry e[VM_TOUCHED_MAX_MSRS];
	const struct vcpu_state *st = &vm->snap->v[v];
	struct msr_set *cur = &vm->snap->now.msrs;
	unsigned n = 0, refused = 0;
	uint32_t bad = 0;
	int r;

	for (unsigned i = 0; i < t->nmsrs[v] && i < VM_TOUCHED_MAX_MSRS; i++) {
		const struct kvm_msr_entry *s = snap_msr_find(st, t->msrs[v][i]);

		if (!s) /* one it could not read then holds no state a reset must restore */
			continue;
		e[n] = *s;
		if (s->index == MSR_APIC_BASE) { /* first: the local APIC's mode depends on it */
			e[n] = e[0];
			e[0] = *s;
		}
		n++;
	}
	r = set_msrs(vm->vcpu[v].fd, e, n, &refused, &bad);
	if (r || !refused)
		return r;
	cur->n = n;
	memcpy(cur->e, e, n * sizeof(e[0]));
	r = snap_read_msrs(vm->vcpu[v].fd, cur, cur);
	for (unsigned i = 0; !r && i < n; i++)
		if (cur->e[i].data != e[i].data && !snap_msr_volatile(e[i].index))
			return kvm_error(EIO, "reset: vCPU %d: KVM refused to restore MSR 0x%x", v,
					 e[i].index);
	return r;
}

#define SYNCED (KVM_SYNC_X86_REGS | KVM_SYNC_X86_SREGS | KVM_SYNC_X86_EVENTS)

/*
 * Registers, segment registers and events now, or with the vCPU's next
 * KVM_RUN through the synced registers: KVM applies them before it does
 * anything else.
 */
static int restore_regs(struct vcpu *vc, const struct vcpu_state *st, bool now)
{
	struct kvm_run *run = vc->run;

	if (!now && (run->kvm_valid_regs & KVM_SYNC_X86_REGS)) {
		run->s.regs.regs = st->regs;
		run->s.regs.sregs = st->sregs;
		run->s.regs.events = st->events;
		run->kvm_dirty_regs |= SYNCED;
		return 0;
	}
	run->kvm_dirty_regs &= ~(uint64_t)SYNCED;
	GET(vc->fd, KVM_SET_SREGS, (void *)&st->sregs, "reset");
	GET(vc->fd, KVM_SET_REGS, (void *)&st->regs, "reset");
	GET(vc->fd, KVM_SET_VCPU_EVENTS, (void *)&st->events, "reset");
	return 0;
}

static int restore_touched_vcpu(struct vm *vm, int v, const struct vm_touched *t)
{
	struct vcpu *vc = &vm->vcpu[v];
	unsigned bit = 1u << v;
	bool pending = vc->run->kvm_dirty_regs & SYNCED;
	int r;

	if (t->stopped)
		flush_pending(vc);
	r = restore_written_msrs(vm, v, t);
	if (r)
		return r;
	if (t->lapic) {
		GET(vc->fd, KVM_SET_LAPIC, &vm->snap->v[v].lapic, "reset");
		GET(vc->fd, KVM_SET_MP_STATE, &vm->snap->v[v].mp, "reset");
	}
	if ((t->ran & bit) || t->stopped || t->lapic || (pending && (t->now & bit)))
		return restore_regs(vc, &vm->snap->v[v], t->now & bit);
	return 0;
}

int __vm_reset_touched(struct vm *vm, const struct vm_touched *t)
{
	int r;

	kvm_clear_error();
	if (!vm->snap)
		return kvm_error(EINVAL, "no snapshot (vm_snapshot_take first)");
	if (t->everything)
		return restore_everything(vm);
	for (int v = 0; v < vm->nvcpus; v++) {
		r = restore_touched_vcpu(vm, v, t);
		if (r)
			return r;
	}
	/* last: the paravirtual MSRs that make KVM write guest memory are off now */
	r = t->memory ? restore_memory(vm) : restore_areas(vm, t->stopped ? 0xff : t->ran);
	forget_batches(vm);
	return r;
}

void vm_reset_touched(struct vm *vm, const struct vm_touched *t)
{
	kvm_check(__vm_reset_touched(vm, t), __func__);
}
