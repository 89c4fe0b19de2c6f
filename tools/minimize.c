/* minimize.c - delta debugging over programs: fewer steps, filters, ranges and entries, simpler values. */
#include <string.h>

#include "minimize.h"
#include "msr_table.h"

#define CANONICAL_UNKNOWN 0x12345678u /* the unknown index the seeds use (UNKNOWN_12345678) */

struct mz {
	struct program *p;
	const struct minimize_ops *ops;
	bool changed;
};

/* Keeps cand if it still fails. */
static bool try(struct mz *m, const struct program *cand)
{
	if (!m->ops->still_fails(m->ops->ctx, cand))
		return false;
	*m->p = *cand;
	m->changed = true;
	return true;
}

static void report(struct mz *m, const char *pass, bool before)
{
	if (m->changed != before && m->ops->progress)
		m->ops->progress(m->ops->ctx, pass, m->p);
}

/* ---- dropping things ---- */

static void remove_steps(struct program *p, int i, int n)
{
	memmove(&p->steps[i], &p->steps[i + n], (size_t)(p->nsteps - i - n) * sizeof(p->steps[0]));
	p->nsteps -= (uint16_t)n;
	memset(&p->steps[p->nsteps], 0, (size_t)n * sizeof(p->steps[0]));
}

/* Chunks of half the steps, then a quarter, ... then one at a time. */
static void drop_steps(struct mz *m)
{
	static struct program c;

	for (int chunk = (m->p->nsteps + 1) / 2; chunk >= 1; chunk /= 2) {
		for (int i = 0; i < m->p->nsteps;) {
			int n = chunk < m->p->nsteps - i ? chunk : m->p->nsteps - i;

			c = *m->p;
			remove_steps(&c, i, n);
			if (!try(m, &c))
				i += n;
		}
	}
}

static uint8_t renumber(uint8_t ref, unsigned gone)
{
	if (ref == HOST_FILTER_NONE || ref < gone)
		return ref;
	return ref == gone ? HOST_FILTER_NONE : (uint8_t)(ref - 1);
}

static void remove_filter(struct program *p, unsigned i)
{
	memmove(&p->filters[i], &p->filters[i + 1], (p->nfilters - i - 1) * sizeof(p->filters[0]));
	p->nfilters--;
	memset(&p->filters[p->nfilters], 0, sizeof(p->filters[0]));
	p->setup_filter = renumber(p->setup_filter, i);
	for (int n = 0; n < p->nsteps; n++)
		if (p->steps[n].kind == STEP_HOST_FILTER)
			p->steps[n].h.arg = renumber((uint8_t)p->steps[n].h.arg, i);
}

static void drop_filters(struct mz *m)
{
	static struct program c;

	for (int i = m->p->nfilters - 1; i >= 0; i--) {
		c = *m->p;
		remove_filter(&c, (unsigned)i);
		try(m, &c);
	}
}

static void drop_ranges(struct mz *m)
{
	static struct program c;

	for (unsigned f = 0; f < m->p->nfilters; f++) {
		for (int r = m->p->filters[f].nranges - 1; r >= 0; r--) {
			struct prog_filter *pf = &c.filters[f];

			c = *m->p;
			memmove(&pf->ranges[r], &pf->ranges[r + 1],
				(pf->nranges - r - 1) * sizeof(pf->ranges[0]));
			pf->nranges--;
			memset(&pf->ranges[pf->nranges], 0, sizeof(pf->ranges[0]));
			try(m, &c);
		}
	}
}

static bool has_list(const struct step *s)
{
	return s->kind == STEP_HOST_GET_MSRS || s->kind == STEP_HOST_SET_MSRS;
}

