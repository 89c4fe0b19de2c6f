/* program_load.c - reading a program file, binary or text: the magic decides, or the caller. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "program.h"

static int load_fail(struct parse_error *err, int e)
{
	snprintf(err->msg, sizeof(err->msg), "cannot read: %s", strerror(e));
	return -1;
}

#define LOAD_MAX (64u << 20)

/* Reads the whole file into a NUL-terminated buffer; returns its length or -errno. */
static long slurp(FILE *f, char **out)
{
	size_t cap = 4096, n = 0, got;
	char *buf = malloc(cap + 1), *nb;

	while (buf && (got = fread(buf + n, 1, cap - n, f)) > 0) {
		n += got;
		if (n < cap)
			continue;
		if (cap >= LOAD_MAX) {
			free(buf);
			return -EFBIG;
		}
		nb = realloc(buf, cap * 2 + 1);
		if (!nb)
			break;
		buf = nb;
		cap *= 2;
	}
	if (!buf || n == cap || ferror(f)) {
		int e = !buf || n == cap ? ENOMEM : (errno ? errno : EIO);

		free(buf);
		return -e;
	}
	buf[n] = '\0';
	*out = buf;
	return (long)n;
}

/* The one rule (docs/program-format.md): the magic makes a binary program, anything else is text. */
static enum prog_file_kind kind_of(const char *buf, size_t n)
{
	if (n >= 2 && buf[0] == PROG_BIN_MAGIC0 && buf[1] == PROG_BIN_MAGIC1)
		return PROG_FILE_BINARY;
	return PROG_FILE_TEXT;
}

int program_load_file(const char *path, enum prog_file_kind kind, struct program *p,
		      struct parse_error *err)
{
	FILE *f;
	char *buf = NULL;
	long n;
	int rc = 0;

	memset(err, 0, sizeof(*err));
	err->file = path;
	program_init(p);
	f = fopen(path, "rb");
	if (!f)
		return load_fail(err, errno);
	errno = 0;
	n = slurp(f, &buf);
	fclose(f);
	if (n < 0)
		return load_fail(err, (int)-n);
	if (kind == PROG_FILE_AUTO)
		kind = kind_of(buf, (size_t)n);
	if (kind == PROG_FILE_BINARY)
		program_decode((const uint8_t *)buf, (size_t)n, p);
	else
		rc = program_parse_bytes(buf, (size_t)n, path, p, err);
	free(buf);
	return rc;
}
