/* cmd_campaign.c - `msrexit campaign`: a time-boxed fuzzing campaign on a workdir (AFL++ or libFuzzer), resumable, with a report. */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include "campaign.h"
#include "commands.h"
#include "kvm.h"

static const char campaign_usage[] =
    "usage: msrexit campaign --time DURATION --workdir DIR [--jobs N]\n"
    "                        [--engine afl|libfuzzer] [--fuzzer PATH] [--seeds DIR]\n"
    "                        [--dict FILE] [--minimize-time DURATION]\n"
    "                        [--sync none|device|full]\n\n"
    "Fuzzes for DURATION with N workers on this machine's /dev/kvm: AFL++ (one -M main\n"
    "and N-1 -S secondaries on the sync dir DIR/afl) or libFuzzer (-fork=N, corpus in\n"
    "DIR/libfuzzer/corpus), from the build's seeds with its dictionary. A progress\n"
    "line shows execs/s, corpus, feedback, findings and the time left; Ctrl-C stops\n"
    "early and still writes the report. Run it again on the same DIR to resume.\n\n"
    "Each crash file gets its signature (from the target's log, or replayed), one\n"
    "finding per signature; each finding is minimized with the engine's tool\n"
    "(afl-tmin, -minimize_crash) keeping its signature, then with msrexit minimize\n"
    "to a text program. DIR/report.txt and DIR/report.html (plots, findings table)\n"
    "sum it up over every session on DIR.\n\n"
    "Every fuzzing process keeps the input it is about to run in DIR/current/, on\n"
    "the disk before it runs (the kernel log names the place): if the machine dies,\n"
    "the next campaign on DIR reports that input as a suspect (DIR/suspects/).\n\n"
    "  --time DURATION    e.g. 90, 30s, 20m, 8h, 1h30m; 0 only finishes what is\n"
    "                     pending (triage, minimization) and writes the report\n"
    "  --workdir DIR      the campaign's directory (made if needed)\n"
    "  --jobs N           workers (default 1)\n"
    "  --engine E         afl or libfuzzer (default: the workdir's, else AFL++ where\n"
    "                     its target is built, else libFuzzer)\n"
    "  --fuzzer PATH      the target: build-afl/fuzz/msrexit-afl (ci/build.sh afl) or\n"
    "                     build-fuzz/fuzz/msrexit-fuzz (ci/build.sh fuzz); default:\n"
    "                     found next to this msrexit or in the checkout\n"
    "  --seeds DIR        seed inputs (default: seeds/ next to the target)\n"
    "  --dict FILE        dictionary (default: msrexit.dict next to the target)\n"
    "  --minimize-time D  per finding, for each minimizer (default 60s)\n"
    "  --sync MODE        how each input reaches the disk before it runs: device\n"
    "                     (default: written out, survives the kernel dying), full\n"
    "                     (fdatasync: survives a power cut, much slower), none\n\n"
    "exit status: 0 no finding, 1 findings or suspects in the report, 2 bad input or\n"
    "environment (no target: the message says how to build it), 4 no KVM, 130\n"
    "(143) stopped by SIGINT (SIGTERM), after the report\n";

volatile sig_atomic_t campaign_interrupts, campaign_signal;

static void on_signal(int sig)
{
	campaign_signal = sig;
	campaign_interrupts++;
}

static int parse_time_option(const char *opt, const char *s, double *out)
{
	double v = parse_duration(s);

	if (v < 0) {
		fprintf(
		    stderr,
		    "msrexit campaign: %s takes a duration (90, 30s, 20m, 8h, 1h30m), not '%s'\n",
		    opt, s);
		return -1;
	}
	*out = v;
	return 0;
}

