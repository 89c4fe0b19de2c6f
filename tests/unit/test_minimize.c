/* test_minimize.c - delta debugging over programs (tools/minimize.c) with model failures, no KVM. */
#include <string.h>

#include "minimize.h"
#include "program.h"
#include "unit.h"

#define EFER 0xc0000080u
#define EFER_NXE 0x800u

static unsigned calls;

/* What msrexit minimize asks first: a candidate must be a valid program (its text parses). */
static bool valid(const struct program *p)
{
	static char text[65536];
	static struct program back;
	struct parse_error err;

	return program_format(p, text, sizeof(text)) >= 0 &&
	       program_parse(text, "candidate", &back, &err) == 0;
}

static struct program *parse(const char *text)
{
	static struct program p;
	struct parse_error err;

	CHECK(program_parse(text, "test", &p, &err) == 0, "%u:%u: %s", err.line, err.column,
	      err.msg);
	return &p;
}

/* F1 as a model: a held WRMSR exit, then a host write of EFER that clears NXE. */
static bool f1_fails(void *ctx, const struct program *p)
{
	bool held = false;

	(void)ctx;
	calls++;
	if (!valid(p))
		return false;
	for (int n = 0; n < p->nsteps; n++) {
		const struct step *s = &p->steps[n];

		if (s->kind == STEP_WRMSR && (s->g.reply_flags & REPLY_HOLD))
			held = true;
		if (held && s->kind == STEP_HOST_SET_MSRS)
			for (unsigned k = 0; k < s->h.nlist; k++)
				if (s->h.list[k].index == EFER && !(s->h.list[k].value & EFER_NXE))
					return true;
	}
	return false;
}

static uint64_t initial(void *ctx, uint32_t index, unsigned vcpu)
{
	(void)ctx;
	(void)vcpu;
	return index == EFER ? 0xd01 : 0;
}

static void test_padded_f1(void)
{
	static char text[16384];
	size_t len = 0;
	struct program *p;
	struct minimize_ops ops = { NULL, f1_fails, NULL, initial };

	len += (size_t)snprintf(text + len, sizeof(text) - len,
				"setup vcpus=2 mask=UNKNOWN|INVAL filter=0\n"
				"filter 0\n\trange read LSTAR 4 pattern=0x0f0f\nend\n"
				"filter 1 default=deny\nend\n");
	for (int i = 0; i < 57; i++) {
		static const char *const pad[] = {
			"rdmsr EFER",	     "wrmsr STAR 0x23001000000000 cpl=3",
			"host get EFER PAT", "rdmsr LSTAR vcpu=1 rax=0x1",
			"host filter 1",
		};

		len += (size_t)snprintf(text + len, sizeof(text) - len, "%s\n", pad[i % 5]);
		if (i == 30)
			len +=
			    (size_t)snprintf(text + len, sizeof(text) - len,
					     "wrmsr 0x1234abcd 0x77 rax_hi=0x5 error=3 hold fep\n"
					     "host set PAT=0x1 EFER=0x10501 nmsrs=5 vcpu=1\n"
					     "rdmsr EFER\n");
	}
	p = parse(text);
	CHECK_EQ(p->nsteps, 60);
	CHECK(f1_fails(NULL, p), "the padded program must fail");
	calls = 0;
	minimize_program(p, &ops);
	CHECK(calls < 400, "%u candidates", calls);
	CHECK(f1_fails(NULL, p), "the result must still fail");
	CHECK_EQ(p->nsteps, 2);
	CHECK_EQ(p->nvcpus, 1);
	CHECK_EQ(p->nfilters, 0);
	CHECK_EQ(p->setup_filter, HOST_FILTER_NONE);
	CHECK_EQ(p->mask, 0);
	CHECK_EQ(p->steps[0].kind, STEP_WRMSR);
	CHECK_EQ(p->steps[0].g.rcx, 0x12345678); /* the canonical unknown index */
	CHECK_EQ(guest_wrmsr_value(&p->steps[0].g), 0);
	CHECK_EQ(p->steps[0].g.rax, 0);
	CHECK_EQ(p->steps[0].g.fep, 0);
	CHECK_EQ(p->steps[0].g.reply_error, 0);
	CHECK_EQ(p->steps[0].g.reply_flags, REPLY_HOLD);
	CHECK_EQ(p->steps[1].kind, STEP_HOST_SET_MSRS);
	CHECK_EQ(p->steps[1].vcpu, 0);
	CHECK_EQ(p->steps[1].h.nlist, 1);
	CHECK_EQ(p->steps[1].h.nmsrs, 1);
	CHECK_EQ(p->steps[1].h.list[0].index, EFER);
	/* toward the initial 0xd01, bit by bit: only the bit the failure needs stays different */
	CHECK_EQ(p->steps[1].h.list[0].value, 0x501);
}

