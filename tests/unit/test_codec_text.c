/* test_codec_text.c - unit tests of the text codec: examples, canonical form, errors, garbage. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "codec_check.h"
#include "msr_table.h"
#include "program.h"
#include "unit.h"

static uint64_t rng_state = 0x243f6a8885a308d3ull;

static unsigned rnd_below(unsigned n)
{
	rng_state ^= rng_state >> 12;
	rng_state ^= rng_state << 25;
	rng_state ^= rng_state >> 27;
	return (unsigned)((rng_state * 0x2545f4914f6cdd1dull) % n);
}

void text_tests_counts(unsigned *checked, unsigned *failed)
{
	*checked += unit_checked;
	*failed += unit_failed;
}

void check_text_round_trip(const struct program *p)
{
	static char t1[TEXT_MAX], t2[TEXT_MAX];
	struct parse_error err;
	struct program q;
	char why[256] = "";
	int n = program_format(p, t1, sizeof(t1));

	CHECK(n >= 0, "format failed");
	if (program_parse(t1, "round-trip", &q, &err)) {
		CHECK(0, "canonical text does not parse: %u:%u: %s\n%s", err.line, err.column,
		      err.msg, t1);
		return;
	}
	CHECK(prog_equal(p, &q, false, why), "text round trip: %s\n%s", why, t1);
	CHECK(program_format(&q, t2, sizeof(t2)) == n && !strcmp(t1, t2), "not canonical:\n%s", t2);
	check_bin_round_trip(p);
}

static const char example[] =
    "# every statement once\n"
    "setup vcpus=2 mask=UNKNOWN|FILTER filter=0\n"
    "filter 0 default=deny\n"
    "\trange read 0xc0000080 8 allow   # EFER..\n"
    "\trange rw 0x10 64 pattern=0x00000000000000ff\n"
    "\tRANGE 0x0 0x10 0 fault\n"
    "end\n"
    "\n"
    "rdmsr EFER\n"
    "rdmsr 0x12345678 cpl=3 vcpu=1 rcx_hi=0xdeadbeef rax=0x1 rdx=0x2 error=1 "
    "data=0x1122334455667788 hold scribble untouched\n"
    "wrmsr LSTAR 0xffffffff81000000 rax_hi=0xdead rdx_hi=0xbeef error=0xff\n"
    "host mask INVAL|UNKNOWN flags=0 on=vm\n"
    "host filter 0 on=vm\n"
    "host get EFER LSTAR 0x12345678 nmsrs=256 on=vcpu vcpu=1\n"
    "host set LSTAR=0xffffffff81000000 EFER=0xd01 nmsrs=3\n"
    "HOST Immediate-Exit vcpu=1\n"
    "host regs vcpu=0\n"
    "host events\n"
    "host check-cap 188 on=system\n"
    "host filter none\n"
    "host mask 0x8|inval\n";

static const char example_canonical[] =
    "setup vcpus=2 mask=UNKNOWN|FILTER filter=0\n"
    "filter 0 default=deny\n"
    "\trange read EFER 8 allow\n"
    "\trange rw TSC 64 pattern=0x00000000000000ff\n"
    "\trange 0x0 TSC 0 fault\n"
    "end\n"
    "rdmsr EFER\n"
    "rdmsr UNKNOWN_12345678 cpl=3 vcpu=1 rcx_hi=0xdeadbeef rax=0x1 rdx=0x2 error=1 "
    "data=0x1122334455667788 hold scribble untouched\n"
    "wrmsr LSTAR 0xffffffff81000000 rax_hi=0xdead rdx_hi=0xbeef error=255\n"
    "host mask INVAL|UNKNOWN on=vm\n"
    "host filter 0 on=vm\n"
    "host get EFER LSTAR UNKNOWN_12345678 nmsrs=256 on=vcpu vcpu=1\n"
    "host set LSTAR=0xffffffff81000000 EFER=0xd01 nmsrs=3\n"
    "host immediate-exit vcpu=1\n"
    "host regs\n"
    "host events\n"
    "host check-cap 188 on=system\n"
    "host filter none\n"
    "host mask 0x9\n";

static void test_example(void)
{
	static char text[TEXT_MAX];
	struct parse_error err;
	struct program p;
	const struct guest_step *g;

	if (program_parse(example, "example.msr", &p, &err)) {
		CHECK(0, "%s:%u:%u: %s", err.file, err.line, err.column, err.msg);
		return;
	}
	CHECK_EQ(p.nvcpus, 2);
	CHECK_EQ(p.mask, REASON_UNKNOWN | REASON_FILTER);
	CHECK_EQ(p.setup_filter, 0);
	CHECK_EQ(p.filters[0].flags, FILTER_DEFAULT_DENY);
	CHECK_EQ(p.filters[0].nranges, 3);
	CHECK_EQ(p.filters[0].ranges[1].pattern, 0xff);
	CHECK_EQ(p.filters[0].ranges[2].bitmap_kind, BITMAP_FAULT);
	CHECK_EQ(p.nsteps, 13);
	CHECK_EQ(p.steps[0].line, 9);
	g = &p.steps[1].g;
	CHECK_EQ(g->rcx, 0xdeadbeef12345678ull);
	CHECK(g->cpl == 3 && p.steps[1].vcpu == 1 && g->rax == 1 && g->rdx == 2, "");
	CHECK(g->reply_error == 1 && g->reply_flags == 7, "");
	g = &p.steps[2].g;
	CHECK_EQ(g->rax, 0x0000dead81000000ull);
	CHECK_EQ(g->rdx, 0x0000beefffffffffull);
	CHECK_EQ(g->reply_error, 255);
	CHECK_EQ(p.steps[3].h.target, TARGET_VM);
	CHECK_EQ(p.steps[5].h.nlist, 3);
	CHECK_EQ(p.steps[5].h.nmsrs, 256);
	CHECK_EQ(p.steps[6].h.list[1].value, 0xd01);
	CHECK_EQ(p.steps[11].h.arg, HOST_FILTER_NONE);
	CHECK_EQ(p.steps[12].h.arg, 0x9);
	program_format(&p, text, sizeof(text));
	CHECK(!strcmp(text, example_canonical), "canonical text:\n%s", text);
	check_text_round_trip(&p);
}

/* Texts that parse; each must reach a canonical form that parses back to the same program. */
static const char *const good[] = {
	"",
	"# nothing\n\n   \t\n",
	"rdmsr 0",
	"wrmsrns LSTAR 0x1000 fep error=3\nrdmsr EFER fep cpl=3\nwrmsr 0x10 1 fep\n",
	"wrmsr 0x0 0 rcx_hi=0xffffffff",
	"setup mask=none\nrdmsr efer\r\nwrmsr efer 0xd01\n",
	("filter 3 flags=0xfffffffe\n range 0 0xffffffff 4294967295 pattern=0x1\n"
	 " range 0x7 0 0 deny\nend\nsetup filter=3\nhost filter 3\n"),
	"setup mask=0x7\nhost mask 0xffffffffffffffff flags=0xffffffff on=system\n",
	"setup vcpus=2\nhost get X2APIC_ID=0xffffffffffffffff 0x8ff\nhost set nmsrs=0\n",
	"host check-cap 18446744073709551615\nhost check-cap 0 on=vcpu vcpu=0\n",
	"rdmsr LSTAR rax=0xa5a5a5a5a5a5a5a5 rdx=0\n",
	"wrmsr 0x800 0x1 rax_hi=0xffffffff rdx_hi=0xffffffff data=1 cpl=0\n",
	"\xef\xbb\xbfrdmsr EFER # a UTF-8 file with a byte order mark: caf\xc3\xa9\n",
};

