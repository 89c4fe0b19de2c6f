/* pool.c - VMs reused across programs: one per set-up (vCPUs, mask, filter), reset to what a program touched. */
#include <errno.h>
#include <linux/kvm.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "filter.h"
#include "kvm.h"
#include "msr_index.h"
#include "pool.h"

struct pool_vm {
	bool live;
	struct vm vm;
	/* the configuration it is set up for */
	uint8_t nvcpus;
	uint64_t mask;
	bool has_filter;
	struct prog_filter filter;
	bool setup_ok; /* KVM took the mask: its programs run with the set-up done */
	int filter_err; /* trace.setup_filter_err of its programs */
	bool filter_installed; /* KVM holds a filter (or may: a host step installed one) */
	/* what its last program did, for the reset before the next one */
	bool dirty, setup_changed, suspect, spent;
	struct vm_touched touched;
	uint8_t ran_ever; /* bit v: vCPU v entered the guest since the VM was made */
	unsigned long used; /* the pool's clock at its last program */
};

static const struct prog_filter *setup_filter(const struct program *p)
{
	return p->setup_filter < p->nfilters && p->setup_filter < PROG_MAX_FILTERS ?
		   &p->filters[p->setup_filter] :
		   NULL;
}

/* Equal as filter_build passes them to KVM. */
static bool filters_equal(const struct prog_filter *a, const struct prog_filter *b)
{
	if (a->flags != b->flags || a->nranges != b->nranges)
		return false;
	for (unsigned i = 0; i < a->nranges && i < PROG_MAX_RANGES; i++) {
		const struct prog_range *x = &a->ranges[i], *y = &b->ranges[i];

		if (x->flags != y->flags || x->nmsrs != y->nmsrs || x->base != y->base ||
		    x->bitmap_kind != y->bitmap_kind ||
		    (x->bitmap_kind == BITMAP_PATTERN && x->pattern != y->pattern))
			return false;
	}
	return true;
}

/* The same vCPUs and set-up filter: only the mask, a cheap ioctl, may differ. */
static bool same_filter(const struct pool_vm *e, const struct program *p)
{
	const struct prog_filter *f = setup_filter(p);

	return e->nvcpus == p->nvcpus && e->has_filter == !!f &&
	       (!f || filters_equal(&e->filter, f));
}

static bool same_config(const struct pool_vm *e, const struct program *p)
{
	return same_filter(e, p) && e->mask == p->mask;
}

/*
 * Feature MSRs KVM lets the host change only until the vCPU first runs
 * (kvm_is_immutable_feature_msr): the VMX capabilities, ARCH_CAPABILITIES,
 * PERF_CAPABILITIES, PLATFORM_INFO, AMD's DE_CFG.
 */
static bool immutable_feature_msr(uint32_t index)
{
	return (index >= MSR_VMX_BASIC && index <= MSR_VMX_VMFUNC) ||
	       index == MSR_ARCH_CAPABILITIES || index == MSR_PERF_CAPABILITIES ||
	       index == MSR_PLATFORM_INFO || index == MSR_AMD_DE_CFG;
}

/*
 * bit v: p sets such an MSR on vCPU v before v runs. On a VM whose vCPU v
 * ran before, KVM would refuse what it takes on a fresh one: p needs a vCPU
 * that never ran.
 */
static uint8_t needs_unrun(const struct program *p)
{
	uint8_t ran = 0, need = 0;

	for (int n = 0; n < p->nsteps; n++) {
		const struct step *s = &p->steps[n];
		uint8_t bit = (uint8_t)(1u << s->vcpu);

		if (step_is_guest(s->kind))
			ran |= bit;
		else if (s->kind == STEP_HOST_SET_MSRS && !(ran & bit))
			for (unsigned k = 0; k < s->h.nlist && k < PROG_MAX_HOST_MSRS; k++)
				if (immutable_feature_msr(s->h.list[k].index))
					need |= bit;
	}
	return need;
}

/*
 * Paravirtual MSRs, KVM's and Hyper-V's: KVM writes guest memory at the
 * address a write gives it (kvmclock, steal time, async PF, the hypercall
 * and TSC pages) and some deliver interrupts (async PF, PV EOI).
 */
