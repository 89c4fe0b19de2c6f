/* program_load.c - reading a program file, binary or text, chosen by its bytes. */
#include <errno.h>
#include <stdbool.h>
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

/*
 * Text is what people write: printable ASCII, tabs, line ends, and UTF-8 in
 * comments. Anything else (a fuzzer's input, say) is a binary program: every
 * byte string is one, with or without the magic.
 */
static bool looks_like_text(const char *buf, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		unsigned char c = (unsigned char)buf[i];

		if (c < 0x20 && c != '\n' && c != '\t' && c != '\r')
			return false;
		if (c == 0x7f)
			return false;
	}
	return true;
}

int program_load_file(const char *path, struct program *p, struct parse_error *err)
{
	FILE *f;
	char *buf = NULL;
	long n;
	int rc = 0;

	memset(err, 0, sizeof(*err));
	snprintf(err->file, sizeof(err->file), "%s", path);
	program_init(p);
	f = fopen(path, "rb");
	if (!f)
		return load_fail(err, errno);
	errno = 0;
	n = slurp(f, &buf);
	fclose(f);
	if (n < 0)
		return load_fail(err, (int)-n);
	if ((n >= 2 && buf[0] == PROG_BIN_MAGIC0 && buf[1] == PROG_BIN_MAGIC1) ||
	    !looks_like_text(buf, (size_t)n))
		program_decode((const uint8_t *)buf, (size_t)n, p);
	else
		rc = program_parse(buf, path, p, err);
	free(buf);
	return rc;
}
