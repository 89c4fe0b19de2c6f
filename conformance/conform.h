/* conform.h - the conformance suite: named cases (programs and C), their context and helpers. */
#ifndef MSREXIT_CONFORM_H
#define MSREXIT_CONFORM_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

#include "facts.h"
#include "kvm.h"
#include "program.h"
#include "requirements.h"
#include "vm.h"

enum case_result {
	CASE_PASS,
	CASE_FAIL,
	CASE_SKIP,
};

struct case_ctx {
	const struct kernel_facts *facts;
	struct kvm_sys *sys;
	const void *arg; /* the case's own argument (conform_case.arg) */
	bool failed;
	char skip_reason[256];
	char *diag; /* "# " lines, appended by case_diag */
	size_t diag_len, diag_cap;
};

struct conform_case {
	const char *name; /* topic.name */
	const char *spec; /* docs/spec.md section(s), e.g. "3" */
	const char *desc; /* one line */
	int (*fn)(struct case_ctx *c);
	const void *arg; /* for one function serving several cases (programs: their metadata) */
};

/* The program cases, embedded at build time from conformance/<topic>/<name>.msr. */
struct conform_program {
	const char *path; /* <topic>/<name>.msr */
	const char *text;
};
extern const struct conform_program conform_programs[];
extern const unsigned conform_programs_len;

/* C cases, one array per topic file; each ends with a zeroed entry. */
extern const struct conform_case capability_cases[];
extern const struct conform_case filter_ioctl_cases[];
extern const struct conform_case host_cases[];
extern const struct conform_case matrix_cases[];
extern const struct conform_case vcpu_cases[];
extern const struct conform_case lifecycle_cases[];
extern const struct conform_case implicit_cases[];

/* A "# " diagnostic line for this case (KTAP and JUnit show them). */
void case_diag(struct case_ctx *c, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* Marks the case failed with a diagnostic; returns CASE_FAIL. */
int case_fail(struct case_ctx *c, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* Marks the case skipped with its reason; returns CASE_SKIP. */
int case_skip(struct case_ctx *c, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/*
 * Whether this kernel meets r (requirements.h); if not, marks the case
 * skipped with the requirement's reason. if (!case_needs(c, R)) return CASE_SKIP;
 */
bool case_needs(struct case_ctx *c, enum requirement r);

/* Check with the values printed: records a failure and goes on. */
#define CASE_EXPECT(c, cond, fmt, ...)                                                             \
	do {                                                                                       \
		if (!(cond))                                                                       \
			case_fail(c, "%s:%d: %s: " fmt, __FILE__, __LINE__, #cond, ##__VA_ARGS__); \
	} while (0)

/*
 * Runs a program (struct or text) against the oracle; mismatches become
 * diagnostics and fail the case. Returns the number of mismatches, or -1 if
 * it could not run (the case is failed then too).
 */
int case_run(struct case_ctx *c, const struct program *p);
int case_run_text(struct case_ctx *c, const char *text);
/* On a VM the case made; setup_done: the case applied the program's mask/filter itself. */
int case_run_on(struct case_ctx *c, struct vm *vm, const struct program *p, bool setup_done);

/* What one case came to, as the runner reports it. */
struct case_outcome {
	int result; /* enum case_result */
	char skip[256];
	char *diag; /* "# " lines */
	double secs;
};

/* Case result for the runner: the ctx state after the case function. */
int case_finish(struct case_ctx *c, int ret);

/*
 * Runs one case in a process of its own, so a crash or a hang is that case's
 * failure only; so is a plain KVM call that fails (kvm.h): its message
 * becomes the case's failure diagnostic.
 */
void conform_run_case(const struct conform_case *cc, const struct kernel_facts *f,
		      struct case_outcome *oc);

/* A case process started and not yet reaped: its pipe and what came through it so far. */
struct case_job {
	pid_t pid;
	int fd;
	char *out;
	size_t len, cap;
	double t0;
};

/* Starts cc in its own process; 0, or -1 (pipe or fork failed). */
int case_job_start(struct case_job *j, const struct conform_case *cc, const struct kernel_facts *f);
/* One read of the case's pipe (blocking unless poll said it is readable); 1 at its end. */
int case_job_read(struct case_job *j);
/* Reaps the case and says what it came to. */
void case_job_finish(struct case_job *j, struct case_outcome *oc);

/*
 * Runs cases[sel[k]], jobs at a time, into outcomes[k], printing KTAP in k
 * order as results come; the kernel is checked after each case ends.
 * SIGINT/SIGTERM end it early; returns how many did not run.
 */
int conform_run_all(const struct conform_case *cases, const int *sel, int nsel,
		    const struct kernel_facts *f, int jobs, struct case_outcome *outcomes,
		    int counts[3]);

int conform_main(int argc, char **argv);

#endif
