/* compare.c - turns an expected and an observed trace into a verdict with stable signatures. */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "trace.h"
#include "trace_text.h"

/*
 * Signatures are "<op>/<expected class>/<expected>-expected-got-<observed>":
 * op is step_name() (rdmsr, wrmsr, host-...); the class is the reason of the closest
 * alternative (FILTER, UNKNOWN, INVAL), OK, CPL3 or GP for guest steps, and
 * OK, ANY or the errno name for host steps. For the exit and the result the
 * two words are outcomes (exit, gp, ud, fault, success); for a detail they
 * are the field and a fixed word (wrong, dirty, a reason or errno name, a
 * ret value). Nothing in them depends on addresses or on run-to-run noise.
 */

void trace_init(struct trace *t)
{
	memset(t, 0, sizeof(*t));
	t->abort_step = -1;
	t->setup_filter_err = -1;
}

struct cmp {
	const struct program *p;
	struct verdict *v;
	unsigned count;
	int step;
	const char *op;
	const char *cls;
	const struct guest_exp *x; /* the guest step being compared */
};

static void report(struct cmp *c, const char *field, const char *exp, const char *obs,
		   const char *sig_exp, const char *sig_obs)
{
	struct mismatch *m;

	c->count++;
	if (c->v->n >= MAX_MISMATCHES)
		return;
	m = &c->v->m[c->v->n++];
	memset(m, 0, sizeof(*m));
	m->step = c->step;
	if (c->step >= 0 && c->step < c->p->nsteps && c->step < PROG_MAX_STEPS)
		m->line = c->p->steps[c->step].line;
	snprintf(m->field, sizeof(m->field), "%s", field);
	snprintf(m->expected, sizeof(m->expected), "%s", exp);
	snprintf(m->observed, sizeof(m->observed), "%s", obs);
	snprintf(m->signature, sizeof(m->signature), "%s/%s/%s-expected-got-%s", c->op, c->cls,
		 sig_exp, sig_obs);
}

/* A detail field: texts from two numbers, signature "<field>-expected-got-<word>". */
static void report_hex(struct cmp *c, const char *field, uint64_t exp, uint64_t obs,
		       const char *word)
{
	char e[32], o[32];

	snprintf(e, sizeof(e), "0x%" PRIx64, exp);
	snprintf(o, sizeof(o), "0x%" PRIx64, obs);
	report(c, field, e, o, field, word);
}

/* RIP still at the instruction (past the forced-emulation prefix when KVM emulated it). */
static bool at_insn(const struct guest_exp *x, int64_t rip)
{
	return rip == x->fault_rip;
}

static bool exit_matches(const struct step *s, const struct guest_exp *x, const struct guest_alt *a,
			 const struct guest_obs *o)
{
	if (!a->exit)
		return !o->exited;
	return o->exited && o->exit_reason == a->exit && o->reason == a->reason &&
	       o->index == guest_index(&s->g) && o->data == a->exit_data && !o->exit_error &&
	       !o->exit_pad_dirty && at_insn(x, o->exit_rip);
}

static bool upper_clear(const struct guest_obs *o)
{
	return !(o->rax >> 32) && !(o->rdx >> 32);
}

static bool result_matches(const struct step *s, const struct guest_exp *x,
			   const struct guest_alt *a, const struct guest_obs *o)
{
	if (a->gp || a->ud)
		return o->faulted && o->vector == (a->gp ? VEC_GP : VEC_UD) && o->error_code == 0 &&
		       at_insn(x, o->rip) && o->rax == s->g.rax && o->rdx == s->g.rdx;
	if (o->faulted || o->rip != x->rip_after)
		return false;
	if (a->data_any)
		return step_is_write(s->kind) || upper_clear(o);
	return o->rax == a->rax && o->rdx == a->rdx;
}

static bool alt_matches(const struct step *s, const struct guest_exp *x, const struct guest_alt *a,
			const struct guest_obs *o)
{
	return exit_matches(s, x, a, o) && result_matches(s, x, a, o) && o->rcx == s->g.rcx &&
	       !o->stray;
}

/* The alternative to report against: same exit presence, then reason, then result kind. */
static const struct guest_alt *closest_alt(const struct guest_exp *x, const struct guest_obs *o)
{
	const struct guest_alt *best = &x->alt[0];
	int best_score = -1;

	for (unsigned i = 0; i < x->nalt && i < MAX_ALTS; i++) {
		const struct guest_alt *a = &x->alt[i];
		int score = 0;

		if (!!a->exit == o->exited)
			score += 4;
		if (a->exit && o->exited && a->reason == o->reason)
			score += 2;
		if ((a->gp || a->ud) == o->faulted)
			score += 1;
		if (score > best_score) {
			best = a;
			best_score = score;
		}
	}
	return best;
}

