/* test_known.c - unit tests of the fuzzers' known platform facts (fuzz/known.c) and finding signatures. */
#include "oracle_fixture.h"

#include "known.h"
#include "signature.h"

static struct trace T;
static struct verdict V;
static int why[MAX_MISMATCHES];
/* the backends to explain on: kvm_pvm, and one without its deviations */
static const enum kvm_backend pvm = BACKEND_KVM_PVM, other = BACKEND_KVM_AMD;

static void load(const char *text)
{
	struct parse_error err;

	if (program_parse(text, "test", &P, &err)) {
		fprintf(stderr, "test program: line %u: %s\n", err.line, err.msg);
		abort();
	}
	trace_init(&T);
	T.setup_filter_err = -1;
}

/* Step n completed in the kernel (no exit) with RAX/RDX as given. */
static void ran_ok(int n, uint64_t rax, uint64_t rdx)
{
	struct guest_obs *o = &T.g[n];

	o->ran = true;
	o->rip = step_insn_len(&P.steps[n]);
	o->rcx = P.steps[n].g.rcx;
	o->rax = rax;
	o->rdx = rdx;
}

static void stopped(int n, const char *msg)
{
	T.abort_step = n;
	snprintf(T.abort_msg, sizeof(T.abort_msg), "%s", msg);
}

/* Predicts, compares, and explains on the backend given; returns the first unexplained. */
static int explain(const enum kvm_backend *backend)
{
	F.backend = *backend;
	predict();
	compare(&P, &E, &T, &V);
	CHECK(V.n > 0, "the trace should mismatch");
	return known_explain(&P, &T, &V, &F, why);
}

static const char internal_error[] = "KVM_EXIT_INTERNAL_ERROR suberror 1 (data 0x1 0x0)";

static void test_wrmsrns(void)
{
	facts_reset();
	F.has_wrmsrns = false;
	load("setup mask=UNKNOWN\nrdmsr EFER\nwrmsrns 0x12345678 0x1\nrdmsr EFER\n");
	ran_ok(0, 0xd01, 0);
	stopped(1, internal_error);
	CHECK_EQ(explain(&pvm), -1);
	CHECK_EQ(why[0], KNOWN_WRMSRNS_INTERNAL_ERROR);
	/* elsewhere, or with WRMSRNS in CPUID, or for another kind of stop: a finding */
	CHECK_EQ(explain(&other), 0);
	F.has_wrmsrns = true;
	CHECK_EQ(explain(&pvm), 0);
	F.has_wrmsrns = false;
	stopped(1, "watchdog: the guest did not finish its batch in 1000 ms");
	CHECK_EQ(explain(&pvm), 0);
	/* at CPL3 the instruction is #UD on the CPU itself: stopping there is new */
	load("setup mask=UNKNOWN\nwrmsrns 0x12345678 0x1 cpl=3\n");
	stopped(0, internal_error);
	CHECK_EQ(explain(&pvm), 0);
}

static const char f1_program[] = "setup mask=UNKNOWN\n"
				 "wrmsr 0x12345678 0x1 hold\n"
				 "host set EFER=%s\n"
				 "rdmsr EFER\n";

/* F1 with host set EFER=value: the held WRMSR exits a second time. */
static void f1_run(const char *value)
{
	char text[256];

	snprintf(text, sizeof(text), f1_program, value);
	load(text);
	T.g[0].ran = true;
	T.g[0].exited = true;
	T.h[1].ran = true;
	T.h[1].ret = 1;
	stopped(0, "a second MSR exit for one access (index 0x12345678)");
}

