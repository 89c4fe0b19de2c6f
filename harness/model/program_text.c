/* program_text.c - the text form of a program: the parser's statements, with precise errors. */
#include <stdio.h>
#include <string.h>

#include "program.h"
#include "program_text_int.h"
#include "program_words.h"

#define UTF8_BOM "\xef\xbb\xbf"

static int st_setup(struct text_parser *ps)
{
	struct keyvals kv = { 0 };
	struct program *p = ps->p;

	if (ps->setup_line)
		return pt_fail(ps, ps->t[0].col, "second setup line (the first is on line %u)",
			       ps->setup_line);
	if (p->nsteps)
		return pt_fail(ps, ps->t[0].col, "setup must come before the first step");
	ps->setup_line = ps->line;
	if (pt_parse_keys(ps, 1, BIT(K_VCPUS) | BIT(K_MASK) | BIT(K_FILTER), &kv, "setup"))
		return -1;
	if ((kv.seen & BIT(K_VCPUS)) && !kv.v[K_VCPUS])
		return pt_fail(ps, kv.col[K_VCPUS], "vcpus must be 1 or 2");
	if (kv.seen & BIT(K_VCPUS))
		p->nvcpus = (uint8_t)kv.v[K_VCPUS];
	if (kv.v[K_MASK] & ~(uint64_t)REASON_VALID_MASK)
		return pt_fail(ps, kv.col[K_MASK],
			       "the set-up mask must be a subset of INVAL|UNKNOWN|FILTER "
			       "(an invalid mask is a host step: host mask N)");
	p->mask = kv.v[K_MASK];
	if (kv.seen & BIT(K_FILTER))
		p->setup_filter = (uint8_t)kv.v[K_FILTER];
	return 0;
}

static int st_filter(struct text_parser *ps)
{
	struct keyvals kv = { 0 };
	struct prog_filter *f;
	uint64_t n;

	const struct tok *t = pt_positional(ps, 1, "a filter number");

	if (!t)
		return -1;
	if (prog_num_scan(t->s, t->len, &n) || n >= PROG_MAX_FILTERS)
		return pt_fail(ps, t->col, "expected a filter number 0..%d, got " TOKF,
			       PROG_MAX_FILTERS - 1, TOKA(t->s, t->len));
	if (ps->defined_line[n])
		return pt_fail(ps, ps->t[1].col, "filter %u defined twice (first on line %u)",
			       (unsigned)n, ps->defined_line[n]);
	if (pt_parse_keys(ps, 2, BIT(K_DEFAULT) | BIT(K_FLAGS), &kv, "a filter line"))
		return -1;
	if ((kv.seen & BIT(K_DEFAULT)) && (kv.seen & BIT(K_FLAGS)))
		return pt_fail(ps, kv.col[K_FLAGS], "give 'default=' or 'flags=', not both");
	f = &ps->p->filters[n];
	memset(f, 0, sizeof(*f));
	f->flags = (uint32_t)(kv.v[K_DEFAULT] | kv.v[K_FLAGS]);
	if (ps->p->nfilters <= n)
		ps->p->nfilters = (uint8_t)(n + 1);
	ps->defined_line[n] = ps->line;
	ps->cur = (int)n;
	ps->cur_line = ps->line;
	ps->cur_col = ps->t[0].col;
	return 0;
}

static int range_bitmap(struct text_parser *ps, const struct tok *t, struct prog_range *g)
{
	const char *eq = memchr(t->s, '=', t->len);

	if (pt_tok_is(t, "allow") || pt_tok_is(t, "deny")) {
		g->pattern = pt_tok_is(t, "allow") ? ~0ull : 0;
		return 0;
	}
	if (pt_tok_is(t, "fault")) {
		g->bitmap_kind = BITMAP_FAULT;
		return 0;
	}
	if (eq && prog_word_is(t->s, (unsigned)(eq - t->s), "pattern"))
		return pt_get_num(ps, t->col, eq + 1, t->len - (unsigned)(eq - t->s) - 1,
				  "'pattern='", ~0ull, &g->pattern);
	return pt_fail(ps, t->col, "expected BITMAP (allow, deny, fault or pattern=N), got " TOKF,
		       TOKA(t->s, t->len));
}

