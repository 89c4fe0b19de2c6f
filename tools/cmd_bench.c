/* cmd_bench.c - `msrexit bench`: what each piece costs on this machine, in figures and ratios. */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "bench.h"
#include "commands.h"
#include "execute.h"
#include "facts_probe.h"
#include "filter.h"
#include "oracle.h"
#include "program_build.h"

#define MAX_ROUNDS BENCH_MAX_ROUNDS

static const char bench_usage[] =
    "usage: msrexit bench [-n ROUNDS] [--execs N] [--json] [--no-suite]\n\n"
    "Measures this machine's limit in the same run (a minimal guest loop: one MSR\n"
    "exit round trip, one RDMSR the kernel handles itself), then msrexit's own\n"
    "costs against it: an exiting access in a program, an in-kernel one, a #GP'd\n"
    "one, a CPL3 one, a one-access program, a 64-step mixed program, the whole\n"
    "conformance suite, a new VM, a reset, filters, and the host-side work per\n"
    "program. Figures are medians of ROUNDS rounds (default 20); a noisy machine\n"
    "moves them.\n\n"
    "Then the fuzzers' figures, on a fixed mixed corpus (the conformance programs\n"
    "and 256 inputs of 1-64 steps from a fixed-seed generator): executions per\n"
    "second with VM reuse (decode, pooled VM reset and run, oracle, compare,\n"
    "health, feedback) and with a new VM per input (at most 200), their ratio\n"
    "(speedup), the efficiency (the time the executions' own kernel round trips\n"
    "take: their set-up, KVM_RUNs, in-kernel accesses, CPL3 switches, emulated\n"
    "accesses and host steps, at the raw costs measured between chunks of them;\n"
    "over the time they took), and the growth of the resident set and of the\n"
    "open fds over the executions.\n\n"
    "  --execs N    executions with VM reuse (default 2000; 1000000 last minutes)\n"
    "  --json       one JSON object instead of the table (keys: limit_exit_us,\n"
    "               exit_us, limit_in_kernel_us, in_kernel_us, exit_ratio, ...,\n"
    "               execs_per_s, speedup, efficiency, rss_growth_kb, fd_growth)\n"
    "  --no-suite   skip timing the conformance suite (about 10 s)\n";

static double median(double *v, int n);

static double now_us(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1e6 + ts.tv_nsec / 1e3;
}

double bench_median(double *v, int n)
{
	return median(v, n);
}

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y;
}

static double median(double *v, int n)
{
	qsort(v, (size_t)n, sizeof(*v), cmp_double);
	return v[n / 2];
}

/* 64 reads of one index: the unknown one exits each time, EFER never does. */
static void build_reads(struct program *p, uint32_t index, uint64_t mask)
{
	pb_init(p, 1, mask);
	for (int k = 0; k < PROG_MAX_STEPS; k++)
		pb_rdmsr(p, index)->g.reply_data = (uint64_t)k;
}

/*
 * Median time of one execute() of p, VM creation not included: on a fresh
 * VM, or on one where p ran once before (its pages touched, as in a fuzzer
 * that reuses its VM, and as in the limit's loop).
 */
static double time_execute_on(struct kvm_sys *sys, const struct program *p, int rounds, bool warm)
{
	static struct trace t;
	struct exec_opts o = { .timeout_ms = 5000 };
	double v[MAX_ROUNDS];

	for (int r = 0; r < rounds; r++) {
		struct vm vm;
		double t0;

		vm_create(&vm, sys, p->nvcpus);
		if (warm)
			execute(&vm, p, &o, &t);
		t0 = now_us();
		execute(&vm, p, &o, &t);
		v[r] = now_us() - t0;
		vm_destroy(&vm);
		if (t.abort_step >= 0) {
			kvm_set_error("step %d: %s", t.abort_step, t.abort_msg);
			return -1;
		}
	}
	return median(v, rounds);
}

static double time_execute(struct kvm_sys *sys, const struct program *p, int rounds)
{
	return time_execute_on(sys, p, rounds, false);
}

/* A new VM with 1 vCPU, and its teardown apart (closing the VM fd waits for the kernel). */
static void time_vm_lifecycle(struct kvm_sys *sys, int rounds, double *create, double *destroy)
{
	double vc[MAX_ROUNDS], vd[MAX_ROUNDS];

	for (int r = 0; r < rounds; r++) {
		struct vm vm;
		double t0 = now_us(), t1;

		vm_create(&vm, sys, 1);
		t1 = now_us();
		vm_destroy(&vm);
		vc[r] = t1 - t0;
		vd[r] = now_us() - t1;
	}
	*create = median(vc, rounds);
	*destroy = median(vd, rounds);
}

