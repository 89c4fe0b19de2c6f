/* cmd_repro.c - `msrexit repro`: replay one input with its whole trace, kernel log and signature; or write it as C. */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/utsname.h>

#include "commands.h"
#include "emit_c.h"
#include "facts_probe.h"
#include "finding.h"
#include "health.h"
#include "kvm.h"

static const char repro_usage[] =
    "usage: msrexit repro [--runs N] [--reuse] [--timeout MS] [--binary|--text] FILE\n"
    "       msrexit repro --emit-c FILE [-o OUT.c]\n\n"
    "Replays one input - a text or binary program, a libFuzzer crash-* file, an AFL++\n"
    "crashes/id:* file - on this machine's /dev/kvm and prints the whole trace (each\n"
    "operation, its exit, our reply, the guest's result, and what the oracle allows),\n"
    "every kernel log line written meanwhile, the mismatches and the finding's\n"
    "signature.\n\n"
    "  --runs N        replay N times (default 1), each on a fresh VM, and say how often\n"
    "                  it reproduced\n"
    "  --reuse         also replay N times on one VM reset between runs (vm_reset, each\n"
    "                  reset proven clean), after a warm-up run, as the fuzzers run\n"
    "                  inputs; says whether fresh and reused VMs differ, and which cause\n"
    "                  is likelier: our reset or KVM\n"
    "  --emit-c        write a standalone C reproducer instead (libc and the kernel's\n"
    "                  UAPI headers only): it runs the program, checks what the oracle\n"
    "                  expects on this kernel, exits 1 when the finding reproduces, 0\n"
    "                  when not, 4 without /dev/kvm. Build: cc -Wall -Werror\n"
    "  -o OUT.c        where --emit-c writes (default: standard output)\n"
    "  --timeout MS    watchdog per guest batch (default 2000)\n" PROGRAM_KIND_HELP "\n"
    "exit status: 0 did not reproduce (or --emit-c wrote the file), 1 reproduced in\n"
    "at least one run, 2 bad input or environment, 4 no KVM\n";

struct repro_opts {
	unsigned runs, timeout_ms;
	int reuse, emit;
	const char *out;
	enum prog_file_kind kind;
};

static int parse_opts(int argc, char **argv, struct repro_opts *o)
{
	static const struct option longopts[] = {
		{ "runs", required_argument, NULL, 'n' },
		{ "reuse", no_argument, NULL, 'r' },
		{ "emit-c", no_argument, NULL, 'c' },
		{ "timeout", required_argument, NULL, 't' },
		PROGRAM_KIND_OPTIONS,
		{ 0 },
	};
	unsigned long v;
	int c;

	o->runs = 1;
	o->timeout_ms = 2000;
	optind = 1;
	while ((c = getopt_long(argc, argv, ":o:", longopts, NULL)) != -1) {
		switch (c) {
		case 'n':
			if (parse_uint_option("repro", "--runs", optarg, 1, 10000, &v))
				return -1;
			o->runs = (unsigned)v;
			break;
		case 't':
			if (parse_uint_option("repro", "--timeout", optarg, 1, 600000, &v))
				return -1;
			o->timeout_ms = (unsigned)v;
			break;
		case 'r':
			o->reuse = 1;
			break;
		case 'c':
			o->emit = 1;
			break;
		case 'o':
			o->out = optarg;
			break;
		case 'B':
		case 'T':
			if (set_program_kind("repro", c, &o->kind))
				return -1;
			break;
		default:
			option_error("repro", c, argv, repro_usage);
			return -1;
		}
	}
	if (optind + 1 != argc) {
		fprintf(stderr, "msrexit repro: give exactly one input file\n\n%s", repro_usage);
		return -1;
	}
	if (o->out && !o->emit) {
		fprintf(stderr, "msrexit repro: -o is for --emit-c\n");
		return -1;
	}
	return optind;
}

static int write_c(const struct input *in, const struct repro_opts *o)
{
	const struct kernel_facts *f;
	const char *base = strrchr(in->path, '/');
	FILE *out = stdout;
	int st;

	f = facts_get(&st);
	if (!f) {
		fprintf(stderr, "msrexit repro: %s\n", kvm_last_error());
		return st;
	}
	if (o->out && strcmp(o->out, "-")) {
		out = fopen(o->out, "w");
		if (!out) {
			perror(o->out);
			return EXIT_BAD_INPUT;
		}
	}
	st = emit_c(out, base ? base + 1 : in->path, &in->p, f);
	if (out != stdout && fclose(out) && !st) {
		perror(o->out);
		st = EXIT_BAD_INPUT;
	}
	if (!st && out != stdout)
		fprintf(stderr, "msrexit repro: wrote %s (cc -Wall -Werror -o repro %s)\n", o->out,
			o->out);
	return st;
}

