/* program_format.c - the words of the text format and the canonical text of a program. */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "msr_table.h"
#include "program.h"
#include "program_words.h"

/* clang-format off */
const char *const prog_reason_names[3] = { "INVAL", "UNKNOWN", "FILTER" };
const char *const prog_target_names[4] = { "default", "vm", "vcpu", "system" };
const char *const prog_reply_names[3] = { "hold", "scribble", "untouched" };
/* clang-format on */

bool prog_word_is(const char *s, unsigned len, const char *w)
{
	return strlen(w) == len && !strncasecmp(s, w, len);
}

int prog_word_find(const char *s, unsigned len, const char *const *words, unsigned n)
{
	for (unsigned i = 0; i < n; i++)
		if (prog_word_is(s, len, words[i]))
			return (int)i;
	return -1;
}

int prog_num_scan(const char *s, unsigned len, uint64_t *out)
{
	unsigned base = 10, i = 0, d;
	uint64_t v = 0;

	if (len > 2 && s[0] == '0' && (s[1] == 'x' || s[1] == 'X')) {
		base = 16;
		i = 2;
	}
	if (i == len)
		return -1;
	for (; i < len; i++) {
		char c = s[i];

		if (c >= '0' && c <= '9')
			d = (unsigned)(c - '0');
		else if (base == 16 && ((c | 0x20) >= 'a' && (c | 0x20) <= 'f'))
			d = (unsigned)((c | 0x20) - 'a' + 10);
		else
			return -1;
		if (v > (~0ull - d) / base)
			return -2;
		v = v * base + d;
	}
	*out = v;
	return 0;
}

struct text_out {
	char *buf;
	size_t size, len;
};

__attribute__((format(printf, 2, 3))) static void put(struct text_out *o, const char *fmt, ...)
{
	size_t room = o->len < o->size ? o->size - o->len : 0;
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(room ? o->buf + o->len : NULL, room, fmt, ap);
	va_end(ap);
	if (n > 0)
		o->len += (size_t)n;
}

static bool name_ok(const char *n)
{
	if (!((*n | 0x20) >= 'a' && (*n | 0x20) <= 'z') && *n != '_')
		return false;
	for (; *n; n++)
		if (!((*n | 0x20) >= 'a' && (*n | 0x20) <= 'z') && *n != '_' &&
		    !(*n >= '0' && *n <= '9'))
			return false;
	return true;
}

static void put_index(struct text_out *o, const char *pre, uint32_t index)
{
	const struct msr_info *m = msr_lookup(index), *back;

	back = m && name_ok(m->name) ? msr_by_name(m->name, (unsigned)strlen(m->name)) : NULL;
	if (back && back->index == index)
		put(o, "%s%s", pre, m->name);
	else
		put(o, "%s0x%x", pre, index);
}

static void put_reasons(struct text_out *o, uint64_t mask)
{
	const char *sep = "";

	if (mask & ~(uint64_t)REASON_VALID_MASK) {
		put(o, "0x%llx", (unsigned long long)mask);
		return;
	}
	if (!mask)
		put(o, "none");
	for (unsigned i = 0; i < 3; i++) {
		if (!(mask & (1u << i)))
			continue;
		put(o, "%s%s", sep, prog_reason_names[i]);
		sep = "|";
	}
}

static void put_filter(struct text_out *o, unsigned n, const struct prog_filter *f)
{
	static const char *const flag_names[] = { "", "read", "write", "rw" };

	put(o, "filter %u", n);
	if (f->flags == FILTER_DEFAULT_DENY)
		put(o, " default=deny");
	else if (f->flags)
		put(o, " flags=0x%x", f->flags);
	put(o, "\n");
	for (unsigned i = 0; i < f->nranges && i < PROG_MAX_RANGES; i++) {
		const struct prog_range *g = &f->ranges[i];

		if (g->flags >= 1 && g->flags <= 3)
			put(o, "\trange %s", flag_names[g->flags]);
		else
			put(o, "\trange 0x%x", g->flags);
		put_index(o, " ", g->base);
		put(o, " %u", g->nmsrs);
		if (g->bitmap_kind == BITMAP_FAULT)
			put(o, " fault\n");
		else if (g->pattern == ~0ull || !g->pattern)
			put(o, " %s\n", g->pattern ? "allow" : "deny");
		else
			put(o, " pattern=0x%016llx\n", (unsigned long long)g->pattern);
	}
	put(o, "end\n");
}