static int st_range(struct text_parser *ps)
{
	static const char *const flag_names[] = { "read", "write", "rw" };
	struct prog_filter *f = &ps->p->filters[ps->cur];
	struct prog_range *g = &f->ranges[f->nranges];
	const struct tok *t = ps->t;
	uint64_t v;
	int i;

	if (f->nranges == PROG_MAX_RANGES)
		return pt_fail(ps, t[0].col, "too many ranges in filter %d (max %d)", ps->cur,
			       PROG_MAX_RANGES);
	if (ps->nt < 5)
		return pt_fail(ps, pt_col_after(ps, ps->nt - 1),
			       "expected 'range FLAGS BASE NMSRS BITMAP'");
	if (ps->nt > 5)
		return pt_fail(ps, t[5].col, "unexpected " TOKF " after the bitmap",
			       TOKA(t[5].s, t[5].len));
	i = prog_word_find(t[1].s, t[1].len, flag_names, 3);
	if (i < 0 && pt_get_num(ps, t[1].col, t[1].s, t[1].len,
				"FLAGS (read, write, rw or a number)", 0xffffffffull, &v))
		return -1;
	g->flags = i < 0 ? (uint32_t)v : (uint32_t)i + 1;
	if (pt_get_index(ps, t[2].col, t[2].s, t[2].len, &g->base) ||
	    pt_get_num(ps, t[3].col, t[3].s, t[3].len, "NMSRS", 0xffffffffull, &v))
		return -1;
	g->nmsrs = (uint32_t)v;
	if (range_bitmap(ps, &t[4], g))
		return -1;
	f->nranges++;
	return 0;
}

/* rdmsr INDEX ... / wrmsr INDEX VALUE ...: the keys of a guest access. */
int step_parse_access(struct text_parser *ps, uint8_t kind)
{
	bool wr = step_is_write(kind);
	uint32_t allowed =
	    GUEST_KEYS | (wr ? BIT(K_RAX_HI) | BIT(K_RDX_HI) : BIT(K_RAX) | BIT(K_RDX));
	struct keyvals kv = { 0 };
	struct guest_step *g;
	struct step *s;
	uint32_t index;
	uint64_t value = 0;

	const struct tok *t = pt_positional(ps, 1, "an MSR index");

	if (!t || pt_get_index(ps, t->col, t->s, t->len, &index))
		return -1;
	t = wr ? pt_positional(ps, 2, "the value to write") : t;
	if (!t || (wr && pt_get_num(ps, t->col, t->s, t->len, "the value", ~0ull, &value)))
		return -1;
	if (pt_parse_keys(ps, wr ? 3 : 2, allowed, &kv, step_name(kind)))
		return -1;
	if ((kv.seen & BIT(K_CPL)) && kv.v[K_CPL] != 0 && kv.v[K_CPL] != 3)
		return pt_fail(ps, kv.col[K_CPL], "cpl must be 0 or 3");
	s = pt_new_step(ps, kind);
	if (!s || pt_check_vcpu(ps, &kv, s))
		return -1;
	g = &s->g;
	g->cpl = (uint8_t)kv.v[K_CPL];
	g->rcx = index | kv.v[K_RCX_HI] << 32;
	if (kv.seen & BIT(K_RAX))
		g->rax = kv.v[K_RAX];
	if (kv.seen & BIT(K_RDX))
		g->rdx = kv.v[K_RDX];
	if (wr) {
		g->rax = (uint32_t)value | kv.v[K_RAX_HI] << 32;
		g->rdx = (value >> 32) | kv.v[K_RDX_HI] << 32;
	}
	g->reply_error = (uint8_t)kv.v[K_ERROR];
	g->reply_data = kv.v[K_DATA];
	g->reply_flags = (uint8_t)((kv.seen >> K_HOLD) & 7);
	g->fep = !!(kv.seen & BIT(K_FEP));
	return 0;
}