/* ---- replays ---- */

#define MAX_SIGS 8

struct tally {
	unsigned runs, reproduced, resets_remade;
	unsigned nsig;
	struct {
		char sig[FUZZ_SIG_MAX];
		unsigned count;
	} sig[MAX_SIGS];
};

static void tally_add(struct tally *t, const char *sig)
{
	unsigned i;

	t->runs++;
	t->reproduced += sig[0] != 0;
	for (i = 0; i < t->nsig; i++)
		if (!strcmp(t->sig[i].sig, sig))
			break;
	if (i == t->nsig && t->nsig < MAX_SIGS)
		snprintf(t->sig[t->nsig++].sig, sizeof(t->sig[0].sig), "%s", sig);
	if (i < t->nsig)
		t->sig[i].count++;
}

static bool tally_has(const struct tally *t, const char *sig)
{
	for (unsigned i = 0; i < t->nsig; i++)
		if (!strcmp(t->sig[i].sig, sig))
			return true;
	return false;
}

static void tally_print(const struct tally *t, const char *where)
{
	printf("%s: reproduced in %u of %u run%s", where, t->reproduced, t->runs,
	       t->runs == 1 ? "" : "s");
	for (unsigned i = 0; i < t->nsig; i++)
		printf("%s%s x%u", i ? ", " : " (", t->sig[i].sig[0] ? t->sig[i].sig : "ok",
		       t->sig[i].count);
	printf(")\n");
}

struct replay {
	const struct input *in;
	const struct repro_opts *o;
	const struct kernel_facts *f;
	struct health h;
	struct kmsg k;
	struct vm_pool pool;
	struct run_result r;
	struct tally shown; /* the signatures whose trace was printed */
};

static void print_run(struct replay *rp, const char *title)
{
	const struct run_result *r = &rp->r;
	char sig[FUZZ_SIG_MAX];

	printf("\n%s: each step, what happened [what the oracle allows]\n", title);
	trace_print(&rp->in->p, &r->t, &r->e, stdout);
	for (unsigned i = 0; i < NOTE_COUNT; i++)
		if (r->e.notes & (1u << i))
			printf("  expectation: %s\n", expected_note(i));
	if (r->reset_note[0])
		printf("  note: the reused VM was made anew first: %s\n", r->reset_note);
	printf("kernel log during this run:\n");
	if (rp->k.fd < 0)
		printf("  (not readable here: /dev/kmsg needs root)\n");
	else if (!kmsg_print_new(&rp->k, stdout, "  "))
		printf("  (nothing)\n");
	if (r->mismatches || r->unhealthy)
		run_print_mismatches(rp->in->path, &rp->in->p, r, stdout);
	print_known(&rp->in->p, r, rp->f, stdout);
	run_signature(&rp->in->p, r, rp->f, sig);
	printf("signature: %s\n", sig[0] ? sig : "none: the kernel did what the oracle expects");
}

/* One run; prints its trace when asked or when its signature is new. Returns an EXIT_* status. */
static int replay_one(struct replay *rp, bool reused, bool show, struct tally *t, const char *title)
{
	char sig[FUZZ_SIG_MAX];
	int st;

	st = reused ? run_program_reused(&rp->pool, &rp->in->p, rp->f, &rp->h, rp->o->timeout_ms,
					 &rp->r) :
		      run_program(&rp->in->p, rp->f, &rp->h, rp->o->timeout_ms, &rp->r);
	if (st != EXIT_OK && st != EXIT_MISMATCH) {
		fprintf(stderr, "%s: cannot run: %s\n", rp->in->path, kvm_last_error());
		return st;
	}
	run_signature(&rp->in->p, &rp->r, rp->f, sig);
	if (t) {
		show = show || !tally_has(&rp->shown, sig);
		t->resets_remade += rp->r.reset_note[0] != 0;
		tally_add(t, sig);
	}
	if (show) {
		tally_add(&rp->shown, sig);
		print_run(rp, title);
	} else {
		kmsg_print_new(&rp->k, stdout, "  kernel log: ");
	}
	return EXIT_OK;
}

