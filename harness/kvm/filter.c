/* filter.c - turns a program's filter description into the KVM_X86_SET_MSR_FILTER argument. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "filter.h"
#include "kvm.h"

/* An address no process maps: the kernel's copy of the bitmap must fail with EFAULT. */
#define UNREADABLE_BITMAP ((__u8 *)0x8)

void filter_build(const struct prog_filter *pf, struct filter_buf *buf)
{
	memset(&buf->f, 0, sizeof(buf->f));
	if (!pf)
		return;
	buf->f.flags = pf->flags;
	for (unsigned i = 0; i < pf->nranges && i < PROG_MAX_RANGES; i++) {
		const struct prog_range *r = &pf->ranges[i];
		struct kvm_msr_filter_range *kr = &buf->f.ranges[i];

		kr->flags = r->flags;
		kr->nmsrs = r->nmsrs;
		kr->base = r->base;
		if (r->bitmap_kind == BITMAP_FAULT) {
			kr->bitmap = UNREADABLE_BITMAP;
			continue;
		}
		/*
		 * A range longer than the kernel accepts is refused before its
		 * bitmap is read, so the largest buffer is always enough.
		 */
		for (unsigned k = 0; k < sizeof(buf->bitmap[i]); k++)
			buf->bitmap[i][k] = (uint8_t)(r->pattern >> (8 * (k % 8)));
		kr->bitmap = buf->bitmap[i];
	}
}

int __filter_install(int fd, const struct prog_filter *pf)
{
	struct filter_buf *buf = malloc(sizeof(*buf));
	char args[64];
	int r;

	kvm_clear_error();
	if (!buf)
		return kvm_error(ENOMEM, "out of memory");
	filter_build(pf, buf);
	snprintf(args, sizeof(args), "flags 0x%x, %u ranges", buf->f.flags, pf ? pf->nranges : 0);
	r = KVM_IOCTL(fd, KVM_X86_SET_MSR_FILTER, &buf->f, args);
	free(buf);
	return r;
}

void filter_install(int fd, const struct prog_filter *pf)
{
	kvm_check(__filter_install(fd, pf), __func__);
}
