/* signature.h - one short stable line per finding, so the engines' crashes can be deduplicated. */
#ifndef MSREXIT_FUZZ_SIGNATURE_H
#define MSREXIT_FUZZ_SIGNATURE_H

#include <stdbool.h>
#include <stddef.h>

#include "program.h"
#include "trace.h"

#define FUZZ_SIG_MAX 160

/* The word for a run stopped early, from the executor's message ("internal-error", ...). */
const char *fuzz_abort_word(const char *abort_msg);
/* The word for a kernel health report ("warning", "taint", ...). */
const char *fuzz_health_word(const char *report);

/*
 * A kernel health finding: "kernel/health/WORD". A mismatch: its compare()
 * signature, except that a run stopped early says how: "OP/run/completion-
 * expected-got-WORD". Nothing in it depends on addresses or values.
 */
void fuzz_health_signature(const char *report, char *sig);
void fuzz_mismatch_signature(const struct mismatch *m, const struct trace *t, char *sig);

#endif
