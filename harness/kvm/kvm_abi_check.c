/* kvm_abi_check.c - the model's KVM ABI numbers (kvm_abi.h) agree with the installed <linux/kvm.h>. */
#include <linux/kvm.h>

#include "kvm_abi.h"

_Static_assert(CAP_USER_SPACE_MSR == KVM_CAP_X86_USER_SPACE_MSR, "KVM_CAP_X86_USER_SPACE_MSR");
_Static_assert(CAP_MSR_FILTER == KVM_CAP_X86_MSR_FILTER, "KVM_CAP_X86_MSR_FILTER");

_Static_assert(EXIT_REASON_RDMSR == KVM_EXIT_X86_RDMSR, "KVM_EXIT_X86_RDMSR");
_Static_assert(EXIT_REASON_WRMSR == KVM_EXIT_X86_WRMSR, "KVM_EXIT_X86_WRMSR");

_Static_assert(REASON_INVAL == KVM_MSR_EXIT_REASON_INVAL, "KVM_MSR_EXIT_REASON_INVAL");
_Static_assert(REASON_UNKNOWN == KVM_MSR_EXIT_REASON_UNKNOWN, "KVM_MSR_EXIT_REASON_UNKNOWN");
_Static_assert(REASON_FILTER == KVM_MSR_EXIT_REASON_FILTER, "KVM_MSR_EXIT_REASON_FILTER");
_Static_assert(REASON_VALID_MASK == (KVM_MSR_EXIT_REASON_INVAL | KVM_MSR_EXIT_REASON_UNKNOWN |
				     KVM_MSR_EXIT_REASON_FILTER),
	       "the reason bits uapi defines");

_Static_assert(FILTER_DEFAULT_DENY == KVM_MSR_FILTER_DEFAULT_DENY, "KVM_MSR_FILTER_DEFAULT_DENY");
_Static_assert(RANGE_READ == KVM_MSR_FILTER_READ, "KVM_MSR_FILTER_READ");
_Static_assert(RANGE_WRITE == KVM_MSR_FILTER_WRITE, "KVM_MSR_FILTER_WRITE");
_Static_assert(FILTER_MAX_RANGES == KVM_MSR_FILTER_MAX_RANGES, "KVM_MSR_FILTER_MAX_RANGES");
_Static_assert(FILTER_MAX_RANGES == sizeof(((struct kvm_msr_filter *)0)->ranges) /
					sizeof(struct kvm_msr_filter_range),
	       "struct kvm_msr_filter.ranges");
#ifdef KVM_MSR_FILTER_MAX_BITMAP_SIZE /* older uapi headers leave it to the kernel */
_Static_assert(FILTER_BITMAP_MAX == KVM_MSR_FILTER_MAX_BITMAP_SIZE,
	       "KVM_MSR_FILTER_MAX_BITMAP_SIZE");
#endif
/* The valid masks are kernel-internal (or under __KERNEL__) in most headers. */
#ifdef KVM_MSR_FILTER_VALID_MASK
_Static_assert(FILTER_DEFAULT_DENY == KVM_MSR_FILTER_VALID_MASK, "KVM_MSR_FILTER_VALID_MASK");
#endif
#ifdef KVM_MSR_FILTER_RANGE_VALID_MASK
_Static_assert((RANGE_READ | RANGE_WRITE) == KVM_MSR_FILTER_RANGE_VALID_MASK,
	       "KVM_MSR_FILTER_RANGE_VALID_MASK");
#endif
#ifdef KVM_MSR_EXIT_REASON_VALID_MASK
_Static_assert(REASON_VALID_MASK == KVM_MSR_EXIT_REASON_VALID_MASK,
	       "KVM_MSR_EXIT_REASON_VALID_MASK");
#endif
