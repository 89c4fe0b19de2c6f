/* program_text_words.c - the text parser's words: bytes, tokens, numbers, MSR indices, reasons, keys. */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "msr_table.h"
#include "program_text_int.h"
#include "program_words.h"

#define NOT_TEXT_HINT "(a binary program starts with 'MX', or give --binary)"

/* clang-format off */
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

__attribute__((format(printf, 3, 4))) int pt_fail(struct text_parser *ps, unsigned col,
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
int pt_check_bytes(struct text_parser *ps, const char *s, const char *end)
{
	bool comment = false;

	for (const char *q = s; q < end; q++) {
		unsigned char c = (unsigned char)*q;
		unsigned col = (unsigned)(q - s) + 1;

		comment |= c == '#';
		if ((c < 0x20 && c != '\t' && c != '\r') || c == 0x7f)
			return pt_fail(ps, col, "byte 0x%02x is not text " NOT_TEXT_HINT, c);
		if (c > 0x7f && !comment)
			return pt_fail(
			    ps, col, "byte 0x%02x outside a comment is not text " NOT_TEXT_HINT, c);
	}
	return 0;
}

bool pt_tok_is(const struct tok *t, const char *w)
{
	return prog_word_is(t->s, t->len, w);
}

/* Column just past the last word: where a missing word was expected. */
unsigned pt_col_after(const struct text_parser *ps, unsigned i)
{
	return ps->t[i].col + ps->t[i].len + 1;
}

int pt_tokenize(struct text_parser *ps, const char *s, const char *end)
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
			return pt_fail(ps, (unsigned)(start - s) + 1,
				       "too many words on one line (max %d)", MAX_TOKENS);
		ps->t[ps->nt++] =
		    (struct tok){ start, (unsigned)(q - start), (unsigned)(start - s) + 1 };
	}
	return 0;
}

/* A number <= max; name is "'key='" for a key's value, else what the word is. */
int pt_get_num(struct text_parser *ps, unsigned col, const char *s, unsigned len, const char *name,
	       uint64_t max, uint64_t *out)
{
	bool key = name[0] == '\'';
	int rc = prog_num_scan(s, len, out);

	if (rc == -1 && !len)
		return pt_fail(ps, col, "expected a number %s %s", key ? "after" : "for", name);
	if (rc == -1)
		return pt_fail(ps, col, "expected a number %s %s, got " TOKF, key ? "after" : "for",
			       name, TOKA(s, len));
	if (rc == -2)
		return pt_fail(ps, col, "number " TOKF " does not fit in 64 bits", TOKA(s, len));
	if (*out > max)
		return pt_fail(ps, col, "%s must be at most %llu, got %llu", name,
			       (unsigned long long)max, (unsigned long long)*out);
	return 0;
}

int pt_get_index(struct text_parser *ps, unsigned col, const char *s, unsigned len, uint32_t *out)
{
	const struct msr_info *m;
	uint64_t v;
	int rc;

	if (!len)
		return pt_fail(ps, col, "expected an MSR index (a name or a number)");
	if (s[0] >= '0' && s[0] <= '9') {
		rc = prog_num_scan(s, len, &v);
		if (rc == -1)
			return pt_fail(ps, col, "bad MSR index " TOKF, TOKA(s, len));
		if (rc == -2 || v > 0xffffffffull)
			return pt_fail(ps, col, "MSR index " TOKF " does not fit in 32 bits",
				       TOKA(s, len));
		*out = (uint32_t)v;
		return 0;
	}
	m = msr_by_name(s, len);
	if (!m)
		return pt_fail(ps, col, "unknown MSR name " TOKF, TOKA(s, len));
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
		return pt_fail(ps, col, "number " TOKF " does not fit in 64 bits", TOKA(s, len));
	if (rc)
		return pt_fail(ps, col,
			       "unknown exit reason " TOKF
			       " (INVAL, UNKNOWN, FILTER, none or a number)",
			       TOKA(s, len));
	*out |= v;
	return 0;
}

int pt_get_reasons(struct text_parser *ps, unsigned col, const char *s, unsigned len, uint64_t *out)
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

