/* program_text.c - the text form of a program: the parser, with precise errors. */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "msr_table.h"
#include "program.h"
#include "program_words.h"

#define MAX_TOKENS 32
#define SHOWN 40 /* at most this much of a word is quoted in a message */
#define NOT_TEXT_HINT "(a binary program starts with 'MX', or give --binary)"
#define UTF8_BOM "\xef\xbb\xbf"

struct tok {
	const char *s;
	unsigned len, col;
};

struct fref {
	unsigned line, col;
	uint8_t n;
};

struct text_parser {
	struct program *p;
	struct parse_error *err;
	unsigned line;
	struct tok t[MAX_TOKENS];
	unsigned nt;
	int cur; /* filter block being read, or -1 */
	unsigned cur_line, cur_col;
	unsigned defined_line[PROG_MAX_FILTERS]; /* 0: not defined */
	unsigned setup_line;
	struct fref refs[PROG_MAX_STEPS + 1];
	unsigned nrefs;
};

/* Keys of key=value words; HOLD..UNTOUCHED are bare words (reply flags, in bit order). */
/* clang-format off */
enum key {
	K_CPL, K_VCPU, K_RCX_HI, K_RAX, K_RDX, K_RAX_HI, K_RDX_HI, K_ERROR, K_DATA, K_HOLD,
	K_SCRIBBLE, K_UNTOUCHED, K_FLAGS, K_ON, K_NMSRS, K_VCPUS, K_MASK, K_FILTER, K_DEFAULT, K_FEP,
	NKEYS
};
static const char *const key_names[NKEYS] = {
	"cpl", "vcpu", "rcx_hi", "rax", "rdx", "rax_hi", "rdx_hi", "error", "data", "hold",
	"scribble", "untouched", "flags", "on", "nmsrs", "vcpus", "mask", "filter", "default", "fep"
};
#define U32 0xffffffffull
#define U64 ~0ull
static const uint64_t key_max[NKEYS] = {
	3, PROG_MAX_VCPUS - 1, U32, U64, U64, U32, U32, 255, U64, 0, 0, 0, U32, 0, PROG_HOST_NMSRS_MAX,
	PROG_MAX_VCPUS
};
/* clang-format on */

#define BIT(k) (1u << (k))
#define GUEST_KEYS                                                                             \
	(BIT(K_CPL) | BIT(K_VCPU) | BIT(K_RCX_HI) | BIT(K_ERROR) | BIT(K_DATA) | BIT(K_HOLD) | \
	 BIT(K_SCRIBBLE) | BIT(K_UNTOUCHED) | BIT(K_FEP))
#define HOST_KEYS (BIT(K_ON) | BIT(K_VCPU))

struct keyvals {
	uint32_t seen;
	uint64_t v[NKEYS];
	unsigned col[NKEYS];
};

#define TOKF "'%.*s'"
#define TOKA(s, len) (int)((len) > SHOWN ? SHOWN : (len)), (s)

__attribute__((format(printf, 3, 4))) static int fail(struct text_parser *ps, unsigned col,
						      const char *fmt, ...)
{
	va_list ap;

	ps->err->line = ps->line;
	ps->err->column = col;
	va_start(ap, fmt);
	vsnprintf(ps->err->msg, sizeof(ps->err->msg), fmt, ap);
	va_end(ap);
	return -1;
}

static bool is_space(char c)
{
	return c == ' ' || c == '\t' || c == '\r';
}

/*
 * A text is printable ASCII, tabs, '\r' and line ends, and bytes above 0x7f
 * in comments (UTF-8). A control byte means the file is not a text: a
 * binary program without its magic, most likely. Named in hex, never echoed.
 */
