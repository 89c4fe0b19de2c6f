/* test_oracle_backend.c - which accesses each backend leaves to the CPU, the CPU's rules, vendor rules. */
#include "msr_index.h"
#include "oracle_backend.h"
#include "oracle_fixture.h"

#define MSR_PAT 0x277u
#define NONCANON 0x8000000000000000ull
#define ALL REASON_VALID_MASK

static const struct {
	const char *id;
	enum cpu_vendor v;
} vendors[] = {
	{ "GenuineIntel", VENDOR_INTEL },
	{ "AuthenticAMD", VENDOR_AMD },
	{ "HygonGenuine", VENDOR_HYGON },
	{ "CentaurHauls", VENDOR_OTHER },
};

/* The fixture's facts on backend b, kernel 6.minor, guest vendor vendors[vi] (-1: not probed). */
static void facts_on(enum kvm_backend b, unsigned minor, int vi)
{
	facts_reset();
	F.backend = b;
	F.kver_minor = minor;
	F.va_bits = F.cpu_va_bits = 48;
	if (vi >= 0) {
		snprintf(F.guest_vendor_id, sizeof(F.guest_vendor_id), "%s", vendors[vi].id);
		F.guest_vendor = vendors[vi].v;
	}
}

/* svm.c direct_access_msrs (.always), init_vmcb_after_set_cpuid; 6.1.192 and 6.12.117 agree. */
static void test_svm_passthrough(void)
{
	static const uint32_t always[] = { MSR_STAR,	MSR_SYSENTER_CS,    MSR_GS_BASE,
					   MSR_FS_BASE, MSR_KERNEL_GS_BASE, MSR_LSTAR,
					   MSR_CSTAR,	MSR_SFMASK };

	for (unsigned minor = 1; minor <= 12; minor += 11) {
		facts_on(BACKEND_KVM_AMD, minor, 1);
		for (unsigned i = 0; i < sizeof(always) / sizeof(always[0]); i++) {
			CHECK_EQ(backend_passthrough(&F, always[i], false), PASS_YES);
			CHECK_EQ(backend_passthrough(&F, always[i], true), PASS_YES);
		}
		CHECK_EQ(backend_passthrough(&F, MSR_SYSENTER_EIP, true), PASS_YES);
		CHECK_EQ(backend_passthrough(&F, MSR_SYSENTER_ESP, false), PASS_YES);
		CHECK_EQ(backend_passthrough(&F, MSR_EFER, true), PASS_NO); /* SEV-ES only */
		CHECK_EQ(backend_passthrough(&F, MSR_PAT, true), PASS_NO);
		CHECK_EQ(backend_passthrough(&F, MSR_TSC_AUX, false), PASS_NO);
		CHECK_EQ(backend_passthrough(&F, MSR_TSC, false), PASS_NO);
		F.guest_vendor = VENDOR_INTEL;
		CHECK_EQ(backend_passthrough(&F, MSR_SYSENTER_EIP, true), PASS_NO);
		CHECK_EQ(backend_passthrough(&F, MSR_SYSENTER_ESP, false), PASS_NO);
	}
	/* x2AVIC may pass the x2APIC MSRs through; QEMU's TCG has no AVIC */
	CHECK_EQ(backend_passthrough(&F, MSR_X2APIC_TPR, true), PASS_MAYBE);
	F.tcg = true;
	CHECK_EQ(backend_passthrough(&F, MSR_X2APIC_TPR, true), PASS_NO);
	facts_on(BACKEND_KVM_AMD, 12, -1);
	CHECK_EQ(backend_passthrough(&F, MSR_SYSENTER_EIP, true), PASS_MAYBE);
}

/* Before 6.11 only GenuineIntel counts as Intel; from 6.11 every vendor but AMD and Hygon. */
static void test_vendor_versions(void)
{
	static const bool intel_6_10[] = { true, false, false, false };
	static const bool intel_6_11[] = { true, false, false, true };

	for (int vi = 0; vi < 4; vi++) {
		facts_on(BACKEND_KVM_AMD, 10, vi);
		CHECK(backend_guest_intel(&F) == intel_6_10[vi], "6.10 %s", vendors[vi].id);
		CHECK_EQ(backend_passthrough(&F, MSR_SYSENTER_EIP, false),
			 intel_6_10[vi] ? PASS_NO : PASS_YES);
		facts_on(BACKEND_KVM_AMD, 11, vi);
		CHECK(backend_guest_intel(&F) == intel_6_11[vi], "6.11 %s", vendors[vi].id);
		CHECK_EQ(backend_passthrough(&F, MSR_SYSENTER_EIP, false),
			 intel_6_11[vi] ? PASS_NO : PASS_YES);
	}
}

