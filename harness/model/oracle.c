/* oracle.c - the reference model, guest half: filter matching, KVM's own MSR handling, exits. */
#include <errno.h>
#include <string.h>

#include "kvm_abi.h"
#include "oracle.h"
#include "oracle_backend.h"
#include "oracle_int.h"
#include "requirements.h"

/*
 * Decisions where docs/spec.md is silent (the executor must agree):
 * - The setup mask is used only if valid (no bits outside 0x7); otherwise the
 *   setup KVM_ENABLE_CAP fails and the mask stays 0, KVM's default.
 * - setup_filter is installed only if it names a filter and that filter passes
 *   validation; otherwise there is no filter.
 * - An MSR's initial value (facts) is trusted only if the host could read it.
 * - A write the table cannot classify, or a known-but-unsupported MSR, may
 *   or may not change the MSR: the model forgets its value.
 * - REPLY_UNTOUCHED wins over reply_error/reply_data: user space writes
 *   nothing, so KVM sees the error and data it zeroed at exit (success, 0).
 * - A CPL other than 0 behaves as CPL3 (#GP, docs/spec.md §4: "CPL 1, 2 or 3").
 * - A kind number no step kind has (step_kinds.h) is a host step whose
 *   result is any (oracle_host.c).
 */

static unsigned filter_nranges(const struct prog_filter *flt)
{
	return flt->nranges < PROG_MAX_RANGES ? flt->nranges : PROG_MAX_RANGES;
}

int oracle_filter_check(const struct prog_filter *flt)
{
	unsigned n = filter_nranges(flt);
	bool empty = true;

	if (flt->flags & ~FILTER_DEFAULT_DENY)
		return EINVAL;
	for (unsigned i = 0; i < n; i++)
		if (flt->ranges[i].nmsrs)
			empty = false;
	if (empty && (flt->flags & FILTER_DEFAULT_DENY))
		return EINVAL;
	for (unsigned i = 0; i < n; i++) {
		const struct prog_range *r = &flt->ranges[i];

		if (!r->nmsrs)
			continue; /* skipped before its flags are looked at */
		if (!r->flags || (r->flags & ~(RANGE_READ | RANGE_WRITE)))
			return EINVAL;
		if (r->nmsrs > RANGE_MAX_NMSRS)
			return EINVAL;
		if (r->bitmap_kind == BITMAP_FAULT)
			return EFAULT;
	}
	return 0;
}

/* docs/spec.md §3, "Matching an access". type is RANGE_READ or RANGE_WRITE. */
bool oracle_filter_allows(const struct prog_filter *flt, uint32_t index, uint32_t type)
{
	unsigned n = filter_nranges(flt);

	if (index >= X2APIC_FIRST && index <= X2APIC_LAST)
		return true;
	for (unsigned i = 0; i < n; i++) {
		const struct prog_range *r = &flt->ranges[i];
		uint32_t end = r->base + r->nmsrs; /* 32-bit: a wrapping range matches nothing */

		if (!r->nmsrs || !(r->flags & type) || index < r->base || index >= end)
			continue;
		/* bitmap byte k is pattern byte k % 8, so bitmap bit j is pattern bit j % 64 */
		return (r->pattern >> ((index - r->base) % 64)) & 1;
	}
	return !(flt->flags & FILTER_DEFAULT_DENY);
}

/*
 * docs/spec.md §7: an instruction the guest CPUID lacks (WRMSRNS needs
 * CPUID.(7,1):EAX[19]: the kind's requirement) is #UD; the forced-emulation
 * prefix is a plain UD2 unless kvm.force_emulation_prefix is set. Both are
 * #UD at the instruction, before the privilege check.
 */
static bool undefined_opcode(const struct kernel_facts *f, const struct step *s)
{
	return requirement_unmet(f, step_kinds[s->kind].req) ||
	       (s->g.fep && requirement_unmet(f, REQ_FORCE_EMULATION));
}

int oracle_table_pos(uint32_t index)
{
	int pos = msr_table_pos(index);

	return pos >= 0 && (unsigned)pos < ORACLE_MAX_MSRS ? pos : -1;
}

bool oracle_probed_unsupported(const struct kernel_facts *f, int pos)
{
	return msr_table[pos].support == SUPPORT_PROBED && f->msr[pos].guest_read != ACC_OK;
}

