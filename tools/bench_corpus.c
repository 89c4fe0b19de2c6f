/*
 * bench_corpus.c - `msrexit bench`'s fuzzing figures: executions per second on a fixed mixed
 * corpus with VM reuse (the pool) and with a new VM per input, and how close reuse comes to
 * the time the programs' own kernel round trips take at this machine's raw costs.
 *
 * An execution is what a fuzz target does with an input: decode it, run it (a pooled VM,
 * reset; or a new VM), predict with the oracle, compare, check the kernel's health, and add
 * the feedback tuples.
 */
#include <dirent.h>
#include <linux/kvm.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <time.h>
#include <unistd.h>

#include "bench.h"
#include "conform.h"
#include "feedback.h"
#include "filter.h"
#include "health.h"
#include "program_build.h"
#include "runner.h"

#define GENERATED 256 /* inputs of 1-64 steps from the generator, besides the seeds */
#define GENERATOR_SEED 0x6d737265786974ull /* fixed: the same corpus in every run */
#define FRESH_MAX 200 /* a new VM per input costs milliseconds: this many are enough */
#define TIMEOUT_MS 1000 /* as the fuzz targets */
#define BIN_SEP 0x7e /* the binary format's frame separator (program.c) */
#define FEEDBACK_MAP 16384
#define CHUNKS 10 /* the timed executions, with the raw costs measured between them */
#define CALIBRATION_ROUNDS 5

struct input {
	uint8_t *bin;
	size_t len;
};

struct corpus {
	struct input *in;
	unsigned n, seeds;
};

static double now_us(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1e6 + ts.tv_nsec / 1e3;
}

static uint64_t next_random(uint64_t *s)
{
	*s ^= *s << 13;
	*s ^= *s >> 7;
	*s ^= *s << 17;
	return *s;
}

/* n random bytes of one frame (none the separator), then the separator. */
static size_t random_frame(uint8_t *b, unsigned n, uint64_t *s)
{
	for (unsigned i = 0; i < n; i++) {
		b[i] = (uint8_t)next_random(s);
		if (b[i] == BIN_SEP)
			b[i]++;
	}
	b[n] = BIN_SEP;
	return n + 1;
}

/* A fuzzer's kind of input: a set-up frame, its filter frames, 1-64 step frames. */
static size_t random_input(uint8_t *b, uint64_t *s)
{
	unsigned steps = 1 + (unsigned)(next_random(s) % PROG_MAX_STEPS), nfilters;
	size_t len = random_frame(b, 4, s);

	nfilters = (b[0] >> 1) % (PROG_MAX_FILTERS + 1); /* as the decoder reads it */
	for (unsigned i = 0; i < nfilters; i++)
		len += random_frame(b + len, 8 + (unsigned)(next_random(s) % 32), s);
	for (unsigned i = 0; i < steps; i++)
		len += random_frame(b + len, 8 + (unsigned)(next_random(s) % 16), s);
	return len;
}

static int add_input(struct corpus *c, const uint8_t *bin, size_t len)
{
	struct input *in = &c->in[c->n];

	in->bin = malloc(len ? len : 1);
	if (!in->bin)
		return -1;
	memcpy(in->bin, bin, len);
	in->len = len;
	c->n++;
	return 0;
}

/* The conformance programs (the fuzzers' seeds, embedded), then the generated inputs, shuffled. */
static int corpus_build(struct corpus *c)
{
	static uint8_t buf[PROG_BIN_MAX_SIZE];
	static struct program p;
	uint64_t s = GENERATOR_SEED;

	c->n = 0;
	c->in = calloc(conform_programs_len + GENERATED, sizeof(*c->in));
	if (!c->in)
		return -1;
	for (unsigned i = 0; i < conform_programs_len; i++) {
		struct parse_error err;
		size_t len;

		if (program_parse(conform_programs[i].text, conform_programs[i].path, &p, &err))
			continue;
		len = program_encode(&p, buf, sizeof(buf));
		if (len && add_input(c, buf, len))
			return -1;
	}
	c->seeds = c->n;
	for (unsigned i = 0; i < GENERATED; i++)
		if (add_input(c, buf, random_input(buf, &s)))
			return -1;
	for (unsigned i = c->n; i > 1; i--) {
		unsigned k = (unsigned)(next_random(&s) % i);
		struct input t = c->in[i - 1];

		c->in[i - 1] = c->in[k];
		c->in[k] = t;
	}
	return 0;
}

