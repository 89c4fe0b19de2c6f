/* unit.h - a tiny TAP-style assertion kit for the tests that need no KVM. */
#ifndef MSREXIT_UNIT_H
#define MSREXIT_UNIT_H

#include <stdio.h>
#include <stdlib.h>

static unsigned unit_failed, unit_checked;

#define CHECK(cond, fmt, ...)                                                                     \
	do {                                                                                      \
		unit_checked++;                                                                   \
		if (!(cond)) {                                                                    \
			unit_failed++;                                                            \
			fprintf(stderr, "%s:%d: CHECK(%s) failed: " fmt "\n", __FILE__, __LINE__, \
				#cond, ##__VA_ARGS__);                                            \
		}                                                                                 \
	} while (0)

#define CHECK_EQ(a, b)                                                                            \
	CHECK((unsigned long long)(a) == (unsigned long long)(b), "%s = 0x%llx, %s = 0x%llx", #a, \
	      (unsigned long long)(a), #b, (unsigned long long)(b))

/* Last line of main: prints a count the CI log reader understands and sets the exit status. */
static inline int unit_summary(const char *name)
{
	printf("%s: %u passed, %u failed\n", name, unit_checked - unit_failed, unit_failed);
	return unit_failed ? 1 : 0;
}

#endif