static void test_f1(void)
{
	facts_reset(); /* EFER starts at 0xd01: NXE set */
	f1_run("0x501");
	CHECK_EQ(explain(&pvm), -1);
	CHECK_EQ(why[0], KNOWN_F1_EFER_PENDING);
	CHECK_EQ(explain(&other), 0);
	/* LME too (measured); a write that keeps both (SCE, LMA) is fine on kvm_pvm: new */
	f1_run("0xc01");
	CHECK_EQ(explain(&pvm), -1);
	f1_run("0xd00");
	CHECK_EQ(explain(&pvm), 0);
	f1_run("0x901");
	CHECK_EQ(explain(&pvm), 0);
	/* the write was refused (ret 0): nothing toggled */
	f1_run("0x501");
	T.h[1].ret = 0;
	CHECK_EQ(explain(&pvm), 0);
	/* the access ran again after the mask was cleared: #GP instead of a second exit */
	load("setup mask=UNKNOWN\n"
	     "rdmsr 0x12345678 data=0x7 hold\n"
	     "host set EFER=0\n"
	     "host mask none\n"
	     "rdmsr STAR\n");
	T.g[0].ran = T.g[0].exited = T.g[0].faulted = true;
	T.g[0].vector = VEC_GP;
	T.g[0].exit_reason = EXIT_REASON_RDMSR;
	T.g[0].reason = REASON_UNKNOWN;
	T.g[0].index = 0x12345678;
	T.g[0].rax = P.steps[0].g.rax;
	T.g[0].rdx = P.steps[0].g.rdx;
	T.g[0].rcx = P.steps[0].g.rcx;
	T.h[1].ran = T.h[2].ran = true;
	T.h[1].ret = 1;
	ran_ok(3, 0, 0x00130008);
	CHECK_EQ(explain(&pvm), -1);
	CHECK_EQ(why[0], KNOWN_F1_EFER_PENDING);
	/* after immediate-exit the registers show the access not done: the same fact */
	load("setup mask=UNKNOWN\n"
	     "rdmsr 0x12345678 data=0x7 hold\n"
	     "host set EFER=0x501\n"
	     "host mask none\n"
	     "host immediate-exit\n"
	     "host regs\n");
	T.g[0].ran = T.g[0].exited = T.g[0].faulted = true;
	T.g[0].vector = VEC_GP;
	T.g[0].exit_reason = EXIT_REASON_RDMSR;
	T.g[0].reason = REASON_UNKNOWN;
	T.g[0].index = 0x12345678;
	T.g[0].rax = P.steps[0].g.rax;
	T.g[0].rdx = P.steps[0].g.rdx;
	T.g[0].rcx = P.steps[0].g.rcx;
	T.h[1].ran = T.h[2].ran = T.h[3].ran = T.h[4].ran = true;
	T.h[1].ret = 1;
	T.h[3].ret = -1;
	T.h[3].err = EINTR;
	T.h[4].nvals = 3;
	T.h[4].vals[1] = 0x7; /* RIP +0, RAX from the reply */
	CHECK_EQ(explain(&pvm), -1);
	CHECK(V.n == 2 && V.m[1].step == 4, "the regs step mismatches too (%u)", V.n);
	/* a change undone within one KVM_SET_MSRS still re-arms the access (measured) */
	f1_run("0x501 EFER=0xd01");
	T.h[1].ret = 2;
	CHECK_EQ(explain(&pvm), -1);
	/* without hold the exit completed before the host step */
	load("setup mask=UNKNOWN\nwrmsr 0x12345678 0x1\nhost set EFER=0x501\n");
	T.g[0].ran = T.g[0].exited = true;
	stopped(0, "a second MSR exit for one access (index 0x12345678)");
	CHECK_EQ(explain(&pvm), 0);
}

static void test_f2(void)
{
	facts_reset(); /* MISC_ENABLE starts at 0x1 */
	load("setup mask=INVAL\n"
	     "wrmsr MISC_ENABLE 0x801\n" /* upstream: exit INVAL; kvm_pvm takes it */
	     "wrmsr MISC_ENABLE 0x81\n"
	     "rdmsr MISC_ENABLE\n"
	     "rdmsr EFER\n");
	ran_ok(0, 0x801, 0);
	ran_ok(1, 0x81, 0);
	ran_ok(2, 0x81, 0);
	ran_ok(3, 0xd01, 0);
	CHECK_EQ(explain(&pvm), -1);
	for (unsigned i = 0; i < V.n; i++)
		CHECK(why[i] == KNOWN_F2_MISC_ENABLE, "mismatch %u (step %d %s): %d", i,
		      V.m[i].step, V.m[i].field, why[i]);
	CHECK_EQ(explain(&other), 0);
	/* an unrelated MSR going wrong after it is still a finding */
	T.g[3].rax = 0xd00;
	CHECK(explain(&pvm) >= 0, "EFER read wrong");
	CHECK_EQ(V.m[explain(&pvm)].step, 3);
	/* a write that changes none of the three bits is no F2 */
	load("setup mask=INVAL\nwrmsr MISC_ENABLE 0x1\n");
	T.g[0].ran = true; /* #UD instead of success: wrong whatever the platform */
	T.g[0].faulted = true;
	T.g[0].vector = VEC_UD;
	T.g[0].rcx = P.steps[0].g.rcx;
	CHECK_EQ(explain(&pvm), 0);
}

