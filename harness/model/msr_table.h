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

/*
 * How KVM judges a write of a value (harness/model/msr_rules.c cites the
 * upstream function of each). Never renumbered: tests pin them.
 */
enum msr_rule {
	RULE_LISTS, /* only the value lists say: other values may go either way */
	RULE_RESERVED, /* a value with a bit of .rsvd set fails */
	RULE_PAT, /* each byte a memory type 0, 1, 4, 5, 6 or 7 */
	RULE_MTRR_FIXED, /* each byte an MTRR type 0, 1, 4, 5 or 6 */
	RULE_MTRR_DEF_TYPE, /* an MTRR type in bits 7:0, nothing above 0xcff */
	RULE_MTRR_BASE, /* an MTRR type in bits 7:0, bits 11:8 and from MAXPHYADDR up clear */
	RULE_MTRR_MASK, /* bits 10:0 and from MAXPHYADDR up clear */
	RULE_MCI_CTL, /* 0, or all ones but for bits 10 and 0 */
	RULE_MCI_STATUS, /* a guest writes only 0 unless HWCR.McStatusWrEn on an AMD guest */
	RULE_ZERO_OR_ONES, /* 0 or all ones; a guest not at all (MCG_CTL without MCG_CTL_P) */
	RULE_HOST_ZERO, /* only the host, and only 0 (MCi_CTL2 without MCG_CMCI_P) */
	RULE_HOST_ONLY, /* a guest write fails; the host's is taken */
	RULE_NO_WRITE, /* no write handler: fails as UNSUPPORTED (UNKNOWN), host too */
	RULE_READ_ONLY, /* every write fails (refused), host too */
	RULE_GPA, /* .rsvd, and when enabled (.arg bits all set) the GPA must be guest memory */
	RULE_VENDOR, /* bits of .rsvd fail, bits of .open are the vendor's or the CPU's to judge */
	RULE_COUNT,
};

/* What a successful write leaves for a read (harness/model/oracle_state.c). */
enum msr_store {
	STORE_VALUE, /* the value, as the kind says */
	STORE_MASKED, /* value & ~.arg */
	STORE_ZERO, /* reads give 0 whatever was written */
	STORE_GUEST_IGNORED, /* a guest write is taken and dropped; the host's is stored */
};

/* Which reads fail, and how. */
enum msr_read {
	READ_OK,
	READ_GUEST_INVAL, /* a guest read fails (refused); the host's works */
	READ_NONE, /* write-only: no read handler (UNSUPPORTED), host reads fail too */
	READ_INVAL, /* write-only x2APIC register: refused, host too */
};

/* Rows that hold one value between them: a write to one is read back from the others. */
enum msr_share {
	SHARE_NONE,
	SHARE_WALL_CLOCK, /* kvm->arch.wall_clock: both indices, one value for the whole VM */
	SHARE_SYSTEM_TIME, /* vcpu->arch.time: both indices, per vCPU */
};

/*
 * The lists are examples for programs and fuzzers, at the rule's edges:
 * valid values every kernel takes, invalid ones every kernel refuses, judged
 * with the facts of the unit tests (48-bit KVM, MAXPHYADDR 48, AMD guest,
 * 8 MiB of guest memory). A list is append-only: the binary format names its
 * entries by position (docs/program-format.md). At most MSR_MAX_VALUES.
 */
#define MSR_MAX_VALUES 56

struct msr_info {
	const char *name;
	uint32_t index;
	uint8_t id; /* fixed, never reused: what the binary format's INDEX class 0 names */
	uint8_t support; /* enum msr_support */
	uint8_t kind; /* enum msr_kind */
	uint8_t canon; /* enum canon_need */
	uint8_t rule; /* enum msr_rule */
	uint8_t store; /* enum msr_store */
	uint8_t read; /* enum msr_read */
	uint8_t share; /* enum msr_share */
	uint64_t rsvd; /* RULE_RESERVED, RULE_GPA, RULE_VENDOR: the bits a write may not set */
	uint64_t open; /* RULE_VENDOR: bits that may go either way */
	uint64_t arg; /* STORE_MASKED: the bits dropped; RULE_GPA: the enable bits */
	uint8_t nvalid, ninvalid;
	const uint64_t *valid; /* writes that succeed */
	const uint64_t *invalid; /* writes that fail with INVAL (docs/spec.md §4) */
};

extern const struct msr_info msr_table[];
extern const unsigned msr_table_len;

/*
 * Ids below this are rows or free; a byte at or above it never names a row
 * and always decodes as version 1 did (docs/program-format.md).
 */
#define MSR_ID_LIMIT 192
/* The rows of version 1 (ids 0..23), which bytes without a row of their own fall back to. */
#define MSR_V1_ROWS 24
/* The row with this id, or NULL. */
const struct msr_info *msr_by_id(unsigned id);

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