/* Reusing a VM: vm_reset after a program ran, and vm_check_clean proving it. */
static void time_reset(struct kvm_sys *sys, int rounds, double *reset, double *check)
{
	static struct program p;
	static struct trace t;
	struct exec_opts o = { .timeout_ms = 5000 };
	double vr[MAX_ROUNDS], vc[MAX_ROUNDS];
	struct vm vm;

	build_reads(&p, 0xc0000080, REASON_UNKNOWN);
	vm_create(&vm, sys, 1);
	vm_snapshot_take(&vm);
	for (int r = 0; r < rounds; r++) {
		double t0, t1;

		execute(&vm, &p, &o, &t);
		t0 = now_us();
		vm_reset(&vm);
		t1 = now_us();
		vm_check_clean(&vm);
		vr[r] = t1 - t0;
		vc[r] = now_us() - t1;
	}
	*reset = median(vr, rounds);
	*check = median(vc, rounds);
	vm_destroy(&vm);
}

/*
 * The first filter a VM gets, and a later replacement (after the VM ran).
 * An early note had replacing on a VM that has run cost 8 ms and a fresh
 * VM's filter 0.35 ms; kvm_pvm measured the reverse (docs/spec.md §9).
 * Print both, whichever way this kernel goes.
 */
static void time_filters(struct kvm_sys *sys, int rounds, double *fresh, double *live)
{
	static struct program p, once;
	static struct trace t;
	struct exec_opts o = { .timeout_ms = 5000 };
	double vf[MAX_ROUNDS], vl[MAX_ROUNDS];

	pb_init(&p, 1, REASON_FILTER);
	pb_range(pb_filter(&p, 0, FILTER_DEFAULT_DENY), RANGE_READ, 0xc0000080, 64, ~0ull);
	pb_init(&once, 1, 0);
	pb_rdmsr(&once, 0xc0000080);
	for (int r = 0; r < rounds; r++) {
		struct vm vm;
		double t0;

		vm_create(&vm, sys, 1);
		t0 = now_us();
		filter_install(vm.fd, &p.filters[0]);
		vf[r] = now_us() - t0;
		execute(&vm, &once, &o, &t);
		t0 = now_us();
		filter_install(vm.fd, &p.filters[0]);
		vl[r] = now_us() - t0;
		vm_destroy(&vm);
	}
	*fresh = median(vf, rounds);
	*live = median(vl, rounds);
}

/* Host-side work per program, with no KVM in it: decode, oracle, compare. */
static void time_host_side(const struct kernel_facts *f, const struct program *p, double *decode,
			   double *oracle, double *cmp)
{
	static struct expected e;
	static struct trace t;
	static struct verdict v;
	static struct program q;
	static uint8_t bin[PROG_BIN_MAX_SIZE];
	size_t n = program_encode(p, bin, sizeof(bin));
	const int iters = 2000;
	double t0;

	t0 = now_us();
	for (int i = 0; i < iters; i++)
		program_decode(bin, n, &q);
	*decode = (now_us() - t0) / iters;
	t0 = now_us();
	for (int i = 0; i < iters; i++)
		oracle_predict(p, f, &e);
	*oracle = (now_us() - t0) / iters;
	trace_init(&t);
	t0 = now_us();
	for (int i = 0; i < iters; i++)
		compare(p, &e, &t, &v);
	*cmp = (now_us() - t0) / iters;
}

/* 64 accesses that each end in #GP: unknown index, exits off; or EFER read at CPL3. */
static void build_faults(struct program *gp, struct program *cpl3)
{
	pb_init(gp, 1, 0);
	pb_init(cpl3, 1, 0);
	for (int k = 0; k < PROG_MAX_STEPS; k++) {
		pb_rdmsr(gp, 0x12345678);
		pb_rdmsr(cpl3, 0xc0000080)->g.cpl = 3;
	}
}

/* 64 steps in turn: an in-kernel read, an exiting read, an in-kernel write, an exit answered #GP. */
static void build_mixed(struct program *p, int *nexits, int *nkernel)
{
	pb_init(p, 1, REASON_UNKNOWN);
	*nexits = *nkernel = 0;
	for (int k = 0; k < PROG_MAX_STEPS; k++) {
		switch (k % 4) {
		case 0:
			pb_rdmsr(p, 0xc0000080);
			break;
		case 1:
			pb_rdmsr(p, 0x12345678)->g.reply_data = (uint64_t)k;
			break;
		case 2:
			pb_wrmsr(p, 0xc0000080, 0xd01);
			break;
		default:
			pb_wrmsr(p, 0x12345678, (uint64_t)k)->g.reply_error = 1;
		}
		if (k % 2)
			++*nexits;
		else
			++*nkernel;
	}
}

