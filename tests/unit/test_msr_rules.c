/* test_msr_rules.c - each rule of harness/model/msr_rules.c with a valid and an invalid value, no KVM. */
#include "msr_rules.h"
#include "oracle_fixture.h"

#define ALL REASON_VALID_MASK
#define M64 0xffffffffffffffffull
#define HWCR_MCSTATUSWREN (1ull << 18)
#define MCG_CTL_P (1ull << 8)
#define MCG_CMCI_P (1ull << 10)

/* The facts the table's value lists are judged with (msr_table.h). */
static void facts_lists(void)
{
	facts_reset();
	F.va_bits = 48;
	F.maxphyaddr = 48;
	F.guest_vendor = VENDOR_AMD;
	F.has_tsc_adjust = true;
	F.has_pred_cmd = true;
	F.guest_mem_end = 8u << 20;
	fx_initial("APIC_BASE", 0xfee00900, 0xfee00800);
	fx_initial("MCG_CAP", 32, 32);
}

static const struct msr_info *row(const char *name)
{
	return msr_by_name(name, (unsigned)strlen(name));
}

static struct rule_ctx ctx(bool host)
{
	struct rule_ctx c = { .f = &F, .host = host, .hwcr_known = true, .mcg_cap = 32 };

	return c;
}

static enum write_class judge(const char *name, bool host, uint64_t val)
{
	struct rule_ctx c = ctx(host);

	return msr_rule_write(row(name), &c, val);
}

static const char *class_name(enum write_class k)
{
	static const char *names[] = { "ok", "INVAL", "maybe", "UNKNOWN" };

	return (unsigned)k < 4 ? names[k] : "?";
}

#define RULE(name, host, val, want)                                                      \
	CHECK(judge(name, host, val) == (want), "%s %s write 0x%llx: %s, want %s", name, \
	      (host) ? "host" : "guest", (unsigned long long)(val),                      \
	      class_name(judge(name, host, val)), class_name(want))

/* The value rules: one valid and one invalid value (at least) each. */
static void test_value_rules(void)
{
	facts_lists();
	/* RULE_RESERVED: x86.c kvm_set_msr_common and lapic.c */
	RULE("KVM_STEAL_TIME", false, 0x40, WRITE_OK);
	RULE("KVM_STEAL_TIME", false, 0x20, WRITE_INVAL);
	RULE("KVM_POLL_CONTROL", false, 1, WRITE_OK);
	RULE("KVM_POLL_CONTROL", false, 2, WRITE_INVAL);
	RULE("KVM_ASYNC_PF_INT", false, 0xff, WRITE_OK);
	RULE("KVM_ASYNC_PF_INT", false, 0x100, WRITE_INVAL);
	RULE("HWCR", false, HWCR_MCSTATUSWREN | (1ull << 24) | 0x148, WRITE_OK);
	RULE("HWCR", false, 1ull << 19, WRITE_INVAL);
	RULE("MISC_FEATURES_ENABLES", false, 1, WRITE_OK);
	RULE("MISC_FEATURES_ENABLES", false, 2, WRITE_INVAL);
	RULE("MMIO_CONF_BASE", false, 0, WRITE_OK);
	RULE("MMIO_CONF_BASE", false, 0xe0000001, WRITE_INVAL);
	RULE("TSC_ADJUST", false, M64, WRITE_OK);
	RULE("X2APIC_EOI", false, 0xffffffff, WRITE_OK);
	RULE("X2APIC_EOI", false, 1ull << 32, WRITE_INVAL);
	RULE("X2APIC_ESR", false, 0, WRITE_OK);
	RULE("X2APIC_ESR", false, 1, WRITE_INVAL);
	RULE("X2APIC_ICR", false, 0x000000ff00000030ull, WRITE_OK);
	RULE("X2APIC_ICR", false, 0x000000ff00002030ull, WRITE_INVAL); /* bit 13 */
	RULE("X2APIC_ICR", false, 0x000000ff00010030ull, WRITE_INVAL); /* bit 16 */
	RULE("X2APIC_ICR", false, 0x000000ff80000030ull, WRITE_INVAL); /* bit 31 */
	RULE("X2APIC_SELF_IPI", false, 0xff, WRITE_OK);
	RULE("X2APIC_SELF_IPI", false, 0x100, WRITE_INVAL);
	RULE("X2APIC_TDCR", false, 0xffffffff, WRITE_OK);
	RULE("X2APIC_TDCR", false, 1ull << 32, WRITE_INVAL);
	RULE("X2APIC_LVT_TIMER", false, 0x100f0, WRITE_OK);
	RULE("X2APIC_LVT_TIMER", false, 1ull << 63, WRITE_INVAL);
	/* canonical (x86.c __kvm_set_msr): the edges of 48 and 57 bits */
	RULE("LSTAR", false, 0x00007fffffffffffull, WRITE_OK);
	RULE("LSTAR", false, 0x0000800000000000ull, WRITE_INVAL);
	RULE("KERNEL_GS_BASE", false, 0xffff800000000000ull, WRITE_OK);
	RULE("KERNEL_GS_BASE", false, 0xffff7fffffffffffull, WRITE_INVAL);
	F.va_bits = 57;
	RULE("FS_BASE", false, 0x0000800000000000ull, WRITE_OK);
	RULE("FS_BASE", false, 0x0100000000000000ull, WRITE_INVAL);
	F.va_bits = 48;
	/* SYSENTER_EIP/ESP are made canonical, never refused */
	RULE("SYSENTER_EIP", false, 0x8000000000000000ull, WRITE_OK);
}

