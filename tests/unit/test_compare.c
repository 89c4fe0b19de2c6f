/* test_compare.c - unit tests of compare() and trace_print(): deviations and signatures. */
#include "oracle_fixture.h"

#define UNK 0x12345678u
#define ALL REASON_VALID_MASK

static struct trace T;
static struct verdict V;

/* What a conforming kernel would show for alternative a of step i. */
static void obs_from_alt(int i, unsigned k)
{
	const struct step *s = &P.steps[i];
	const struct guest_alt *a = &E.g[i].alt[k];
	struct guest_obs *o = &T.g[i];

	memset(o, 0, sizeof(*o));
	o->ran = true;
	o->rcx = s->g.rcx;
	if (a->exit) {
		o->exited = true;
		o->exit_reason = a->exit;
		o->reason = a->reason;
		o->index = guest_index(&s->g);
		o->data = a->exit_data;
	}
	if (a->gp) {
		o->faulted = true;
		o->vector = VEC_GP;
		o->rax = s->g.rax;
		o->rdx = s->g.rdx;
		return;
	}
	o->rip = E.g[i].rip_after;
	o->rax = a->data_any ? 0x12345 : a->rax;
	o->rdx = a->data_any ? 0x6 : a->rdx;
}

static void obs_from_host(int i)
{
	const struct host_exp *h = &E.h[i];
	struct host_obs *o = &T.h[i];

	memset(o, 0, sizeof(*o));
	o->ran = true;
	o->ret = h->ret_any ? 3 : h->ret;
	o->err = h->ret < 0 && !h->ret_any ? h->err : 0;
	o->nvals = h->nvals;
	for (unsigned k = 0; k < h->nvals; k++)
		o->vals[k] = h->val_any & (1u << k) ? 0xabcdef : h->vals[k];
}

/* Predict, then build a trace that follows the first alternative everywhere. */
static void conforming_trace(void)
{
	predict();
	trace_init(&T);
	T.setup_filter_err = E.setup_filter_err;
	for (int i = 0; i < P.nsteps; i++) {
		if (step_is_guest(P.steps[i].kind))
			obs_from_alt(i, 0);
		else
			obs_from_host(i);
	}
}

static unsigned run_compare(void)
{
	return compare(&P, &E, &T, &V);
}

#define CHECK_MM(k, fld, sig)                                                                    \
	do {                                                                                     \
		CHECK((k) < V.n, "only %u mismatches", V.n);                                     \
		if ((k) < V.n) {                                                                 \
			CHECK(!strcmp(V.m[k].field, fld), "field '%s', want '%s'", V.m[k].field, \
			      fld);                                                              \
			CHECK(!strcmp(V.m[k].signature, sig), "signature '%s', want '%s'",       \
			      V.m[k].signature, sig);                                            \
		}                                                                                \
	} while (0)

/* A conforming trace, through every alternative, gives no mismatch. */
static void test_match(void)
{
	uint32_t l1[] = { fx_idx("EFER"), UNK };
	int f, r3a;

	facts_reset();
	prog_reset(ALL);
	f = fx_filter(FILTER_DEFAULT_DENY);
	fx_range(f, RANGE_READ, 0x10, 1, 0);
	fx_rd(fx_idx("EFER"));
	fx_wr(fx_idx("STAR"), 0);
	fx_rd(UNK);
	r3a = fx_rd(0x3a);
	fx_host(STEP_HOST_FILTER, (uint64_t)f);
	fx_rd(0x10);
	fx_rd(fx_idx("TSC"));
	fx_msrs(STEP_HOST_GET_MSRS, 2, 2, l1, NULL);
	fx_host(STEP_HOST_GET_REGS, 0);
	fx_host(STEP_HOST_CHECK_CAP, 5);
	conforming_trace();
	CHECK_EQ(run_compare(), 0);
	CHECK_EQ(V.n, 0);
	CHECK_EQ(E.g[r3a].nalt, 3);
	for (unsigned k = 0; k < E.g[r3a].nalt; k++) {
		obs_from_alt(r3a, k);
		CHECK_EQ(run_compare(), 0);
	}
	T.g[r3a].faulted = true; /* #GP is not among the alternatives (mask has everything) */
	T.g[r3a].vector = VEC_GP;
	T.g[r3a].rip = 0;
	T.g[r3a].exited = false;
	CHECK_EQ(run_compare(), 1);
	CHECK_MM(0, "result", "rdmsr/OK/success-expected-got-gp");
	CHECK_EQ(V.m[0].step, r3a);
}

