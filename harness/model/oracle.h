/* oracle.h - the reference model: predicts every exit and guest-visible result of a program. */
#ifndef MSREXIT_ORACLE_H
#define MSREXIT_ORACLE_H

#include "facts.h"
#include "program.h"
#include "trace.h"

/* Pure: no ioctl, no globals. */
void oracle_predict(const struct program *p, const struct kernel_facts *f, struct expected *e);

/* Whether filter flt lets an access of type RANGE_READ or RANGE_WRITE to index through (§3). */
bool oracle_filter_allows(const struct prog_filter *flt, uint32_t index, uint32_t type);

#endif
