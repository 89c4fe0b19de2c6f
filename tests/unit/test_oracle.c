/* test_oracle.c - unit tests of the oracle's guest side: mask, filter, guest accesses. */
#include "oracle_fixture.h"

#define UNK 0x12345678u
#define ALL REASON_VALID_MASK

/* spec §2: bad flags or mask bits are EINVAL and keep the old mask; vCPU and /dev/kvm refuse. */
static void test_mask(void)
{
	int bad_bits, bad_flags, on_vcpu, on_sys, ok, r1, off, r2;

	facts_reset();
	prog_reset(REASON_UNKNOWN);
	bad_bits = fx_host(STEP_HOST_MASK, 0x8);
	bad_flags = fx_host(STEP_HOST_MASK, 0);
	P.steps[bad_flags].h.flags = 1;
	on_vcpu = fx_host_on(STEP_HOST_MASK, 0, TARGET_VCPU, 0);
	on_sys = fx_host_on(STEP_HOST_MASK, 0, TARGET_SYSTEM, 0);
	r1 = fx_rd(UNK); /* still mask UNKNOWN */
	ok = fx_host_on(STEP_HOST_MASK, 0, TARGET_VM, 0);
	off = fx_rd(UNK); /* mask 0: exits off */
	fx_host(STEP_HOST_MASK, 0x7);
	r2 = fx_rd(UNK);
	predict();
	CHECK_HOST(bad_bits, "ret -1 EINVAL");
	CHECK_HOST(bad_flags, "ret -1 EINVAL");
	CHECK_HOST(on_vcpu, "ret -1 EINVAL");
	CHECK_HOST(on_sys, "ret -1 EINVAL");
	CHECK_ALTS(r1, "exit UNKNOWN 0 -> ok 0:0");
	CHECK_HOST(ok, "ret 0");
	CHECK_ALTS(off, "gp");
	CHECK_ALTS(r2, "exit UNKNOWN 0 -> ok 0:0");

	/* an invalid setup mask is refused: KVM's default 0 stays */
	prog_reset(0xf);
	r1 = fx_rd(UNK);
	predict();
	CHECK_ALTS(r1, "gp");
}

static void test_check_cap(void)
{
	int a, b, c, d;

	facts_reset();
	prog_reset(0);
	a = fx_host(STEP_HOST_CHECK_CAP, CAP_USER_SPACE_MSR);
	b = fx_host_on(STEP_HOST_CHECK_CAP, 0, TARGET_SYSTEM, CAP_MSR_FILTER);
	c = fx_host_on(STEP_HOST_CHECK_CAP, 0, TARGET_VM, CAP_MSR_FILTER);
	d = fx_host(STEP_HOST_CHECK_CAP, 7);
	predict();
	CHECK_HOST(a, "ret 1");
	CHECK_HOST(b, "ret 1");
	CHECK_HOST(c, "ret 1");
	CHECK_HOST(d, "ret *");
}

/* Install filter fnum (after the steps added so far); returns the step. */
static int set_filter(int fnum)
{
	return fx_host(STEP_HOST_FILTER, (uint64_t)fnum);
}

