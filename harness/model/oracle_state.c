/* oracle_state.c - the oracle's model of each vCPU: MSR values and the rules that depend on them. */
#include <string.h>

#include "msr_index.h"
#include "oracle_backend.h"
#include "oracle_int.h"

/*
 * Some of KVM's MSR rules depend on what the vCPU holds now, which earlier
 * steps (guest WRMSRs that succeeded, host KVM_SET_MSRS) may have changed:
 * EFER.LME against CR0.PG, APIC_BASE mode transitions, the x2APIC MSRs that
 * exist only in x2APIC mode, MISC_ENABLE's read-only bits. Each such MSR has
 * a rule: a judge that classifies a write given one possible current value
 * (NULL: not known), and what the MSR holds after a successful write. Where
 * kernels differ, the rule keeps every outcome (WRITE_MAYBE, or up to
 * MODEL_MAX_VALS values the MSR may hold). docs/spec.md §4, "Which values
 * KVM accepts", states the rules; the functions below cite their upstream code.
 */

#define KVM_MAX_MCE_BANKS 32 /* x86.c kvm_arch_vcpu_create: MCG_CAP before KVM_X86_SETUP_MCE */

#define CR0_PG (1ull << 31)

#define EFER_SCE (1ull << 0)
#define EFER_LME (1ull << 8)
#define EFER_LMA (1ull << 10)
#define EFER_NX (1ull << 11)
/* SVME, LMSLE, FFXSR, TCE, AUTOIBRS: KVM enables them only on some hosts or for some guests */
#define EFER_HOST_DEPENDENT (0xf000ull | (1ull << 21))

#define APIC_BASE_BSP (1ull << 8)
#define APIC_BASE_EXTD (1ull << 10)
#define APIC_BASE_EN (1ull << 11)
/* lapic.c kvm_apic_set_base: 0x2ff, and every bit from the guest's MAXPHYADDR (36..52) up */
#define APIC_BASE_RESERVED (0x2ffull | 0xfff0000000000000ull)
#define APIC_BASE_PHYS_MAYBE 0x000ffff000000000ull /* bits 36-51: MAXPHYADDR decides */

#define MISC_ENABLE_EMON (1ull << 7)
#define MISC_ENABLE_PMU_RO ((1ull << 11) | (1ull << 12)) /* BTS_UNAVAIL, PEBS_UNAVAIL */

enum lapic_mode {
	LAPIC_DISABLED,
	LAPIC_INVALID,
	LAPIC_XAPIC,
	LAPIC_X2APIC
};

struct state_rule {
	uint32_t index;
	/* NULL: the table's value lists decide (oracle_write_class) */
	enum write_class (*judge)(const struct oracle_state *st, unsigned v, const uint64_t *cur,
				  uint64_t val, bool host);
	/* values the MSR may hold after a successful write of val; 0: not known */
	unsigned (*stored)(const struct oracle_state *st, const uint64_t *cur, uint64_t val,
			   bool host, uint64_t *out);
};

static bool paging(const struct oracle_state *st, unsigned v)
{
	return st->cr0[v] & CR0_PG;
}

/*
 * x86.c set_efer: reserved bits fail for guest and host; a guest write must
 * also keep LME while CR0.PG=1 (__kvm_valid_efer's CPUID checks pass for NX
 * and LM, which the harness's supported CPUID has). Host writes are exempt.
 */
static enum write_class judge_efer(const struct oracle_state *st, unsigned v, const uint64_t *cur,
				   uint64_t val, bool host)
{
	bool unsure = val & EFER_HOST_DEPENDENT;

	if (val & ~(EFER_SCE | EFER_LME | EFER_LMA | EFER_NX | EFER_HOST_DEPENDENT))
		return WRITE_INVAL;
	if (!host && paging(st, v)) {
		if (cur && ((*cur ^ val) & EFER_LME))
			return WRITE_INVAL;
		unsure |= !cur;
	}
	return unsure ? WRITE_MAYBE : WRITE_OK;
}

