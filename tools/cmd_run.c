/* cmd_run.c - `msrexit run`: run programs on /dev/kvm, compare with the oracle, report. */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "commands.h"
#include "facts_probe.h"
#include "health.h"
#include "known.h"
#include "kvm.h"
#include "runner.h"

static const char run_usage[] =
    "usage: msrexit run [-v] [-q] [--reuse] [--known-facts] [--timeout MS] [--binary|--text]\n"
    "                   FILE...\n\n"
    "Runs each program (text .msr or binary) on this machine's /dev/kvm, predicts\n"
    "every exit and guest-visible result with the oracle, and prints 'ok' or each\n"
    "mismatch as 'FILE:LINE: op N: field: expected X, got Y [signature]'. The kernel\n"
    "log and taint flags are checked around every program.\n\n"
    "  -v, --verbose   print the whole trace of each program\n"
    "  -q, --quiet     print only mismatches\n"
    "  --reuse         run every program on one VM, reset between programs as the\n"
    "                  fuzzers do, and prove each reset clean\n"
    "  --known-facts   judge as msrexit-fuzz does: a program whose every mismatch a\n"
    "                  known fact of this platform explains (fuzz/known.c: F1-F5,\n"
    "                  WRMSRNS on kvm_pvm, TCG's own WRMSR) prints 'FILE: known: NAME'\n"
    "                  and passes; a kernel health finding still fails\n"
    "  --timeout MS    watchdog per guest batch (default 2000)\n" PROGRAM_KIND_HELP "\n"
    "exit status: 0 all ok, 1 a mismatch or kernel health finding, 2 bad input or\n"
    "environment, 4 no KVM (or the capability is missing)\n";

struct run_opts {
	int verbose, quiet, reuse, known_facts;
	unsigned timeout_ms;
	enum prog_file_kind kind;
};

static int parse_opts(int argc, char **argv, struct run_opts *o)
{
	static const struct option longopts[] = {
		{ "verbose", no_argument, NULL, 'v' },
		{ "quiet", no_argument, NULL, 'q' },
		{ "timeout", required_argument, NULL, 't' },
		{ "reuse", no_argument, NULL, 'r' },
		{ "known-facts", no_argument, NULL, 'k' },
		PROGRAM_KIND_OPTIONS,
		{ 0 },
	};
	unsigned long ms;
	int c;

	o->timeout_ms = 2000;
	optind = 1;
	while ((c = getopt_long(argc, argv, ":vqt:", longopts, NULL)) != -1) {
		switch (c) {
		case 'v':
			o->verbose = 1;
			break;
		case 'q':
			o->quiet = 1;
			break;
		case 'r':
			o->reuse = 1;
			break;
		case 'k':
			o->known_facts = 1;
			break;
		case 'B':
		case 'T':
			if (set_program_kind("run", c, &o->kind))
				return -1;
			break;
		case 't':
			if (parse_uint_option("run", "--timeout", optarg, 1, 600000, &ms))
				return -1;
			o->timeout_ms = (unsigned)ms;
			break;
		default:
			option_error("run", c, argv, run_usage);
			return -1;
		}
	}
	if (optind >= argc) {
		fprintf(stderr, "msrexit run: no program files given\n\n%s", run_usage);
		return -1;
	}
	return optind;
}

static struct vm_pool pool = { .check = true };

static const char *plural(unsigned n)
{
	return n == 1 ? "" : "s";
}

/* The ok line names what it counts: KVM_RUN also returns for batch ends and signals. */
static void print_ok(const char *path, const struct program *p, const struct trace *t)
{
	unsigned msr_exits = 0;

	for (int k = 0; k < p->nsteps; k++)
		msr_exits += t->g[k].exited;
	printf("%s: ok (%u step%s, %u MSR exit%s, %u KVM_RUN%s)\n", path, p->nsteps,
	       plural(p->nsteps), msr_exits, plural(msr_exits), t->nexits, plural(t->nexits));
}