/* spec §3, validation, each rule in its order. */
static void test_filter_validation(void)
{
	int f[10], s[10];

	facts_reset();
	prog_reset(0);
	f[0] = fx_filter(0x2); /* flags outside 0x1 */
	fx_range(f[0], RANGE_READ, 0, 8, ~0ull);
	f[1] = fx_filter(FILTER_DEFAULT_DENY); /* every range empty + deny */
	fx_range(f[1], RANGE_READ, 0, 0, 0);
	f[2] = fx_filter(0); /* empty range with bad flags: accepted */
	fx_range(f[2], 0x80, 0x10, 0, 0);
	fx_range(f[2], RANGE_READ, 0x10, 8, ~0ull);
	f[3] = fx_filter(0); /* flags 0 */
	fx_range(f[3], 0, 0x10, 8, 0);
	for (int i = 0; i < 4; i++)
		s[i] = set_filter(f[i]);
	predict();
	CHECK_HOST(s[0], "ret -1 EINVAL");
	CHECK_HOST(s[1], "ret -1 EINVAL");
	CHECK_HOST(s[2], "ret 0");
	CHECK_HOST(s[3], "ret -1 EINVAL");

	prog_reset(0);
	f[0] = fx_filter(0); /* flags outside 0x3 */
	fx_range(f[0], RANGE_READ | 0x4, 0x10, 8, 0);
	f[1] = fx_filter(FILTER_DEFAULT_DENY); /* deny with one non-empty range: fine */
	fx_range(f[1], RANGE_READ, 0x10, 0, 0);
	fx_range(f[1], RANGE_WRITE, 0x10, 1, 0);
	s[0] = set_filter(f[0]);
	s[1] = set_filter(f[1]);
	predict();
	CHECK_HOST(s[0], "ret -1 EINVAL");
	CHECK_HOST(s[1], "ret 0");

	prog_reset(0);
	f[0] = fx_filter(0);
	fx_range(f[0], RANGE_WRITE, 0, RANGE_MAX_NMSRS, 0);
	f[1] = fx_filter(0);
	fx_range(f[1], RANGE_WRITE, 0, 12289, 0);
	f[2] = fx_filter(0); /* fault in range 1, bad size in range 2: EFAULT first */
	fx_range(f[2], RANGE_READ, 0, 8, 0);
	P.filters[f[2]].ranges[0].bitmap_kind = BITMAP_FAULT;
	fx_range(f[2], RANGE_READ, 0, 12289, 0);
	f[3] = fx_filter(0); /* bad size before the fault: EINVAL */
	fx_range(f[3], RANGE_READ, 0, 12289, 0);
	fx_range(f[3], RANGE_READ, 0, 8, 0);
	P.filters[f[3]].ranges[1].bitmap_kind = BITMAP_FAULT;
	for (int i = 0; i < 4; i++)
		s[i] = set_filter(f[i]);
	s[4] = fx_host_on(STEP_HOST_FILTER, 0, TARGET_VCPU, HOST_FILTER_NONE);
	s[5] = fx_host_on(STEP_HOST_FILTER, 0, TARGET_SYSTEM, HOST_FILTER_NONE);
	s[6] = fx_host_on(STEP_HOST_FILTER, 0, TARGET_VM, HOST_FILTER_NONE);
	predict();
	CHECK_HOST(s[0], "ret 0");
	CHECK_HOST(s[1], "ret -1 EINVAL");
	CHECK_HOST(s[2], "ret -1 EFAULT");
	CHECK_HOST(s[3], "ret -1 EINVAL");
	CHECK_HOST(s[4], "ret -1 EINVAL");
	CHECK_HOST(s[5], "ret -1 EINVAL");
	CHECK_HOST(s[6], "ret 0");
}

/* spec §3, installing (rules 4, 5): a failed update keeps the old filter; allow without
 * ranges = none; NONE clears. */
static void test_filter_replace(void)
{
	uint32_t efer = fx_idx("EFER");
	int deny, bad, empty, r[4], s;

	facts_reset();
	prog_reset(ALL);
	deny = fx_filter(0);
	fx_range(deny, RANGE_READ, efer, 1, 0);
	bad = fx_filter(0);
	fx_range(bad, RANGE_READ, 0, 8, ~0ull);
	fx_range(bad, RANGE_READ | RANGE_WRITE, 0, 12289, ~0ull);
	empty = fx_filter(0);
	P.setup_filter = (uint8_t)deny;
	r[0] = fx_rd(efer);
	s = set_filter(bad);
	r[1] = fx_rd(efer);
	set_filter(empty);
	r[2] = fx_rd(efer);
	set_filter(deny);
	fx_host(STEP_HOST_FILTER, HOST_FILTER_NONE);
	r[3] = fx_rd(efer);
	predict();
	CHECK_ALTS(r[0], "exit FILTER 0 -> ok 0:0");
	CHECK_HOST(s, "ret -1 EINVAL");
	CHECK_ALTS(r[1], "exit FILTER 0 -> ok 0:0");
	CHECK_ALTS(r[2], "ok d01:0");
	CHECK_ALTS(r[3], "ok d01:0");

	/* an invalid setup filter is not installed */
	prog_reset(ALL);
	P.setup_filter = (uint8_t)fx_filter(FILTER_DEFAULT_DENY);
	r[0] = fx_rd(efer);
	predict();
	CHECK_ALTS(r[0], "ok d01:0");
}