int pt_get_filter_ref(struct text_parser *ps, unsigned col, const char *s, unsigned len,
		      uint64_t *out)
{
	if (prog_word_is(s, len, "none")) {
		*out = HOST_FILTER_NONE;
		return 0;
	}
	if (prog_num_scan(s, len, out) || *out >= PROG_MAX_FILTERS)
		return pt_fail(ps, col, "expected a filter number 0..%d or 'none', got " TOKF,
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
			return pt_fail(ps, t->col,
				       "expected vm, vcpu or system after 'on=', got " TOKF,
				       TOKA(v, vlen));
		*out = (uint64_t)i + 1;
		return 0;
	case K_DEFAULT:
		if (prog_word_is(v, vlen, "allow") || prog_word_is(v, vlen, "deny")) {
			*out = prog_word_is(v, vlen, "deny") ? FILTER_DEFAULT_DENY : 0;
			return 0;
		}
		return pt_fail(ps, t->col, "expected allow or deny after 'default=', got " TOKF,
			       TOKA(v, vlen));
	case K_MASK:
		return pt_get_reasons(ps, t->col, v, vlen, out);
	case K_FILTER:
		return pt_get_filter_ref(ps, t->col, v, vlen, out);
	default:
		snprintf(name, sizeof(name), "'%s='", key_names[k]);
		return pt_get_num(ps, t->col, v, vlen, name, key_max[k], out);
	}
}

/* One key=value word (or bare flag) of the keys in allowed. */
/* Bare words (no '='): the reply flags and fep. */
static bool key_is_bare(enum key k)
{
	return (k >= K_HOLD && k <= K_UNTOUCHED) || k == K_FEP;
}

int pt_parse_key(struct text_parser *ps, const struct tok *t, uint32_t allowed, struct keyvals *kv,
		 const char *what)
{
	const char *eq = memchr(t->s, '=', t->len);
	unsigned klen = eq ? (unsigned)(eq - t->s) : t->len;
	int k = NKEYS;

	while (--k >= 0)
		if ((allowed & BIT(k)) && prog_word_is(t->s, klen, key_names[k]) &&
		    key_is_bare((enum key)k) == !eq)
			break;
	if (k < 0)
		return pt_fail(ps, t->col, "unexpected " TOKF " in %s", TOKA(t->s, t->len), what);
	if (kv->seen & BIT(k))
		return pt_fail(ps, t->col, "%s given twice", key_names[k]);
	kv->seen |= BIT(k);
	kv->col[k] = t->col;
	if (!eq)
		return 0;
	return key_value(ps, (enum key)k, t, eq + 1, t->len - klen - 1, &kv->v[k]);
}

int pt_parse_keys(struct text_parser *ps, unsigned from, uint32_t allowed, struct keyvals *kv,
		  const char *what)
{
	for (unsigned i = from; i < ps->nt; i++)
		if (pt_parse_key(ps, &ps->t[i], allowed, kv, what))
			return -1;
	return 0;
}

int pt_check_vcpu(struct text_parser *ps, const struct keyvals *kv, struct step *s)
{
	if (!(kv->seen & BIT(K_VCPU)))
		return 0;
	if (kv->v[K_VCPU] >= ps->p->nvcpus)
		return pt_fail(ps, kv->col[K_VCPU],
			       "vcpu=%llu but the program has %u vCPU(s) (setup vcpus=N)",
			       (unsigned long long)kv->v[K_VCPU], ps->p->nvcpus);
	s->vcpu = (uint8_t)kv->v[K_VCPU];
	return 0;
}

struct step *pt_new_step(struct text_parser *ps, uint8_t kind)
{
	struct step *s;

	if (ps->p->nsteps == PROG_MAX_STEPS) {
		pt_fail(ps, ps->t[0].col, "too many steps (max %d)", PROG_MAX_STEPS);
		return NULL;
	}
	s = &ps->p->steps[ps->p->nsteps++];
	step_init(s, kind);
	s->line = ps->line;
	return s;
}

/* Word i, which must be there and not be a key=value word. */
const struct tok *pt_positional(struct text_parser *ps, unsigned i, const char *what)
{
	if (i < ps->nt && !memchr(ps->t[i].s, '=', ps->t[i].len))
		return &ps->t[i];
	pt_fail(ps, i < ps->nt ? ps->t[i].col : pt_col_after(ps, ps->nt - 1),
		"expected %s after " TOKF, what, TOKA(ps->t[i - 1].s, ps->t[i - 1].len));
	return NULL;
}