/* set_efer: LMA is not written, it keeps the vCPU's (guest and host writes alike). */
static unsigned stored_efer(const struct oracle_state *st, const uint64_t *cur, uint64_t val,
			    bool host, uint64_t *out)
{
	(void)st;
	(void)host;
	if (cur) {
		out[0] = (val & ~EFER_LMA) | (*cur & EFER_LMA);
		return 1;
	}
	out[0] = val | EFER_LMA;
	out[1] = val & ~EFER_LMA;
	return 2;
}

static enum lapic_mode lapic_mode(uint64_t apic_base)
{
	switch (apic_base & (APIC_BASE_EN | APIC_BASE_EXTD)) {
	case APIC_BASE_EN | APIC_BASE_EXTD:
		return LAPIC_X2APIC;
	case APIC_BASE_EN:
		return LAPIC_XAPIC;
	case APIC_BASE_EXTD:
		return LAPIC_INVALID;
	default:
		return LAPIC_DISABLED;
	}
}

/* A guest may not go from x2APIC to xAPIC, nor from disabled to x2APIC (kvm_apic_set_base). */
static bool guest_transition_ok(uint64_t cur, uint64_t val)
{
	enum lapic_mode from = lapic_mode(cur), to = lapic_mode(val);

	return !(from == LAPIC_X2APIC && to == LAPIC_XAPIC) &&
	       !(from == LAPIC_DISABLED && to == LAPIC_X2APIC);
}

/*
 * lapic.c kvm_apic_set_base (kvm_set_apic_base before 6.13): the current
 * value is always accepted; reserved bits and EXTD without EN fail for guest
 * and host; the mode transitions are checked for guest writes only. The
 * harness's CPUID (KVM's supported one) has x2APIC, so EXTD is not reserved.
 */
static enum write_class judge_apic_base(const struct oracle_state *st, unsigned v,
					const uint64_t *cur, uint64_t val, bool host)
{
	enum lapic_mode to = lapic_mode(val);

	(void)st;
	(void)v;
	if (cur && *cur == val)
		return WRITE_OK;
	if ((val & APIC_BASE_RESERVED) || to == LAPIC_INVALID)
		return WRITE_INVAL;
	if (!host && cur && !guest_transition_ok(*cur, val))
		return WRITE_INVAL;
	if (val & APIC_BASE_PHYS_MAYBE)
		return WRITE_MAYBE;
	/* an unknown current mode forbids going to xAPIC or x2APIC only sometimes */
	if (!host && !cur && to != LAPIC_DISABLED)
		return WRITE_MAYBE;
	return WRITE_OK;
}

static unsigned stored_as_written(const struct oracle_state *st, const uint64_t *cur, uint64_t val,
				  bool host, uint64_t *out)
{
	(void)st;
	(void)cur;
	(void)host;
	out[0] = val;
	return 1;
}

/*
 * x86.c kvm_set_msr_common, MSR_IA32_MISC_ENABLE (since 6.1 at the latest):
 * host writes are taken as they are; a guest write may not change
 * BTS_UNAVAIL or PEBS_UNAVAIL and leaves EMON as it was. Older kernels took
 * every write, then for a while kept EMON and the PMU bits over host writes
 * too: either. The MWAIT check is off by default (a quirk).
 */
static bool misc_enable_current(const struct oracle_state *st)
{
	return kernel_at_least(st->f, 6, 1);
}

static enum write_class judge_misc_enable(const struct oracle_state *st, unsigned v,
					  const uint64_t *cur, uint64_t val, bool host)
{
	(void)v;
	if (host)
		return WRITE_OK;
	if (!cur)
		return WRITE_MAYBE;
	if (!((*cur ^ val) & MISC_ENABLE_PMU_RO))
		return WRITE_OK;
	return misc_enable_current(st) ? WRITE_INVAL : WRITE_MAYBE;
}