/* One guest RDMSR/WRMSR, as the oracle sees it. */
struct access {
	const struct guest_step *g;
	unsigned vcpu;
	bool write;
	uint32_t index;
	uint64_t value; /* WRMSR: EDX:EAX */
	int pos; /* msr_table position, or -1 */
};

/* What KVM itself (or the CPU, oracle_backend.c) may do with an access the filter let through. */
struct kvm_outcome {
	bool ok, unknown, inval;
	bool gp; /* the CPU refuses it itself: #GP, never an exit */
	bool cpu_store; /* a write the CPU takes leaves one of stored[] (nstored 0: unknown) */
	bool forget; /* a write taken may have been the CPU's or KVM's: value unknown */
	unsigned nstored;
	uint64_t stored[2];
	bool data_any; /* RDMSR success: the data cannot be predicted */
	unsigned ndata; /* otherwise it is one of data[0..ndata-1] */
	uint64_t data[MODEL_MAX_VALS];
};

/* A read the row's rule refuses (write-only, MCG_CTL without MCG_CTL_P) fails as it says. */
static void kvm_read(struct oracle_state *st, const struct access *a, struct kvm_outcome *out)
{
	struct rule_ctx c;

	oracle_rule_ctx(st, a->vcpu, false, &c);
	switch (msr_rule_read(&msr_table[a->pos], &c)) {
	case WRITE_INVAL:
		out->inval = true;
		return;
	case WRITE_UNKNOWN:
		out->unknown = true;
		return;
	default:
		break;
	}
	out->ok = true;
	out->ndata = oracle_model_read(st, a->vcpu, a->pos, out->data);
	out->data_any = !out->ndata;
}

static void kvm_write(struct oracle_state *st, const struct access *a, struct kvm_outcome *out)
{
	switch (oracle_write_class(st, a->vcpu, a->pos, a->value, false)) {
	case WRITE_OK:
		out->ok = true;
		break;
	case WRITE_INVAL:
		out->inval = true;
		break;
	case WRITE_UNKNOWN:
		out->unknown = true;
		break;
	default:
		out->ok = out->inval = true;
		break;
	}
}

/* With ignore_msrs=Y an UNKNOWN access succeeds silently, reads giving 0. */
static void apply_ignore_msrs(const struct access *a, struct kvm_outcome *out)
{
	if (!out->unknown)
		return;
	out->unknown = false;
	if (!out->ok) {
		out->ndata = 1;
		out->data[0] = 0;
	} else if (!a->write && !out->data_any) {
		bool have = false;

		for (unsigned i = 0; i < out->ndata; i++)
			have |= out->data[i] == 0;
		if (!have && out->ndata < MODEL_MAX_VALS)
			out->data[out->ndata++] = 0;
		else if (!have)
			out->data_any = true;
	}
	out->ok = true;
}

/*
 * An x2APIC MSR works only in x2APIC mode (lapic.c kvm_x2apic_msr_read and
 * kvm_x2apic_msr_write); outside it the access fails like a probed-
 * unsupported MSR (UNKNOWN or INVAL, by kernel version).
 */
static void x2apic_access(struct oracle_state *st, const struct access *a, struct kvm_outcome *out)
{
	enum x2apic_state mode = oracle_x2apic_mode(st, a->vcpu);

	if (mode != X2APIC_ON)
		out->unknown = out->inval = true;
	if (mode == X2APIC_OFF)
		return;
	if (a->write)
		kvm_write(st, a, out);
	else
		kvm_read(st, a, out);
}

static void kvm_access(struct oracle_state *st, const struct access *a, struct kvm_outcome *out)
{
	memset(out, 0, sizeof(*out));
	if (a->pos < 0) {
		/* not in the table: anything KVM might do */
		out->ok = out->unknown = out->inval = true;
		out->data_any = true;
	} else if (msr_table[a->pos].support == SUPPORT_NEVER) {
		out->unknown = true;
	} else if (oracle_is_x2apic_msr(a->pos)) {
		x2apic_access(st, a, out);
	} else if (oracle_probed_unsupported(st->f, a->pos)) {
		out->unknown = out->inval = true; /* docs/spec.md §4: accept either */
	} else if (a->write) {
		kvm_write(st, a, out);
	} else {
		kvm_read(st, a, out);
	}
	if (st->f->ignore_msrs && out->unknown) {
		st->notes |= NOTE_IGNORE_MSRS;
		apply_ignore_msrs(a, out);
	}
}

