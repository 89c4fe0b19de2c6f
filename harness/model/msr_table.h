/* msr_table.h - the MSRs the suite knows by name, with values docs/spec.md calls valid or not. */
#ifndef MSREXIT_MSR_TABLE_H
#define MSREXIT_MSR_TABLE_H

#include <stdbool.h>
#include <stdint.h>

enum msr_support {
	SUPPORT_ALWAYS, /* KVM handles it for every long-mode guest (docs/spec.md §4) */
	SUPPORT_PROBED, /* depends on CPUID/kernel: facts say */
	SUPPORT_NEVER, /* an index KVM has never known: always UNKNOWN */
};

enum msr_kind {
	MSR_STORAGE, /* reads return the last value written (or the initial one) */
	MSR_VOLATILE, /* reads may return anything (TSC, timers) */
	MSR_KEEP, /* reads return the last value written; writes follow the state (APIC_BASE) */
	MSR_READONLY, /* reads return the initial value, unless a state rule says otherwise */
	MSR_NONE, /* no in-kernel behaviour (unknown indices) */
};

enum canon_need {
	CANON_NONE, /* no canonical check */
	CANON_CHECK, /* writes of non-canonical values fail (INVAL) */
};

#define MSR_MAX_VALUES 4

struct msr_info {
	const char *name;
	uint32_t index;
	uint8_t support; /* enum msr_support */
	uint8_t kind; /* enum msr_kind */
	uint8_t canon; /* enum canon_need */
	uint8_t nvalid, ninvalid;
	uint64_t valid[MSR_MAX_VALUES]; /* writes that succeed */
	uint64_t invalid[MSR_MAX_VALUES]; /* writes that fail with INVAL (docs/spec.md §4) */
};

extern const struct msr_info msr_table[];
extern const unsigned msr_table_len;

/* Index classes used by the binary decoder and named in text. */
extern const uint32_t msr_unknown_indices[];
extern const unsigned msr_unknown_len;
#define X2APIC_FIRST 0x800u
#define X2APIC_LAST 0x8ffu

const struct msr_info *msr_lookup(uint32_t index);
const struct msr_info *msr_by_name(const char *name, unsigned len);
/* Table position of index, or -1. */
int msr_table_pos(uint32_t index);

/* Canonical for a CPU with va_bits (48 or 57) virtual address bits. */
bool is_canonical(uint64_t v, unsigned va_bits);

#endif