static int check_bytes(struct text_parser *ps, const char *s, const char *end)
{
	bool comment = false;

	for (const char *q = s; q < end; q++) {
		unsigned char c = (unsigned char)*q;
		unsigned col = (unsigned)(q - s) + 1;

		comment |= c == '#';
		if ((c < 0x20 && c != '\t' && c != '\r') || c == 0x7f)
			return fail(ps, col, "byte 0x%02x is not text " NOT_TEXT_HINT, c);
		if (c > 0x7f && !comment)
			return fail(ps, col,
				    "byte 0x%02x outside a comment is not text " NOT_TEXT_HINT, c);
	}
	return 0;
}

static bool tok_is(const struct tok *t, const char *w)
{
	return prog_word_is(t->s, t->len, w);
}

/* Column just past the last word: where a missing word was expected. */
static unsigned col_after(const struct text_parser *ps, unsigned i)
{
	return ps->t[i].col + ps->t[i].len + 1;
}

static int tokenize(struct text_parser *ps, const char *s, const char *end)
{
	const char *q = s, *start;

	ps->nt = 0;
	while (q < end && *q != '#') {
		if (is_space(*q)) {
			q++;
			continue;
		}
		start = q;
		while (q < end && !is_space(*q) && *q != '#')
			q++;
		if (ps->nt == MAX_TOKENS)
			return fail(ps, (unsigned)(start - s) + 1,
				    "too many words on one line (max %d)", MAX_TOKENS);
		ps->t[ps->nt++] =
		    (struct tok){ start, (unsigned)(q - start), (unsigned)(start - s) + 1 };
	}
	return 0;
}

/* A number <= max; name is "'key='" for a key's value, else what the word is. */
static int get_num(struct text_parser *ps, unsigned col, const char *s, unsigned len,
		   const char *name, uint64_t max, uint64_t *out)
{
	bool key = name[0] == '\'';
	int rc = prog_num_scan(s, len, out);

	if (rc == -1 && !len)
		return fail(ps, col, "expected a number %s %s", key ? "after" : "for", name);
	if (rc == -1)
		return fail(ps, col, "expected a number %s %s, got " TOKF, key ? "after" : "for",
			    name, TOKA(s, len));
	if (rc == -2)
		return fail(ps, col, "number " TOKF " does not fit in 64 bits", TOKA(s, len));
	if (*out > max)
		return fail(ps, col, "%s must be at most %llu, got %llu", name,
			    (unsigned long long)max, (unsigned long long)*out);
	return 0;
}

static int get_index(struct text_parser *ps, unsigned col, const char *s, unsigned len,
		     uint32_t *out)
{
	const struct msr_info *m;
	uint64_t v;
	int rc;

	if (!len)
		return fail(ps, col, "expected an MSR index (a name or a number)");
	if (s[0] >= '0' && s[0] <= '9') {
		rc = prog_num_scan(s, len, &v);
		if (rc == -1)
			return fail(ps, col, "bad MSR index " TOKF, TOKA(s, len));
		if (rc == -2 || v > 0xffffffffull)
			return fail(ps, col, "MSR index " TOKF " does not fit in 32 bits",
				    TOKA(s, len));
		*out = (uint32_t)v;
		return 0;
	}
	m = msr_by_name(s, len);
	if (!m)
		return fail(ps, col, "unknown MSR name " TOKF, TOKA(s, len));
	*out = m->index;
	return 0;
}

/* One word of a reason list, ORed into *out: a reason name, none or a number. */
static int get_reason(struct text_parser *ps, unsigned col, const char *s, unsigned len,
		      uint64_t *out)
{
	int bit = prog_word_find(s, len, prog_reason_names, 3);
	uint64_t v;
	int rc;

	if (bit >= 0) {
		*out |= 1ull << bit;
		return 0;
	}
	if (prog_word_is(s, len, "none"))
		return 0;
	rc = prog_num_scan(s, len, &v);
	if (rc == -2)
		return fail(ps, col, "number " TOKF " does not fit in 64 bits", TOKA(s, len));
	if (rc)
		return fail(ps, col,
			    "unknown exit reason " TOKF
			    " (INVAL, UNKNOWN, FILTER, none or a number)",
			    TOKA(s, len));
	*out |= v;
	return 0;
}

