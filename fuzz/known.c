/* known.c - what this platform is known to do differently: expected and counted, never reported again. */
#include <string.h>

#include "known.h"
#include "msr_index.h"
#include "msr_table.h"
#include "oracle.h"
#include "oracle_backend.h"

/* measured on kvm_pvm 6.18: toggling either re-runs a held access; SCE, LMA do not */
#define EFER_F1_BITS ((1ull << 8) | (1ull << 11)) /* LME, NXE */
/* EMON (7), BTS_UNAVAIL (11), PEBS_UNAVAIL (12): upstream keeps the first, refuses the others */
#define MISC_ENABLE_F2_BITS ((1ull << 7) | (1ull << 11) | (1ull << 12))
/* measured on kvm_pvm 6.18: values upstream refuses are taken (PAT, MISC_FEATURES_ENABLES stored) */
static const uint32_t f3_msrs[] = { 0x277, 0x48, 0x49, 0x140 };

const struct known_desc known_table[KNOWN_COUNT] = {
	[KNOWN_WRMSRNS_INTERNAL_ERROR] = { "wrmsrns-internal-error",
					   "kvm_pvm: WRMSRNS at CPL0 gives KVM_EXIT_INTERNAL_ERROR "
					   "(docs/spec.md §9)",
					   { REQ_NOT_KVM_PVM, REQ_WRMSRNS } },
	[KNOWN_F1_EFER_PENDING] = { "f1-efer-pending",
				    "kvm_pvm: a host EFER write toggling NXE or LME makes a held "
				    "exit's access run again (corpus/findings F1)",
				    { REQ_NOT_KVM_PVM } },
	[KNOWN_F2_MISC_ENABLE] = { "f2-misc-enable",
				   "kvm_pvm: guest MISC_ENABLE writes of EMON, BTS_UNAVAIL or "
				   "PEBS_UNAVAIL are taken (corpus/findings F2)",
				   { REQ_NOT_KVM_PVM } },
	[KNOWN_F3_UNCHECKED] = { "f3-unchecked-values",
				 "kvm_pvm: PAT, SPEC_CTRL, PRED_CMD and MISC_FEATURES_ENABLES take "
				 "values upstream refuses (corpus/findings F3)",
				 { REQ_NOT_KVM_PVM } },
	[KNOWN_F4_TCG_NONCANONICAL] = { "f4-tcg-noncanonical",
					"QEMU TCG: a guest WRMSR the CPU handles itself takes a "
					"value of FS_BASE, GS_BASE, KERNEL_GS_BASE, LSTAR or CSTAR "
					"that is not canonical, where hardware raises #GP "
					"(corpus/findings F4)",
					{ REQ_NOT_TCG } },
	[KNOWN_F5_TCG_SYSENTER] = { "f5-tcg-sysenter",
				    "QEMU TCG: a guest WRMSR the CPU handles itself keeps bits 63:32 "
				    "of SYSENTER_EIP/ESP, which AMD hardware drops (corpus/findings F5)",
				    { REQ_NOT_TCG } },
};

bool known_applies(int k, const struct kernel_facts *f)
{
	for (unsigned i = 0; i < KNOWN_MAX_REQS; i++)
		if (known_table[k].unmet[i] != REQ_NONE &&
		    !requirement_unmet(f, known_table[k].unmet[i]))
			return false;
	return true;
}

static bool starts_with(const char *s, const char *prefix)
{
	return !strncmp(s, prefix, strlen(prefix));
}

/* Host GET/SET_MSRS entry j (the list repeats up to nmsrs). */
static const struct host_msr *host_entry(const struct host_step *h, unsigned j)
{
	return &h->list[j % h->nlist];
}