/* Fails while some host filter step installs a filter with a read range at LSTAR. */
static bool lstar_filter_fails(void *ctx, const struct program *p)
{
	(void)ctx;
	calls++;
	if (!valid(p))
		return false;
	for (int n = 0; n < p->nsteps; n++) {
		const struct step *s = &p->steps[n];

		if (s->kind != STEP_HOST_FILTER || s->h.arg >= p->nfilters)
			continue;
		for (unsigned r = 0; r < p->filters[s->h.arg].nranges; r++)
			if (p->filters[s->h.arg].ranges[r].base == 0xc0000082 &&
			    (p->filters[s->h.arg].ranges[r].flags & RANGE_READ))
				return true;
	}
	return false;
}

static void test_filters_renumbered(void)
{
	struct program *p =
	    parse("filter 0\n\trange write STAR 1 deny\nend\n"
		  "filter 1 default=deny\n\trange read EFER 1 allow\nend\n"
		  "filter 2 default=deny\n\trange rw EFER 2 deny\n"
		  "\trange read LSTAR 7 pattern=0x1234\nend\n"
		  "setup filter=1\nhost filter 0\nrdmsr EFER\nhost filter 2 on=vm\n");
	struct minimize_ops ops = { NULL, lstar_filter_fails, NULL, NULL };

	CHECK(lstar_filter_fails(NULL, p), "the program must fail");
	minimize_program(p, &ops);
	CHECK_EQ(p->nsteps, 1);
	CHECK_EQ(p->nfilters, 1);
	CHECK_EQ(p->steps[0].kind, STEP_HOST_FILTER);
	CHECK_EQ(p->steps[0].h.arg, 0); /* filter 2 became filter 0 */
	CHECK_EQ(p->steps[0].h.target, TARGET_DEFAULT);
	CHECK_EQ(p->setup_filter, HOST_FILTER_NONE);
	CHECK_EQ(p->filters[0].flags, 0);
	CHECK_EQ(p->filters[0].nranges, 1);
	CHECK_EQ(p->filters[0].ranges[0].base, 0xc0000082);
	CHECK_EQ(p->filters[0].ranges[0].nmsrs, 1);
	CHECK(p->filters[0].ranges[0].pattern == 0 || p->filters[0].ranges[0].pattern == ~0ull,
	      "pattern 0x%llx is not canonical",
	      (unsigned long long)p->filters[0].ranges[0].pattern);
}

/* A failure that needs everything: nothing may change. */
static bool all_needed(void *ctx, const struct program *p)
{
	const struct program *orig = ctx;

	return valid(p) && p->nsteps == orig->nsteps && p->mask == orig->mask &&
	       !memcmp(p->steps, orig->steps, sizeof(p->steps));
}

static void test_nothing_to_drop(void)
{
	static struct program orig;
	struct program *p = parse("setup mask=FILTER\nwrmsr LSTAR 0x5 cpl=3 error=2\n");
	struct minimize_ops ops = { &orig, all_needed, NULL, NULL };

	orig = *p;
	minimize_program(p, &ops);
	CHECK(!memcmp(p, &orig, sizeof(orig)), "a program whose every part is needed changed");
}

static void test_size(void)
{
	struct program_size s;

	program_size(parse("filter 0\n\trange read EFER 1 deny\n\trange rw STAR 1 deny\nend\n"
			   "host get EFER LSTAR nmsrs=4\nhost filter 0\n"),
		     &s);
	CHECK_EQ(s.steps, 2);
	CHECK_EQ(s.filters, 1);
	CHECK_EQ(s.ranges, 2);
	CHECK_EQ(s.entries, 2);
	CHECK(s.text_bytes > 50, "%u bytes", s.text_bytes);
}

int main(void)
{
	test_padded_f1();
	test_filters_renumbered();
	test_nothing_to_drop();
	test_size();
	return unit_summary("test_minimize");
}
