/* model_check.h - the properties the no-KVM fuzz targets check on every program they get. */
#ifndef MSREXIT_MODEL_CHECK_H
#define MSREXIT_MODEL_CHECK_H

#include <stddef.h>
#include <stdint.h>

#include "facts.h"
#include "program.h"
#include "trace.h"

/*
 * Valid; decode(encode(p)) == p; parse(format(p)) == p and format is
 * canonical. A failed check prints "msrexit-finding: model/..." and aborts.
 */
void model_check_program(const struct program *p, const char *from);

/*
 * The oracle and compare on p, against facts drawn from seed: the oracle's
 * own prediction, as an observation, must match (no mismatch), and the same
 * observation with one guest RCX changed must not.
 */
void model_check_oracle(const struct program *p, uint32_t seed);

/* Kernel facts of some kernel (not this one), all drawn from seed. */
void model_synth_facts(uint32_t seed, struct kernel_facts *f);
/* The observation that picks, for each guest step, alternative (seed-drawn) of e. */
void model_synth_trace(const struct program *p, const struct expected *e, uint32_t seed,
		       struct trace *t);

/* FNV-1a of the input: the seed of everything drawn for it. */
uint32_t model_seed(const uint8_t *data, size_t size);

#endif