static void diff_exit_details(struct cmp *c, const struct step *s, const struct guest_alt *a,
			      const struct guest_obs *o)
{
	char e[32], ob[32];

	if (o->exit_reason != a->exit) {
		char word[24];

		tt_exit_kind_text(a->exit, e, sizeof(e));
		tt_exit_kind_text(o->exit_reason, ob, sizeof(ob));
		snprintf(word, sizeof(word), "exit-%" PRIu32, o->exit_reason);
		report(c, "exit", e, ob, "exit", word);
	}
	if (o->reason != a->reason) {
		snprintf(ob, sizeof(ob), "0x%" PRIx32 " (%s)", o->reason,
			 tt_reason_name(o->reason));
		report(c, "reason", tt_reason_name(a->reason), ob, "reason",
		       tt_reason_name(o->reason));
	}
	if (o->index != guest_index(&s->g))
		report_hex(c, "index", guest_index(&s->g), o->index, "wrong");
	if (o->data != a->exit_data)
		report_hex(c, "data", a->exit_data, o->data, "wrong");
	if (o->exit_error) {
		snprintf(ob, sizeof(ob), "%u", o->exit_error);
		report(c, "error_at_exit", "0", ob, "error_at_exit", "nonzero");
	}
	if (o->exit_pad_dirty)
		report(c, "pad_at_exit", "zero", "dirty", "pad_at_exit", "dirty");
	if (!at_insn(c->x, o->exit_rip)) {
		snprintf(e, sizeof(e), "%+d", c->x->fault_rip);
		snprintf(ob, sizeof(ob), "%+" PRId64, o->exit_rip);
		report(c, "rip_at_exit", e, ob, "rip_at_exit", "wrong");
	}
}

static void diff_exit(struct cmp *c, const struct step *s, const struct guest_alt *a,
		      const struct guest_obs *o)
{
	char e[64], ob[64];

	if (!!a->exit != o->exited) {
		tt_alt_exit_text(a, e, sizeof(e));
		tt_obs_exit_text(o, ob, sizeof(ob));
		report(c, "exit", e, ob, tt_alt_outcome(a), tt_obs_outcome(o));
		return;
	}
	if (o->exited)
		diff_exit_details(c, s, a, o);
}

static void diff_rip(struct cmp *c, int64_t exp, int64_t obs)
{
	char e[32], o[32];

	if (obs == exp)
		return;
	snprintf(e, sizeof(e), "%+" PRId64, exp);
	snprintf(o, sizeof(o), "%+" PRId64, obs);
	report(c, "rip", e, o, "rip", "wrong");
}

static void diff_regs(struct cmp *c, uint64_t rax, uint64_t rdx, const struct guest_obs *o)
{
	if (o->rax != rax)
		report_hex(c, "rax", rax, o->rax, "wrong");
	if (o->rdx != rdx)
		report_hex(c, "rdx", rdx, o->rdx, "wrong");
}

static void diff_success(struct cmp *c, const struct step *s, const struct guest_alt *a,
			 const struct guest_obs *o, int rip_after)
{
	diff_rip(c, rip_after, o->rip);
	if (!a->data_any) {
		diff_regs(c, a->rax, a->rdx, o);
		return;
	}
	if (!step_is_write(s->kind) && (o->rax >> 32))
		report_hex(c, "rax", (uint32_t)o->rax, o->rax, "upper-half-set");
	if (!step_is_write(s->kind) && (o->rdx >> 32))
		report_hex(c, "rdx", (uint32_t)o->rdx, o->rdx, "upper-half-set");
}

static void diff_result(struct cmp *c, const struct step *s, const struct guest_alt *a,
			const struct guest_obs *o, int rip_after)
{
	char e[32], ob[32];

	bool fault = a->gp || a->ud;

	tt_alt_result_text(a, e, sizeof(e));
	tt_obs_result_text(o, ob, sizeof(ob));
	if (fault && o->faulted && o->vector != (a->gp ? VEC_GP : VEC_UD)) {
		report(c, "vector", e, ob, tt_alt_result(a), tt_obs_result(o));
		return;
	}
	if (fault != o->faulted) {
		report(c, "result", e, ob, tt_alt_result(a), tt_obs_result(o));
		return;
	}
	if (!fault) {
		diff_success(c, s, a, o, rip_after);
		return;
	}
	if (o->error_code) {
		snprintf(ob, sizeof(ob), "0x%" PRIx32, o->error_code);
		report(c, "error_code", "0", ob, "error_code", "wrong");
	}
	if (!at_insn(c->x, o->rip))
		diff_rip(c, c->x->fault_rip, o->rip);
	diff_regs(c, s->g.rax, s->g.rdx, o);
}

