/* campaign.h - `msrexit campaign`: a time-boxed AFL++ or libFuzzer campaign on a workdir, its findings deduplicated and minimized, a report. */
#ifndef MSREXIT_CAMPAIGN_H
#define MSREXIT_CAMPAIGN_H

#include <limits.h>
#include <signal.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <sys/types.h>
#include <time.h>

#include "campaign_hook.h"
#include "signature.h"

/* the workdir and the programs it names: short enough that every path made from them fits PATH_MAX */
#define CAMPAIGN_PATH 1024
#define CAMPAIGN_MAX_JOBS 64
#define CAMPAIGN_MAX_FINDINGS 256
#define CAMPAIGN_MAX_SESSIONS 1024
#define CAMPAIGN_REPLAYS_AT_END 200 /* crash files no target logged, replayed after fuzzing */

enum engine {
	ENGINE_NONE,
	ENGINE_AFL,
	ENGINE_LIBFUZZER,
};

struct campaign_opts {
	double seconds; /* 0: no fuzzing, finish what is pending and report */
	double minimize_seconds; /* per finding, for each minimizer */
	unsigned jobs;
	const char *workdir, *fuzzer, *seeds, *dict;
	enum engine engine;
	enum current_input_sync sync;
};

/* One engine process (AFL++: one afl-fuzz; libFuzzer: the -fork parent), leader of its process group. */
struct worker {
	char name[16];
	pid_t pid; /* 0 once it ended */
	int status;
	char log[PATH_MAX];
	off_t log_read; /* how far the monitor read it */
};

/* One finding: every crash file whose input gives this signature. */
struct finding {
	char sig[FUZZ_SIG_MAX];
	char slug[FUZZ_SIG_MAX]; /* its directory under findings/ */
	char smallest[CAMPAIGN_PATH]; /* the smallest input with it, relative to the workdir */
	size_t smallest_size;
	time_t first_seen; /* the earliest crash file's time */
	unsigned files;
};

/* One start of the campaign on this workdir. */
struct session {
	time_t wall; /* when it started */
	double prior; /* campaign seconds before it */
};

struct campaign {
	struct campaign_opts o;
	char dir[CAMPAIGN_PATH]; /* the workdir, absolute */
	char self[CAMPAIGN_PATH]; /* this msrexit */
	char fuzzer[CAMPAIGN_PATH], seeds[CAMPAIGN_PATH], dict[CAMPAIGN_PATH];
	unsigned max_len;
	enum engine engine;

	/* from campaign.state: every session so far, this one last */
	struct session sessions[CAMPAIGN_MAX_SESSIONS];
	unsigned nsessions;
	double prior_seconds, prior_fuzz_seconds; /* all of it; fuzzing only */
	uint64_t prior_execs;
	unsigned suspects; /* inputs found running when a campaign on this workdir did not end */

	/* this session */
	struct timespec t0;
	struct worker w[CAMPAIGN_MAX_JOBS];
	unsigned nworkers;
	int statsd_fd;
	uint64_t retired_execs, live_execs; /* ended processes, running ones */
	double fuzz_seconds; /* this session's time fuzzing */
	double last_t;
	uint64_t last_execs;
	double execs_per_s;
	unsigned long corpus, feedback;
	const char *end_reason;
	bool ended_early; /* every worker ended before the time was up */
	bool kmsg_written;

	/* findings */
	struct finding f[CAMPAIGN_MAX_FINDINGS];
	unsigned nf;
	unsigned crash_files, untriaged;
	off_t findings_log_read;
};

/* SIGINT/SIGTERM seen: the first stops fuzzing, a second also stops minimizing. */
extern volatile sig_atomic_t campaign_interrupts, campaign_signal;

