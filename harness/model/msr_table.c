/* msr_table.c - the MSRs the suite knows by name, with KVM's rule for each and values at its edges. */
#include <string.h>
#include <strings.h>

#include "msr_table.h"

/* A value list of any length (file-scope compound literals are static), or a named one. */
#define VALUES(...) ((const uint64_t[]){ __VA_ARGS__ })
#define NVALUES(...) ((uint8_t)(sizeof(VALUES(__VA_ARGS__)) / sizeof(uint64_t)))
#define VALID(...) .valid = VALUES(__VA_ARGS__), .nvalid = NVALUES(__VA_ARGS__)
#define INVALID(...) .invalid = VALUES(__VA_ARGS__), .ninvalid = NVALUES(__VA_ARGS__)
#define VALID_LIST(a) .valid = (a), .nvalid = (uint8_t)(sizeof(a) / sizeof((a)[0]))
#define INVALID_LIST(a) .invalid = (a), .ninvalid = (uint8_t)(sizeof(a) / sizeof((a)[0]))
#define ROW(...)            \
	{                   \
		__VA_ARGS__ \
	}

/* Lists several rows share (each row's comment says why they are valid or not). */
static const uint64_t canonical_valid[] = { 0xffffffff81000000ull, 0x1000, 0x0, 0x7fffffffffffull,
					    0xffff800000000000ull };
static const uint64_t canonical_invalid[] = { 0x8000000000000000ull, 0x100000000000000ull,
					      0x800000000000ull,     0xffff7fffffffffffull,
					      0x7fffffffffffffffull, 0xfeffffffffffffffull };
static const uint64_t sysenter_valid[] = { 0xffffffff81000000ull, 0x1000,
					   0x8000000000000000ull, 0x7fffffffffffull,
					   0x800000000000ull,	  0xffffffffffffffffull };
static const uint64_t any_value_valid[] = { 0x0, 0x1234, 0xffffffffffffffffull };
static const uint64_t mtrr_fixed_valid[] = { 0x0,
					     0x606060606060606ull,
					     0x504010006060606ull,
					     0x101010101010101ull,
					     0x404040404040404ull,
					     0x505050505050505ull };
static const uint64_t mtrr_fixed_invalid[] = { 0x606060606060602ull,
					       0x606060606060206ull,
					       0x606060606020606ull,
					       0x606060602060606ull,
					       0x606060206060606ull,
					       0x606020606060606ull,
					       0x602060606060606ull,
					       0x206060606060606ull,
					       0x606060606060603ull,
					       0x606060606060306ull,
					       0x606060606030606ull,
					       0x606060603060606ull,
					       0x606060306060606ull,
					       0x606030606060606ull,
					       0x603060606060606ull,
					       0x306060606060606ull,
					       0x606060606060607ull,
					       0x606060606060706ull,
					       0x606060606070606ull,
					       0x606060607060606ull,
					       0x606060706060606ull,
					       0x606070606060606ull,
					       0x607060606060606ull,
					       0x706060606060606ull,
					       0x8,
					       0x8000000000000000ull };
static const uint64_t mtrr_base_valid[] = { 0x0,      0x6,	0x80000006, 0xfffffffff006ull,
					    0x100000, 0x100001, 0x100004,   0x100005,
					    0x100006 };
static const uint64_t mtrr_base_invalid[] = { 0x80000002,
					      0x80000003,
					      0x80000007,
					      0x80000008,
					      0x80000080,
					      0x80000106,
					      0x80000206,
					      0x80000406,
					      0x80000806,
					      0x10000080000006ull,
					      0x20000080000006ull,
					      0x40000080000006ull,
					      0x80000080000006ull,
					      0x100000080000006ull,
					      0x200000080000006ull,
					      0x400000080000006ull,
					      0x800000080000006ull,
					      0x1000000080000006ull,
					      0x2000000080000006ull,
					      0x4000000080000006ull,
					      0x8000000080000006ull };
static const uint64_t mtrr_mask_valid[] = { 0x0, 0x800, 0xfffff0000800ull, 0xfffffffff800ull,
					    0xfff00000000ull };
static const uint64_t mtrr_mask_invalid[] = { 0x801,
					      0x802,
					      0x804,
					      0x808,
					      0x810,
					      0x820,
					      0x840,
					      0x880,
					      0x900,
					      0xa00,
					      0xc00,
					      0x10000000000800ull,
					      0x20000000000800ull,
					      0x40000000000800ull,
					      0x80000000000800ull,
					      0x100000000000800ull,
					      0x200000000000800ull,
					      0x400000000000800ull,
					      0x800000000000800ull,
					      0x1000000000000800ull,
					      0x2000000000000800ull,
					      0x4000000000000800ull,
					      0x8000000000000800ull };
static const uint64_t mci_ctl_valid[] = { 0x0, 0xffffffffffffffffull, 0xfffffffffffffbffull,
					  0xfffffffffffffffeull, 0xfffffffffffffbfeull };
static const uint64_t mci_ctl_invalid[] = {
	0x1, 0x400, 0x7fffffffffffffffull, 0xfffffffffffffbfcull, 0xfffffffffffff7ffull, 0xffffffff
};
static const uint64_t zero_valid[] = { 0x0 };
static const uint64_t mci_status_invalid[] = { 0x1, 0x8000000000000000ull, 0xffffffffffffffffull };
static const uint64_t bit0_valid[] = { 0x0, 0x1 };
static const uint64_t bit0_and_ones_valid[] = { 0x0, 0x1, 0xffffffffffffffffull };
static const uint64_t x2apic_lvt_valid[] = { 0x10000, 0x100f0, 0xf0, 0xffffffff };
static const uint64_t x2apic_lvt_invalid[] = { 0x100000000ull, 0x8000000000010000ull };