static bool msr_paravirtual(uint32_t i)
{
	return i == MSR_KVM_WALL_CLOCK || i == MSR_KVM_SYSTEM_TIME ||
	       (i >= MSR_KVM_FIRST && i <= MSR_KVM_LAST) ||
	       (i >= MSR_HYPERV_FIRST && i <= MSR_HYPERV_LAST);
}

/* The PMU's counters and their controls: a counter counts on by itself, and interrupts. */
static bool msr_pmu(uint32_t i)
{
	return (i >= MSR_PMC0 && i <= MSR_PMC7) || (i >= MSR_PERFEVTSEL0 && i <= MSR_PERFEVTSEL9) ||
	       (i >= MSR_FIXED_CTR0 && i <= MSR_FIXED_CTR2) ||
	       (i >= MSR_FIXED_CTR_CTRL && i <= MSR_PERF_GLOBAL_STATUS_SET) ||
	       (i >= MSR_PMC0_FULL && i <= MSR_PMC7_FULL) ||
	       (i >= MSR_K7_EVNTSEL0 && i <= MSR_K7_PERFCTR3) ||
	       (i >= MSR_F15H_PERF_CTL0 && i <= MSR_F15H_PERF_CTR5) ||
	       (i >= MSR_AMD_PERF_GLOBAL_STATUS && i <= MSR_AMD_PERF_GLOBAL_STATUS_SET);
}

static void touch_one(struct vm_touched *d, int v, uint32_t index)
{
	unsigned n = d->nmsrs[v];

	for (unsigned i = 0; i < n; i++)
		if (d->msrs[v][i] == index)
			return;
	if (n == VM_TOUCHED_MAX_MSRS)
		d->everything = true;
	else
		d->msrs[v][d->nmsrs[v]++] = index;
}

/*
 * TSC and TSC_ADJUST move together when the guest writes either. APIC_BASE
 * decides the local APIC's mode, and with it what the x2APIC registers and
 * TSC_DEADLINE do (without x2APIC mode they #GP or are ignored): every
 * vCPU's local APIC is restored, as after a paravirtual MSR (its interrupts),
 * which also has every page of guest memory restored.
 */
static void touch_msr(struct vm_touched *d, int v, uint32_t index)
{
	if (msr_pmu(index))
		d->everything = true;
	if (msr_paravirtual(index))
		d->memory = true;
	d->lapic |= index == MSR_APIC_BASE || msr_paravirtual(index);
	touch_one(d, v, index);
	if (index == MSR_TSC || index == MSR_TSC_ADJUST) {
		touch_one(d, v, MSR_TSC);
		touch_one(d, v, MSR_TSC_ADJUST);
	}
}

static bool host_step_changed(const struct trace *t, int n)
{
	return t->h[n].ran && t->h[n].ret >= 0;
}

/* One step of what the program did, into e's record. */
static void touch_step(struct pool_vm *e, const struct program *p, const struct trace *t, int n)
{
	const struct step *s = &p->steps[n];
	const struct step_kind_desc *k = step_kind_desc(s->kind);
	struct vm_touched *d = &e->touched;
	uint8_t bit = (uint8_t)(1u << s->vcpu);

	if (!k) { /* no valid program has one: assume it changed everything */
		d->everything = true;
		e->setup_changed = true;
		e->filter_installed = true;
		return;
	}
	if (k->guest) {
		e->ran_ever |= bit;
		if (step_is_write(s->kind))
			touch_msr(d, s->vcpu, guest_index(&s->g));
	}
	switch ((enum step_touch)k->touches) {
	case STEP_TOUCH_NONE:
		break;
	case STEP_TOUCH_VM_MASK:
	case STEP_TOUCH_VM_FILTER:
		if (host_step_changed(t, n)) {
			e->setup_changed = true;
			e->filter_installed |= k->touches == STEP_TOUCH_VM_FILTER;
		}
		break;
	case STEP_TOUCH_VCPU_MSRS:
		for (unsigned i = 0; i < s->h.nlist && i < PROG_MAX_HOST_MSRS; i++)
			touch_msr(d, s->vcpu, s->h.list[i].index);
		break;
	case STEP_TOUCH_VCPU_RUN:
		d->ran |= bit;
		break;
	}
}

