/* feedback.c - semantic coverage without KCOV: one tuple per step that ran, hashed into a counter map. */
#include <string.h>

#include "feedback.h"
#include "msr_table.h"

static uint8_t index_class(uint32_t index)
{
	int pos = msr_table_pos(index);

	if (pos >= 0 && pos < FB_IDX_X2APIC)
		return (uint8_t)pos;
	if (index >= X2APIC_FIRST && index <= X2APIC_LAST)
		return FB_IDX_X2APIC;
	for (unsigned i = 0; i < msr_unknown_len; i++)
		if (msr_unknown_indices[i] == index)
			return FB_IDX_UNKNOWN;
	return FB_IDX_OTHER;
}

static uint8_t mask_class(uint64_t mask)
{
	return (uint8_t)((mask & REASON_VALID_MASK) |
			 (mask & ~(uint64_t)REASON_VALID_MASK ? 0x80 : 0));
}

/* Which way the filter in force decides an access (docs/spec.md §3, "Matching an access"). */
static uint8_t filter_path(const struct program *p, uint8_t filter, uint32_t index, bool write)
{
	uint32_t type = write ? RANGE_WRITE : RANGE_READ;
	const struct prog_filter *flt;
	uint8_t miss = 0;
	unsigned n;

	if (filter == HOST_FILTER_NONE || filter >= p->nfilters || filter >= PROG_MAX_FILTERS)
		return FB_FILTER_NONE;
	if (index >= X2APIC_FIRST && index <= X2APIC_LAST)
		return FB_FILTER_X2APIC;
	flt = &p->filters[filter];
	n = flt->nranges < PROG_MAX_RANGES ? flt->nranges : PROG_MAX_RANGES;
	for (unsigned i = 0; i < n; i++) {
		const struct prog_range *r = &flt->ranges[i];
		uint32_t end = r->base + r->nmsrs; /* a wrapping range holds nothing */

		if (!r->nmsrs || index < r->base || index >= end)
			continue;
		if (!(r->flags & type)) {
			miss = FB_FILTER_TYPE_MISS;
			continue;
		}
		return miss | (uint8_t)(FB_FILTER_RANGE + 2 * i +
					((r->pattern >> ((index - r->base) % 64)) & 1));
	}
	return miss | (flt->flags & FILTER_DEFAULT_DENY ? FB_FILTER_DEFAULT_DENY :
							  FB_FILTER_DEFAULT_ALLOW);
}

static uint8_t guest_outcome(const struct guest_obs *o)
{
	if (o->stray)
		return FB_OUT_STRAY;
	if (!o->faulted)
		return FB_OUT_SUCCESS;
	if (o->error_code)
		return FB_OUT_FAULT;
	if (o->vector == VEC_GP)
		return FB_OUT_GP;
	return o->vector == VEC_UD ? FB_OUT_UD : FB_OUT_FAULT;
}

static uint8_t host_outcome(const struct host_obs *o)
{
	if (o->ret < 0)
		return (uint8_t)(FB_OUT_ERRNO + (o->err & 0x3f));
	if (o->ret == 0)
		return FB_OUT_HOST_ZERO;
	return (uint8_t)(FB_OUT_HOST_COUNT + (o->ret < 3 ? o->ret : 3) - 1);
}

static uint8_t reply_class(const struct guest_step *g)
{
	return (uint8_t)((g->reply_error ? FB_REPLY_ERROR : 0) |
			 (g->reply_error > 1 ? FB_REPLY_ERROR_BIG : 0) |
			 (g->reply_flags << FB_REPLY_FLAGS_SHIFT));
}

static void guest_tuple(const struct fb_walk *w, const struct program *p, const struct step *s,
			const struct guest_obs *o, struct fb_tuple *out)
{
	out->op = (uint8_t)(s->kind | (s->g.fep ? 0x80 : 0));
	out->index_class = index_class(guest_index(&s->g));
	out->cpl = s->g.cpl;
	out->filter_path = filter_path(p, w->filter, guest_index(&s->g), step_is_write(s->kind));
	if (!o->ran)
		return;
	out->outcome = guest_outcome(o);
	if (!o->exited)
		return;
	out->exit = (uint8_t)((o->reason & REASON_VALID_MASK) |
			      (o->exit_reason == EXIT_REASON_WRMSR ? 0x8 : 0) |
			      (o->reason & ~REASON_VALID_MASK ? 0x10 : 0));
	out->reply = reply_class(&s->g);
}