/* x86.h kvm_pat_valid; mtrr.c kvm_mtrr_valid: every memory type in every byte. */
static void test_memory_types(void)
{
	static const uint8_t pat_ok[] = { 0, 1, 4, 5, 6, 7 }, mtrr_ok[] = { 0, 1, 4, 5, 6 };
	static const uint8_t pat_bad[] = { 2, 3, 8, 0x80 }, mtrr_bad[] = { 2, 3, 7, 8, 0xff };

	facts_lists();
	for (unsigned byte = 0; byte < 8; byte++) {
		unsigned sh = 8 * byte;

		for (unsigned t = 0; t < sizeof(pat_ok); t++)
			RULE("PAT", false, (uint64_t)pat_ok[t] << sh, WRITE_OK);
		for (unsigned t = 0; t < sizeof(pat_bad); t++)
			RULE("PAT", false, (uint64_t)pat_bad[t] << sh, WRITE_INVAL);
		for (unsigned t = 0; t < sizeof(mtrr_ok); t++)
			RULE("MTRR_FIX16K_A0000", false, (uint64_t)mtrr_ok[t] << sh, WRITE_OK);
		for (unsigned t = 0; t < sizeof(mtrr_bad); t++)
			RULE("MTRR_FIX4K_F8000", false, (uint64_t)mtrr_bad[t] << sh, WRITE_INVAL);
	}
	RULE("MTRR_DEF_TYPE", false, 0xc06, WRITE_OK);
	RULE("MTRR_DEF_TYPE", false, 0xc07, WRITE_INVAL);
	RULE("MTRR_DEF_TYPE", false, 0x1006, WRITE_INVAL);
	RULE("MTRR_DEF_TYPE", false, 0x306, WRITE_INVAL);
	/* variable ranges: type, bits 11:8 / 10:0, and the guest's MAXPHYADDR */
	RULE("MTRR_PHYSBASE0", false, 0x0000800000000006ull, WRITE_OK);
	RULE("MTRR_PHYSBASE0", false, 0x0001000000000006ull, WRITE_INVAL);
	RULE("MTRR_PHYSBASE7", false, 0x80000002, WRITE_INVAL);
	RULE("MTRR_PHYSBASE7", false, 0x80000106, WRITE_INVAL);
	RULE("MTRR_PHYSMASK3", false, 0x0000fffff0000800ull, WRITE_OK);
	RULE("MTRR_PHYSMASK3", false, 0x0000fffff0000400ull, WRITE_INVAL);
	RULE("MTRR_PHYSMASK3", false, 0x0001fffff0000800ull, WRITE_INVAL);
	F.maxphyaddr = 52;
	RULE("MTRR_PHYSMASK3", false, 0x0001fffff0000800ull, WRITE_OK);
	RULE("MTRR_PHYSBASE0", false, 0x0010000000000006ull, WRITE_INVAL);
}

