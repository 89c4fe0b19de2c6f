/* target.h - one fuzzer input on the real /dev/kvm: decode, run on a reused VM, judge, explain, feed back. */
#ifndef MSREXIT_FUZZ_TARGET_H
#define MSREXIT_FUZZ_TARGET_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "known.h"
#include "signature.h"

struct fuzz_stats {
	unsigned long inputs;
	unsigned long known[KNOWN_COUNT]; /* inputs that showed each known platform fact */
	unsigned long foreign_warnings; /* WARNINGs another msrexit process injected (tests) */
	unsigned long vm_remade; /* the reused VM could not be reset and was made anew */
	unsigned long tuples; /* distinct feedback tuples seen */
	bool kcov; /* the kernel's PCs (KCOV) feed back too */
};

/*
 * Opens /dev/kvm and probes the kernel facts (this creates and closes VMs:
 * an AFL++ target calls it after the fork server started). Returns 0, or the
 * EXIT_* status with the reason on stderr.
 */
int fuzz_target_init(const char *name);

/* Where each input's feedback tuples go: a map of counters the engine clears per input... */
void fuzz_set_feedback_map(uint8_t *map, size_t size);
/* ...or a function given each distinct tuple hash of the input and how often it came. */
void fuzz_set_feedback_sink(void (*sink)(uint32_t hash, uint8_t count));

/*
 * Runs one input (a binary program, decoded as the fuzzers' raw bytes) on
 * the process's one VM, made on the first input and reset before every other.
 * Returns 0, or 1 for a finding: sig is then its signature and the details
 * were printed on stderr.
 */
int fuzz_run_input(const uint8_t *data, size_t size, char *sig);

/* Prints "msrexit-finding: SIG" on stderr and aborts, so the engine keeps the input. */
void fuzz_finding(const char *sig) __attribute__((noreturn));

const struct fuzz_stats *fuzz_stats(void);
void fuzz_print_stats(FILE *out);

#endif