static void corpus_free(struct corpus *c)
{
	for (unsigned i = 0; i < c->n; i++)
		free(c->in[i].bin);
	free(c->in);
}

/*
 * This machine's raw costs, measured between chunks of executions (a busy
 * machine moves them from one second to the next).
 */
struct raw_costs {
	double exit_us; /* an MSR exit round trip: the limit loop's */
	double in_kernel_us; /* an RDMSR the kernel completes: the limit loop's */
	double cpl3_us; /* the privilege switches of a CPL3 access, on top of its #GP's exit */
	double fep_us; /* KVM's emulation of a forced-emulation access, on top of the access */
	double host[STEP_KIND_LIMIT]; /* one ioctl of each host step */
};

struct calibration {
	struct vm vm; /* one vCPU, mask UNKNOWN, has run */
	struct program one, cpl3, fep, filters; /* filters: two that allow all these read */
	struct trace t;
	bool fep_emulated; /* kvm.force_emulation_prefix: else the prefix is a #UD */
	int rounds;
};

/*
 * The mean time of one call of each host step's ioctl, as a program makes
 * it: the mean, as the executions have it, since some (a filter: an SRCU
 * grace period) take far longer now and then on a busy machine.
 */
static void host_step_costs(struct calibration *cal, struct raw_costs *c)
{
	double v[STEP_KIND_LIMIT][BENCH_MAX_ROUNDS];
	struct vm *vm = &cal->vm;
	struct kvm_regs regs;
	struct kvm_vcpu_events ev;

	for (int r = 0; r < cal->rounds; r++) {
		int fd = vm->vcpu[0].fd;
		uint64_t data = 0;
		double t0, t1, t2, t3, t4, t5, t6, t7, tf = now_us();

		__filter_install(vm->fd, &cal->filters.filters[r % 2]);
		t0 = now_us();
		v[STEP_HOST_FILTER][r] = t0 - tf;
		__vm_enable_cap_fd(vm->fd, 0, REASON_UNKNOWN);
		t1 = now_us();
		__msr_io_one(fd, KVM_GET_MSRS, 0xc0000082, &data);
		t2 = now_us();
		__msr_io_one(fd, KVM_SET_MSRS, 0xc0000082, &data);
		t3 = now_us();
		__vcpu_run_immediate_exit(&vm->vcpu[0]);
		t4 = now_us();
		ioctl(fd, KVM_GET_REGS, &regs);
		t5 = now_us();
		ioctl(fd, KVM_GET_VCPU_EVENTS, &ev);
		t6 = now_us();
		ioctl(vm->fd, KVM_CHECK_EXTENSION, KVM_CAP_X86_USER_SPACE_MSR);
		t7 = now_us();
		v[STEP_HOST_MASK][r] = t1 - t0;
		v[STEP_HOST_GET_MSRS][r] = t2 - t1;
		v[STEP_HOST_SET_MSRS][r] = t3 - t2;
		v[STEP_HOST_IMMEDIATE_EXIT][r] = t4 - t3;
		v[STEP_HOST_GET_REGS][r] = t5 - t4;
		v[STEP_HOST_GET_EVENTS][r] = t6 - t5;
		v[STEP_HOST_CHECK_CAP][r] = t7 - t6;
	}
	memset(c->host, 0, sizeof(c->host));
	for (unsigned k = STEP_FIRST_HOST; k < STEP_KIND_LIMIT; k++)
		for (int r = 0; step_kind_desc(k) && r < cal->rounds; r++)
			c->host[k] += v[k][r] / cal->rounds;
}

