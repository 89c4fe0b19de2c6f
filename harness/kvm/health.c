/* health.c - kernel health around a run: new taint flags, WARN/BUG/Oops/KASAN in the kernel log. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "health.h"

static unsigned long read_tainted(void)
{
	unsigned long v = 0;
	FILE *f = fopen("/proc/sys/kernel/tainted", "r");

	if (f) {
		if (fscanf(f, "%lu", &v) != 1)
			v = 0;
		fclose(f);
	}
	return v;
}

char *kmsg_text(char *rec, size_t len)
{
	char *msg;

	rec[len] = 0;
	msg = strchr(rec, ';');
	msg = msg ? msg + 1 : rec;
	msg[strcspn(msg, "\n")] = 0;
	return msg;
}

bool health_line_is_bad(const char *line)
{
	static const char *const bad[] = {
		"WARNING:",
		"BUG:",
		"Oops",
		"KASAN",
		"UBSAN",
		"general protection fault",
		"kernel BUG",
		"refcount_t:",
		"list_add corruption",
		"list_del corruption",
		"stack-protector",
		"RCU detected stall",
		"soft lockup",
		"hung_task",
	};

	for (unsigned i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		if (strstr(line, bad[i]))
			return true;
	return false;
}

void health_begin(struct health *h)
{
	h->tainted = read_tainted();
	h->kmsg_fd = open("/dev/kmsg", O_RDONLY | O_NONBLOCK | O_CLOEXEC);
	if (h->kmsg_fd >= 0)
		lseek(h->kmsg_fd, 0, SEEK_END);
}

/* Reads the records written since the last call; reports the first bad one. */
static bool scan_log(struct health *h, char *report, size_t size)
{
	char rec[8192]; /* larger than any record: a short buffer fails every later read */
	bool found = false;

	if (h->kmsg_fd < 0)
		return false;
	for (;;) {
		ssize_t n = read(h->kmsg_fd, rec, sizeof(rec) - 1);
		char *msg;

		if (n < 0 && errno == EPIPE)
			continue; /* records were overwritten: go on with the next */
		if (n < 0 && errno != EAGAIN && !found) {
			snprintf(report, size, "kernel log unreadable from here on: %s",
				 strerror(errno));
			return true;
		}
		if (n <= 0)
			break;
		msg = kmsg_text(rec, (size_t)n);
		if (!found && health_line_is_bad(msg)) {
			snprintf(report, size, "kernel log: %s", msg);
			found = true;
		}
	}
	return found;
}

bool health_check(struct health *h, char *report, size_t size)
{
	unsigned long t = read_tainted();
	bool bad = scan_log(h, report, size);

	if (!bad && (t & ~h->tainted)) {
		snprintf(report, size, "kernel taint flags changed: 0x%lx -> 0x%lx", h->tainted, t);
		bad = true;
	}
	h->tainted = t;
	return bad;
}

bool health_final_check(struct health *h, char *report, size_t size)
{
	/* VM teardown finishes after the last close: give a late WARN time to appear */
	usleep(200 * 1000);
	return health_check(h, report, size);
}

void health_end(struct health *h)
{
	if (h->kmsg_fd >= 0)
		close(h->kmsg_fd);
	h->kmsg_fd = -1;
}
