/* cases_matrix.c - every exit reason crossed with all 8 mask subsets, for RDMSR and WRMSR (§4). */
#include "conform.h"
#include "program_build.h"

/* The access that fails, in the order of matrix_cases below. */
struct trigger {
	int is_write;
	uint32_t index;
	uint64_t value;
	uint32_t filter_flags; /* non-zero: a filter denying this index for these access types */
	enum requirement req; /* what the case needs of the kernel */
};

static const struct trigger triggers[] = {
	{ 0, 0x12345678, 0, 0, REQ_NO_IGNORE_MSRS }, /* ignore_msrs: the read succeeds, no exit */
	{ 1, 0xdeadbeef, 0x1122334455667788ull, 0, REQ_NONE },
	{ 1, 0xc0000080, 0xd03, 0, REQ_NONE },
	{ 1, 0xc0000082, 0x8000000000000000ull, 0, REQ_NONE },
	{ 1, 0xc0000083, 0x8000000000000000ull, 0, REQ_NONE },
	{ 1, 0xc0000100, 0x0100000000000000ull, 0, REQ_NONE },
	{ 1, 0xc0000101, 0x0100000000000000ull, 0, REQ_NONE },
	{ 1, 0xc0000102, 0x8000000000000000ull, 0, REQ_NONE },
	{ 1, 0x1b, 0xfee00901, 0, REQ_NONE },
	{ 0, 0xc0000080, 0, RANGE_READ, REQ_NONE },
	{ 1, 0xc0000081, 0x42, RANGE_WRITE, REQ_NONE },
	{ 0, 0x12345678, 0, RANGE_READ, REQ_NONE },
};

#define NTRIGGERS (sizeof(triggers) / sizeof(triggers[0]))

/* For each mask 0..7: set it, then the access; the oracle says exit (one reason bit) or #GP. */
static void build(struct program *p, const struct trigger *t)
{
	pb_init(p, 1, 0);
	if (t->filter_flags) {
		pb_range(pb_filter(p, 0, 0), t->filter_flags, t->index, 1, 0);
		p->setup_filter = 0;
	}
	for (uint64_t mask = 0; mask < 8; mask++) {
		struct step *s;

		pb_host(p, STEP_HOST_MASK, mask);
		s = t->is_write ? pb_wrmsr(p, t->index, t->value) : pb_rdmsr(p, t->index);
		s->g.reply_data = 0x0101010100000000ull | mask;
	}
}

/* The case's argument is its trigger. */
static int run_trigger(struct case_ctx *c)
{
	static struct program p;
	const struct trigger *t = c->arg;

	if (!case_needs(c, t->req))
		return CASE_SKIP;
	build(&p, t);
	case_run(c, &p);
	return CASE_PASS;
}

#define CASE(i, n, d)                                                                             \
	{                                                                                         \
		"reason_matrix." n, "4", d " under all 8 reason masks", run_trigger, &triggers[i] \
	}

const struct conform_case matrix_cases[] = {
	CASE(0, "unknown_read", "RDMSR of an unknown index"),
	CASE(1, "unknown_write", "WRMSR of an unknown index"),
	CASE(2, "inval_efer", "WRMSR EFER with a reserved bit"),
	CASE(3, "inval_lstar", "WRMSR non-canonical LSTAR"),
	CASE(4, "inval_cstar", "WRMSR non-canonical CSTAR"),
	CASE(5, "inval_fs_base", "WRMSR non-canonical FS_BASE"),
	CASE(6, "inval_gs_base", "WRMSR non-canonical GS_BASE"),
	CASE(7, "inval_kernel_gs_base", "WRMSR non-canonical KERNEL_GS_BASE"),
	CASE(8, "inval_apic_base", "WRMSR APIC_BASE with a reserved bit"),
	CASE(9, "filter_read", "RDMSR denied by the filter"),
	CASE(10, "filter_write", "WRMSR denied by the filter"),
	CASE(11, "filter_unknown_index", "RDMSR of an unknown index denied by the filter"),
	{ 0 },
};

_Static_assert(NTRIGGERS == 12, "one case per trigger");
