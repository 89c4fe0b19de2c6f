/* msr_rules.h - KVM's rule for each table MSR: which writes and reads it takes, from the row and the facts. */
#ifndef MSREXIT_MSR_RULES_H
#define MSREXIT_MSR_RULES_H

#include <stdbool.h>
#include <stdint.h>

#include "facts.h"
#include "msr_table.h"

/* How KVM takes a write of a value to a table MSR it supports (docs/spec.md §4). */
enum write_class {
	WRITE_OK,
	WRITE_INVAL,
	WRITE_MAYBE, /* the rule leaves it open (vendor, CPU): success or INVAL */
	WRITE_UNKNOWN, /* no handler for a write: UNSUPPORTED, reason UNKNOWN */
};

/* What a rule needs beyond the row and the facts: who writes, and the vCPU's state. */
struct rule_ctx {
	const struct kernel_facts *f;
	bool host; /* KVM_SET_MSRS / KVM_GET_MSRS rather than the guest */
	bool hwcr_known; /* the vCPU's HWCR is known: hwcr */
	uint64_t hwcr;
	uint64_t mcg_cap; /* the vCPU's MCG_CAP (KVM's default when not probed) */
	bool cur_known; /* the MSR's own current value is known: cur */
	uint64_t cur;
};

/* The verdict of m's rule on a write of val (a row of RULE_LISTS: only its lists). */
enum write_class msr_rule_write(const struct msr_info *m, const struct rule_ctx *c, uint64_t val);
/* Whether a read of m works: WRITE_OK, WRITE_INVAL (refused) or WRITE_UNKNOWN (no handler). */
enum write_class msr_rule_read(const struct msr_info *m, const struct rule_ctx *c);
/* What a read gives after a successful write of val over cur (NULL: not known); false: unknown. */
bool msr_rule_stored(const struct msr_info *m, const struct rule_ctx *c, const uint64_t *cur,
		     uint64_t val, uint64_t *out);
/* A refused write that still changes what the MSR reads (kvm_pv_enable_async_pf). */
bool msr_rule_refusal_stores(const struct msr_info *m, const struct rule_ctx *c, uint64_t val);

#endif
