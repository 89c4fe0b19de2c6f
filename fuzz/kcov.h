/* kcov.h - the fuzz thread's kernel PCs as more feedback, where the kernel has KCOV (off otherwise). */
#ifndef MSREXIT_KCOV_H
#define MSREXIT_KCOV_H

#include <stdbool.h>
#include <stdint.h>

struct kcov {
	int fd; /* -1: off */
	unsigned long *area; /* area[0]: PCs recorded; area[1..]: the PCs */
	unsigned long words;
};

/*
 * Opens /sys/kernel/debug/kcov and enables it for the calling thread (the
 * executor runs every vCPU on it); false, with k off, where the kernel has
 * no KCOV or MSREXIT_KCOV=0 asks for none.
 */
bool kcov_open(struct kcov *k);
/* Forgets the PCs recorded so far. */
void kcov_begin(struct kcov *k);
/* The PCs recorded since kcov_begin: *n of them. */
const unsigned long *kcov_pcs(const struct kcov *k, unsigned long *n);
void kcov_close(struct kcov *k);

/* The hash of the edge prev -> pc (pure; prev 0 for the first PC). */
uint32_t kcov_edge_hash(unsigned long prev, unsigned long pc);

#endif