/* Median time of one execute() of p on the calibration VM. */
static double time_program(struct calibration *cal, const struct program *p)
{
	struct exec_opts o = { .timeout_ms = 5000 };
	double v[BENCH_MAX_ROUNDS];

	for (int r = 0; r < cal->rounds; r++) {
		double t0 = now_us();

		execute(&cal->vm, p, &o, &cal->t);
		v[r] = now_us() - t0;
	}
	return bench_median(v, cal->rounds);
}

/* One access's cost in a program of PROG_MAX_STEPS of them: its time less a one-access one's. */
static double per_access(struct calibration *cal, const struct program *p, double one)
{
	double us = (time_program(cal, p) - one) / (PROG_MAX_STEPS - 1);

	return us > 0 ? us : 0;
}

static int calibrate(struct kvm_sys *sys, struct calibration *cal, struct raw_costs *c)
{
	double one;

	if (bench_limit_iters(sys, cal->rounds, 256, &c->exit_us, &c->in_kernel_us))
		return -1;
	one = time_program(cal, &cal->one);
	c->cpl3_us = per_access(cal, &cal->cpl3, one);
	c->cpl3_us = c->cpl3_us > c->exit_us ? c->cpl3_us - c->exit_us : 0;
	c->fep_us = cal->fep_emulated ? per_access(cal, &cal->fep, one) : 0;
	c->fep_us = c->fep_us > c->in_kernel_us ? c->fep_us - c->in_kernel_us : 0;
	host_step_costs(cal, c);
	return 0;
}

/* In-kernel EFER reads: at CPL0, at CPL3 (#GP each), behind the forced-emulation prefix. */
static void calibration_init(struct kvm_sys *sys, const struct kernel_facts *f,
			     struct calibration *cal)
{
	pb_init(&cal->one, 1, REASON_UNKNOWN);
	pb_rdmsr(&cal->one, 0xc0000080);
	pb_init(&cal->cpl3, 1, REASON_UNKNOWN);
	pb_init(&cal->fep, 1, REASON_UNKNOWN);
	for (int k = 0; k < PROG_MAX_STEPS; k++) {
		pb_rdmsr(&cal->cpl3, 0xc0000080)->g.cpl = 3;
		pb_rdmsr(&cal->fep, 0xc0000080)->g.fep = 1;
	}
	pb_init(&cal->filters, 1, REASON_UNKNOWN);
	for (unsigned i = 0; i < 2; i++) /* default allow; a range of other MSRs allowed */
		pb_range(pb_filter(&cal->filters, i, 0), RANGE_READ, 0x12345000 + i, 1, ~0ull);
	cal->fep_emulated = f->force_emulation_prefix > 0;
	vm_create(&cal->vm, sys, 1);
	time_program(cal, &cal->one); /* it has run, as the pool's VMs */
}

/* The kernel round trips of executions, by kind: what the raw costs price. */
struct round_trips {
	double setups, setup_filters; /* the set-up: a mask always, a filter if it has one */
	double kvm_runs; /* MSR exits, exceptions, batch ends */
	double in_kernel; /* accesses the kernel completed */
	double cpl3, fep; /* accesses at CPL3, behind the forced-emulation prefix */
	double host[STEP_KIND_LIMIT]; /* host steps that ran, by kind */
};

static void count_round_trips(const struct program *p, const struct trace *t,
			      struct round_trips *rt)
{
	rt->setups++;
	rt->setup_filters += p->setup_filter < p->nfilters;
	rt->kvm_runs += t->nexits;
	for (int n = 0; n < p->nsteps; n++) {
		const struct step *s = &p->steps[n];
		const struct guest_obs *g = &t->g[n];

		if (!step_is_guest(s->kind)) {
			rt->host[s->kind] += t->h[n].ran;
			continue;
		}
		if (!g->ran)
			continue;
		rt->in_kernel += !g->exited && !g->faulted;
		rt->cpl3 += s->g.cpl != 0;
		rt->fep += s->g.fep != 0;
	}
}

/*
 * The time those round trips take at the raw costs: the set-up and every
 * host step at its ioctl's, every KVM_RUN at the limit loop's exit, every
 * access the kernel completed at its in-kernel RDMSR, the privilege switches
 * of a CPL3 access and the emulation of a forced-emulation one at their
 * measured cost.
 */
