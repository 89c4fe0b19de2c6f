/* case_process.c - case processes that die with the runner, and SIGINT/SIGTERM ending a run. */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

#include "case_process.h"

static volatile sig_atomic_t stop_signal;
/* the case processes running (conform -j runs several), 0 in a free slot */
static volatile sig_atomic_t running[CASE_PROCESS_MAX];

static void on_stop(int sig)
{
	int e = errno;

	stop_signal = sig;
	for (int i = 0; i < CASE_PROCESS_MAX; i++)
		if (running[i] > 0)
			kill(running[i], SIGKILL);
	errno = e;
}

static void stop_set(sigset_t *s)
{
	sigemptyset(s);
	sigaddset(s, SIGINT);
	sigaddset(s, SIGTERM);
}

int case_stop_install(void)
{
	struct sigaction sa = { .sa_handler = on_stop, .sa_flags = SA_RESTART };

	stop_set(&sa.sa_mask);
	if (sigaction(SIGINT, &sa, NULL) || sigaction(SIGTERM, &sa, NULL))
		return -1;
	return 0;
}

int case_stop_signal(void)
{
	return stop_signal;
}

const char *case_stop_name(int sig)
{
	return sig == SIGINT ? "SIGINT" : sig == SIGTERM ? "SIGTERM" : "a signal";
}

/* Child side, stop signals still blocked: it must not outlive the runner. */
static void become_case(pid_t runner)
{
	struct sigaction dfl = { .sa_handler = SIG_DFL };

	sigemptyset(&dfl.sa_mask);
	if (sigaction(SIGINT, &dfl, NULL) || sigaction(SIGTERM, &dfl, NULL) ||
	    prctl(PR_SET_PDEATHSIG, SIGKILL)) {
		fprintf(stderr, "msrexit conform: case process set-up: %s\n", strerror(errno));
		_exit(3);
	}
	/* the runner died before the request: no death signal will come now */
	if (getppid() != runner)
		raise(SIGKILL);
}

/* The slot holding pid (0: a free one), or -1. */
static int running_slot(pid_t pid)
{
	for (int i = 0; i < CASE_PROCESS_MAX; i++)
		if (running[i] == pid)
			return i;
	return -1;
}

pid_t case_process_fork(void)
{
	sigset_t stops, old;
	pid_t runner = getpid(), pid;
	int slot;

	/* blocked across fork: the handler then always knows which processes to kill */
	stop_set(&stops);
	if (sigprocmask(SIG_BLOCK, &stops, &old))
		return -1;
	slot = running_slot(0);
	if (slot < 0) {
		sigprocmask(SIG_SETMASK, &old, NULL);
		errno = EAGAIN;
		return -1;
	}
	pid = fork();
	if (pid == 0)
		become_case(runner);
	else if (pid > 0)
		running[slot] = pid;
	sigprocmask(SIG_SETMASK, &old, NULL); /* the set the kernel gave: cannot fail */
	return pid;
}

int case_process_wait(pid_t pid, int *status)
{
	sigset_t stops, old;
	siginfo_t si;
	int r, slot;

	/* not reaped yet: until its slot is cleared, its pid cannot name a new process */
	while (waitid(P_PID, pid, &si, WEXITED | WNOWAIT) < 0)
		if (errno != EINTR)
			return -1;
	stop_set(&stops);
	if (sigprocmask(SIG_BLOCK, &stops, &old))
		return -1;
	slot = running_slot(pid);
	if (slot >= 0)
		running[slot] = 0;
	r = waitpid(pid, status, 0);
	sigprocmask(SIG_SETMASK, &old, NULL);
	return r;
}
