/* cmd_minimize.c - `msrexit minimize`: shrink a failing program while it keeps its signature, write it as commented text. */
#include <errno.h>
#include <getopt.h>
#include <libgen.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/utsname.h>
#include <unistd.h>

#include "commands.h"
#include "facts_probe.h"
#include "finding.h"
#include "health.h"
#include "kvm.h"
#include "minimize.h"
#include "msr_table.h"
#include "trace_text.h"

static const char minimize_usage[] =
    "usage: msrexit minimize [--timeout MS] [--binary|--text] FILE -o OUT.msr\n\n"
    "Shrinks a failing input (any kind msrexit repro reads) at the level of the\n"
    "program: drops steps, filters, ranges and host MSR entries, and simplifies\n"
    "values, indices, replies and options toward canonical ones, keeping every\n"
    "change after which a run on a fresh VM still fails with the same signature.\n"
    "Writes the result as a text program with a comment on each step (what the\n"
    "oracle expects, and what differed), and prints the sizes before and after.\n"
    "Progress goes to standard error.\n\n"
    "  -o OUT.msr      where to write the minimized program\n"
    "  --timeout MS    watchdog per guest batch (default 2000)\n" PROGRAM_KIND_HELP "\n"
    "exit status: 0 written, 2 bad input (or the input does not fail here: nothing\n"
    "to minimize), 4 no KVM\n";

struct mini_opts {
	const char *out;
	unsigned timeout_ms;
	enum prog_file_kind kind;
};

static int parse_opts(int argc, char **argv, struct mini_opts *o)
{
	static const struct option longopts[] = {
		{ "timeout", required_argument, NULL, 't' },
		PROGRAM_KIND_OPTIONS,
		{ 0 },
	};
	unsigned long v;
	int c;

	o->timeout_ms = 2000;
	optind = 1;
	while ((c = getopt_long(argc, argv, ":o:", longopts, NULL)) != -1) {
		switch (c) {
		case 'o':
			o->out = optarg;
			break;
		case 't':
			if (parse_uint_option("minimize", "--timeout", optarg, 1, 600000, &v))
				return -1;
			o->timeout_ms = (unsigned)v;
			break;
		case 'B':
		case 'T':
			if (set_program_kind("minimize", c, &o->kind))
				return -1;
			break;
		default:
			option_error("minimize", c, argv, minimize_usage);
			return -1;
		}
	}
	if (optind + 1 != argc || !o->out) {
		fprintf(stderr, "msrexit minimize: give one input file and -o OUT.msr\n\n%s",
			minimize_usage);
		return -1;
	}
	return optind;
}

/* ---- the oracle of minimization: does a candidate still fail the same way? ---- */

struct judge {
	const struct kernel_facts *f;
	struct health h;
	unsigned timeout_ms;
	char target[FUZZ_SIG_MAX];
	unsigned runs;
	struct run_result r;
	bool tty;
};

/* Candidates are kept only if they are valid programs: their text parses back. */
static bool valid(const struct program *p)
{
	static char text[65536];
	static struct program back;
	struct parse_error err;

	return program_format(p, text, sizeof(text)) >= 0 &&
	       program_parse(text, "candidate", &back, &err) == 0;
}

static bool same_failure(void *ctx, const struct program *p)
{
	struct judge *j = ctx;
	char sig[FUZZ_SIG_MAX];
	int st;

	if (!valid(p))
		return false;
	j->runs++;
	st = run_program(p, j->f, &j->h, j->timeout_ms, &j->r);
	if (j->tty)
		fprintf(stderr, "\rminimize: %u runs, now %u steps   ", j->runs, p->nsteps);
	if (st != EXIT_OK && st != EXIT_MISMATCH)
		return false;
	return !strcmp(run_signature(p, &j->r, j->f, sig), j->target);
}

