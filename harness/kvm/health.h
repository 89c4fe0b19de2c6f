/* health.h - kernel health around a run: new taint flags, WARN/BUG/Oops/KASAN in the kernel log. */
#ifndef MSREXIT_HEALTH_H
#define MSREXIT_HEALTH_H

#include <stdbool.h>
#include <stddef.h>

struct health {
	unsigned long tainted;
	int kmsg_fd; /* -1 when the log cannot be read (not root): callers must say so */
};

/* Starts watching: remembers the taint flags, skips the log written so far. */
void health_begin(struct health *h);
/* true if something new and bad appeared since health_begin/the last check; report says what. */
bool health_check(struct health *h, char *report, size_t size);
/* The check after the last run, once deferred teardown had time to log. */
bool health_final_check(struct health *h, char *report, size_t size);
void health_end(struct health *h);
/* Whether a kernel log line is a finding (pure; unit-tested). */
bool health_line_is_bad(const char *line);
/* The message of a /dev/kmsg record of len bytes in rec[len + 1]: after ';', up to the newline. */
char *kmsg_text(char *rec, size_t len);

#endif
