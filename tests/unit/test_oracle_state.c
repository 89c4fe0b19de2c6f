/* test_oracle_state.c - unit tests of the rules that depend on what earlier steps left in a vCPU. */
#include "oracle_fixture.h"

#define ALL REASON_VALID_MASK

/* The harness's start: xAPIC (BSP on vCPU 0), x2APIC MSRs unusable, as probed on a real VM. */
static void facts_xapic(void)
{
	facts_reset();
	fx_initial("APIC_BASE", 0xfee00900, 0xfee00800);
	for (unsigned i = 0; i < msr_table_len; i++) {
		if (msr_table[i].index < X2APIC_FIRST || msr_table[i].index > X2APIC_LAST)
			continue;
		F.msr[i].guest_read = ACC_INVAL;
		F.msr[i].host_read_ok = false;
	}
}

/* KVM_SET_MSRS (or GET, with kind) of one MSR on vCPU v. */
static int host_one(uint8_t kind, uint8_t v, const char *name, uint64_t val)
{
	int i = fx_host_on(kind, v, TARGET_DEFAULT, 0);

	P.steps[i].h.nmsrs = 1;
	P.steps[i].h.nlist = 1;
	P.steps[i].h.list[0].index = fx_idx(name);
	P.steps[i].h.list[0].value = val;
	return i;
}

static int host_set(uint8_t v, const char *name, uint64_t val)
{
	return host_one(STEP_HOST_SET_MSRS, v, name, val);
}

static int host_get(uint8_t v, const char *name)
{
	return host_one(STEP_HOST_GET_MSRS, v, name, 0);
}

/*
 * x86.c set_efer: with CR0.PG=1 a guest write may not change EFER.LME; a host
 * write may. The program: host set EFER (0) then wrmsr EFER 0xd01.
 */
static void test_efer_lme_after_host_write(void)
{
	uint32_t efer = fx_idx("EFER");
	int s[10], n = 0;

	facts_reset();
	prog_reset(ALL);
	s[n++] = host_set(0, "EFER", 0); /* clears LME: allowed for the host */
	s[n++] = fx_rd(efer); /* LMA is kept */
	s[n++] = fx_wr(efer, 0xd01); /* would set LME again */
	s[n++] = fx_wr(efer, 0x800); /* LME stays clear: NX only */
	s[n++] = fx_rd(efer);
	s[n++] = fx_wr_on(1, efer, 0xd01); /* vCPU 1 still has LME */
	s[n++] = host_set(0, "EFER", 0xd01);
	s[n++] = fx_wr(efer, 0x501);
	s[n++] = host_get(0, "EFER");
	predict();
	CHECK_HOST(s[0], "ret 1");
	CHECK_ALTS(s[1], "ok 400:0");
	CHECK_ALTS(s[2], "exit INVAL d01 -> ok");
	CHECK_ALTS(s[3], "ok");
	CHECK_ALTS(s[4], "ok c00:0");
	CHECK_ALTS(s[5], "ok");
	CHECK_HOST(s[6], "ret 1");
	CHECK_ALTS(s[7], "ok");
	CHECK_HOST(s[8], "ret 1 501");

	/* without INVAL in the mask the refused write is a #GP */
	P.mask = REASON_UNKNOWN;
	predict();
	CHECK_ALTS(s[2], "gp");
}

/* The same rule after a guest write, and a host write of LME without LMA. */
static void test_efer_lme_after_guest_write(void)
{
	uint32_t efer = fx_idx("EFER");
	int s[8], n = 0;

	facts_reset();
	prog_reset(ALL);
	s[n++] = fx_wr(efer, 0x901); /* LMA clear in the value: ignored */
	s[n++] = fx_rd(efer);
	s[n++] = fx_wr(efer, 0x1); /* clears LME under paging */
	s[n++] = fx_rd(efer);
	s[n++] = host_set(0, "EFER", 0x101); /* LME, no LMA: LMA stays set */
	s[n++] = fx_rd(efer);
	s[n++] = host_set(0, "EFER", 0xd03); /* reserved bit 1: refused for the host too */
	s[n++] = fx_rd(efer);
	predict();
	CHECK_ALTS(s[0], "ok");
	CHECK_ALTS(s[1], "ok d01:0");
	CHECK_ALTS(s[2], "exit INVAL 1 -> ok");
	CHECK_ALTS(s[3], "ok d01:0");
	CHECK_HOST(s[4], "ret 1");
	CHECK_ALTS(s[5], "ok 501:0");
	CHECK_HOST(s[6], "ret 0");
	CHECK_ALTS(s[7], "ok 501:0");
}