static int parse_engine(const char *s, enum engine *e)
{
	if (!strcmp(s, "afl") || !strcmp(s, "afl++"))
		*e = ENGINE_AFL;
	else if (!strcmp(s, "libfuzzer"))
		*e = ENGINE_LIBFUZZER;
	else {
		fprintf(stderr, "msrexit campaign: --engine is afl or libfuzzer, not '%s'\n", s);
		return -1;
	}
	return 0;
}

static int parse_value(struct campaign_opts *o, int c, const char *arg)
{
	unsigned long v;
	int s;

	switch (c) {
	case 't':
		return parse_time_option("--time", arg, &o->seconds);
	case 'm':
		return parse_time_option("--minimize-time", arg, &o->minimize_seconds);
	case 'j':
		if (parse_uint_option("campaign", "--jobs", arg, 1, CAMPAIGN_MAX_JOBS, &v))
			return -1;
		o->jobs = (unsigned)v;
		return 0;
	case 'e':
		return parse_engine(arg, &o->engine);
	case 's':
		s = current_input_sync_parse(arg);
		if (s < 0) {
			fprintf(stderr,
				"msrexit campaign: --sync is none, device or full, not '%s'\n",
				arg);
			return -1;
		}
		o->sync = (enum current_input_sync)s;
		return 0;
	}
	return -1;
}

static int parse_opts(int argc, char **argv, struct campaign_opts *o)
{
	static const struct option longopts[] = {
		{ "time", required_argument, NULL, 't' },
		{ "workdir", required_argument, NULL, 'w' },
		{ "jobs", required_argument, NULL, 'j' },
		{ "engine", required_argument, NULL, 'e' },
		{ "fuzzer", required_argument, NULL, 'f' },
		{ "seeds", required_argument, NULL, 'S' },
		{ "dict", required_argument, NULL, 'd' },
		{ "minimize-time", required_argument, NULL, 'm' },
		{ "sync", required_argument, NULL, 's' },
		{ 0 },
	};
	bool have_time = false;
	int c;

	*o = (struct campaign_opts){ .jobs = 1,
				     .minimize_seconds = 60,
				     .sync = CURRENT_INPUT_SYNC_DEVICE };
	optind = 1;
	while ((c = getopt_long(argc, argv, ":", longopts, NULL)) != -1) {
		if (c == 'w' || c == 'f' || c == 'S' || c == 'd') {
			const char **dst = c == 'w' ? &o->workdir :
					   c == 'f' ? &o->fuzzer :
					   c == 'S' ? &o->seeds :
						      &o->dict;
			*dst = optarg;
		} else if (c == '?' || c == ':') {
			option_error("campaign", c, argv, campaign_usage);
			return -1;
		} else if (parse_value(o, c, optarg)) {
			return -1;
		}
		have_time |= c == 't';
	}
	if (optind < argc || !have_time || !o->workdir) {
		fprintf(stderr, "msrexit campaign: %s\n\n%s",
			optind < argc ? "unexpected argument" : "--time and --workdir are needed",
			campaign_usage);
		return -1;
	}
	return 0;
}

/* The workdir, made and locked: two campaigns on one workdir would mix their counters. */
static int open_workdir(struct campaign *c)
{
	char lock[PATH_MAX];
	int fd;

	if (mkdir_p(c->o.workdir) || real_path(c->o.workdir, c->dir)) {
		fprintf(stderr, "msrexit campaign: cannot make %s: %s\n", c->o.workdir,
			strerror(errno));
		return -1;
	}
	snprintf(lock, sizeof(lock), "%s/campaign.lock", c->dir);
	fd = open(lock, O_RDWR | O_CREAT | O_CLOEXEC, 0644);
	if (fd < 0) {
		fprintf(stderr, "msrexit campaign: %s is no workdir: cannot make %s: %s\n",
			c->o.workdir, lock, strerror(errno));
		return -1;
	}
	if (flock(fd, LOCK_EX | LOCK_NB)) {
		fprintf(stderr, "msrexit campaign: another campaign runs on %s\n", c->dir);
		return -1;
	}
	return 0; /* the lock lasts as long as this process */
}

