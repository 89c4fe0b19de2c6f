/* program_build.c - building programs in C (conformance C cases, probes, tests). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "program_build.h"

void pb_init(struct program *p, int nvcpus, uint64_t mask)
{
	program_init(p);
	p->nvcpus = (uint8_t)nvcpus;
	p->mask = mask;
}

static struct step *add(struct program *p, uint8_t kind)
{
	struct step *s;

	if (p->nsteps >= PROG_MAX_STEPS) {
		fprintf(stderr, "program_build: more than %d steps\n", PROG_MAX_STEPS);
		abort();
	}
	s = &p->steps[p->nsteps++];
	step_init(s, kind); /* the defaults of the text format (RDMSR's initial RAX/RDX) */
	return s;
}

struct step *pb_rdmsr(struct program *p, uint32_t index)
{
	struct step *s = add(p, STEP_RDMSR);

	s->g.rcx = index;
	return s;
}

struct step *pb_wrmsr(struct program *p, uint32_t index, uint64_t value)
{
	struct step *s = add(p, STEP_WRMSR);

	s->g.rcx = index;
	s->g.rax = (uint32_t)value;
	s->g.rdx = value >> 32;
	return s;
}

struct step *pb_host(struct program *p, uint8_t kind, uint64_t arg)
{
	struct step *s = add(p, kind);

	s->h.arg = arg;
	return s;
}

struct step *pb_host_msrs(struct program *p, uint8_t kind, unsigned n, const uint32_t *idx,
			  const uint64_t *val)
{
	struct step *s = add(p, kind);

	if (n > PROG_MAX_HOST_MSRS)
		n = PROG_MAX_HOST_MSRS;
	s->h.nlist = (uint8_t)n;
	s->h.nmsrs = (uint16_t)n;
	for (unsigned i = 0; i < n; i++) {
		s->h.list[i].index = idx[i];
		s->h.list[i].value = val ? val[i] : 0;
	}
	return s;
}

struct prog_filter *pb_filter(struct program *p, unsigned n, uint32_t flags)
{
	struct prog_filter *f = &p->filters[n % PROG_MAX_FILTERS];

	memset(f, 0, sizeof(*f));
	f->flags = flags;
	if (p->nfilters <= n)
		p->nfilters = (uint8_t)(n + 1);
	return f;
}

struct prog_range *pb_range(struct prog_filter *f, uint32_t flags, uint32_t base, uint32_t nmsrs,
			    uint64_t pattern)
{
	struct prog_range *r = &f->ranges[f->nranges % PROG_MAX_RANGES];

	if (f->nranges < PROG_MAX_RANGES)
		f->nranges++;
	r->flags = flags;
	r->base = base;
	r->nmsrs = nmsrs;
	r->pattern = pattern;
	r->bitmap_kind = BITMAP_PATTERN;
	return r;
}