/* Unknown EFER (a host write that may have failed): LME cannot be judged; LMA either way. */
static void test_efer_unknown(void)
{
	uint32_t efer = fx_idx("EFER");
	int s[6], n = 0;

	facts_reset();
	prog_reset(ALL);
	s[n++] = host_set(0, "EFER", 0x1d01); /* SVME: up to the host's KVM */
	s[n++] = fx_wr(efer, 0xd01);
	s[n++] = fx_rd(efer);
	predict();
	CHECK_HOST(s[0], "ret *");
	CHECK_ALTS(s[1], "exit INVAL d01 -> ok | ok");
	CHECK_ALTS(s[2], "ok *");

	/* a host write over an unknown value: known up to LMA, which the write cannot set */
	prog_reset(ALL);
	F.msr[msr_table_pos(efer)].host_read_ok = false;
	s[0] = host_set(0, "EFER", 0x101);
	s[1] = fx_rd(efer);
	s[2] = fx_wr(efer, 0x1); /* clears LME: refused whatever LMA is */
	s[3] = fx_wr(efer, 0x901); /* keeps it */
	predict();
	CHECK_HOST(s[0], "ret 1");
	CHECK_ALTS(s[1], "ok 101:0 | ok 501:0");
	CHECK_ALTS(s[2], "exit INVAL 1 -> ok");
	CHECK_ALTS(s[3], "ok");
}

/* lapic.c kvm_apic_set_base: the guest's mode transitions, from its own writes. */
static void test_apic_base_guest(void)
{
	uint32_t apic = fx_idx("APIC_BASE");
	int s[12], n = 0;

	facts_xapic();
	prog_reset(ALL);
	s[n++] = fx_wr(apic, 0xfee00500); /* EXTD without EN: invalid mode */
	s[n++] = fx_wr(apic, 0xfee00d00); /* xAPIC -> x2APIC */
	s[n++] = fx_wr(apic, 0xfee00900); /* x2APIC -> xAPIC: refused */
	s[n++] = fx_rd(apic);
	s[n++] = fx_wr(apic, 0xfee00100); /* x2APIC -> disabled */
	s[n++] = fx_wr(apic, 0xfee00d00); /* disabled -> x2APIC: refused */
	s[n++] = fx_wr(apic, 0xfed00900); /* disabled -> xAPIC, moved */
	s[n++] = fx_rd(apic);
	s[n++] = fx_wr(apic, 0x8000000fee00900ull); /* above any MAXPHYADDR */
	s[n++] = fx_wr(apic, 0x10fee00900ull); /* bit 36: MAXPHYADDR decides */
	s[n++] = fx_rd(apic);
	s[n++] = fx_wr_on(1, apic, 0xfee00900); /* vCPU 1 is still xAPIC: sets BSP */
	predict();
	CHECK_ALTS(s[0], "exit INVAL fee00500 -> ok");
	CHECK_ALTS(s[1], "ok");
	CHECK_ALTS(s[2], "exit INVAL fee00900 -> ok");
	CHECK_ALTS(s[3], "ok fee00d00:0");
	CHECK_ALTS(s[4], "ok");
	CHECK_ALTS(s[5], "exit INVAL fee00d00 -> ok");
	CHECK_ALTS(s[6], "ok");
	CHECK_ALTS(s[7], "ok fed00900:0");
	CHECK_ALTS(s[8], "exit INVAL 8000000fee00900 -> ok");
	CHECK_ALTS(s[9], "exit INVAL 10fee00900 -> ok | ok");
	CHECK_ALTS(s[10], "ok fed00900:0 | ok fee00900:10");
	CHECK_ALTS(s[11], "ok");
}