/* The whole conformance suite, run as `msrexit conform` would be, in seconds. */
static double time_suite(void)
{
	char self[4096], cmd[4200];
	ssize_t n = readlink("/proc/self/exe", self, sizeof(self) - 1);
	double t0;
	int st;

	if (n <= 0 || memchr(self, '\'', (size_t)n))
		return -1;
	self[n] = '\0';
	snprintf(cmd, sizeof(cmd), "'%s' conform >/dev/null 2>&1", self);
	t0 = now_us();
	st = system(cmd);
	if (st == -1 || !WIFEXITED(st) || WEXITSTATUS(st) != 0)
		return -1;
	return (now_us() - t0) / 1e6;
}

struct figures {
	double limit_exit, limit_kernel;
	double exit, kernel, gp, cpl3, one, one_warm, mixed, mixed_limit, suite;
	double vm_create, vm_destroy, reset, check, filter_first, filter_live;
	double decode, oracle, compare, exits64;
	struct corpus_figures fuzz;
};

static void row(const char *what, double us, double unit, const char *unit_name)
{
	printf("  %-46s %10.2f us  %7.2fx %s\n", what, us, us / unit, unit_name);
}

static void print_fuzz_table(const struct corpus_figures *c)
{
	const struct vm_pool_stats *w = &c->warm, *s = &c->stats;
	double n = (double)c->execs;

	printf("  fuzzing: a corpus of %u inputs (%u conformance programs, %u generated of 1-64 "
	       "steps)\n",
	       c->corpus, c->seeds, c->corpus - c->seeds);
	printf("  %-46s %10.1f /s  (%lu executions)\n", "executions with VM reuse", c->execs_per_s,
	       c->execs);
	printf("  %-46s %10.1f /s  (%lu executions)\n", "executions with a new VM each",
	       c->fresh_execs_per_s, c->fresh_execs);
	printf("  %-46s %10.2fx\n", "speedup (reuse over new VMs)", c->speedup);
	printf("  %-46s %10.2f us\n", "an execution with reuse", c->exec_us);
	printf("  %-46s %10.2f us\n", "its kernel round trips at the raw costs", c->ideal_us);
	printf("  %-46s %10.3f\n", "efficiency (round trips / execution)", c->efficiency);
	printf("  raw costs (us): exit %.2f, in-kernel RDMSR %.2f, CPL3 switches %.2f, emulation "
	       "%.2f, filter %.2f\n",
	       c->raw_exit_us, c->raw_in_kernel_us, c->raw_cpl3_us, c->raw_fep_us,
	       c->raw_filter_us);
	printf("  per execution, in it:\n");
	printf("  %-46s %10.2f us\n", "  the program (execute)", (s->run_ns - w->run_ns) / 1e3 / n);
	printf("  %-46s %10.2f us  (%lu light, %lu full)\n", "  the reset before it",
	       (s->reset_ns - w->reset_ns) / 1e3 / n, s->light - w->light, s->full - w->full);
	printf("  %-46s %10.2f us  (%lu proven)\n", "  the proof of the reset",
	       (s->check_ns - w->check_ns) / 1e3 / n, s->checks - w->checks);
	printf("  %-46s %10.2f us  (%lu of %lu programs)\n", "  a VM set up for another program",
	       (s->setup_ns - w->setup_ns) / 1e3 / n, s->rekeyed - w->rekeyed, c->execs);
	printf("  %-46s %10lu     (%lu replaced)\n", "VMs made in the pool", s->made, s->remade);
	printf("  resident set %ld kB, grew %ld kB; %d fds, grew %d; over the executions\n",
	       c->rss_kb, c->rss_growth_kb, c->fds, c->fd_growth);
}