/* vmx.c vmx_vcpu_create: TSC reads, the segment bases and SYSENTER_*; never LSTAR, STAR. */
static void test_vmx_pvm_passthrough(void)
{
	static const uint32_t rw[] = { MSR_FS_BASE,	MSR_GS_BASE,	  MSR_KERNEL_GS_BASE,
				       MSR_SYSENTER_CS, MSR_SYSENTER_ESP, MSR_SYSENTER_EIP };

	facts_on(BACKEND_KVM_INTEL, 12, 0);
	for (unsigned i = 0; i < sizeof(rw) / sizeof(rw[0]); i++) {
		CHECK_EQ(backend_passthrough(&F, rw[i], false), PASS_YES);
		CHECK_EQ(backend_passthrough(&F, rw[i], true), PASS_YES);
	}
	CHECK_EQ(backend_passthrough(&F, MSR_TSC, false), PASS_YES);
	CHECK_EQ(backend_passthrough(&F, MSR_TSC, true), PASS_NO);
	CHECK_EQ(backend_passthrough(&F, MSR_LSTAR, true), PASS_NO);
	CHECK_EQ(backend_passthrough(&F, MSR_STAR, false), PASS_NO);
	CHECK_EQ(backend_passthrough(&F, MSR_X2APIC_TPR, false), PASS_MAYBE); /* APICv */
	for (int b = BACKEND_UNKNOWN; b <= BACKEND_KVM_PVM; b += BACKEND_KVM_PVM) {
		facts_on((enum kvm_backend)b, 18, 1);
		CHECK_EQ(backend_passthrough(&F, MSR_LSTAR, true), PASS_NO);
		CHECK_EQ(backend_passthrough(&F, MSR_SYSENTER_EIP, true), PASS_NO);
	}
}

static void test_cpu_writes(void)
{
	struct cpu_write w;

	facts_on(BACKEND_KVM_AMD, 12, 1);
	CHECK(backend_cpu_write(&F, MSR_LSTAR, NONCANON, &w) && w.gp && !w.ok,
	      "AMD: MSR_LSTAR #GP");
	CHECK(backend_cpu_write(&F, MSR_LSTAR, 0x0000800000000000ull, &w) && w.gp, "48-bit CPU");
	F.cpu_va_bits = 57; /* the CPU's own LA57, whatever CR4.LA57 and KVM's rule say */
	CHECK(backend_cpu_write(&F, MSR_LSTAR, 0x0000800000000000ull, &w) && w.ok && !w.gp &&
		  w.nstored == 1 && w.stored[0] == 0x0000800000000000ull,
	      "57-bit CPU takes it");
	CHECK(backend_cpu_write(&F, MSR_SYSENTER_EIP, 0xffffffff81000000ull, &w) && w.ok &&
		  w.nstored == 1 && w.stored[0] == 0x81000000,
	      "AMD keeps MSR_SYSENTER_EIP bits 31:0");
	CHECK(backend_cpu_write(&F, MSR_SYSENTER_CS, 0x10, &w) && w.ok && w.stored[0] == 0x10,
	      "CS");
	CHECK(backend_cpu_write(&F, MSR_SYSENTER_CS, 0x12345678, &w) && w.ok && w.gp && !w.nstored,
	      "reserved CS bits: either");
	CHECK(backend_cpu_write(&F, MSR_STAR, 0x0023001000000000ull, &w) && w.ok, "MSR_STAR");
	CHECK(!backend_cpu_write(&F, MSR_PAT, 0x7, &w), "no rule of its own: KVM's, no exit");
	facts_on(BACKEND_KVM_INTEL, 12, 0);
	CHECK(backend_cpu_write(&F, MSR_SYSENTER_EIP, NONCANON, &w) && w.gp && !w.ok, "Intel #GP");
	CHECK(backend_cpu_write(&F, MSR_FS_BASE, 0xffffffff81000000ull, &w) && w.ok &&
		  w.stored[0] == 0xffffffff81000000ull,
	      "Intel MSR_FS_BASE");
}