static void test_good(void)
{
	struct parse_error err;
	struct program p;

	for (unsigned i = 0; i < sizeof(good) / sizeof(good[0]); i++) {
		int rc = program_parse(good[i], "good", &p, &err);

		CHECK(!rc, "good[%u]: %u:%u: %s", i, err.line, err.column, err.msg);
		if (!rc)
			check_text_round_trip(&p);
	}
}

/* A message may quote words but never a byte a terminal would not show. */
static bool printable(const char *s)
{
	for (; *s; s++)
		if (*s < 0x20 || *s > 0x7e)
			return false;
	return true;
}

struct bad {
	const char *text;
	unsigned line, column;
	const char *msg;
};

static const struct bad bad[] = {
	{ "rdmsr EFERX", 1, 7, "unknown MSR name 'EFERX'" },
	{ "rdmsr EFER error=", 1, 12, "expected a number after 'error='" },
	{ "rdmsr EFER error=256", 1, 12, "'error=' must be at most 255" },
	{ "rdmsr EFER error=0x1g", 1, 12, "expected a number after 'error=', got '0x1g'" },
	{ "filter 0\n\trange read EFER 8 allow\n", 1, 1, "filter 0 has no 'end'" },
	{ "setup filter=1\nrdmsr EFER\n", 1, 7, "filter 1 is not defined" },
	{ "filter 0\nend\nrdmsr EFER\n\nhost filter 2 on=vm", 5, 13, "filter 2 is not defined" },
	{ "rdmsr EFER vcpu=1", 1, 12, "vcpu=1 but the program has 1 vCPU" },
	{ "rdmsr EFER cpl=2", 1, 12, "cpl must be 0 or 3" },
	{ "\n  frobnicate now", 2, 3, "unknown statement 'frobnicate'" },
	{ "host mask INVAL|BOGUS", 1, 11, "unknown exit reason 'BOGUS'" },
	{ "host get EFER nmsrs=301", 1, 15, "'nmsrs=' must be at most 300" },
	{ "host get EFER LSTAR nmsrs=1", 1, 21, "nmsrs=1 is less than the 2 listed MSRs" },
	{ "host get nmsrs=3", 1, 10, "needs at least one listed MSR" },
	{ "host set 1 2 3 4 5 6 7 8 9=1", 1, 26, "too many MSRs (max 8)" },
	{ "host get EFER on=cpu", 1, 15, "expected vm, vcpu or system after 'on='" },
	{ "rdmsr EFER\nsetup vcpus=2", 2, 1, "setup must come before the first step" },
	{ "setup\nsetup", 2, 1, "second setup line (the first is on line 1)" },
	{ "setup vcpus=0", 1, 7, "vcpus must be 1 or 2" },
	{ "setup vcpus=3", 1, 7, "'vcpus=' must be at most 2" },
	{ "wrmsr EFER", 1, 12, "expected the value to write after 'EFER'" },
	{ "rdmsr EFER # c\n\n\t wrmsr EFER zz", 3, 14,
	  "expected a number for the value, got 'zz'" },
	{ "rdmsr 0x100000000", 1, 7, "MSR index '0x100000000' does not fit in 32 bits" },
	{ "rdmsr 18446744073709551615", 1, 7, "does not fit in 32 bits" },
	{ "rdmsr EFER data=0x1ffffffffffffffff", 1, 12, "does not fit in 64 bits" },
	{ "rdmsr", 1, 7, "expected an MSR index after 'rdmsr'" },
	{ "rdmsr cpl=3", 1, 7, "expected an MSR index after 'rdmsr'" },
	{ "rdmsr EFER rax_hi=1", 1, 12, "unexpected 'rax_hi=1' in rdmsr" },
	{ "  rdmsr EFER hold hold", 1, 19, "hold given twice" },
	{ "host filter 4", 1, 13, "expected a filter number 0..3 or 'none', got '4'" },
	{ "host check-cap", 1, 16, "expected a capability number after 'check-cap'" },
	{ "host frob", 1, 6, "unknown host operation 'frob'" },
	{ "host regs flags=1", 1, 11, "unexpected 'flags=1' in host" },
	{ "range read EFER 1 allow", 1, 1, "'range' outside a filter block" },
	{ "end", 1, 1, "'end' outside a filter block" },
	{ "filter 0\nrdmsr EFER\nend", 2, 1, "expected 'range' or 'end' in filter 0" },
	{ "filter 0\n range read EFER 1\nend", 2, 20, "expected 'range FLAGS BASE NMSRS BITMAP'" },
	{ "filter 0\n range read EFER 1 allow x\nend", 2, 26, "unexpected 'x' after the bitmap" },
	{ "filter 0\n range both EFER 1 allow\nend", 2, 8, "expected a number for FLAGS" },
	{ "filter 0\n range read EFER 1 allowed\nend", 2, 20, "expected BITMAP" },
	{ "filter 0 end", 1, 10, "unexpected 'end' in a filter line" },
	{ "filter 0 default=deny flags=3\nend", 1, 23, "give 'default=' or 'flags=', not both" },
	{ "filter 0\nend\nfilter 0\nend", 3, 8, "filter 0 defined twice (first on line 1)" },
	{ "filter 4\nend", 1, 8, "expected a filter number 0..3, got '4'" },
	{ "setup mask=0x1ffffffffffffffff", 1, 7, "'0x1ffffffffffffffff' does not fit in 64 bits" },
	{ "host mask INVAL|99999999999999999999", 1, 11, "does not fit in 64 bits" },
	/* bytes that are no text are named in hex, never echoed */
	{ "rdmsr EFER\f", 1, 11, "byte 0x0c is not text" },
	{ "rdmsr\vEFER", 1, 6, "byte 0x0b is not text" },
	{ "\n\x1b[1mrdmsr EFER", 2, 1, "byte 0x1b is not text" },
	{ "rdmsr EFER # \x7f", 1, 14, "byte 0x7f is not text" },
	{ "rdmsr EF\xc3\x89R", 1, 9, "byte 0xc3 outside a comment is not text" },
	{ "rdmsr EFER\n\xef\xbb\xbfrdmsr EFER", 2, 1, "byte 0xef outside a comment is not text" },
	{ "\xef\xbb\xbf  frob", 1, 3, "unknown statement 'frob'" },
	{ "filter 0\nend x", 2, 5, "unexpected 'x' after 'end'" },
	{ "rdmsr 1 2 3 4 5 6 7 8 9 10 11 12 13 14 15 16 17 18 19 20 21 22 23 24 25 26 27 28 29 30 "
	  "31 32",
	  1, 91, "too many words on one line (max 32)" },
};