static int get_reasons(struct text_parser *ps, unsigned col, const char *s, unsigned len,
		       uint64_t *out)
{
	const char *end = s + len, *bar;

	*out = 0;
	for (;; s = bar + 1) {
		bar = memchr(s, '|', (size_t)(end - s));
		if (get_reason(ps, col, s, (unsigned)((bar ? bar : end) - s), out))
			return -1;
		if (!bar)
			return 0;
	}
}

static int get_filter_ref(struct text_parser *ps, unsigned col, const char *s, unsigned len,
			  uint64_t *out)
{
	if (prog_word_is(s, len, "none")) {
		*out = HOST_FILTER_NONE;
		return 0;
	}
	if (prog_num_scan(s, len, out) || *out >= PROG_MAX_FILTERS)
		return fail(ps, col, "expected a filter number 0..%d or 'none', got " TOKF,
			    PROG_MAX_FILTERS - 1, TOKA(s, len));
	if (ps->nrefs < sizeof(ps->refs) / sizeof(ps->refs[0]))
		ps->refs[ps->nrefs++] = (struct fref){ ps->line, col, (uint8_t)*out };
	return 0;
}

static int key_value(struct text_parser *ps, enum key k, const struct tok *t, const char *v,
		     unsigned vlen, uint64_t *out)
{
	char name[24];
	int i;

	switch (k) {
	case K_ON:
		i = prog_word_find(v, vlen, prog_target_names + 1, 3);
		if (i < 0)
			return fail(ps, t->col,
				    "expected vm, vcpu or system after 'on=', got " TOKF,
				    TOKA(v, vlen));
		*out = (uint64_t)i + 1;
		return 0;
	case K_DEFAULT:
		if (prog_word_is(v, vlen, "allow") || prog_word_is(v, vlen, "deny")) {
			*out = prog_word_is(v, vlen, "deny") ? FILTER_DEFAULT_DENY : 0;
			return 0;
		}
		return fail(ps, t->col, "expected allow or deny after 'default=', got " TOKF,
			    TOKA(v, vlen));
	case K_MASK:
		return get_reasons(ps, t->col, v, vlen, out);
	case K_FILTER:
		return get_filter_ref(ps, t->col, v, vlen, out);
	default:
		snprintf(name, sizeof(name), "'%s='", key_names[k]);
		return get_num(ps, t->col, v, vlen, name, key_max[k], out);
	}
}

/* One key=value word (or bare flag) of the keys in allowed. */
/* Bare words (no '='): the reply flags and fep. */
static bool key_is_bare(enum key k)
{
	return (k >= K_HOLD && k <= K_UNTOUCHED) || k == K_FEP;
}

static int parse_key(struct text_parser *ps, const struct tok *t, uint32_t allowed,
		     struct keyvals *kv, const char *what)
{
	const char *eq = memchr(t->s, '=', t->len);
	unsigned klen = eq ? (unsigned)(eq - t->s) : t->len;
	int k = NKEYS;

	while (--k >= 0)
		if ((allowed & BIT(k)) && prog_word_is(t->s, klen, key_names[k]) &&
		    key_is_bare((enum key)k) == !eq)
			break;
	if (k < 0)
		return fail(ps, t->col, "unexpected " TOKF " in %s", TOKA(t->s, t->len), what);
	if (kv->seen & BIT(k))
		return fail(ps, t->col, "%s given twice", key_names[k]);
	kv->seen |= BIT(k);
	kv->col[k] = t->col;
	if (!eq)
		return 0;
	return key_value(ps, (enum key)k, t, eq + 1, t->len - klen - 1, &kv->v[k]);
}

static int parse_keys(struct text_parser *ps, unsigned from, uint32_t allowed, struct keyvals *kv,
		      const char *what)
{
	for (unsigned i = from; i < ps->nt; i++)
		if (parse_key(ps, &ps->t[i], allowed, kv, what))
			return -1;
	return 0;
}