/*
 * An access the backend leaves to the CPU (docs/spec.md §4): the CPU's own
 * rule where it has one, else KVM's rule without the exit (a refusal is the
 * CPU's #GP whatever the mask).
 */
static void cpu_access(struct oracle_state *st, const struct access *a, struct kvm_outcome *out)
{
	struct cpu_write w;

	kvm_access(st, a, out);
	if (a->write && backend_cpu_write(st->f, a->index, a->value, &w)) {
		out->ok = w.ok;
		out->gp = w.gp;
		out->unknown = out->inval = false;
		out->cpu_store = true;
		out->nstored = w.nstored;
		out->stored[0] = w.stored[0];
		out->stored[1] = w.stored[1];
		return;
	}
	out->gp = out->unknown || out->inval;
	out->unknown = out->inval = false;
}

/* Either the CPU or KVM handles it (state facts do not hold): every outcome of both. */
static void merge_outcomes(struct kvm_outcome *out, const struct kvm_outcome *cpu)
{
	out->ok |= cpu->ok;
	out->gp |= cpu->gp;
	out->forget = true;
	for (unsigned i = 0; !out->data_any && i < cpu->ndata; i++) {
		bool have = false;

		for (unsigned k = 0; k < out->ndata; k++)
			have |= out->data[k] == cpu->data[i];
		if (!have && out->ndata < MODEL_MAX_VALS)
			out->data[out->ndata++] = cpu->data[i];
		else if (!have)
			out->data_any = true;
	}
	out->data_any |= cpu->data_any;
}

/* Who handles the access (oracle_backend.c), and what may come of it. */
static void access_outcome(struct oracle_state *st, const struct step *s, const struct access *a,
			   struct kvm_outcome *out)
{
	enum passthrough pt = s->g.fep ? PASS_NO : backend_passthrough(st->f, a->index, a->write);
	struct kvm_outcome cpu;

	st->notes |= backend_notes(st->f, a->index, !s->g.fep, a->write);
	if (pt == PASS_YES) {
		cpu_access(st, a, out);
		return;
	}
	kvm_access(st, a, out);
	if (pt == PASS_MAYBE) {
		cpu_access(st, a, &cpu);
		merge_outcomes(out, &cpu);
	}
}

static bool alt_equal(const struct guest_alt *x, const struct guest_alt *y)
{
	return x->exit == y->exit && x->reason == y->reason && x->exit_data == y->exit_data &&
	       x->gp == y->gp && x->data_any == y->data_any && x->rax == y->rax && x->rdx == y->rdx;
}

static void add_alt(struct guest_exp *x, const struct guest_alt *alt)
{
	for (unsigned i = 0; i < x->nalt; i++)
		if (alt_equal(&x->alt[i], alt))
			return;
	if (x->nalt < MAX_ALTS)
		x->alt[x->nalt++] = *alt;
}

static void alt_success(struct guest_alt *alt, const struct access *a, bool data_any, uint64_t data)
{
	memset(alt, 0, sizeof(*alt));
	if (a->write) {
		alt->rax = a->g->rax; /* WRMSR leaves RAX/RDX alone */
		alt->rdx = a->g->rdx;
		return;
	}
	alt->data_any = data_any;
	if (!data_any) {
		alt->rax = (uint32_t)data;
		alt->rdx = data >> 32;
	}
}

static void alt_gp(struct guest_alt *alt, const struct access *a)
{
	memset(alt, 0, sizeof(*alt));
	alt->gp = true;
	alt->rax = a->g->rax;
	alt->rdx = a->g->rdx;
}

static void alt_ud(struct guest_alt *alt, const struct access *a)
{
	alt_gp(alt, a);
	alt->gp = false;
	alt->ud = true;
}

/* What the next KVM_RUN makes of user space's answer (docs/spec.md §5). */
static void exit_completion(struct guest_alt *alt, const struct access *a)
{
	const struct guest_step *g = a->g;

	if (g->reply_flags & REPLY_UNTOUCHED)
		alt_success(alt, a, false, 0);
	else if (g->reply_error)
		alt_gp(alt, a);
	else
		alt_success(alt, a, false, g->reply_data);
}