/*
 * KVM_EXIT_INTERNAL_ERROR is how the platform answers an instruction it
 * cannot emulate (kvm_pvm and WRMSRNS, SPEC section 9): the run stops there
 * with nothing half done. Every other early stop (the watchdog, too many
 * exits, KVM_RUN failing) is an anomaly.
 */
static bool stopped_by_internal_error(const struct pool_vm *e, const struct program *p)
{
	for (int v = 0; v < p->nvcpus && v < e->vm.nvcpus; v++)
		if (e->vm.vcpu[v].run->exit_reason == KVM_EXIT_INTERNAL_ERROR)
			return true;
	return false;
}

/*
 * What the program can have changed. Every step counts, run or not (a
 * superset). A run that stopped early can leave an exit pending on any
 * vCPU: the reset completes them first, and after an anomaly the reset is
 * proven.
 */
static void record_touched(struct pool_vm *e, const struct program *p, const struct trace *t)
{
	if (!e->setup_ok && t->abort_step == 0 && !t->nexits)
		return; /* the set-up failed, as on a fresh VM: nothing ran */
	e->dirty = true;
	if (!e->setup_ok)
		e->setup_changed = true;
	if (t->abort_step >= 0) {
		e->touched.stopped = true;
		e->suspect |= !stopped_by_internal_error(e, p);
	}
	for (int n = 0; n < p->nsteps; n++)
		touch_step(e, p, t, n);
	if (needs_unrun(p))
		e->spent = true; /* its feature MSRs may not be restorable */
}

static void entry_destroy(struct pool_vm *e)
{
	if (e->live)
		vm_destroy(&e->vm);
	memset(e, 0, sizeof(*e));
}

static unsigned long long now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (unsigned long long)ts.tv_sec * 1000000000ull + (unsigned long long)ts.tv_nsec;
}

/* KVM_X86_SET_MSR_FILTER of f (NULL: none), its time counted in st if given. */
static int install(struct pool_vm *e, const struct prog_filter *f, struct vm_pool_stats *st)
{
	unsigned long long t0 = now_ns();
	int r = __filter_install(e->vm.fd, f);

	if (st) {
		st->filter_installs++;
		st->filter_ns += now_ns() - t0;
	}
	return r;
}

/* KVM_X86_SET_MSR_FILTER of none, where a filter is (or may be) in force. */
static int clear_filter(struct pool_vm *e, struct vm_pool_stats *st)
{
	int r = e->filter_installed ? install(e, NULL, st) : 0;

	if (!r)
		e->filter_installed = false;
	return r;
}

/*
 * The set-up execute() would do (mask, then the set-up filter), once for
 * all the VM's programs; the filter only if it is not in force already
 * (filter_too false). A refused filter leaves none, as on a fresh VM; a
 * refused mask leaves the set-up to execute(), which stops there.
 */
static int apply_setup(struct pool_vm *e, bool filter_too, struct vm_pool_stats *st)
{
	int r;

	e->setup_ok = __vm_enable_cap_fd(e->vm.fd, 0, e->mask) >= 0;
	if (e->setup_ok && !filter_too)
		return 0;
	e->filter_err = -1;
	if (!e->setup_ok || !e->has_filter)
		return clear_filter(e, st);
	r = install(e, &e->filter, st);
	e->filter_err = -r;
	if (!r) {
		e->filter_installed = true;
		return 0;
	}
	return clear_filter(e, st);
}

static void set_config(struct pool_vm *e, const struct program *p)
{
	const struct prog_filter *f = setup_filter(p);

	e->nvcpus = p->nvcpus;
	e->mask = p->mask;
	e->has_filter = f != NULL;
	if (f)
		e->filter = *f;
}