/* An MSR's value right after VM creation: what written values are simplified toward. */
static uint64_t initial_value(void *ctx, uint32_t index, unsigned vcpu)
{
	struct judge *j = ctx;
	int pos = msr_table_pos(index);

	return pos >= 0 && vcpu < PROG_MAX_VCPUS ? j->f->msr[pos].initial[vcpu] : 0;
}

static void progress(void *ctx, const char *pass, const struct program *p)
{
	struct judge *j = ctx;
	struct program_size s;

	program_size(p, &s);
	fprintf(stderr, "%sminimize: %-22s %u steps, %u filters, %u ranges, %u entries (%u runs)\n",
		j->tty ? "\r" : "", pass, s.steps, s.filters, s.ranges, s.entries, j->runs);
}

/* ---- the commented text ---- */

static void step_comment(FILE *out, const struct program *p, int i, const struct run_result *r)
{
	const struct step *s = &p->steps[i];
	char a[64], b[64];

	if (step_is_guest(s->kind) && r->e.g[i].nalt) {
		const struct guest_alt *x = &r->e.g[i].alt[0];

		fprintf(out, "expected: %s%s%s", x->exit ? tt_alt_exit_text(x, a, sizeof(a)) : "",
			x->exit ? " -> " : "", tt_alt_result_text(x, b, sizeof(b)));
		if (r->e.g[i].nalt > 1)
			fprintf(out, " (or %u more)", r->e.g[i].nalt - 1);
	} else if (!step_is_guest(s->kind)) {
		fprintf(out, "expected: ret %s",
			r->e.h[i].ret_any ?
			    "*" :
			    tt_host_ret_text(r->e.h[i].ret, r->e.h[i].err, a, sizeof(a)));
	}
	for (unsigned k = 0; k < r->v.n; k++)
		if (r->v.m[k].step == i)
			fprintf(out, "; differs: %s: expected %s, got %s", r->v.m[k].field,
				r->v.m[k].expected, r->v.m[k].observed);
}

/* Said before a minimization that can take minutes, not after it. */
static int check_out_path(const char *path)
{
	char dir[4096];
	struct stat st;

	snprintf(dir, sizeof(dir), "%s", path);
	if (!stat(path, &st) && S_ISDIR(st.st_mode)) {
		fprintf(stderr, "msrexit minimize: -o %s is a directory\n", path);
		return EXIT_BAD_INPUT;
	}
	if (access(dirname(dir), W_OK)) {
		fprintf(stderr, "msrexit minimize: -o %s: cannot write in %s: %s\n", path, dir,
			strerror(errno));
		return EXIT_BAD_INPUT;
	}
	return 0;
}

/* Written beside OUT and renamed over it: an interrupted or failed write leaves no half file. */
static int write_program(const char *path, const struct input *in, const struct program *p,
			 const struct judge *j)
{
	static char text[65536];
	char tmp[4200];
	struct utsname u;
	struct stat st;
	FILE *out;
	char *line;
	int first;

	if (program_format(p, text, sizeof(text)) < 0)
		return EXIT_BAD_INPUT;
	/* a device (/dev/stdout) is written in place: never renamed over */
	if (!stat(path, &st) && !S_ISREG(st.st_mode))
		snprintf(tmp, sizeof(tmp), "%s", path);
	else
		snprintf(tmp, sizeof(tmp), "%s.tmp%d", path, (int)getpid());
	out = fopen(tmp, "w");
	if (!out) {
		perror(tmp);
		return EXIT_BAD_INPUT;
	}
	uname(&u);
	fprintf(out, "# Minimized by `msrexit minimize` from %s (%u steps -> %u, %u runs).\n",
		in->path, in->p.nsteps, p->nsteps, j->runs);
	fprintf(out, "# Signature: %s\n# Seen on kernel %s, backend %s. Replay: msrexit repro %s\n",
		j->target, u.release, facts_backend_text(j->f), path);
	for (unsigned k = 0; k < j->r.v.n; k++)
		if (j->r.v.m[k].step < 0)
			fprintf(out, "# set-up: %s: expected %s, got %s\n", j->r.v.m[k].field,
				j->r.v.m[k].expected, j->r.v.m[k].observed);
	if (j->r.unhealthy)
		fprintf(out, "# kernel health: %s\n", j->r.health);
	/* program_format prints the steps last, one line each */
	first = -(int)p->nsteps;
	for (const char *c = text; *c; c++)
		first += *c == '\n';
	line = strtok(text, "\n");
	for (int n = 0; line; n++, line = strtok(NULL, "\n")) {
		if (n >= first) {
			fprintf(out, "%-38s # op %d: ", line, n - first);
			step_comment(out, p, n - first, &j->r);
			fprintf(out, "\n");
		} else {
			fprintf(out, "%s\n", line);
		}
	}
	if (fclose(out) || (strcmp(tmp, path) && rename(tmp, path))) {
		perror(path);
		if (strcmp(tmp, path))
			unlink(tmp);
		return EXIT_BAD_INPUT;
	}
	return EXIT_OK;
}

