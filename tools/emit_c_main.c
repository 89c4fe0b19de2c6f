/* emit_c_main.c - the reproducer's main(): set-up, each batch and host step as a commented block, each check. */
#include <inttypes.h>
#include <stdio.h>

#include "emit_c.h"
#include "trace_text.h"

struct mc {
	FILE *out;
	const struct program *p;
	const struct expected *e;
	const char *const *op_text;
	const struct batch_plan *batch;
	int nbatches;
	int pending; /* the batch whose last exit may be held now, or -1 */
};

static void op_head(struct mc *m, int n)
{
	fprintf(m->out, "\t * op %d (line %u): %s\n", n, m->p->steps[n].line, m->op_text[n]);
}

static void emit_setup(struct mc *m)
{
	const struct program *p = m->p;
	FILE *out = m->out;
	char buf[48], text[256];

	fprintf(out,
		"\t/* A VM with %u vCPU%s in long mode, memory and registers as msrexit sets them "
		"up. */\n\tvm_create(&vm, %u);\n\n",
		p->nvcpus, p->nvcpus > 1 ? "s" : "", p->nvcpus);
	snprintf(text, sizeof(text),
		 "Set-up: KVM_ENABLE_CAP(KVM_CAP_X86_USER_SPACE_MSR) on the VM fd, mask 0x%" PRIx64
		 " (%s): the accesses KVM refuses for these reasons exit to user space. The "
		 "kernel should accept it.",
		 p->mask, ec_reasons(p->mask, buf, sizeof(buf)));
	fprintf(out, "\t/*\n");
	ec_comment(out, "\t * ", text);
	fprintf(out, "\t */\n");
	fprintf(out,
		"\tif (enable_cap(vm.fd, 0, 0x%" PRIx64 ") < 0)\n\t\tstop_run(0, \"set-up: "
		"KVM_ENABLE_CAP(USER_SPACE_MSR, mask 0x%" PRIx64 ") failed: %%s\",\n"
		"\t\t\t strerror(errno));\n",
		p->mask, p->mask);
	if (p->setup_filter < p->nfilters) {
		fprintf(out,
			"\t/*\n\t * Set-up: KVM_X86_SET_MSR_FILTER on the VM fd with filter %u. "
			"The kernel should %s.\n\t */\n",
			p->setup_filter,
			m->e->setup_filter_err == 0 ? "install it" :
			m->e->setup_filter_err > 0  ? "refuse it" :
						      "not be asked");
		fprintf(out,
			"\tcheck_setup_filter(%d, set_filter(vm.fd, &filter%u) ? errno : 0);\n",
			m->e->setup_filter_err, p->setup_filter);
	} else if (m->e->setup_filter_err != -1) {
		fprintf(out, "\tcheck_setup_filter(%d, -1); /* no set-up filter */\n",
			m->e->setup_filter_err);
	}
	fprintf(out, "\n");
}

static void emit_run_batch(struct mc *m, int b)
{
	const struct batch_plan *pl = &m->batch[b];
	FILE *out = m->out;

	fprintf(out,
		"\t/*\n\t * Batch %d on vCPU %d: each access runs as guest code, each MSR "
		"exit is answered with\n\t * the op's reply.\n",
		b, pl->vcpu);
	for (int n = pl->start; n < pl->end; n++) {
		fprintf(out, "\t *\n");
		op_head(m, n);
		ec_describe_guest(out, "\t *   ", &m->p->steps[n], &m->e->g[n]);
	}
	if (pl->hold_last)
		fprintf(out,
			"\t *\n\t * If op %d exits, the exit stays pending (our reply written, no "
			"KVM_RUN) while\n\t * the host steps after it run.\n",
			pl->end - 1);
	fprintf(out, "\t */\n\trun_batch(&vm, &batch%d);\n", b);
}

static void emit_alt(FILE *out, const struct guest_alt *a)
{
	fprintf(out, "\t\t\t\t{");
	if (a->exit)
		fprintf(out, " .exit = %s, .reason = 0x%" PRIx32 ", .exit_data = 0x%" PRIx64 ",",
			a->exit == EXIT_REASON_RDMSR ? "KVM_EXIT_X86_RDMSR" : "KVM_EXIT_X86_WRMSR",
			a->reason, a->exit_data);
	else if (a->reason)
		fprintf(out, " .reason = 0x%" PRIx32 ",", a->reason);
	if (a->gp)
		fprintf(out, " .gp = 1,");
	if (a->ud)
		fprintf(out, " .ud = 1,");
	if (a->data_any)
		fprintf(out, " .data_any = 1,");
	if (!a->gp && !a->ud && !a->data_any)
		fprintf(out, " .rax = 0x%" PRIx64 ", .rdx = 0x%" PRIx64 ",", a->rax, a->rdx);
	fprintf(out, " },\n");
}

