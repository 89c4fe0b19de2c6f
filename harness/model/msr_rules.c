/* msr_rules.c - KVM's rule for each table MSR: which writes and reads it takes, from the row and the facts. */
#include "msr_rules.h"

/*
 * The rules are upstream arch/x86/kvm's (each row of msr_table.c cites its
 * function). What depends on the vCPU's current value (EFER, APIC_BASE,
 * MISC_ENABLE, ...) is oracle_state.c's; what depends on the vCPU's other
 * MSRs comes in through struct rule_ctx.
 */

#define MCG_BANKS(cap) ((cap)&0xff)
#define MCI_CTL_ALLOWED_CLEAR ((1ull << 10) | 1) /* is_mci_control_msr: K8 GART, UNIXWARE */
#define HWCR_MCSTATUSWREN (1ull << 18)
#define HWCR_TSCFREQSEL (1ull << 24)
#define MSR_HWCR_INDEX 0xc0010015u
#define MSR_MC0_CTL 0x400u
#define MSR_MC0_CTL2 0x280u
#define MSR_KVM_ASYNC_PF_EN 0x4b564d02u
#define MSR_KVM_PV_EOI_EN 0x4b564d04u
#define MSR_PRED_CMD 0x49u

/*
 * Before 6.7 (x86.c kvm_set_msr_common, MSR_K7_HWCR: "data == BIT_ULL(18)")
 * HWCR took McStatusWrEn alone: TscFreqSel (bit 24) was refused, measured on
 * Debian 6.1.192 (a guest write of 0x1000148 exits INVAL). A write of 0 left
 * a set McStatusWrEn set there, unless a stable kernel took 6.7's fix, which
 * was not measured: what it reads then is not known.
 */
static bool hwcr_before_6_7(const struct msr_info *m, const struct rule_ctx *c)
{
	return m->index == MSR_HWCR_INDEX && !kernel_at_least(c->f, 6, 7);
}

static uint64_t reserved_bits(const struct msr_info *m, const struct rule_ctx *c)
{
	return hwcr_before_6_7(m, c) ? m->rsvd | HWCR_TSCFREQSEL : m->rsvd;
}

/* mtrr.c valid_mtrr_type: UC, WC, WT, WP, WB. */
static bool mtrr_type_ok(uint64_t t)
{
	return t < 8 && ((1u << t) & 0x73);
}

/* x86.h kvm_pat_valid: every byte 0, 1, 4, 5, 6 or 7. */
static bool pat_ok(uint64_t v)
{
	if (v & 0xf8f8f8f8f8f8f8f8ull)
		return false;
	return (v | ((v & 0x0202020202020202ull) << 1)) == v;
}

/* mtrr.c kvm_mtrr_valid, fixed ranges: eight types. */
static bool mtrr_fixed_ok(uint64_t v)
{
	for (unsigned i = 0; i < 8; i++)
		if (!mtrr_type_ok((v >> (8 * i)) & 0xff))
			return false;
	return true;
}

/* x86.h kvm_vcpu_reserved_gpa_bits_raw: every bit from MAXPHYADDR up. */
static uint64_t gpa_reserved(const struct kernel_facts *f)
{
	unsigned w = f->maxphyaddr >= 32 && f->maxphyaddr <= 63 ? f->maxphyaddr : 52;

	return ~0ull << w;
}

/* The bank of an MCi_CTL..MCi_MISC or MCi_CTL2 row, or -1. */
static int mc_bank(const struct msr_info *m)
{
	if (m->index >= MSR_MC0_CTL && m->index < MSR_MC0_CTL + 4 * 32)
		return (int)(m->index - MSR_MC0_CTL) / 4;
	if (m->index >= MSR_MC0_CTL2 && m->index < MSR_MC0_CTL2 + 32)
		return (int)(m->index - MSR_MC0_CTL2);
	return -1;
}

/* x86.c set_msr_mce / get_msr_mce: a bank at or past MCG_CAP[7:0] is refused. */
static bool mc_bank_missing(const struct msr_info *m, const struct rule_ctx *c)
{
	int b = mc_bank(m);

	return b >= 0 && (unsigned)b >= MCG_BANKS(c->mcg_cap);
}

/* x86.c can_set_mci_status: McStatusWrEn, on an AMD-compatible guest. */
static enum write_class mci_status(const struct rule_ctx *c, uint64_t val)
{
	bool amd = c->f->guest_vendor == VENDOR_AMD || c->f->guest_vendor == VENDOR_HYGON;

	if (c->host || !val)
		return WRITE_OK;
	if (!amd)
		return WRITE_INVAL;
	if (!c->hwcr_known)
		return WRITE_MAYBE;
	return c->hwcr & HWCR_MCSTATUSWREN ? WRITE_OK : WRITE_INVAL;
}

/* MCG_CTL, MCi_CTL2: only with their MCG_CAP bit (.arg); without it only a host write of 0. */
static enum write_class mcg_gated(const struct msr_info *m, const struct rule_ctx *c, uint64_t val)
{
	if (!(c->mcg_cap & m->arg) && (val || !c->host))
		return WRITE_INVAL;
	if (m->rule == RULE_ZERO_OR_ONES)
		return val && val != ~0ull ? WRITE_INVAL : WRITE_OK;
	return val & m->rsvd ? WRITE_INVAL : WRITE_OK;
}

/*
 * The GPA an enabled paravirtual MSR points at (kvm_pv_enable_async_pf: bits
 * 63:6, 8 bytes; kvm_lapic_set_pv_eoi: bit 0 cleared, 1 byte) must be in a
 * memslot (kvm_gfn_to_hva_cache_init).
 */