/* x86.c set_msr_mce and can_set_mci_status. */
static void test_machine_check(void)
{
	struct rule_ctx c = ctx(false);

	facts_lists();
	RULE("MC0_CTL", false, M64, WRITE_OK);
	RULE("MC1_CTL", false, M64 & ~0x401ull, WRITE_OK);
	RULE("MC31_CTL", false, 0, WRITE_OK);
	RULE("MC0_CTL", false, 1, WRITE_INVAL);
	RULE("MC0_CTL", false, M64 & ~2ull, WRITE_INVAL);
	RULE("MC0_ADDR", false, 0x1234, WRITE_OK);
	RULE("MC0_STATUS", false, 0, WRITE_OK);
	RULE("MC0_STATUS", false, 1, WRITE_INVAL); /* HWCR 0 */
	RULE("MC31_STATUS", true, M64, WRITE_OK);
	c.hwcr = HWCR_MCSTATUSWREN;
	CHECK(msr_rule_write(row("MC0_STATUS"), &c, 1) == WRITE_OK, "McStatusWrEn set");
	c.hwcr_known = false;
	CHECK(msr_rule_write(row("MC0_STATUS"), &c, 1) == WRITE_MAYBE, "HWCR unknown");
	F.guest_vendor = VENDOR_INTEL;
	c.hwcr_known = true;
	CHECK(msr_rule_write(row("MC0_STATUS"), &c, 1) == WRITE_INVAL, "Intel guest");
	F.guest_vendor = VENDOR_AMD;
	/* a bank at or past MCG_CAP[7:0] is refused, reads too */
	c = ctx(false);
	c.mcg_cap = 1;
	CHECK(msr_rule_write(row("MC31_CTL"), &c, 0) == WRITE_INVAL, "missing bank");
	CHECK(msr_rule_write(row("MC0_CTL"), &c, 0) == WRITE_OK, "bank 0 of 1");
	CHECK(msr_rule_read(row("MC1_CTL"), &c) == WRITE_INVAL, "missing bank read");
	/* MCG_CTL without MCG_CTL_P: a host write of 0 only; with it 0 or all ones */
	RULE("MCG_CTL", true, 0, WRITE_OK);
	RULE("MCG_CTL", false, 0, WRITE_INVAL);
	RULE("MCG_CTL", true, M64, WRITE_INVAL);
	c = ctx(false);
	c.mcg_cap = 32 | MCG_CTL_P;
	CHECK(msr_rule_write(row("MCG_CTL"), &c, M64) == WRITE_OK, "MCG_CTL_P");
	CHECK(msr_rule_write(row("MCG_CTL"), &c, 1) == WRITE_INVAL, "MCG_CTL 1");
	/* MCi_CTL2 without MCG_CMCI_P: host 0 only; with it CMCI_EN and the threshold */
	RULE("MC0_CTL2", true, 0, WRITE_OK);
	RULE("MC0_CTL2", false, 0, WRITE_INVAL);
	c.mcg_cap = 32 | MCG_CMCI_P;
	CHECK(msr_rule_write(row("MC0_CTL2"), &c, 0x40007fff) == WRITE_OK, "CMCI_P");
	CHECK(msr_rule_write(row("MC0_CTL2"), &c, 0x80000000) == WRITE_INVAL, "CMCI_P bit 31");
	RULE("MCG_STATUS", false, M64, WRITE_OK);
	/* no write case: UNSUPPORTED */
	RULE("MCG_CAP", false, 0x20, WRITE_UNKNOWN);
	RULE("MCG_CAP", true, 0x20, WRITE_UNKNOWN);
	RULE("MTRRCAP", false, 0x508, WRITE_UNKNOWN);
}

/* Who may write, and which reads work. */
static void test_access_rules(void)
{
	struct rule_ctx g = ctx(false), h = ctx(true);

	facts_lists();
	RULE("PLATFORM_INFO", false, 0x80000000, WRITE_INVAL);
	RULE("PLATFORM_INFO", true, 0x80000000, WRITE_MAYBE); /* 6.18: not once the vCPU ran */
	h.cur_known = true;
	h.cur = 0x80000000;
	CHECK(msr_rule_write(row("PLATFORM_INFO"), &h, 0x80000000) == WRITE_OK, "same value");
	CHECK(msr_rule_write(row("PLATFORM_INFO"), &h, 0) == WRITE_MAYBE, "another value");
	h.cur_known = false;
	RULE("SMI_COUNT", false, 0, WRITE_INVAL);
	RULE("SMI_COUNT", true, 5, WRITE_OK);
	RULE("X2APIC_PPR", false, 0, WRITE_INVAL);
	RULE("X2APIC_PPR", true, 0, WRITE_INVAL);
	RULE("X2APIC_TMCCT", false, 0x1000, WRITE_INVAL);
	RULE("X2APIC_LDR", false, 1, WRITE_INVAL);
	CHECK(msr_rule_read(row("MCG_CTL"), &g) == WRITE_INVAL, "MCG_CTL guest read");
	CHECK(msr_rule_read(row("MCG_CTL"), &h) == WRITE_OK, "MCG_CTL host read");
	g.mcg_cap |= MCG_CTL_P;
	CHECK(msr_rule_read(row("MCG_CTL"), &g) == WRITE_OK, "MCG_CTL read with MCG_CTL_P");
	CHECK(msr_rule_read(row("PRED_CMD"), &g) == WRITE_UNKNOWN, "PRED_CMD is write-only");
	CHECK(msr_rule_read(row("PRED_CMD"), &h) == WRITE_UNKNOWN, "PRED_CMD host read");
	CHECK(msr_rule_read(row("X2APIC_EOI"), &g) == WRITE_INVAL, "EOI is write-only");
	CHECK(msr_rule_read(row("X2APIC_SELF_IPI"), &h) == WRITE_INVAL, "SELF_IPI is write-only");
	CHECK(msr_rule_read(row("X2APIC_ICR"), &g) == WRITE_OK, "ICR reads");
}

