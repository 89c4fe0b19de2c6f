/* conform_jobs.c - runs the selected cases N at a time, each in its own process, reporting them in order. */
#include <errno.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "case_process.h"
#include "conform.h"
#include "health.h"

struct jobs {
	const struct conform_case *cases;
	const int *sel;
	struct case_outcome *outcomes;
	struct case_job job[CASE_PROCESS_MAX];
	int k[CASE_PROCESS_MAX]; /* the outcome index of each running job */
	int nrunning;
	bool *done;
};

static void add_health_finding(struct case_outcome *oc, const char *report)
{
	size_t len = oc->diag ? strlen(oc->diag) : 0;
	char *d = realloc(oc->diag, len + strlen(report) + 32);

	if (d) {
		sprintf(d + len, "# kernel health: %s\n", report);
		oc->diag = d;
	}
	oc->result = CASE_FAIL;
}

static void print_result(int num, const struct conform_case *cc, const struct case_outcome *oc)
{
	if (oc->diag && *oc->diag)
		fputs(oc->diag, stdout);
	if (oc->result == CASE_SKIP)
		printf("ok %d %s # SKIP %s\n", num, cc->name, oc->skip);
	else
		printf("%s %d %s\n", oc->result == CASE_PASS ? "ok" : "not ok", num, cc->name);
	fflush(stdout);
}

/* A case the run stopped before: a skip that says so, in KTAP and JUnit alike. */
static void not_run(struct case_outcome *oc)
{
	memset(oc, 0, sizeof(*oc));
	oc->result = CASE_SKIP;
	snprintf(oc->skip, sizeof(oc->skip), "not run: the run was interrupted by %s",
		 case_stop_name(case_stop_signal()));
}

static void start(struct jobs *js, int k, const struct kernel_facts *f)
{
	struct case_outcome *oc = &js->outcomes[k];

	if (case_job_start(&js->job[js->nrunning], &js->cases[js->sel[k]], f)) {
		memset(oc, 0, sizeof(*oc));
		oc->result = CASE_FAIL;
		oc->diag = strdup("# cannot start the case: pipe/fork failed\n");
		js->done[k] = true;
		return;
	}
	js->k[js->nrunning++] = k;
}

/* With other cases running, a kernel log finding may be theirs: the report names them. */
static void name_alongside(const struct jobs *js, char *report, size_t size)
{
	size_t len = strlen(report);

	for (int i = 0; i < js->nrunning && len + 1 < size; i++)
		len += snprintf(report + len, size - len, "%s%s",
				i ? ", " : " (ran alongside: ", js->cases[js->sel[js->k[i]]].name);
	if (js->nrunning && len + 1 < size)
		snprintf(report + len, size - len, ")");
}

/* Job i ended: its outcome, the kernel checked, its slot given to the last job. */
static void finish(struct jobs *js, int i, struct health *h, bool last)
{
	int k = js->k[i];
	struct case_outcome *oc = &js->outcomes[k];
	char report[1024];
	bool bad;

	case_job_finish(&js->job[i], oc);
	js->job[i] = js->job[--js->nrunning];
	js->k[i] = js->k[js->nrunning];
	/* the last case run also answers for a WARN from teardown after it */
	bad = last || case_stop_signal() ? health_final_check(h, report, sizeof(report)) :
					   health_check(h, report, sizeof(report));
	if (bad) {
		name_alongside(js, report, sizeof(report));
		add_health_finding(oc, report);
	}
	js->done[k] = true;
}

/* Waits for some running case to send or end, and finishes those that ended. */
static void collect(struct jobs *js, struct health *h, bool none_left)
{
	struct pollfd pfd[CASE_PROCESS_MAX];
	int n = js->nrunning;

	if (n <= 0 || n > CASE_PROCESS_MAX)
		return;
	for (int i = 0; i < n; i++)
		pfd[i] = (struct pollfd){ .fd = js->job[i].fd, .events = POLLIN };
	if (poll(pfd, (nfds_t)n, -1) < 0)
		return; /* EINTR: a stop signal, which killed the cases; poll again */
	for (int i = n - 1; i >= 0; i--) /* from the end: finish() moves the last job into i */
		if (pfd[i].revents && case_job_read(&js->job[i]))
			finish(js, i, h, none_left && js->nrunning == 1);
}

int conform_run_all(const struct conform_case *cases, const int *sel, int nsel,
		    const struct kernel_facts *f, int jobs, struct case_outcome *outcomes,
		    int counts[3])
{
	struct jobs js = { cases, sel, outcomes, .done = calloc(nsel, sizeof(bool)) };
	int next = 0, printed = 0, skipped = 0;
	struct health h;

	if (!js.done)
		return nsel;
	health_begin(&h);
	if (h.kmsg_fd < 0)
		printf("# /dev/kmsg is not readable: kernel log not checked (taint flags are)\n");
	while (printed < nsel) {
		while (next < nsel && js.nrunning < jobs && !case_stop_signal())
			start(&js, next++, f);
		for (; next < nsel && case_stop_signal(); next++, skipped++) {
			not_run(&outcomes[next]);
			js.done[next] = true;
		}
		if (js.nrunning)
			collect(&js, &h, next == nsel);
		for (; printed < nsel && js.done[printed]; printed++) {
			counts[outcomes[printed].result]++;
			print_result(printed + 1, &cases[sel[printed]], &outcomes[printed]);
		}
	}
	health_end(&h);
	free(js.done);
	return skipped;
}