static bool gpa_mapped(const struct msr_info *m, const struct rule_ctx *c, uint64_t val)
{
	bool apf = m->index == MSR_KVM_ASYNC_PF_EN;
	uint64_t gpa = apf ? val & ~0x3full : val & ~1ull;
	uint64_t len = apf ? 8 : 1;

	return gpa < c->f->guest_mem_end && c->f->guest_mem_end - gpa >= len;
}

static enum write_class canonical(const struct msr_info *m, const struct rule_ctx *c, uint64_t val)
{
	unsigned va = c->f->va_bits >= 32 && c->f->va_bits <= 63 ? c->f->va_bits : 48;

	if (m->canon == CANON_CHECK && !is_canonical(val, va))
		return WRITE_INVAL;
	return WRITE_OK;
}

static bool in_list(const uint64_t *list, unsigned n, uint64_t val)
{
	for (unsigned i = 0; i < n; i++)
		if (list[i] == val)
			return true;
	return false;
}

/* The rules that need no more than the value. */
static enum write_class value_rule(const struct msr_info *m, uint64_t val)
{
	switch (m->rule) {
	case RULE_PAT:
		return pat_ok(val) ? WRITE_OK : WRITE_INVAL;
	case RULE_MTRR_FIXED:
		return mtrr_fixed_ok(val) ? WRITE_OK : WRITE_INVAL;
	case RULE_MTRR_DEF_TYPE:
		return !(val & ~0xcffull) && mtrr_type_ok(val & 0xff) ? WRITE_OK : WRITE_INVAL;
	case RULE_MCI_CTL:
		return !val || (val | MCI_CTL_ALLOWED_CLEAR) == ~0ull ? WRITE_OK : WRITE_INVAL;
	case RULE_NO_WRITE:
		return WRITE_UNKNOWN;
	case RULE_READ_ONLY:
		return WRITE_INVAL;
	case RULE_VENDOR:
		if (val & m->rsvd)
			return WRITE_INVAL;
		return val & m->open ? WRITE_MAYBE : WRITE_OK;
	default:
		return val & m->rsvd ? WRITE_INVAL : WRITE_OK;
	}
}

enum write_class msr_rule_write(const struct msr_info *m, const struct rule_ctx *c, uint64_t val)
{
	if (mc_bank_missing(m, c))
		return WRITE_INVAL;
	/* x86.c kvm_set_msr_common: guest_has_pred_cmd_msr, for any value */
	if (m->index == MSR_PRED_CMD && !c->host && !c->f->has_pred_cmd)
		return WRITE_INVAL;
	switch (m->rule) {
	case RULE_LISTS:
		if (in_list(m->valid, m->nvalid, val))
			return WRITE_OK;
		if (in_list(m->invalid, m->ninvalid, val))
			return WRITE_INVAL;
		return m->canon == CANON_CHECK ? canonical(m, c, val) : WRITE_MAYBE;
	case RULE_MTRR_BASE:
		if (!mtrr_type_ok(val & 0xff))
			return WRITE_INVAL;
		return val & (gpa_reserved(c->f) | 0xf00) ? WRITE_INVAL : WRITE_OK;
	case RULE_MTRR_MASK:
		return val & (gpa_reserved(c->f) | 0x7ff) ? WRITE_INVAL : WRITE_OK;
	case RULE_MCI_STATUS:
		return mci_status(c, val);
	case RULE_ZERO_OR_ONES:
	case RULE_HOST_ZERO:
		return mcg_gated(m, c, val);
	case RULE_HOST_ONLY:
		if (!c->host)
			return WRITE_INVAL;
		/* .open: a host write that changes it may be refused once the vCPU ran */
		return m->open && !(c->cur_known && c->cur == val) ? WRITE_MAYBE : WRITE_OK;
	case RULE_GPA:
		if (val & m->rsvd)
			return WRITE_INVAL;
		if ((val & m->arg) != m->arg)
			return WRITE_OK;
		return gpa_mapped(m, c, val) ? WRITE_OK : WRITE_INVAL;
	case RULE_RESERVED:
		if (val & reserved_bits(m, c))
			return WRITE_INVAL;
		return canonical(m, c, val);
	default:
		return value_rule(m, val);
	}
}

enum write_class msr_rule_read(const struct msr_info *m, const struct rule_ctx *c)
{
	if (mc_bank_missing(m, c))
		return WRITE_INVAL;
	switch (m->read) {
	case READ_GUEST_INVAL:
		return c->host || (c->mcg_cap & m->arg) ? WRITE_OK : WRITE_INVAL;
	case READ_NONE:
		return WRITE_UNKNOWN;
	case READ_INVAL:
		return WRITE_INVAL;
	default:
		return WRITE_OK;
	}
}

bool msr_rule_stored(const struct msr_info *m, const struct rule_ctx *c, const uint64_t *cur,
		     uint64_t val, uint64_t *out)
{
	switch (m->store) {
	case STORE_MASKED:
		*out = val & ~m->arg;
		if (!*out && hwcr_before_6_7(m, c) && (!cur || *cur))
			return false;
		return true;
	case STORE_ZERO:
		*out = 0;
		return true;
	case STORE_GUEST_IGNORED:
		if (!c->host && !cur)
			return false;
		*out = c->host ? val : *cur;
		return true;
	default:
		*out = val;
		return true;
	}
}

bool msr_rule_refusal_stores(const struct msr_info *m, const struct rule_ctx *c, uint64_t val)
{
	return m->index == MSR_KVM_ASYNC_PF_EN && msr_rule_write(m, c, val) == WRITE_INVAL &&
	       !(val & m->rsvd);
}