void step_format_access(struct text_out *o, const struct step *s)
{
	const struct guest_step *g = &s->g;
	bool wr = step_is_write(s->kind);

	put_index(o, " ", guest_index(g));
	if (wr)
		put(o, " 0x%llx", (unsigned long long)guest_wrmsr_value(g));
	if (g->cpl)
		put(o, " cpl=%u", g->cpl);
	if (s->vcpu)
		put(o, " vcpu=%u", s->vcpu);
	if (g->rcx >> 32)
		put(o, " rcx_hi=0x%llx", (unsigned long long)(g->rcx >> 32));
	if (!wr && g->rax != PROG_RDMSR_RAX_DEFAULT)
		put(o, " rax=0x%llx", (unsigned long long)g->rax);
	if (!wr && g->rdx != PROG_RDMSR_RDX_DEFAULT)
		put(o, " rdx=0x%llx", (unsigned long long)g->rdx);
	if (wr && g->rax >> 32)
		put(o, " rax_hi=0x%llx", (unsigned long long)(g->rax >> 32));
	if (wr && g->rdx >> 32)
		put(o, " rdx_hi=0x%llx", (unsigned long long)(g->rdx >> 32));
	if (g->reply_error)
		put(o, " error=%u", g->reply_error);
	if (g->reply_data)
		put(o, " data=0x%llx", (unsigned long long)g->reply_data);
	for (unsigned i = 0; i < 3; i++)
		if (g->reply_flags & (1u << i))
			put(o, " %s", prog_reply_names[i]);
	if (g->fep)
		put(o, " fep");
}

void step_format_none(struct text_out *o, const struct step *s)
{
	(void)o;
	(void)s;
}

void step_format_mask(struct text_out *o, const struct step *s)
{
	put(o, " ");
	put_reasons(o, s->h.arg);
	if (s->h.flags)
		put(o, " flags=0x%x", s->h.flags);
}

void step_format_filter(struct text_out *o, const struct step *s)
{
	if (s->h.arg == HOST_FILTER_NONE)
		put(o, " none");
	else
		put(o, " %llu", (unsigned long long)s->h.arg);
}

void step_format_msrs(struct text_out *o, const struct step *s)
{
	const struct host_step *h = &s->h;

	for (unsigned i = 0; i < h->nlist && i < PROG_MAX_HOST_MSRS; i++) {
		put_index(o, " ", h->list[i].index);
		if (h->list[i].value)
			put(o, "=0x%llx", (unsigned long long)h->list[i].value);
	}
	if (h->nmsrs != h->nlist)
		put(o, " nmsrs=%u", h->nmsrs);
}

void step_format_cap(struct text_out *o, const struct step *s)
{
	put(o, " %llu", (unsigned long long)s->h.arg);
}

/* The statement's words, the kind's arguments, then a host step's on= and vcpu=. */
static void put_step(struct text_out *o, const struct step *s)
{
	const struct step_kind_desc *d = step_kind_desc(s->kind);

	if (!d) {
		put(o, "# unknown step kind 0x%x\n", s->kind);
		return;
	}
	put(o, "%s%s", d->guest ? "" : "host ", d->word);
	d->format(o, s);
	if (!d->guest && s->h.target >= 1 && s->h.target <= 3)
		put(o, " on=%s", prog_target_names[s->h.target]);
	if (!d->guest && s->vcpu)
		put(o, " vcpu=%u", s->vcpu);
	put(o, "\n");
}

int program_format(const struct program *p, char *buf, size_t size)
{
	struct text_out o = { buf, size, 0 };

	if (size)
		buf[0] = '\0';
	if (p->nvcpus != 1 || p->mask || p->setup_filter != HOST_FILTER_NONE) {
		put(&o, "setup");
		if (p->nvcpus != 1)
			put(&o, " vcpus=%u", p->nvcpus);
		if (p->mask) {
			put(&o, " mask=");
			put_reasons(&o, p->mask);
		}
		if (p->setup_filter != HOST_FILTER_NONE)
			put(&o, " filter=%u", p->setup_filter);
		put(&o, "\n");
	}
	for (unsigned i = 0; i < p->nfilters && i < PROG_MAX_FILTERS; i++)
		put_filter(&o, i, &p->filters[i]);
	for (unsigned i = 0; i < p->nsteps && i < PROG_MAX_STEPS; i++)
		put_step(&o, &p->steps[i]);
	return o.len < size ? (int)o.len : -1;
}