static unsigned stored_misc_enable(const struct oracle_state *st, const uint64_t *cur, uint64_t val,
				   bool host, uint64_t *out)
{
	uint64_t kept = host ? MISC_ENABLE_EMON | MISC_ENABLE_PMU_RO : MISC_ENABLE_EMON;
	uint64_t keeping = cur ? (val & ~kept) | (*cur & kept) : 0;

	if (misc_enable_current(st) && (host || cur)) {
		out[0] = host ? val : keeping;
		return 1;
	}
	if (!cur)
		return 0;
	out[0] = val;
	out[1] = keeping;
	return out[0] == out[1] ? 1 : 2;
}

/* SYSENTER_CS, _ESP, _EIP: what KVM keeps differs by backend and vendor (oracle_backend.c). */
static unsigned stored_sysenter(const struct oracle_state *st, const uint64_t *cur, uint64_t val,
				bool host, uint64_t *out, uint32_t index)
{
	(void)cur;
	(void)host;
	return backend_sysenter_stored(st->f, index, val, out);
}

static unsigned stored_sysenter_eip(const struct oracle_state *st, const uint64_t *cur,
				    uint64_t val, bool host, uint64_t *out)
{
	return stored_sysenter(st, cur, val, host, out, MSR_SYSENTER_EIP);
}

static unsigned stored_sysenter_esp(const struct oracle_state *st, const uint64_t *cur,
				    uint64_t val, bool host, uint64_t *out)
{
	return stored_sysenter(st, cur, val, host, out, MSR_SYSENTER_ESP);
}

static unsigned stored_sysenter_cs(const struct oracle_state *st, const uint64_t *cur, uint64_t val,
				   bool host, uint64_t *out)
{
	return stored_sysenter(st, cur, val, host, out, MSR_SYSENTER_CS);
}

/*
 * x86.c kvm_set_msr_common, MSR_TSC_AUX: bits 63:32 fail for an
 * Intel-compatible guest CPUID and are dropped for any other (AMD), guest
 * and host writes alike; a 32-bit value is taken as it is.
 */
static enum write_class judge_tsc_aux(const struct oracle_state *st, unsigned v,
				      const uint64_t *cur, uint64_t val, bool host)
{
	(void)v;
	(void)cur;
	(void)host;
	if (!(val >> 32) || st->f->guest_vendor == VENDOR_AMD ||
	    st->f->guest_vendor == VENDOR_HYGON)
		return WRITE_OK;
	return st->f->guest_vendor == VENDOR_INTEL ? WRITE_INVAL : WRITE_MAYBE;
}

static unsigned stored_low32(const struct oracle_state *st, const uint64_t *cur, uint64_t val,
			     bool host, uint64_t *out)
{
	(void)st;
	(void)cur;
	(void)host;
	out[0] = (uint32_t)val;
	return 1;
}

/* lapic.c kvm_lapic_msr_write: bits 63:32 are reserved; TASKPRI keeps bits 7:0. */
static enum write_class judge_tpr(const struct oracle_state *st, unsigned v, const uint64_t *cur,
				  uint64_t val, bool host)
{
	(void)st;
	(void)v;
	(void)cur;
	(void)host;
	return val >> 32 ? WRITE_INVAL : WRITE_OK;
}

/* TASKPRI keeps bits 7:0; kvm_amd loses bits 3:0 to CR8 once the vCPU runs (oracle_backend.c). */
static unsigned stored_tpr(const struct oracle_state *st, const uint64_t *cur, uint64_t val,
			   bool host, uint64_t *out)
{
	(void)cur;
	return backend_tpr_stored(st->f, val, host, out);
}

/*
 * lapic.c kvm_lapic_reg_write: APIC_ID is read-only in x2APIC mode. A host
 * write of 0 may succeed since 6.12 (x86.c kvm_do_msr_access).
 */
static enum write_class judge_x2apic_id(const struct oracle_state *st, unsigned v,
					const uint64_t *cur, uint64_t val, bool host)
{
	(void)st;
	(void)v;
	(void)cur;
	return host && !val ? WRITE_MAYBE : WRITE_INVAL;
}

