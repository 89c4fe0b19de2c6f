/* inject_deep.h - planted deviations that fire only after a deep combination of steps (MSREXIT_INJECT). */
#ifndef MSREXIT_INJECT_DEEP_H
#define MSREXIT_INJECT_DEEP_H

#include <linux/kvm.h>

#include "execute.h"

/* Forgets the previous program: call at the start of every execute(). */
void inject_deep_begin(enum exec_inject kind);
/* Host step n ran (t->h[n] is its result); vm says which vCPUs hold an exit. */
void inject_deep_host_step(const struct vm *vm, const struct program *p, int n,
			   const struct trace *t);
/* Step n's MSR exit (recorded in t->g[n]) has been answered in run: may spoil the answer. */
void inject_deep_reply(struct kvm_run *run, const struct program *p, int n, const struct trace *t);
/* The run is over: may spoil what was observed. */
void inject_deep_end(const struct program *p, struct trace *t);

#endif