static void drop_entries(struct mz *m)
{
	static struct program c;

	for (int n = 0; n < m->p->nsteps; n++) {
		if (!has_list(&m->p->steps[n]))
			continue;
		for (int e = m->p->steps[n].h.nlist - 1; e >= 0; e--) {
			struct host_step *h = &c.steps[n].h;

			c = *m->p;
			if (h->nmsrs == h->nlist)
				h->nmsrs--;
			memmove(&h->list[e], &h->list[e + 1],
				(h->nlist - e - 1) * sizeof(h->list[0]));
			h->nlist--;
			memset(&h->list[h->nlist], 0, sizeof(h->list[0]));
			if (!h->nlist)
				h->nmsrs = 0;
			try(m, &c);
		}
	}
}

/* ---- simplifying values ---- */

/* Tries the change `stmt` on a copy (c, step s) when `cond` says it changes something. */
#define TRY(cond, stmt)                  \
	do {                             \
		if (cond) {              \
			c = *m->p;       \
			s = &c.steps[i]; \
			(void)s;         \
			stmt;            \
			try(m, &c);      \
		}                        \
	} while (0)

static uint64_t base_of(struct mz *m, uint32_t index, unsigned vcpu)
{
	return m->ops->base_value ? m->ops->base_value(m->ops->ctx, index, vcpu) : 0;
}

/*
 * *v toward base: base itself, then each bit that differs, highest first,
 * so that what stays is what the finding needs (EFER=0x501: only NXE).
 */
static void toward(struct mz *m, int i, uint64_t *(*field)(struct program *, int, int), int k,
		   uint64_t base)
{
	static struct program c;

	if (*field(m->p, i, k) == base)
		return;
	c = *m->p;
	*field(&c, i, k) = base;
	if (try(m, &c))
		return;
	for (int bit = 63; bit >= 0; bit--) {
		uint64_t b = 1ull << bit;

		if ((*field(m->p, i, k) ^ base) & b) {
			c = *m->p;
			*field(&c, i, k) ^= b;
			try(m, &c);
		}
	}
}

static uint64_t *entry_value(struct program *p, int i, int k)
{
	return &p->steps[i].h.list[k].value;
}

static uint64_t *mask_arg(struct program *p, int i, int k)
{
	(void)k;
	return &p->steps[i].h.arg;
}

static void simplify_guest(struct mz *m, int i)
{
	static struct program c;
	const struct step *o = &m->p->steps[i];
	struct step *s;
	uint32_t index = guest_index(&o->g);

	TRY(o->g.cpl, s->g.cpl = 0);
	TRY(o->g.fep, s->g.fep = 0);
	TRY(o->vcpu, s->vcpu = 0);
	TRY(o->kind == STEP_WRMSRNS, s->kind = STEP_WRMSR);
	TRY(o->g.rcx >> 32, s->g.rcx = (uint32_t)s->g.rcx);
	TRY(!msr_lookup(index) && index != CANONICAL_UNKNOWN,
	    s->g.rcx = (s->g.rcx & ~0xffffffffull) | CANONICAL_UNKNOWN);
	if (step_is_write(o->kind)) {
		uint64_t base = base_of(m, guest_index(&o->g), o->vcpu);

		TRY(guest_wrmsr_value(&o->g) != base,
		    (s->g.rax = (uint32_t)base, s->g.rdx = base >> 32));
		TRY(o->g.rax >> 32, s->g.rax = (uint32_t)s->g.rax);
		TRY(o->g.rdx >> 32, s->g.rdx = (uint32_t)s->g.rdx);
	} else {
		TRY(o->g.rax != PROG_RDMSR_RAX_DEFAULT, s->g.rax = PROG_RDMSR_RAX_DEFAULT);
		TRY(o->g.rdx != PROG_RDMSR_RDX_DEFAULT, s->g.rdx = PROG_RDMSR_RDX_DEFAULT);
	}
	TRY(o->g.reply_error, s->g.reply_error = 0);
	TRY(m->p->steps[i].g.reply_error > 1, s->g.reply_error = 1);
	TRY(o->g.reply_data, s->g.reply_data = 0);
	for (unsigned b = 1; b <= REPLY_UNTOUCHED; b <<= 1)
		TRY(m->p->steps[i].g.reply_flags & b, s->g.reply_flags &= (uint8_t)~b);
}

