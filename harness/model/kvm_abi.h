/* kvm_abi.h - the KVM ABI values we use, as plain numbers (kvm/kvm_abi_check.c checks them). */
#ifndef MSREXIT_KVM_ABI_H
#define MSREXIT_KVM_ABI_H

/*
 * The model must not depend on the installed KVM headers (they may be older
 * than the kernel under test), so the numbers are written out here once.
 */

/* KVM_CAP_X86_USER_SPACE_MSR, KVM_CAP_X86_MSR_FILTER */
#define CAP_USER_SPACE_MSR 188
#define CAP_MSR_FILTER 189

/* kvm_run->exit_reason of an MSR exit: KVM_EXIT_X86_RDMSR, KVM_EXIT_X86_WRMSR */
#define EXIT_REASON_RDMSR 29
#define EXIT_REASON_WRMSR 30

/* Reason mask bits (KVM_MSR_EXIT_REASON_*); the kernel refuses any other bit. */
#define REASON_INVAL 0x1u
#define REASON_UNKNOWN 0x2u
#define REASON_FILTER 0x4u
#define REASON_VALID_MASK 0x7u

/* KVM_X86_SET_MSR_FILTER: filter flags, range flags, and the kernel's limits. */
#define FILTER_DEFAULT_DENY 0x1u /* KVM_MSR_FILTER_DEFAULT_DENY */
#define RANGE_READ 0x1u /* KVM_MSR_FILTER_READ */
#define RANGE_WRITE 0x2u /* KVM_MSR_FILTER_WRITE */
#define FILTER_MAX_RANGES 16 /* KVM_MSR_FILTER_MAX_RANGES */
#define FILTER_BITMAP_MAX 0x600u /* KVM_MSR_FILTER_MAX_BITMAP_SIZE, bytes */
#define RANGE_MAX_NMSRS (FILTER_BITMAP_MAX * 8) /* 12288 */

/* KVM_GET_MSRS/KVM_SET_MSRS refuse nmsrs >= this with E2BIG (x86.c, not in uapi). */
#define MAX_IO_MSRS 256

#endif
