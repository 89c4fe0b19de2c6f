/* codec_check.h - validity and field-by-field equality of programs, for the codec tests. */
#ifndef MSREXIT_CODEC_CHECK_H
#define MSREXIT_CODEC_CHECK_H

#include <stdbool.h>
#include <stdio.h>
#include <string.h>

#include "program.h"
#include "unit.h"

#define TEXT_MAX 65536

/* test_codec_text.c: its checks count in its own unit.h counters, added in at the end. */
void check_text_round_trip(const struct program *p);
void test_text(void);
void text_tests_counts(unsigned *checked, unsigned *failed);

static inline bool all_zero(const void *p, size_t n)
{
	static const uint8_t zero[sizeof(struct program)];

	return n <= sizeof(zero) && !memcmp(p, zero, n);
}

/* ---- what every program must satisfy ---- */

static inline bool filter_valid(const struct program *p, unsigned i, bool tails, const char **why)
{
	const struct prog_filter *f = &p->filters[i];

	if (f->nranges > PROG_MAX_RANGES)
		return *why = "nranges", false;
	if (tails && !all_zero(&f->ranges[f->nranges],
			       (PROG_MAX_RANGES - f->nranges) * sizeof(f->ranges[0])))
		return *why = "unused range not zero", false;
	for (unsigned j = 0; j < f->nranges; j++) {
		const struct prog_range *g = &f->ranges[j];

		if (g->bitmap_kind > BITMAP_FAULT)
			return *why = "bitmap kind", false;
		if (g->bitmap_kind == BITMAP_FAULT && g->pattern)
			return *why = "fault range with a pattern", false;
	}
	return true;
}

static inline bool host_valid(const struct program *p, const struct host_step *h, uint8_t kind,
			      const char **why)
{
	bool list = kind == STEP_HOST_GET_MSRS || kind == STEP_HOST_SET_MSRS;

	if (h->target > TARGET_SYSTEM)
		return *why = "target", false;
	if (kind != STEP_HOST_MASK && h->flags)
		return *why = "flags on a step other than mask", false;
	if (kind == STEP_HOST_FILTER && h->arg != HOST_FILTER_NONE && h->arg >= p->nfilters)
		return *why = "host filter reference", false;
	if (kind != STEP_HOST_MASK && kind != STEP_HOST_FILTER && kind != STEP_HOST_CHECK_CAP &&
	    h->arg)
		return *why = "arg on a step without one", false;
	if (!list && (h->nlist || h->nmsrs))
		return *why = "msr list on a step without one", false;
	if (h->nlist > PROG_MAX_HOST_MSRS || h->nmsrs > PROG_HOST_NMSRS_MAX ||
	    h->nmsrs < h->nlist || (!h->nlist && h->nmsrs))
		return *why = "nlist/nmsrs", false;
	for (unsigned i = h->nlist; i < PROG_MAX_HOST_MSRS; i++)
		if (h->list[i].index || h->list[i].value)
			return *why = "unused list entry not zero", false;
	return true;
}

static inline bool step_valid(const struct program *p, const struct step *s, const char **why)
{
	const struct step_kind_desc *d = step_kind_desc(s->kind);

	if (!d)
		return *why = "step kind", false;
	if (s->vcpu >= p->nvcpus)
		return *why = "vcpu", false;
	if (!d->guest)
		return host_valid(p, &s->h, s->kind, why);
	if (s->g.cpl != 0 && s->g.cpl != 3)
		return *why = "cpl", false;
	if (s->g.reply_flags & ~(REPLY_HOLD | REPLY_SCRIBBLE | REPLY_UNTOUCHED))
		return *why = "reply flags", false;
	if (s->g.fep > 1)
		return *why = "fep", false;
	return true;
}

