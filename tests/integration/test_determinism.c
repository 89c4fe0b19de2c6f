/*
 * test_determinism.c - every corpus and conformance program gives the same trace and verdict
 * alone in a fresh process as on pooled VMs after any other programs, in shuffled orders.
 */
#define _GNU_SOURCE
#include <glob.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "facts_probe.h"
#include "runner.h"
#include "unit.h"

#define MAX_PROGS 1024
#define TIMEOUT_MS 2000

struct prog {
	char path[512];
	struct program p;
	char *fresh; /* the text alone in a fresh process */
};

static struct prog progs[MAX_PROGS];
static unsigned nprogs;

static void add_glob(const char *src, const char *pattern)
{
	char pat[600];
	glob_t g;

	snprintf(pat, sizeof(pat), "%s/%s", src, pattern);
	if (glob(pat, 0, NULL, &g))
		return;
	for (size_t i = 0; i < g.gl_pathc && nprogs < MAX_PROGS; i++) {
		struct prog *pr = &progs[nprogs];
		struct parse_error err;

		snprintf(pr->path, sizeof(pr->path), "%s", g.gl_pathv[i]);
		CHECK(!program_load_file(pr->path, PROG_FILE_AUTO, &pr->p, &err), "%s:%u: %s",
		      pr->path, err.line, err.msg);
		nprogs++;
	}
	globfree(&g);
}

/* Values that differ from run to run whatever the VM (TSC and the like): what compare ignores. */
static void normalise(const struct expected *e, struct trace *t)
{
	for (int i = 0; i < PROG_MAX_STEPS; i++) {
		for (unsigned a = 0; a < e->g[i].nalt && a < MAX_ALTS; a++)
			if (e->g[i].alt[a].data_any)
				t->g[i].rax = t->g[i].rdx = 0;
		for (unsigned k = 0; k < PROG_MAX_HOST_MSRS; k++)
			if (e->h[i].val_any & (1u << k))
				t->h[i].vals[k] = 0;
	}
}

/* The trace (normalised) and the verdict as text; the caller frees it. */
static char *result_text(const struct prog *pr, int st, struct run_result *r)
{
	char *text = NULL;
	size_t len = 0;
	FILE *out = open_memstream(&text, &len);

	if (!out)
		return NULL;
	normalise(&r->e, &r->t);
	fprintf(out, "status %d, set-up filter %d\n", st, r->t.setup_filter_err);
	trace_print(&pr->p, &r->t, &r->e, out);
	run_print_mismatches(pr->path, &pr->p, r, out);
	fclose(out);
	return text;
}

/* Runs pr on a new VM in a child process; returns its text, or NULL. */
static char *run_fresh(const struct prog *pr, const struct kernel_facts *f)
{
	static struct run_result r;
	char *text = NULL, buf[4096];
	size_t len = 0;
	ssize_t n;
	int fd[2], status;
	FILE *acc;
	pid_t pid;

	if (pipe(fd))
		return NULL;
	pid = fork();
	if (pid == 0) {
		int st = run_program(&pr->p, f, NULL, TIMEOUT_MS, &r);
		char *t = result_text(pr, st, &r);

		close(fd[0]);
		if (!t || write(fd[1], t, strlen(t)) != (ssize_t)strlen(t))
			_exit(1);
		_exit(0);
	}
	close(fd[1]);
	acc = open_memstream(&text, &len);
	while ((n = read(fd[0], buf, sizeof(buf))) > 0)
		fwrite(buf, 1, (size_t)n, acc);
	fclose(acc);
	close(fd[0]);
	if (pid < 0 || waitpid(pid, &status, 0) != pid || !WIFEXITED(status) ||
	    WEXITSTATUS(status)) {
		free(text);
		return NULL;
	}
	return text;
}

/* The first line where a and b differ, for the failure message. */
static void print_first_difference(const char *a, const char *b)
{
	while (*a && *a == *b) {
		const char *na = strchr(a, '\n'), *nb = strchr(b, '\n');

		if (!na || !nb || na - a != nb - b || memcmp(a, b, (size_t)(na - a)))
			break;
		a = na + 1;
		b = nb + 1;
	}
	fprintf(stderr, "  fresh:  %.*s\n  pooled: %.*s\n", (int)strcspn(a, "\n"), a,
		(int)strcspn(b, "\n"), b);
}

static uint64_t next_random(uint64_t *s)
{
	*s ^= *s << 13;
	*s ^= *s >> 7;
	*s ^= *s << 17;
	return *s;
}

static void shuffle(unsigned *order, unsigned n, uint64_t seed)
{
	for (unsigned i = 0; i < n; i++)
		order[i] = i;
	for (unsigned i = n; i > 1; i--) {
		unsigned k = (unsigned)(next_random(&seed) % i), tmp = order[i - 1];

		order[i - 1] = order[k];
		order[k] = tmp;
	}
}

/* Every program in the seed's order on pool: each text as fresh, and no reset failed. */
static void run_pooled(struct vm_pool *pool, const struct kernel_facts *f, uint64_t seed)
{
	static struct run_result r;
	static unsigned order[MAX_PROGS];
	unsigned same = 0;

	shuffle(order, nprogs, seed);
	for (unsigned i = 0; i < nprogs; i++) {
		struct prog *pr = &progs[order[i]];
		int st = run_program_reused(pool, &pr->p, f, NULL, TIMEOUT_MS, &r);
		char *text = result_text(pr, st, &r);

		CHECK(!r.reset_note[0], "seed %llu: %s: the VM was made anew: %s",
		      (unsigned long long)seed, pr->path, r.reset_note);
		if (!pr->fresh || !text)
			continue;
		CHECK(!strcmp(text, pr->fresh), "seed %llu: %s (after %s) differs on a pooled VM",
		      (unsigned long long)seed, pr->path, i ? progs[order[i - 1]].path : "nothing");
		if (strcmp(text, pr->fresh))
			print_first_difference(pr->fresh, text);
		else
			same++;
		free(text);
	}
	printf("# seed %llu: %u of %u programs the same on pooled VMs (%lu runs, %lu VMs made, "
	       "%lu light and %lu full resets, %lu proven)\n",
	       (unsigned long long)seed, same, nprogs, pool->stats.runs, pool->stats.made,
	       pool->stats.light, pool->stats.full, pool->stats.checks);
}

int main(int argc, char **argv)
{
	struct vm_pool sampled = { 0 }, proven = { .check = true, .max_vms = 2 };
	const struct kernel_facts *f;
	int st;

	if (argc != 2) {
		fprintf(stderr, "usage: %s SOURCE_DIR\n", argv[0]);
		return 2;
	}
	f = facts_get(&st);
	if (!f) {
		printf("SKIP: %s\n", kvm_last_error());
		return st == EXIT_NO_KVM ? 4 : 1;
	}
	add_glob(argv[1], "corpus/seeds/*.msr");
	add_glob(argv[1], "corpus/regressions/*.msr");
	add_glob(argv[1], "conformance/*/*.msr");
	CHECK(nprogs > 100, "only %u programs found under %s", nprogs, argv[1]);
	for (unsigned i = 0; i < nprogs; i++) {
		progs[i].fresh = run_fresh(&progs[i], f);
		CHECK(progs[i].fresh, "%s: the fresh run failed", progs[i].path);
	}
	/* the fuzzers' pool (one reset in 64 proven), then one proving every reset */
	run_pooled(&sampled, f, 1);
	run_pooled(&proven, f, 2);
	vm_pool_destroy(&sampled);
	vm_pool_destroy(&proven);
	return unit_summary("determinism");
}