static void simplify_host(struct mz *m, int i)
{
	static struct program c;
	const struct step *o = &m->p->steps[i];
	struct step *s;

	TRY(o->h.target, s->h.target = TARGET_DEFAULT);
	TRY(o->vcpu, s->vcpu = 0);
	TRY(o->h.flags, s->h.flags = 0);
	if (o->kind == STEP_HOST_MASK)
		toward(m, i, mask_arg, 0, 0);
	if (!has_list(o))
		return;
	TRY(o->h.nmsrs != o->h.nlist, s->h.nmsrs = s->h.nlist);
	for (int k = 0; k < m->p->steps[i].h.nlist; k++) {
		const struct host_msr *e = &m->p->steps[i].h.list[k];

		TRY(!msr_lookup(e->index) && e->index != CANONICAL_UNKNOWN,
		    s->h.list[k].index = CANONICAL_UNKNOWN);
		toward(m, i, entry_value, k,
		       o->kind == STEP_HOST_SET_MSRS ?
			   base_of(m, m->p->steps[i].h.list[k].index, m->p->steps[i].vcpu) :
			   0);
	}
}

static void simplify_setup(struct mz *m)
{
	static struct program c;
	const struct program *o = m->p;
	const int i = 0;
	struct step *s;

	TRY(o->nvcpus > 1, c.nvcpus = 1);
	TRY(o->setup_filter != HOST_FILTER_NONE, c.setup_filter = HOST_FILTER_NONE);
	for (unsigned b = 1; b <= REASON_FILTER; b <<= 1)
		TRY(m->p->mask & b, c.mask &= ~(uint64_t)b);
	for (unsigned f = 0; f < o->nfilters; f++) {
		TRY(m->p->filters[f].flags, c.filters[f].flags = 0);
		for (unsigned r = 0; r < m->p->filters[f].nranges; r++) {
			const struct prog_range *g = &m->p->filters[f].ranges[r];

			TRY(g->nmsrs != 1, c.filters[f].ranges[r].nmsrs = 1);
			TRY(g->bitmap_kind == BITMAP_PATTERN && g->pattern && ~g->pattern,
			    c.filters[f].ranges[r].pattern = 0);
			TRY(m->p->filters[f].ranges[r].pattern &&
				~m->p->filters[f].ranges[r].pattern,
			    c.filters[f].ranges[r].pattern = ~0ull);
		}
	}
}

static void simplify(struct mz *m)
{
	simplify_setup(m);
	for (int i = 0; i < m->p->nsteps; i++) {
		if (step_is_guest(m->p->steps[i].kind))
			simplify_guest(m, i);
		else
			simplify_host(m, i);
	}
}

void minimize_program(struct program *p, const struct minimize_ops *ops)
{
	static const struct {
		const char *name;
		void (*pass)(struct mz *);
	} passes[] = {
		{ "dropped steps:", drop_steps },   { "dropped filters:", drop_filters },
		{ "dropped ranges:", drop_ranges }, { "dropped entries:", drop_entries },
		{ "simplified values:", simplify },
	};
	struct mz m = { p, ops, false };
	bool round;

	do {
		round = false;
		for (unsigned k = 0; k < sizeof(passes) / sizeof(passes[0]); k++) {
			m.changed = false;
			passes[k].pass(&m);
			report(&m, passes[k].name, false);
			round = round || m.changed;
		}
	} while (round);
}

void program_size(const struct program *p, struct program_size *s)
{
	static char text[65536];
	int len = program_format(p, text, sizeof(text));

	memset(s, 0, sizeof(*s));
	s->steps = p->nsteps;
	s->filters = p->nfilters;
	s->text_bytes = len < 0 ? 0 : (unsigned)len;
	for (unsigned f = 0; f < p->nfilters; f++)
		s->ranges += p->filters[f].nranges;
	for (int n = 0; n < p->nsteps; n++)
		if (has_list(&p->steps[n]))
			s->entries += p->steps[n].h.nlist;
}
