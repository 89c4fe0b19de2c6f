/* filter.h - turns a program's filter description into the KVM_X86_SET_MSR_FILTER argument. */
#ifndef MSREXIT_FILTER_H
#define MSREXIT_FILTER_H

#include <linux/kvm.h>

#include "kvm_abi.h"
#include "program.h"

struct filter_buf {
	struct kvm_msr_filter f;
	/* one buffer per range, big enough for any range the kernel accepts */
	uint8_t bitmap[PROG_MAX_RANGES][FILTER_BITMAP_MAX + 8];
};

/* NULL filter = "none": flags 0, no ranges (clears any filter). */
void filter_build(const struct prog_filter *pf, struct filter_buf *buf);
/* KVM_X86_SET_MSR_FILTER on fd: plain fails loudly, __ returns 0 or -errno (kvm.h). */
void filter_install(int fd, const struct prog_filter *pf);
int __filter_install(int fd, const struct prog_filter *pf);

#endif