static double ideal_us(const struct round_trips *rt, const struct raw_costs *c)
{
	double us = rt->setups * c->host[STEP_HOST_MASK] +
		    rt->setup_filters * c->host[STEP_HOST_FILTER] + rt->kvm_runs * c->exit_us +
		    rt->in_kernel * c->in_kernel_us + rt->cpl3 * c->cpl3_us + rt->fep * c->fep_us;

	for (unsigned k = 0; k < STEP_KIND_LIMIT; k++)
		us += rt->host[k] * c->host[k];
	return us;
}

struct exec_ctx {
	const struct kernel_facts *f;
	struct vm_pool *pool; /* NULL: a new VM per input */
	struct health h;
	struct run_result r;
	struct program p;
	uint8_t map[FEEDBACK_MAP];
	struct round_trips rt;
};

/* One execution, as a fuzz target makes it. */
static int execute_input(struct exec_ctx *x, const struct input *in)
{
	int st;

	program_decode(in->bin, in->len, &x->p);
	if (x->pool)
		st = run_program_reused(x->pool, &x->p, x->f, &x->h, TIMEOUT_MS, &x->r);
	else
		st = run_program(&x->p, x->f, &x->h, TIMEOUT_MS, &x->r);
	if (st != EXIT_OK && st != EXIT_MISMATCH)
		return -1;
	feedback_add(&x->p, &x->r.t, x->map, sizeof(x->map));
	count_round_trips(&x->p, &x->r.t, &x->rt);
	return 0;
}

/* Resident set (kB) and open file descriptors of this process. */
static void usage_now(long *rss_kb, int *fds)
{
	long pages = 0;
	FILE *f = fopen("/proc/self/statm", "r");
	DIR *d = opendir("/proc/self/fd");
	struct dirent *e;

	if (f) {
		if (fscanf(f, "%*s %ld", &pages) != 1)
			pages = 0;
		fclose(f);
	}
	*rss_kb = pages * (sysconf(_SC_PAGESIZE) / 1024);
	*fds = 0;
	while (d && (e = readdir(d)))
		*fds += e->d_name[0] != '.';
	if (d)
		closedir(d);
	(*fds)--; /* the directory's own */
}

/* Executions [from, to) of the corpus, cycling; their wall time in us. */
static int run_loop(struct exec_ctx *x, const struct corpus *c, unsigned long from,
		    unsigned long to, double *us)
{
	double t0 = now_us();

	for (unsigned long i = from; i < to; i++)
		if (execute_input(x, &c->in[i % c->n]))
			return -1;
	*us = now_us() - t0;
	return 0;
}

static void costs_mean(const struct raw_costs *a, const struct raw_costs *b, struct raw_costs *m)
{
	const double *pa = (const double *)a, *pb = (const double *)b;
	double *pm = (double *)m;

	for (size_t i = 0; i < sizeof(*m) / sizeof(double); i++)
		pm[i] = (pa[i] + pb[i]) / 2;
}

static void add_raw(struct corpus_figures *g, const struct raw_costs *c)
{
	g->raw_exit_us += c->exit_us;
	g->raw_in_kernel_us += c->in_kernel_us;
	g->raw_cpl3_us += c->cpl3_us;
	g->raw_fep_us += c->fep_us;
}

/*
 * A filter's cost depends on the kernel's SRCU state more than on anything
 * else (tens of us to milliseconds on a busy machine): it is priced at the
 * mean of the filters the pool gave its VMs during the chunk, where it gave
 * any, as the programs' own run among them.
 */
static void price_filters(struct raw_costs *c, const struct vm_pool_stats *was,
			  const struct vm_pool_stats *now)
{
	unsigned long n = now->filter_installs - was->filter_installs;

	if (n)
		c->host[STEP_HOST_FILTER] = (now->filter_ns - was->filter_ns) / 1e3 / n;
}

/*
 * The timed executions with reuse, in chunks with a calibration before and
 * after each: a chunk's round trips are priced at the mean of its two.
 */
