/* test_feedback.c - unit tests of the fuzzers' semantic feedback tuples (fuzz/feedback.c). */
#include <string.h>

#include "feedback.h"
#include "kcov.h"
#include "msr_table.h"
#include "unit.h"

static struct program P;
static struct trace T;
static struct fb_tuple tp[PROG_MAX_STEPS];

static void load(const char *text)
{
	struct parse_error err;

	if (program_parse(text, "test", &P, &err)) {
		fprintf(stderr, "test program: line %u: %s\n", err.line, err.msg);
		abort();
	}
	trace_init(&T);
}

static void ran_ok(int n)
{
	T.g[n].ran = true;
}

static void ran_fault(int n, uint8_t vector)
{
	T.g[n].ran = T.g[n].faulted = true;
	T.g[n].vector = vector;
}

static void ran_exit(int n, uint32_t exit_reason, uint32_t reason)
{
	T.g[n].ran = T.g[n].exited = true;
	T.g[n].exit_reason = exit_reason;
	T.g[n].reason = reason;
}

static void host_ret(int n, long ret, int err)
{
	T.h[n].ran = true;
	T.h[n].ret = ret;
	T.h[n].err = err;
}

static void tuples(void)
{
	struct fb_walk w;

	fb_walk_init(&w, &P, &T);
	for (int i = 0; i < P.nsteps; i++)
		fb_step_tuple(&w, &P, &T, i, &tp[i]);
}

static void test_filter_paths(void)
{
	load("setup mask=FILTER filter=0\n"
	     "filter 0 default=deny\n"
	     "\trange read EFER 1 deny\n"
	     "\trange rw 0x10 64 pattern=0xff\n"
	     "end\n"
	     "rdmsr EFER\n" /* range 0, denied */
	     "wrmsr EFER 0xd01\n" /* range 0 is for reads: on to the default */
	     "rdmsr 0x10\n" /* range 1, bit 0 set */
	     "rdmsr 0x18\n" /* range 1, bit 8 clear */
	     "rdmsr X2APIC_TPR\n" /* never filtered */
	     "rdmsr 0x12345678\n"); /* no range: the default */
	T.setup_filter_err = 0;
	for (int i = 0; i < P.nsteps; i++)
		ran_ok(i);
	tuples();
	CHECK_EQ(tp[0].filter_path, FB_FILTER_RANGE + 0);
	CHECK_EQ(tp[1].filter_path, FB_FILTER_TYPE_MISS | FB_FILTER_DEFAULT_DENY);
	CHECK_EQ(tp[2].filter_path, FB_FILTER_RANGE + 2 + 1);
	CHECK_EQ(tp[3].filter_path, FB_FILTER_RANGE + 2);
	CHECK_EQ(tp[4].filter_path, FB_FILTER_X2APIC);
	CHECK_EQ(tp[5].filter_path, FB_FILTER_DEFAULT_DENY);
	CHECK_EQ(tp[0].index_class, msr_table_pos(0xc0000080));
	CHECK_EQ(tp[3].index_class, FB_IDX_OTHER); /* 0x18: no MSR of the table */
	CHECK_EQ(tp[0].mask, REASON_FILTER);
	/* the kernel refused the set-up filter: nothing filters */
	T.setup_filter_err = 22;
	tuples();
	CHECK_EQ(tp[0].filter_path, FB_FILTER_NONE);
}

/* Host steps change the mask and filter in force only when the kernel took them. */
static void test_state(void)
{
	load("filter 0 default=allow\nend\n"
	     "host mask UNKNOWN|INVAL\n"
	     "rdmsr EFER\n"
	     "host mask FILTER\n" /* refused below */
	     "rdmsr EFER\n"
	     "host filter 0\n"
	     "rdmsr 0x12345678\n"
	     "host filter none\n"
	     "rdmsr 0x12345678\n");
	host_ret(0, 0, 0);
	ran_ok(1);
	host_ret(2, -1, 16);
	ran_ok(3);
	host_ret(4, 0, 0);
	ran_ok(5);
	host_ret(6, 0, 0);
	ran_ok(7);
	tuples();
	CHECK_EQ(tp[0].mask, 0);
	CHECK_EQ(tp[1].mask, REASON_UNKNOWN | REASON_INVAL);
	CHECK_EQ(tp[3].mask, REASON_UNKNOWN | REASON_INVAL);
	CHECK_EQ(tp[2].outcome, FB_OUT_ERRNO + 16);
	CHECK_EQ(tp[0].outcome, FB_OUT_HOST_ZERO);
	CHECK_EQ(tp[5].filter_path, FB_FILTER_DEFAULT_ALLOW);
	CHECK_EQ(tp[6].filter_path, 1); /* host steps: the filter in force + 1 */
	CHECK_EQ(tp[7].filter_path, FB_FILTER_NONE);
}

