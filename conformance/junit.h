/* junit.h - JUnit XML for the conformance results, as CI systems read it. */
#ifndef MSREXIT_JUNIT_H
#define MSREXIT_JUNIT_H

#include "conform.h"

/* Writes cases[sel[k]] with outcomes[k]; returns 0, or -1 (message printed). */
int junit_write(const char *path, const struct conform_case *cases, const int *sel, int nsel,
		const struct case_outcome *outcomes, double secs);

#endif