static void emit_check_guest(struct mc *m, int n)
{
	const struct step *s = &m->p->steps[n];
	const struct guest_exp *x = &m->e->g[n];
	FILE *out = m->out;

	fprintf(out, "\t{ /* op %d: what it should have done (above) */\n", n);
	fprintf(out,
		"\t\tstatic const struct guest_expect x = {\n\t\t\t.op = %d, .rdmsr = %d, "
		".rcx = 0x%" PRIx64 ", .rax = 0x%" PRIx64 ", .rdx = 0x%" PRIx64 ",\n"
		"\t\t\t.rip_after = %d, .fault_rip = %d, .nalt = %u,\n",
		n, !step_is_write(s->kind), s->g.rcx, s->g.rax, s->g.rdx, x->rip_after,
		x->fault_rip, x->nalt);
	if (x->nalt) {
		fprintf(out, "\t\t\t.alt = {\n");
		for (unsigned i = 0; i < x->nalt && i < MAX_ALTS; i++)
			emit_alt(out, &x->alt[i]);
		fprintf(out, "\t\t\t},\n");
	}
	fprintf(out, "\t\t};\n\n\t\tcheck_guest(&x);\n\t}\n");
}

static void emit_checks(struct mc *m, int b)
{
	const struct batch_plan *pl = &m->batch[b];

	fprintf(m->out, "\t/* Batch %d is done: each access against what it should have done. */\n",
		b);
	for (int n = pl->start; n < pl->end; n++)
		emit_check_guest(m, n);
	fprintf(m->out, "\n");
}

static void emit_finish_held(struct mc *m)
{
	if (m->pending < 0)
		return;
	fprintf(m->out,
		"\t/* A held exit of op %d completes now: KVM_RUN finishes its batch. */\n"
		"\tfinish_held(&vm);\n",
		m->batch[m->pending].end - 1);
	emit_checks(m, m->pending);
	m->pending = -1;
}

/* The fd step_fd() names, as the reproducer spells it. */
static const char *fd_expr(const struct step *s, char *buf, size_t n)
{
	switch (step_fd(s)) {
	case STEP_FD_VM:
		return "vm.fd";
	case STEP_FD_SYSTEM:
		return "vm.sys_fd";
	case STEP_FD_VCPU:
		break;
	}
	snprintf(buf, n, "vm.vcpu[%u].fd", s->vcpu);
	return buf;
}

/*
 * One per host kind, named by its stem in step_kinds.h (as the executors of
 * harness/kvm/execute_host.c are): a host kind without its reproducer code
 * does not compile. Each writes the call of op n, fd being its fd.
 */
typedef void emit_call_fn(FILE *out, const struct program *p, int n, const char *fd);

static void emit_call_mask(FILE *out, const struct program *p, int n, const char *fd)
{
	const struct host_step *h = &p->steps[n].h;

	fprintf(out, "\t\thost_call(%d, enable_cap(%s, 0x%" PRIx32 ", 0x%" PRIx64 "));\n", n, fd,
		h->flags, h->arg);
}

static void emit_call_filter(FILE *out, const struct program *p, int n, const char *fd)
{
	const struct host_step *h = &p->steps[n].h;

	if (h->arg < p->nfilters)
		fprintf(out, "\t\thost_call(%d, set_filter(%s, &filter%" PRIu64 "));\n", n, fd,
			h->arg);
	else
		fprintf(out, "\t\thost_call(%d, set_filter(%s, NULL));\n", n, fd);
}

/* The list a KVM_GET_MSRS or KVM_SET_MSRS passes, and the call. */
static void emit_msrs(FILE *out, const struct step *s, int n, const char *fd, const char *ioctl)
{
	const struct host_step *h = &s->h;

	if (h->nlist) {
		fprintf(out, "\t\tstatic const struct msr_io list[] = {");
		for (unsigned i = 0; i < h->nlist && i < PROG_MAX_HOST_MSRS; i++)
			fprintf(out, " { 0x%" PRIx32 ", 0x%" PRIx64 " },", h->list[i].index,
				h->list[i].value);
		fprintf(out, " };\n");
	}
	fprintf(out, "\t\thost_msrs(%d, %s, %s, %s, %u, %u);\n", n, fd, ioctl,
		h->nlist ? "list" : "NULL", h->nlist, h->nmsrs);
}

static void emit_call_get_msrs(FILE *out, const struct program *p, int n, const char *fd)
{
	emit_msrs(out, &p->steps[n], n, fd, "KVM_GET_MSRS");
}

static void emit_call_set_msrs(FILE *out, const struct program *p, int n, const char *fd)
{
	emit_msrs(out, &p->steps[n], n, fd, "KVM_SET_MSRS");
}

/* KVM_RUN, KVM_GET_REGS and KVM_GET_VCPU_EVENTS go to the vCPU, as the executor sends them. */
static void emit_call_immediate_exit(FILE *out, const struct program *p, int n, const char *fd)
{
	(void)fd;
	fprintf(out, "\t\thost_immediate_exit(%d, &vm.vcpu[%u]);\n", n, p->steps[n].vcpu);
}