/* Outcomes, exits and replies, each step's previous outcome, and a held exit. */
static void test_outcomes(void)
{
	load("setup mask=UNKNOWN\n"
	     "rdmsr EFER\n"
	     "rdmsr EFER cpl=3\n"
	     "wrmsr 0x12345678 0x1 error=1 hold\n"
	     "host regs\n"
	     "host immediate-exit\n"
	     "host get EFER LSTAR\n"
	     "wrmsrns 0x12345678 0x1\n"
	     "rdmsr EFER\n");
	ran_ok(0);
	ran_fault(1, VEC_GP);
	ran_exit(2, EXIT_REASON_WRMSR, REASON_UNKNOWN);
	T.g[2].faulted = true;
	T.g[2].vector = VEC_GP;
	host_ret(3, 0, 0);
	host_ret(4, 0, 0);
	host_ret(5, 2, 0);
	T.abort_step = 6;
	tuples();
	CHECK_EQ(tp[0].outcome, FB_OUT_SUCCESS);
	CHECK_EQ(tp[0].prev, FB_OUT_START);
	CHECK_EQ(tp[1].outcome, FB_OUT_GP);
	CHECK_EQ(tp[1].cpl, 3);
	CHECK_EQ(tp[1].prev, FB_OUT_SUCCESS);
	CHECK_EQ(tp[2].exit, REASON_UNKNOWN | 0x8);
	CHECK_EQ(tp[2].reply, FB_REPLY_ERROR | (REPLY_HOLD << FB_REPLY_FLAGS_SHIFT));
	CHECK_EQ(tp[2].prev, FB_OUT_GP);
	CHECK_EQ(tp[3].exit, 1); /* the held exit is pending */
	CHECK_EQ(tp[4].exit, 1);
	CHECK_EQ(tp[5].exit, 0); /* immediate-exit completed it */
	CHECK_EQ(tp[5].outcome, FB_OUT_HOST_COUNT + 1);
	CHECK_EQ(tp[6].outcome, FB_OUT_ABORT);
	CHECK_EQ(tp[7].outcome, FB_OUT_NOTRUN);
	CHECK_EQ(tp[0].exit, 0);
	CHECK_EQ(tp[0].reply, 0);
}

static void test_map(void)
{
	uint8_t map[64] = { 0 };
	uint32_t h[PROG_MAX_STEPS];
	unsigned sum = 0;

	load("rdmsr EFER\nrdmsr EFER\nrdmsr LSTAR\nrdmsr STAR\n");
	ran_ok(0);
	ran_ok(1);
	ran_ok(2);
	T.abort_step = 2; /* the stopping step counts; what follows never ran */
	CHECK_EQ(feedback_hashes(&P, &T, h), 3);
	CHECK(h[0] != h[1], "the second read has another previous outcome");
	CHECK_EQ(feedback_add(&P, &T, map, sizeof(map)), 3);
	for (unsigned i = 0; i < sizeof(map); i++)
		sum += map[i];
	CHECK_EQ(sum, 3);
	CHECK_EQ(map[h[2] % sizeof(map)] >= 1, 1);
	memset(map, 0xff, sizeof(map));
	feedback_add(&P, &T, map, sizeof(map));
	CHECK_EQ(map[h[0] % sizeof(map)], 0xff); /* saturates */
	CHECK_EQ(feedback_add(&P, &T, map, 0), 0);
}

/* Tuples that differ in one field hash apart: no field is left out of the hash. */
static void test_hash(void)
{
	struct fb_tuple a = { 1, 2, 0, 4, 5, 6, 7, 8, 9 };
	uint32_t base = fb_tuple_hash(&a);
	uint8_t *fields[] = { &a.op,   &a.index_class, &a.cpl,	   &a.mask, &a.filter_path,
			      &a.exit, &a.reply,       &a.outcome, &a.prev };

	for (unsigned i = 0; i < sizeof(fields) / sizeof(fields[0]); i++) {
		(*fields[i])++;
		CHECK(fb_tuple_hash(&a) != base, "field %u", i);
		(*fields[i])--;
	}
	CHECK_EQ(fb_tuple_hash(&a), base);
}

/* Off when asked (or absent): no PCs, nothing to close; edges are directed. */
static void test_kcov(void)
{
	struct kcov k;
	unsigned long n = 1;

	setenv("MSREXIT_KCOV", "0", 1);
	CHECK(!kcov_open(&k), "MSREXIT_KCOV=0 must keep KCOV off");
	CHECK_EQ(k.fd, -1);
	kcov_begin(&k);
	CHECK(kcov_pcs(&k, &n) == NULL, "no PCs when off");
	CHECK_EQ(n, 0);
	kcov_close(&k);
	CHECK(kcov_edge_hash(0x1000, 0x2000) != kcov_edge_hash(0x2000, 0x1000), "direction");
	CHECK(kcov_edge_hash(0, 0x1000) != kcov_edge_hash(0, 0x1001), "pc");
	CHECK_EQ(kcov_edge_hash(7, 9), kcov_edge_hash(7, 9));
}

int main(void)
{
	test_filter_paths();
	test_state();
	test_outcomes();
	test_map();
	test_hash();
	test_kcov();
	return unit_summary("feedback");
}