/* spec §3, matching: x2APIC exempt, first match wins, type, wrap, bit order, default. */
static void test_filter_match(void)
{
	uint32_t efer = fx_idx("EFER"), star = fx_idx("STAR");
	int f, r[12];

	facts_reset();
	prog_reset(ALL);
	f = fx_filter(FILTER_DEFAULT_DENY);
	P.setup_filter = (uint8_t)f;
	fx_range(f, RANGE_READ, 0x800, 0x100, 0); /* ignored: x2APIC */
	fx_range(f, RANGE_WRITE, efer, 2, 0); /* write-only: deny EFER, STAR */
	fx_range(f, RANGE_READ | RANGE_WRITE, efer, 2, 0x2); /* STAR allowed (bit 1) */
	fx_range(f, RANGE_READ, efer, 2, ~0ull); /* never reached */
	fx_range(f, RANGE_READ, 0x1000, 64, 0x100); /* bit 8 only: byte 1, bit 0 */
	fx_range(f, RANGE_READ, 0x2000, 128, 0x100); /* pattern repeats every 8 bytes */
	r[0] = fx_rd(fx_idx("X2APIC_TPR"));
	r[1] = fx_rd(efer);
	r[2] = fx_rd(star);
	r[3] = fx_wr(star, 0);
	r[4] = fx_rd(0x1008);
	r[5] = fx_rd(0x1001);
	r[6] = fx_rd(0x2048);
	r[7] = fx_rd(0x2040);
	r[8] = fx_rd(0x10); /* no range: default deny */
	predict();
	CHECK_ALTS(r[0], "ok 0:0");
	CHECK_ALTS(r[1], "exit FILTER 0 -> ok 0:0");
	CHECK_ALTS(r[2], "ok 0:130008");
	CHECK_ALTS(r[3], "exit FILTER 0 -> ok");
	CHECK_ALTS(r[4], "exit INVAL 0 -> ok 0:0 | exit UNKNOWN 0 -> ok 0:0 | ok *");
	CHECK_ALTS(r[5], "exit FILTER 0 -> ok 0:0");
	CHECK_ALTS(r[6], "exit INVAL 0 -> ok 0:0 | exit UNKNOWN 0 -> ok 0:0 | ok *");
	CHECK_ALTS(r[7], "exit FILTER 0 -> ok 0:0");
	CHECK_ALTS(r[8], "exit FILTER 0 -> ok 0:0");

	/* a wrapping range matches nothing, not even the part below 2^32 */
	prog_reset(ALL);
	f = fx_filter(0);
	P.setup_filter = (uint8_t)f;
	fx_range(f, RANGE_READ, 0xffffff00u, 0x200, 0);
	fx_range(f, RANGE_READ, 0xfffffff0u, 0x10, 0); /* ends exactly at 2^32: wraps to 0 */
	r[0] = fx_rd(0x10);
	r[1] = fx_rd(UNK);
	r[2] = fx_rd(0xffffff10u);
	r[3] = fx_rd(0xfffffff8u);
	predict();
	CHECK_ALTS(r[0], "ok *");
	CHECK_ALTS(r[1], "exit UNKNOWN 0 -> ok 0:0");
	CHECK(strstr(fx_alts(r[2]), "FILTER") == NULL, "%s", fx_alts(r[2]));
	CHECK(strstr(fx_alts(r[3]), "FILTER") == NULL, "%s", fx_alts(r[3]));
}

/* spec §4: CPL3 faults before the filter and KVM; never an exit. */
static void test_cpl3(void)
{
	int f, r, w, u;

	facts_reset();
	prog_reset(ALL);
	f = fx_filter(FILTER_DEFAULT_DENY);
	fx_range(f, RANGE_READ, 0, 1, 0);
	P.setup_filter = (uint8_t)f;
	r = fx_rd(fx_idx("EFER"));
	P.steps[r].g.cpl = 3;
	w = fx_wr(UNK, 5);
	P.steps[w].g.cpl = 3;
	P.steps[w].g.reply_flags = REPLY_HOLD;
	u = fx_host(STEP_HOST_GET_REGS, 0);
	predict();
	CHECK_ALTS(r, "gp");
	CHECK_ALTS(w, "gp");
	CHECK_HOST(u, "ret 0 * * *");
}

