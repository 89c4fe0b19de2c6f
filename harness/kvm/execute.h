/* execute.h - drives one program on a VM and records the observed trace. */
#ifndef MSREXIT_EXECUTE_H
#define MSREXIT_EXECUTE_H

#include "program.h"
#include "trace.h"
#include "vm.h"

/* Faults injected into the harness on purpose, to prove the checker notices (tests only). */
enum exec_inject {
	INJECT_NONE,
	INJECT_REPLY_DATA, /* answer RDMSR exits with data ^ 1 */
	INJECT_REPLY_ERROR, /* answer every exit with error ^ 1 */
	INJECT_HANG, /* the guest spins after a successful access: the watchdog must fire */
	INJECT_KMSG, /* a WARNING line in the kernel log: the health check must see it */
	INJECT_SKIP, /* completed exits resume one byte late, as if KVM skipped 3 bytes */
	/* deep kinds (inject_deep.c): they fire on no seed, only on a combination of steps */
	INJECT_FILTER_AFTER_GP, /* a FILTER WRMSR exit answered 0 after a refused write: #GP */
	INJECT_SET_WHILE_HELD, /* an MSR host-set while an exit is held reads back wrong */
	INJECT_SCRIBBLE_AFTER_MASK, /* a scribbled UNKNOWN RDMSR reply after a mask change */
};

/* trace.setup_filter_err when the caller did the set-up (exec_opts.setup_done) */
#define SETUP_BY_CALLER (-2)

struct exec_opts {
	unsigned timeout_ms; /* per guest batch; the watchdog sets immediate_exit */
	unsigned max_exits; /* per program; 0 = 4 per step + 16 */
	enum exec_inject inject;
	bool setup_done; /* the caller applied the program's mask and filter itself */
	bool no_inject; /* ignore $MSREXIT_INJECT (the kernel facts probe) */
};

/*
 * The fault named by $MSREXIT_INJECT (reply-data, reply-error, hang, kmsg, skip,
 * filter-after-gp, set-while-held, scribble-after-mask), or INJECT_NONE.
 */
enum exec_inject exec_inject_from_env(void);
/* false if $MSREXIT_INJECT names no fault: the front ends refuse to run then */
bool exec_inject_env_valid(void);

/*
 * This thread's watchdog timer, made in this process (execute() makes it
 * too; this lets a caller tell a harness failure from a kernel's). Returns
 * 0, or -errno with kvm_last_error() naming the call that failed.
 */
int __exec_watchdog_init(void);

/*
 * Runs p on vm (fresh from vm_create with p->nvcpus vCPUs): set-up, guest
 * batches, host steps, replies. Nothing here consults the oracle. Returns 0,
 * or -1 if the run stopped early (t->abort_step/abort_msg say why).
 */
/* One past the last step of the batch starting at step start: guest steps of one vCPU, at most STUB_MAX_OPS. */
int exec_batch_end(const struct program *p, int start);

int execute(struct vm *vm, const struct program *p, const struct exec_opts *o, struct trace *t);

#endif