/* Every field in range; with tails, the unused filters and ranges zero too. */
static inline bool program_check(const struct program *p, bool tails, const char **why)
{
	if (p->nvcpus < 1 || p->nvcpus > PROG_MAX_VCPUS)
		return *why = "nvcpus", false;
	if (p->nfilters > PROG_MAX_FILTERS || p->nsteps > PROG_MAX_STEPS)
		return *why = "nfilters/nsteps", false;
	if (p->setup_filter != HOST_FILTER_NONE && p->setup_filter >= p->nfilters)
		return *why = "setup filter reference", false;
	if (tails && !all_zero(&p->filters[p->nfilters],
			       (PROG_MAX_FILTERS - p->nfilters) * sizeof(p->filters[0])))
		return *why = "unused filter not zero", false;
	for (unsigned i = 0; i < p->nfilters; i++)
		if (!filter_valid(p, i, tails, why))
			return false;
	for (unsigned i = 0; i < p->nsteps; i++)
		if (!step_valid(p, &p->steps[i], why))
			return false;
	return true;
}

static inline bool program_valid(const struct program *p, const char **why)
{
	return program_check(p, true, why);
}

/* ---- field-by-field equality ---- */

#define DIFF(field)                                                               \
	do {                                                                      \
		if ((a->field) != (b->field))                                     \
			return snprintf(why, 128, "%s: 0x%llx != 0x%llx", #field, \
					(unsigned long long)(a->field),           \
					(unsigned long long)(b->field)),          \
			       false;                                             \
	} while (0)

static inline bool filter_equal(const struct prog_filter *a, const struct prog_filter *b, char *why)
{
	DIFF(flags);
	DIFF(nranges);
	for (unsigned j = 0; j < a->nranges && j < PROG_MAX_RANGES; j++) {
		DIFF(ranges[j].flags);
		DIFF(ranges[j].nmsrs);
		DIFF(ranges[j].base);
		DIFF(ranges[j].bitmap_kind);
		DIFF(ranges[j].pattern);
	}
	return true;
}

static inline bool step_equal(const struct step *a, const struct step *b, bool line, char *why)
{
	DIFF(kind);
	DIFF(vcpu);
	if (line)
		DIFF(line);
	if (step_is_guest(a->kind)) {
		DIFF(g.cpl);
		DIFF(g.fep);
		DIFF(g.rcx);
		DIFF(g.rax);
		DIFF(g.rdx);
		DIFF(g.reply_error);
		DIFF(g.reply_data);
		DIFF(g.reply_flags);
		return true;
	}
	DIFF(h.target);
	DIFF(h.arg);
	DIFF(h.flags);
	DIFF(h.nmsrs);
	DIFF(h.nlist);
	for (unsigned i = 0; i < a->h.nlist && i < PROG_MAX_HOST_MSRS; i++) {
		DIFF(h.list[i].index);
		DIFF(h.list[i].value);
	}
	return true;
}

static inline bool prog_equal(const struct program *a, const struct program *b, bool line,
			      char *why)
{
	DIFF(nvcpus);
	DIFF(mask);
	DIFF(setup_filter);
	DIFF(nfilters);
	DIFF(nsteps);
	for (unsigned i = 0; i < a->nfilters && i < PROG_MAX_FILTERS; i++)
		if (!filter_equal(&a->filters[i], &b->filters[i], why))
			return false;
	for (unsigned i = 0; i < a->nsteps && i < PROG_MAX_STEPS; i++)
		if (!step_equal(&a->steps[i], &b->steps[i], line, why))
			return snprintf(why + strlen(why), 64, " (step %u)", i), false;
	return true;
}

static inline void check_bin_round_trip(const struct program *p)
{
	static uint8_t buf[PROG_BIN_MAX_SIZE];
	struct program q;
	char why[256] = "";
	size_t n = program_encode(p, buf, sizeof(buf));

	CHECK(n > 3, "encode failed");
	program_decode(buf, n, &q);
	CHECK(prog_equal(p, &q, false, why), "binary round trip: %s", why);
}

#endif