/* Paravirtual MSRs whose GPA must be guest memory when enabled. */
static void test_gpa_rules(void)
{
	struct rule_ctx c = ctx(false);

	facts_lists();
	RULE("KVM_ASYNC_PF_EN", false, 0x7ff000 | 0x9, WRITE_OK);
	RULE("KVM_ASYNC_PF_EN", false, 0x800000 | 0x9, WRITE_INVAL);
	RULE("KVM_ASYNC_PF_EN", false, 0x7fffc0 | 0x9, WRITE_OK); /* the last 8 bytes */
	RULE("KVM_ASYNC_PF_EN", false, 0x800000 | 0x1, WRITE_OK); /* no interrupt delivery */
	RULE("KVM_ASYNC_PF_EN", false, 0x10, WRITE_INVAL);
	RULE("KVM_PV_EOI_EN", false, 0x7fffff, WRITE_INVAL); /* bit 1: not 4-aligned */
	RULE("KVM_PV_EOI_EN", false, 0x7ffffd, WRITE_OK);
	RULE("KVM_PV_EOI_EN", false, 0x800001, WRITE_INVAL);
	RULE("KVM_PV_EOI_EN", false, 0x800000, WRITE_OK); /* disabled: not looked at */
	CHECK(msr_rule_refusal_stores(row("KVM_ASYNC_PF_EN"), &c, 0x800009), "msr_en_val first");
	CHECK(!msr_rule_refusal_stores(row("KVM_ASYNC_PF_EN"), &c, 0x19), "reserved: not stored");
	CHECK(!msr_rule_refusal_stores(row("KVM_PV_EOI_EN"), &c, 0x800001), "pv_eoi: not stored");
}

/* What the vendor module or the CPU decides is open, the rest is not. */
static void test_vendor_rules(void)
{
	facts_lists();
	RULE("SPEC_CTRL", false, 0, WRITE_OK);
	RULE("SPEC_CTRL", false, 1, WRITE_MAYBE);
	RULE("SPEC_CTRL", false, 1ull << 32, WRITE_INVAL);
	RULE("PRED_CMD", false, 0, WRITE_OK);
	RULE("PRED_CMD", false, 0x80, WRITE_MAYBE);
	RULE("PRED_CMD", false, 0x2, WRITE_INVAL);
	F.has_pred_cmd = false; /* no SPEC_CTRL, AMD_IBPB nor SBPB: a guest write of 0 fails too */
	RULE("PRED_CMD", false, 0, WRITE_INVAL);
	RULE("PRED_CMD", true, 0, WRITE_OK);
	F.has_pred_cmd = true;
	RULE("XSS", false, 0, WRITE_OK);
	RULE("XSS", false, 0x100, WRITE_INVAL);
	RULE("DEBUGCTL", false, 0, WRITE_OK);
	RULE("DEBUGCTL", false, 1, WRITE_MAYBE);
	RULE("SFMASK", false, 0xffffffff, WRITE_OK);
	RULE("SFMASK", false, 1ull << 32, WRITE_MAYBE);
}