/* Without KVM nothing runs, yet a bad file still outranks the skip: each is loaded and checked. */
static int load_all(char **paths, int n, const struct run_opts *o)
{
	static struct program p;
	int st = EXIT_OK;

	for (int i = 0; i < n; i++)
		if (load_program_or_say(paths[i], o->kind, &p))
			st = EXIT_BAD_INPUT;
	return st;
}

/*
 * As msrexit-fuzz judges (fuzz/target.c): a run whose every mismatch a known
 * fact explains is no finding; each fact is named once.
 */
static bool all_known(const char *path, const struct program *p, const struct run_result *r,
		      const struct kernel_facts *f)
{
	int why[MAX_MISMATCHES];
	bool said[KNOWN_COUNT] = { false };

	if (r->unhealthy || !r->v.n || known_explain(p, &r->t, &r->v, f, why) >= 0)
		return false;
	for (unsigned i = 0; i < r->v.n; i++) {
		if (said[why[i]])
			continue;
		said[why[i]] = true;
		printf("%s: known: %s (%s)\n", path, known_table[why[i]].name,
		       known_table[why[i]].what);
	}
	return true;
}

static int run_one(const char *path, const struct kernel_facts *f, struct health *h,
		   const struct run_opts *o)
{
	static struct program p;
	static struct run_result r;
	int st;

	if (load_program_or_say(path, o->kind, &p))
		return EXIT_BAD_INPUT;
	st = o->reuse ? run_program_reused(&pool, &p, f, h, o->timeout_ms, &r) :
			run_program(&p, f, h, o->timeout_ms, &r);
	if (st != EXIT_OK && st != EXIT_MISMATCH) {
		fprintf(stderr, "%s: cannot run: %s\n", path, kvm_last_error());
		return st;
	}
	if (o->verbose) {
		trace_print(&p, &r.t, &r.e, stdout);
		for (unsigned i = 0; i < NOTE_COUNT; i++)
			if (r.e.notes & (1u << i))
				printf("  expectation: %s\n", expected_note(i));
	}
	if (r.reset_note[0])
		printf("%s: note: the reused VM was made anew before this program: %s\n", path,
		       r.reset_note);
	if (r.t.setup_filter_err > 0 && !o->quiet)
		printf(
		    "%s: note: the set-up filter was refused (%s): the program ran with no filter\n",
		    path, strerror(r.t.setup_filter_err));
	if (st == EXIT_MISMATCH && o->known_facts && all_known(path, &p, &r, f)) {
		st = EXIT_OK;
	} else if (st == EXIT_OK) {
		if (!o->quiet)
			print_ok(path, &p, &r.t);
	} else {
		run_print_mismatches(path, &p, &r, stdout);
	}
	return st;
}

int cmd_run(int argc, char **argv)
{
	struct run_opts o = { 0 };
	const struct kernel_facts *f;
	struct health h;
	int first, st, worst = EXIT_OK, nfail = 0, nok = 0;

	if (wants_help(argc, argv, run_usage))
		return 0;
	first = parse_opts(argc, argv, &o);
	if (first < 0)
		return EXIT_BAD_INPUT;
	f = facts_get(&st);
	if (!f) {
		fprintf(stderr, "msrexit run: %s\n", kvm_last_error());
		return worse_status(st, load_all(argv + first, argc - first, &o));
	}
	if (f->ignore_msrs && !o.quiet)
		printf("note: kvm.ignore_msrs=Y: unknown MSRs succeed without exits; the oracle "
		       "expects that\n");
	health_begin(&h);
	if (h.kmsg_fd < 0 && !o.quiet)
		printf(
		    "note: /dev/kmsg is not readable: kernel log not checked (taint flags are)\n");
	for (int i = first; i < argc; i++) {
		st = run_one(argv[i], f, &h, &o);
		if (st == EXIT_OK)
			nok++;
		else
			nfail++;
		worst = worse_status(worst, st);
	}
	health_end(&h);
	vm_pool_destroy(&pool);
	if (argc - first > 1 && !o.quiet)
		printf("%d passed, %d failed\n", nok, nfail);
	return worst;
}
