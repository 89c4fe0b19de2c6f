/* test_load.c - program_load_file: text or binary by the magic, edge bytes, long paths whole. */
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "codec_check.h"
#include "program.h"
#include "unit.h"

static char dir[] = "/tmp/test_load_XXXXXX";
static char path[2048];

/* Writes bytes to <dir>/<name>; path then names the file. */
static const char *put(const char *name, const void *data, size_t n)
{
	FILE *f;

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	f = fopen(path, "wb");
	CHECK(f && fwrite(data, 1, n, f) == n, "cannot write %s", path);
	if (f)
		fclose(f);
	return path;
}

static bool printable(const char *s)
{
	for (; *s; s++)
		if (*s < 0x20 || *s > 0x7e)
			return false;
	return true;
}

/* Loads path as kind; the program must be what program_decode makes of the same bytes. */
static void check_binary(const void *data, size_t n, enum prog_file_kind kind)
{
	static struct program p, want;
	struct parse_error err;
	char why[256] = "";
	int rc = program_load_file(path, kind, &p, &err);

	program_decode(data, n, &want);
	CHECK(rc == 0, "%s: %u:%u: %s", path, err.line, err.column, err.msg);
	CHECK(prog_equal(&p, &want, true, why), "%s: not as decoded: %s", path, why);
}

/* Loads path as kind and expects a located error whose message contains msg. */
static void check_error(enum prog_file_kind kind, unsigned line, unsigned col, const char *msg)
{
	static struct program p;
	struct parse_error err;
	int rc = program_load_file(path, kind, &p, &err);

	CHECK(rc == -1, "%s loaded", path);
	if (rc != -1)
		return;
	CHECK(err.file && !strcmp(err.file, path), "file '%s', want '%s'", err.file, path);
	CHECK(err.line == line && err.column == col, "%s: at %u:%u, want %u:%u (%s)", path,
	      err.line, err.column, line, col, err.msg);
	CHECK(strstr(err.msg, msg) && printable(err.msg), "%s: message \"%s\", want \"%s\"", path,
	      err.msg, msg);
}

/* Loads path as kind and expects a text of nsteps steps. */
static void check_steps(enum prog_file_kind kind, unsigned nsteps)
{
	static struct program p;
	struct parse_error err;
	int rc = program_load_file(path, kind, &p, &err);

	CHECK(rc == 0 && p.nsteps == nsteps, "%s: %d, %u steps: %u:%u: %s", path, rc, p.nsteps,
	      err.line, err.column, err.msg);
}

/* A control byte inside a text is an error at its place, never a binary program. */
static void test_control_bytes(void)
{
	static const char bytes[] = { '\f', '\0', 0x1b, '\v', 0x7f, 0x01, 0x1f };
	char text[32], want[32];

	for (unsigned i = 0; i < sizeof(bytes); i++) {
		int n = snprintf(text, sizeof(text), "rdmsr EFER\nrdmsr LSTAR X");

		text[n - 1] = bytes[i];
		put("control.msr", text, (size_t)n);
		snprintf(want, sizeof(want), "byte 0x%02x is not text", (unsigned char)bytes[i]);
		check_error(PROG_FILE_AUTO, 2, 13, want);
		check_error(PROG_FILE_TEXT, 2, 13, want);
		check_binary(text, (size_t)n, PROG_FILE_BINARY);
	}
	/* in a comment too: a binary program is not a text with odd comments */
	put("comment.msr", "rdmsr EFER # \x1b[0m\n", 18);
	check_error(PROG_FILE_AUTO, 1, 14, "byte 0x1b is not text");
	put("utf8.msr", "rdmsr EFER # caf\xc3\xa9\n", 19);
	check_steps(PROG_FILE_AUTO, 1);
	put("bom.msr", "\xef\xbb\xbfrdmsr EFER\nrdmsr LSTAR\n", 26);
	check_steps(PROG_FILE_AUTO, 2);
	put("bom-bad.msr", "\xef\xbb\xbfrdmsr EFERX\n", 15);
	check_error(PROG_FILE_AUTO, 1, 7, "unknown MSR name 'EFERX'");
}