static int host_list(struct text_parser *ps, struct host_step *h, struct keyvals *kv)
{
	for (unsigned i = 2; i < ps->nt; i++) {
		const struct tok *t = &ps->t[i];
		const char *eq = memchr(t->s, '=', t->len);
		unsigned ilen = eq ? (unsigned)(eq - t->s) : t->len;
		struct host_msr *m = &h->list[h->nlist];

		if (eq && (prog_word_is(t->s, ilen, "on") || prog_word_is(t->s, ilen, "vcpu") ||
			   prog_word_is(t->s, ilen, "nmsrs"))) {
			if (pt_parse_key(ps, t, HOST_KEYS | BIT(K_NMSRS), kv, "host get/set"))
				return -1;
			continue;
		}
		if (h->nlist == PROG_MAX_HOST_MSRS)
			return pt_fail(ps, t->col, "too many MSRs (max %d)", PROG_MAX_HOST_MSRS);
		if (pt_get_index(ps, t->col, t->s, ilen, &m->index))
			return -1;
		if (eq && pt_get_num(ps, t->col, eq + 1, t->len - ilen - 1, "the MSR's value",
				     ~0ull, &m->value))
			return -1;
		h->nlist++;
	}
	return 0;
}

static int host_nmsrs(struct text_parser *ps, struct host_step *h, const struct keyvals *kv)
{
	unsigned n = (unsigned)kv->v[K_NMSRS];

	h->nmsrs = h->nlist;
	if (!(kv->seen & BIT(K_NMSRS)))
		return 0;
	if (n && !h->nlist)
		return pt_fail(ps, kv->col[K_NMSRS], "nmsrs=%u needs at least one listed MSR", n);
	if (n < h->nlist)
		return pt_fail(ps, kv->col[K_NMSRS], "nmsrs=%u is less than the %u listed MSRs", n,
			       h->nlist);
	h->nmsrs = (uint16_t)n;
	return 0;
}

/* The keys every host step takes, once its arguments are read. */
static int host_finish(struct text_parser *ps, struct step *s, const struct keyvals *kv)
{
	if (pt_check_vcpu(ps, kv, s) || host_nmsrs(ps, &s->h, kv))
		return -1;
	s->h.target = (uint8_t)kv->v[K_ON];
	s->h.flags = (uint32_t)kv->v[K_FLAGS];
	return 0;
}

/* host WORD [on=] [vcpu=] */
int step_parse_none(struct text_parser *ps, uint8_t kind)
{
	struct keyvals kv = { 0 };
	struct step *s = pt_new_step(ps, kind);

	if (!s || pt_parse_keys(ps, 2, HOST_KEYS, &kv, "host"))
		return -1;
	return host_finish(ps, s, &kv);
}

/* host mask REASONS [flags=] ... */
int step_parse_mask(struct text_parser *ps, uint8_t kind)
{
	struct keyvals kv = { 0 };
	struct step *s = pt_new_step(ps, kind);
	const struct tok *t = s ? pt_positional(ps, 2, "exit reasons") : NULL;

	if (!t || pt_get_reasons(ps, t->col, t->s, t->len, &s->h.arg) ||
	    pt_parse_keys(ps, 3, HOST_KEYS | BIT(K_FLAGS), &kv, "host"))
		return -1;
	return host_finish(ps, s, &kv);
}

/* host filter N|none ... */
int step_parse_filter(struct text_parser *ps, uint8_t kind)
{
	struct keyvals kv = { 0 };
	struct step *s = pt_new_step(ps, kind);
	const struct tok *t = s ? pt_positional(ps, 2, "a filter number or 'none'") : NULL;

	if (!t || pt_get_filter_ref(ps, t->col, t->s, t->len, &s->h.arg) ||
	    pt_parse_keys(ps, 3, HOST_KEYS, &kv, "host"))
		return -1;
	return host_finish(ps, s, &kv);
}

/* host get|set ENTRY... [nmsrs=] ... */
int step_parse_msrs(struct text_parser *ps, uint8_t kind)
{
	struct keyvals kv = { 0 };
	struct step *s = pt_new_step(ps, kind);

	if (!s || host_list(ps, &s->h, &kv))
		return -1;
	return host_finish(ps, s, &kv);
}

/* host check-cap NUM ... */
int step_parse_cap(struct text_parser *ps, uint8_t kind)
{
	struct keyvals kv = { 0 };
	struct step *s = pt_new_step(ps, kind);
	const struct tok *t = s ? pt_positional(ps, 2, "a capability number") : NULL;

	if (!t || pt_get_num(ps, t->col, t->s, t->len, "the capability", ~0ull, &s->h.arg) ||
	    pt_parse_keys(ps, 3, HOST_KEYS, &kv, "host"))
		return -1;
	return host_finish(ps, s, &kv);
}

