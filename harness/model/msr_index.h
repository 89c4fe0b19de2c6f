/* msr_index.h - the MSR indices the code names, once (the kernel's msr-index.h names, without IA32_). */
#ifndef MSREXIT_MSR_INDEX_H
#define MSREXIT_MSR_INDEX_H

/*
 * Written with a u suffix: a file that still defines one of these itself
 * must spell it the same to compile (C allows only identical redefinitions).
 */
#define MSR_TSC 0x10u
#define MSR_KVM_WALL_CLOCK 0x11u /* the first kvmclock MSRs */
#define MSR_KVM_SYSTEM_TIME 0x12u
#define MSR_APIC_BASE 0x1bu
#define MSR_TSC_ADJUST 0x3bu
#define MSR_SPEC_CTRL 0x48u
#define MSR_PRED_CMD 0x49u
#define MSR_PMC0 0xc1u /* IA32_PMC0..7 */
#define MSR_PMC7 0xc8u
#define MSR_PLATFORM_INFO 0xceu
#define MSR_MPERF 0xe7u
#define MSR_APERF 0xe8u
#define MSR_ARCH_CAPABILITIES 0x10au
#define MSR_SYSENTER_CS 0x174u
#define MSR_SYSENTER_ESP 0x175u
#define MSR_SYSENTER_EIP 0x176u
#define MSR_MCG_CAP 0x179u
#define MSR_MCG_STATUS 0x17au
#define MSR_MCG_CTL 0x17bu
#define MSR_PERFEVTSEL0 0x186u /* IA32_PERFEVTSEL0..9 */
#define MSR_PERFEVTSEL9 0x18fu
#define MSR_MISC_ENABLE 0x1a0u
#define MSR_DEBUGCTL 0x1d9u
#define MSR_MTRR_FIRST 0x200u /* the MTRRs and PAT: 0x200..0x2ff */
#define MSR_MTRR_LAST 0x2ffu
#define MSR_FIXED_CTR0 0x309u /* IA32_FIXED_CTR0..2 */
#define MSR_FIXED_CTR2 0x30bu
#define MSR_PERF_CAPABILITIES 0x345u
#define MSR_FIXED_CTR_CTRL 0x38du /* ..PERF_GLOBAL_STATUS, _CTRL, _OVF_CTRL, _STATUS_SET */
#define MSR_PERF_GLOBAL_STATUS_SET 0x391u
#define MSR_MC0_CTL 0x400u /* machine-check banks: 0x400..0x47f */
#define MSR_MC_LAST 0x47fu
#define MSR_VMX_BASIC 0x480u /* the VMX capability MSRs: 0x480..0x491 */
#define MSR_VMX_VMFUNC 0x491u
#define MSR_PMC0_FULL 0x4c1u /* IA32_A_PMC0..7, full-width writes */
#define MSR_PMC7_FULL 0x4c8u
#define MSR_TSC_DEADLINE 0x6e0u
#define MSR_X2APIC_ID 0x802u
#define MSR_X2APIC_TPR 0x808u
#define MSR_EFER 0xc0000080u
#define MSR_STAR 0xc0000081u
#define MSR_LSTAR 0xc0000082u
#define MSR_CSTAR 0xc0000083u
#define MSR_SFMASK 0xc0000084u /* SYSCALL_MASK */
#define MSR_FS_BASE 0xc0000100u
#define MSR_GS_BASE 0xc0000101u
#define MSR_KERNEL_GS_BASE 0xc0000102u
#define MSR_TSC_AUX 0xc0000103u
#define MSR_AMD_PERF_GLOBAL_STATUS 0xc0000300u /* ..CTL, STATUS_CLR, STATUS_SET: ..0xc0000303 */
#define MSR_AMD_PERF_GLOBAL_STATUS_SET 0xc0000303u
#define MSR_K7_EVNTSEL0 0xc0010000u /* K7 event selects and counters: ..0xc0010007 */
#define MSR_K7_PERFCTR3 0xc0010007u
#define MSR_HWCR 0xc0010015u
#define MSR_F15H_PERF_CTL0 0xc0010200u /* F15h controls and counters: ..0xc001020f */
#define MSR_F15H_PERF_CTR5 0xc001020fu
#define MSR_AMD_DE_CFG 0xc0011029u
#define MSR_HYPERV_FIRST 0x40000000u /* Hyper-V's synthetic MSRs: 0x40000000..0x400000ff */
#define MSR_HYPERV_LAST 0x400000ffu
#define MSR_KVM_FIRST 0x4b564d00u /* KVM's own paravirtual MSRs: 0x4b564d00..0x4b564dff */
#define MSR_KVM_LAST 0x4b564dffu

#endif