static int entry_make(struct vm_pool *pool, struct pool_vm *e, const struct program *p)
{
	struct kvm_sys *sys;
	int st, r;

	entry_destroy(e);
	sys = kvm_sys_get(&st);
	if (!sys)
		return -ENODEV;
	r = __vm_create(&e->vm, sys, p->nvcpus);
	if (r)
		return r;
	e->live = true;
	pool->stats.made++;
	r = __vm_snapshot_take(&e->vm);
	if (!r) {
		set_config(e, p);
		r = apply_setup(e, true, NULL); /* a new VM's first filter: its own cost */
	}
	return r;
}

static bool check_due(struct vm_pool *pool, const struct pool_vm *e)
{
	unsigned every = pool->check_every ? pool->check_every : VM_POOL_DEFAULT_CHECK_EVERY;

	if (pool->check || e->suspect || ++pool->since_check >= every) {
		pool->since_check = 0;
		return true;
	}
	return false;
}

/* A host step that is an ioctl on its vCPU's fd, KVM_RUN aside (its kind's fd and touches). */
static bool host_on_vcpu(const struct step *s)
{
	const struct step_kind_desc *k = step_kind_desc(s->kind);

	return k && step_fd(s) == STEP_FD_VCPU && k->touches != STEP_TOUCH_VCPU_RUN;
}

/*
 * bit v: p makes an ioctl on vCPU v before it first runs it, so the
 * registers a reset restores must be in place before, not at that KVM_RUN.
 */
static uint8_t vcpu_ioctl_first(const struct program *p)
{
	uint8_t ran = 0, first = 0;

	for (int n = 0; n < p->nsteps; n++) {
		const struct step *s = &p->steps[n];
		uint8_t bit = (uint8_t)(1u << s->vcpu);

		if (step_is_guest(s->kind))
			ran |= bit;
		else if (!(ran & bit) && host_on_vcpu(s))
			first |= bit;
	}
	return first;
}

/* What the last program touched, back as the snapshot has it; proven if due. */
static int entry_reset(struct vm_pool *pool, struct pool_vm *e, const struct program *next)
{
	struct vm_touched *d = &e->touched;
	bool check = check_due(pool, e);
	unsigned long long t0, t1;
	int r;

	d->now = check ? 0xff : vcpu_ioctl_first(next);
	if (d->everything)
		pool->stats.full++;
	else
		pool->stats.light++;
	t0 = now_ns();
	r = __vm_reset_touched(&e->vm, d);
	t1 = now_ns();
	pool->stats.reset_ns += t1 - t0;
	if (!r && check) {
		pool->stats.checks++;
		r = __vm_check_clean(&e->vm);
		pool->stats.check_ns += now_ns() - t1;
	}
	if (!r) {
		memset(d, 0, sizeof(*d));
		e->dirty = e->suspect = false;
	}
	return r;
}

/* e, live, ready for p: reset, and given p's set-up if it has another (or lost its own). */
static int entry_prepare(struct vm_pool *pool, struct pool_vm *e, const struct program *p)
{
	unsigned long long t0;
	bool filter_too;
	int r = e->dirty ? entry_reset(pool, e, p) : 0;

	if (r)
		return r;
	filter_too = !same_filter(e, p) || e->setup_changed || !e->setup_ok;
	if (!same_config(e, p)) {
		pool->stats.rekeyed++;
		set_config(e, p);
	} else if (!e->setup_changed) {
		return 0;
	}
	e->setup_changed = false;
	t0 = now_ns();
	r = apply_setup(e, filter_too, &pool->stats);
	pool->stats.setup_ns += now_ns() - t0;
	return r;
}

static bool usable(const struct pool_vm *e, uint8_t need)
{
	return e->live && !e->spent && !(e->ran_ever & need);
}

/*
 * For a program with a filter, a VM with a filter is set up anew before one
 * without: clearing a filter costs as much as installing one, and the
 * programs without a filter keep their VMs. Else the least recently used.
 */
static bool better_victim(const struct pool_vm *e, const struct pool_vm *than,
			  const struct program *p)
{
	bool want = setup_filter(p) != NULL;

	if (!than)
		return true;
	if ((e->has_filter == want) != (than->has_filter == want))
		return e->has_filter == want;
	return e->used < than->used;
}

