/* requirements.h - what a case or step needs of the kernel, as one table of {token, test on facts, reason}. */
#ifndef MSREXIT_REQUIREMENTS_H
#define MSREXIT_REQUIREMENTS_H

#include <stdbool.h>
#include <stddef.h>

#include "facts.h"

enum requirement {
	REQ_NONE = 0,
	REQ_FORCE_EMULATION, /* "force-emulation" */
	REQ_NO_FORCE_EMULATION, /* "no-force-emulation" */
	REQ_WRMSRNS, /* "wrmsrns" */
	REQ_NO_WRMSRNS, /* "no-wrmsrns" */
	REQ_NO_IGNORE_MSRS, /* "no-ignore-msrs" */
	REQ_NOT_KVM_PVM, /* "not-kvm_pvm" */
	REQ_NOT_TCG, /* "not-tcg" */
	REQ_COUNT,
};

struct requirement_desc {
	const char *token; /* as written after "# requires:" */
	bool (*met)(const struct kernel_facts *f);
	const char *reason; /* why a case needing it is skipped when it is not met */
};

extern const struct requirement_desc requirement_table[REQ_COUNT];

/* The reason r is not met on this kernel, or NULL if it is (REQ_NONE always is). */
const char *requirement_unmet(const struct kernel_facts *f, enum requirement r);

/* The requirement named tok[0..len), or -1 if no requirement has that token. */
int requirement_lookup(const char *tok, size_t len);

/*
 * A list of tokens separated by spaces or commas: the reason of the first
 * unmet one, or NULL if all are met. An unknown token sets *bad (to its start)
 * and returns NULL; *bad is NULL otherwise.
 */
const char *requirements_unmet(const struct kernel_facts *f, const char *list, const char **bad);

#endif