static void check_bad(const struct bad *b, unsigned i)
{
	struct parse_error err;
	struct program p;
	int rc = program_parse(b->text, "bad.msr", &p, &err);

	CHECK(rc == -1, "bad[%u] parsed", i);
	CHECK(!strcmp(err.file, "bad.msr"), "bad[%u] file %s", i, err.file);
	CHECK(err.line == b->line && err.column == b->column, "bad[%u] at %u:%u, want %u:%u (%s)",
	      i, err.line, err.column, b->line, b->column, err.msg);
	CHECK(strstr(err.msg, b->msg), "bad[%u] message \"%s\", want \"%s\"", i, err.msg, b->msg);
	CHECK(printable(err.msg), "bad[%u] message with a raw byte: %s", i, err.msg);
}

static void test_bad(void)
{
	static char many[64 * 16 + 64];
	struct parse_error err;
	struct program p;
	size_t n = 0;

	for (unsigned i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		check_bad(&bad[i], i);
	for (unsigned i = 0; i <= PROG_MAX_STEPS; i++)
		n += (size_t)sprintf(many + n, "rdmsr EFER\n");
	CHECK(program_parse(many, NULL, &p, &err) && err.line == 65 && err.column == 1 &&
		  strstr(err.msg, "too many steps (max 64)"),
	      "%u:%u %s", err.line, err.column, err.msg);
	n = (size_t)sprintf(many, "filter 1\n");
	for (unsigned i = 0; i <= PROG_MAX_RANGES; i++)
		n += (size_t)sprintf(many + n, "range rw 0 1 deny\n");
	sprintf(many + n, "end\n");
	CHECK(program_parse(many, NULL, &p, &err) && err.line == 18 &&
		  strstr(err.msg, "too many ranges in filter 1 (max 16)"),
	      "%u:%u %s", err.line, err.column, err.msg);
}

/* Random words from the language and random bytes: never a crash, errors always located. */
static void garble(char *t, size_t max)
{
	static const char *const words[] = {
		"setup",     "filter",
		"range",     "end",
		"rdmsr",     "wrmsr",
		"host",	     "mask",
		"get",	     "set",
		"EFER",	     "0x",
		"0",	     "1",
		"3",	     "=",
		"|",	     "#",
		"\n",	     "vcpu=",
		"on=vm",     "nmsrs=",
		"allow",     "deny",
		"fault",     "pattern=",
		"INVAL",     "none",
		"read",	     "rw",
		"error=",    "hold",
		"check-cap", "immediate-exit",
		"vcpus=2",   "\t",
		"\xff",
	};
	size_t n = 0, len = rnd_below((unsigned)max - 40);

	while (n < len) {
		const char *w = words[rnd_below(sizeof(words) / sizeof(words[0]))];

		if (rnd_below(4) == 0)
			t[n++] = (char)(1 + rnd_below(255));
		else
			n += (size_t)sprintf(t + n, "%s%s", w, rnd_below(3) ? " " : "");
	}
	t[n] = '\0';
}

/* A canonical text with a few characters changed, inserted or deleted. */
static void mutate(char *t, size_t max)
{
	static const char alphabet[] = "0123456789abcdefx=| \t\n#ERFLSTAhold";
	size_t n = strlen(example_canonical);

	memcpy(t, example_canonical, n + 1);
	for (unsigned k = 1 + rnd_below(3); k && n + 2 < max; k--) {
		size_t at = rnd_below((unsigned)n);

		if (rnd_below(3) == 0) {
			memmove(t + at, t + at + 1, n - at);
			n--;
			continue;
		}
		if (rnd_below(2)) {
			memmove(t + at + 1, t + at, n - at + 1);
			n++;
		}
		t[at] = alphabet[rnd_below(sizeof(alphabet) - 1)];
	}
}

static void test_garbage(void)
{
	static char t[2048];
	struct parse_error err;
	struct program p;
	const char *why = "";
	unsigned parsed = 0;

	for (unsigned i = 0; i < 40000; i++) {
		if (i & 1)
			garble(t, sizeof(t));
		else
			mutate(t, sizeof(t));
		if (program_parse(t, "garbage", &p, &err)) {
			CHECK(err.line >= 1 && err.column >= 1 && err.msg[0],
			      "error without a place");
			CHECK(printable(err.msg), "message with a raw byte: %s", err.msg);
			continue;
		}
		parsed++;
		CHECK(program_valid(&p, &why), "parsed program invalid: %s", why);
		check_text_round_trip(&p);
	}
	CHECK(parsed > 500, "only %u garbage texts parsed", parsed);
}

static void write_file(const char *path, const void *data, size_t n)
{
	FILE *f = fopen(path, "wb");

	CHECK(f && fwrite(data, 1, n, f) == n, "cannot write %s", path);
	if (f)
		fclose(f);
}

static void test_load_file(void)
{
	static uint8_t bin[PROG_BIN_MAX_SIZE];
	char path[] = "/tmp/test_codec_XXXXXX";
	struct parse_error err;
	struct program p, q;
	char why[256] = "";
	int fd = mkstemp(path);
	size_t n;

	CHECK(fd >= 0, "mkstemp");
	if (fd < 0)
		return;
	close(fd);
	write_file(path, example, sizeof(example) - 1);
	CHECK(!program_load_file(path, PROG_FILE_AUTO, &p, &err), "%s:%u:%u: %s", err.file,
	      err.line, err.column, err.msg);
	n = program_encode(&p, bin, sizeof(bin));
	write_file(path, bin, n);
	CHECK(!program_load_file(path, PROG_FILE_AUTO, &q, &err) && prog_equal(&p, &q, false, why),
	      "%s", why);
	/* a NUL is no text: an error at its place (tests/unit/test_load.c has the other bytes) */
	write_file(path, "rdmsr EFER\nrdm\0sr", 17);
	CHECK(program_load_file(path, PROG_FILE_AUTO, &q, &err) && err.line == 2 &&
		  err.column == 4 && strstr(err.msg, "byte 0x00 is not text"),
	      "%u:%u %s", err.line, err.column, err.msg);
	write_file(path, "\n\nrdmsr NOPE\n", 13);
	CHECK(program_load_file(path, PROG_FILE_AUTO, &q, &err) && err.line == 3 &&
		  !strcmp(err.file, path),
	      "");
	unlink(path);
	CHECK(program_load_file(path, PROG_FILE_AUTO, &q, &err) &&
		  !strncmp(err.msg, "cannot read: ", 13) && strstr(err.msg, "No such file"),
	      "%s", err.msg);
	CHECK(program_load_file("/tmp", PROG_FILE_AUTO, &q, &err) &&
		  strstr(err.msg, "cannot read: Is a directory"),
	      "%s", err.msg);
}

void test_text(void)
{
	test_example();
	test_good();
	test_bad();
	test_garbage();
	test_load_file();
}
