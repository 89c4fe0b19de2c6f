/* target.c - one fuzzer input on the real /dev/kvm: decode, run on a reused VM, judge, explain, feed back. */
#include <stdlib.h>
#include <string.h>

#include "campaign_hook.h"
#include "execute.h"
#include "facts_probe.h"
#include "feedback.h"
#include "health.h"
#include "kcov.h"
#include "kvm.h"
#include "runner.h"
#include "target.h"

#define BATCH_TIMEOUT_MS 1000
#define SEEN_BITS (1u << 20) /* distinct tuple hashes, for the statistics only */

static struct {
	const char *name;
	const struct kernel_facts *f;
	struct health health;
	struct vm_pool pool;
	struct kcov kcov;
	enum exec_inject inject;
	uint8_t *map;
	size_t map_size;
	void (*sink)(uint32_t hash, uint8_t count);
	struct fuzz_stats stats;
	uint8_t seen[SEEN_BITS / 8];
	bool ready;
} fz = { .name = "msrexit-fuzz" };

int fuzz_target_init(const char *name)
{
	int st;

	if (fz.ready)
		return 0;
	fz.name = name;
	if (!exec_inject_env_valid()) {
		fprintf(stderr, "%s: MSREXIT_INJECT='%s' names no fault\n", name,
			getenv("MSREXIT_INJECT"));
		return EXIT_BAD_INPUT;
	}
	fz.f = facts_get(&st);
	if (!fz.f) {
		fprintf(stderr, "%s: %s%s\n", name, st == EXIT_NO_KVM ? "SKIP: " : "",
			kvm_last_error());
		return st;
	}
	fz.inject = exec_inject_from_env();
	fz.stats.kcov = kcov_open(&fz.kcov);
	health_begin(&fz.health);
	fz.ready = true;
	return 0;
}

void fuzz_set_feedback_map(uint8_t *map, size_t size)
{
	fz.map = map;
	fz.map_size = size;
}

void fuzz_set_feedback_sink(void (*sink)(uint32_t hash, uint8_t count))
{
	fz.sink = sink;
}

const struct fuzz_stats *fuzz_stats(void)
{
	return &fz.stats;
}

void fuzz_print_stats(FILE *out)
{
	fprintf(out,
		"%s: %lu inputs, %lu distinct feedback tuples, kernel PCs (KCOV) %s, VM made anew "
		"%lu times",
		fz.name, fz.stats.inputs, fz.stats.tuples, fz.stats.kcov ? "on" : "off",
		fz.stats.vm_remade);
	for (int k = 0; k < KNOWN_COUNT; k++)
		fprintf(out, ", %s %lu", known_table[k].name, fz.stats.known[k]);
	if (fz.stats.foreign_warnings)
		fprintf(out, ", WARNINGs injected by other msrexit processes %lu",
			fz.stats.foreign_warnings);
	fprintf(out,
		", VM pool: %lu VMs made, %lu inputs on a VM set up for them, %lu resets proven",
		fz.pool.stats.made, fz.pool.stats.hits, fz.pool.stats.checks);
	fprintf(out, "\n");
}

void fuzz_finding(const char *sig)
{
	campaign_hook_finding(sig);
	fprintf(stderr, "msrexit-finding: %s\n", sig);
	fflush(stderr);
	abort();
}

/* Each distinct hash of h[0..n) once, with how often it came. */
static void to_sink(const uint32_t *h, unsigned n)
{
	for (unsigned i = 0; i < n; i++) {
		unsigned count = 1, k;

		for (k = 0; k < i && h[k] != h[i]; k++)
			;
		if (k < i)
			continue; /* counted at its first place */
		for (k = i + 1; k < n; k++)
			count += h[k] == h[i];
		fz.sink(h[i], (uint8_t)count);
	}
}

/* Counts the tuples this process never saw before (statistics). */
static void count_distinct(const uint32_t *h, unsigned n)
{
	for (unsigned i = 0; i < n; i++) {
		uint32_t b = h[i] % SEEN_BITS;

		if (!(fz.seen[b / 8] & (1u << (b % 8)))) {
			fz.seen[b / 8] |= (uint8_t)(1u << (b % 8));
			fz.stats.tuples++;
		}
	}
}