/* "a, b or c": the statements (guest) or the host operations, for a message. */
static const char *kind_words(char *buf, size_t size, bool guest)
{
	const char *w[STEP_KIND_LIMIT + 3];
	unsigned n = 0;
	size_t len = 0;

	if (guest) {
		w[n++] = "setup";
		w[n++] = "filter";
	}
	for (unsigned i = 0; i < step_kind_count; i++)
		if (step_kinds[step_kind_list[i]].guest == guest)
			w[n++] = step_kinds[step_kind_list[i]].word;
	if (guest)
		w[n++] = "host";
	buf[0] = '\0';
	for (unsigned i = 0; i < n && len < size; i++) {
		const char *sep = i + 1 == n ? " or " : ", ";

		len += (size_t)snprintf(buf + len, size - len, "%s%s", i ? sep : "", w[i]);
	}
	return buf;
}

static int st_host(struct text_parser *ps)
{
	const struct tok *t = pt_positional(ps, 1, "a host operation");
	const struct step_kind_desc *d;
	char words[160];

	if (!t)
		return -1;
	d = step_kind_by_word(t->s, t->len, false);
	if (!d)
		return pt_fail(ps, t->col, "unknown host operation " TOKF " (%s)",
			       TOKA(t->s, t->len), kind_words(words, sizeof(words), false));
	return d->parse(ps, d->kind);
}

static int statement(struct text_parser *ps)
{
	const struct tok *c = &ps->t[0];
	const struct step_kind_desc *d;
	char words[160];

	if (ps->cur >= 0 && pt_tok_is(c, "range"))
		return st_range(ps);
	if (ps->cur >= 0 && pt_tok_is(c, "end")) {
		ps->cur = -1;
		return ps->nt > 1 ? pt_fail(ps, ps->t[1].col, "unexpected " TOKF " after 'end'",
					    TOKA(ps->t[1].s, ps->t[1].len)) :
				    0;
	}
	if (ps->cur >= 0)
		return pt_fail(ps, c->col,
			       "expected 'range' or 'end' in filter %d (line %u), got " TOKF,
			       ps->cur, ps->cur_line, TOKA(c->s, c->len));
	if (pt_tok_is(c, "setup"))
		return st_setup(ps);
	if (pt_tok_is(c, "filter"))
		return st_filter(ps);
	d = step_kind_by_word(c->s, c->len, true);
	if (d)
		return d->parse(ps, d->kind);
	if (pt_tok_is(c, "host"))
		return st_host(ps);
	if (pt_tok_is(c, "range") || pt_tok_is(c, "end"))
		return pt_fail(ps, c->col, TOKF " outside a filter block", TOKA(c->s, c->len));
	return pt_fail(ps, c->col, "unknown statement " TOKF " (%s)", TOKA(c->s, c->len),
		       kind_words(words, sizeof(words), true));
}

static int finish(struct text_parser *ps)
{
	if (ps->cur >= 0) {
		ps->line = ps->cur_line;
		return pt_fail(ps, ps->cur_col, "filter %d has no 'end'", ps->cur);
	}
	for (unsigned i = 0; i < ps->nrefs; i++) {
		const struct fref *r = &ps->refs[i];

		if (ps->defined_line[r->n])
			continue;
		ps->line = r->line;
		return pt_fail(ps, r->col, "filter %u is not defined", r->n);
	}
	return 0;
}

int program_parse_bytes(const char *text, size_t len, const char *filename, struct program *p,
			struct parse_error *err)
{
	struct text_parser ps = { .p = p, .err = err, .cur = -1 };
	const char *s = text, *end = text + len, *nl, *eol;

	memset(err, 0, sizeof(*err));
	err->file = filename ? filename : "<text>";
	program_init(p);
	if (len >= 3 && !memcmp(s, UTF8_BOM, 3))
		s += 3; /* some editors start a UTF-8 file with it; columns count from after it */
	for (;;) {
		ps.line++;
		nl = memchr(s, '\n', (size_t)(end - s));
		eol = nl ? nl : end;
		if (pt_check_bytes(&ps, s, eol) || pt_tokenize(&ps, s, eol) ||
		    (ps.nt && statement(&ps)))
			return -1;
		if (!nl)
			break;
		s = nl + 1;
	}
	return finish(&ps);
}

int program_parse(const char *text, const char *filename, struct program *p,
		  struct parse_error *err)
{
	return program_parse_bytes(text ? text : "", text ? strlen(text) : 0, filename, p, err);
}