/* Host writes are exempt from the transition rules, not from reserved bits; the guest then follows. */
static void test_apic_base_host(void)
{
	uint32_t apic = fx_idx("APIC_BASE");
	int s[10], n = 0;

	facts_xapic();
	prog_reset(ALL);
	s[n++] = host_set(0, "APIC_BASE", 0xfee00d00);
	s[n++] = fx_wr(apic, 0xfee00900); /* x2APIC -> xAPIC: refused for the guest */
	s[n++] = host_set(0, "APIC_BASE", 0xfee00900); /* allowed for the host */
	s[n++] = host_set(0, "APIC_BASE", 0xfee00100);
	s[n++] = host_set(0, "APIC_BASE", 0xfee00d00); /* disabled -> x2APIC: host only */
	s[n++] = host_set(0, "APIC_BASE", 0xfee00500); /* invalid mode */
	s[n++] = host_set(0, "APIC_BASE", 0xfee00d01); /* reserved bit 0 */
	s[n++] = host_get(0, "APIC_BASE");
	s[n++] = host_set(0, "APIC_BASE", 0xfee00100);
	s[n++] = fx_wr(apic, 0xfee00d00); /* disabled -> x2APIC: refused for the guest */
	predict();
	CHECK_HOST(s[0], "ret 1");
	CHECK_ALTS(s[1], "exit INVAL fee00900 -> ok");
	CHECK_HOST(s[2], "ret 1");
	CHECK_HOST(s[3], "ret 1");
	CHECK_HOST(s[4], "ret 1");
	CHECK_HOST(s[5], "ret 0");
	CHECK_HOST(s[6], "ret 0");
	CHECK_HOST(s[7], "ret 1 fee00d00");
	CHECK_HOST(s[8], "ret 1");
	CHECK_ALTS(s[9], "exit INVAL fee00d00 -> ok");
}

/* lapic.c kvm_x2apic_msr_read/write: the x2APIC MSRs exist only in x2APIC mode, per vCPU. */
static void test_x2apic_msrs_follow_mode(void)
{
	uint32_t apic = fx_idx("APIC_BASE"), id = fx_idx("X2APIC_ID"), tpr = fx_idx("X2APIC_TPR");
	int s[16], n = 0;

	facts_xapic();
	prog_reset(ALL);
	s[n++] = fx_rd(id);
	s[n++] = fx_wr(apic, 0xfee00d00);
	s[n++] = fx_rd(id);
	s[n++] = fx_rd_on(1, id); /* vCPU 1 is still xAPIC */
	s[n++] = fx_wr(tpr, 0x1ff);
	s[n++] = fx_rd(tpr);
	s[n++] = fx_wr(tpr, 0x100000000ull); /* bits 63:32 reserved */
	s[n++] = fx_wr(id, 0); /* read-only */
	s[n++] = host_get(0, "X2APIC_ID");
	s[n++] = host_set(0, "X2APIC_TPR", 0x30);
	s[n++] = host_get(0, "X2APIC_TPR");
	s[n++] = host_set(0, "APIC_BASE", 0xfee00900); /* back to xAPIC */
	s[n++] = fx_rd(tpr);
	s[n++] = host_get(0, "X2APIC_ID");
	s[n++] = host_set(1, "APIC_BASE", 0xfee00c00); /* the host turns it on for vCPU 1 */
	s[n++] = fx_rd_on(1, id);
	predict();
	CHECK_ALTS(s[0], "exit INVAL 0 -> ok 0:0 | exit UNKNOWN 0 -> ok 0:0");
	CHECK_ALTS(s[1], "ok");
	CHECK_ALTS(s[2], "ok 0:0");
	CHECK_ALTS(s[3], "exit INVAL 0 -> ok 0:0 | exit UNKNOWN 0 -> ok 0:0");
	CHECK_ALTS(s[4], "ok");
	CHECK_ALTS(s[5], "ok ff:0");
	CHECK_ALTS(s[6], "exit INVAL 100000000 -> ok");
	CHECK_ALTS(s[7], "exit INVAL 0 -> ok");
	CHECK_HOST(s[8], "ret 1 0");
	CHECK_HOST(s[9], "ret 1");
	CHECK_HOST(s[10], "ret 1 30");
	CHECK_HOST(s[11], "ret 1");
	CHECK_ALTS(s[12], "exit INVAL 0 -> ok 0:0 | exit UNKNOWN 0 -> ok 0:0");
	CHECK_HOST(s[13], "ret 0 0");
	CHECK_HOST(s[14], "ret 1");
	CHECK_ALTS(s[15], "ok 1:0");
}

/* An APIC_BASE write that may or may not have happened leaves the x2APIC mode open. */
static void test_x2apic_mode_unsure(void)
{
	uint32_t apic = fx_idx("APIC_BASE"), id = fx_idx("X2APIC_ID");
	int s[3], n = 0;

	facts_xapic();
	prog_reset(ALL);
	s[n++] = fx_wr(apic, 0x10fee00d00ull); /* x2APIC, with bit 36: MAXPHYADDR decides */
	s[n++] = fx_rd(id);
	s[n++] = host_get(0, "X2APIC_ID");
	predict();
	CHECK_ALTS(s[0], "exit INVAL 10fee00d00 -> ok | ok");
	CHECK_ALTS(s[1], "exit INVAL 0 -> ok 0:0 | exit UNKNOWN 0 -> ok 0:0 | ok 0:0");
	CHECK_HOST(s[2], "ret * *");
}