static void bump(uint8_t *c)
{
	if (*c != 0xff)
		(*c)++;
}

/* The kernel's edges into the map's last three quarters (the tuples keep the first). */
static void add_kernel_feedback(void)
{
	size_t base = fz.map_size / 4, size = fz.map_size - base;
	unsigned long n, prev = 0;
	const unsigned long *pc = kcov_pcs(&fz.kcov, &n);

	for (unsigned long i = 0; i < n; prev = pc[i], i++) {
		uint32_t h = kcov_edge_hash(prev, pc[i]);

		if (fz.map && size)
			bump(&fz.map[base + h % size]);
		if (fz.sink)
			fz.sink(h, 1);
	}
}

static void add_feedback(const struct program *p, const struct trace *t)
{
	uint32_t h[PROG_MAX_STEPS];
	unsigned n = feedback_hashes(p, t, h);
	size_t tuple_slots = fz.stats.kcov ? fz.map_size / 4 : fz.map_size;

	for (unsigned i = 0; fz.map && tuple_slots && i < n; i++)
		bump(&fz.map[h[i] % tuple_slots]);
	if (fz.sink)
		to_sink(h, n);
	count_distinct(h, n);
}

/* A WARNING line that another msrexit process wrote into the log for its own test. */
static bool foreign_injection(const struct run_result *r)
{
	return fz.inject != INJECT_KMSG && strstr(r->health, "msrexit: injected for a test");
}

static void print_finding(const struct program *p, const struct run_result *r)
{
	static char text[65536];

	run_print_mismatches(fz.name, p, r, stderr);
	if (program_format(p, text, sizeof(text)) >= 0)
		fprintf(stderr, "%s: the program:\n%s", fz.name, text);
}

/* Returns 1 with sig set if the run shows something no known platform fact explains. */
static int judge(const struct program *p, const struct run_result *r, char *sig)
{
	int why[MAX_MISMATCHES], first;
	bool counted[KNOWN_COUNT] = { false };

	if (r->unhealthy && foreign_injection(r)) {
		fz.stats.foreign_warnings++;
	} else if (r->unhealthy) {
		fuzz_health_signature(r->health, sig);
		return 1;
	}
	if (!r->mismatches)
		return 0;
	/* beyond the verdict's MAX_MISMATCHES, a run goes on as its listed mismatches did */
	first = known_explain(p, &r->t, &r->v, fz.f, why);
	if (first >= 0) {
		fuzz_mismatch_signature(&r->v.m[first], &r->t, sig);
		return 1;
	}
	for (unsigned i = 0; i < r->v.n; i++)
		if (why[i] != KNOWN_NONE && !counted[why[i]]) {
			counted[why[i]] = true;
			fz.stats.known[why[i]]++;
		}
	return 0;
}

int fuzz_run_input(const uint8_t *data, size_t size, char *sig)
{
	static struct program p;
	static struct run_result r;
	int st;

	if (!fz.ready && fuzz_target_init(fz.name))
		exit(EXIT_BAD_INPUT);
	fz.stats.inputs++;
	campaign_hook_begin(data, size); /* kept before the kernel sees it */
	program_decode(data, size, &p);
	kcov_begin(&fz.kcov);
	st = run_program_reused(&fz.pool, &p, fz.f, &fz.health, BATCH_TIMEOUT_MS, &r);
	if (fz.stats.kcov)
		add_kernel_feedback();
	if (st != EXIT_OK && st != EXIT_MISMATCH) {
		fprintf(stderr, "%s: cannot run: %s\n", fz.name, kvm_last_error());
		snprintf(sig, FUZZ_SIG_MAX, "harness/vm/unavailable");
		return 1;
	}
	if (r.reset_note[0])
		fz.stats.vm_remade++;
	add_feedback(&p, &r.t);
	if (!judge(&p, &r, sig) || !campaign_hook_wanted(sig))
		return 0;
	print_finding(&p, &r);
	return 1;
}
