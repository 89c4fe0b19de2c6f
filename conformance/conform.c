/* conform.c - `msrexit conform`: selects cases, runs each in its own process, prints KTAP and JUnit. */
#include <errno.h>
#include <fnmatch.h>
#include <getopt.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "case_process.h"
#include "conform.h"
#include "facts_probe.h"
#include "health.h"
#include "junit.h"
#include "requirements.h"

#define MAX_CASES 512
#define MAX_GLOBS 16
#define CASE_TIMEOUT_S 60

static const char conform_usage[] =
    "usage: msrexit conform [--list] [-t GLOB]... [-j N] [--junit FILE]\n\n"
    "Runs the named conformance cases against this machine's /dev/kvm and prints\n"
    "KTAP version 1. Each case checks one rule of docs/spec.md; a case that cannot run\n"
    "here is a SKIP that says why.\n\n"
    "  --list        print each case with its docs/spec.md section and description\n"
    "  -t GLOB       run only cases whose name matches GLOB (repeatable)\n"
    "  -j N          run N cases at once (default 1); KTAP keeps the case order. A\n"
    "                kernel log finding goes to the case that ended first after it,\n"
    "                naming the cases that ran alongside: -j 1 tells which it was\n"
    "  --junit FILE  also write JUnit XML to FILE\n\n"
    "exit status: 0 nothing failed (skips allowed), 1 a case failed, 2 usage or\n"
    "environment error, 4 /dev/kvm or the capability is absent, 130 (143)\n"
    "interrupted by SIGINT (SIGTERM): what ran is reported, the rest as not run\n";

struct opts {
	bool list;
	int jobs; /* cases run at once */
	const char *junit;
	const char *globs[MAX_GLOBS];
	int nglobs;
};

/* Program cases carry their metadata in comments: "# spec: N", "# requires: X", description. */
struct program_meta {
	char name[128], spec[32], desc[256], requires[128];
	const char *text;
};

static struct program_meta metas[MAX_CASES];

static void meta_field(const char *line, size_t len, char *out, size_t size)
{
	while (len && (*line == ' ' || *line == '\t')) {
		line++;
		len--;
	}
	snprintf(out, size, "%.*s", (int)len, line);
}

static void parse_meta(const struct conform_program *cp, struct program_meta *m)
{
	const char *s = cp->text;
	const char *slash = strchr(cp->path, '/');

	m->text = cp->text;
	snprintf(m->name, sizeof(m->name), "%.*s.%s", (int)(slash ? slash - cp->path : 0), cp->path,
		 slash ? slash + 1 : cp->path);
	m->name[strlen(m->name) - 4] = 0; /* ".msr" */
	while (*s) {
		size_t len = strcspn(s, "\n");

		if (*s == '#') {
			const char *l = s + 1;
			size_t ll = len - 1;

			while (ll && *l == ' ') {
				l++;
				ll--;
			}
			if (ll > 5 && !strncmp(l, "spec:", 5))
				meta_field(l + 5, ll - 5, m->spec, sizeof(m->spec));
			else if (ll > 9 && !strncmp(l, "requires:", 9))
				meta_field(l + 9, ll - 9, m->requires, sizeof(m->requires));
			else if (!m->desc[0])
				meta_field(l, ll, m->desc, sizeof(m->desc));
		}
		s += len + (s[len] == '\n');
	}
}

static int program_case_fn(struct case_ctx *c);

static int collect(struct conform_case *cases)
{
	const struct conform_case *groups[] = { capability_cases, filter_ioctl_cases,
						host_cases,	  matrix_cases,
						vcpu_cases,	  lifecycle_cases,
						implicit_cases };
	int n = 0;

	for (unsigned i = 0; i < conform_programs_len && n < MAX_CASES; i++, n++) {
		parse_meta(&conform_programs[i], &metas[n]);
		cases[n] = (struct conform_case){ metas[n].name, metas[n].spec, metas[n].desc,
						  program_case_fn, &metas[n] };
	}
	for (unsigned g = 0; g < sizeof(groups) / sizeof(groups[0]); g++)
		for (const struct conform_case *cc = groups[g]; cc->name && n < MAX_CASES; cc++)
			cases[n++] = *cc;
	return n;
}