/* Bytes that are no text and have no control byte: text errors, unless --binary says otherwise. */
static void test_binary_without_magic(void)
{
	static struct program p;
	struct parse_error err;

	put("ff.bin", "\xff", 1);
	check_error(PROG_FILE_AUTO, 1, 1, "byte 0xff outside a comment is not text");
	check_binary("\xff", 1, PROG_FILE_BINARY);
	put("m.bin", "M", 1);
	check_error(PROG_FILE_AUTO, 1, 1, "unknown statement 'M'");
	check_binary("M", 1, PROG_FILE_BINARY);
	/* "#B" is a comment as text, a 2-vCPU program with 2 filters as binary */
	put("hash-b", "#B", 2);
	CHECK(!program_load_file(path, PROG_FILE_AUTO, &p, &err) && p.nsteps == 0 &&
		  p.nvcpus == 1 && p.nfilters == 0,
	      "#B as text: %d vCPUs %d filters %s", p.nvcpus, p.nfilters, err.msg);
	check_binary("#B", 2, PROG_FILE_BINARY);
	CHECK(!program_load_file(path, PROG_FILE_BINARY, &p, &err) && p.nvcpus == 2 &&
		  p.nfilters == 2 && p.mask == REASON_UNKNOWN,
	      "#B as binary: %d vCPUs %d filters mask 0x%llx", p.nvcpus, p.nfilters,
	      (unsigned long long)p.mask);
}

/* A file starting with the magic is binary; --text reads it as (bad) text. */
static void test_magic(void)
{
	static uint8_t bin[PROG_BIN_MAX_SIZE];
	static struct program p;
	struct parse_error err;
	size_t n;

	CHECK(!program_parse("setup vcpus=2\nrdmsr EFER vcpu=1 error=1\n", "t", &p, &err), "%s",
	      err.msg);
	n = program_encode(&p, bin, sizeof(bin));
	put("magic.bin", bin, n);
	check_binary(bin, n, PROG_FILE_AUTO);
	check_error(PROG_FILE_TEXT, 1, 3, "byte 0x01 is not text");
	put("only-magic.bin", "MX", 2);
	check_binary("MX", 2, PROG_FILE_AUTO);
	put("magic-version.bin", "MX\x01", 3);
	check_binary("", 0, PROG_FILE_AUTO);
	put("empty", "", 0);
	check_binary("", 0, PROG_FILE_AUTO);
	check_binary("", 0, PROG_FILE_TEXT);
	check_binary("", 0, PROG_FILE_BINARY);
	put("mx-text.msr", "MXrdmsr EFER\n", 13);
	check_binary("MXrdmsr EFER\n", 13, PROG_FILE_AUTO);
	check_error(PROG_FILE_TEXT, 1, 1, "unknown statement 'MXrdmsr'");
}

/* A path of more than 1000 bytes, 120 directories deep, comes back whole in the error. */
static void test_long_path(void)
{
	size_t n = (size_t)snprintf(path, sizeof(path), "%s", dir);
	FILE *f;

	for (unsigned level = 0; n < 1100; level++) {
		n += (size_t)snprintf(path + n, sizeof(path) - n, "/level-%03u", level);
		CHECK(!mkdir(path, 0700), "mkdir %s: %s", path, strerror(errno));
	}
	snprintf(path + n, sizeof(path) - n, "/the-file-name.msr");
	check_error(PROG_FILE_AUTO, 0, 0, "cannot read: No such file");
	f = fopen(path, "w");
	CHECK(f && fputs("rdmsr EFER\n\nrdmsr NOPE\n", f) >= 0, "cannot write %s", path);
	if (f)
		fclose(f);
	check_error(PROG_FILE_AUTO, 3, 7, "unknown MSR name 'NOPE'");
}

int main(void)
{
	char cmd[64];

	if (!mkdtemp(dir)) {
		perror("mkdtemp");
		return 1;
	}
	test_control_bytes();
	test_binary_without_magic();
	test_magic();
	test_long_path();
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
	if (system(cmd))
		fprintf(stderr, "cannot remove %s\n", dir);
	return unit_summary("test_load");
}
