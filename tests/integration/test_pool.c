/* test_pool.c - the VM pool: one VM per set-up, reused, replaced, and each program's result as fresh. */
#include <string.h>

#include "facts_probe.h"
#include "program_build.h"
#include "runner.h"
#include "unit.h"

#define TIMEOUT_MS 2000
#define MSR_PLATFORM_INFO 0xce

static struct run_result r, fresh;

static void run(struct vm_pool *pool, const struct program *p, const struct kernel_facts *f,
		const char *what)
{
	int st = run_program_reused(pool, p, f, NULL, TIMEOUT_MS, &r);

	CHECK(st == EXIT_OK, "%s: status %d", what, st);
	CHECK(!r.reset_note[0], "%s: the VM was made anew: %s", what, r.reset_note);
}

/* Same vCPUs, mask and filter: one VM; another filter: the same VM set up anew; more vCPUs: another. */
static void one_vm_per_setup(const struct kernel_facts *f)
{
	static struct program a, b, filtered, two;
	struct vm_pool pool = { .max_vms = 1 };

	pb_init(&a, 1, REASON_UNKNOWN);
	pb_rdmsr(&a, 0x12345678)->g.reply_data = 1;
	pb_init(&b, 1, REASON_UNKNOWN);
	pb_wrmsr(&b, 0xc0000082, 0xffffffff81000000ull);
	pb_init(&filtered, 1, REASON_UNKNOWN | REASON_FILTER);
	pb_range(pb_filter(&filtered, 0, 0), RANGE_READ, 0xc0000082, 1, 0);
	filtered.setup_filter = 0;
	pb_rdmsr(&filtered, 0xc0000082);
	pb_init(&two, 2, REASON_UNKNOWN);
	pb_rdmsr(&two, 0x12345678)->vcpu = 1;

	run(&pool, &a, f, "a");
	run(&pool, &b, f, "b");
	CHECK_EQ(pool.stats.made, 1);
	CHECK_EQ(pool.stats.light, 1);
	run(&pool, &a, f, "a after b");
	CHECK(r.t.g[0].exited && r.t.g[0].rax == 1, "a after b: exited %d rax 0x%llx",
	      r.t.g[0].exited, (unsigned long long)r.t.g[0].rax);
	run(&pool, &filtered, f, "filtered");
	CHECK_EQ(pool.stats.made, 1);
	CHECK_EQ(pool.stats.rekeyed, 1);
	CHECK(r.t.setup_filter_err == 0 && r.t.g[0].exited, "filtered: filter %d, exited %d",
	      r.t.setup_filter_err, r.t.g[0].exited);
	run(&pool, &b, f, "b after filtered"); /* the filter is gone with the set-up */
	CHECK(r.t.setup_filter_err == -1 && !r.t.g[0].exited && !r.t.g[0].faulted,
	      "b after filtered: filter %d, exited %d, faulted %d", r.t.setup_filter_err,
	      r.t.g[0].exited, r.t.g[0].faulted);
	run(&pool, &two, f, "two vCPUs");
	CHECK_EQ(pool.stats.made, 2);
	CHECK(r.t.g[0].exited, "two vCPUs: vCPU 1's access did not exit");
	vm_pool_destroy(&pool);
}

/*
 * KVM takes a new PLATFORM_INFO from the host only until the vCPU first
 * runs: a program that sets it first gets a vCPU that never ran, as fresh.
 */
static void feature_msr_before_run(const struct kernel_facts *f)
{
	static struct program a, set_first;
	struct vm_pool pool = { 0 };
	uint64_t initial = 0;
	int st;

	pb_init(&a, 1, REASON_UNKNOWN);
	pb_rdmsr(&a, 0xc0000080);
	run(&pool, &a, f, "a");
	pb_init(&set_first, 1, REASON_UNKNOWN);
	pb_host_msrs(&set_first, STEP_HOST_GET_MSRS, 1, (uint32_t[]){ MSR_PLATFORM_INFO },
		     (uint64_t[]){ 0 });
	pb_rdmsr(&set_first, 0xc0000080);
	st = run_program(&set_first, f, NULL, TIMEOUT_MS, &fresh);
	CHECK(st == EXIT_OK && fresh.t.h[0].ret == 1, "reading PLATFORM_INFO: status %d, ret %ld",
	      st, fresh.t.h[0].ret);
	initial = fresh.t.h[0].vals[0];
	pb_init(&set_first, 1, REASON_UNKNOWN);
	pb_host_msrs(&set_first, STEP_HOST_SET_MSRS, 1, (uint32_t[]){ MSR_PLATFORM_INFO },
		     (uint64_t[]){ initial ^ 1 });
	pb_rdmsr(&set_first, MSR_PLATFORM_INFO);
	st = run_program(&set_first, f, NULL, TIMEOUT_MS, &fresh);
	printf(
	    "# PLATFORM_INFO 0x%llx ^ 1 before the vCPU runs: status %d, ret %ld on a fresh VM\n",
	    (unsigned long long)initial, st, fresh.t.h[0].ret);
	for (int i = 0; i < 2; i++) {
		run(&pool, &set_first, f, "PLATFORM_INFO set before the vCPU runs");
		CHECK(r.t.h[0].ret == fresh.t.h[0].ret && r.t.g[1].rax == fresh.t.g[1].rax,
		      "pooled: ret %ld, then read 0x%llx; fresh: ret %ld, then read 0x%llx",
		      r.t.h[0].ret, (unsigned long long)r.t.g[1].rax, fresh.t.h[0].ret,
		      (unsigned long long)fresh.t.g[1].rax);
		/* a's VM has run: a new one; the second time, in the place of the spent one */
		CHECK_EQ(pool.stats.made, 2 + i);
		run(&pool, &a, f, "a after it");
		CHECK_EQ(pool.stats.made, 2 + i);
	}
	vm_pool_destroy(&pool);
}

/* kvmclock in guest memory: KVM writes its page; the reset gives the page back (proven). */
static void paravirtual_memory(const struct kernel_facts *f)
{
	static struct program clock;
	struct vm_pool pool = { .check = true };

	pb_init(&clock, 1, 0);
	pb_wrmsr(&clock, 0x4b564d01, 0x400001); /* KVM_SYSTEM_TIME_NEW: 4 MiB, enabled */
	pb_rdmsr(&clock, 0xc0000080);
	run(&pool, &clock, f, "kvmclock at 4 MiB");
	CHECK(r.t.g[0].ran && !r.t.g[0].faulted, "KVM refused kvmclock at 4 MiB: not tested");
	run(&pool, &clock, f, "kvmclock again");
	CHECK_EQ(pool.stats.checks, 1);
	CHECK_EQ(pool.stats.made, 1);
	vm_pool_destroy(&pool);
}

int main(void)
{
	const struct kernel_facts *f;
	int st;

	f = facts_get(&st);
	if (!f) {
		printf("SKIP: %s\n", kvm_last_error());
		return st == EXIT_NO_KVM ? 4 : 1;
	}
	one_vm_per_setup(f);
	feature_msr_before_run(f);
	paravirtual_memory(f);
	return unit_summary("pool");
}