static int setup(struct campaign *c)
{
	ssize_t n = readlink("/proc/self/exe", c->self, sizeof(c->self) - 1);

	c->self[n > 0 ? n : 0] = '\0';
	c->engine = c->o.engine;
	c->statsd_fd = -1;
	if (open_workdir(c) || state_load(c))
		return EXIT_BAD_INPUT;
	/* with nothing to fuzz and no engine yet, there is nothing to replay either */
	if ((c->o.seconds > 0 || c->engine != ENGINE_NONE || c->o.fuzzer) && locate_fuzzer(c)) {
		if (c->o.seconds > 0)
			return EXIT_BAD_INPUT;
		fprintf(stderr, "msrexit campaign: without the target, crash files are neither "
				"replayed nor minimized\n");
		c->fuzzer[0] = '\0';
	}
	if (c->o.seconds > 0 && access("/dev/kvm", R_OK | W_OK)) {
		fprintf(stderr, "msrexit campaign: SKIP: /dev/kvm is absent or not usable (%s)\n",
			strerror(errno));
		return EXIT_NO_KVM;
	}
	return 0;
}

static void say_start(const struct campaign *c)
{
	char d[32];

	format_duration(c->o.seconds, d, sizeof(d));
	fprintf(stderr, "msrexit campaign: %s with %s, %u worker%s, on %s (session %u)\n", d,
		engine_name(c->engine), c->o.jobs, c->o.jobs == 1 ? "" : "s", c->dir, c->nsessions);
	fprintf(stderr, "  target %s\n  seeds %s, dictionary %s, max_len %u\n", c->fuzzer, c->seeds,
		c->dict, c->max_len);
}

static void fuzz(struct campaign *c)
{
	if (c->engine == ENGINE_AFL)
		open_statsd(c);
	say_start(c);
	if (start_workers(c)) {
		c->end_reason = "the workers could not start";
		return;
	}
	monitor(c);
	stop_workers(c, 10);
	for (unsigned i = 0; i < c->nworkers && c->ended_early; i++)
		fprintf(stderr, "msrexit campaign: %s ended before the time was up: see %s\n",
			c->w[i].name, c->w[i].log);
	read_engine_stats(c);
}

static int verdict(const struct campaign *c)
{
	if (campaign_interrupts)
		return 128 + (campaign_signal ? campaign_signal : SIGINT);
	return c->nf || c->suspects ? EXIT_MISMATCH : EXIT_OK;
}

static void say_end(const struct campaign *c)
{
	fprintf(
	    stderr,
	    "msrexit campaign: %u finding%s, %u suspect%s; report: %s/report.txt, %s/report.html\n",
	    c->nf, c->nf == 1 ? "" : "s", c->suspects, c->suspects == 1 ? "" : "s", c->dir, c->dir);
}

int cmd_campaign(int argc, char **argv)
{
	static struct campaign c;
	struct sigaction sa = { .sa_handler = on_signal };
	int st;

	if (wants_help(argc, argv, campaign_usage))
		return EXIT_OK;
	if (parse_opts(argc, argv, &c.o))
		return EXIT_BAD_INPUT;
	st = setup(&c);
	if (st)
		return st;
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	clock_gettime(CLOCK_MONOTONIC, &c.t0);
	if (state_begin(&c))
		return EXIT_BAD_INPUT;
	load_findings(&c);
	if (c.o.seconds > 0) {
		fuzz(&c);
		append_sample(&c);
	}
	triage(&c, campaign_interrupts ? 20 : CAMPAIGN_REPLAYS_AT_END);
	minimize_findings(&c);
	state_end(&c);
	if (write_reports(&c)) {
		fprintf(stderr, "msrexit campaign: cannot write the report in %s\n", c.dir);
		return EXIT_BAD_INPUT;
	}
	say_end(&c);
	return verdict(&c);
}