/* spec §4: upper halves of RCX, RAX, RDX are ignored; the exit carries EDX:EAX. */
static void test_upper_halves(void)
{
	int r, w;

	facts_reset();
	prog_reset(ALL);
	r = fx_rd(fx_idx("EFER"));
	P.steps[r].g.rcx |= 0xffffffff00000000ull;
	w = fx_wr(UNK, 0x1122334455667788ull);
	P.steps[w].g.rcx |= 0x1234567800000000ull;
	predict();
	CHECK_ALTS(r, "ok d01:0");
	CHECK_ALTS(w, "exit UNKNOWN 1122334455667788 -> ok");
}

/* spec §4: each reason exits only with its bit in the mask; otherwise #GP. */
static void test_reasons(void)
{
	uint32_t efer = fx_idx("EFER");
	static const uint64_t masks[] = { 0,   REASON_INVAL,	    REASON_UNKNOWN, REASON_FILTER,
					  ALL, ALL & ~REASON_FILTER };

	facts_reset();
	for (unsigned m = 0; m < sizeof(masks) / sizeof(masks[0]); m++) {
		int f, rf, ru, ri;

		prog_reset(masks[m]);
		f = fx_filter(0);
		fx_range(f, RANGE_READ, 0x10, 1, 0);
		P.setup_filter = (uint8_t)f;
		rf = fx_rd(0x10);
		ru = fx_rd(UNK);
		ri = fx_wr(efer, 0xd03); /* reserved bit 1 */
		predict();
		CHECK_ALTS(rf, masks[m] & REASON_FILTER ? "exit FILTER 0 -> ok 0:0" : "gp");
		CHECK_ALTS(ru, masks[m] & REASON_UNKNOWN ? "exit UNKNOWN 0 -> ok 0:0" : "gp");
		CHECK_ALTS(ri, masks[m] & REASON_INVAL ? "exit INVAL d03 -> ok" : "gp");
	}
}

/* spec §4: UNKNOWN-or-INVAL for probed-unsupported MSRs; anything for indices outside the table. */
static void test_unsupported(void)
{
	uint32_t aux = fx_idx("TSC_AUX");
	int r[4];

	facts_reset();
	F.msr[msr_table_pos(aux)].guest_read = ACC_UNKNOWN;
	prog_reset(ALL);
	r[0] = fx_rd(aux);
	r[1] = fx_wr(aux, 1);
	fx_host(STEP_HOST_MASK, REASON_UNKNOWN);
	r[2] = fx_rd(aux);
	r[3] = fx_rd(0x3a);
	predict();
	CHECK_ALTS(r[0], "exit INVAL 0 -> ok 0:0 | exit UNKNOWN 0 -> ok 0:0");
	CHECK_ALTS(r[1], "exit INVAL 1 -> ok | exit UNKNOWN 1 -> ok");
	CHECK_ALTS(r[2], "exit UNKNOWN 0 -> ok 0:0 | gp");
	CHECK_ALTS(r[3], "exit UNKNOWN 0 -> ok 0:0 | gp | ok *");
}

/* spec §4: ignore_msrs turns UNKNOWN into silent success (reads 0); FILTER and INVAL stay. */
static void test_ignore_msrs(void)
{
	uint32_t aux = fx_idx("TSC_AUX");
	int f, r[5];

	facts_reset();
	F.ignore_msrs = true;
	F.msr[msr_table_pos(aux)].guest_read = ACC_EITHER;
	prog_reset(ALL);
	f = fx_filter(0);
	fx_range(f, RANGE_READ, 0xdeadbeef, 1, 0);
	P.setup_filter = (uint8_t)f;
	r[0] = fx_rd(UNK);
	r[1] = fx_wr(UNK, 9);
	r[2] = fx_wr(fx_idx("EFER"), 0x8000000000000d01ull);
	r[3] = fx_rd(0xdeadbeef);
	r[4] = fx_rd(aux);
	predict();
	CHECK_ALTS(r[0], "ok 0:0");
	CHECK_ALTS(r[1], "ok");
	CHECK_ALTS(r[2], "exit INVAL 8000000000000d01 -> ok");
	CHECK_ALTS(r[3], "exit FILTER 0 -> ok 0:0");
	CHECK_ALTS(r[4], "exit INVAL 0 -> ok 0:0 | ok 0:0");
}