/* F3: kvm_pvm takes a reserved PRED_CMD bit and an invalid PAT, which then reads back. */
static void test_f3(void)
{
	facts_reset();
	load("setup mask=INVAL\n"
	     "wrmsr PRED_CMD 0x2\n" /* upstream: exit INVAL */
	     "wrmsr PAT 0x0202020202020202\n"
	     "rdmsr PAT\n"
	     "rdmsr EFER\n");
	ran_ok(0, 0x2, 0);
	ran_ok(1, 0x02020202, 0x02020202);
	ran_ok(2, 0x02020202, 0x02020202);
	ran_ok(3, 0xd01, 0);
	CHECK_EQ(explain(&pvm), -1);
	for (unsigned i = 0; i < V.n; i++)
		CHECK(why[i] == KNOWN_F3_UNCHECKED, "mismatch %u (step %d %s): %d", i, V.m[i].step,
		      V.m[i].field, why[i]);
	CHECK_EQ(explain(&other), 0);
	T.g[3].rax = 0xd00; /* another MSR wrong after it is still a finding */
	CHECK_EQ(V.m[explain(&pvm)].step, 3);
	/* a host SET goes on past an invalid PAT: what it wrote after it is F3 too */
	load("setup mask=INVAL\n"
	     "host set PAT=0xc STAR=0x19\n"
	     "rdmsr STAR\n"
	     "rdmsr EFER\n");
	T.h[0].ran = true;
	T.h[0].ret = 2;
	ran_ok(1, 0x19, 0);
	ran_ok(2, 0xd01, 0);
	CHECK_EQ(explain(&pvm), -1);
	T.g[2].rax = 0xd00; /* EFER was not in the SET */
	CHECK_EQ(V.m[explain(&pvm)].step, 2);
	/* a write to be held at its exit was taken: the registers show it done */
	load("setup mask=INVAL\nwrmsr SPEC_CTRL 0x8000000000000000 hold\nhost regs\n");
	ran_ok(0, P.steps[0].g.rax, P.steps[0].g.rdx);
	T.h[1].ran = true;
	T.h[1].nvals = 3;
	T.h[1].vals[0] = 2;
	T.h[1].vals[1] = P.steps[0].g.rax;
	T.h[1].vals[2] = P.steps[0].g.rdx;
	CHECK_EQ(explain(&pvm), -1);
	CHECK_EQ(explain(&other), 0);
}

static void test_words(void)
{
	CHECK(!strcmp(fuzz_abort_word(internal_error), "internal-error"), "internal");
	CHECK(
	    !strcmp(fuzz_abort_word("a second MSR exit for one access (index 0x1)"), "second-exit"),
	    "second");
	CHECK(!strcmp(fuzz_abort_word("KVM_RUN(vcpu 0) failed: Bad address"), "kvm-run-error"),
	      "kvm_run");
	CHECK(!strcmp(fuzz_abort_word("KVM_RUN with immediate_exit=1 ran the guest (exit "
				      "reason 2)"),
		      "immediate-exit-ran"),
	      "immediate");
	CHECK(!strcmp(fuzz_abort_word("watchdog: the guest did not finish its batch in 5 ms"),
		      "watchdog"),
	      "watchdog");
	CHECK(!strcmp(fuzz_abort_word("something new"), "abort"), "fallback");
	CHECK(!strcmp(fuzz_health_word("kernel log: WARNING: CPU: 1 PID: 2 at x.c:3"), "warning"),
	      "warning");
	CHECK(!strcmp(fuzz_health_word("kernel log: BUG: KASAN: use-after-free in f"), "kasan"),
	      "kasan");
	CHECK(!strcmp(fuzz_health_word("kernel taint flags changed: 0x0 -> 0x200"), "taint"),
	      "taint");
}

