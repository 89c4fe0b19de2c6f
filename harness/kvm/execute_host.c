/* execute_host.c - host steps of a program: mask, filter, host MSR lists, immediate_exit, state reads. */
#include <errno.h>
#include <linux/kvm.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>

#include "execute_host.h"
#include "filter.h"

static int target_fd(const struct vm *vm, const struct step *s, int natural)
{
	switch (s->h.target) {
	case TARGET_VM:
		return vm->fd;
	case TARGET_VCPU:
		return vm->vcpu[s->vcpu].fd;
	case TARGET_SYSTEM:
		return vm->sys->fd;
	default:
		return natural;
	}
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
	int fd = target_fd(vm, s, vm->vcpu[s->vcpu].fd);

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

int exec_host_step(struct vm *vm, const struct program *p, int n, struct trace *t)
{
	const struct step *s = &p->steps[n];
	struct host_obs *o = &t->h[n];

	switch (s->kind) {
	case STEP_HOST_MASK:
		record_neg(o, __vm_enable_cap_fd(target_fd(vm, s, vm->fd), s->h.flags, s->h.arg));
		break;
	case STEP_HOST_FILTER:
		record_neg(o,
			   __filter_install(target_fd(vm, s, vm->fd),
					    s->h.arg < p->nfilters ? &p->filters[s->h.arg] : NULL));
		break;
	case STEP_HOST_GET_MSRS:
	case STEP_HOST_SET_MSRS:
		msr_list(vm, s, o, s->kind == STEP_HOST_SET_MSRS);
		break;
	case STEP_HOST_IMMEDIATE_EXIT:
		return immediate_exit(vm, s, o, t, n);
	case STEP_HOST_GET_REGS:
		get_regs(vm, s, o);
		break;
	case STEP_HOST_GET_EVENTS:
		get_events(vm, s, o);
		break;
	case STEP_HOST_CHECK_CAP:
		record(o, ioctl(target_fd(vm, s, vm->fd), KVM_CHECK_EXTENSION, (long)s->h.arg));
		break;
	default:
		exec_abort(t, n, "unknown host step kind 0x%x", s->kind);
		return -1;
	}
	return 0;
}