/* x86.c kvm_set_msr_common: without TSC_ADJUST in the guest CPUID a write is dropped. */
static unsigned stored_tsc_adjust(const struct oracle_state *st, const uint64_t *cur, uint64_t val,
				  bool host, uint64_t *out)
{
	(void)host;
	if (st->f->has_tsc_adjust) {
		out[0] = val;
		return 1;
	}
	if (!cur)
		return 0;
	out[0] = *cur;
	return 1;
}

static const struct state_rule rules[] = {
	{ MSR_EFER, judge_efer, stored_efer },
	{ MSR_APIC_BASE, judge_apic_base, stored_as_written },
	{ MSR_MISC_ENABLE, judge_misc_enable, stored_misc_enable },
	{ MSR_SYSENTER_CS, NULL, stored_sysenter_cs },
	{ MSR_SYSENTER_ESP, NULL, stored_sysenter_esp },
	{ MSR_SYSENTER_EIP, NULL, stored_sysenter_eip },
	{ MSR_TSC_AUX, judge_tsc_aux, stored_low32 },
	{ MSR_X2APIC_TPR, judge_tpr, stored_tpr },
	{ MSR_X2APIC_ID, judge_x2apic_id, NULL },
	{ MSR_TSC_ADJUST, NULL, stored_tsc_adjust },
};

static const struct state_rule *rule_for(int pos)
{
	for (unsigned i = 0; i < sizeof(rules) / sizeof(rules[0]); i++)
		if (msr_table[pos].index == rules[i].index)
			return &rules[i];
	return NULL;
}

static bool kind_has_model(uint8_t kind)
{
	return kind == MSR_STORAGE || kind == MSR_KEEP || kind == MSR_READONLY;
}

void oracle_model_init(struct oracle_state *st)
{
	const struct kernel_facts *f = st->f;

	for (unsigned v = 0; v < PROG_MAX_VCPUS; v++) {
		/* harness/kvm/vm.c setup_sregs; no step changes control registers */
		st->cr0[v] = ORACLE_GUEST_CR0;
		for (unsigned pos = 0; pos < msr_table_len && pos < ORACLE_MAX_MSRS; pos++) {
			bool known =
			    f->msr[pos].host_read_ok && kind_has_model(msr_table[pos].kind);

			st->m[v][pos].n = known ? 1 : 0;
			st->m[v][pos].val[0] = f->msr[pos].initial[v];
		}
	}
}

bool oracle_is_x2apic_msr(int pos)
{
	return pos >= 0 && msr_table[pos].index >= X2APIC_FIRST &&
	       msr_table[pos].index <= X2APIC_LAST;
}

unsigned oracle_model_read(const struct oracle_state *st, unsigned v, int pos, uint64_t *out)
{
	const struct msr_model *m;

	if (pos < 0)
		return 0;
	if (msr_table[pos].index == MSR_X2APIC_ID) {
		/* kvm_apic_set_x2apic_id: the vCPU id, which is v (harness/kvm/vm.c) */
		out[0] = v;
		return 1;
	}
	m = &st->m[v][pos];
	for (unsigned i = 0; i < m->n && i < MODEL_MAX_VALS; i++)
		out[i] = m->val[i];
	return m->n;
}

enum x2apic_state oracle_x2apic_mode(const struct oracle_state *st, unsigned v)
{
	uint64_t vals[MODEL_MAX_VALS];
	unsigned n = oracle_model_read(st, v, oracle_table_pos(MSR_APIC_BASE), vals);
	bool on = false, off = false;

	for (unsigned i = 0; i < n; i++) {
		if (lapic_mode(vals[i]) == LAPIC_X2APIC)
			on = true;
		else
			off = true;
	}
	return on && !off ? X2APIC_ON : off && !on ? X2APIC_OFF : X2APIC_UNSURE;
}