static bool selected(const struct opts *o, const char *name)
{
	if (!o->nglobs)
		return true;
	for (int i = 0; i < o->nglobs; i++)
		if (!fnmatch(o->globs[i], name, 0))
			return true;
	return false;
}

/* The tokens a `# requires:` line may use, "a, b, c", in table order. */
static const char *requirement_tokens(void)
{
	static char list[256];
	size_t len = 0;

	for (int r = REQ_NONE + 1; r < REQ_COUNT && len < sizeof(list); r++)
		len += snprintf(list + len, sizeof(list) - len, "%s%s", len ? ", " : "",
				requirement_table[r].token);
	return list;
}

/* A program case: its metadata (case_ctx.arg) says what it requires and holds its text. */
static int program_case_fn(struct case_ctx *c)
{
	const struct program_meta *m = c->arg;
	const char *bad;
	const char *why = requirements_unmet(c->facts, m->requires, &bad);

	if (bad) /* a typo fails the case: a skip would hide it */
		return case_fail(c, "'# requires: %s' has a token this suite does not know (%s)",
				 m->requires, requirement_tokens());
	if (why)
		return case_skip(c, "%s", why);
	case_run_text(c, m->text);
	return CASE_PASS;
}

/* Child side: send "result\nskip reason\ndiag..." up the pipe; the case process ends. */
static void __attribute__((noreturn)) send_outcome(struct case_ctx *c, int ret, int fd)
{
	int r = case_finish(c, ret);
	FILE *out = fdopen(fd, "w");

	if (!out)
		_exit(3);
	fprintf(out, "%d\n%s\n%s", r, c->skip_reason, c->diag ? c->diag : "");
	fclose(out);
	_exit(0);
}

/* The case this process runs, and its pipe: for a failed plain KVM call to end it. */
static struct case_ctx *child_case;
static int child_fd;

/* A plain harness call failed (kvm.h): its message is the case's failure, and the case ends. */
static void end_case_on_kvm_failure(const char *msg)
{
	static pthread_mutex_t ending = PTHREAD_MUTEX_INITIALIZER;

	pthread_mutex_lock(&ending); /* a second thread failing meanwhile waits for the exit */
	case_fail(child_case, "%s", msg);
	send_outcome(child_case, CASE_FAIL, child_fd);
}

static void run_child(const struct conform_case *cc, const struct kernel_facts *f, int fd)
{
	struct case_ctx c = { .facts = f, .sys = kvm_sys_get(NULL), .arg = cc->arg };

	child_case = &c;
	child_fd = fd;
	kvm_set_fail_hook(end_case_on_kvm_failure);
	send_outcome(&c, cc->fn(&c), fd);
}

static double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

static void parse_child(const char *buf, struct case_outcome *oc)
{
	const char *nl1 = strchr(buf, '\n');
	const char *nl2 = nl1 ? strchr(nl1 + 1, '\n') : NULL;

	oc->result = atoi(buf);
	if (nl1 && nl2) {
		snprintf(oc->skip, sizeof(oc->skip), "%.*s", (int)(nl2 - nl1 - 1), nl1 + 1);
		oc->diag = strdup(nl2 + 1);
	}
}

int case_job_start(struct case_job *j, const struct conform_case *cc, const struct kernel_facts *f)
{
	int pfd[2];

	memset(j, 0, sizeof(*j));
	j->t0 = now();
	fflush(stdout);
	if (pipe(pfd))
		return -1;
	j->pid = case_process_fork();
	if (j->pid < 0) {
		close(pfd[0]);
		close(pfd[1]);
		return -1;
	}
	if (j->pid == 0) {
		close(pfd[0]);
		alarm(CASE_TIMEOUT_S);
		run_child(cc, f, pfd[1]);
	}
	close(pfd[1]);
	j->fd = pfd[0];
	return 0;
}

