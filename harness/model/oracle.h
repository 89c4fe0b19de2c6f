/* oracle.h - the reference model: predicts every exit and guest-visible result of a program. */
#ifndef MSREXIT_ORACLE_H
#define MSREXIT_ORACLE_H

#include "facts.h"
#include "program.h"
#include "trace.h"

/* Pure: no ioctl, no globals. */
void oracle_predict(const struct program *p, const struct kernel_facts *f, struct expected *e);

#endif
