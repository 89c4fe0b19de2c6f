/* known.h - what this platform is known to do differently: expected and counted, never reported again. */
#ifndef MSREXIT_KNOWN_H
#define MSREXIT_KNOWN_H

#include <stdbool.h>

#include "facts.h"
#include "program.h"
#include "requirements.h"
#include "trace.h"

/*
 * Each entry is a fact of docs/spec.md §9 or a finding in corpus/findings
 * that `msrexit conform` skips on the platform: it applies where the same
 * requirements (requirements.h: "not-kvm_pvm", "wrmsrns") are unmet. A
 * fuzzer input that shows one is not a finding.
 */
enum known_id {
	KNOWN_NONE = -1,
	KNOWN_WRMSRNS_INTERNAL_ERROR, /* kvm_pvm: CPL0 WRMSRNS ends KVM_RUN in an internal error */
	KNOWN_F1_EFER_PENDING, /* kvm_pvm: a held access runs again after a host NXE/LME toggle */
	KNOWN_F2_MISC_ENABLE, /* kvm_pvm: guest MISC_ENABLE writes of bits 7, 11, 12 are taken */
	KNOWN_F3_UNCHECKED, /* kvm_pvm: PAT, SPEC_CTRL, PRED_CMD, MISC_FEATURES_ENABLES take any value */
	KNOWN_F4_TCG_NONCANONICAL, /* QEMU TCG: the CPU takes a non-canonical address MSR value */
	KNOWN_F5_TCG_SYSENTER, /* QEMU TCG: the CPU keeps SYSENTER_EIP/ESP bits 63:32 */
	KNOWN_COUNT,
};

#define KNOWN_MAX_REQS 2

struct known_desc {
	const char *name; /* a word, for counters */
	const char *what;
	enum requirement unmet[KNOWN_MAX_REQS]; /* it applies where all these are unmet */
};

extern const struct known_desc known_table[KNOWN_COUNT];

/* Whether known fact k can show on the kernel of f. */
bool known_applies(int k, const struct kernel_facts *f);

/*
 * Explains each of the v->n mismatches of a run of p (trace t): why[i] is
 * the known_id that explains mismatch i, or KNOWN_NONE. Returns the position
 * of the first mismatch nothing known explains, or -1 if all are explained.
 */
int known_explain(const struct program *p, const struct trace *t, const struct verdict *v,
		  const struct kernel_facts *f, int *why);

#endif