static int check_vcpu(struct text_parser *ps, const struct keyvals *kv, struct step *s)
{
	if (!(kv->seen & BIT(K_VCPU)))
		return 0;
	if (kv->v[K_VCPU] >= ps->p->nvcpus)
		return fail(ps, kv->col[K_VCPU],
			    "vcpu=%llu but the program has %u vCPU(s) (setup vcpus=N)",
			    (unsigned long long)kv->v[K_VCPU], ps->p->nvcpus);
	s->vcpu = (uint8_t)kv->v[K_VCPU];
	return 0;
}

static struct step *new_step(struct text_parser *ps, uint8_t kind)
{
	struct step *s;

	if (ps->p->nsteps == PROG_MAX_STEPS) {
		fail(ps, ps->t[0].col, "too many steps (max %d)", PROG_MAX_STEPS);
		return NULL;
	}
	s = &ps->p->steps[ps->p->nsteps++];
	step_init(s, kind);
	s->line = ps->line;
	return s;
}

/* Word i, which must be there and not be a key=value word. */
static const struct tok *positional(struct text_parser *ps, unsigned i, const char *what)
{
	if (i < ps->nt && !memchr(ps->t[i].s, '=', ps->t[i].len))
		return &ps->t[i];
	fail(ps, i < ps->nt ? ps->t[i].col : col_after(ps, ps->nt - 1), "expected %s after " TOKF,
	     what, TOKA(ps->t[i - 1].s, ps->t[i - 1].len));
	return NULL;
}