/* Outcome-level deviations: exit presence and result. */
static void test_outcomes(void)
{
	int f, r, w;

	facts_reset();
	prog_reset(REASON_UNKNOWN);
	f = fx_filter(0);
	fx_range(f, RANGE_READ, 0x10, 1, 0);
	P.setup_filter = (uint8_t)f;
	r = fx_rd(0x10);
	w = fx_wr(UNK, 0x44);
	conforming_trace();
	T.g[r].faulted = false; /* the filter was ignored */
	T.g[r].rip = 2;
	T.g[w].exited = false; /* no exit, #GP instead */
	T.g[w].faulted = true;
	T.g[w].vector = VEC_GP;
	T.g[w].rip = 0;
	CHECK_EQ(run_compare(), 3);
	CHECK_MM(0, "result", "rdmsr/FILTER/gp-expected-got-success");
	CHECK_MM(1, "exit", "wrmsr/UNKNOWN/exit-expected-got-gp");
	CHECK_MM(2, "result", "wrmsr/UNKNOWN/success-expected-got-gp");
	CHECK(!strcmp(V.m[1].expected, "exit WRMSR reason UNKNOWN"), "%s", V.m[1].expected);
	CHECK(!strcmp(V.m[1].observed, "no exit"), "%s", V.m[1].observed);
	CHECK(!strcmp(V.m[0].expected, "#GP(0)"), "%s", V.m[0].expected);
	CHECK(!strcmp(V.m[0].observed, "success"), "%s", V.m[0].observed);
}

/* Each detail of an exit. */
static void test_exit_details(void)
{
	int r[7];

	facts_reset();
	prog_reset(ALL);
	for (int i = 0; i < 7; i++)
		r[i] = fx_wr(UNK, 0x44);
	P.steps[r[0]].kind = STEP_RDMSR;
	conforming_trace();
	T.g[r[0]].exit_reason = EXIT_REASON_WRMSR;
	T.g[r[1]].reason = REASON_INVAL;
	T.g[r[2]].index = UNK + 1;
	T.g[r[3]].data = 0x45;
	T.g[r[4]].exit_error = 7;
	T.g[r[5]].exit_pad_dirty = true;
	T.g[r[6]].exit_rip = 2;
	CHECK_EQ(run_compare(), 7);
	CHECK_MM(0, "exit", "rdmsr/UNKNOWN/exit-expected-got-exit-30");
	CHECK_MM(1, "reason", "wrmsr/UNKNOWN/reason-expected-got-INVAL");
	CHECK_MM(2, "index", "wrmsr/UNKNOWN/index-expected-got-wrong");
	CHECK_MM(3, "data", "wrmsr/UNKNOWN/data-expected-got-wrong");
	CHECK_MM(4, "error_at_exit", "wrmsr/UNKNOWN/error_at_exit-expected-got-nonzero");
	CHECK_MM(5, "pad_at_exit", "wrmsr/UNKNOWN/pad_at_exit-expected-got-dirty");
	CHECK_MM(6, "rip_at_exit", "wrmsr/UNKNOWN/rip_at_exit-expected-got-wrong");
	CHECK(!strcmp(V.m[1].expected, "UNKNOWN"), "%s", V.m[1].expected);
	CHECK(!strcmp(V.m[3].expected, "0x44") && !strcmp(V.m[3].observed, "0x45"), "%s %s",
	      V.m[3].expected, V.m[3].observed);
}

