/* test_conform_signals.c - no case process outlives `msrexit conform`; Ctrl-C and kill end it with a summary. */
#define _GNU_SOURCE
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "unit.h"

static const char *bin;
static const char *jobs[2]; /* "-j", "N": conform runs several cases at once */

struct runner {
	pid_t pid; /* `msrexit conform`, leading its own process group */
	int out; /* its stdout */
};

static char junit[64]; /* the runs' --junit FILE */

/* `MSREXIT_INJECT=hang msrexit conform -t reasons.*`: every case loops until its watchdog. */
static struct runner start(void)
{
	struct runner r = { -1, -1 };
	int pfd[2];

	if (pipe(pfd))
		return r;
	r.pid = fork();
	if (r.pid == 0) {
		setpgid(0, 0);
		dup2(pfd[1], 1);
		close(pfd[0]);
		close(pfd[1]);
		setenv("MSREXIT_INJECT", "hang", 1);
		execl(bin, bin, "conform", "-t", "reasons.*", "--junit", junit, jobs[0], jobs[1],
		      (char *)NULL);
		_exit(127);
	}
	setpgid(r.pid, r.pid); /* here too: the group exists before anyone signals it */
	close(pfd[1]);
	r.out = pfd[0];
	return r;
}

static pid_t parent_of(const char *pid)
{
	char path[300], buf[512], *p;
	ssize_t n;
	int fd;

	snprintf(path, sizeof(path), "/proc/%s/stat", pid);
	fd = open(path, O_RDONLY);
	if (fd < 0)
		return -1;
	n = read(fd, buf, sizeof(buf) - 1);
	close(fd);
	if (n <= 0)
		return -1;
	buf[n] = 0;
	p = strrchr(buf, ')'); /* after the command name, which may hold anything */
	return p ? (pid_t)strtol(p + 3, NULL, 10) : -1; /* ") S PPID" */
}

/* The children of parent (at most max) into pids; how many. */
static int children_of(pid_t parent, pid_t *pids, int max)
{
	struct dirent *d;
	int n = 0;
	DIR *dir = opendir("/proc");

	while (dir && n < max && (d = readdir(dir)))
		if (d->d_name[0] >= '1' && d->d_name[0] <= '9' && parent_of(d->d_name) == parent)
			pids[n++] = (pid_t)strtol(d->d_name, NULL, 10);
	if (dir)
		closedir(dir);
	return n;
}

static pid_t child_of(pid_t parent)
{
	pid_t found = 0;

	children_of(parent, &found, 1);
	return found;
}

/* Waits (no time limit but ctest's) for the runner to start a case process; 0 if it exited. */
static pid_t wait_for_case(pid_t runner)
{
	const struct timespec tick = { 0, 10 * 1000 * 1000 };
	siginfo_t si = { 0 };
	pid_t c;

	while (!(c = child_of(runner)) &&
	       !waitid(P_PID, runner, &si, WEXITED | WNOHANG | WNOWAIT) && !si.si_pid)
		nanosleep(&tick, NULL);
	return c;
}

static char *read_all(int fd)
{
	static char buf[1 << 16];
	size_t len = 0;
	ssize_t n;

	while (len < sizeof(buf) - 1 && (n = read(fd, buf + len, sizeof(buf) - 1 - len)) > 0)
		len += (size_t)n;
	buf[len] = 0;
	close(fd);
	return buf;
}

/* However the run ended, its JUnit file is a whole XML document (not empty, not cut short). */
static void junit_whole(const char *what, const char *want)
{
	int fd = open(junit, O_RDONLY);
	const char *xml = fd >= 0 ? read_all(fd) : "";
	const char *end = "</testsuites>\n";
	size_t n = strlen(xml);

	CHECK(!strncmp(xml, "<?xml ", 6) && n > strlen(end) &&
		  !strcmp(xml + n - strlen(end), end) && strstr(xml, want),
	      "%s: the JUnit file is no whole document with '%s':\n%s", what, want, xml);
}