/*
 * The VM for p: its configuration's if the pool has it, else one with its
 * filter (another mask is a cheap ioctl), else a new one in the place of
 * one that cannot be reset or while there is room, else the least recently used one with as many vCPUs given
 * p's set-up (a replacement filter is cheap), else the least recently used
 * one made anew.
 */
static struct pool_vm *choose(struct vm_pool *pool, const struct program *p, uint8_t need)
{
	unsigned max = pool->max_vms ? pool->max_vms : VM_POOL_DEFAULT_VMS;
	struct pool_vm *same_f = NULL, *spent = NULL, *free_slot = NULL, *same_n = NULL;
	struct pool_vm *oldest = NULL;

	if (max > VM_POOL_MAX)
		max = VM_POOL_MAX;
	for (unsigned i = 0; i < max; i++) {
		struct pool_vm *e = &pool->vms[i];

		if (usable(e, need) && same_config(e, p))
			return e;
		if (usable(e, need) && same_filter(e, p) && (!same_f || e->used < same_f->used))
			same_f = e;
		if (e->live && e->spent && !spent)
			spent = e;
		if (!e->live && !free_slot)
			free_slot = e;
		if (usable(e, need) && e->nvcpus == p->nvcpus && better_victim(e, same_n, p))
			same_n = e;
		if (!oldest || e->used < oldest->used)
			oldest = e;
	}
	if (same_f)
		return same_f;
	if (spent)
		return spent;
	if (free_slot)
		return free_slot;
	if (same_n)
		return same_n;
	if (oldest->live && oldest->nvcpus == p->nvcpus && !usable(oldest, need))
		oldest->spent = true; /* made anew below */
	return oldest;
}

static int take(struct vm_pool *pool, const struct program *p, struct pool_vm **out, char *note,
		size_t size)
{
	uint8_t need = needs_unrun(p);
	struct pool_vm *e = choose(pool, p, need);
	int r;

	*out = e;
	if (!e->live || e->spent || e->nvcpus != p->nvcpus)
		return entry_make(pool, e, p);
	pool->stats.hits += same_config(e, p);
	r = entry_prepare(pool, e, p);
	if (!r)
		return 0;
	/* the program still runs, on a new VM, and the caller hears why */
	snprintf(note, size, "%s", kvm_last_error());
	pool->stats.remade++;
	return entry_make(pool, e, p);
}

int __vm_pool_run(struct vm_pool *pool, const struct program *p, const struct exec_opts *opts,
		  struct trace *t, char *note, size_t size)
{
	struct exec_opts o = *opts;
	unsigned long long t0;
	struct pool_vm *e;
	int r;

	kvm_clear_error();
	if (size)
		note[0] = '\0';
	if (!pool->vms) {
		pool->vms = calloc(VM_POOL_MAX, sizeof(*pool->vms));
		if (!pool->vms)
			return kvm_error(ENOMEM, "out of memory");
	}
	r = take(pool, p, &e, note, size);
	if (r) {
		entry_destroy(e);
		return r;
	}
	o.setup_done = e->setup_ok;
	t0 = now_ns();
	execute(&e->vm, p, &o, t);
	pool->stats.run_ns += now_ns() - t0;
	if (e->setup_ok)
		t->setup_filter_err = e->filter_err;
	record_touched(e, p, t);
	e->used = ++pool->clock;
	pool->last = e;
	pool->stats.runs++;
	return 0;
}

void vm_pool_run(struct vm_pool *pool, const struct program *p, const struct exec_opts *opts,
		 struct trace *t, char *note, size_t size)
{
	kvm_check(__vm_pool_run(pool, p, opts, t, note, size), __func__);
}

void vm_pool_suspect(struct vm_pool *pool)
{
	if (pool->last && pool->last->live) {
		pool->last->dirty = true;
		pool->last->suspect = true;
		pool->last->touched.everything = true;
	}
}

void vm_pool_destroy(struct vm_pool *pool)
{
	for (unsigned i = 0; pool->vms && i < VM_POOL_MAX; i++)
		entry_destroy(&pool->vms[i]);
	free(pool->vms);
	pool->vms = NULL;
	pool->last = NULL;
	pool->since_check = 0;
}