static void print_table(const struct figures *g)
{
	const char *ex = "the limit exit", *kn = "the limit RDMSR";

	printf("  the limit: a minimal guest loop, no harness\n");
	printf("  %-46s %10.2f us\n", "MSR exit round trip", g->limit_exit);
	printf("  %-46s %10.2f us\n", "RDMSR the kernel handles (with its loop)", g->limit_kernel);
	printf("  msrexit, against it\n");
	row("an exiting access in a program", g->exit, g->limit_exit, ex);
	row("an in-kernel access in a program", g->kernel, g->limit_kernel, kn);
	row("a #GP'd access (exits off)", g->gp, g->limit_exit, ex);
	row("a CPL3 access (#GP)", g->cpl3, g->limit_exit, ex);
	row("a one-access program on a new VM", g->one, g->limit_exit, ex);
	row("a one-access program (its batch end: an exit)", g->one_warm, g->limit_exit, ex);
	row("a 64-step mixed program", g->mixed, g->mixed_limit, "its accesses at the limit");
	if (g->suite >= 0)
		printf("  %-46s %10.2f s\n", "the whole conformance suite", g->suite);
	printf("  the rest, against the limit exit\n");
	row("new VM with 1 vCPU, set up", g->vm_create, g->limit_exit, ex);
	row("its teardown (vm_destroy: closing the fds)", g->vm_destroy, g->limit_exit, ex);
	row("reset of a used VM instead (vm_reset)", g->reset, g->limit_exit, ex);
	row("proof the reset is clean (vm_check_clean)", g->check, g->limit_exit, ex);
	row("first filter on a new VM", g->filter_first, g->limit_exit, ex);
	row("filter replaced on a VM that has run", g->filter_live, g->limit_exit, ex);
	row("decode a 64-step binary program", g->decode, g->limit_exit, ex);
	row("oracle for a 64-step program", g->oracle, g->limit_exit, ex);
	row("compare a 64-step trace", g->compare, g->limit_exit, ex);
	printf("  host-side work per 64-step program: %.2f%% of its %.0f us on KVM\n",
	       100 * (g->decode + g->oracle + g->compare) / g->exits64, g->exits64);
	print_fuzz_table(&g->fuzz);
}

static void print_json(const struct figures *g, const struct kernel_facts *f, int rounds)
{
	printf("{\"kernel\": \"%u.%u\", \"rounds\": %d", f->kver_major, f->kver_minor, rounds);
	printf(", \"limit_exit_us\": %.3f, \"exit_us\": %.3f, \"exit_ratio\": %.3f", g->limit_exit,
	       g->exit, g->exit / g->limit_exit);
	printf(", \"limit_in_kernel_us\": %.3f, \"in_kernel_us\": %.3f, \"in_kernel_ratio\": %.3f",
	       g->limit_kernel, g->kernel, g->kernel / g->limit_kernel);
	printf(", \"gp_us\": %.3f, \"cpl3_us\": %.3f, \"one_access_us\": %.3f", g->gp, g->cpl3,
	       g->one_warm);
	printf(", \"one_access_new_vm_us\": %.3f", g->one);
	printf(", \"mixed_us\": %.3f, \"mixed_limit_us\": %.3f", g->mixed, g->mixed_limit);
	if (g->suite >= 0)
		printf(", \"suite_s\": %.3f", g->suite);
	printf(", \"vm_create_us\": %.3f, \"vm_destroy_us\": %.3f, \"reset_us\": %.3f",
	       g->vm_create, g->vm_destroy, g->reset);
	printf(", \"check_clean_us\": %.3f, \"filter_first_us\": %.3f, \"filter_live_us\": %.3f",
	       g->check, g->filter_first, g->filter_live);
	printf(", \"decode_us\": %.3f, \"oracle_us\": %.3f, \"compare_us\": %.3f", g->decode,
	       g->oracle, g->compare);
	printf(", \"execs\": %lu, \"execs_per_s\": %.1f, \"fresh_execs_per_s\": %.1f",
	       g->fuzz.execs, g->fuzz.execs_per_s, g->fuzz.fresh_execs_per_s);
	printf(", \"speedup\": %.3f, \"exec_us\": %.3f, \"ideal_us\": %.3f, \"efficiency\": %.3f",
	       g->fuzz.speedup, g->fuzz.exec_us, g->fuzz.ideal_us, g->fuzz.efficiency);
	printf(", \"rss_growth_kb\": %ld, \"fd_growth\": %d}\n", g->fuzz.rss_growth_kb,
	       g->fuzz.fd_growth);
}

struct bench_opts {
	int rounds;
	unsigned long execs;
	bool json, suite;
};

static int parse_bench_opts(int argc, char **argv, struct bench_opts *o)
{
	static const struct option longopts[] = {
		{ "json", no_argument, NULL, 'j' },
		{ "no-suite", no_argument, NULL, 's' },
		{ "execs", required_argument, NULL, 'e' },
		{ 0 },
	};
	unsigned long n = 20;
	int c;

	o->json = false;
	o->suite = true;
	o->execs = 2000;
	optind = 1;
	while ((c = getopt_long(argc, argv, ":n:", longopts, NULL)) != -1) {
		if (c == 'j')
			o->json = true;
		else if (c == 's')
			o->suite = false;
		else if (c == 'e') {
			if (parse_uint_option("bench", "--execs", optarg, 1, 100000000, &o->execs))
				return EXIT_BAD_INPUT;
		} else if (c != 'n')
			return option_error("bench", c, argv, bench_usage);
		else if (parse_uint_option("bench", "-n", optarg, 1, MAX_ROUNDS, &n))
			return EXIT_BAD_INPUT;
	}
	if (optind != argc) {
		fprintf(stderr, "msrexit bench: unexpected argument '%s'\n\n%s", argv[optind],
			bench_usage);
		return EXIT_BAD_INPUT;
	}
	o->rounds = (int)n;
	return 0;
}

