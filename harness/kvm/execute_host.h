/* execute_host.h - host steps of a program: mask, filter, host MSR lists, immediate_exit, state reads. */
#ifndef MSREXIT_EXECUTE_HOST_H
#define MSREXIT_EXECUTE_HOST_H

#include "program.h"
#include "trace.h"
#include "vm.h"

/* Returns 0, or -1 if the run must stop (t->abort_* set). */
int exec_host_step(struct vm *vm, const struct program *p, int n, struct trace *t);

void exec_abort(struct trace *t, int step, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

#endif
