/* campaign_proc.c - the processes of `msrexit campaign`: each in its own process group, waited for with a time limit. */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "campaign.h"

static void redirect(int target, const char *path, int flags)
{
	int fd = open(path ? path : "/dev/null", flags, 0644);

	if (fd >= 0 && fd != target) {
		dup2(fd, target);
		close(fd);
	}
}

/*
 * In the child: its own group (the terminal's Ctrl-C reaches the campaign only), default signals.
 * A campaign killed outright (SIGKILL, the OOM killer, a CI job's timeout) must not leave its
 * fuzzers running: they would hold the sync dir and refuse the campaign that resumes it.
 */
static void child_setup(const struct spawn *s, pid_t campaign)
{
	prctl(PR_SET_PDEATHSIG, SIGTERM);
	if (getppid() != campaign)
		_exit(127);
	signal(SIGINT, SIG_DFL);
	signal(SIGTERM, SIG_DFL);
	signal(SIGPIPE, SIG_DFL);
	setpgid(0, 0);
	redirect(0, s->in, O_RDONLY);
	redirect(1, s->out, O_WRONLY | O_CREAT | O_APPEND);
	dup2(1, 2);
	for (const char *const *u = s->unset; u && *u; u++)
		unsetenv(*u);
	for (const char *const *e = s->env; e && *e; e++)
		putenv((char *)*e);
}

pid_t spawn_process(const struct spawn *s)
{
	pid_t campaign = getpid(), pid = fork();

	if (pid < 0)
		return -1;
	if (pid == 0) {
		child_setup(s, campaign);
		execvp(s->argv[0], s->argv);
		fprintf(stderr, "msrexit campaign: cannot run %s: %s\n", s->argv[0],
			strerror(errno));
		_exit(127);
	}
	setpgid(pid, pid); /* also here: no window in which a signal to the group misses it */
	return pid;
}

static void nap(double seconds)
{
	struct timespec ts = { (time_t)seconds, (long)((seconds - (time_t)seconds) * 1e9) };

	nanosleep(&ts, NULL);
}

int wait_process(pid_t pid, double seconds, bool *killed)
{
	struct timespec start, now;
	int interrupts = campaign_interrupts, status = 0;

	*killed = false;
	clock_gettime(CLOCK_MONOTONIC, &start);
	for (;;) {
		pid_t r = waitpid(pid, &status, WNOHANG);

		if (r == pid || (r < 0 && errno != EINTR))
			break;
		clock_gettime(CLOCK_MONOTONIC, &now);
		if (now.tv_sec - start.tv_sec + (now.tv_nsec - start.tv_nsec) / 1e9 > seconds ||
		    campaign_interrupts > interrupts) {
			kill(-pid, SIGKILL);
			waitpid(pid, &status, 0);
			*killed = true;
			break;
		}
		nap(0.02);
	}
	kill(-pid, SIGKILL); /* what it left behind in its group */
	return status;
}

int run_process(const struct spawn *s, double seconds, bool *killed)
{
	pid_t pid = spawn_process(s);

	*killed = false;
	if (pid < 0)
		return -1;
	return wait_process(pid, seconds, killed);
}

unsigned reap_workers(struct campaign *c)
{
	unsigned running = 0;

	for (unsigned i = 0; i < c->nworkers; i++) {
		struct worker *w = &c->w[i];

		if (!w->pid)
			continue;
		if (waitpid(w->pid, &w->status, WNOHANG) == w->pid) {
			kill(-w->pid, SIGKILL); /* an engine's children outliving it */
			w->pid = 0;
		} else {
			running++;
		}
	}
	return running;
}

void stop_workers(struct campaign *c, double grace)
{
	double until = campaign_now(c) + grace;

	/*
	 * afl-fuzz alone: it stops its target itself, which SIGINT would kill
	 * first, a crash to AFL++. libFuzzer's -fork parent waits in system()
	 * for a job, ignoring SIGINT: the job has it too.
	 */
	for (unsigned i = 0; i < c->nworkers; i++)
		if (c->w[i].pid)
			kill(c->engine == ENGINE_AFL ? c->w[i].pid : -c->w[i].pid, SIGINT);
	while (reap_workers(c) && campaign_now(c) < until)
		nap(0.05);
	for (unsigned i = 0; i < c->nworkers; i++) {
		struct worker *w = &c->w[i];

		if (!w->pid)
			continue;
		kill(-w->pid, SIGKILL);
		waitpid(w->pid, &w->status, 0);
		w->pid = 0;
	}
}