int case_job_read(struct case_job *j)
{
	ssize_t n;

	if (j->cap - j->len < 2) {
		size_t cap = j->cap ? j->cap * 2 : 4096;
		char *b = realloc(j->out, cap);

		if (!b)
			return 1; /* what came so far is the outcome */
		j->out = b;
		j->cap = cap;
	}
	n = read(j->fd, j->out + j->len, j->cap - j->len - 1);
	if (n < 0 && errno == EINTR)
		return 0;
	if (n <= 0)
		return 1;
	j->len += (size_t)n;
	return 0;
}

void case_job_finish(struct case_job *j, struct case_outcome *oc)
{
	int status = 0;

	memset(oc, 0, sizeof(*oc));
	oc->result = CASE_FAIL;
	if (j->out)
		j->out[j->len] = 0;
	close(j->fd);
	case_process_wait(j->pid, &status);
	oc->secs = now() - j->t0;
	if (WIFEXITED(status) && WEXITSTATUS(status) == 0 && j->out && *j->out) {
		parse_child(j->out, oc);
	} else if (case_stop_signal()) {
		oc->result = CASE_SKIP;
		snprintf(oc->skip, sizeof(oc->skip), "interrupted by %s while it ran",
			 case_stop_name(case_stop_signal()));
	} else {
		char msg[160];

		if (WIFSIGNALED(status))
			snprintf(msg, sizeof(msg), "# the case died with signal %d%s\n",
				 WTERMSIG(status),
				 WTERMSIG(status) == SIGALRM ? " (timed out after 60 s)" : "");
		else
			snprintf(msg, sizeof(msg), "# the case exited with status %d\n",
				 WEXITSTATUS(status));
		oc->diag = strdup(msg);
	}
	free(j->out);
	j->out = NULL;
}

void conform_run_case(const struct conform_case *cc, const struct kernel_facts *f,
		      struct case_outcome *oc)
{
	struct case_job j;

	if (case_job_start(&j, cc, f)) {
		memset(oc, 0, sizeof(*oc));
		oc->result = CASE_FAIL;
		oc->diag = strdup("# cannot start the case: pipe/fork failed\n");
		return;
	}
	while (!case_job_read(&j))
		;
	case_job_finish(&j, oc);
}

static int parse_jobs(const char *arg, int *jobs)
{
	char *end;
	long n = strtol(arg, &end, 10);

	if (*arg && !*end && n >= 1 && n <= CASE_PROCESS_MAX) {
		*jobs = (int)n;
		return 0;
	}
	fprintf(stderr, "msrexit conform: -j wants a number of cases from 1 to %d, not '%s'\n",
		CASE_PROCESS_MAX, arg);
	return -1;
}

/* 0: run; 1: --help was printed; -1: a usage error, said on stderr. */
static int parse_opts(int argc, char **argv, struct opts *o)
{
	static const struct option longopts[] = {
		{ "list", no_argument, NULL, 'l' },
		{ "junit", required_argument, NULL, 'J' },
		{ "help", no_argument, NULL, 'h' },
		{ 0 },
	};
	int ch;

	optind = 1;
	while ((ch = getopt_long(argc, argv, "t:j:h", longopts, NULL)) != -1) {
		switch (ch) {
		case 'j':
			if (parse_jobs(optarg, &o->jobs))
				return -1;
			break;
		case 'l':
			o->list = true;
			break;
		case 'J':
			o->junit = optarg;
			break;
		case 't':
			if (o->nglobs == MAX_GLOBS) {
				fprintf(stderr, "msrexit conform: at most %d -t options\n",
					MAX_GLOBS);
				return -1;
			}
			o->globs[o->nglobs++] = optarg;
			break;
		case 'h':
			fputs(conform_usage, stdout);
			return 1; /* the caller returns, so a failed write is seen */
		default:
			fputs(conform_usage, stderr);
			return -1;
		}
	}
	if (optind != argc) {
		fprintf(stderr, "msrexit conform: unexpected argument '%s'\n\n%s", argv[optind],
			conform_usage);
		return -1;
	}
	return 0;
}