static void test_signature(void)
{
	char sig[FUZZ_SIG_MAX];

	facts_reset();
	F.has_wrmsrns = false;
	load("setup mask=UNKNOWN\nwrmsrns 0x12345678 0x1\n");
	stopped(0, internal_error);
	explain(&other);
	fuzz_mismatch_signature(&V.m[0], &T, sig);
	CHECK(!strcmp(sig, "wrmsrns/run/completion-expected-got-internal-error"), "%s", sig);
	/* any other mismatch keeps compare()'s signature */
	load("setup mask=UNKNOWN\nrdmsr 0x12345678 data=0x5\n");
	T.g[0].ran = T.g[0].exited = true;
	T.g[0].exit_reason = EXIT_REASON_RDMSR;
	T.g[0].reason = REASON_UNKNOWN;
	T.g[0].index = 0x12345678;
	ran_ok(0, 0x4, 0);
	T.g[0].exited = true;
	explain(&other);
	fuzz_mismatch_signature(&V.m[0], &T, sig);
	CHECK(!strcmp(sig, "rdmsr/UNKNOWN/rax-expected-got-wrong"), "%s", sig);
	fuzz_health_signature("kernel log: WARNING: CPU: 0 PID: 0 at msrexit", sig);
	CHECK(!strcmp(sig, "kernel/health/warning"), "%s", sig);
}

/* kvm_amd under QEMU TCG, an AMD guest: the CPU handles LSTAR and SYSENTER_EIP (oracle_backend.c). */
static void tcg_facts(bool tcg)
{
	facts_reset();
	F.va_bits = F.cpu_va_bits = 48;
	snprintf(F.guest_vendor_id, sizeof(F.guest_vendor_id), "AuthenticAMD");
	F.guest_vendor = VENDOR_AMD;
	F.tcg = tcg;
}

/* F4, F5: what TCG's CPU takes where hardware refuses or truncates, and the reads that follow. */
static void test_tcg(void)
{
	static const enum kvm_backend amd = BACKEND_KVM_AMD;

	tcg_facts(true);
	load("setup mask=INVAL\nwrmsr LSTAR 0x8000000000000000\nrdmsr LSTAR\n");
	ran_ok(0, 0, 0x80000000); /* taken, no exit: hardware raises #GP */
	ran_ok(1, 0, 0x80000000);
	CHECK_EQ(explain(&amd), -1);
	CHECK_EQ(why[0], KNOWN_F4_TCG_NONCANONICAL);
	CHECK_EQ(why[1], KNOWN_F4_TCG_NONCANONICAL);
	tcg_facts(false); /* on hardware the same trace is a finding */
	CHECK_EQ(explain(&amd), 0);

	/* a filter that denies the write makes it KVM's: KVM taking it is no TCG fact */
	tcg_facts(true);
	load("setup mask=INVAL filter=0\nfilter 0 default=allow\n\trange write LSTAR 1 deny\nend\n"
	     "wrmsr LSTAR 0x8000000000000000\n");
	T.setup_filter_err = 0;
	ran_ok(0, 0, 0x80000000);
	CHECK_EQ(explain(&amd), 0);

	load("setup mask=INVAL\nwrmsr SYSENTER_EIP 0xffffffff81000000\nrdmsr SYSENTER_EIP\n");
	ran_ok(0, 0x81000000, 0xffffffff);
	ran_ok(1, 0x81000000, 0xffffffff); /* an AMD CPU keeps bits 31:0 */
	CHECK_EQ(explain(&amd), -1);
	CHECK_EQ(why[0], KNOWN_F5_TCG_SYSENTER);
	/* an upper half no guest write of TCG's put there is a finding */
	load("setup mask=INVAL\nrdmsr SYSENTER_EIP\n");
	ran_ok(0, 0, 0xffffffff);
	CHECK_EQ(explain(&amd), 0);
}

int main(void)
{
	test_wrmsrns();
	test_f1();
	test_f2();
	test_f3();
	test_tcg();
	test_words();
	test_signature();
	return unit_summary("known");
}