/*
 * x86.c kvm_set_msr_common, MISC_ENABLE: a guest write may not change the
 * PMU's read-only bits and keeps EMON; host writes are taken as they are.
 */
static void test_misc_enable(void)
{
	uint32_t misc = fx_idx("MISC_ENABLE");
	int s[8], n = 0;

	facts_reset();
	prog_reset(ALL);
	s[n++] = fx_wr(misc, 0x801); /* BTS_UNAVAIL changes */
	s[n++] = host_set(0, "MISC_ENABLE", 0x1881);
	s[n++] = fx_rd(misc);
	s[n++] = fx_wr(misc, 0x1801); /* RO bits kept; EMON cannot be cleared */
	s[n++] = fx_rd(misc);
	s[n++] = fx_wr(misc, 0x1); /* RO bits cleared */
	s[n++] = fx_wr_on(1, misc, 0x1);
	s[n++] = fx_rd_on(1, misc);
	predict();
	CHECK_ALTS(s[0], "exit INVAL 801 -> ok");
	CHECK_HOST(s[1], "ret 1");
	CHECK_ALTS(s[2], "ok 1881:0");
	CHECK_ALTS(s[3], "ok");
	CHECK_ALTS(s[4], "ok 1881:0");
	CHECK_ALTS(s[5], "exit INVAL 1 -> ok");
	CHECK_ALTS(s[6], "ok");
	CHECK_ALTS(s[7], "ok 1:0");

	/* before 6.1 kernels took such writes, and some kept the PMU bits over host writes */
	F.kver_minor = 0;
	predict();
	CHECK_ALTS(s[0], "exit INVAL 801 -> ok | ok");
	CHECK_ALTS(s[2], "ok *");
	prog_reset(ALL);
	s[0] = host_set(0, "MISC_ENABLE", 0x1881);
	s[1] = fx_rd(misc);
	predict();
	CHECK_ALTS(s[1], "ok 1881:0 | ok 1:0");
}

/* Reads after writes of SYSENTER_*: the value, or its low 32 bits (svm.c, vmx.c), guest or host. */
static void test_sysenter_readback(void)
{
	uint32_t eip = fx_idx("SYSENTER_EIP"), cs = fx_idx("SYSENTER_CS");
	int s[6], n = 0;

	facts_reset();
	prog_reset(ALL);
	s[n++] = fx_wr(eip, 0xffffffff81000000ull);
	s[n++] = fx_rd(eip);
	s[n++] = host_get(0, "SYSENTER_EIP");
	s[n++] = host_set(0, "SYSENTER_EIP", 0x1000);
	s[n++] = fx_rd(eip);
	s[n++] = fx_wr(cs, 0x10);
	predict();
	CHECK_ALTS(s[0], "ok");
	CHECK_ALTS(s[1], "ok 81000000:0 | ok 81000000:ffffffff");
	CHECK_HOST(s[2], "ret 1 *");
	CHECK_HOST(s[3], "ret 1");
	CHECK_ALTS(s[4], "ok 1000:0");
	CHECK_ALTS(s[5], "ok");
}

/*
 * x86.c kvm_set_msr_common, MSR_TSC_AUX: bits 63:32 of a write fail for an
 * Intel-compatible guest and are dropped for any other (an AMD host's CPUID),
 * so a read after the write gives the old value or the low 32 bits.
 */
static void test_tsc_aux_high_bits(void)
{
	uint32_t aux = fx_idx("TSC_AUX");
	int s[4], n = 0;

	facts_reset();
	prog_reset(REASON_UNKNOWN);
	s[n++] = fx_wr(aux, 0x100000001ull);
	s[n++] = fx_rd(aux);
	s[n++] = fx_wr(aux, 0x7);
	s[n++] = fx_rd(aux);
	predict();
	CHECK_ALTS(s[0], "gp | ok");
	CHECK_ALTS(s[1], "ok 0:0 | ok 1:0");
	CHECK_ALTS(s[2], "ok");
	CHECK_ALTS(s[3], "ok 7:0");
}

int main(void)
{
	test_efer_lme_after_host_write();
	test_efer_lme_after_guest_write();
	test_efer_unknown();
	test_apic_base_guest();
	test_apic_base_host();
	test_x2apic_msrs_follow_mode();
	test_x2apic_mode_unsure();
	test_misc_enable();
	test_sysenter_readback();
	test_tsc_aux_high_bits();
	return unit_summary("oracle_state");
}
