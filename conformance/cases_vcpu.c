/* cases_vcpu.c - two vCPUs exiting at once in two threads; mask and filter are per VM. */
#include <pthread.h>
#include <string.h>

#include "conform.h"
#include "execute.h"
#include "filter.h"
#include "program_build.h"
#include "runner.h"

struct vcpu_thread {
	struct vm *vm;
	struct program p;
	struct run_result r;
	const struct kernel_facts *f;
};

static void *vcpu_thread_fn(void *arg)
{
	struct vcpu_thread *t = arg;
	struct exec_opts o = { .timeout_ms = 5000, .setup_done = true };

	run_program_on(t->vm, &t->p, t->f, &o, &t->r);
	return NULL;
}

/* vCPU v reads its own unknown index and writes its own value, 32 times each. */
static void build_vcpu_program(struct program *p, int v)
{
	pb_init(p, 2, REASON_UNKNOWN);
	for (int k = 0; k < 32; k++) {
		struct step *s = pb_rdmsr(p, v ? 0xdeadbeef : 0x12345678);

		s->vcpu = (uint8_t)v;
		s->g.reply_data = ((uint64_t)(v + 1) << 32) | (uint32_t)k;
		s = pb_wrmsr(p, v ? 0x0badc0de : 0x7fffffff, ((uint64_t)v << 63) | (uint64_t)k);
		s->vcpu = (uint8_t)v;
	}
}

static void report_thread(struct case_ctx *c, int round, int v, const struct run_result *r)
{
	for (unsigned i = 0; i < r->v.n; i++)
		case_fail(c, "round %d vCPU %d op %d: %s: expected %s, got %s", round, v,
			  r->v.m[i].step, r->v.m[i].field, r->v.m[i].expected, r->v.m[i].observed);
	if (r->mismatches > r->v.n)
		case_fail(c, "round %d vCPU %d: ... and %u more mismatches", round, v,
			  r->mismatches - r->v.n);
}

static int two_threads(struct case_ctx *c)
{
	static struct vcpu_thread t[2];
	pthread_t th[2];
	struct vm vm;

	if (!case_needs(c, REQ_NO_IGNORE_MSRS))
		return CASE_SKIP;
	vm_create(&vm, c->sys, 2);
	vm_enable_cap_fd(vm.fd, 0, REASON_UNKNOWN);
	for (int round = 0; round < 8 && !c->failed; round++) {
		int started = 0;

		for (int v = 0; v < 2; v++) {
			t[v].vm = &vm;
			t[v].f = c->facts;
			build_vcpu_program(&t[v].p, v);
			if (pthread_create(&th[v], NULL, vcpu_thread_fn, &t[v])) {
				case_fail(c, "pthread_create for vCPU %d failed", v);
				break;
			}
			started++;
		}
		for (int v = 0; v < started; v++)
			pthread_join(th[v], NULL);
		for (int v = 0; v < started; v++)
			report_thread(c, round, v, &t[v].r);
	}
	vm_destroy(&vm);
	return CASE_PASS;
}

/* The reason mask and the filter of one VM do not reach another VM. */
static int per_vm_state(struct case_ctx *c)
{
	static struct program pa, pb;
	struct vm a, b;

	vm_create(&a, c->sys, 1);
	vm_create(&b, c->sys, 1);
	/* A: UNKNOWN and FILTER exits, a filter denying everything */
	pb_init(&pa, 1, REASON_UNKNOWN | REASON_FILTER);
	pb_filter(&pa, 0, FILTER_DEFAULT_DENY);
	pb_range(&pa.filters[0], RANGE_READ, 0x10000, 1, ~0ull);
	pa.setup_filter = 0;
	pb_rdmsr(&pa, 0xc0000080)->g.reply_data = 0xa;
	pb_rdmsr(&pa, 0x12345678)->g.reply_data = 0xb;
	/* B, made before A's set-up and never set up: no exits, no filter */
	pb_init(&pb, 1, 0);
	pb_rdmsr(&pb, 0xc0000080);
	pb_rdmsr(&pb, 0x12345678);
	vm_enable_cap_fd(a.fd, 0, pa.mask);
	filter_install(a.fd, &pa.filters[0]);
	case_run_on(c, &b, &pb, true);
	case_run_on(c, &a, &pa, true);
	vm_destroy(&a);
	vm_destroy(&b);
	return CASE_PASS;
}

const struct conform_case vcpu_cases[] = {
	{ "vcpus.two_threads", "4,5",
	  "two vCPUs in two threads exit at once: each exit and reply stays with its vCPU",
	  two_threads, NULL },
	{ "vcpus.per_vm_state", "2,3", "mask and filter are per VM: a second VM is unaffected",
	  per_vm_state, NULL },
	{ 0 },
};