/*
 * One row per MSR. .id is the row's number in the binary format: fixed once
 * given, never reused, new rows at the end with the next id
 * (docs/program-format.md, "Compatibility"); tests/unit/test_msr_ids.c pins
 * every row's id and index. Ids 24..63 are never given: those bytes keep
 * their version-1 meaning, as bytes without a row do.
 * The first entries of a row's lists are those of version 1: lists only grow
 * at their end. Each rule cites the upstream function (docs/spec.md §4);
 * harness/model/msr_rules.c applies it, and the rules that depend on the
 * vCPU's state are harness/model/oracle_state.c's. The initial EFER the
 * harness sets is SCE|LME|LMA|NXE (0xd01).
 */
const struct msr_info msr_table[] = {
	/* x86.c set_efer / __kvm_valid_efer: efer_reserved_bits fail, guest and host alike;
	 * LME may not change while CR0.PG=1 (guest). The state rule is oracle_state.c judge_efer;
	 * the invalid list sets each bit reserved on every host alone. */
	ROW(.name = "EFER", .index = 0xc0000080, .id = 0, .rule = RULE_LISTS,
	    VALID(0xd01, 0xd00, 0x501, 0x500, 0x901, 0x101),
	    INVALID(0xd03, 0x8000000000000d01ull, 0xd05, 0xd09, 0xd11, 0xd21, 0xd41, 0xd81, 0xf01,
		    0x10d01, 0x20d01, 0x40d01, 0x80d01, 0x100d01, 0x400d01, 0x800d01, 0x1000d01,
		    0x2000d01, 0x4000d01, 0x8000d01, 0x10000d01, 0x20000d01, 0x40000d01, 0x80000d01,
		    0x100000d01ull, 0x200000d01ull, 0x400000d01ull, 0x800000d01ull, 0x1000000d01ull,
		    0x2000000d01ull, 0x4000000d01ull, 0x8000000d01ull, 0x10000000d01ull,
		    0x20000000d01ull, 0x40000000d01ull, 0x80000000d01ull, 0x100000000d01ull,
		    0x200000000d01ull, 0x400000000d01ull, 0x800000000d01ull, 0x1000000000d01ull,
		    0x2000000000d01ull, 0x4000000000d01ull, 0x8000000000d01ull, 0x10000000000d01ull,
		    0x20000000000d01ull, 0x40000000000d01ull, 0x80000000000d01ull,
		    0x100000000000d01ull, 0x200000000000d01ull, 0x400000000000d01ull,
		    0x800000000000d01ull, 0x1000000000000d01ull, 0x2000000000000d01ull,
		    0x4000000000000d01ull)),
	ROW(.name = "STAR", .index = 0xc0000081, .id = 1, .rule = RULE_RESERVED,
	    VALID(0x23001000000000ull, 0x0, 0xffffffffffffffffull, 0x1234)),
	ROW(.name = "LSTAR", .index = 0xc0000082, .id = 2, .canon = CANON_CHECK,
	    .rule = RULE_RESERVED, VALID_LIST(canonical_valid), INVALID_LIST(canonical_invalid)),
	ROW(.name = "CSTAR", .index = 0xc0000083, .id = 3, .canon = CANON_CHECK,
	    .rule = RULE_RESERVED, VALID_LIST(canonical_valid), INVALID_LIST(canonical_invalid)),
	/* svm.c svm_set_msr keeps all 64 bits; vmx.c passes it to the CPU through
	 * kvm_set_user_return_msr, which refuses what the CPU refuses (bits 63:32). */
	ROW(.name = "SFMASK", .index = 0xc0000084, .id = 4, .rule = RULE_VENDOR,
	    .open = 0xffffffff00000000ull, VALID(0x47700, 0x0, 0xffffffff, 0x4700)),
	ROW(.name = "FS_BASE", .index = 0xc0000100, .id = 5, .canon = CANON_CHECK,
	    .rule = RULE_RESERVED, VALID_LIST(canonical_valid), INVALID_LIST(canonical_invalid)),
	ROW(.name = "GS_BASE", .index = 0xc0000101, .id = 6, .canon = CANON_CHECK,
	    .rule = RULE_RESERVED, VALID_LIST(canonical_valid), INVALID_LIST(canonical_invalid)),
	ROW(.name = "KERNEL_GS_BASE", .index = 0xc0000102, .id = 7, .canon = CANON_CHECK,
	    .rule = RULE_RESERVED, VALID_LIST(canonical_valid), INVALID_LIST(canonical_invalid)),
	ROW(.name = "TSC_AUX", .index = 0xc0000103, .id = 8, .support = SUPPORT_PROBED,
	    .rule = RULE_LISTS, VALID(0x1, 0x0, 0xffffffff, 0x80000000)),
	ROW(.name = "SYSENTER_CS", .index = 0x174, .id = 9, .rule = RULE_RESERVED,
	    VALID(0x10, 0x0, 0xffffffff, 0xffff)),
	ROW(.name = "SYSENTER_ESP", .index = 0x175, .id = 10, .rule = RULE_RESERVED,
	    VALID_LIST(sysenter_valid)),
	ROW(.name = "SYSENTER_EIP", .index = 0x176, .id = 11, .rule = RULE_RESERVED,
	    VALID_LIST(sysenter_valid)),
	ROW(.name = "TSC", .index = 0x10, .id = 12, .kind = MSR_VOLATILE, .rule = RULE_RESERVED,
	    VALID(0x1000000, 0x0, 0x8000000000000000ull)),
	ROW(.name = "PAT", .index = 0x277, .id = 13, .rule = RULE_PAT,
	    VALID(0x7040600070406ull, 0x606060606060606ull, 0x0, 0x101010101010101ull,
		  0x404040404040404ull, 0x505050505050505ull, 0x707070707070707ull,
		  0x7040600070405ull, 0x7040600070506ull, 0x7040600050406ull, 0x7040605070406ull,
		  0x7040500070406ull, 0x7050600070406ull, 0x5040600070406ull, 0x507040600070406ull),
	    INVALID(0x7040600070402ull, 0x7040600070206ull, 0x7040600020406ull, 0x7040602070406ull,
		    0x7040200070406ull, 0x7020600070406ull, 0x2040600070406ull,
		    0x207040600070406ull, 0x7040600070403ull, 0x7040600070306ull,
		    0x7040600030406ull, 0x7040603070406ull, 0x7040300070406ull, 0x7030600070406ull,
		    0x3040600070406ull, 0x307040600070406ull, 0x7040600070408ull,
		    0x8007040600070406ull, 0x70406ff070406ull, 0x202020202020202ull)),
	/* lapic.c kvm_apic_set_base: oracle_state.c judge_apic_base. Invalid: each
	 * reserved bit alone (bits 7:0 but BSP, bit 9, bits from 52 up), EXTD without EN. */
	ROW(.name = "APIC_BASE", .index = 0x1b, .id = 14, .kind = MSR_KEEP, .rule = RULE_LISTS,
	    VALID(0xfee00900, 0xfee00d00, 0xfee00100, 0xfee00000),
	    INVALID(0xfee00901, 0xfee00902, 0xfee00904, 0xfee00908, 0xfee00910, 0xfee00920,
		    0xfee00940, 0xfee00980, 0xfee00b00, 0x100000fee00900ull, 0x200000fee00900ull,
		    0x400000fee00900ull, 0x800000fee00900ull, 0x1000000fee00900ull,
		    0x2000000fee00900ull, 0x4000000fee00900ull, 0x8000000fee00900ull,
		    0x10000000fee00900ull, 0x20000000fee00900ull, 0x40000000fee00900ull,
		    0x80000000fee00900ull, 0xfee00500)),
	ROW(.name = "MTRR_DEF_TYPE", .index = 0x2ff, .id = 15, .support = SUPPORT_PROBED,
	    .rule = RULE_MTRR_DEF_TYPE,
	    VALID(0xc06, 0x0, 0x800, 0x801, 0x804, 0x805, 0x806, 0xc00, 0xc01, 0xc04, 0xc05, 0x400,
		  0x406),
	    INVALID(0x2000, 0xc02, 0xc03, 0xc07, 0xc08, 0xc80, 0xcff, 0xd06, 0xe06, 0x1c06, 0x2c06,
		    0x80000c06, 0x100000c06ull, 0x8000000000000c06ull)),
	/* x86.c kvm_set_msr_common, MSR_IA32_MISC_ENABLE: oracle_state.c
	 * judge_misc_enable (lists judged against the initial value 0x1). */
	ROW(.name = "MISC_ENABLE", .index = 0x1a0, .id = 16, .kind = MSR_READONLY,
	    .rule = RULE_LISTS, VALID(0x1, 0x0, 0x40001, 0x400001), INVALID(0x801, 0x1001, 0x1801)),
	ROW(.name = "TSC_DEADLINE", .index = 0x6e0, .id = 17, .support = SUPPORT_PROBED,
	    .kind = MSR_VOLATILE, .rule = RULE_RESERVED, VALID_LIST(any_value_valid)),
	/* lapic.c kvm_lapic_reg_write, APIC_ID: read-only in x2APIC mode (judge_x2apic_id). */
	ROW(.name = "X2APIC_ID", .index = 0x802, .id = 18, .support = SUPPORT_PROBED,
	    .kind = MSR_READONLY, .rule = RULE_LISTS, INVALID(0x1, 0xff, 0x100000000ull)),
	/* lapic.c kvm_lapic_msr_write: bits 63:32 reserved; APIC_TASKPRI keeps bits 7:0. */
	ROW(.name = "X2APIC_TPR", .index = 0x808, .id = 19, .support = SUPPORT_PROBED,
	    .kind = MSR_READONLY, .rule = RULE_LISTS, VALID(0x0, 0x10, 0xff, 0xffffffff),
	    INVALID(0x100000000ull, 0x8000000000000000ull)),
	ROW(.name = "UNKNOWN_12345678", .index = 0x12345678, .id = 20, .support = SUPPORT_NEVER,
	    .kind = MSR_NONE, .rule = RULE_LISTS),
	ROW(.name = "UNKNOWN_DEADBEEF", .index = 0xdeadbeef, .id = 21, .support = SUPPORT_NEVER,
	    .kind = MSR_NONE, .rule = RULE_LISTS),
	ROW(.name = "UNKNOWN_0BADC0DE", .index = 0xbadc0de, .id = 22, .support = SUPPORT_NEVER,
	    .kind = MSR_NONE, .rule = RULE_LISTS),
	ROW(.name = "UNKNOWN_7FFFFFFF", .index = 0x7fffffff, .id = 23, .support = SUPPORT_NEVER,
	    .kind = MSR_NONE, .rule = RULE_LISTS),
	/* x86.c kvm_set_msr_common, MSR_IA32_TSC_ADJUST: any value; stored if the
	 * guest CPUID has TSC_ADJUST, else dropped; a guest TSC write moves it too. */
	ROW(.name = "TSC_ADJUST", .index = 0x3b, .id = 64, .rule = RULE_RESERVED,
	    VALID(0x0, 0x1234, 0xffffffffffffffffull, 0x8000000000000000ull)),
	/* x86.c kvm_set_msr_common has no case for MSR_MTRRcap: a write is
	 * UNSUPPORTED (mtrr.c kvm_mtrr_get_msr: reads 0x500 | KVM_NR_VAR_MTRR). */
	ROW(.name = "MTRRCAP", .index = 0xfe, .id = 65, .kind = MSR_READONLY,
	    .rule = RULE_NO_WRITE),
	/* mtrr.c kvm_mtrr_valid: each byte of a fixed-range MTRR is a type 0, 1, 4, 5
	 * or 6 (valid_mtrr_type); invalid: types 2, 3 and 7 in each byte alone. */
	ROW(.name = "MTRR_FIX64K_00000", .index = 0x250, .id = 66, .rule = RULE_MTRR_FIXED,
	    VALID_LIST(mtrr_fixed_valid), INVALID_LIST(mtrr_fixed_invalid)),
	ROW(.name = "MTRR_FIX16K_80000", .index = 0x258, .id = 67, .rule = RULE_MTRR_FIXED,
	    VALID_LIST(mtrr_fixed_valid), INVALID_LIST(mtrr_fixed_invalid)),
	ROW(.name = "MTRR_FIX16K_A0000", .index = 0x259, .id = 68, .rule = RULE_MTRR_FIXED,
	    VALID_LIST(mtrr_fixed_valid), INVALID_LIST(mtrr_fixed_invalid)),
	ROW(.name = "MTRR_FIX4K_C0000", .index = 0x268, .id = 69, .rule = RULE_MTRR_FIXED,
	    VALID_LIST(mtrr_fixed_valid), INVALID_LIST(mtrr_fixed_invalid)),
	ROW(.name = "MTRR_FIX4K_C8000", .index = 0x269, .id = 70, .rule = RULE_MTRR_FIXED,
	    VALID_LIST(mtrr_fixed_valid), INVALID_LIST(mtrr_fixed_invalid)),
	ROW(.name = "MTRR_FIX4K_D0000", .index = 0x26a, .id = 71, .rule = RULE_MTRR_FIXED,
	    VALID_LIST(mtrr_fixed_valid), INVALID_LIST(mtrr_fixed_invalid)),
	ROW(.name = "MTRR_FIX4K_D8000", .index = 0x26b, .id = 72, .rule = RULE_MTRR_FIXED,
	    VALID_LIST(mtrr_fixed_valid), INVALID_LIST(mtrr_fixed_invalid)),
	ROW(.name = "MTRR_FIX4K_E0000", .index = 0x26c, .id = 73, .rule = RULE_MTRR_FIXED,
	    VALID_LIST(mtrr_fixed_valid), INVALID_LIST(mtrr_fixed_invalid)),
	ROW(.name = "MTRR_FIX4K_E8000", .index = 0x26d, .id = 74, .rule = RULE_MTRR_FIXED,
	    VALID_LIST(mtrr_fixed_valid), INVALID_LIST(mtrr_fixed_invalid)),
	ROW(.name = "MTRR_FIX4K_F0000", .index = 0x26e, .id = 75, .rule = RULE_MTRR_FIXED,
	    VALID_LIST(mtrr_fixed_valid), INVALID_LIST(mtrr_fixed_invalid)),
	ROW(.name = "MTRR_FIX4K_F8000", .index = 0x26f, .id = 76, .rule = RULE_MTRR_FIXED,
	    VALID_LIST(mtrr_fixed_valid), INVALID_LIST(mtrr_fixed_invalid)),
	/* mtrr.c kvm_mtrr_valid, variable MTRRs: PHYSBASE has a type in bits 7:0 and
	 * bits 11:8 reserved, PHYSMASK bits 10:0 reserved; both refuse bits from the
	 * guest MAXPHYADDR up (kvm_vcpu_reserved_gpa_bits_raw). */
	ROW(.name = "MTRR_PHYSBASE0", .index = 0x200, .id = 77, .rule = RULE_MTRR_BASE,
	    VALID_LIST(mtrr_base_valid), INVALID_LIST(mtrr_base_invalid)),
	ROW(.name = "MTRR_PHYSMASK0", .index = 0x201, .id = 78, .rule = RULE_MTRR_MASK,
	    VALID_LIST(mtrr_mask_valid), INVALID_LIST(mtrr_mask_invalid)),
	ROW(.name = "MTRR_PHYSBASE1", .index = 0x202, .id = 79, .rule = RULE_MTRR_BASE,
	    VALID_LIST(mtrr_base_valid), INVALID_LIST(mtrr_base_invalid)),
	ROW(.name = "MTRR_PHYSMASK1", .index = 0x203, .id = 80, .rule = RULE_MTRR_MASK,
	    VALID_LIST(mtrr_mask_valid), INVALID_LIST(mtrr_mask_invalid)),
	ROW(.name = "MTRR_PHYSBASE2", .index = 0x204, .id = 81, .rule = RULE_MTRR_BASE,
	    VALID_LIST(mtrr_base_valid), INVALID_LIST(mtrr_base_invalid)),
	ROW(.name = "MTRR_PHYSMASK2", .index = 0x205, .id = 82, .rule = RULE_MTRR_MASK,
	    VALID_LIST(mtrr_mask_valid), INVALID_LIST(mtrr_mask_invalid)),
	ROW(.name = "MTRR_PHYSBASE3", .index = 0x206, .id = 83, .rule = RULE_MTRR_BASE,
	    VALID_LIST(mtrr_base_valid), INVALID_LIST(mtrr_base_invalid)),
	ROW(.name = "MTRR_PHYSMASK3", .index = 0x207, .id = 84, .rule = RULE_MTRR_MASK,
	    VALID_LIST(mtrr_mask_valid), INVALID_LIST(mtrr_mask_invalid)),
	ROW(.name = "MTRR_PHYSBASE4", .index = 0x208, .id = 85, .rule = RULE_MTRR_BASE,
	    VALID_LIST(mtrr_base_valid), INVALID_LIST(mtrr_base_invalid)),
	ROW(.name = "MTRR_PHYSMASK4", .index = 0x209, .id = 86, .rule = RULE_MTRR_MASK,
	    VALID_LIST(mtrr_mask_valid), INVALID_LIST(mtrr_mask_invalid)),
	ROW(.name = "MTRR_PHYSBASE5", .index = 0x20a, .id = 87, .rule = RULE_MTRR_BASE,
	    VALID_LIST(mtrr_base_valid), INVALID_LIST(mtrr_base_invalid)),
	ROW(.name = "MTRR_PHYSMASK5", .index = 0x20b, .id = 88, .rule = RULE_MTRR_MASK,
	    VALID_LIST(mtrr_mask_valid), INVALID_LIST(mtrr_mask_invalid)),
	ROW(.name = "MTRR_PHYSBASE6", .index = 0x20c, .id = 89, .rule = RULE_MTRR_BASE,
	    VALID_LIST(mtrr_base_valid), INVALID_LIST(mtrr_base_invalid)),
	ROW(.name = "MTRR_PHYSMASK6", .index = 0x20d, .id = 90, .rule = RULE_MTRR_MASK,
	    VALID_LIST(mtrr_mask_valid), INVALID_LIST(mtrr_mask_invalid)),
	ROW(.name = "MTRR_PHYSBASE7", .index = 0x20e, .id = 91, .rule = RULE_MTRR_BASE,
	    VALID_LIST(mtrr_base_valid), INVALID_LIST(mtrr_base_invalid)),
	ROW(.name = "MTRR_PHYSMASK7", .index = 0x20f, .id = 92, .rule = RULE_MTRR_MASK,
	    VALID_LIST(mtrr_mask_valid), INVALID_LIST(mtrr_mask_invalid)),
	ROW(.name = "MCG_CAP", .index = 0x179, .id = 93, .kind = MSR_READONLY,
	    .rule = RULE_NO_WRITE),
	/* x86.c set_msr_mce / get_msr_mce: MCG_STATUS takes anything; MCG_CTL only 0
	 * or all ones, and only with MCG_CTL_P in MCG_CAP, else only a host write of
	 * 0 (a guest read fails too). MCG_CAP has no write case (UNSUPPORTED). */
	ROW(.name = "MCG_STATUS", .index = 0x17a, .id = 94, .rule = RULE_RESERVED,
	    VALID(0x0, 0x1, 0x5, 0xffffffffffffffffull)),
	ROW(.name = "MCG_CTL", .index = 0x17b, .id = 95, .rule = RULE_ZERO_OR_ONES,
	    .read = READ_GUEST_INVAL, .arg = 0x100,
	    INVALID(0x1, 0x8000000000000000ull, 0xfffffffffffffffeull)),
	/* x86.c set_msr_mce: banks below MCG_CAP[7:0] (KVM_MAX_MCE_BANKS = 32 unless
	 * user space set MCE up); MCi_CTL is 0 or all ones but bits 10 and 0
	 * (is_mci_control_msr); a guest writes MCi_STATUS non-zero only with
	 * HWCR.McStatusWrEn on an AMD-compatible guest (can_set_mci_status); MCi_CTL2
	 * needs MCG_CMCI_P (else a host write of 0 only, and no guest read). */
	ROW(.name = "MC0_CTL", .index = 0x400, .id = 96, .support = SUPPORT_PROBED,
	    .rule = RULE_MCI_CTL, VALID_LIST(mci_ctl_valid), INVALID_LIST(mci_ctl_invalid)),
	ROW(.name = "MC0_STATUS", .index = 0x401, .id = 97, .support = SUPPORT_PROBED,
	    .rule = RULE_MCI_STATUS, VALID_LIST(zero_valid), INVALID_LIST(mci_status_invalid)),
	ROW(.name = "MC0_ADDR", .index = 0x402, .id = 98, .support = SUPPORT_PROBED,
	    .rule = RULE_RESERVED, VALID_LIST(any_value_valid)),
	ROW(.name = "MC0_MISC", .index = 0x403, .id = 99, .support = SUPPORT_PROBED,
	    .rule = RULE_RESERVED, VALID_LIST(any_value_valid)),
	ROW(.name = "MC1_CTL", .index = 0x404, .id = 100, .support = SUPPORT_PROBED,
	    .rule = RULE_MCI_CTL, VALID_LIST(mci_ctl_valid), INVALID_LIST(mci_ctl_invalid)),
	ROW(.name = "MC31_CTL", .index = 0x47c, .id = 101, .support = SUPPORT_PROBED,
	    .rule = RULE_MCI_CTL, VALID_LIST(mci_ctl_valid), INVALID_LIST(mci_ctl_invalid)),
	ROW(.name = "MC31_STATUS", .index = 0x47d, .id = 102, .support = SUPPORT_PROBED,
	    .rule = RULE_MCI_STATUS, VALID_LIST(zero_valid), INVALID_LIST(mci_status_invalid)),
	ROW(.name = "MC31_ADDR", .index = 0x47e, .id = 103, .support = SUPPORT_PROBED,
	    .rule = RULE_RESERVED, VALID_LIST(any_value_valid)),
	ROW(.name = "MC31_MISC", .index = 0x47f, .id = 104, .support = SUPPORT_PROBED,
	    .rule = RULE_RESERVED, VALID_LIST(any_value_valid)),
	ROW(.name = "MC0_CTL2", .index = 0x280, .id = 105, .rule = RULE_HOST_ZERO,
	    .read = READ_GUEST_INVAL, .rsvd = 0xffffffffbfff8000ull, .arg = 0x400,
	    INVALID(0x1, 0x40000000, 0xffffffffffffffffull)),
	/* x86.c kvm_set_msr_common, MSR_K7_HWCR: bits 3, 6, 8 are dropped, then only
	 * McStatusWrEn (18) and TscFreqSel (24) may be set. */
	ROW(.name = "HWCR", .index = 0xc0010015, .id = 106, .rule = RULE_RESERVED,
	    .store = STORE_MASKED, .rsvd = 0xfffffffffefbfeb7ull, .arg = 0x148,
	    VALID(0x0, 0x40000, 0x1000000, 0x1040000, 0x148, 0x8, 0x40, 0x100),
	    INVALID(0x1, 0x2, 0x4, 0x10, 0x20, 0x80, 0x200, 0x400, 0x10000, 0x20000, 0x80000,
		    0x100000, 0x800000, 0x2000000, 0x80000000, 0x100000000ull,
		    0x8000000000000000ull)),
	/* x86.c kvm_set_msr_common, MSR_KVM_WALL_CLOCK(_NEW) and
	 * MSR_KVM_SYSTEM_TIME(_NEW): any value. The wall clock is one per VM
	 * (kvm->arch.wall_clock), written to guest memory at the GPA; the system time
	 * is per vCPU, the old and new index share it. Valid values point past the
	 * 8 MiB of guest memory, so nothing is written into the guest. */
	ROW(.name = "KVM_WALL_CLOCK_NEW", .index = 0x4b564d00, .id = 107, .rule = RULE_RESERVED,
	    .share = SHARE_WALL_CLOCK, VALID(0x800000, 0xff0000000ull, 0xfffff000)),
	ROW(.name = "KVM_SYSTEM_TIME_NEW", .index = 0x4b564d01, .id = 108, .rule = RULE_RESERVED,
	    .share = SHARE_SYSTEM_TIME, VALID(0x0, 0x1000, 0x800001, 0xff0000001ull)),
	/* x86.c kvm_pv_enable_async_pf: bits 5:4 reserved; enabled with interrupt
	 * delivery (bits 0 and 3) the GPA (bits 63:6) must be guest memory
	 * (kvm_gfn_to_hva_cache_init). A refused GPA is still stored (msr_en_val). */
	ROW(.name = "KVM_ASYNC_PF_EN", .index = 0x4b564d02, .id = 109, .rule = RULE_GPA,
	    .rsvd = 0x30, .arg = 0x9, VALID(0x0, 0x1000, 0x1, 0x7, 0xffffffffffffffc7ull, 0x8),
	    INVALID(0x10, 0x20, 0x30, 0x800009, 0xff0000009ull, 0x1039)),
	/* x86.c kvm_set_msr_common, MSR_KVM_STEAL_TIME: KVM_STEAL_RESERVED_MASK
	 * (bits 5:1) fails; the GPA is not checked. */
	ROW(.name = "KVM_STEAL_TIME", .index = 0x4b564d03, .id = 110, .rule = RULE_RESERVED,
	    .rsvd = 0x3e, VALID(0x0, 0x40, 0x1000, 0x800001, 0xffffffffffffffc0ull),
	    INVALID(0x2, 0x4, 0x8, 0x10, 0x20, 0x3f)),
	/* lapic.c kvm_lapic_set_pv_eoi: the address (bit 0 cleared) must be 4-byte
	 * aligned; enabled, it must be guest memory. */
	ROW(.name = "KVM_PV_EOI_EN", .index = 0x4b564d04, .id = 111, .rule = RULE_GPA, .rsvd = 0x2,
	    .arg = 0x1, VALID(0x0, 0x4, 0x1000, 0x1001, 0x7ffffd),
	    INVALID(0x2, 0x3, 0x800001, 0xfff00000000001ull, 0x1003)),
	/* x86.c kvm_set_msr_common, MSR_KVM_POLL_CONTROL: only bit 0. */
	ROW(.name = "KVM_POLL_CONTROL", .index = 0x4b564d05, .id = 112, .rule = RULE_RESERVED,
	    .rsvd = 0xfffffffffffffffeull, VALID_LIST(bit0_valid),
	    INVALID(0x2, 0x3, 0x8000000000000000ull, 0xffffffffffffffffull)),
	/* x86.c kvm_pv_enable_async_pf_int: bits 63:8 reserved. */
	ROW(.name = "KVM_ASYNC_PF_INT", .index = 0x4b564d06, .id = 113, .rule = RULE_RESERVED,
	    .rsvd = 0xffffffffffffff00ull, VALID(0x0, 0xff, 0x30),
	    INVALID(0x100, 0x8000000000000000ull, 0x1ff)),
	/* x86.c kvm_set_msr_common, MSR_KVM_ASYNC_PF_ACK: any value; reads give 0. */
	ROW(.name = "KVM_ASYNC_PF_ACK", .index = 0x4b564d07, .id = 114, .rule = RULE_RESERVED,
	    .store = STORE_ZERO, VALID(0x0, 0x1, 0x1234, 0xffffffffffffffffull)),
	ROW(.name = "KVM_WALL_CLOCK", .index = 0x11, .id = 115, .rule = RULE_RESERVED,
	    .share = SHARE_WALL_CLOCK, VALID(0x800000, 0xff0000000ull)),
	ROW(.name = "KVM_SYSTEM_TIME", .index = 0x12, .id = 116, .rule = RULE_RESERVED,
	    .share = SHARE_SYSTEM_TIME, VALID(0x0, 0x1000, 0x800001)),
	/* svm.c svm_set_msr / vmx.c vmx_set_msr: kvm_spec_ctrl_test_value writes the
	 * value to the host MSR, so which low bits work is the CPU's to say; no CPU
	 * has a SPEC_CTRL bit above 31. */
	ROW(.name = "SPEC_CTRL", .index = 0x48, .id = 117, .support = SUPPORT_PROBED,
	    .rule = RULE_VENDOR, .rsvd = 0xffffffff00000000ull, .open = 0xffffffff,
	    VALID_LIST(zero_valid),
	    INVALID(0x100000000ull, 0x8000000000000000ull, 0xffffffffffffffffull)),
	/* x86.c kvm_set_msr_common, MSR_IA32_PRED_CMD: only IBPB (0) and SBPB (7), each
	 * if the guest CPUID and the host have it; a guest whose CPUID has none of SPEC_CTRL,
	 * AMD_IBPB, SBPB fails every write (msr_rules.c); no read handler (write-only). */
	ROW(.name = "PRED_CMD", .index = 0x49, .id = 118, .rule = RULE_VENDOR, .read = READ_NONE,
	    .rsvd = 0xffffffffffffff7eull, .open = 0x81, VALID_LIST(zero_valid),
	    INVALID(0x2, 0x4, 0x40, 0x100, 0x8000000000000000ull)),
	/* x86.c kvm_set_msr_common, MSR_IA32_XSS: guest needs XSAVES; bits outside
	 * kvm_caps.supported_xss fail, which never has bit 8 (PT) nor bits 63:32. */
	ROW(.name = "XSS", .index = 0xda0, .id = 119, .support = SUPPORT_PROBED,
	    .rule = RULE_VENDOR, .rsvd = 0xffffffff00000100ull, .open = 0xfffffeff,
	    VALID_LIST(zero_valid), INVALID(0x100, 0x100000000ull, 0x8000000000000000ull)),
	/* svm.c svm_set_msr / vmx.c vmx_set_msr, MSR_IA32_DEBUGCTLMSR: vendor- and
	 * host-specific (LBR virtualization, BusLockTrap): only 0 is taken everywhere. */
	ROW(.name = "DEBUGCTL", .index = 0x1d9, .id = 120, .kind = MSR_VOLATILE,
	    .rule = RULE_VENDOR, .open = 0xffffffffffffffffull, VALID_LIST(zero_valid)),
	/* x86.c kvm_set_msr_common, MSR_MISC_FEATURES_ENABLES: only CPUID_FAULT
	 * (bit 0), which KVM supports (kvm_arch_vcpu_create sets
	 * MSR_PLATFORM_INFO_CPUID_FAULT). */
	ROW(.name = "MISC_FEATURES_ENABLES", .index = 0x140, .id = 121, .rule = RULE_RESERVED,
	    .rsvd = 0xfffffffffffffffeull, VALID_LIST(bit0_valid),
	    INVALID(0x2, 0x8000000000000000ull, 0xffffffffffffffffull)),
	/* x86.c kvm_set_msr_common, MSR_PLATFORM_INFO: host writes only. On 6.18 a host
	 * write that changes it fails once the vCPU has run (measured: a feature MSR), which the
	 * model does not follow (.open). */
	ROW(.name = "PLATFORM_INFO", .index = 0xce, .id = 122, .rule = RULE_HOST_ONLY,
	    .open = 0xffffffffffffffffull, INVALID(0x80000000, 0x0)),
	/* x86.c kvm_set_msr_common, MSR_IA32_UCODE_REV: a guest write is taken and
	 * dropped, the host's sets the value guests read. */
	ROW(.name = "UCODE_REV", .index = 0x8b, .id = 123, .rule = RULE_RESERVED,
	    .store = STORE_GUEST_IGNORED, VALID(0x0, 0x100000000ull, 0xffffffffffffffffull)),
	/* x86.c kvm_set_msr_common, MSR_SMI_COUNT: host writes only. */
	ROW(.name = "SMI_COUNT", .index = 0x34, .id = 124, .rule = RULE_HOST_ONLY,
	    INVALID_LIST(bit0_valid)),
	/* x86.c kvm_set_msr_common, MSR_IA32_POWER_CTL: any value, stored. */
	ROW(.name = "POWER_CTL", .index = 0x1fc, .id = 125, .rule = RULE_RESERVED,
	    VALID_LIST(bit0_and_ones_valid)),
	/* x86.c kvm_set_msr_common, MSR_FAM10H_MMIO_CONF_BASE: only 0; reads give 0. */
	ROW(.name = "MMIO_CONF_BASE", .index = 0xc0010058, .id = 126, .rule = RULE_RESERVED,
	    .store = STORE_ZERO, .rsvd = 0xffffffffffffffffull, VALID_LIST(zero_valid),
	    INVALID(0x1, 0xe0000001, 0xffffffffffffffffull)),
	/* x86.c kvm_set_msr_common, MSR_AMD64_OSVW_*: any value, if the guest CPUID
	 * has OSVW. */
	ROW(.name = "OSVW_ID_LENGTH", .index = 0xc0010140, .id = 127, .support = SUPPORT_PROBED,
	    .rule = RULE_RESERVED, VALID(0x0, 0x4, 0xffffffffffffffffull)),
	ROW(.name = "OSVW_STATUS", .index = 0xc0010141, .id = 128, .support = SUPPORT_PROBED,
	    .rule = RULE_RESERVED, VALID_LIST(bit0_and_ones_valid)),
	/* lapic.c kvm_x2apic_msr_write / kvm_lapic_msr_write / kvm_lapic_reg_write, and
	 * kvm_lapic_readable_reg_mask: only in x2APIC mode; bits 63:32 are reserved
	 * but in ICR; PPR, LDR and TMCCT are read-only, EOI and SELF_IPI write-only;
	 * ESR takes only 0; SELF_IPI only a vector (bits 7:0). LVTs, SVR and the
	 * timer follow the APIC's state, which the model does not follow: reads any. */
	ROW(.name = "X2APIC_PPR", .index = 0x80a, .id = 129, .support = SUPPORT_PROBED,
	    .kind = MSR_VOLATILE, .rule = RULE_READ_ONLY, INVALID(0x0, 0x10)),
	ROW(.name = "X2APIC_EOI", .index = 0x80b, .id = 130, .support = SUPPORT_PROBED,
	    .kind = MSR_NONE, .rule = RULE_RESERVED, .read = READ_INVAL,
	    .rsvd = 0xffffffff00000000ull, VALID(0x0, 0xffffffff),
	    INVALID(0x100000000ull, 0xffffffffffffffffull)),
	ROW(.name = "X2APIC_LDR", .index = 0x80d, .id = 131, .support = SUPPORT_PROBED,
	    .kind = MSR_VOLATILE, .rule = RULE_READ_ONLY, INVALID_LIST(bit0_valid)),
	ROW(.name = "X2APIC_SVR", .index = 0x80f, .id = 132, .support = SUPPORT_PROBED,
	    .kind = MSR_VOLATILE, .rule = RULE_RESERVED, .rsvd = 0xffffffff00000000ull,
	    VALID(0x1ff, 0xff, 0x10ff, 0xffffffff), INVALID(0x100000000ull, 0x80000000000001ffull)),
	ROW(.name = "X2APIC_ESR", .index = 0x828, .id = 133, .support = SUPPORT_PROBED,
	    .kind = MSR_VOLATILE, .rule = RULE_RESERVED, .rsvd = 0xffffffffffffffffull,
	    VALID_LIST(zero_valid), INVALID(0x1, 0x80, 0x100000000ull)),
	/* lapic.c kvm_x2apic_icr_write: X2APIC_ICR_RESERVED_BITS (31:20, 17:16, 13).
	 * Valid values send a fixed IPI to an APIC ID no vCPU has. */
	ROW(.name = "X2APIC_ICR", .index = 0x830, .id = 134, .support = SUPPORT_PROBED,
	    .kind = MSR_VOLATILE, .rule = RULE_RESERVED, .rsvd = 0xfff32000,
	    VALID(0xff00000030ull, 0xff00004030ull, 0xff00000031ull, 0x1000000030ull),
	    INVALID(0xff00002030ull, 0xff00010030ull, 0xff00020030ull, 0xff00100030ull,
		    0xff80000030ull)),
	ROW(.name = "X2APIC_LVT_TIMER", .index = 0x832, .id = 135, .support = SUPPORT_PROBED,
	    .kind = MSR_VOLATILE, .rule = RULE_RESERVED, .rsvd = 0xffffffff00000000ull,
	    VALID_LIST(x2apic_lvt_valid), INVALID_LIST(x2apic_lvt_invalid)),
	ROW(.name = "X2APIC_LVT_LINT0", .index = 0x835, .id = 136, .support = SUPPORT_PROBED,
	    .kind = MSR_VOLATILE, .rule = RULE_RESERVED, .rsvd = 0xffffffff00000000ull,
	    VALID_LIST(x2apic_lvt_valid), INVALID_LIST(x2apic_lvt_invalid)),
	ROW(.name = "X2APIC_LVT_ERROR", .index = 0x837, .id = 137, .support = SUPPORT_PROBED,
	    .kind = MSR_VOLATILE, .rule = RULE_RESERVED, .rsvd = 0xffffffff00000000ull,
	    VALID_LIST(x2apic_lvt_valid), INVALID_LIST(x2apic_lvt_invalid)),
	ROW(.name = "X2APIC_TMICT", .index = 0x838, .id = 138, .support = SUPPORT_PROBED,
	    .kind = MSR_VOLATILE, .rule = RULE_RESERVED, .rsvd = 0xffffffff00000000ull,
	    VALID(0x0, 0x1000, 0xffffffff), INVALID(0x100000000ull)),
	ROW(.name = "X2APIC_TMCCT", .index = 0x839, .id = 139, .support = SUPPORT_PROBED,
	    .kind = MSR_VOLATILE, .rule = RULE_READ_ONLY, INVALID(0x0, 0x1000)),
	ROW(.name = "X2APIC_TDCR", .index = 0x83e, .id = 140, .support = SUPPORT_PROBED,
	    .rule = RULE_RESERVED, .store = STORE_MASKED, .rsvd = 0xffffffff00000000ull,
	    .arg = 0xfffffff4, VALID(0x0, 0xb, 0x3, 0xffffffff),
	    INVALID(0x100000000ull, 0x800000000000000bull)),
	ROW(.name = "X2APIC_SELF_IPI", .index = 0x83f, .id = 141, .support = SUPPORT_PROBED,
	    .kind = MSR_NONE, .rule = RULE_RESERVED, .read = READ_INVAL,
	    .rsvd = 0xffffffffffffff00ull, VALID(0x30, 0xff),
	    INVALID(0x100, 0x1030, 0x100000030ull)),
};
const unsigned msr_table_len = sizeof(msr_table) / sizeof(msr_table[0]);

/* Indices KVM has never known: append-only, the binary format's INDEX class 1 names them. */
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

const struct msr_info *msr_by_id(unsigned id)
{
	unsigned lo = 0, hi = msr_table_len;

	while (lo < hi) { /* rows are in increasing id order (tests/unit/test_msr_ids.c) */
		unsigned mid = (lo + hi) / 2;

		if (msr_table[mid].id == id)
			return &msr_table[mid];
		if (msr_table[mid].id < id)
			lo = mid + 1;
		else
			hi = mid;
	}
	return NULL;
}

bool is_canonical(uint64_t v, unsigned va_bits)
{
	int shift = 64 - (int)va_bits;

	return (uint64_t)(((int64_t)(v << shift)) >> shift) == v;
}