/* Per access of a 64-access program on a warm VM: its time less a one-access program's, over 63. */
static double per_access(struct kvm_sys *sys, const struct program *p, double one, int rounds)
{
	double t = time_execute_on(sys, p, rounds, true);

	return t < 0 ? -1 : (t - one) / (PROG_MAX_STEPS - 1);
}

static int measure(struct kvm_sys *sys, const struct kernel_facts *f, const struct bench_opts *o,
		   struct figures *g)
{
	static struct program exits, kernel, one, gp, cpl3, mixed;
	int rounds = o->rounds, nexits, nkernel;

	build_reads(&exits, 0x12345678, REASON_UNKNOWN);
	build_reads(&kernel, 0xc0000080, REASON_UNKNOWN);
	build_faults(&gp, &cpl3);
	build_mixed(&mixed, &nexits, &nkernel);
	pb_init(&one, 1, REASON_UNKNOWN);
	pb_rdmsr(&one, 0xc0000080);
	if (bench_limit(sys, rounds, &g->limit_exit, &g->limit_kernel))
		return -1;
	g->one = time_execute(sys, &one, rounds);
	g->one_warm = time_execute_on(sys, &one, rounds, true);
	g->exits64 = time_execute(sys, &exits, rounds);
	g->mixed = time_execute_on(sys, &mixed, rounds, true);
	if (g->one < 0 || g->one_warm < 0 || g->exits64 < 0 || g->mixed < 0)
		return -1;
	g->exit = per_access(sys, &exits, g->one_warm, rounds);
	g->kernel = per_access(sys, &kernel, g->one_warm, rounds);
	g->gp = per_access(sys, &gp, g->one_warm, rounds);
	g->cpl3 = per_access(sys, &cpl3, g->one_warm, rounds);
	if (g->exit < 0 || g->kernel < 0 || g->gp < 0 || g->cpl3 < 0)
		return -1;
	/* its accesses at the limit, and the batch's end (one more exit) */
	g->mixed_limit = (nexits + 1) * g->limit_exit + nkernel * g->limit_kernel;
	g->suite = o->suite ? time_suite() : -1;
	if (o->suite && g->suite < 0) {
		kvm_set_error("the conformance suite did not pass: run msrexit conform");
		return -1;
	}
	time_vm_lifecycle(sys, rounds, &g->vm_create, &g->vm_destroy);
	time_filters(sys, rounds, &g->filter_first, &g->filter_live);
	time_reset(sys, rounds, &g->reset, &g->check);
	time_host_side(f, &exits, &g->decode, &g->oracle, &g->compare);
	return bench_corpus(sys, f, rounds, o->execs, &g->fuzz);
}

/* A run that failed, a plain KVM call's (kvm.h) or the bench's own: no figure means anything. */
static void __attribute__((noreturn)) run_failed(const char *msg)
{
	fprintf(stderr, "msrexit bench: a run failed: %s\n", msg);
	exit(EXIT_MISMATCH);
}

int cmd_bench(int argc, char **argv)
{
	struct figures g = { 0 };
	struct bench_opts o = { 0 };
	const struct kernel_facts *f;
	struct kvm_sys *sys;
	int st;

	if (wants_help(argc, argv, bench_usage))
		return 0;
	st = parse_bench_opts(argc, argv, &o);
	if (st)
		return st;
	f = facts_get(&st);
	sys = f ? kvm_sys_get(&st) : NULL;
	if (!sys) {
		fprintf(stderr, "msrexit bench: %s\n", kvm_last_error());
		return st;
	}
	kvm_set_fail_hook(run_failed);
	if (!o.json)
		printf("msrexit bench: kernel %u.%u, %d round%s, medians\n", f->kver_major,
		       f->kver_minor, o.rounds, o.rounds == 1 ? "" : "s");
	if (measure(sys, f, &o, &g))
		run_failed(kvm_last_error());
	if (o.json)
		print_json(&g, f, o.rounds);
	else
		print_table(&g);
	return 0;
}