/* What the rules of msr_rules.c need of the vCPU's other MSRs. */
void oracle_rule_ctx(const struct oracle_state *st, unsigned v, bool host, struct rule_ctx *c)
{
	int hwcr = oracle_table_pos(MSR_HWCR), cap = oracle_table_pos(MSR_MCG_CAP);
	uint64_t vals[MODEL_MAX_VALS] = { 0 };

	c->f = st->f;
	c->host = host;
	c->hwcr_known = oracle_model_read(st, v, hwcr, vals) == 1;
	c->hwcr = vals[0];
	c->mcg_cap = KVM_MAX_MCE_BANKS;
	if (cap >= 0 && st->f->msr[cap].host_read_ok)
		c->mcg_cap = st->f->msr[cap].initial[v];
}

/* MSRs whose validity does not depend on their own value: the row's rule. */
static enum write_class rule_class(const struct oracle_state *st, unsigned v, int pos, uint64_t val,
				   bool host)
{
	const struct msr_info *info = &msr_table[pos];
	uint64_t cur[MODEL_MAX_VALS] = { 0 };
	struct rule_ctx c;
	enum write_class k;

	oracle_rule_ctx(st, v, host, &c);
	c.cur_known = oracle_model_read(st, v, pos, cur) == 1;
	c.cur = cur[0];
	k = msr_rule_write(info, &c, val);
	if (k == WRITE_MAYBE && info->kind == MSR_KEEP && oracle_model_read(st, v, pos, cur) == 1 &&
	    cur[0] == val)
		return WRITE_OK;
	return k;
}

/* The judge over every value the MSR may hold now: one verdict if they agree, else MAYBE. */
enum write_class oracle_write_class(const struct oracle_state *st, unsigned v, int pos,
				    uint64_t val, bool host)
{
	const struct state_rule *r = rule_for(pos);
	uint64_t cur[MODEL_MAX_VALS];
	enum write_class c;
	unsigned n;

	if (!r || !r->judge)
		return rule_class(st, v, pos, val, host);
	n = oracle_model_read(st, v, pos, cur);
	if (!n)
		return r->judge(st, v, NULL, val, host);
	c = r->judge(st, v, &cur[0], val, host);
	for (unsigned i = 1; i < n; i++)
		if (r->judge(st, v, &cur[i], val, host) != c)
			return WRITE_MAYBE;
	return c;
}

static bool set_add(struct msr_model *m, uint64_t val)
{
	for (unsigned i = 0; i < m->n; i++)
		if (m->val[i] == val)
			return true;
	if (m->n >= MODEL_MAX_VALS)
		return false;
	m->val[m->n++] = val;
	return true;
}

/* The row's store rule (msr_rules.c), for every value the MSR may hold now. */
static bool stored_by_rule(const struct oracle_state *st, unsigned v, int pos, uint64_t val,
			   bool host, struct msr_model *out)
{
	uint64_t cur[MODEL_MAX_VALS], got;
	unsigned n = oracle_model_read(st, v, pos, cur);
	struct rule_ctx c;

	oracle_rule_ctx(st, v, host, &c);
	for (unsigned i = 0; i < (n ? n : 1); i++)
		if (!msr_rule_stored(&msr_table[pos], &c, n ? &cur[i] : NULL, val, &got) ||
		    !set_add(out, got))
			return false;
	return true;
}

/* What a successful write leaves in the MSR, for every value it may hold now; false: unknown. */
static bool after_write(const struct oracle_state *st, unsigned v, int pos, uint64_t val, bool host,
			struct msr_model *out)
{
	const struct state_rule *r = rule_for(pos);
	uint64_t cur[MODEL_MAX_VALS], got[MODEL_MAX_VALS];
	unsigned n = oracle_model_read(st, v, pos, cur);

	memset(out, 0, sizeof(*out));
	if (!r || !r->stored)
		return msr_table[pos].kind == MSR_STORAGE &&
		       stored_by_rule(st, v, pos, val, host, out);
	for (unsigned i = 0; i < (n ? n : 1); i++) {
		unsigned k = r->stored(st, n ? &cur[i] : NULL, val, host, got);

		if (!k)
			return false;
		for (unsigned j = 0; j < k; j++)
			if (!set_add(out, got[j]))
				return false;
	}
	return true;
}

