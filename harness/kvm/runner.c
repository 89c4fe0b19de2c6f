/* runner.c - one program end to end: fresh VM, execute, oracle, compare, kernel health. */
#include <stdio.h>
#include <string.h>

#include "execute.h"
#include "kvm.h"
#include "runner.h"

/* After the run: the oracle's prediction, the comparison, and (h given) the kernel's health. */
static int judge(const struct program *p, const struct kernel_facts *f, struct health *h,
		 struct run_result *r)
{
	oracle_predict(p, f, &r->e);
	r->mismatches = compare(p, &r->e, &r->t, &r->v);
	if (h)
		r->unhealthy = health_check(h, r->health, sizeof(r->health));
	return r->mismatches || r->unhealthy ? EXIT_MISMATCH : EXIT_OK;
}

int run_program_on(struct vm *vm, const struct program *p, const struct kernel_facts *f,
		   const struct exec_opts *o, struct run_result *r)
{
	memset(r, 0, sizeof(*r));
	execute(vm, p, o, &r->t);
	return judge(p, f, NULL, r);
}

int run_program(const struct program *p, const struct kernel_facts *f, struct health *h,
		unsigned timeout_ms, struct run_result *r)
{
	struct exec_opts o = { .timeout_ms = timeout_ms };
	struct kvm_sys *sys;
	struct vm vm;
	int st;

	memset(r, 0, sizeof(*r));
	kvm_clear_error();
	sys = kvm_sys_get(&st);
	if (!sys)
		return st;
	if (__vm_create(&vm, sys, p->nvcpus))
		return EXIT_BAD_INPUT; /* KVM is there (opened), this environment cannot run it */
	execute(&vm, p, &o, &r->t);
	vm_destroy(&vm);
	return judge(p, f, h, r);
}

int run_program_reused(struct vm_pool *pool, const struct program *p, const struct kernel_facts *f,
		       struct health *h, unsigned timeout_ms, struct run_result *r)
{
	struct exec_opts o = { .timeout_ms = timeout_ms };
	int st;

	memset(r, 0, sizeof(*r));
	kvm_clear_error();
	if (!kvm_sys_get(&st))
		return st;
	if (__vm_pool_run(pool, p, &o, &r->t, r->reset_note, sizeof(r->reset_note)))
		return EXIT_BAD_INPUT; /* KVM is there (opened), this environment cannot run it */
	st = judge(p, f, h, r);
	/* the pool judges a run that stopped early itself */
	if (r->unhealthy || (r->mismatches && r->t.abort_step < 0))
		vm_pool_suspect(pool);
	return st;
}

void run_print_mismatches(const char *name, const struct program *p, const struct run_result *r,
			  FILE *out)
{
	for (unsigned i = 0; i < r->v.n; i++) {
		const struct mismatch *m = &r->v.m[i];

		if (m->step < 0)
			fprintf(out, "%s: setup: %s: expected %s, got %s [%s]\n", name, m->field,
				m->expected, m->observed, m->signature);
		else
			fprintf(out, "%s:%u: op %d: %s: expected %s, got %s [%s]\n", name, m->line,
				m->step, m->field, m->expected, m->observed, m->signature);
	}
	if (r->mismatches > r->v.n)
		fprintf(out, "%s: ... and %u more mismatches\n", name, r->mismatches - r->v.n);
	if (r->unhealthy)
		fprintf(out, "%s: kernel health: %s [kernel/health]\n", name, r->health);
	(void)p;
}
