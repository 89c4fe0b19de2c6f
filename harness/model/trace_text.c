/* trace_text.c - words and texts for traces and verdicts, and trace_print (one line per step). */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "msr_table.h"
#include "trace.h"
#include "trace_text.h"

const char *tt_reason_name(uint32_t r)
{
	switch (r) {
	case 0:
		return "none";
	case REASON_INVAL:
		return "INVAL";
	case REASON_UNKNOWN:
		return "UNKNOWN";
	case REASON_FILTER:
		return "FILTER";
	default:
		return "other";
	}
}

const char *tt_alt_result(const struct guest_alt *a)
{
	return a->gp ? "gp" : a->ud ? "ud" : "success";
}

const char *tt_alt_outcome(const struct guest_alt *a)
{
	return a->exit ? "exit" : tt_alt_result(a);
}

const char *tt_obs_result(const struct guest_obs *o)
{
	if (!o->faulted)
		return "success";
	return o->vector == VEC_GP ? "gp" : o->vector == VEC_UD ? "ud" : "fault";
}

const char *tt_obs_outcome(const struct guest_obs *o)
{
	return o->exited ? "exit" : tt_obs_result(o);
}

const char *tt_alt_class(const struct step *s, const struct guest_alt *a)
{
	if (a->reason)
		return tt_reason_name(a->reason);
	if (a->gp)
		return s->g.cpl ? "CPL3" : "GP";
	if (a->ud)
		return "UD";
	return "OK";
}

const char *tt_errno_name(int err, char *buf, size_t n)
{
	static const struct {
		int err;
		const char *name;
	} names[] = {
		{ EPERM, "EPERM" },   { ENOENT, "ENOENT" }, { EINTR, "EINTR" },
		{ EIO, "EIO" },	      { ENXIO, "ENXIO" },   { E2BIG, "E2BIG" },
		{ EBADF, "EBADF" },   { EAGAIN, "EAGAIN" }, { ENOMEM, "ENOMEM" },
		{ EFAULT, "EFAULT" }, { EBUSY, "EBUSY" },   { EEXIST, "EEXIST" },
		{ EINVAL, "EINVAL" }, { ENOTTY, "ENOTTY" }, { ENOSPC, "ENOSPC" },
		{ ERANGE, "ERANGE" }, { ENOSYS, "ENOSYS" }, { EOPNOTSUPP, "EOPNOTSUPP" },
	};

	for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
		if (names[i].err == err) {
			snprintf(buf, n, "%s", names[i].name);
			return buf;
		}
	}
	snprintf(buf, n, "E%d", err);
	return buf;
}

const char *tt_host_class(const struct host_exp *h, char *buf, size_t n)
{
	if (h->ret_any)
		return "ANY";
	if (h->ret < 0)
		return tt_errno_name(h->err, buf, n);
	return "OK";
}

const char *tt_host_ret_word(long ret, int err, char *buf, size_t n)
{
	if (ret < 0)
		return tt_errno_name(err, buf, n);
	snprintf(buf, n, "%ld", ret);
	return buf;
}

const char *tt_host_ret_text(long ret, int err, char *buf, size_t n)
{
	char e[24];

	if (ret < 0)
		snprintf(buf, n, "%ld (%s)", ret, tt_errno_name(err, e, sizeof(e)));
	else
		snprintf(buf, n, "%ld", ret);
	return buf;
}

const char *tt_exit_kind_text(uint32_t exit, char *buf, size_t n)
{
	if (exit == EXIT_REASON_RDMSR)
		snprintf(buf, n, "exit RDMSR");
	else if (exit == EXIT_REASON_WRMSR)
		snprintf(buf, n, "exit WRMSR");
	else if (exit == 0)
		snprintf(buf, n, "no exit");
	else
		snprintf(buf, n, "exit %" PRIu32, exit);
	return buf;
}

const char *tt_alt_exit_text(const struct guest_alt *a, char *buf, size_t n)
{
	char k[24];

	tt_exit_kind_text(a->exit, k, sizeof(k));
	if (!a->exit)
		snprintf(buf, n, "%s", k);
	else
		snprintf(buf, n, "%s reason %s", k, tt_reason_name(a->reason));
	return buf;
}

const char *tt_obs_exit_text(const struct guest_obs *o, char *buf, size_t n)
{
	char k[24];

	tt_exit_kind_text(o->exited ? o->exit_reason : 0, k, sizeof(k));
	if (!o->exited)
		snprintf(buf, n, "%s", k);
	else
		snprintf(buf, n, "%s reason %s", k, tt_reason_name(o->reason));
	return buf;
}

