/* case_lib.c - helpers for conformance cases: diagnostics, running programs. */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "conform.h"
#include "execute.h"
#include "known.h"
#include "runner.h"

static void diag_append(struct case_ctx *c, const char *line)
{
	size_t n = strlen(line) + 3;

	if (c->diag_len + n + 1 > c->diag_cap) {
		size_t cap = (c->diag_cap ? c->diag_cap * 2 : 1024) + n;
		char *d = realloc(c->diag, cap);

		if (!d)
			return;
		c->diag = d;
		c->diag_cap = cap;
	}
	c->diag_len += (size_t)sprintf(c->diag + c->diag_len, "# %s\n", line);
}

static void vdiag(struct case_ctx *c, const char *fmt, va_list ap)
{
	char line[1024];

	vsnprintf(line, sizeof(line), fmt, ap);
	diag_append(c, line);
}

void case_diag(struct case_ctx *c, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vdiag(c, fmt, ap);
	va_end(ap);
}

int case_fail(struct case_ctx *c, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vdiag(c, fmt, ap);
	va_end(ap);
	c->failed = true;
	return CASE_FAIL;
}

int case_skip(struct case_ctx *c, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(c->skip_reason, sizeof(c->skip_reason), fmt, ap);
	va_end(ap);
	return CASE_SKIP;
}

bool case_needs(struct case_ctx *c, enum requirement r)
{
	const char *why = requirement_unmet(c->facts, r);

	if (why)
		case_skip(c, "%s", why);
	return !why;
}

int case_finish(struct case_ctx *c, int ret)
{
	if ((ret == CASE_SKIP || c->skip_reason[0]) && !c->failed)
		return CASE_SKIP;
	return c->failed || ret == CASE_FAIL ? CASE_FAIL : CASE_PASS;
}

/*
 * Mismatches that known platform facts explain, every one (fuzz/known.c:
 * QEMU TCG's CPU model, kvm_pvm's findings), make the case a skip that says
 * which, each mismatch shown; one they do not explain fails it.
 */
static bool explained(struct case_ctx *c, const struct program *p, const struct run_result *r)
{
	int why[MAX_MISMATCHES];

	if (!r->v.n || r->mismatches > r->v.n || known_explain(p, &r->t, &r->v, c->facts, why) >= 0)
		return false;
	for (unsigned i = 0; i < r->v.n; i++)
		case_diag(c, "platform fact %s: op %d (line %u): %s: expected %s, got %s",
			  known_table[why[i]].name, r->v.m[i].step, r->v.m[i].line, r->v.m[i].field,
			  r->v.m[i].expected, r->v.m[i].observed);
	case_skip(c, "platform fact: %s", known_table[why[0]].what);
	return true;
}

/* Mismatches of a run become this case's failure diagnostics. */
static int report(struct case_ctx *c, const struct program *p, const struct run_result *r)
{
	for (unsigned i = 0; i < NOTE_COUNT; i++)
		if (r->e.notes & (1u << i))
			case_diag(c, "expectation: %s", expected_note(i));
	if (explained(c, p, r))
		return 0;
	for (unsigned i = 0; i < r->v.n; i++) {
		const struct mismatch *m = &r->v.m[i];

		if (m->step < 0)
			case_fail(c, "setup: %s: expected %s, got %s [%s]", m->field, m->expected,
				  m->observed, m->signature);
		else
			case_fail(c, "op %d (line %u): %s: expected %s, got %s [%s]", m->step,
				  m->line, m->field, m->expected, m->observed, m->signature);
	}
	if (r->mismatches > r->v.n)
		case_fail(c, "... and %u more mismatches", r->mismatches - r->v.n);
	return (int)r->mismatches;
}

int case_run(struct case_ctx *c, const struct program *p)
{
	static struct run_result r;
	int st = run_program(p, c->facts, NULL, 2000, &r);

	if (st != EXIT_OK && st != EXIT_MISMATCH) {
		case_fail(c, "cannot run program: %s", kvm_last_error());
		return -1;
	}
	return report(c, p, &r);
}

int case_run_on(struct case_ctx *c, struct vm *vm, const struct program *p, bool setup_done)
{
	static struct run_result r;
	struct exec_opts o = { .timeout_ms = 2000, .setup_done = setup_done };

	run_program_on(vm, p, c->facts, &o, &r);
	return report(c, p, &r);
}

int case_run_text(struct case_ctx *c, const char *text)
{
	static struct program p;
	struct parse_error err;

	if (program_parse(text, "<case>", &p, &err)) {
		case_fail(c, "program line %u column %u: %s", err.line, err.column, err.msg);
		return -1;
	}
	return case_run(c, &p);
}
