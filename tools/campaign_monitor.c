/* campaign_monitor.c - a campaign while it fuzzes: once a second its figures, a sample for the plots, a progress line; new crash files triaged. */
#define _GNU_SOURCE
#include <poll.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "campaign.h"

#define TICK_MS 1000
#define LINE_EVERY_S 10 /* without a terminal, one progress line this often */
#define SAVE_EVERY_S 10 /* the state on disk, in case this process is killed */
#define REPLAYS_PER_TICK 2 /* inputs no target logged, replayed while fuzzing */

static uint64_t total_execs(const struct campaign *c)
{
	return c->prior_execs + c->retired_execs + c->live_execs;
}

void append_sample(struct campaign *c)
{
	char path[PATH_MAX];
	FILE *f;
	bool fresh;

	snprintf(path, sizeof(path), "%s/samples.tsv", c->dir);
	fresh = access(path, F_OK) != 0;
	f = fopen(path, "a");
	if (!f)
		return;
	if (fresh)
		fprintf(
		    f,
		    "# campaign_seconds\twall\texecs\texecs_per_s\tcorpus\tfeedback\tfindings\n");
	fprintf(f, "%.1f\t%lld\t%llu\t%.1f\t%lu\t%lu\t%u\n", campaign_elapsed(c),
		(long long)time(NULL), (unsigned long long)total_execs(c), c->execs_per_s,
		c->corpus, c->feedback, c->nf);
	fclose(f);
}

static void update(struct campaign *c)
{
	double t = campaign_now(c);
	uint64_t execs;

	sweep_current_inputs(c, false);
	read_engine_stats(c);
	execs = total_execs(c);
	if (t > c->last_t + 0.5) {
		c->execs_per_s = (double)(execs - c->last_execs) / (t - c->last_t);
		c->last_t = t;
		c->last_execs = execs;
	}
}

static void progress_line(struct campaign *c, bool tty)
{
	char el[32], left[32], ex[32], eps[32];
	double t = campaign_now(c), rest = c->o.seconds - t;

	format_duration(campaign_elapsed(c), el, sizeof(el));
	format_duration(rest > 0 ? rest : 0, left, sizeof(left));
	format_count((double)total_execs(c), ex, sizeof(ex));
	format_count(c->execs_per_s, eps, sizeof(eps));
	fprintf(stderr,
		"%scampaign %s, %s left | execs %s, %s/s | corpus %lu | feedback %lu | findings %u "
		"(crash files %u)%s",
		tty ? "\r" : "", el, left, ex, eps, c->corpus, c->feedback, c->nf, c->crash_files,
		tty ? "\033[K" : "\n");
}

/* Sleeps up to a tick; woken early by an interrupt. */
static void wait_tick(const struct campaign *c)
{
	struct pollfd p = { .fd = -1 };

	(void)c;
	poll(&p, 0, TICK_MS);
}

void monitor(struct campaign *c)
{
	bool tty = isatty(2);
	double last_line = -LINE_EVERY_S, last_save = 0;

	c->last_t = 0;
	c->last_execs = total_execs(c);
	for (;;) {
		double t;

		wait_tick(c);
		t = campaign_now(c);
		c->fuzz_seconds = t;
		update(c);
		triage(c, REPLAYS_PER_TICK);
		append_sample(c);
		if (tty || t - last_line >= LINE_EVERY_S) {
			progress_line(c, tty);
			last_line = t;
		}
		if (t - last_save >= SAVE_EVERY_S) {
			state_save(c);
			last_save = t;
		}
		if (campaign_interrupts) {
			c->end_reason = campaign_signal == SIGTERM ? "stopped (SIGTERM)" :
								     "interrupted (SIGINT)";
			break;
		}
		if (t >= c->o.seconds) {
			c->end_reason = "time is up";
			break;
		}
		if (!reap_workers(c)) {
			c->end_reason = "every worker ended before the time was up";
			c->ended_early = true;
			break;
		}
	}
	if (tty)
		fputc('\n', stderr);
}