static void print_sizes(const struct program *before, const struct program *after)
{
	struct program_size a, b;

	program_size(before, &a);
	program_size(after, &b);
	printf("size: %u steps, %u filters, %u ranges, %u host MSR entries, %u bytes as text\n"
	       "  ->  %u steps, %u filters, %u ranges, %u host MSR entries, %u bytes as text\n",
	       a.steps, a.filters, a.ranges, a.entries, a.text_bytes, b.steps, b.filters, b.ranges,
	       b.entries, b.text_bytes);
}

static int minimize_input(const struct input *in, const struct mini_opts *o)
{
	static struct judge j;
	static struct program p;
	struct minimize_ops ops = { &j, same_failure, progress, initial_value };
	int st;

	memset(&j, 0, sizeof(j));
	j.timeout_ms = o->timeout_ms;
	j.tty = isatty(2);
	j.f = facts_get(&st);
	if (!j.f) {
		fprintf(stderr, "msrexit minimize: %s\n", kvm_last_error());
		return st;
	}
	health_begin(&j.h);
	st = run_program(&in->p, j.f, &j.h, j.timeout_ms, &j.r);
	j.runs++;
	if (st != EXIT_OK && st != EXIT_MISMATCH) {
		fprintf(stderr, "%s: cannot run: %s\n", in->path, kvm_last_error());
		health_end(&j.h);
		return st;
	}
	if (!run_signature(&in->p, &j.r, j.f, j.target)[0]) {
		fprintf(stderr,
			"msrexit minimize: %s does not fail here (the run was ok): nothing "
			"to minimize\n",
			in->path);
		health_end(&j.h);
		return EXIT_BAD_INPUT;
	}
	printf("signature: %s\n", j.target);
	p = in->p;
	minimize_program(&p, &ops);
	/* the result runs once more: it must still fail, and its trace makes the comments */
	if (!same_failure(&j, &p)) {
		fprintf(stderr,
			"msrexit minimize: the minimized program no longer fails as %s "
			"(a flaky finding?); writing the input's program instead\n",
			j.target);
		p = in->p;
		same_failure(&j, &p);
	}
	health_end(&j.h);
	if (j.tty)
		fprintf(stderr, "\n");
	st = write_program(o->out, in, &p, &j);
	if (st)
		return st;
	print_sizes(&in->p, &p);
	printf("wrote %s (%u runs)\n", o->out, j.runs);
	return EXIT_OK;
}

int cmd_minimize(int argc, char **argv)
{
	static struct input in;
	struct mini_opts o = { 0 };
	int first;

	if (wants_help(argc, argv, minimize_usage))
		return 0;
	first = parse_opts(argc, argv, &o);
	if (first < 0)
		return EXIT_BAD_INPUT;
	if (input_load("minimize", argv[first], o.kind, &in) || check_out_path(o.out))
		return EXIT_BAD_INPUT;
	return minimize_input(&in, &o);
}