/* spec §4: values written are read back; uncertain writes make reads "any"; per vCPU. */
static void test_model(void)
{
	uint32_t star = fx_idx("STAR"), lstar = fx_idx("LSTAR"), apic = fx_idx("APIC_BASE");
	uint32_t efer = fx_idx("EFER");
	int r[18], n = 0;

	facts_reset();
	prog_reset(ALL);
	r[n++] = fx_wr(star, 0x0023001000000000ull);
	r[n++] = fx_rd(star);
	r[n++] = fx_rd_on(1, star); /* the other vCPU keeps its own */
	r[n++] = fx_wr(lstar, 0x00ff000000001000ull); /* canonical with 57 bits */
	r[n++] = fx_rd(lstar);
	r[n++] = fx_wr(lstar, 0x0100000000000000ull); /* never canonical: listed invalid */
	r[n++] = fx_wr(apic, 0xfee00d00); /* KEEP: its own value */
	r[n++] = fx_wr(apic, 0xfee00000); /* x2APIC to disabled: allowed */
	r[n++] = fx_rd(apic);
	r[n++] = fx_wr(efer, 0x1d01); /* SVME: up to the host, either way, then either value */
	r[n++] = fx_rd(efer);
	r[n++] = fx_rd(fx_idx("TSC"));
	r[n++] = fx_rd(fx_idx("MISC_ENABLE"));
	r[n++] = fx_rd_on(1, fx_idx("X2APIC_ID"));
	r[n++] = fx_wr_on(1, apic, 0xfee00901); /* KEEP, but a listed reserved bit: INVAL only */
	r[n++] = fx_rd_on(1, apic); /* and the model still knows it */
	predict();
	CHECK_ALTS(r[0], "ok");
	CHECK_ALTS(r[1], "ok 0:230010");
	CHECK_ALTS(r[2], "ok 2:130008");
	CHECK_ALTS(r[3], "ok");
	CHECK_ALTS(r[4], "ok 1000:ff0000");
	CHECK_ALTS(r[5], "exit INVAL 100000000000000 -> ok");
	CHECK_ALTS(r[6], "ok");
	CHECK_ALTS(r[7], "ok");
	CHECK_ALTS(r[8], "ok fee00000:0");
	CHECK_ALTS(r[9], "exit INVAL 1d01 -> ok | ok");
	CHECK_ALTS(r[10], "ok 1d01:0 | ok d01:0");
	CHECK_ALTS(r[11], "ok *");
	CHECK_ALTS(r[12], "ok 1:0");
	CHECK_ALTS(r[13], "ok 1:0");
	CHECK_ALTS(r[14], "exit INVAL fee00901 -> ok");
	CHECK_ALTS(r[15], "ok fee00c00:0");

	/* the same LSTAR value is not canonical with 48 bits */
	F.va_bits = 48;
	predict();
	CHECK_ALTS(r[3], "exit INVAL ff000000001000 -> ok");
	CHECK_ALTS(r[4], "ok 81000000:ffffffff");

	/* an initial value the host could not read is not trusted */
	facts_reset();
	F.msr[msr_table_pos(star)].host_read_ok = false;
	predict();
	CHECK_ALTS(r[2], "ok *");
}

/* spec §4-5: a write user space handled does not change the MSR. */
static void test_exit_write_no_model(void)
{
	uint32_t star = fx_idx("STAR");
	int f, w, r;

	facts_reset();
	prog_reset(ALL);
	f = fx_filter(0);
	fx_range(f, RANGE_WRITE, star, 1, 0);
	P.setup_filter = (uint8_t)f;
	w = fx_wr(star, 0x0023001000000000ull);
	r = fx_rd(star);
	predict();
	CHECK_ALTS(w, "exit FILTER 23001000000000 -> ok");
	CHECK_ALTS(r, "ok 0:130008");
}