static void emit_call_get_regs(FILE *out, const struct program *p, int n, const char *fd)
{
	(void)fd;
	fprintf(out, "\t\thost_regs(%d, &vm.vcpu[%u]);\n", n, p->steps[n].vcpu);
}

static void emit_call_get_events(FILE *out, const struct program *p, int n, const char *fd)
{
	(void)fd;
	fprintf(out, "\t\thost_events(%d, &vm.vcpu[%u]);\n", n, p->steps[n].vcpu);
}

static void emit_call_check_cap(FILE *out, const struct program *p, int n, const char *fd)
{
	fprintf(out, "\t\thost_call(%d, ioctl(%s, KVM_CHECK_EXTENSION, (long)0x%" PRIx64 "));\n", n,
		fd, p->steps[n].h.arg);
}

#define EMIT_CALL_guest(E, stem)
#define EMIT_CALL_host(E, stem) [STEP_##E] = emit_call_##stem,
#define EMIT_CALL(E, num, cls, slot, nslots, fep, name, insn, wr, req, fd, touches, args, stem) \
	EMIT_CALL_##cls(E, stem)
static emit_call_fn *const call_emitters[STEP_KIND_LIMIT] = { STEP_KINDS(EMIT_CALL) };

static void emit_host_call(struct mc *m, int n)
{
	const struct step *s = &m->p->steps[n];
	emit_call_fn *emit = s->kind < STEP_KIND_LIMIT ? call_emitters[s->kind] : NULL;
	char fd[32];

	if (!emit) { /* no valid program has such a step: the reproducer must not compile */
		fprintf(m->out, "#error \"op %d: no host step kind 0x%x\"\n", n, s->kind);
		return;
	}
	emit(m->out, m->p, n, fd_expr(s, fd, sizeof(fd)));
}

/* EINVAL for 22: the names errno.h has (tt_errno_name's), a number otherwise. */
static const char *errno_literal(int err, char *buf, size_t n)
{
	tt_errno_name(err, buf, n);
	if (!err || (buf[1] >= '0' && buf[1] <= '9') || buf[1] == '-')
		snprintf(buf, n, "%d", err);
	return buf;
}

static void emit_host_expect(FILE *out, const struct host_exp *x, int n)
{
	char buf[24];

	fprintf(out, "\t\tstatic const struct host_expect x = {\n\t\t\t.op = %d, ", n);
	if (x->ret_any)
		fprintf(out, ".ret_any = 1,");
	else
		fprintf(out, ".ret = %ld, .err = %s,", x->ret,
			errno_literal(x->err, buf, sizeof(buf)));
	if (x->nvals) {
		fprintf(out, "\n\t\t\t.nvals = %u, .val_any = 0x%x, .vals = {", x->nvals,
			x->val_any);
		for (unsigned i = 0; i < x->nvals && i < PROG_MAX_HOST_MSRS; i++)
			fprintf(out, " 0x%" PRIx64 ",", x->vals[i]);
		fprintf(out, " },");
	}
	fprintf(out, "\n\t\t};\n");
}

static void emit_host(struct mc *m, int n)
{
	const struct step *s = &m->p->steps[n];
	FILE *out = m->out;

	fprintf(out, "\t/*\n");
	op_head(m, n);
	ec_describe_host(out, "\t * ", s, &m->e->h[n]);
	if (m->pending >= 0)
		fprintf(out, "\t * If op %d's exit was held, it is still pending now.\n",
			m->batch[m->pending].end - 1);
	fprintf(out, "\t */\n\t{\n");
	emit_host_expect(out, &m->e->h[n], n);
	fprintf(out, "\n");
	emit_host_call(m, n);
	fprintf(out, "\t\tcheck_host(&x);\n\t}\n\n");
}

void ec_emit_main(FILE *out, const struct program *p, const struct expected *e,
		  const char *const *op_text, const struct batch_plan *batch, int nbatches)
{
	struct mc m = { out, p, e, op_text, batch, nbatches, -1 };
	int b = 0;

	fprintf(out, "int main(void)\n{\n\tstatic struct vm vm;\n\n");
	fprintf(out, "\tsetvbuf(stdout, NULL, _IOLBF, 0);\n");
	emit_setup(&m);
	for (int n = 0; n < p->nsteps;) {
		if (!step_is_guest(p->steps[n].kind)) {
			emit_host(&m, n++);
			continue;
		}
		emit_finish_held(&m);
		emit_run_batch(&m, b);
		if (batch[b].hold_last) {
			m.pending = b;
			fprintf(out, "\n");
		} else {
			emit_checks(&m, b);
		}
		n = batch[b++].end;
	}
	emit_finish_held(&m);
	fprintf(out, "\treturn verdict();\n}\n");
}
