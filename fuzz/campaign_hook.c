/* campaign_hook.c - the current-input file and the findings log a fuzz target keeps for `msrexit campaign`. */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/uio.h>
#include <unistd.h>

#include "campaign_hook.h"

static struct {
	bool tried, on;
	int fd;
	enum current_input_sync sync;
	uint64_t seq;
	size_t capacity; /* input bytes the file holds without growing */
	const uint8_t *data; /* the input of the last begin, for the findings log */
	size_t size;
	uint64_t hash;
} ci = { .fd = -1 };

uint64_t input_hash(const uint8_t *data, size_t size)
{
	uint64_t h = 0xcbf29ce484222325ull;

	for (size_t i = 0; i < size; i++)
		h = (h ^ data[i]) * 0x100000001b3ull;
	return h;
}

int current_input_sync_parse(const char *s)
{
	if (!s || !strcmp(s, "device"))
		return CURRENT_INPUT_SYNC_DEVICE;
	if (!strcmp(s, "none"))
		return CURRENT_INPUT_SYNC_NONE;
	if (!strcmp(s, "full"))
		return CURRENT_INPUT_SYNC_FULL;
	return -1;
}

/* Real blocks from the header up to capacity, so later writes change no metadata. */
static int allocate(size_t capacity)
{
	static const uint8_t zeros[4096];
	off_t end = CURRENT_INPUT_HEADER + (off_t)capacity;
	struct stat st;

	if (fstat(ci.fd, &st))
		return -1;
	for (off_t off = st.st_size; off < end; off += sizeof(zeros)) {
		size_t n =
		    (size_t)(end - off) < sizeof(zeros) ? (size_t)(end - off) : sizeof(zeros);

		if (pwrite(ci.fd, zeros, n, off) != (ssize_t)n)
			return -1;
	}
	ci.capacity = capacity;
	return fsync(ci.fd);
}

static void close_at_exit(void)
{
	campaign_hook_close();
}

/* PATH, or PATH/<pid>.input when PATH is a directory. */
static int open_file(const char *path)
{
	char name[4096];
	struct current_input_header h;
	struct stat st;

	if (!stat(path, &st) && S_ISDIR(st.st_mode))
		snprintf(name, sizeof(name), "%s/%d.input", path, (int)getpid());
	else
		snprintf(name, sizeof(name), "%s", path);
	ci.fd = open(name, O_RDWR | O_CREAT | O_CLOEXEC, 0644);
	if (ci.fd < 0)
		return -1;
	/* a file used before (not a directory's per-process one) keeps counting */
	if (pread(ci.fd, &h, sizeof(h), 0) == sizeof(h) &&
	    !memcmp(h.magic, CURRENT_INPUT_MAGIC, sizeof(h.magic)))
		ci.seq = h.seq;
	if (allocate(CURRENT_INPUT_CAPACITY)) {
		close(ci.fd);
		ci.fd = -1;
		return -1;
	}
	atexit(close_at_exit);
	return 0;
}

static void open_from_env(void)
{
	const char *path = getenv("MSREXIT_CURRENT_INPUT");
	const char *sync = getenv("MSREXIT_CURRENT_INPUT_SYNC");
	int s = current_input_sync_parse(sync);

	ci.tried = true;
	if (!path || !*path)
		return;
	if (s < 0) {
		fprintf(stderr,
			"msrexit: MSREXIT_CURRENT_INPUT_SYNC='%s' is not none, device or full\n",
			sync);
		exit(2);
	}
	ci.sync = (enum current_input_sync)s;
	if (open_file(path)) {
		fprintf(stderr, "msrexit: cannot keep the current input in %s: %s\n", path,
			strerror(errno));
		return;
	}
	ci.on = true;
}

static void write_header(uint32_t state, size_t size, uint64_t hash, const uint8_t *data)
{
	struct current_input_header h = { .state = state, .size = (uint32_t)size };
	struct iovec iov[2] = { { &h, sizeof(h) }, { (void *)data, data ? size : 0 } };

	memcpy(h.magic, CURRENT_INPUT_MAGIC, sizeof(h.magic));
	h.seq = ci.seq;
	h.pid = (uint64_t)getpid();
	h.hash = hash;
	if (pwritev(ci.fd, iov, 2, 0) < 0)
		ci.on = false; /* a full disk: fuzzing goes on, unguarded */
}

static void sync_record(size_t size)
{
	if (ci.sync == CURRENT_INPUT_SYNC_FULL)
		fdatasync(ci.fd);
	else if (ci.sync == CURRENT_INPUT_SYNC_DEVICE)
		sync_file_range(ci.fd, 0, CURRENT_INPUT_HEADER + size,
				SYNC_FILE_RANGE_WAIT_BEFORE | SYNC_FILE_RANGE_WRITE |
				    SYNC_FILE_RANGE_WAIT_AFTER);
}

void campaign_hook_begin(const uint8_t *data, size_t size)
{
	ci.data = data;
	ci.size = size;
	if (!ci.tried)
		open_from_env();
	if (!ci.on)
		return;
	if (size > ci.capacity && allocate(size + CURRENT_INPUT_CAPACITY)) {
		ci.on = false;
		return;
	}
	ci.seq++;
	ci.hash = input_hash(data, size);
	write_header(CURRENT_INPUT_RUNNING, size, ci.hash, data);
	sync_record(size);
}

bool campaign_hook_wanted(const char *sig)
{
	const char *only = getenv("MSREXIT_ONLY_SIGNATURE");

	return !only || !*only || !strcmp(only, sig);
}

/* The last input stays in the file, for whoever wants to know what ran last. */
void campaign_hook_close(void)
{
	if (ci.on)
		write_header(CURRENT_INPUT_CLOSED, ci.size, ci.hash, NULL);
}

void campaign_hook_finding(const char *sig)
{
	const char *log = getenv("MSREXIT_FINDINGS_LOG");
	char line[256];
	int fd, n;

	campaign_hook_close();
	if (!log || !*log || !ci.data)
		return;
	n = snprintf(line, sizeof(line), "%016llx %zu %s\n",
		     (unsigned long long)input_hash(ci.data, ci.size), ci.size, sig);
	fd = open(log, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0644);
	if (fd < 0)
		return;
	/* one write to an O_APPEND file: lines of concurrent workers do not mix */
	if (write(fd, line, (size_t)n) != n)
		fprintf(stderr, "msrexit: cannot append to %s\n", log);
	close(fd);
}

int current_input_read(const char *path, struct current_input_header *h, uint8_t **data)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	ssize_t n;

	*data = NULL;
	if (fd < 0)
		return -1;
	if (pread(fd, h, sizeof(*h), 0) != sizeof(*h) ||
	    memcmp(h->magic, CURRENT_INPUT_MAGIC, sizeof(h->magic)))
		goto invalid;
	*data = malloc(h->size ? h->size : 1);
	if (!*data)
		goto invalid;
	n = pread(fd, *data, h->size, CURRENT_INPUT_HEADER);
	if (n != (ssize_t)h->size || input_hash(*data, h->size) != h->hash)
		goto invalid;
	close(fd);
	return 0;
invalid:
	free(*data);
	*data = NULL;
	close(fd);
	errno = EINVAL;
	return -1;
}