/* spec §5: error 1..255 gives #GP; error 0 loads data; untouched means success with 0. */
static void test_completion(void)
{
	static const uint8_t errors[] = { 1, 2, 0x80, 255 };
	int r[8];

	facts_reset();
	prog_reset(ALL);
	for (int i = 0; i < 4; i++) {
		r[i] = fx_rd(UNK);
		P.steps[r[i]].g.reply_error = errors[i];
		P.steps[r[i]].g.reply_data = 0x42;
	}
	r[4] = fx_rd(UNK);
	P.steps[r[4]].g.reply_data = 0x0000000100000005ull;
	r[5] = fx_rd(UNK);
	P.steps[r[5]].g.reply_error = 3;
	P.steps[r[5]].g.reply_data = 0x99;
	P.steps[r[5]].g.reply_flags = REPLY_UNTOUCHED;
	r[6] = fx_wr(UNK, 0x77);
	P.steps[r[6]].g.reply_data = 0x99;
	P.steps[r[6]].g.reply_flags = REPLY_SCRIBBLE;
	r[7] = fx_wr(UNK, 0x77);
	P.steps[r[7]].g.reply_error = 1;
	predict();
	for (int i = 0; i < 4; i++)
		CHECK_ALTS(r[i], "exit UNKNOWN 0 -> gp");
	CHECK_ALTS(r[4], "exit UNKNOWN 0 -> ok 5:1");
	CHECK_ALTS(r[5], "exit UNKNOWN 0 -> ok 0:0");
	CHECK_ALTS(r[6], "exit UNKNOWN 77 -> ok");
	CHECK_ALTS(r[7], "exit UNKNOWN 77 -> gp");
}

/* spec §7: WRMSRNS needs its CPUID bit; the forced-emulation prefix needs the parameter. */
static void test_instruction_forms(void)
{
	uint32_t unk = 0x12345678;
	int r[6];

	facts_reset();
	prog_reset(ALL);
	r[0] = fx_wr(unk, 5);
	P.steps[r[0]].kind = STEP_WRMSRNS;
	r[1] = fx_rd(unk);
	P.steps[r[1]].g.fep = 1;
	r[2] = fx_wr(unk, 6);
	P.steps[r[2]].kind = STEP_WRMSRNS;
	P.steps[r[2]].g.fep = 1;
	r[3] = fx_rd(fx_idx("EFER"));
	P.steps[r[3]].g.fep = 1;
	P.steps[r[3]].g.cpl = 3;
	F.has_wrmsrns = false;
	F.force_emulation_prefix = 0;
	predict();
	for (int i = 0; i < 4; i++) {
		CHECK_ALTS(r[i], "ud"); /* before the privilege check too */
		CHECK_EQ(E.g[r[i]].fault_rip, 0);
	}
	F.has_wrmsrns = true;
	F.force_emulation_prefix = 1;
	predict();
	CHECK_ALTS(r[0], "exit UNKNOWN 5 -> ok"); /* a WRMSR exit */
	CHECK_EQ(E.g[r[0]].rip_after, 3);
	CHECK_EQ(E.g[r[0]].fault_rip, 0);
	CHECK_ALTS(r[1], "exit UNKNOWN 0 -> ok 0:0");
	CHECK_EQ(E.g[r[1]].rip_after, 7); /* past prefix and instruction */
	CHECK_EQ(E.g[r[1]].fault_rip, 5); /* KVM moved RIP past the prefix to emulate */
	CHECK_EQ(E.g[r[2]].rip_after, 8);
	CHECK_ALTS(r[3], "gp");
	CHECK_EQ(E.g[r[3]].fault_rip, 5);
	/* emulation on, WRMSRNS not enumerated: the emulator's #UD, past the prefix */
	F.has_wrmsrns = false;
	predict();
	CHECK_ALTS(r[2], "ud");
	CHECK_EQ(E.g[r[2]].fault_rip, 5);
}

int main(void)
{
	test_mask();
	test_check_cap();
	test_filter_validation();
	test_filter_replace();
	test_filter_match();
	test_cpl3();
	test_upper_halves();
	test_reasons();
	test_unsupported();
	test_ignore_msrs();
	test_model();
	test_exit_write_no_model();
	test_completion();
	test_instruction_forms();
	return unit_summary("oracle");
}