/* What step k of vCPU vcpu left in MSR index, if it wrote it; returns false if it did not. */
static bool step_wrote(const struct step *s, const struct trace *t, int k, unsigned vcpu,
		       uint32_t index, uint64_t *val)
{
	bool wrote = false;

	if (s->vcpu != vcpu)
		return false;
	if (step_is_write(s->kind)) {
		const struct guest_obs *o = &t->g[k];

		/* an access answered in user space leaves the kernel's MSR alone */
		if (guest_index(&s->g) != index || !o->ran || o->exited || o->faulted)
			return false;
		*val = guest_wrmsr_value(&s->g);
		return true;
	}
	if (s->kind != STEP_HOST_SET_MSRS || !t->h[k].ran || t->h[k].ret <= 0 || !s->h.nlist)
		return false;
	for (long j = 0; j < t->h[k].ret; j++) {
		if (host_entry(&s->h, (unsigned)j)->index == index) {
			*val = host_entry(&s->h, (unsigned)j)->value;
			wrote = true;
		}
	}
	return wrote;
}

/* The kernel's value of index on vcpu before step n, as the run went; false if unknown. */
static bool value_before(const struct program *p, const struct trace *t,
			 const struct kernel_facts *f, unsigned vcpu, int n, uint32_t index,
			 uint64_t *val)
{
	int pos = msr_table_pos(index);
	bool known = pos >= 0 && pos < 64 && f->msr[pos].host_read_ok;

	if (known)
		*val = f->msr[pos].initial[vcpu < PROG_MAX_VCPUS ? vcpu : 0];
	for (int k = 0; k < n; k++)
		if (step_wrote(&p->steps[k], t, k, vcpu, index, val))
			known = true;
	return known;
}

/* kvm_pvm without WRMSRNS in CPUID: the CPL0 instruction stops the vCPU instead of #UD. */
static bool is_wrmsrns_internal_error(const struct program *p, const struct trace *t,
				      const struct mismatch *m)
{
	const struct step *s;

	if (m->step != t->abort_step || m->step < 0 || m->step >= p->nsteps)
		return false;
	s = &p->steps[m->step];
	return s->kind == STEP_WRMSRNS && s->g.cpl == 0 && !s->g.fep &&
	       starts_with(t->abort_msg, "KVM_EXIT_INTERNAL_ERROR");
}

/*
 * Whether host step k (a SET_MSRS) changed EFER.NXE or EFER.LME on vcpu with
 * any entry it did: a change undone by a later entry counts (measured).
 */
static bool toggles_efer_f1_bits(const struct program *p, const struct trace *t,
				 const struct kernel_facts *f, int k, unsigned vcpu)
{
	const struct step *s = &p->steps[k];
	uint64_t val = 0;

	if (s->kind != STEP_HOST_SET_MSRS || s->vcpu != vcpu || !s->h.nlist || !t->h[k].ran ||
	    t->h[k].ret <= 0 || !value_before(p, t, f, vcpu, k, MSR_EFER, &val))
		return false;
	for (long j = 0; j < t->h[k].ret; j++) {
		const struct host_msr *e = host_entry(&s->h, (unsigned)j);

		if (e->index != MSR_EFER)
			continue;
		if ((val ^ e->value) & EFER_F1_BITS)
			return true;
		val = e->value;
	}
	return false;
}

/* The first step after held guest step n on its vCPU that lets the exit complete, or nsteps. */
static int held_until(const struct program *p, int n)
{
	for (int k = n + 1; k < p->nsteps; k++)
		if (p->steps[k].vcpu == p->steps[n].vcpu &&
		    (step_is_guest(p->steps[k].kind) ||
		     p->steps[k].kind == STEP_HOST_IMMEDIATE_EXIT))
			return k;
	return p->nsteps;
}

/* Guest step n exited and was held, and before it completed a host write re-armed it (F1). */
static bool f1_rearmed(const struct program *p, const struct trace *t, const struct kernel_facts *f,
		       int n)
{
	const struct step *s = &p->steps[n];
	int end;

	if (!step_is_guest(s->kind) || !(s->g.reply_flags & REPLY_HOLD) || !t->g[n].exited)
		return false;
	end = held_until(p, n);
	for (int k = n + 1; k < end; k++)
		if (toggles_efer_f1_bits(p, t, f, k, s->vcpu))
			return true;
	return false;
}