/* What a read gives after a write (msr_rule_stored). */
static void test_stored(void)
{
	struct rule_ctx g = ctx(false), h = ctx(true);
	uint64_t cur = 0x1234, out = 1;

	CHECK(msr_rule_stored(row("HWCR"), &g, NULL, 0x40148, &out) && out == 0x40000, "HWCR");
	CHECK(msr_rule_stored(row("KVM_ASYNC_PF_ACK"), &g, NULL, 1, &out) && out == 0, "ACK");
	CHECK(msr_rule_stored(row("X2APIC_TDCR"), &g, NULL, 0xffffffff, &out) && out == 0xb,
	      "TDCR");
	CHECK(msr_rule_stored(row("UCODE_REV"), &g, &cur, 5, &out) && out == 0x1234, "UCODE guest");
	CHECK(msr_rule_stored(row("UCODE_REV"), &h, &cur, 5, &out) && out == 5, "UCODE host");
	CHECK(!msr_rule_stored(row("UCODE_REV"), &g, NULL, 5, &out), "UCODE guest, unknown");
	CHECK(msr_rule_stored(row("KVM_STEAL_TIME"), &g, NULL, 0x41, &out) && out == 0x41, "plain");
}

/* A WRMSR of val to name on vCPU 0 at the start, as the oracle predicts it. */
static const char *predict_write(const char *name, uint64_t val)
{
	static char buf[32];
	const struct guest_exp *x;
	bool ok = false, inval = false, other = false;

	prog_reset(ALL);
	fx_wr(fx_idx(name), val);
	predict();
	x = &E.g[0];
	for (unsigned i = 0; i < x->nalt; i++) {
		ok |= !x->alt[i].exit && !x->alt[i].gp && !x->alt[i].ud;
		inval |= x->alt[i].exit && x->alt[i].reason == REASON_INVAL;
		other |= x->alt[i].exit && x->alt[i].reason != REASON_INVAL;
	}
	snprintf(buf, sizeof(buf), "%s%s%s", ok ? "ok" : "", inval ? "INVAL" : "",
		 other ? "other" : "");
	return buf;
}

/*
 * Every value a row lists is judged as its list says, by the oracle (state
 * rules included), with the facts of msr_table.h: exactly one outcome each.
 */
static void test_lists_agree(void)
{
	unsigned n = 0;

	facts_lists();
	for (unsigned i = 0; i < msr_table_len; i++) {
		const struct msr_info *m = &msr_table[i];

		if (m->index >= X2APIC_FIRST && m->index <= X2APIC_LAST)
			fx_initial("APIC_BASE", 0xfee00d00, 0xfee00c00); /* x2APIC on */
		else
			fx_initial("APIC_BASE", 0xfee00900, 0xfee00800);
		for (unsigned k = 0; k < m->nvalid; k++, n++)
			CHECK(!strcmp(predict_write(m->name, m->valid[k]), "ok"),
			      "%s valid[%u] 0x%llx: %s", m->name, k,
			      (unsigned long long)m->valid[k], predict_write(m->name, m->valid[k]));
		for (unsigned k = 0; k < m->ninvalid; k++, n++)
			CHECK(!strcmp(predict_write(m->name, m->invalid[k]), "INVAL"),
			      "%s invalid[%u] 0x%llx: %s", m->name, k,
			      (unsigned long long)m->invalid[k],
			      predict_write(m->name, m->invalid[k]));
		CHECK(m->nvalid <= MSR_MAX_VALUES && m->ninvalid <= MSR_MAX_VALUES, "%s", m->name);
	}
	CHECK(n > 600, "%u listed values", n);
}

/*
 * HWCR's TscFreqSel (bit 24) is taken from 6.7 on; 6.1 takes McStatusWrEn
 * alone (a guest write of 0x1000148 exits INVAL on Debian 6.1.192).
 */
static void set_kernel(unsigned major, unsigned minor)
{
	F.kver_major = major;
	F.kver_minor = minor;
}

static void test_hwcr_by_kernel(void)
{
	uint64_t set = HWCR_MCSTATUSWREN, out = 1;
	struct rule_ctx g;

	facts_lists();
	set_kernel(6, 12);
	g = ctx(false);
	RULE("HWCR", false, 0x1000148, WRITE_OK);
	CHECK(!strcmp(predict_write("HWCR", 0x1000148), "ok"), "6.12: %s",
	      predict_write("HWCR", 0x1000148));
	CHECK(msr_rule_stored(row("HWCR"), &g, &set, 0x148, &out) && out == 0, "6.12 clears");
	set_kernel(6, 1);
	g = ctx(false);
	RULE("HWCR", false, 0x1000148, WRITE_INVAL);
	RULE("HWCR", false, 1ull << 24, WRITE_INVAL);
	RULE("HWCR", false, HWCR_MCSTATUSWREN | 0x148, WRITE_OK);
	RULE("HWCR", false, 0x148, WRITE_OK);
	CHECK(!strcmp(predict_write("HWCR", 0x1000148), "INVAL"), "6.1: %s",
	      predict_write("HWCR", 0x1000148));
	CHECK(!msr_rule_stored(row("HWCR"), &g, &set, 0x148, &out), "6.1: a clear, not known");
	set = 0;
	CHECK(msr_rule_stored(row("HWCR"), &g, &set, 0x148, &out) && out == 0, "6.1: 0 stays");
	facts_lists();
}

