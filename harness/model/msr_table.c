/* msr_table.c - the MSRs the suite knows by name, with values docs/spec.md calls valid or not. */
#include <string.h>
#include <strings.h>

#include "msr_table.h"

#define CANON_VALID 0xffffffff81000000ull, 0x1000ull
#define CANON_INVALID 0x8000000000000000ull, 0x0100000000000000ull

/*
 * The initial EFER the harness sets is SCE|LME|LMA|NXE (0xd01); only LME may
 * not change while paging is on, and bits 1-7 and 63 are reserved. Writes
 * that clear NXE are left out: they are valid, but seen to disturb the
 * completion of a pending exit on this backend (see corpus/findings).
 * APIC_BASE bit 0 is reserved. The lists are examples for programs and
 * fuzzers; where validity depends on the vCPU's state (EFER, APIC_BASE,
 * MISC_ENABLE, the x2APIC MSRs) the oracle judges by harness/oracle_state.c.
 */
const struct msr_info msr_table[] = {
	{ "EFER",
	  0xc0000080,
	  SUPPORT_ALWAYS,
	  MSR_STORAGE,
	  CANON_NONE,
	  4,
	  2,
	  { 0xd01, 0xd00, 0x501, 0x500 },
	  { 0xd03, 0x8000000000000d01ull } },
	{ "STAR",
	  0xc0000081,
	  SUPPORT_ALWAYS,
	  MSR_STORAGE,
	  CANON_NONE,
	  2,
	  0,
	  { 0x0023001000000000ull, 0 },
	  { 0 } },
	{ "LSTAR",
	  0xc0000082,
	  SUPPORT_ALWAYS,
	  MSR_STORAGE,
	  CANON_CHECK,
	  2,
	  2,
	  { CANON_VALID },
	  { CANON_INVALID } },
	{ "CSTAR",
	  0xc0000083,
	  SUPPORT_ALWAYS,
	  MSR_STORAGE,
	  CANON_CHECK,
	  2,
	  2,
	  { CANON_VALID },
	  { CANON_INVALID } },
	{ "SFMASK",
	  0xc0000084,
	  SUPPORT_ALWAYS,
	  MSR_STORAGE,
	  CANON_NONE,
	  2,
	  0,
	  { 0x47700, 0 },
	  { 0 } },
	{ "FS_BASE",
	  0xc0000100,
	  SUPPORT_ALWAYS,
	  MSR_STORAGE,
	  CANON_CHECK,
	  2,
	  2,
	  { CANON_VALID },
	  { CANON_INVALID } },
	{ "GS_BASE",
	  0xc0000101,
	  SUPPORT_ALWAYS,
	  MSR_STORAGE,
	  CANON_CHECK,
	  2,
	  2,
	  { CANON_VALID },
	  { CANON_INVALID } },
	{ "KERNEL_GS_BASE",
	  0xc0000102,
	  SUPPORT_ALWAYS,
	  MSR_STORAGE,
	  CANON_CHECK,
	  2,
	  2,
	  { CANON_VALID },
	  { CANON_INVALID } },
	{ "TSC_AUX",
	  0xc0000103,
	  SUPPORT_PROBED,
	  MSR_STORAGE,
	  CANON_NONE,
	  2,
	  0,
	  { 0x1, 0x0 },
	  { 0 } },
	{ "SYSENTER_CS",
	  0x174,
	  SUPPORT_ALWAYS,
	  MSR_STORAGE,
	  CANON_NONE,
	  2,
	  0,
	  { 0x10, 0x0 },
	  { 0 } },
	{ "SYSENTER_ESP",
	  0x175,
	  SUPPORT_ALWAYS,
	  MSR_STORAGE,
	  CANON_NONE,
	  2,
	  0,
	  { CANON_VALID },
	  { 0 } },
	{ "SYSENTER_EIP",
	  0x176,
	  SUPPORT_ALWAYS,
	  MSR_STORAGE,
	  CANON_NONE,
	  2,
	  0,
	  { CANON_VALID },
	  { 0 } },
	{ "TSC", 0x10, SUPPORT_ALWAYS, MSR_VOLATILE, CANON_NONE, 1, 0, { 0x1000000 }, { 0 } },
	{ "PAT",
	  0x277,
	  SUPPORT_ALWAYS,
	  MSR_STORAGE,
	  CANON_NONE,
	  2,
	  0,
	  { 0x0007040600070406ull, 0x0606060606060606ull },
	  { 0 } },
	{ "APIC_BASE", 0x1b, SUPPORT_ALWAYS, MSR_KEEP, CANON_NONE, 0, 1, { 0 }, { 0xfee00901 } },
	{ "MTRR_DEF_TYPE",
	  0x2ff,
	  SUPPORT_PROBED,
	  MSR_STORAGE,
	  CANON_NONE,
	  2,
	  1,
	  { 0xc06, 0x0 },
	  { 0x2000 } },
	{ "MISC_ENABLE", 0x1a0, SUPPORT_ALWAYS, MSR_READONLY, CANON_NONE, 0, 0, { 0 }, { 0 } },
	{ "TSC_DEADLINE", 0x6e0, SUPPORT_PROBED, MSR_VOLATILE, CANON_NONE, 1, 0, { 0 }, { 0 } },
	{ "X2APIC_ID", 0x802, SUPPORT_PROBED, MSR_READONLY, CANON_NONE, 0, 0, { 0 }, { 0 } },
	{ "X2APIC_TPR", 0x808, SUPPORT_PROBED, MSR_READONLY, CANON_NONE, 0, 0, { 0 }, { 0 } },
	{ "UNKNOWN_12345678", 0x12345678, SUPPORT_NEVER, MSR_NONE, CANON_NONE, 0, 0, { 0 }, { 0 } },
	{ "UNKNOWN_DEADBEEF", 0xdeadbeef, SUPPORT_NEVER, MSR_NONE, CANON_NONE, 0, 0, { 0 }, { 0 } },
	{ "UNKNOWN_0BADC0DE", 0x0badc0de, SUPPORT_NEVER, MSR_NONE, CANON_NONE, 0, 0, { 0 }, { 0 } },
	{ "UNKNOWN_7FFFFFFF", 0x7fffffff, SUPPORT_NEVER, MSR_NONE, CANON_NONE, 0, 0, { 0 }, { 0 } },
};
const unsigned msr_table_len = sizeof(msr_table) / sizeof(msr_table[0]);

const uint32_t msr_unknown_indices[] = { 0x12345678, 0xdeadbeef, 0x0badc0de, 0x7fffffff };
const unsigned msr_unknown_len = sizeof(msr_unknown_indices) / sizeof(msr_unknown_indices[0]);

int msr_table_pos(uint32_t index)
{
	for (unsigned i = 0; i < msr_table_len; i++)
		if (msr_table[i].index == index)
			return (int)i;
	return -1;
}

const struct msr_info *msr_lookup(uint32_t index)
{
	int pos = msr_table_pos(index);

	return pos < 0 ? NULL : &msr_table[pos];
}

const struct msr_info *msr_by_name(const char *name, unsigned len)
{
	for (unsigned i = 0; i < msr_table_len; i++)
		if (strlen(msr_table[i].name) == len && !strncasecmp(msr_table[i].name, name, len))
			return &msr_table[i];
	return NULL;
}

bool is_canonical(uint64_t v, unsigned va_bits)
{
	int shift = 64 - (int)va_bits;

	return (uint64_t)(((int64_t)(v << shift)) >> shift) == v;
}