/* campaign_util.c */
/* "90", "90s", "20m", "8h", "1h30m", "2d": seconds; -1 for anything else. */
double parse_duration(const char *s);
/* 75 -> "1:15", 3725 -> "1:02:05". */
void format_duration(double seconds, char *buf, size_t size);
/* realpath() into a CAMPAIGN_PATH buffer; -1 if it fails or is longer. */
int real_path(const char *path, char *out);
/* A signature as a directory name: '/' -> '_', anything else unusual -> '-'. */
void signature_slug(const char *sig, char *slug, size_t size);
/* 53210 -> "53.2k", 1234567 -> "1.23M". */
void format_count(double v, char *buf, size_t size);
double campaign_now(const struct campaign *c); /* seconds since this session began */
double campaign_elapsed(const struct campaign *c); /* campaign seconds, earlier sessions included */
/* Campaign seconds at wall-clock time t, from the sessions' starts. */
double campaign_time_at(const struct campaign *c, time_t t);
int path_join(char *out, size_t size, const char *a, const char *b);
int mkdir_p(const char *path);
int copy_file(const char *from, const char *to);
/* The whole file, NUL-terminated (malloc'd); NULL if it cannot be read. */
char *read_text_file(const char *path, size_t *len);
bool is_executable(const char *path);
/* The file contains the bytes of s (a marker string of a fuzzing engine's runtime). */
bool file_contains(const char *path, const char *s);
/* An executable named name in $PATH. */
bool in_path(const char *name);

/* campaign_proc.c */
struct spawn {
	char *const *argv;
	const char *const *env; /* "NAME=VALUE" set in the child, NULL-terminated (or NULL) */
	const char *const *unset; /* names removed from the child's environment */
	const char *out; /* stdout and stderr (appended); NULL: /dev/null */
	const char *in; /* stdin; NULL: /dev/null */
};
/* Starts s->argv[0] (searched in $PATH) as the leader of a new process group; -1 on error. */
pid_t spawn_process(const struct spawn *s);
/*
 * Waits up to seconds for pid (a group leader), then kills its group. A
 * second interrupt of the campaign also kills it. Returns its wait status,
 * with *killed set if it was killed.
 */
int wait_process(pid_t pid, double seconds, bool *killed);
/* spawn_process + wait_process. */
int run_process(const struct spawn *s, double seconds, bool *killed);
/* SIGINT to each running worker, up to grace seconds to end, then SIGKILL to their groups. */
void stop_workers(struct campaign *c, double grace);
/* Reaps workers that ended; returns how many still run. */
unsigned reap_workers(struct campaign *c);

/* campaign_locate.c */
/* The engine's target, seeds, dictionary and max_len; says what is missing and how to build it. */
int locate_fuzzer(struct campaign *c);
const char *engine_name(enum engine e);

/* campaign_state.c */
int state_load(struct campaign *c);
int state_save(struct campaign *c);
/* Inputs an earlier campaign left running (current/), moved to suspects/ and said; then the marker of this one. */
int state_begin(struct campaign *c);
/* This session ended knowingly: no marker, no current inputs. */
void state_end(struct campaign *c);
/* Reads the execution counters in current/, retiring the files of processes that ended. */
void sweep_current_inputs(struct campaign *c, bool all_ended);

/* campaign_workers.c */
int start_workers(struct campaign *c);
/* Reads what the engines say: corpus, feedback. */
void read_engine_stats(struct campaign *c);
void open_statsd(struct campaign *c);

/* campaign_monitor.c */
/* Fuzzes until the time is up, every worker ended or an interrupt; progress on stderr. */
void monitor(struct campaign *c);
void append_sample(struct campaign *c);

/* campaign_findings.c */
/* Looks at crash files not seen before: signature (from the targets' log, else a replay), deduplication. */
void triage(struct campaign *c, unsigned max_replays);
void load_findings(struct campaign *c);
/* Minimizes each finding not minimized yet: the engine's tool, then msrexit minimize (stops at an interrupt). */
void minimize_findings(struct campaign *c);
/* `msrexit disasm --binary in` into out, after a comment line; -1 (and no out) if it fails. */
int disasm_file(struct campaign *c, const char *in, const char *out, const char *comment);
/* The replay of one input by the target: its signature ("" when none). */
void replay_signature(struct campaign *c, const char *input, const char *only, char *sig);

/* campaign_report.c */
int write_reports(struct campaign *c);

#endif
