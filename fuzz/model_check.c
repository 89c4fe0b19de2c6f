/* model_check.c - the properties the no-KVM fuzz targets check on every program they get. */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "codec_check.h"
#include "model_check.h"
#include "msr_table.h"
#include "oracle.h"

static void fail(const char *sig, const char *fmt, ...)
    __attribute__((noreturn, format(printf, 2, 3)));

static void fail(const char *sig, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fprintf(stderr, "\nmsrexit-finding: %s\n", sig);
	fflush(stderr);
	abort();
}

uint32_t model_seed(const uint8_t *data, size_t size)
{
	uint32_t h = 2166136261u;

	for (size_t i = 0; i < size; i++)
		h = (h ^ data[i]) * 16777619u;
	return h;
}

static void check_binary(const struct program *p, const char *from)
{
	static uint8_t buf[PROG_BIN_MAX_SIZE];
	static struct program q;
	char why[256] = "";
	size_t n = program_encode(p, buf, sizeof(buf));

	if (!n)
		fail("model/encode/too-big", "%s: program_encode needed more than %d bytes", from,
		     PROG_BIN_MAX_SIZE);
	program_decode(buf, n, &q);
	if (!prog_equal(p, &q, false, why))
		fail("model/binary/round-trip", "%s: decode(encode(p)) != p: %s", from, why);
}

static void check_text(const struct program *p, const char *from)
{
	static char text[TEXT_MAX], again[TEXT_MAX];
	static struct program q;
	struct parse_error err;
	char why[256] = "";
	int n = program_format(p, text, sizeof(text));

	if (n < 0)
		fail("model/format/too-big", "%s: program_format needed more than %d bytes", from,
		     TEXT_MAX);
	if (program_parse_bytes(text, (size_t)n, "<format>", &q, &err))
		fail("model/text/unparsable",
		     "%s: format(p) does not parse: line %u column %u: %s\n%s", from, err.line,
		     err.column, err.msg, text);
	if (!prog_equal(p, &q, false, why))
		fail("model/text/round-trip", "%s: parse(format(p)) != p: %s\n%s", from, why, text);
	if (program_format(&q, again, sizeof(again)) != n || memcmp(text, again, (size_t)n))
		fail("model/text/not-canonical", "%s: format(parse(format(p))) differs:\n%s---\n%s",
		     from, text, again);
}

void model_check_program(const struct program *p, const char *from)
{
	const char *why = "";

	if (!program_valid(p, &why))
		fail("model/program/invalid", "%s: an invalid program: %s", from, why);
	check_binary(p, from);
	check_text(p, from);
}

void model_synth_facts(uint32_t seed, struct kernel_facts *f)
{
	memset(f, 0, sizeof(*f));
	f->kver_major = 6;
	f->kver_minor = seed & 1 ? 18 : 1;
	f->ignore_msrs = (seed >> 1) & 1;
	f->force_emulation_prefix = (seed >> 2) & 1;
	f->has_wrmsrns = (seed >> 3) & 1;
	f->va_bits = (seed >> 4) & 1 ? 57 : 48;
	for (unsigned i = 0; i < msr_table_len && i < 64; i++) {
		const struct msr_info *m = &msr_table[i];

		f->msr[i].guest_read = m->support == SUPPORT_PROBED ? (seed >> (5 + i % 24)) & 3 :
				       m->support == SUPPORT_NEVER  ? ACC_UNKNOWN :
								      ACC_OK;
		f->msr[i].host_read_ok = m->support != SUPPORT_NEVER;
		for (unsigned v = 0; v < PROG_MAX_VCPUS; v++)
			f->msr[i].initial[v] = m->nvalid ? m->valid[(seed + v) % m->nvalid] : 0;
	}
}

static void synth_guest(const struct step *s, const struct guest_exp *x, uint32_t pick,
			struct guest_obs *o)
{
	const struct guest_alt *a = &x->alt[pick % x->nalt];

	memset(o, 0, sizeof(*o));
	o->ran = true;
	o->rcx = s->g.rcx;
	if (a->exit) {
		o->exited = true;
		o->exit_reason = a->exit;
		o->reason = a->reason;
		o->index = guest_index(&s->g);
		o->data = a->exit_data;
		o->exit_rip = x->fault_rip;
	}
	if (a->gp || a->ud) {
		o->faulted = true;
		o->vector = a->gp ? VEC_GP : VEC_UD;
		o->rip = x->fault_rip;
		o->rax = s->g.rax;
		o->rdx = s->g.rdx;
		return;
	}
	o->rip = x->rip_after;
	o->rax = a->data_any ? 0 : a->rax;
	o->rdx = a->data_any ? 0 : a->rdx;
}

static void synth_host(const struct host_exp *x, struct host_obs *o)
{
	memset(o, 0, sizeof(*o));
	o->ran = true;
	o->ret = x->ret_any ? 0 : x->ret;
	o->err = x->err;
	o->nvals = x->nvals;
	for (unsigned i = 0; i < x->nvals && i < PROG_MAX_HOST_MSRS; i++)
		o->vals[i] = x->val_any & (1u << i) ? 0 : x->vals[i];
}

void model_synth_trace(const struct program *p, const struct expected *e, uint32_t seed,
		       struct trace *t)
{
	trace_init(t);
	t->setup_filter_err = e->setup_filter_err;
	for (unsigned i = 0; i < p->nsteps && i < PROG_MAX_STEPS; i++) {
		const struct step *s = &p->steps[i];

		if (!step_is_guest(s->kind))
			synth_host(&e->h[i], &t->h[i]);
		else if (e->g[i].nalt)
			synth_guest(s, &e->g[i], seed >> (i % 24), &t->g[i]);
		else
			t->g[i].ran = true; /* unconstrained: anything goes */
	}
}

/* The first guest step the oracle constrains, or -1. */
static int constrained_guest_step(const struct program *p, const struct expected *e)
{
	for (unsigned i = 0; i < p->nsteps && i < PROG_MAX_STEPS; i++)
		if (step_is_guest(p->steps[i].kind) && e->g[i].nalt)
			return (int)i;
	return -1;
}

static void print_all(const struct program *p, const struct trace *t, const struct expected *e)
{
	static char text[TEXT_MAX];

	if (program_format(p, text, sizeof(text)) >= 0)
		fprintf(stderr, "%s", text);
	trace_print(p, t, e, stderr);
}

void model_check_oracle(const struct program *p, uint32_t seed)
{
	static struct expected e;
	static struct trace t;
	static struct verdict v;
	static FILE *null_out;
	struct kernel_facts f;
	int k;

	model_synth_facts(seed, &f);
	oracle_predict(p, &f, &e);
	model_synth_trace(p, &e, seed, &t);
	if (!null_out)
		null_out = fopen("/dev/null", "w");
	if (null_out)
		trace_print(p, &t, &e, null_out);
	if (compare(p, &e, &t, &v)) {
		print_all(p, &t, &e);
		fail("model/oracle/own-prediction-rejected",
		     "compare() rejects the oracle's own prediction (facts seed 0x%x): %s: %s",
		     seed, v.m[0].field, v.m[0].signature);
	}
	k = constrained_guest_step(p, &e);
	if (k < 0)
		return;
	t.g[k].rcx ^= 1ull << 40;
	if (!compare(p, &e, &t, &v)) {
		print_all(p, &t, &e);
		fail("model/compare/rcx-change-unnoticed", "step %d: RCX changed, no mismatch", k);
	}
}