const char *tt_alt_result_text(const struct guest_alt *a, char *buf, size_t n)
{
	snprintf(buf, n, "%s", a->gp ? "#GP(0)" : a->ud ? "#UD" : "success");
	return buf;
}

const char *tt_obs_result_text(const struct guest_obs *o, char *buf, size_t n)
{
	if (!o->faulted)
		snprintf(buf, n, "success");
	else if (o->vector == VEC_GP)
		snprintf(buf, n, "#GP(%" PRIu32 ")", o->error_code);
	else if (o->vector == VEC_UD)
		snprintf(buf, n, "#UD");
	else
		snprintf(buf, n, "#%u(%" PRIu32 ")", o->vector, o->error_code);
	return buf;
}

/* The names of a host kind's values (host_obs.vals) where they have names. */
static const char *const regs_names[] = { "rip", "rax", "rdx", NULL };
static const char *const events_names[] = { "exception", "vector", "has_error_code", "error_code",
					    NULL };
static const struct {
	const char *const *names; /* NULL-terminated */
	const char *array; /* or the values are array[i] */
} host_vals[STEP_KIND_LIMIT] = {
	[STEP_HOST_GET_REGS] = { regs_names, NULL },
	[STEP_HOST_GET_EVENTS] = { events_names, NULL },
	[STEP_HOST_GET_MSRS] = { NULL, "data" },
};

const char *tt_host_val_name(uint8_t kind, unsigned i, char *buf, size_t n)
{
	const char *const *names = kind < STEP_KIND_LIMIT ? host_vals[kind].names : NULL;
	const char *array = kind < STEP_KIND_LIMIT ? host_vals[kind].array : NULL;

	unsigned k = 0;

	while (names && names[k] && k < i)
		k++;
	if (names && names[k])
		snprintf(buf, n, "%s", names[k]);
	else
		snprintf(buf, n, "%s[%u]", array ? array : "val", i);
	return buf;
}

static void print_msr(FILE *out, uint32_t index)
{
	const struct msr_info *info = msr_lookup(index);

	if (info)
		fprintf(out, "%s", info->name);
	else
		fprintf(out, "0x%" PRIx32, index);
}

static void print_reply(FILE *out, const struct guest_step *g)
{
	if (g->reply_flags & REPLY_UNTOUCHED)
		fprintf(out, " -> reply untouched");
	else
		fprintf(out, " -> reply error %u data 0x%" PRIx64, g->reply_error, g->reply_data);
	if (g->reply_flags & REPLY_HOLD)
		fprintf(out, " hold");
	if (g->reply_flags & REPLY_SCRIBBLE)
		fprintf(out, " scribble");
}

static void print_guest_obs(FILE *out, const struct step *s, const struct guest_obs *o)
{
	char buf[48];

	if (!o->ran) {
		fprintf(out, "not run");
		return;
	}
	if (o->exited) {
		fprintf(out, "%s index 0x%" PRIx32 " data 0x%" PRIx64,
			tt_obs_exit_text(o, buf, sizeof(buf)), o->index, o->data);
		if (o->exit_error || o->exit_pad_dirty || o->exit_rip)
			fprintf(out, " (error %u pad %s rip %+" PRId64 ")", o->exit_error,
				o->exit_pad_dirty ? "dirty" : "zero", o->exit_rip);
		print_reply(out, &s->g);
		fprintf(out, " -> ");
	}
	fprintf(out, "%s rax 0x%" PRIx64 " rdx 0x%" PRIx64 " rip %+" PRId64,
		tt_obs_result_text(o, buf, sizeof(buf)), o->rax, o->rdx, o->rip);
}

static void print_alt(FILE *out, const struct step *s, const struct guest_alt *a)
{
	char buf[48];

	if (a->exit)
		fprintf(out, "%s -> ", tt_alt_exit_text(a, buf, sizeof(buf)));
	if (a->gp && !a->exit && a->reason)
		fprintf(out, "#GP(0) (%s)", tt_reason_name(a->reason));
	else if (a->gp)
		fprintf(out, "#GP(0)");
	else if (a->ud)
		fprintf(out, "#UD");
	else if (step_is_write(s->kind))
		fprintf(out, "success");
	else if (a->data_any)
		fprintf(out, "success rax * rdx *");
	else
		fprintf(out, "success rax 0x%" PRIx64 " rdx 0x%" PRIx64, a->rax, a->rdx);
}

void step_trace_access(FILE *out, const struct step *s)
{
	fprintf(out, " ");
	print_msr(out, guest_index(&s->g));
	if (step_is_write(s->kind))
		fprintf(out, " value 0x%" PRIx64, guest_wrmsr_value(&s->g));
	fprintf(out, " cpl%u%s", s->g.cpl, s->g.fep ? " fep" : "");
}