/* svm_set_msr/svm_get_msr, vmx_set_msr, after __kvm_set_msr's canonicalization. */
static void test_sysenter_stored(void)
{
	uint64_t v[2];

	facts_on(BACKEND_KVM_AMD, 12, 1);
	CHECK_EQ(backend_sysenter_stored(&F, MSR_SYSENTER_EIP, 0xffffffff81000000ull, v), 1);
	CHECK_EQ(v[0], 0x81000000);
	CHECK_EQ(backend_sysenter_stored(&F, MSR_SYSENTER_CS, 0x12345678, v), 1);
	CHECK_EQ(v[0], 0x12345678);
	/* the guest reads the CPU's copy: TCG's kept bits 31:0 of a host write on 6.1 */
	CHECK_EQ(backend_sysenter_stored(&F, MSR_SYSENTER_CS, 0x23400003c0000082ull, v), 2);
	CHECK_EQ(v[0], 0x23400003c0000082ull);
	CHECK_EQ(v[1], 0xc0000082);
	F.guest_vendor = VENDOR_INTEL;
	CHECK_EQ(backend_sysenter_stored(&F, MSR_SYSENTER_ESP, 0xffffffff81000000ull, v), 1);
	CHECK_EQ(v[0], 0xffffffff81000000ull);
	CHECK_EQ(backend_sysenter_stored(&F, MSR_SYSENTER_ESP, NONCANON, v), 1);
	CHECK_EQ(v[0], 0); /* made canonical with 48 bits: bit 47 is clear */
	facts_on(BACKEND_KVM_INTEL, 12, 0);
	CHECK_EQ(backend_sysenter_stored(&F, MSR_SYSENTER_CS, 0x112345678ull, v), 1);
	CHECK_EQ(v[0], 0x12345678);
	facts_on(BACKEND_KVM_PVM, 18, 1);
	CHECK_EQ(backend_sysenter_stored(&F, MSR_SYSENTER_EIP, 0xffffffff81000000ull, v), 2);
}

/* The oracle: a write the CPU refuses is a #GP whatever the mask, unless a filter takes it back. */
static void test_oracle_cpu_path(void)
{
	int w, r, fep, f0, ww, rr;

	facts_on(BACKEND_KVM_AMD, 12, 1);
	prog_reset(ALL);
	w = fx_wr(MSR_LSTAR, NONCANON);
	r = fx_rd(MSR_LSTAR);
	fep = fx_wr(MSR_LSTAR, NONCANON);
	P.steps[fep].g.fep = 1;
	F.force_emulation_prefix = 1;
	predict();
	CHECK_ALTS(w, "gp");
	CHECK_ALTS(r, "ok 81000000:ffffffff");
	CHECK_ALTS(fep, "exit INVAL 8000000000000000 -> ok"); /* the emulator: KVM's */
	CHECK(E.notes & NOTE_CPU_SVM, "the note says kvm_amd's choice");

	/* a filter denying writes only: writes are KVM's again (FILTER), reads stay the CPU's */
	prog_reset(ALL);
	f0 = fx_filter(0);
	fx_range(f0, RANGE_WRITE, MSR_LSTAR, 1, 0);
	P.setup_filter = (uint8_t)f0;
	ww = fx_wr(MSR_LSTAR, NONCANON);
	rr = fx_rd(MSR_LSTAR);
	w = fx_wr(MSR_CSTAR, NONCANON);
	predict();
	CHECK_ALTS(ww, "exit FILTER 8000000000000000 -> ok");
	CHECK_ALTS(rr, "ok 81000000:ffffffff");
	CHECK_ALTS(w, "gp");

	/* kvm_pvm and kvm_intel intercept LSTAR: KVM's INVAL */
	for (int b = BACKEND_KVM_INTEL; b <= BACKEND_KVM_PVM; b += 2) {
		facts_on((enum kvm_backend)b, 18, 0);
		prog_reset(ALL);
		w = fx_wr(MSR_LSTAR, NONCANON);
		r = fx_wr(MSR_FS_BASE, NONCANON);
		predict();
		CHECK_ALTS(w, "exit INVAL 8000000000000000 -> ok");
		CHECK_ALTS(r, b == BACKEND_KVM_INTEL ? "gp" : "exit INVAL 8000000000000000 -> ok");
	}
}

