/* finding.h - what repro and minimize share: reading an input of any kind, a run's signature, the kernel log. */
#ifndef MSREXIT_FINDING_H
#define MSREXIT_FINDING_H

#include <stddef.h>
#include <stdio.h>

#include "program.h"
#include "runner.h"
#include "signature.h"

/* No program or fuzzer input is this large (AFL++'s default limit is 1 MiB, ours 20 KiB). */
#define INPUT_MAX_BYTES (1u << 20)

struct input {
	const char *path;
	const char *origin; /* "text program", "binary program", "libFuzzer crash file", ... */
	size_t size;
	struct program p;
};

/*
 * Reads path as a program for command cmd. A libFuzzer artifact (crash-*,
 * leak-*, timeout-*, oom-*, slow-unit-*) or an AFL++ one (id:*) is read as
 * binary, as the fuzzers decode it, unless kind says otherwise. A directory,
 * an empty file, a file over INPUT_MAX_BYTES or one that is no program is
 * refused with a clear message on stderr: returns 0 or EXIT_BAD_INPUT.
 */
int input_load(const char *cmd, const char *path, enum prog_file_kind kind, struct input *in);

/*
 * The finding's signature, as the fuzzers print it after "msrexit-finding: "
 * (fuzz/target.c, fuzz/signature.c): "kernel/health/WORD" for a kernel health
 * finding, else the first mismatch no known fact of this platform explains
 * (the first mismatch if they all are), a stopped run's saying how it
 * stopped; "" when the run was ok. buf has FUZZ_SIG_MAX bytes.
 */
const char *run_signature(const struct program *p, const struct run_result *r,
			  const struct kernel_facts *f, char *buf);
/* The mismatches a known fact of this platform explains (fuzz/known.c), one line each. */
void print_known(const struct program *p, const struct run_result *r, const struct kernel_facts *f,
		 FILE *out);

/* Every kernel log line, not only the bad ones health.c looks for. */
struct kmsg {
	int fd; /* -1: /dev/kmsg is not readable */
};
void kmsg_open(struct kmsg *k);
/* Prints each line logged since the last call (prefix before each); returns how many. */
unsigned kmsg_print_new(struct kmsg *k, FILE *out, const char *prefix);
void kmsg_close(struct kmsg *k);

#endif