static void print_guest(FILE *out, const struct step *s, const struct guest_obs *o,
			const struct guest_exp *x)
{
	fprintf(out, "%s", step_name(s->kind));
	step_kind_desc(s->kind)->trace(out, s); /* a guest kind: it has one */
	fprintf(out, " vcpu%u: ", s->vcpu);
	print_guest_obs(out, s, o);
	if (!x)
		return;
	fprintf(out, "  [expected:");
	for (unsigned i = 0; i < x->nalt && i < MAX_ALTS; i++) {
		fprintf(out, "%s", i ? " | " : " ");
		print_alt(out, s, &x->alt[i]);
	}
	fprintf(out, "%s]", x->nalt ? "" : " any");
}

void step_trace_none(FILE *out, const struct step *s)
{
	(void)out;
	(void)s;
}

void step_trace_mask(FILE *out, const struct step *s)
{
	fprintf(out, " mask 0x%" PRIx64 " flags 0x%" PRIx32, s->h.arg, s->h.flags);
}

void step_trace_filter(FILE *out, const struct step *s)
{
	if (s->h.arg == HOST_FILTER_NONE)
		fprintf(out, " none");
	else
		fprintf(out, " %" PRIu64, s->h.arg);
}

void step_trace_cap(FILE *out, const struct step *s)
{
	fprintf(out, " %" PRIu64, s->h.arg);
}

/* The list; the values only of a write (KVM_SET_MSRS), a read's are its results. */
void step_trace_msrs(FILE *out, const struct step *s)
{
	const struct host_step *h = &s->h;

	fprintf(out, " nmsrs %u:", h->nmsrs);
	for (unsigned i = 0; i < h->nlist && i < PROG_MAX_HOST_MSRS; i++) {
		fprintf(out, " ");
		print_msr(out, h->list[i].index);
		if (s->kind == STEP_HOST_SET_MSRS)
			fprintf(out, "=0x%" PRIx64, h->list[i].value);
	}
}

static void print_host_args(FILE *out, const struct step *s)
{
	static const char *const targets[] = { "", " vm", " vcpu", " system" };
	const struct step_kind_desc *d = step_kind_desc(s->kind);

	fprintf(out, "%s vcpu%u%s", step_name(s->kind), s->vcpu,
		s->h.target < 4 ? targets[s->h.target] : " target?");
	if (d)
		d->trace(out, s);
}

static void print_host(FILE *out, const struct step *s, const struct host_obs *o,
		       const struct host_exp *x)
{
	char buf[48];

	print_host_args(out, s);
	if (!o->ran)
		fprintf(out, ": not run");
	else
		fprintf(out, ": ret %s", tt_host_ret_text(o->ret, o->err, buf, sizeof(buf)));
	for (unsigned i = 0; o->ran && i < o->nvals && i < PROG_MAX_HOST_MSRS; i++)
		fprintf(out, "%s0x%" PRIx64, i ? " " : " vals ", o->vals[i]);
	if (!x)
		return;
	if (x->ret_any)
		fprintf(out, "  [expected: ret *");
	else
		fprintf(out, "  [expected: ret %s",
			tt_host_ret_text(x->ret, x->err, buf, sizeof(buf)));
	for (unsigned i = 0; i < x->nvals && i < PROG_MAX_HOST_MSRS; i++) {
		fprintf(out, "%s", i ? " " : " vals ");
		if (x->val_any & (1u << i))
			fprintf(out, "*");
		else
			fprintf(out, "0x%" PRIx64, x->vals[i]);
	}
	fprintf(out, "]");
}

void trace_print(const struct program *p, const struct trace *t, const struct expected *e,
		 FILE *out)
{
	int n = p->nsteps < PROG_MAX_STEPS ? p->nsteps : PROG_MAX_STEPS;

	for (int i = 0; i < n; i++) {
		const struct step *s = &p->steps[i];

		if (t->abort_step >= 0 && i == t->abort_step)
			fprintf(out, "  -- run aborted here: %s\n", t->abort_msg);
		fprintf(out, "%3d ", i);
		if (step_is_guest(s->kind))
			print_guest(out, s, &t->g[i], e ? &e->g[i] : NULL);
		else
			print_host(out, s, &t->h[i], e ? &e->h[i] : NULL);
		fprintf(out, "\n");
	}
	if (t->abort_step >= n)
		fprintf(out, "  -- run aborted after the last step: %s\n", t->abort_msg);
}
