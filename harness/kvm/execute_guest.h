/* execute_guest.h - one batch of guest accesses on one vCPU: load it, answer its exits, read results. */
#ifndef MSREXIT_EXECUTE_GUEST_H
#define MSREXIT_EXECUTE_GUEST_H

#include "execute.h"

enum batch_result {
	RUN_DONE, /* the batch finished */
	RUN_HELD, /* an MSR exit stays pending for the host steps that follow */
	RUN_GO_ON, /* keep running the vCPU */
	RUN_ABORT
};

/* Writes steps [start, end) as code and points the vCPU at it. Returns 0, or -1 (t->abort_*). */
int batch_load(struct vm *vm, struct vcpu *vc, const struct program *p, int start, int end,
	       const struct exec_opts *o, struct trace *t);

/* What the vCPU's last KVM_RUN returned, answered and recorded into t. */
enum batch_result batch_on_exit(struct vm *vm, struct vcpu *vc, const struct program *p,
				const struct exec_opts *o, struct trace *t);

/* The program step the vCPU is at (for messages). */
int batch_current_step(const struct vcpu *vc);

#endif
