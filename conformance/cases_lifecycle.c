/* cases_lifecycle.c - closing a VM with an exit pending; many create/run/destroy cycles, no leaks. */
#include <dirent.h>
#include <errno.h>
#include <linux/kvm.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>

#include "conform.h"
#include "execute.h"
#include "execute_guest.h"
#include "filter.h"
#include "program_build.h"
#include "runner.h"

static int count_fds(void)
{
	DIR *d = opendir("/proc/self/fd");
	int n = 0;

	if (!d)
		return -1;
	while (readdir(d))
		n++;
	closedir(d);
	return n;
}

/* Run the guest until it is inside an MSR exit, then close everything without completing it. */
static int close_with_pending_exit(struct case_ctx *c)
{
	int before = count_fds();

	for (int round = 0; round < 20; round++) {
		struct vm vm;
		struct program p;
		struct trace t;
		struct exec_opts o = { 0 };
		int r;

		vm_create(&vm, c->sys, 1);
		vm_enable_cap_fd(vm.fd, 0, REASON_UNKNOWN);
		pb_init(&p, 1, REASON_UNKNOWN);
		pb_rdmsr(&p, 0x12345678);
		trace_init(&t);
		if (batch_load(&vm, &vm.vcpu[0], &p, 0, 1, &o, &t)) {
			CASE_EXPECT(c, 0, "round %d: loading the batch: %s", round, t.abort_msg);
			vm_destroy(&vm);
			return CASE_FAIL;
		}
		r = ioctl(vm.vcpu[0].fd, KVM_RUN, 0);
		CASE_EXPECT(c, r == 0 && vm.vcpu[0].run->exit_reason == KVM_EXIT_X86_RDMSR,
			    "round %d: KVM_RUN ret %d errno %d exit %u, want an RDMSR exit", round,
			    r, r ? errno : 0, vm.vcpu[0].run->exit_reason);
		vm_destroy(&vm);
	}
	CASE_EXPECT(c, count_fds() == before, "fds before %d, after %d", before, count_fds());
	return CASE_PASS;
}

static void cycle_program(struct program *p)
{
	struct prog_filter *f;

	pb_init(p, 1, REASON_VALID_MASK);
	f = pb_filter(p, 0, FILTER_DEFAULT_DENY);
	for (uint32_t k = 0; k < 16; k++)
		pb_range(f, RANGE_READ | RANGE_WRITE, 0xc0000000 + k * 0x100, 0x100, ~0ull);
	pb_range(pb_filter(p, 1, 0), RANGE_WRITE, 0, RANGE_MAX_NMSRS, 0x5555555555555555ull);
	p->setup_filter = 0;
	pb_rdmsr(p, 0xc0000080);
	pb_rdmsr(p, 0x12345678)->g.reply_data = 3;
	pb_host(p, STEP_HOST_FILTER, 1);
	pb_wrmsr(p, 0x10, 1);
}

#define CYCLES 300
#define CYCLE_THREADS 4

struct cycler {
	struct case_ctx *c;
	int first; /* this thread's rounds: first, first + CYCLE_THREADS, ... */
	pthread_t thread;
	char failure[512]; /* the first, reported after the join: case_fail is not thread-safe */
};

static void *cycle(void *arg)
{
	struct cycler *cy = arg;
	struct program *p = malloc(sizeof(*p));
	struct run_result *r = malloc(sizeof(*r));
	struct exec_opts o = { .timeout_ms = 2000 };

	if (!p || !r) {
		snprintf(cy->failure, sizeof(cy->failure), "out of memory");
		goto out;
	}
	cycle_program(p);
	for (int round = cy->first; round < CYCLES && !cy->failure[0]; round += CYCLE_THREADS) {
		struct vm vm;

		vm_create(&vm, cy->c->sys, 1 + round % 2);
		p->nvcpus = (uint8_t)(1 + round % 2);
		if (run_program_on(&vm, p, cy->c->facts, &o, r))
			snprintf(cy->failure, sizeof(cy->failure),
				 "round %d: %u mismatches, first: op %d %s: expected %s, got %s",
				 round, r->mismatches, r->v.m[0].step, r->v.m[0].field,
				 r->v.m[0].expected, r->v.m[0].observed);
		vm_destroy(&vm);
	}
out:
	free(p);
	free(r);
	return NULL;
}

/*
 * Hundreds of VMs with filters, each run and destroyed: no fd left, no kernel
 * warning. Four threads share the rounds: a filter update waits for an SRCU
 * grace period of its VM, and the threads' waits overlap (6 s alone, 1.5 s so).
 */
static int create_destroy_cycles(struct case_ctx *c)
{
	struct cycler cy[CYCLE_THREADS];
	int before = count_fds(), started = 0;

	for (int i = 0; i < CYCLE_THREADS; i++) {
		cy[i] = (struct cycler){ .c = c, .first = i };
		if (pthread_create(&cy[i].thread, NULL, cycle, &cy[i]))
			break;
		started++;
	}
	for (int i = 0; i < started; i++) {
		pthread_join(cy[i].thread, NULL);
		if (cy[i].failure[0])
			case_fail(c, "%s", cy[i].failure);
	}
	CASE_EXPECT(c, started == CYCLE_THREADS, "started %d of %d threads", started,
		    CYCLE_THREADS);
	CASE_EXPECT(c, count_fds() == before, "fds before %d, after %d", before, count_fds());
	return CASE_PASS;
}

const struct conform_case lifecycle_cases[] = {
	{ "lifecycle.close_with_pending_exit", "5",
	  "closing a VM while an MSR exit is pending leaks nothing and warns nothing",
	  close_with_pending_exit, NULL },
	{ "lifecycle.create_destroy_cycles", "3",
	  "300 create/filter/run/destroy cycles leak no file descriptor", create_destroy_cycles,
	  NULL },
	{ 0 },
};