/* The oracle follows what rows share, and what other MSRs change (oracle_state.c). */
static void test_model(void)
{
	uint32_t wall = fx_idx("KVM_WALL_CLOCK"), wall_new = fx_idx("KVM_WALL_CLOCK_NEW");
	uint32_t st = fx_idx("KVM_SYSTEM_TIME"), st_new = fx_idx("KVM_SYSTEM_TIME_NEW");
	uint32_t adj = fx_idx("TSC_ADJUST"), hwcr = fx_idx("HWCR"), mcs = fx_idx("MC0_STATUS");
	uint32_t apf = fx_idx("KVM_ASYNC_PF_EN");
	int s[16], n = 0;

	facts_lists();
	prog_reset(ALL);
	s[n++] = fx_wr(wall, 0xff0000000ull);
	s[n++] = fx_rd_on(1, wall_new); /* one wall clock for the VM */
	s[n++] = fx_wr(st_new, 0x1000);
	s[n++] = fx_rd(st); /* the old index reads the same vcpu->arch.time */
	s[n++] = fx_wr(adj, 0x55);
	s[n++] = fx_rd(adj);
	s[n++] = fx_wr(fx_idx("TSC"), 0x1000000);
	s[n++] = fx_rd(adj); /* moved by the TSC write: any */
	s[n++] = fx_wr(mcs, 1);
	s[n++] = fx_wr(hwcr, HWCR_MCSTATUSWREN);
	s[n++] = fx_wr(mcs, 1);
	s[n++] = fx_wr(apf, 0x800009); /* refused, but stored */
	s[n++] = fx_rd(apf);
	predict();
	CHECK(E.g[s[1]].nalt == 1 && E.g[s[1]].alt[0].rdx == 0xf, "wall clock on vCPU 1");
	CHECK(E.g[s[3]].nalt == 1 && E.g[s[3]].alt[0].rax == 0x1000, "system time, old index");
	CHECK(E.g[s[5]].nalt == 1 && E.g[s[5]].alt[0].rax == 0x55, "TSC_ADJUST stored");
	CHECK(E.g[s[7]].nalt == 1 && E.g[s[7]].alt[0].data_any, "TSC_ADJUST after TSC");
	CHECK(E.g[s[8]].nalt == 1 && E.g[s[8]].alt[0].reason == REASON_INVAL, "MC0_STATUS");
	CHECK(E.g[s[10]].nalt == 1 && !E.g[s[10]].alt[0].exit, "MC0_STATUS with McStatusWrEn");
	CHECK(E.g[s[11]].nalt == 1 && E.g[s[11]].alt[0].reason == REASON_INVAL, "ASYNC_PF_EN");
	CHECK(E.g[s[12]].nalt == 1 && E.g[s[12]].alt[0].rax == 0x800009, "refused, stored");
	/* without TSC_ADJUST in CPUID a write is dropped */
	F.has_tsc_adjust = false;
	fx_initial("TSC_ADJUST", 7, 7);
	prog_reset(ALL);
	fx_wr(adj, 0x55);
	fx_rd(adj);
	predict();
	CHECK(E.g[1].nalt == 1 && E.g[1].alt[0].rax == 7, "TSC_ADJUST dropped");
	/* MCG_CTL is refused to a guest read, PRED_CMD has no read */
	prog_reset(ALL);
	fx_rd(fx_idx("MCG_CTL"));
	fx_rd(fx_idx("PRED_CMD"));
	predict();
	CHECK(E.g[0].nalt == 1 && E.g[0].alt[0].reason == REASON_INVAL, "MCG_CTL read");
	CHECK(E.g[1].nalt == 1 && E.g[1].alt[0].reason == REASON_UNKNOWN, "PRED_CMD read");
}

int main(void)
{
	test_value_rules();
	test_memory_types();
	test_machine_check();
	test_access_rules();
	test_gpa_rules();
	test_vendor_rules();
	test_stored();
	test_lists_agree();
	test_hwcr_by_kernel();
	test_model();
	return unit_summary("msr_rules");
}