/*
 * A failure with reason r: an exit if the mask has r, else #GP. A #GP alternative
 * without an exit keeps r in .reason too (for class names and printing only).
 */
static void add_failure(struct oracle_state *st, const struct access *a, uint32_t r,
			struct guest_exp *x)
{
	struct guest_alt alt;

	if (st->mask & r) {
		exit_completion(&alt, a);
		alt.exit = a->write ? EXIT_REASON_WRMSR : EXIT_REASON_RDMSR;
		alt.exit_data = a->write ? a->value : 0;
	} else {
		alt_gp(&alt, a);
	}
	alt.reason = r;
	add_alt(x, &alt);
}

/* A write KVM handled: the model follows what may have happened. */
static void write_effect(struct oracle_state *st, const struct access *a,
			 const struct kvm_outcome *out)
{
	struct rule_ctx c;

	if (a->pos >= 0 && out->ok &&
	    (out->forget || (out->cpu_store && (out->gp || !out->nstored)))) {
		oracle_model_forget(st, a->vcpu, a->pos);
		return;
	}
	if (a->pos >= 0 && out->ok && out->cpu_store) {
		st->m[a->vcpu][a->pos].n = (uint8_t)out->nstored;
		st->m[a->vcpu][a->pos].val[0] = out->stored[0];
		st->m[a->vcpu][a->pos].val[1] = out->stored[1];
		return;
	}
	if (out->cpu_store)
		return;
	oracle_rule_ctx(st, a->vcpu, false, &c);
	if (a->pos >= 0 && !out->ok && out->inval && !out->unknown &&
	    msr_rule_refusal_stores(&msr_table[a->pos], &c, a->value)) {
		oracle_model_write(st, a->vcpu, a->pos, a->value, false);
		return;
	}
	if (!out->ok)
		return;
	if (out->unknown || out->inval)
		oracle_model_maybe_write(st, a->vcpu, a->pos, a->value, false);
	else
		oracle_model_write(st, a->vcpu, a->pos, a->value, false);
}

static void make_access(const struct step *s, struct access *a)
{
	a->g = &s->g;
	a->vcpu = step_vcpu(s);
	a->write = step_is_write(s->kind);
	a->index = guest_index(&s->g);
	a->value = guest_wrmsr_value(&s->g);
	a->pos = oracle_table_pos(a->index);
}

void step_predict_access(struct oracle_state *st, const struct step *s, struct guest_exp *x)
{
	const struct prog_filter *flt = st->filter >= 0 ? &st->p->filters[st->filter] : NULL;
	struct kvm_outcome out;
	struct guest_alt alt;
	struct access a;

	make_access(s, &a);
	x->rip_after = (int8_t)step_insn_len(s);
	/* KVM's #UD handler moves RIP past the prefix before it emulates what follows */
	if (s->g.fep && !requirement_unmet(st->f, REQ_FORCE_EMULATION))
		x->fault_rip = PROG_FEP_LEN;
	if (undefined_opcode(st->f, s)) {
		alt_ud(&alt, &a);
		add_alt(x, &alt);
		return;
	}
	if (s->g.cpl != 0) {
		alt_gp(&alt, &a);
		add_alt(x, &alt);
		return;
	}
	if (flt && !oracle_filter_allows(flt, a.index, a.write ? RANGE_WRITE : RANGE_READ)) {
		add_failure(st, &a, REASON_FILTER, x);
		return;
	}
	access_outcome(st, s, &a, &out);
	for (unsigned i = 0; out.ok && i < (out.data_any || a.write ? 1 : out.ndata); i++) {
		alt_success(&alt, &a, out.data_any, out.data[i]);
		add_alt(x, &alt);
	}
	if (out.unknown)
		add_failure(st, &a, REASON_UNKNOWN, x);
	if (out.inval)
		add_failure(st, &a, REASON_INVAL, x);
	if (out.gp) {
		alt_gp(&alt, &a);
		add_alt(x, &alt);
	}
	if (a.write)
		write_effect(st, &a, &out);
}

/*
 * REPLY_HOLD before a host step: the exit stays pending. Every exiting
 * alternative completes the same way (the reply decides), so the completion
 * is known if all alternatives exit, and unsure if only some do.
 */