/* The x2APIC registers' values do not survive an APIC mode change: nothing is known of them. */
static void forget_x2apic(struct oracle_state *st, unsigned v)
{
	for (unsigned pos = 0; pos < msr_table_len && pos < ORACLE_MAX_MSRS; pos++)
		if (oracle_is_x2apic_msr((int)pos))
			st->m[v][pos].n = 0;
}

/* An APIC mode change: the x2APIC registers behind it are not modelled across it. */
static void apic_base_written(struct oracle_state *st, unsigned v, const struct msr_model *after)
{
	uint64_t before[MODEL_MAX_VALS];
	unsigned n = oracle_model_read(st, v, oracle_table_pos(MSR_APIC_BASE), before);
	bool same = n == 1 && after->n == 1 && lapic_mode(before[0]) == lapic_mode(after->val[0]);

	if (!same)
		forget_x2apic(st, v);
}

/* Rows sharing pos's value (msr_table.h enum msr_share) now read what pos does on v. */
static void share_value(struct oracle_state *st, unsigned v, int pos)
{
	uint8_t group = msr_table[pos].share;

	for (unsigned k = 0; group != SHARE_NONE && k < msr_table_len && k < ORACLE_MAX_MSRS; k++) {
		if (msr_table[k].share != group)
			continue;
		for (unsigned w = 0; w < PROG_MAX_VCPUS; w++)
			if (w == v || group == SHARE_WALL_CLOCK)
				st->m[w][k] = st->m[v][pos];
	}
}

/* The store done: shared rows follow; a guest TSC write moves TSC_ADJUST (kvm_set_msr_common). */
static void model_set(struct oracle_state *st, unsigned v, int pos, const struct msr_model *m,
		      bool host)
{
	if (msr_table[pos].index == MSR_APIC_BASE)
		apic_base_written(st, v, m);
	st->m[v][pos] = *m;
	share_value(st, v, pos);
	if (msr_table[pos].index == MSR_TSC && !host)
		oracle_model_forget(st, v, oracle_table_pos(MSR_TSC_ADJUST));
}

void oracle_model_write(struct oracle_state *st, unsigned v, int pos, uint64_t val, bool host)
{
	struct msr_model after;

	if (pos < 0)
		return;
	if (!after_write(st, v, pos, val, host, &after)) {
		if (rule_for(pos) || msr_table[pos].kind == MSR_STORAGE)
			oracle_model_forget(st, v, pos);
		else if (msr_table[pos].index == MSR_TSC && !host)
			oracle_model_forget(st, v, oracle_table_pos(MSR_TSC_ADJUST));
		return; /* KEEP only accepts its value; VOLATILE stays unknown */
	}
	model_set(st, v, pos, &after, host);
}

void oracle_model_maybe_write(struct oracle_state *st, unsigned v, int pos, uint64_t val, bool host)
{
	struct msr_model before, after;

	if (pos < 0)
		return;
	before = st->m[v][pos];
	if (!before.n || !after_write(st, v, pos, val, host, &after)) {
		oracle_model_forget(st, v, pos);
		return;
	}
	for (unsigned i = 0; i < after.n; i++) {
		if (!set_add(&before, after.val[i])) {
			oracle_model_forget(st, v, pos);
			return;
		}
	}
	model_set(st, v, pos, &before, host);
}

void oracle_model_forget(struct oracle_state *st, unsigned v, int pos)
{
	if (pos < 0)
		return;
	st->m[v][pos].n = 0;
	share_value(st, v, pos);
	if (msr_table[pos].index == MSR_APIC_BASE)
		forget_x2apic(st, v);
	if (msr_table[pos].index == MSR_TSC)
		oracle_model_forget(st, v, oracle_table_pos(MSR_TSC_ADJUST));
}