static void compare_guest(struct cmp *c, const struct step *s, const struct guest_exp *x,
			  const struct guest_obs *o)
{
	const struct guest_alt *a;

	if (!x->nalt)
		return; /* the oracle does not know this operation: unconstrained */
	c->x = x;
	for (unsigned i = 0; i < x->nalt && i < MAX_ALTS; i++)
		if (o->ran && alt_matches(s, x, &x->alt[i], o))
			return;
	a = closest_alt(x, o);
	c->cls = tt_alt_class(s, a);
	if (!o->ran) {
		report(c, "ran", tt_alt_outcome(a), "not run", tt_alt_outcome(a), "notrun");
		return;
	}
	diff_exit(c, s, a, o);
	diff_result(c, s, a, o, x->rip_after);
	if (o->stray)
		report(c, "landing", "straight past the instruction",
		       "through stray bytes (RSI changed)", "landing", "stray");
	if (o->rcx != s->g.rcx)
		report_hex(c, "rcx", s->g.rcx, o->rcx, "wrong");
}

static void diff_vals(struct cmp *c, const struct step *s, const struct host_exp *h,
		      const struct host_obs *o)
{
	char e[32], ob[32], field[32];

	for (unsigned i = 0; i < h->nvals && i < PROG_MAX_HOST_MSRS; i++) {
		if (h->val_any & (1u << i))
			continue;
		if (i >= o->nvals) {
			snprintf(e, sizeof(e), "%u", h->nvals);
			snprintf(ob, sizeof(ob), "%u", o->nvals);
			report(c, "nvals", e, ob, "nvals", "short");
			return;
		}
		if (o->vals[i] != h->vals[i]) {
			tt_host_val_name(s->kind, i, field, sizeof(field));
			report_hex(c, field, h->vals[i], o->vals[i], "wrong");
		}
	}
}

static void compare_host(struct cmp *c, const struct step *s, const struct host_exp *h,
			 const struct host_obs *o)
{
	char cls[24], e[48], ob[48], word[24];

	c->cls = tt_host_class(h, cls, sizeof(cls));
	if (!o->ran) {
		report(c, "ran", "run", "not run", "ret", "notrun");
		return;
	}
	if (!h->ret_any && o->ret != h->ret) {
		tt_host_ret_text(h->ret, h->err, e, sizeof(e));
		tt_host_ret_text(o->ret, o->err, ob, sizeof(ob));
		tt_host_ret_word(o->ret, o->err, word, sizeof(word));
		report(c, "ret", e, ob, "ret", word);
		return;
	}
	if (!h->ret_any && h->ret < 0 && o->err != h->err) {
		report(c, "errno", tt_errno_name(h->err, e, sizeof(e)),
		       tt_errno_name(o->err, ob, sizeof(ob)), "errno", ob);
		return;
	}
	diff_vals(c, s, h, o);
}

static void compare_step(struct cmp *c, int i, const struct expected *e, const struct trace *t)
{
	const struct step *s = &c->p->steps[i];

	c->step = i;
	c->op = step_name(s->kind);
	c->cls = "OK";
	if (step_is_guest(s->kind))
		compare_guest(c, s, &e->g[i], &t->g[i]);
	else
		compare_host(c, s, &e->h[i], &t->h[i]);
}

/* The set-up filter: installed (0), refused (errno), or none asked for (-1). */
static void report_errno(struct cmp *c, const char *field, int exp, int obs)
{
	char e[32], o[32], be[32], bo[32];

	snprintf(e, sizeof(e), "%s",
		 exp < 0 ? "none" :
		 exp	 ? tt_errno_name(exp, be, sizeof(be)) :
			   "installed");
	snprintf(o, sizeof(o), "%s",
		 obs < 0 ? "none" :
		 obs	 ? tt_errno_name(obs, bo, sizeof(bo)) :
			   "installed");
	report(c, field, e, o,
	       exp < 0 ? "none" :
	       exp     ? "refused" :
			 "installed",
	       obs < 0 ? "none" :
	       obs     ? "refused" :
			 "installed");
}

unsigned compare(const struct program *p, const struct expected *e, const struct trace *t,
		 struct verdict *v)
{
	int n = p->nsteps < PROG_MAX_STEPS ? p->nsteps : PROG_MAX_STEPS;
	struct cmp c = { .p = p, .v = v };
	int stop = n;

	memset(v, 0, sizeof(*v));
	if (t->setup_filter_err != -2 /* the caller set up */ &&
	    e->setup_filter_err != t->setup_filter_err) {
		c.step = -1;
		c.op = "setup";
		c.cls = "filter";
		report_errno(&c, "setup-filter", e->setup_filter_err, t->setup_filter_err);
	}
	if (t->abort_step >= 0 && t->abort_step < n)
		stop = t->abort_step;
	for (int i = 0; i < stop; i++)
		compare_step(&c, i, e, t);
	if (t->abort_step >= 0) {
		c.step = t->abort_step;
		c.op = t->abort_step < n ? step_name(p->steps[t->abort_step].kind) : "program";
		c.cls = "run";
		report(&c, "run", "completed", t->abort_msg, "completion", "abort");
	}
	return c.count;
}