/* The guest step of vcpu last before step n, or -1. */
static int last_guest_step(const struct program *p, int n, unsigned vcpu)
{
	for (int k = n - 1; k >= 0; k--)
		if (p->steps[k].vcpu == vcpu && step_is_guest(p->steps[k].kind))
			return k;
	return -1;
}

/*
 * F1: a held exit, then (before its vCPU runs again) a host write that
 * toggles EFER.NXE or LME: the access runs again, so it exits a second time
 * or, if the mask or filter changed meanwhile, ends as they now say (#GP);
 * until the vCPU runs, its RIP and events show the access not done.
 */
static bool is_f1(const struct program *p, const struct trace *t, const struct kernel_facts *f,
		  const struct mismatch *m)
{
	const struct step *s;
	int g;

	if (m->step < 0 || m->step >= p->nsteps)
		return false;
	if (m->step == t->abort_step &&
	    !starts_with(t->abort_msg, "a second MSR exit for one access"))
		return false;
	s = &p->steps[m->step];
	if (step_is_guest(s->kind))
		return f1_rearmed(p, t, f, m->step);
	if (s->kind != STEP_HOST_GET_REGS && s->kind != STEP_HOST_GET_EVENTS)
		return false;
	g = last_guest_step(p, m->step, s->vcpu);
	return g >= 0 && f1_rearmed(p, t, f, g);
}

/* A guest write to MISC_ENABLE that changes a bit of F2. */
static bool is_f2_write(const struct program *p, const struct trace *t,
			const struct kernel_facts *f, int n)
{
	const struct step *s = &p->steps[n];
	uint64_t before = 0;

	if (!step_is_write(s->kind) || guest_index(&s->g) != MSR_MISC_ENABLE)
		return false;
	if (!value_before(p, t, f, s->vcpu, n, MSR_MISC_ENABLE, &before))
		return true; /* nothing known to compare with: the write may change them */
	return ((before ^ guest_wrmsr_value(&s->g)) & MISC_ENABLE_F2_BITS) != 0;
}

static bool touches_misc_enable(const struct step *s)
{
	if (step_is_guest(s->kind))
		return guest_index(&s->g) == MSR_MISC_ENABLE;
	if (s->kind != STEP_HOST_GET_MSRS && s->kind != STEP_HOST_SET_MSRS)
		return false;
	for (unsigned i = 0; i < s->h.nlist && i < PROG_MAX_HOST_MSRS; i++)
		if (s->h.list[i].index == MSR_MISC_ENABLE)
			return true;
	return false;
}

/* F2: the write itself, or a later access to MISC_ENABLE on a vCPU the kernel let it change. */
static bool is_f2(const struct program *p, const struct trace *t, const struct kernel_facts *f,
		  const struct mismatch *m)
{
	const struct step *s;

	if (m->step < 0 || m->step >= p->nsteps || m->step == t->abort_step)
		return false;
	s = &p->steps[m->step];
	if (!touches_misc_enable(s))
		return false;
	if (is_f2_write(p, t, f, m->step))
		return true;
	for (int k = 0; k < m->step; k++)
		if (p->steps[k].vcpu == s->vcpu && is_f2_write(p, t, f, k) && t->g[k].ran &&
		    !t->g[k].exited && !t->g[k].faulted)
			return true;
	return false;
}

static bool is_f3_msr(uint32_t index)
{
	for (unsigned i = 0; i < sizeof(f3_msrs) / sizeof(f3_msrs[0]); i++)
		if (f3_msrs[i] == index)
			return true;
	return false;
}