/* Each detail of a result; signatures do not depend on the values. */
static void test_result_details(void)
{
	int r[10], n = 0;

	facts_reset();
	prog_reset(0);
	r[n++] = fx_rd(fx_idx("EFER"));
	r[n++] = fx_rd(fx_idx("EFER"));
	r[n++] = fx_rd(fx_idx("EFER"));
	r[n++] = fx_rd(fx_idx("EFER"));
	for (int i = 0; i < 4; i++) {
		r[n] = fx_rd(UNK);
		P.steps[r[n++]].g.cpl = 3;
	}
	r[n++] = fx_rd(fx_idx("TSC"));
	r[n++] = fx_rd(fx_idx("EFER"));
	conforming_trace();
	T.g[r[0]].rax = 0xd00;
	T.g[r[1]].rdx = 0x1;
	T.g[r[2]].rip = 3;
	T.g[r[3]].rax = 0xd02;
	T.g[r[4]].vector = VEC_UD;
	T.g[r[5]].error_code = 4;
	T.g[r[6]].rax = 0;
	T.g[r[7]].rip = 2;
	T.g[r[8]].rax = 0x100000000ull;
	T.g[r[9]].rcx = 0;
	CHECK_EQ(run_compare(), 10);
	CHECK_MM(0, "rax", "rdmsr/OK/rax-expected-got-wrong");
	CHECK_MM(1, "rdx", "rdmsr/OK/rdx-expected-got-wrong");
	CHECK_MM(2, "rip", "rdmsr/OK/rip-expected-got-wrong");
	CHECK(!strcmp(V.m[3].signature, V.m[0].signature), "unstable: %s", V.m[3].signature);
	CHECK_MM(4, "vector", "rdmsr/CPL3/gp-expected-got-ud");
	CHECK_MM(5, "error_code", "rdmsr/CPL3/error_code-expected-got-wrong");
	CHECK_MM(6, "rax", "rdmsr/CPL3/rax-expected-got-wrong");
	CHECK_MM(7, "rip", "rdmsr/CPL3/rip-expected-got-wrong");
	CHECK_MM(8, "rax", "rdmsr/OK/rax-expected-got-upper-half-set");
	CHECK_MM(9, "rcx", "rdmsr/OK/rcx-expected-got-wrong");
	CHECK(!strcmp(V.m[0].expected, "0xd01") && !strcmp(V.m[0].observed, "0xd00"), "%s %s",
	      V.m[0].expected, V.m[0].observed);
}

/* Host steps: ret, errno, each value, missing values, not run; "any" accepts anything. */
static void test_host(void)
{
	uint32_t l1[] = { fx_idx("EFER"), fx_idx("SFMASK") };
	int f, s[8], r;

	facts_reset();
	prog_reset(ALL);
	f = fx_filter(0x2);
	s[0] = fx_host(STEP_HOST_FILTER, (uint64_t)f);
	s[1] = fx_host(STEP_HOST_FILTER, (uint64_t)f);
	r = fx_rd(UNK);
	P.steps[r].g.reply_flags = REPLY_HOLD;
	s[2] = fx_host(STEP_HOST_GET_REGS, 0);
	s[3] = fx_msrs(STEP_HOST_GET_MSRS, 2, 2, l1, NULL);
	s[4] = fx_msrs(STEP_HOST_GET_MSRS, 2, 2, l1, NULL);
	s[5] = fx_host(STEP_HOST_CHECK_CAP, 1000);
	s[6] = fx_host(STEP_HOST_GET_EVENTS, 0);
	s[7] = fx_host(STEP_HOST_MASK, 0);
	conforming_trace();
	T.h[s[0]].ret = 0;
	T.h[s[1]].err = EFAULT;
	T.h[s[2]].vals[0] = 2;
	T.h[s[3]].vals[1] = 0;
	T.h[s[4]].nvals = 1;
	T.h[s[5]].ret = -1; /* ret any */
	T.h[s[5]].err = EINVAL;
	T.h[s[6]].vals[1] = 99; /* vector: any */
	T.h[s[7]].ran = false;
	CHECK_EQ(run_compare(), 6);
	CHECK_MM(0, "ret", "host-filter/EINVAL/ret-expected-got-0");
	CHECK_MM(1, "errno", "host-filter/EINVAL/errno-expected-got-EFAULT");
	CHECK_MM(2, "rip", "host-regs/OK/rip-expected-got-wrong");
	CHECK_MM(3, "data[1]", "host-get/OK/data[1]-expected-got-wrong");
	CHECK_MM(4, "nvals", "host-get/OK/nvals-expected-got-short");
	CHECK_MM(5, "ran", "host-mask/OK/ret-expected-got-notrun");
	CHECK(!strcmp(V.m[0].expected, "-1 (EINVAL)") && !strcmp(V.m[0].observed, "0"), "%s %s",
	      V.m[0].expected, V.m[0].observed);
	CHECK_EQ(V.m[1].step, s[1]);
}

/* An aborted run: one "run" mismatch; steps from there on are not compared. */
static void test_abort(void)
{
	int r[4];

	facts_reset();
	prog_reset(ALL);
	for (int i = 0; i < 4; i++)
		r[i] = fx_rd(fx_idx("EFER"));
	P.steps[r[2]].line = 42;
	conforming_trace();
	T.g[r[0]].rax = 0;
	T.g[r[2]].ran = false;
	T.g[r[3]].rax = 0;
	T.abort_step = r[2];
	snprintf(T.abort_msg, sizeof(T.abort_msg), "KVM_RUN: internal error 0x%x", 17);
	CHECK_EQ(run_compare(), 2);
	CHECK_MM(0, "rax", "rdmsr/OK/rax-expected-got-wrong");
	CHECK_MM(1, "run", "rdmsr/run/completion-expected-got-abort");
	CHECK_EQ(V.m[1].step, r[2]);
	CHECK_EQ(V.m[1].line, 42);
	CHECK(!strcmp(V.m[1].observed, T.abort_msg), "%s", V.m[1].observed);
}