static int st_setup(struct text_parser *ps)
{
	struct keyvals kv = { 0 };
	struct program *p = ps->p;

	if (ps->setup_line)
		return fail(ps, ps->t[0].col, "second setup line (the first is on line %u)",
			    ps->setup_line);
	if (p->nsteps)
		return fail(ps, ps->t[0].col, "setup must come before the first step");
	ps->setup_line = ps->line;
	if (parse_keys(ps, 1, BIT(K_VCPUS) | BIT(K_MASK) | BIT(K_FILTER), &kv, "setup"))
		return -1;
	if ((kv.seen & BIT(K_VCPUS)) && !kv.v[K_VCPUS])
		return fail(ps, kv.col[K_VCPUS], "vcpus must be 1 or 2");
	if (kv.seen & BIT(K_VCPUS))
		p->nvcpus = (uint8_t)kv.v[K_VCPUS];
	if (kv.v[K_MASK] & ~(uint64_t)REASON_VALID_MASK)
		return fail(ps, kv.col[K_MASK],
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

	const struct tok *t = positional(ps, 1, "a filter number");

	if (!t)
		return -1;
	if (prog_num_scan(t->s, t->len, &n) || n >= PROG_MAX_FILTERS)
		return fail(ps, t->col, "expected a filter number 0..%d, got " TOKF,
			    PROG_MAX_FILTERS - 1, TOKA(t->s, t->len));
	if (ps->defined_line[n])
		return fail(ps, ps->t[1].col, "filter %u defined twice (first on line %u)",
			    (unsigned)n, ps->defined_line[n]);
	if (parse_keys(ps, 2, BIT(K_DEFAULT) | BIT(K_FLAGS), &kv, "a filter line"))
		return -1;
	if ((kv.seen & BIT(K_DEFAULT)) && (kv.seen & BIT(K_FLAGS)))
		return fail(ps, kv.col[K_FLAGS], "give 'default=' or 'flags=', not both");
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

	if (tok_is(t, "allow") || tok_is(t, "deny")) {
		g->pattern = tok_is(t, "allow") ? ~0ull : 0;
		return 0;
	}
	if (tok_is(t, "fault")) {
		g->bitmap_kind = BITMAP_FAULT;
		return 0;
	}
	if (eq && prog_word_is(t->s, (unsigned)(eq - t->s), "pattern"))
		return get_num(ps, t->col, eq + 1, t->len - (unsigned)(eq - t->s) - 1, "'pattern='",
			       ~0ull, &g->pattern);
	return fail(ps, t->col, "expected BITMAP (allow, deny, fault or pattern=N), got " TOKF,
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
		return fail(ps, t[0].col, "too many ranges in filter %d (max %d)", ps->cur,
			    PROG_MAX_RANGES);
	if (ps->nt < 5)
		return fail(ps, col_after(ps, ps->nt - 1),
			    "expected 'range FLAGS BASE NMSRS BITMAP'");
	if (ps->nt > 5)
		return fail(ps, t[5].col, "unexpected " TOKF " after the bitmap",
			    TOKA(t[5].s, t[5].len));
	i = prog_word_find(t[1].s, t[1].len, flag_names, 3);
	if (i < 0 && get_num(ps, t[1].col, t[1].s, t[1].len, "FLAGS (read, write, rw or a number)",
			     0xffffffffull, &v))
		return -1;
	g->flags = i < 0 ? (uint32_t)v : (uint32_t)i + 1;
	if (get_index(ps, t[2].col, t[2].s, t[2].len, &g->base) ||
	    get_num(ps, t[3].col, t[3].s, t[3].len, "NMSRS", 0xffffffffull, &v))
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

	const struct tok *t = positional(ps, 1, "an MSR index");

	if (!t || get_index(ps, t->col, t->s, t->len, &index))
		return -1;
	t = wr ? positional(ps, 2, "the value to write") : t;
	if (!t || (wr && get_num(ps, t->col, t->s, t->len, "the value", ~0ull, &value)))
		return -1;
	if (parse_keys(ps, wr ? 3 : 2, allowed, &kv, step_name(kind)))
		return -1;
	if ((kv.seen & BIT(K_CPL)) && kv.v[K_CPL] != 0 && kv.v[K_CPL] != 3)
		return fail(ps, kv.col[K_CPL], "cpl must be 0 or 3");
	s = new_step(ps, kind);
	if (!s || check_vcpu(ps, &kv, s))
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
			if (parse_key(ps, t, HOST_KEYS | BIT(K_NMSRS), kv, "host get/set"))
				return -1;
			continue;
		}
		if (h->nlist == PROG_MAX_HOST_MSRS)
			return fail(ps, t->col, "too many MSRs (max %d)", PROG_MAX_HOST_MSRS);
		if (get_index(ps, t->col, t->s, ilen, &m->index))
			return -1;
		if (eq && get_num(ps, t->col, eq + 1, t->len - ilen - 1, "the MSR's value", ~0ull,
				  &m->value))
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
		return fail(ps, kv->col[K_NMSRS], "nmsrs=%u needs at least one listed MSR", n);
	if (n < h->nlist)
		return fail(ps, kv->col[K_NMSRS], "nmsrs=%u is less than the %u listed MSRs", n,
			    h->nlist);
	h->nmsrs = (uint16_t)n;
	return 0;
}

/* The keys every host step takes, once its arguments are read. */
static int host_finish(struct text_parser *ps, struct step *s, const struct keyvals *kv)
{
	if (check_vcpu(ps, kv, s) || host_nmsrs(ps, &s->h, kv))
		return -1;
	s->h.target = (uint8_t)kv->v[K_ON];
	s->h.flags = (uint32_t)kv->v[K_FLAGS];
	return 0;
}

/* host WORD [on=] [vcpu=] */
int step_parse_none(struct text_parser *ps, uint8_t kind)
{
	struct keyvals kv = { 0 };
	struct step *s = new_step(ps, kind);

	if (!s || parse_keys(ps, 2, HOST_KEYS, &kv, "host"))
		return -1;
	return host_finish(ps, s, &kv);
}

/* host mask REASONS [flags=] ... */
int step_parse_mask(struct text_parser *ps, uint8_t kind)
{
	struct keyvals kv = { 0 };
	struct step *s = new_step(ps, kind);
	const struct tok *t = s ? positional(ps, 2, "exit reasons") : NULL;

	if (!t || get_reasons(ps, t->col, t->s, t->len, &s->h.arg) ||
	    parse_keys(ps, 3, HOST_KEYS | BIT(K_FLAGS), &kv, "host"))
		return -1;
	return host_finish(ps, s, &kv);
}

/* host filter N|none ... */
int step_parse_filter(struct text_parser *ps, uint8_t kind)
{
	struct keyvals kv = { 0 };
	struct step *s = new_step(ps, kind);
	const struct tok *t = s ? positional(ps, 2, "a filter number or 'none'") : NULL;

	if (!t || get_filter_ref(ps, t->col, t->s, t->len, &s->h.arg) ||
	    parse_keys(ps, 3, HOST_KEYS, &kv, "host"))
		return -1;
	return host_finish(ps, s, &kv);
}

/* host get|set ENTRY... [nmsrs=] ... */
int step_parse_msrs(struct text_parser *ps, uint8_t kind)
{
	struct keyvals kv = { 0 };
	struct step *s = new_step(ps, kind);

	if (!s || host_list(ps, &s->h, &kv))
		return -1;
	return host_finish(ps, s, &kv);
}

/* host check-cap NUM ... */
int step_parse_cap(struct text_parser *ps, uint8_t kind)
{
	struct keyvals kv = { 0 };
	struct step *s = new_step(ps, kind);
	const struct tok *t = s ? positional(ps, 2, "a capability number") : NULL;

	if (!t || get_num(ps, t->col, t->s, t->len, "the capability", ~0ull, &s->h.arg) ||
	    parse_keys(ps, 3, HOST_KEYS, &kv, "host"))
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
	const struct tok *t = positional(ps, 1, "a host operation");
	const struct step_kind_desc *d;
	char words[160];

	if (!t)
		return -1;
	d = step_kind_by_word(t->s, t->len, false);
	if (!d)
		return fail(ps, t->col, "unknown host operation " TOKF " (%s)", TOKA(t->s, t->len),
			    kind_words(words, sizeof(words), false));
	return d->parse(ps, d->kind);
}

static int statement(struct text_parser *ps)
{
	const struct tok *c = &ps->t[0];
	const struct step_kind_desc *d;
	char words[160];

	if (ps->cur >= 0 && tok_is(c, "range"))
		return st_range(ps);
	if (ps->cur >= 0 && tok_is(c, "end")) {
		ps->cur = -1;
		return ps->nt > 1 ? fail(ps, ps->t[1].col, "unexpected " TOKF " after 'end'",
					 TOKA(ps->t[1].s, ps->t[1].len)) :
				    0;
	}
	if (ps->cur >= 0)
		return fail(ps, c->col,
			    "expected 'range' or 'end' in filter %d (line %u), got " TOKF, ps->cur,
			    ps->cur_line, TOKA(c->s, c->len));
	if (tok_is(c, "setup"))
		return st_setup(ps);
	if (tok_is(c, "filter"))
		return st_filter(ps);
	d = step_kind_by_word(c->s, c->len, true);
	if (d)
		return d->parse(ps, d->kind);
	if (tok_is(c, "host"))
		return st_host(ps);
	if (tok_is(c, "range") || tok_is(c, "end"))
		return fail(ps, c->col, TOKF " outside a filter block", TOKA(c->s, c->len));
	return fail(ps, c->col, "unknown statement " TOKF " (%s)", TOKA(c->s, c->len),
		    kind_words(words, sizeof(words), true));
}

static int finish(struct text_parser *ps)
{
	if (ps->cur >= 0) {
		ps->line = ps->cur_line;
		return fail(ps, ps->cur_col, "filter %d has no 'end'", ps->cur);
	}
	for (unsigned i = 0; i < ps->nrefs; i++) {
		const struct fref *r = &ps->refs[i];

		if (ps->defined_line[r->n])
			continue;
		ps->line = r->line;
		return fail(ps, r->col, "filter %u is not defined", r->n);
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
		if (check_bytes(&ps, s, eol) || tokenize(&ps, s, eol) || (ps.nt && statement(&ps)))
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
