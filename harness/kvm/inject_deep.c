/*
 * inject_deep.c - planted deviations that fire only after a deep combination of steps (MSREXIT_INJECT).
 *
 * The shallow kinds (reply-data, ...) fire on almost every seed; these fire on
 * no seed, only on inputs the fuzzer has to build, so that what its feedback
 * is worth can be measured (fuzz/feedback_bench.sh). Their conditions are not
 * compiled with coverage: the fuzzer must not be led to them by our own
 * branches, only by what a kernel bug would leave, the run's semantics.
 */
#include <string.h>

#include "inject_deep.h"

#if defined(__clang__)
#define NO_COVERAGE __attribute__((no_sanitize("coverage")))
#else
#define NO_COVERAGE
#endif

/* What earlier steps of this program left in force. */
static __thread struct {
	enum exec_inject kind;
	bool exited; /* an MSR exit happened */
	bool mask_changed; /* a host mask step succeeded since the last MSR exit */
	/* set-while-held: the MSRs a KVM_SET_MSRS wrote while an exit was held, and at which step */
	uint8_t nset;
	struct {
		uint8_t vcpu;
		uint16_t step;
		uint32_t index;
	} set[PROG_MAX_STEPS];
} deep;

NO_COVERAGE void inject_deep_begin(enum exec_inject kind)
{
	memset(&deep, 0, sizeof(deep));
	deep.kind = kind;
}

NO_COVERAGE static bool any_held(const struct vm *vm)
{
	for (int v = 0; v < vm->nvcpus; v++)
		if (vm->vcpu[v].held)
			return true;
	return false;
}

/*
 * EFER is left out: on kvm_pvm a host EFER write while an exit is held makes
 * the access run again (corpus/findings F1), which the fuzzers count as known,
 * and two conformance seeds do exactly that.
 */
#define MSR_EFER 0xc0000080u

NO_COVERAGE static void remember_set(const struct program *p, int n, const struct trace *t)
{
	const struct host_step *h = &p->steps[n].h;

	for (long j = 0; j < t->h[n].ret && j < h->nlist && deep.nset < PROG_MAX_STEPS; j++) {
		if (h->list[j].index == MSR_EFER)
			continue;
		deep.set[deep.nset].vcpu = p->steps[n].vcpu;
		deep.set[deep.nset].step = (uint16_t)n;
		deep.set[deep.nset].index = h->list[j].index;
		deep.nset++;
	}
}

NO_COVERAGE void inject_deep_host_step(const struct vm *vm, const struct program *p, int n,
				       const struct trace *t)
{
	uint8_t kind = p->steps[n].kind;

	if (kind == STEP_HOST_MASK && t->h[n].ret == 0 && deep.exited)
		deep.mask_changed = true;
	if (deep.kind == INJECT_SET_WHILE_HELD && kind == STEP_HOST_SET_MSRS && t->h[n].ret > 0 &&
	    any_held(vm))
		remember_set(p, n, t);
}

/* The step before n, in program order, was a CPL0 write that took #GP. */
NO_COVERAGE static bool after_write_gp(const struct program *p, int n, const struct trace *t)
{
	const struct step *s = n > 0 ? &p->steps[n - 1] : NULL;

	return s && step_is_write(s->kind) && s->g.cpl == 0 && t->g[n - 1].ran &&
	       t->g[n - 1].faulted && t->g[n - 1].vector == VEC_GP;
}

NO_COVERAGE void inject_deep_reply(struct kvm_run *run, const struct program *p, int n,
				   const struct trace *t)
{
	const struct guest_obs *o = &t->g[n];
	const struct guest_step *g = &p->steps[n].g;
	uint8_t error = g->reply_flags & REPLY_UNTOUCHED ? 0 : g->reply_error;

	/* a filter-denied WRMSR answered "done" right after a refused write: the guest takes #GP */
	if (deep.kind == INJECT_FILTER_AFTER_GP && o->exit_reason == KVM_EXIT_X86_WRMSR &&
	    o->reason == REASON_FILTER && g->cpl == 0 && !error && after_write_gp(p, n, t))
		run->msr.error = 1;
	/* a scribbled UNKNOWN RDMSR reply after a new mask: RDX gets one bit wrong */
	if (deep.kind == INJECT_SCRIBBLE_AFTER_MASK && o->exit_reason == KVM_EXIT_X86_RDMSR &&
	    o->reason == REASON_UNKNOWN && (g->reply_flags & REPLY_SCRIBBLE) && deep.mask_changed)
		run->msr.data ^= 1ull << 32;
	deep.exited = true;
	deep.mask_changed = false;
}

/* Whether a KVM_SET_MSRS while an exit was held wrote index on vcpu before step n. */
NO_COVERAGE static bool set_while_held(int n, uint8_t vcpu, uint32_t index)
{
	for (unsigned i = 0; i < deep.nset; i++)
		if (deep.set[i].step < n && deep.set[i].vcpu == vcpu && deep.set[i].index == index)
			return true;
	return false;
}

/* A guest RDMSR the kernel completed, of an MSR set while an exit was held: RAX is off by one bit. */
NO_COVERAGE void inject_deep_end(const struct program *p, struct trace *t)
{
	if (deep.kind != INJECT_SET_WHILE_HELD)
		return;
	for (int n = 0; n < p->nsteps; n++) {
		const struct step *s = &p->steps[n];
		struct guest_obs *o = &t->g[n];

		if (s->kind == STEP_RDMSR && o->ran && !o->exited && !o->faulted &&
		    set_while_held(n, s->vcpu, guest_index(&s->g)))
			o->rax ^= 1;
	}
}
