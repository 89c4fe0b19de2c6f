/* junit.h - JUnit XML for the conformance results, as CI systems read it. */
#ifndef MSREXIT_JUNIT_H
#define MSREXIT_JUNIT_H

#include "conform.h"

#include <stdio.h>

/*
 * Opens the JUnit file before the run; NULL (message printed) if it cannot be
 * written. A regular file holds an "unfinished run" error until junit_write.
 */
FILE *junit_open(const char *path);
/* Writes cases[sel[k]] with outcomes[k] and closes f; returns 0, or -1 (message printed). */
int junit_write(FILE *f, const struct conform_case *cases, const int *sel, int nsel,
		const struct case_outcome *outcomes, double secs);

#endif
