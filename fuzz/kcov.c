/* kcov.c - the fuzz thread's kernel PCs as more feedback, where the kernel has KCOV (off otherwise). */
#include <fcntl.h>
#include <linux/kcov.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <unistd.h>

#include "kcov.h"

#define KCOV_WORDS (1ul << 18) /* a KVM_RUN with exits records thousands of PCs */

/* Documentation/dev-tools/kcov.rst: init, mmap, enable on this thread. */
bool kcov_open(struct kcov *k)
{
	const char *e = getenv("MSREXIT_KCOV");
	void *area;

	k->fd = -1;
	k->area = NULL;
	k->words = 0;
	if (e && !strcmp(e, "0"))
		return false;
	k->fd = open("/sys/kernel/debug/kcov", O_RDWR | O_CLOEXEC);
	if (k->fd < 0)
		return false;
	if (ioctl(k->fd, KCOV_INIT_TRACE, KCOV_WORDS))
		goto fail;
	area = mmap(NULL, KCOV_WORDS * sizeof(unsigned long), PROT_READ | PROT_WRITE, MAP_SHARED,
		    k->fd, 0);
	if (area == MAP_FAILED)
		goto fail;
	if (ioctl(k->fd, KCOV_ENABLE, KCOV_TRACE_PC)) {
		munmap(area, KCOV_WORDS * sizeof(unsigned long));
		goto fail;
	}
	k->area = area;
	k->words = KCOV_WORDS;
	return true;
fail:
	close(k->fd);
	k->fd = -1;
	return false;
}

void kcov_begin(struct kcov *k)
{
	if (k->area)
		__atomic_store_n(&k->area[0], 0, __ATOMIC_RELAXED);
}

const unsigned long *kcov_pcs(const struct kcov *k, unsigned long *n)
{
	unsigned long got;

	*n = 0;
	if (!k->area)
		return NULL;
	got = __atomic_load_n(&k->area[0], __ATOMIC_RELAXED);
	*n = got < k->words - 1 ? got : k->words - 1;
	return &k->area[1];
}

void kcov_close(struct kcov *k)
{
	if (k->fd < 0)
		return;
	ioctl(k->fd, KCOV_DISABLE, 0);
	munmap(k->area, k->words * sizeof(unsigned long));
	close(k->fd);
	k->fd = -1;
	k->area = NULL;
}

uint32_t kcov_edge_hash(unsigned long prev, unsigned long pc)
{
	uint64_t h = ((uint64_t)prev * 0x9e3779b97f4a7c15ull) ^ pc;

	h ^= h >> 33;
	h *= 0xff51afd7ed558ccdull;
	h ^= h >> 33;
	return (uint32_t)h;
}
