/* execute_host.c - host steps of a program: mask, filter, host MSR lists, immediate_exit, state reads. */
#include <errno.h>
#include <linux/kvm.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>

#include "execute_host.h"
#include "filter.h"

/* The fd step_fd() names. */
static int target_fd(const struct vm *vm, const struct step *s)
{
	switch (step_fd(s)) {
	case STEP_FD_VM:
		return vm->fd;
	case STEP_FD_SYSTEM:
		return vm->sys->fd;
	case STEP_FD_VCPU:
		break;
	}
	return vm->vcpu[s->vcpu].fd;
}

static void record(struct host_obs *o, long r)
{
	o->ran = true;
	o->ret = r;
	o->err = r < 0 ? errno : 0;
}

/* A __ form's result (kvm.h), recorded as the ioctl returned it: -1 and errno. */
static void record_neg(struct host_obs *o, int r)
{
	o->ran = true;
	o->ret = r < 0 ? -1 : r;
	o->err = r < 0 ? -r : 0;
}

static void msr_list(const struct vm *vm, const struct step *s, struct host_obs *o, bool set)
{
	unsigned n = s->h.nmsrs;
	struct kvm_msrs *m = calloc(1, sizeof(*m) + (n ? n : 1) * sizeof(m->entries[0]));
	int fd = target_fd(vm, s);

	if (!m) {
		record(o, -1);
		return;
	}
	m->nmsrs = n;
	for (unsigned k = 0; k < n && s->h.nlist; k++) {
		m->entries[k].index = s->h.list[k % s->h.nlist].index;
		m->entries[k].data = s->h.list[k % s->h.nlist].value;
	}
	record(o, ioctl(fd, set ? KVM_SET_MSRS : KVM_GET_MSRS, m));
	if (!set) {
		o->nvals = n < PROG_MAX_HOST_MSRS ? n : PROG_MAX_HOST_MSRS;
		for (unsigned k = 0; k < o->nvals; k++)
			o->vals[k] = m->entries[k].data;
	}
	free(m);
}

static int immediate_exit(struct vm *vm, const struct step *s, struct host_obs *o, struct trace *t,
			  int n)
{
	struct kvm_run *run = vm->vcpu[s->vcpu].run;
	int r = __vcpu_run_immediate_exit(&vm->vcpu[s->vcpu]);

	record_neg(o, r);
	if (r >= 0) {
		exec_abort(t, n, "KVM_RUN with immediate_exit=1 ran the guest (exit reason %u)",
			   run->exit_reason);
		return -1;
	}
	return 0;
}

static void get_regs(struct vm *vm, const struct step *s, struct host_obs *o)
{
	struct kvm_regs regs;
	const struct vcpu *vc = &vm->vcpu[s->vcpu];

	record(o, ioctl(vc->fd, KVM_GET_REGS, &regs));
	if (o->ret < 0)
		return;
	o->nvals = 3;
	o->vals[0] = regs.rip - vc->last_insn;
	o->vals[1] = regs.rax;
	o->vals[2] = regs.rdx;
}

static void get_events(struct vm *vm, const struct step *s, struct host_obs *o)
{
	struct kvm_vcpu_events ev;

	memset(&ev, 0, sizeof(ev));
	record(o, ioctl(vm->vcpu[s->vcpu].fd, KVM_GET_VCPU_EVENTS, &ev));
	if (o->ret < 0)
		return;
	o->nvals = 4;
	o->vals[0] = ev.exception.injected || ev.exception.pending;
	o->vals[1] = ev.exception.nr;
	o->vals[2] = ev.exception.has_error_code;
	o->vals[3] = ev.exception.error_code;
}

/*
 * One executor per host kind, named by its stem in step_kinds.h: a host kind
 * without one does not compile. Each returns 0, or -1 if the run must stop.
 */
typedef int step_execute_fn(struct vm *vm, const struct program *p, int n, struct trace *t);

static int step_execute_mask(struct vm *vm, const struct program *p, int n, struct trace *t)
{
	const struct step *s = &p->steps[n];

	record_neg(&t->h[n], __vm_enable_cap_fd(target_fd(vm, s), s->h.flags, s->h.arg));
	return 0;
}

static int step_execute_filter(struct vm *vm, const struct program *p, int n, struct trace *t)
{
	const struct step *s = &p->steps[n];
	const struct prog_filter *f = s->h.arg < p->nfilters ? &p->filters[s->h.arg] : NULL;

	record_neg(&t->h[n], __filter_install(target_fd(vm, s), f));
	return 0;
}

static int step_execute_get_msrs(struct vm *vm, const struct program *p, int n, struct trace *t)
{
	msr_list(vm, &p->steps[n], &t->h[n], false);
	return 0;
}

static int step_execute_set_msrs(struct vm *vm, const struct program *p, int n, struct trace *t)
{
	msr_list(vm, &p->steps[n], &t->h[n], true);
	return 0;
}

static int step_execute_immediate_exit(struct vm *vm, const struct program *p, int n,
				       struct trace *t)
{
	return immediate_exit(vm, &p->steps[n], &t->h[n], t, n);
}

static int step_execute_get_regs(struct vm *vm, const struct program *p, int n, struct trace *t)
{
	get_regs(vm, &p->steps[n], &t->h[n]);
	return 0;
}

static int step_execute_get_events(struct vm *vm, const struct program *p, int n, struct trace *t)
{
	get_events(vm, &p->steps[n], &t->h[n]);
	return 0;
}

static int step_execute_check_cap(struct vm *vm, const struct program *p, int n, struct trace *t)
{
	const struct step *s = &p->steps[n];

	record(&t->h[n], ioctl(target_fd(vm, s), KVM_CHECK_EXTENSION, (long)s->h.arg));
	return 0;
}

/* Guest kinds run in batches (execute_guest.c), from the instruction bytes in their line. */
#define EXECUTOR_guest(E, stem)
#define EXECUTOR_host(E, stem) [STEP_##E] = step_execute_##stem,
#define EXECUTOR(E, num, cls, slot, nslots, fep, name, insn, wr, req, fd, touches, args, stem) \
	EXECUTOR_##cls(E, stem)
static step_execute_fn *const executors[STEP_KIND_LIMIT] = { STEP_KINDS(EXECUTOR) };

int exec_host_step(struct vm *vm, const struct program *p, int n, struct trace *t)
{
	uint8_t kind = p->steps[n].kind;
	step_execute_fn *execute = kind < STEP_KIND_LIMIT ? executors[kind] : NULL;

	if (!execute) {
		exec_abort(t, n, "unknown host step kind 0x%x", kind);
		return -1;
	}
	return execute(vm, p, n, t);
}
