/* case_process.h - case processes that die with the runner, and SIGINT/SIGTERM ending a run. */
#ifndef MSREXIT_CASE_PROCESS_H
#define MSREXIT_CASE_PROCESS_H

#include <sys/types.h>

/*
 * SIGINT and SIGTERM stop the run instead of the process: the running case's
 * process is killed, and the runner, seeing case_stop_signal(), reports what
 * ran. Returns 0, or -1 with errno from sigaction.
 */
int case_stop_install(void);
/* 0 while the run goes on; then the signal that stopped it. */
int case_stop_signal(void);
/* "SIGINT" or "SIGTERM". */
const char *case_stop_name(int sig);

/* How many case processes may run at once (conform -j). */
#define CASE_PROCESS_MAX 64

/*
 * fork() for a case: the child dies with this process (SIGKILL, also if this
 * process died before the child could ask for that) and takes the default
 * SIGINT/SIGTERM; the parent knows it as a running case until
 * case_process_wait() reaped it (a stop signal kills every running case).
 * Both return as fork() and waitpid() do; fork fails with EAGAIN when
 * CASE_PROCESS_MAX cases run.
 */
pid_t case_process_fork(void);
int case_process_wait(pid_t pid, int *status);

#endif