static int replay_fresh(struct replay *rp, struct tally *t)
{
	char title[64];
	int st = EXIT_OK;

	for (unsigned i = 0; i < rp->o->runs && !st; i++) {
		snprintf(title, sizeof(title), "run %u of %u, on a fresh VM", i + 1, rp->o->runs);
		st = replay_one(rp, false, i == 0, t, title);
	}
	return st;
}

static int replay_reused(struct replay *rp, struct tally *t)
{
	char title[80];
	int st;

	rp->pool.check = true;
	st = replay_one(rp, true, false, NULL, "warm-up");
	for (unsigned i = 0; i < rp->o->runs && !st; i++) {
		snprintf(title, sizeof(title), "reused-VM run %u of %u (after a reset)", i + 1,
			 rp->o->runs);
		st = replay_one(rp, true, false, t, title);
	}
	vm_pool_destroy(&rp->pool);
	return st;
}

/* Fresh and reused VMs disagree: say which cause is likelier, from what the reset proved. */
static void explain_difference(const struct tally *fresh, const struct tally *reused)
{
	bool fresh_only = fresh->reproduced && !reused->reproduced;

	printf("fresh and reused VMs differ: %s\n",
	       fresh_only ? "the finding needs a fresh VM" : "the finding needs a used VM");
	if (reused->resets_remade) {
		printf("likelier cause: our reset. %u reset%s could not be proven clean and the VM "
		       "was made anew (harness/kvm/vm_reset.c): state the reset misses decides\n",
		       reused->resets_remade, reused->resets_remade == 1 ? "" : "s");
		return;
	}
	printf("likelier cause: KVM. Every reset was proven clean: registers, MSRs, local APIC, "
	       "events, debug registers, XCRs, mask and filter read back equal to a fresh VM's,\n"
	       "so what differs is state the KVM API does not show: %s\n",
	       fresh_only ?
		   "something KVM sets up on a VM's or vCPU's first use (first KVM_RUN, first "
		   "filter) and keeps" :
		   "something a previous run left inside KVM that no ioctl reads or resets (an "
		   "emulator or MMU context, a completion callback)");
}

static void print_header(const struct input *in, const struct kernel_facts *f)
{
	static char text[65536];
	struct utsname u;

	uname(&u);
	printf("input: %s (%s, %zu bytes: %u step%s)\n", in->path, in->origin, in->size,
	       in->p.nsteps, in->p.nsteps == 1 ? "" : "s");
	printf("kernel: %s, backend %s\n", u.release, facts_backend_text(f));
	if (program_format(&in->p, text, sizeof(text)) >= 0) {
		printf("program:\n");
		for (char *l = strtok(text, "\n"); l; l = strtok(NULL, "\n"))
			printf("    %s\n", l);
	}
}

static int replay(const struct input *in, const struct repro_opts *o)
{
	static struct replay rp;
	struct tally fresh = { 0 }, reused = { 0 };
	int st;

	memset(&rp, 0, sizeof(rp));
	rp.in = in;
	rp.o = o;
	rp.f = facts_get(&st);
	if (!rp.f) {
		fprintf(stderr, "msrexit repro: %s\n", kvm_last_error());
		return st;
	}
	print_header(in, rp.f);
	health_begin(&rp.h);
	kmsg_open(&rp.k);
	st = replay_fresh(&rp, &fresh);
	if (!st && o->reuse)
		st = replay_reused(&rp, &reused);
	health_end(&rp.h);
	kmsg_close(&rp.k);
	if (st)
		return st;
	printf("\n");
	tally_print(&fresh, "fresh VMs");
	if (o->reuse) {
		tally_print(&reused, "one reused VM");
		if (!fresh.reproduced != !reused.reproduced)
			explain_difference(&fresh, &reused);
		else
			printf("fresh and reused VMs agree\n");
	}
	return fresh.reproduced || reused.reproduced ? EXIT_MISMATCH : EXIT_OK;
}

int cmd_repro(int argc, char **argv)
{
	static struct input in;
	struct repro_opts o = { 0 };
	int first;

	if (wants_help(argc, argv, repro_usage))
		return 0;
	first = parse_opts(argc, argv, &o);
	if (first < 0)
		return EXIT_BAD_INPUT;
	if (input_load("repro", argv[first], o.kind, &in))
		return EXIT_BAD_INPUT;
	return o.emit ? write_c(&in, &o) : replay(&in, &o);
}
