/* program_build.h - building programs in C (conformance C cases, probes, tests). */
#ifndef MSREXIT_PROGRAM_BUILD_H
#define MSREXIT_PROGRAM_BUILD_H

#include "program.h"

void pb_init(struct program *p, int nvcpus, uint64_t mask);
/* Steps are appended; all return the new step (never NULL: a full program aborts). */
struct step *pb_rdmsr(struct program *p, uint32_t index);
struct step *pb_wrmsr(struct program *p, uint32_t index, uint64_t value);
struct step *pb_host(struct program *p, uint8_t kind, uint64_t arg);
struct step *pb_host_msrs(struct program *p, uint8_t kind, unsigned n, const uint32_t *idx,
			  const uint64_t *val);
/* Filter slot n (0..3), emptied, with the given flags; ranges appended with pb_range. */
struct prog_filter *pb_filter(struct program *p, unsigned n, uint32_t flags);
struct prog_range *pb_range(struct prog_filter *f, uint32_t flags, uint32_t base, uint32_t nmsrs,
			    uint64_t pattern);

#endif