/* kvm_amd, AMD guest: SYSENTER_EIP keeps 32 bits whether the CPU or KVM (the host) writes it. */
static void test_oracle_sysenter(void)
{
	static const uint32_t idx[] = { MSR_SYSENTER_ESP };
	static const uint64_t val[] = { 0xffffffff81002000ull };
	int w, r, set, get, r2;

	facts_on(BACKEND_KVM_AMD, 12, 1);
	prog_reset(ALL);
	w = fx_wr(MSR_SYSENTER_EIP, 0xffffffff81000000ull);
	r = fx_rd(MSR_SYSENTER_EIP);
	set = fx_msrs(STEP_HOST_SET_MSRS, 1, 1, idx, val);
	get = fx_msrs(STEP_HOST_GET_MSRS, 1, 1, idx, NULL);
	r2 = fx_rd(MSR_SYSENTER_ESP);
	predict();
	CHECK_ALTS(w, "ok");
	CHECK_ALTS(r, "ok 81000000:0");
	CHECK_HOST(set, "ret 1");
	CHECK_HOST(get, "ret 1 81002000");
	CHECK_ALTS(r2, "ok 81002000:0");
	CHECK(E.notes & NOTE_SYSENTER_LOW32, "the note says which vendor rule");
}

/* State facts do not hold (x2AVIC): KVM's INVAL exit or the CPU's #GP, both allowed. */
static void test_oracle_maybe(void)
{
	int w;

	facts_on(BACKEND_KVM_AMD, 12, 1);
	prog_reset(REASON_INVAL);
	w = fx_wr(MSR_X2APIC_TPR, 0x100000000ull);
	predict();
	CHECK_ALTS(w, "exit INVAL 100000000 -> ok | gp");
}

/* kvm_amd syncs the TPR with CR8 around every run: a guest's write reads back without bits 3:0. */
static void test_oracle_tpr(void)
{
	static const uint32_t idx[] = { MSR_X2APIC_TPR };
	static const uint64_t val[] = { 0x1ff };
	int w, r, set, r2;

	for (int b = BACKEND_KVM_AMD; b <= BACKEND_KVM_PVM; b++) {
		facts_on((enum kvm_backend)b, 12, 1);
		F.tcg = true; /* no x2AVIC: kvm_amd intercepts the x2APIC MSRs */
		prog_reset(ALL);
		w = fx_wr(MSR_X2APIC_TPR, 0x1ff);
		r = fx_rd(MSR_X2APIC_TPR);
		set = fx_msrs(STEP_HOST_SET_MSRS, 1, 1, idx, val);
		r2 = fx_rd(MSR_X2APIC_TPR);
		predict();
		CHECK_ALTS(w, "ok");
		CHECK_HOST(set, "ret 1");
		if (b == BACKEND_KVM_AMD) {
			CHECK_ALTS(r, "ok f0:0");
			CHECK_ALTS(r2,
				   "ok f0:0 | ok ff:0"); /* whether it ran since: not modelled */
			CHECK(E.notes & NOTE_TPR_CR8, "the note says so");
		} else {
			CHECK_ALTS(r, "ok ff:0");
			CHECK_ALTS(r2, "ok ff:0");
		}
	}
}

/* The 6.13 canonical checks reached 6.12.41; Debian's 6.1 names its release 6.1.0-N. */
static void test_kernel_sub(void)
{
	struct kernel_facts f = { .kver_major = 6, .kver_minor = 12, .kver_sub = 40 };

	CHECK(!kernel_at_least_sub(&f, 6, 12, 41), "6.12.40");
	f.kver_sub = 41;
	CHECK(kernel_at_least_sub(&f, 6, 12, 41), "6.12.41");
	f.kver_minor = 13;
	f.kver_sub = 0;
	CHECK(kernel_at_least_sub(&f, 6, 12, 41), "6.13.0");
	f.kver_minor = 11;
	f.kver_sub = 99;
	CHECK(!kernel_at_least_sub(&f, 6, 12, 41), "6.11.99");
}

int main(void)
{
	test_svm_passthrough();
	test_vendor_versions();
	test_vmx_pvm_passthrough();
	test_cpu_writes();
	test_sysenter_stored();
	test_oracle_cpu_path();
	test_oracle_sysenter();
	test_oracle_maybe();
	test_oracle_tpr();
	test_kernel_sub();
	return unit_summary("oracle_backend");
}