static void start_hold(struct oracle_state *st, const struct step *s, const struct guest_exp *x)
{
	const struct guest_alt *ex = NULL;
	unsigned nexit = 0;

	for (unsigned i = 0; i < x->nalt; i++) {
		if (x->alt[i].exit) {
			ex = ex ? ex : &x->alt[i];
			nexit++;
		}
	}
	memset(&st->hold, 0, sizeof(st->hold));
	if (!ex)
		return;
	st->hold.vcpu = (uint8_t)step_vcpu(s);
	st->hold.len = step_insn_len(s);
	if (nexit != x->nalt || s->g.fep) { /* held emulated accesses: RIP not modelled */
		st->hold.state = HOLD_UNSURE;
		return;
	}
	st->hold.state = HOLD_PENDING;
	st->hold.error = ex->gp;
	st->hold.rax = s->g.rax;
	st->hold.rdx = s->g.rdx;
	st->hold.done_rax = ex->rax;
	st->hold.done_rdx = ex->rdx;
}

static void state_init(struct oracle_state *st, const struct program *p,
		       const struct kernel_facts *f)
{
	unsigned nf = p->nfilters < PROG_MAX_FILTERS ? p->nfilters : PROG_MAX_FILTERS;

	memset(st, 0, sizeof(*st));
	st->p = p;
	st->f = f;
	st->mask = (p->mask & ~(uint64_t)REASON_VALID_MASK) ? 0 : p->mask;
	st->filter = -1;
	if (p->setup_filter < nf && !oracle_filter_check(&p->filters[p->setup_filter]))
		st->filter = p->setup_filter;
	oracle_model_init(st);
}

void oracle_predict(const struct program *p, const struct kernel_facts *f, struct expected *e)
{
	unsigned n = p->nsteps < PROG_MAX_STEPS ? p->nsteps : PROG_MAX_STEPS;
	struct oracle_state st;

	memset(e, 0, sizeof(*e));
	state_init(&st, p, f);
	e->setup_filter_err = p->setup_filter < p->nfilters && p->setup_filter < PROG_MAX_FILTERS ?
				  oracle_filter_check(&p->filters[p->setup_filter]) :
				  -1;
	for (unsigned i = 0; i < n; i++) {
		const struct step *s = &p->steps[i];

		if (!step_is_guest(s->kind)) {
			oracle_predict_host(&st, s, &e->h[i]);
			continue;
		}
		/* a held exit completes at the next guest step's KVM_RUN */
		memset(&st.hold, 0, sizeof(st.hold));
		step_kind_desc(s->kind)->predict.guest(&st, s, &e->g[i]);
		if ((s->g.reply_flags & REPLY_HOLD) && i + 1 < n &&
		    !step_is_guest(p->steps[i + 1].kind))
			start_hold(&st, s, &e->g[i]);
	}
	e->notes = st.notes;
}

const char *expected_note(unsigned i)
{
	static const char *const text[NOTE_COUNT] = {
		"kernel >= 6.12: expecting data 0 for a failed host read",
		"kernel < 6.12: a failed host read's data may be stale (any value accepted)",
		"kvm.ignore_msrs=Y: expecting unknown MSRs to succeed silently (reads 0), no exit",
		"kvm_amd: the CPU handles this guest access itself (svm.c direct_access_msrs, "
		"unless the filter denies it): no exit, its own #GP for a value it refuses",
		"kvm_intel: the CPU handles this guest access itself (vmx.c "
		"vmx_disable_intercept_for_msr, unless the filter denies it): no exit, its own #GP "
		"for a value it refuses",
		"kvm_amd, a non-Intel guest vendor: SYSENTER_EIP/ESP keep bits 31:0 (svm.c "
		"svm_set_msr; the CPU itself for the guest's writes)",
		"kvm_amd, an Intel guest vendor: SYSENTER_EIP/ESP are intercepted and keep all 64 "
		"bits (svm.c svm_set_msr, sysenter_eip_hi)",
		"kvm_amd: the x2APIC TPR loses bits 3:0 once the vCPU runs (svm.c sync_cr8_to_lapic: "
		"V_TPR holds CR8's four bits)",
	};

	return i < NOTE_COUNT ? text[i] : NULL;
}