/* Step s accesses an F3 MSR: a guest access, or a host GET/SET listing one. */
static bool touches_f3(const struct step *s)
{
	if (step_is_guest(s->kind))
		return is_f3_msr(guest_index(&s->g));
	if (s->kind != STEP_HOST_GET_MSRS && s->kind != STEP_HOST_SET_MSRS)
		return false;
	for (unsigned i = 0; i < s->h.nlist && i < PROG_MAX_HOST_MSRS; i++)
		if (is_f3_msr(s->h.list[i].index))
			return true;
	return false;
}

/* Step k wrote an F3 MSR in the kernel: a guest write it took, or a host SET that ran. */
static bool f3_written(const struct program *p, const struct trace *t, int k)
{
	const struct step *s = &p->steps[k];

	if (!touches_f3(s))
		return false;
	if (step_is_guest(s->kind))
		return step_is_write(s->kind) && t->g[k].ran && !t->g[k].exited && !t->g[k].faulted;
	return s->kind == STEP_HOST_SET_MSRS && t->h[k].ran;
}

/* Whether step s accesses an MSR that host SET step set lists. */
static bool in_set_list(const struct step *s, const struct step *set)
{
	for (unsigned i = 0; i < set->h.nlist && i < PROG_MAX_HOST_MSRS; i++) {
		uint32_t index = set->h.list[i].index;

		if (step_is_guest(s->kind) && guest_index(&s->g) == index)
			return true;
		for (unsigned j = 0;
		     !step_is_guest(s->kind) && j < s->h.nlist && j < PROG_MAX_HOST_MSRS; j++)
			if (s->h.list[j].index == index)
				return true;
	}
	return false;
}

/*
 * F3: a write the kernel should have refused, the registers and events after
 * it when it was to be held, or a later access on its vCPU to an F3 MSR or,
 * after a host SET that went on past its F3 entry, to any MSR that SET listed.
 */
static bool is_f3(const struct program *p, const struct trace *t, const struct mismatch *m)
{
	const struct step *s;

	if (m->step < 0 || m->step >= p->nsteps || m->step == t->abort_step)
		return false;
	s = &p->steps[m->step];
	if (touches_f3(s) && f3_written(p, t, m->step))
		return true;
	if (s->kind == STEP_HOST_GET_REGS || s->kind == STEP_HOST_GET_EVENTS) {
		/* a held write taken instead of exiting: the vCPU is past it */
		int g = last_guest_step(p, m->step, s->vcpu);

		return g >= 0 && f3_written(p, t, g);
	}
	for (int k = 0; k < m->step; k++) {
		const struct step *w = &p->steps[k];

		if (w->vcpu != s->vcpu || !f3_written(p, t, k))
			continue;
		if (touches_f3(s) || (w->kind == STEP_HOST_SET_MSRS && in_set_list(s, w)))
			return true;
	}
	return false;
}

/* The filter in force when step n runs: the set-up one, then each host filter installed. */
static const struct prog_filter *filter_at(const struct program *p, const struct trace *t, int n)
{
	unsigned cur = t->setup_filter_err == 0 ? p->setup_filter : HOST_FILTER_NONE;

	for (int k = 0; k < n; k++)
		if (p->steps[k].kind == STEP_HOST_FILTER && t->h[k].ran && t->h[k].ret == 0)
			cur = (unsigned)p->steps[k].h.arg;
	return cur < p->nfilters && cur < PROG_MAX_FILTERS ? &p->filters[cur] : NULL;
}

/* Guest step k is a WRMSR the CPU handled itself (oracle_backend.c) and took: no exit, no fault. */
static bool cpu_took_write(const struct program *p, const struct trace *t,
			   const struct kernel_facts *f, int k)
{
	const struct step *s = &p->steps[k];
	const struct prog_filter *flt;
	uint32_t index;

	if (!step_is_guest(s->kind) || !step_is_write(s->kind) || s->g.fep || s->g.cpl != 0)
		return false;
	index = guest_index(&s->g);
	flt = filter_at(p, t, k);
	if (backend_passthrough(f, index, true) != PASS_YES ||
	    (flt && !oracle_filter_allows(flt, index, RANGE_WRITE)))
		return false;
	return t->g[k].ran && !t->g[k].exited && !t->g[k].faulted;
}