static int run_chunks(struct kvm_sys *sys, struct calibration *cal, struct exec_ctx *x,
		      const struct corpus *c, unsigned long execs, struct corpus_figures *g)
{
	unsigned long chunks = execs < CHUNKS ? execs : CHUNKS;
	struct raw_costs before, after, mean;
	struct vm_pool_stats was;
	double us;

	if (calibrate(sys, cal, &before))
		return -1;
	add_raw(g, &before);
	for (unsigned long k = 0; k < chunks; k++) {
		was = x->pool->stats;
		if (run_loop(x, c, execs * k / chunks, execs * (k + 1) / chunks, &us) ||
		    calibrate(sys, cal, &after))
			return -1;
		add_raw(g, &after);
		costs_mean(&before, &after, &mean);
		price_filters(&mean, &was, &x->pool->stats);
		g->raw_filter_us += mean.host[STEP_HOST_FILTER] / chunks;
		g->ideal_us += ideal_us(&x->rt, &mean);
		g->exec_us += us;
		memset(&x->rt, 0, sizeof(x->rt));
		before = after;
	}
	g->ideal_us /= execs;
	g->exec_us /= execs;
	g->raw_exit_us /= chunks + 1;
	g->raw_in_kernel_us /= chunks + 1;
	g->raw_cpl3_us /= chunks + 1;
	g->raw_fep_us /= chunks + 1;
	return 0;
}

/*
 * Reuse: one pass over the corpus first (its VMs made, their pages touched:
 * what a long run has from its start on), then execs timed in chunks, with
 * the resident set and the fds before and after. Fresh: FRESH_MAX of the same.
 */
static int measure(struct kvm_sys *sys, struct calibration *cal, struct exec_ctx *x,
		   const struct corpus *c, unsigned long execs, struct corpus_figures *g)
{
	struct vm_pool pool = { 0 };
	double fresh_us;
	long rss0, rss1;
	int fds0, fds1;

	x->pool = &pool;
	if (run_loop(x, c, 0, c->n, &fresh_us))
		return -1;
	memset(&x->rt, 0, sizeof(x->rt));
	g->warm = pool.stats;
	usage_now(&rss0, &fds0);
	if (run_chunks(sys, cal, x, c, execs, g))
		return -1;
	usage_now(&rss1, &fds1);
	g->stats = pool.stats;
	vm_pool_destroy(&pool);
	x->pool = NULL;
	g->fresh_execs = execs < FRESH_MAX ? execs : FRESH_MAX;
	if (run_loop(x, c, 0, g->fresh_execs, &fresh_us))
		return -1;
	g->execs = execs;
	g->execs_per_s = 1e6 / g->exec_us;
	g->fresh_execs_per_s = 1e6 * g->fresh_execs / fresh_us;
	g->speedup = g->execs_per_s / g->fresh_execs_per_s;
	g->efficiency = g->ideal_us / g->exec_us;
	g->rss_kb = rss1;
	g->rss_growth_kb = rss1 - rss0;
	g->fds = fds1;
	g->fd_growth = fds1 - fds0;
	return 0;
}

int bench_corpus(struct kvm_sys *sys, const struct kernel_facts *f, int rounds, unsigned long execs,
		 struct corpus_figures *g)
{
	struct exec_ctx *x = calloc(1, sizeof(*x));
	struct calibration *cal = calloc(1, sizeof(*cal));
	struct corpus c;
	int r = -1;

	memset(g, 0, sizeof(*g));
	if (!x || !cal || corpus_build(&c)) {
		free(x);
		free(cal);
		kvm_set_error("bench: out of memory for the corpus");
		return -1;
	}
	g->corpus = c.n;
	g->seeds = c.seeds;
	cal->rounds = rounds < CALIBRATION_ROUNDS ? rounds : CALIBRATION_ROUNDS;
	calibration_init(sys, f, cal);
	x->f = f;
	health_begin(&x->h);
	if (measure(sys, cal, x, &c, execs, g))
		kvm_set_error("bench: an input could not run: %s", kvm_last_error());
	else
		r = 0;
	health_end(&x->h);
	vm_destroy(&cal->vm);
	corpus_free(&c);
	free(cal);
	free(x);
	return r;
}