/* Execution that reached the landing through stray bytes is never a match, whatever else agrees. */
static void test_stray(void)
{
	int r;

	facts_reset();
	prog_reset(ALL);
	r = fx_rd(fx_idx("EFER"));
	conforming_trace();
	CHECK_EQ(run_compare(), 0);
	T.g[r].stray = true;
	CHECK_EQ(run_compare(), 1);
	CHECK_MM(0, "landing", "rdmsr/OK/landing-expected-got-stray");
}

/* A set-up filter the kernel treats otherwise than predicted is a mismatch of its own. */
static void test_setup_filter(void)
{
	facts_reset();
	prog_reset(ALL);
	fx_filter(FILTER_DEFAULT_DENY); /* no ranges: must be refused */
	P.setup_filter = 0;
	fx_rd(fx_idx("EFER"));
	conforming_trace();
	CHECK_EQ(E.setup_filter_err, EINVAL);
	CHECK_EQ(run_compare(), 0);
	T.setup_filter_err = 0; /* a kernel that installed it */
	CHECK_EQ(run_compare(), 1);
	CHECK_MM(0, "setup-filter", "setup/filter/refused-expected-got-installed");
	CHECK_EQ(V.m[0].step, -1);
	P.setup_filter = HOST_FILTER_NONE;
	conforming_trace();
	CHECK_EQ(E.setup_filter_err, -1);
}

/* At most MAX_MISMATCHES are kept; all are counted. */
static void test_many(void)
{
	facts_reset();
	prog_reset(0);
	for (int i = 0; i < 20; i++)
		fx_rd(fx_idx("EFER"));
	conforming_trace();
	for (int i = 0; i < 20; i++)
		T.g[i].ran = false;
	CHECK_EQ(run_compare(), 20);
	CHECK_EQ(V.n, MAX_MISMATCHES);
	CHECK_MM(0, "ran", "rdmsr/OK/success-expected-got-notrun");
	CHECK_EQ(V.m[15].step, 15);
}

static void test_print(void)
{
	uint32_t l1[] = { fx_idx("EFER") };
	char *buf = NULL;
	size_t len = 0;
	FILE *out;
	int r;

	facts_reset();
	prog_reset(ALL);
	r = fx_rd(UNK);
	P.steps[r].g.reply_data = 5;
	fx_rd(0x3a);
	fx_wr(fx_idx("EFER"), 0xd01);
	fx_host(STEP_HOST_FILTER, 3);
	fx_msrs(STEP_HOST_GET_MSRS, 1, 1, l1, NULL);
	conforming_trace();
	T.abort_step = 4;
	snprintf(T.abort_msg, sizeof(T.abort_msg), "timeout");
	out = open_memstream(&buf, &len);
	trace_print(&P, &T, &E, out);
	trace_print(&P, &T, NULL, out);
	fclose(out);
	CHECK(strstr(buf, "  0 rdmsr UNKNOWN_12345678 cpl0 vcpu0: exit RDMSR reason UNKNOWN") !=
		  NULL,
	      "%s", buf);
	CHECK(strstr(buf, "-> reply error 0 data 0x5 -> success rax 0x5 rdx 0x0 rip +2") != NULL,
	      "%s", buf);
	CHECK(strstr(buf, "[expected: exit RDMSR reason UNKNOWN -> success rax 0x5 rdx 0x0]") !=
		  NULL,
	      "%s", buf);
	CHECK(strstr(buf, "success rax * rdx *") != NULL, "%s", buf);
	CHECK(strstr(buf, "wrmsr EFER value 0xd01") != NULL, "%s", buf);
	CHECK(strstr(buf, "host-filter vcpu0 3: ret 0  [expected: ret 0]") != NULL, "%s", buf);
	CHECK(strstr(buf, "run aborted here: timeout") != NULL, "%s", buf);
	CHECK(strstr(buf, "host-get vcpu0 nmsrs 1: EFER: ret 1 vals 0xd01") != NULL, "%s", buf);
	free(buf);
}

int main(void)
{
	test_match();
	test_outcomes();
	test_exit_details();
	test_result_details();
	test_host();
	test_abort();
	test_setup_filter();
	test_stray();
	test_many();
	test_print();
	return unit_summary("compare");
}