/* F4: a value of an address MSR the CPU should have refused. */
static bool f4_write(const struct kernel_facts *f, uint32_t index, uint64_t val)
{
	struct cpu_write w;

	return backend_cpu_write(f, index, val, &w) && w.gp && !w.ok;
}

/* F5: a SYSENTER_EIP/ESP value with an upper half the CPU should have dropped. */
static bool f5_write(const struct kernel_facts *f, uint32_t index, uint64_t val)
{
	(void)f;
	return (index == MSR_SYSENTER_ESP || index == MSR_SYSENTER_EIP) && val >> 32;
}

/* Step s reads index on vcpu: a guest read, or a host GET listing it. */
static bool reads_index(const struct step *s, unsigned vcpu, uint32_t index)
{
	if (s->vcpu != vcpu)
		return false;
	if (step_is_guest(s->kind))
		return !step_is_write(s->kind) && guest_index(&s->g) == index;
	if (s->kind != STEP_HOST_GET_MSRS)
		return false;
	for (unsigned i = 0; i < s->h.nlist && i < PROG_MAX_HOST_MSRS; i++)
		if (s->h.list[i].index == index)
			return true;
	return false;
}

/*
 * A platform fact of QEMU's TCG (F4, F5): the mismatch is a guest write the
 * CPU took where the hardware's rule (bad) says otherwise, or a later read of
 * the MSR that write left on its vCPU.
 */
static bool is_tcg_taken(const struct program *p, const struct trace *t,
			 const struct kernel_facts *f, const struct mismatch *m,
			 bool (*bad)(const struct kernel_facts *, uint32_t, uint64_t))
{
	const struct step *s;

	if (m->step < 0 || m->step >= p->nsteps || m->step == t->abort_step)
		return false;
	for (int k = 0; k <= m->step; k++) {
		const struct step *w = &p->steps[k];

		if (!cpu_took_write(p, t, f, k) ||
		    !bad(f, guest_index(&w->g), guest_wrmsr_value(&w->g)))
			continue;
		s = &p->steps[m->step];
		if (k == m->step || reads_index(s, w->vcpu, guest_index(&w->g)))
			return true;
	}
	return false;
}

static int explain_one(const struct program *p, const struct trace *t, const struct mismatch *m,
		       const struct kernel_facts *f)
{
	if (known_applies(KNOWN_WRMSRNS_INTERNAL_ERROR, f) && is_wrmsrns_internal_error(p, t, m))
		return KNOWN_WRMSRNS_INTERNAL_ERROR;
	if (known_applies(KNOWN_F1_EFER_PENDING, f) && is_f1(p, t, f, m))
		return KNOWN_F1_EFER_PENDING;
	if (known_applies(KNOWN_F2_MISC_ENABLE, f) && is_f2(p, t, f, m))
		return KNOWN_F2_MISC_ENABLE;
	if (known_applies(KNOWN_F3_UNCHECKED, f) && is_f3(p, t, m))
		return KNOWN_F3_UNCHECKED;
	if (known_applies(KNOWN_F4_TCG_NONCANONICAL, f) && is_tcg_taken(p, t, f, m, f4_write))
		return KNOWN_F4_TCG_NONCANONICAL;
	if (known_applies(KNOWN_F5_TCG_SYSENTER, f) && is_tcg_taken(p, t, f, m, f5_write))
		return KNOWN_F5_TCG_SYSENTER;
	return KNOWN_NONE;
}

int known_explain(const struct program *p, const struct trace *t, const struct verdict *v,
		  const struct kernel_facts *f, int *why)
{
	int first = -1;

	for (unsigned i = 0; i < v->n && i < MAX_MISMATCHES; i++) {
		why[i] = explain_one(p, t, &v->m[i], f);
		if (why[i] == KNOWN_NONE && first < 0)
			first = (int)i;
	}
	return first;
}