static void print_list(const struct conform_case *cases, int n, const struct opts *o)
{
	for (int i = 0; i < n; i++)
		if (selected(o, cases[i].name))
			printf("%-48s §%-6s %s\n", cases[i].name, cases[i].spec, cases[i].desc);
}

/* No KVM: the plan is empty, and the JUnit file says every case was skipped, and why. */
static int skip_all(FILE *junit, const struct conform_case *cases, const int *sel, int nsel,
		    struct case_outcome *outcomes, int status)
{
	printf("KTAP version 1\n1..0 # SKIP %s\n", kvm_last_error());
	for (int k = 0; k < nsel; k++) {
		outcomes[k].result = CASE_SKIP;
		snprintf(outcomes[k].skip, sizeof(outcomes[k].skip), "%s", kvm_last_error());
	}
	if (junit && junit_write(junit, cases, sel, nsel, outcomes, 0))
		return EXIT_BAD_INPUT;
	return status;
}

int conform_main(int argc, char **argv)
{
	static struct conform_case cases[MAX_CASES];
	static struct case_outcome outcomes[MAX_CASES];
	int sel[MAX_CASES], n, nsel = 0, counts[3] = { 0 }, st, skipped;
	const struct kernel_facts *f;
	struct opts o = { .jobs = 1 };
	FILE *junit = NULL;
	double t0 = now();

	st = parse_opts(argc, argv, &o);
	if (st)
		return st < 0 ? EXIT_BAD_INPUT : EXIT_OK;
	n = collect(cases);
	for (int i = 0; i < n; i++)
		if (selected(&o, cases[i].name))
			sel[nsel++] = i;
	if (!nsel) {
		fprintf(stderr, "msrexit conform: no case matches the -t patterns\n");
		return EXIT_BAD_INPUT;
	}
	if (o.list) {
		print_list(cases, n, &o);
		return 0;
	}
	if (o.junit && !(junit = junit_open(o.junit)))
		return EXIT_BAD_INPUT; /* before running anything: a bad path is found at once */
	if (case_stop_install()) {
		fprintf(stderr, "msrexit conform: sigaction(SIGINT, SIGTERM): %s\n",
			strerror(errno));
		return EXIT_BAD_INPUT;
	}
	f = facts_get(&st);
	if (!f)
		return skip_all(junit, cases, sel, nsel, outcomes, st);
	printf("KTAP version 1\n# msrexit conform: kernel %u.%u, ignore_msrs=%s, "
	       "force_emulation_prefix=%d, %u-bit canonical addresses\n1..%d\n",
	       f->kver_major, f->kver_minor, facts_ignore_msrs_text(f), f->force_emulation_prefix,
	       f->va_bits, nsel);
	skipped = conform_run_all(cases, sel, nsel, f, o.jobs, outcomes, counts);
	printf("# Totals: pass:%d fail:%d xfail:0 xpass:0 skip:%d error:0\n", counts[CASE_PASS],
	       counts[CASE_FAIL], counts[CASE_SKIP]);
	printf("# %d passed, %d failed, %d skipped in %.2f s\n", counts[CASE_PASS],
	       counts[CASE_FAIL], counts[CASE_SKIP], now() - t0);
	if (case_stop_signal())
		printf("# interrupted by %s: %d of %d cases not run\n",
		       case_stop_name(case_stop_signal()), skipped, nsel);
	if (junit && junit_write(junit, cases, sel, nsel, outcomes, now() - t0))
		return EXIT_BAD_INPUT;
	if (case_stop_signal())
		return 128 + case_stop_signal(); /* as a shell reports a process the signal ended */
	return counts[CASE_FAIL] ? EXIT_MISMATCH : EXIT_OK;
}