/* Every process of the run has been reaped: as subreaper, orphans would be ours. */
static void nothing_left(const char *what)
{
	pid_t left = waitpid(-1, NULL, WNOHANG);

	CHECK(left < 0 && errno == ECHILD, "%s: a process of the run was left: pid %d", what,
	      (int)left);
}

/* SIGKILL the runner: the case process it had running dies too, killed. */
static void killed_runner(void)
{
	struct runner r = start();
	pid_t c[64];
	int n, st = 0;

	CHECK(wait_for_case(r.pid) > 0, "SIGKILL: no case process appeared");
	/* with -j N, N of them: the hanging cases outnumber it */
	while ((n = children_of(r.pid, c, 64)) < (jobs[1] ? atoi(jobs[1]) : 1))
		nanosleep(&(struct timespec){ 0, 10 * 1000 * 1000 }, NULL);
	for (int i = 0; i < n; i++)
		kill(c[i], SIGSTOP); /* it cannot end on its own meanwhile */
	kill(r.pid, SIGKILL);
	waitpid(r.pid, NULL, 0);
	for (int i = 0; i < n; i++) {
		kill(c[i], SIGCONT); /* left alive, it would now run on and exit */
		CHECK(waitpid(c[i], &st, 0) == c[i] && WIFSIGNALED(st) && WTERMSIG(st) == SIGKILL,
		      "SIGKILL: the case process outlived the runner (wait status 0x%x)", st);
	}
	close(r.out);
	nothing_left("SIGKILL");
	junit_whole("SIGKILL", "the run did not finish");
}

/* SIGINT to the group (Ctrl-C) or SIGTERM to the runner alone (kill): a summary, then 128+sig. */
static void stopped_run(int sig, bool to_group, const char *name)
{
	struct runner r = start();
	pid_t c = wait_for_case(r.pid);
	char want[96];
	const char *out;
	int st = 0;

	CHECK(c > 0, "%s: no case process appeared", name);
	kill(to_group ? -r.pid : r.pid, sig);
	out = read_all(r.out);
	waitpid(r.pid, &st, 0);
	CHECK(WIFEXITED(st) && WEXITSTATUS(st) == 128 + sig, "%s: wait status 0x%x", name, st);
	CHECK(strstr(out, "\n# Totals: pass:"), "%s: no totals in:\n%s", name, out);
	snprintf(want, sizeof(want), "\n# interrupted by %s: ", name);
	CHECK(strstr(out, want), "%s: no '%s' in:\n%s", name, want + 1, out);
	snprintf(want, sizeof(want), "# SKIP not run: the run was interrupted by %s\n", name);
	CHECK(strstr(out, want), "%s: the cases not run are not reported:\n%s", name, out);
	nothing_left(name);
	junit_whole(name, "not run: the run was interrupted by");
}

int main(int argc, char **argv)
{
	if (argc != 2 && !(argc == 4 && !strcmp(argv[2], "-j"))) {
		fprintf(stderr, "usage: test_conform_signals MSREXIT [-j N]\n");
		return 2;
	}
	bin = argv[1];
	if (argc == 4) {
		jobs[0] = argv[2];
		jobs[1] = argv[3];
	}
	if (access("/dev/kvm", F_OK)) {
		printf("SKIP: /dev/kvm is absent: integration tests need KVM\n");
		return 4;
	}
	snprintf(junit, sizeof(junit), "/tmp/msrexit-signals-%d.xml", (int)getpid());
	CHECK(!prctl(PR_SET_CHILD_SUBREAPER, 1), "PR_SET_CHILD_SUBREAPER: %s", strerror(errno));
	killed_runner();
	stopped_run(SIGINT, true, "SIGINT");
	stopped_run(SIGTERM, false, "SIGTERM");
	unlink(junit);
	return unit_summary("conform_signals");
}