static void host_tuple(const struct fb_walk *w, const struct step *s, const struct host_obs *o,
		       struct fb_tuple *out)
{
	out->op = s->kind;
	out->index_class = s->h.target;
	out->exit = (w->held >> s->vcpu) & 1; /* an exit of its vCPU is pending */
	out->filter_path = w->filter == HOST_FILTER_NONE ? 0 : (uint8_t)(w->filter + 1);
	if (o->ran)
		out->outcome = host_outcome(o);
}

/* What a host step that succeeded leaves in force. */
static void host_advance(struct fb_walk *w, const struct step *s, const struct host_obs *o)
{
	if (s->kind == STEP_HOST_IMMEDIATE_EXIT)
		w->held &= (uint8_t) ~(1u << s->vcpu);
	if (!o->ran || o->ret != 0)
		return;
	if (s->kind == STEP_HOST_MASK)
		w->mask = mask_class(s->h.arg);
	else if (s->kind == STEP_HOST_FILTER)
		w->filter = (uint8_t)s->h.arg;
}

void fb_walk_init(struct fb_walk *w, const struct program *p, const struct trace *t)
{
	w->mask = mask_class(p->mask);
	w->filter = t->setup_filter_err == 0 ? p->setup_filter : HOST_FILTER_NONE;
	w->prev = FB_OUT_START;
	w->held = 0;
}

void fb_step_tuple(struct fb_walk *w, const struct program *p, const struct trace *t, int n,
		   struct fb_tuple *out)
{
	const struct step *s = &p->steps[n];

	memset(out, 0, sizeof(*out));
	out->outcome = FB_OUT_NOTRUN;
	out->mask = w->mask;
	out->prev = w->prev;
	if (step_is_guest(s->kind)) {
		guest_tuple(w, p, s, &t->g[n], out);
		w->held &= (uint8_t) ~(1u << s->vcpu);
		if (t->g[n].exited && (s->g.reply_flags & REPLY_HOLD))
			w->held |= (uint8_t)(1u << s->vcpu);
	} else {
		host_tuple(w, s, &t->h[n], out);
		host_advance(w, s, &t->h[n]);
	}
	if (t->abort_step == n)
		out->outcome = FB_OUT_ABORT;
	w->prev = out->outcome;
}

uint32_t fb_tuple_hash(const struct fb_tuple *tp)
{
	const uint8_t b[] = { tp->op,	tp->index_class, tp->cpl,     tp->mask, tp->filter_path,
			      tp->exit, tp->reply,	 tp->outcome, tp->prev };
	uint32_t h = 2166136261u; /* FNV-1a, then murmur3's finalizer to spread the low bits */

	for (unsigned i = 0; i < sizeof(b); i++)
		h = (h ^ b[i]) * 16777619u;
	h ^= h >> 16;
	h *= 0x85ebca6bu;
	h ^= h >> 13;
	h *= 0xc2b2ae35u;
	return h ^ (h >> 16);
}

/* Steps up to the one that stopped the run; after it nothing ran. */
static int steps_run(const struct program *p, const struct trace *t)
{
	int n = p->nsteps < PROG_MAX_STEPS ? p->nsteps : PROG_MAX_STEPS;

	return t->abort_step >= 0 && t->abort_step < n ? t->abort_step + 1 : n;
}

unsigned feedback_hashes(const struct program *p, const struct trace *t, uint32_t *hashes)
{
	int n = steps_run(p, t);
	struct fb_walk w;
	unsigned added = 0;

	fb_walk_init(&w, p, t);
	for (int i = 0; i < n; i++) {
		struct fb_tuple tp;

		fb_step_tuple(&w, p, t, i, &tp);
		if (tp.outcome != FB_OUT_NOTRUN)
			hashes[added++] = fb_tuple_hash(&tp);
	}
	return added;
}

unsigned feedback_add(const struct program *p, const struct trace *t, uint8_t *map, size_t size)
{
	uint32_t h[PROG_MAX_STEPS];
	unsigned n = feedback_hashes(p, t, h);

	for (unsigned i = 0; i < n && size; i++) {
		uint8_t *c = &map[h[i] % size];

		if (*c != 0xff)
			(*c)++;
	}
	return size ? n : 0;
}
