/* pool.h - VMs reused across programs: one per set-up (vCPUs, mask, filter), reset to what a program touched. */
#ifndef MSREXIT_POOL_H
#define MSREXIT_POOL_H

#include <stdbool.h>
#include <stddef.h>

#include "execute.h"
#include "program.h"
#include "trace.h"
#include "vm.h"

#define VM_POOL_MAX 16
#define VM_POOL_DEFAULT_VMS 8
#define VM_POOL_DEFAULT_CHECK_EVERY 64

struct vm_pool_stats {
	unsigned long runs; /* programs run */
	unsigned long hits; /* ... on a VM already set up for their configuration */
	unsigned long made; /* VMs made: first use of a set-up, eviction, replacement */
	unsigned long rekeyed; /* a VM given another program's mask and filter */
	unsigned long light; /* resets of what the last program touched */
	unsigned long full; /* resets of everything (paravirtual or PMU MSRs, vm_pool_suspect) */
	unsigned long checks; /* resets proven clean (vm_check_clean) */
	unsigned long remade; /* VMs replaced: a reset failed or was not clean */
	unsigned long long reset_ns, check_ns; /* time in resets, and in proving them */
	unsigned long long setup_ns; /* time giving VMs their set-up (mask and filter) anew */
	unsigned long long run_ns; /* time in execute() */
	/* filters a VM in use was given (or cleared) for a program's set-up, and their time */
	unsigned long filter_installs;
	unsigned long long filter_ns;
};

struct pool_vm; /* one VM, its set-up, and what its last program touched (pool.c) */

/*
 * A small pool of VMs, each set up for one configuration of the programs:
 * vCPU count, reason mask and set-up filter. A program runs on the VM of its
 * configuration with the set-up already done (a VM's first filter can cost
 * 15 ms here, and nothing at all is cheaper than a replacement), after a
 * reset of what the VM's previous program can have changed: the MSRs it
 * wrote, its vCPUs' registers, stacks and code, and the mask and filter if a
 * host step changed them. Every check_every-th reset, and every one after
 * an anomaly (an aborted run, vm_pool_suspect), is proven with
 * vm_check_clean; a VM that cannot be reset or proven clean is made anew.
 *
 * All zero is a valid, empty pool: { .check = true } proves every reset.
 * One thread per pool.
 */
struct vm_pool {
	bool check; /* prove every reset, not a sample */
	unsigned check_every; /* else one reset in this many (0: VM_POOL_DEFAULT_CHECK_EVERY) */
	unsigned max_vms; /* VMs kept (0: VM_POOL_DEFAULT_VMS, at most VM_POOL_MAX) */
	struct pool_vm *vms; /* VM_POOL_MAX of them, allocated on first use */
	struct pool_vm *last; /* the VM of the last program */
	unsigned long clock, since_check;
	struct vm_pool_stats stats;
};

/*
 * Runs p on the pool's VM for its configuration (made, reset or given the
 * set-up as needed) with execute() and opts (setup_done is the pool's), and
 * records in t exactly what a fresh VM would have (t->setup_filter_err
 * included). Plain form fails loudly, __ form returns 0 or -errno with
 * kvm_last_error() set when no VM could be had (kvm.h); a run that fails is
 * the trace's business, as with execute(). note (size bytes) says why the
 * VM had to be made anew, if it had, else is "".
 */
void vm_pool_run(struct vm_pool *pool, const struct program *p, const struct exec_opts *opts,
		 struct trace *t, char *note, size_t size);
int __vm_pool_run(struct vm_pool *pool, const struct program *p, const struct exec_opts *opts,
		  struct trace *t, char *note, size_t size);

/* The last program's result looked wrong: reset all of its VM and prove it before its next use. */
void vm_pool_suspect(struct vm_pool *pool);

/* Every VM destroyed; the pool is empty again (its statistics kept). */
void vm_pool_destroy(struct vm_pool *pool);

#endif
