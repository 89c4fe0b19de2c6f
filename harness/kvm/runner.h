/* runner.h - one program end to end: fresh VM, execute, oracle, compare, kernel health. */
#ifndef MSREXIT_RUNNER_H
#define MSREXIT_RUNNER_H

#include "facts.h"
#include "health.h"
#include "oracle.h"
#include "pool.h"
#include "program.h"
#include "trace.h"
#include "vm.h"

struct run_result {
	struct trace t;
	struct expected e;
	struct verdict v;
	unsigned mismatches;
	bool unhealthy;
	char health[512];
	char reset_note[320]; /* run_program_reused: why the VM had to be made anew, if it had */
};

/*
 * Returns EXIT_OK, EXIT_MISMATCH (a mismatch or a kernel health finding),
 * EXIT_NO_KVM (no /dev/kvm or capability) or EXIT_BAD_INPUT (the VM could not
 * be made: fds, memory; kvm_last_error() says why).
 * h may be NULL (no health check).
 */
int run_program(const struct program *p, const struct kernel_facts *f, struct health *h,
		unsigned timeout_ms, struct run_result *r);

/* The same on a VM the caller made and set up (o->setup_done); the VM is left to the caller. */
struct exec_opts;
int run_program_on(struct vm *vm, const struct program *p, const struct kernel_facts *f,
		   const struct exec_opts *o, struct run_result *r);

/*
 * The same on the pool's VMs (pool.h), as the fuzzers run: a result that
 * looks wrong (a mismatch, a health finding) has its VM reset in full and
 * proven clean before its next use (vm_pool_suspect; the pool judges a run
 * that stopped early itself). Same statuses as run_program.
 */
int run_program_reused(struct vm_pool *pool, const struct program *p, const struct kernel_facts *f,
		       struct health *h, unsigned timeout_ms, struct run_result *r);

/* Prints the verdict: "op N: field: expected X, got Y (line L) [signature]". */
void run_print_mismatches(const char *name, const struct program *p, const struct run_result *r,
			  FILE *out);

#endif
