/* cmd_asm.c - `msrexit asm` and `msrexit disasm`: convert programs between text and binary. */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "commands.h"
#include "facts_probe.h"
#include "kvm.h"
#include "program.h"

static const char asm_usage[] =
    "usage: msrexit asm [--binary|--text] FILE.msr [-o OUT.bin]\n\n"
    "Assembles a text program into the binary format the fuzzers use (to stdout\n"
    "unless -o is given). Syntax errors name file, line and column; exit status 2.\n\n"
    "options:\n" PROGRAM_KIND_HELP;

static const char disasm_usage[] =
    "usage: msrexit disasm [--binary|--text] FILE [-o OUT.msr]\n\n"
    "Prints the canonical text of a binary (or text) program. Any byte string is a\n"
    "valid binary program, so with --binary this also shows what a raw fuzzer\n"
    "input means.\n\n"
    "options:\n" PROGRAM_KIND_HELP;

static int parse_io(int argc, char **argv, const char *usage, const char **in, const char **out,
		    enum prog_file_kind *kind)
{
	static const struct option longopts[] = { PROGRAM_KIND_OPTIONS, { 0 } };
	int c;

	optind = 1;
	*out = NULL;
	*kind = PROG_FILE_AUTO;
	while ((c = getopt_long(argc, argv, ":o:", longopts, NULL)) != -1) {
		if (c == 'B' || c == 'T') {
			if (set_program_kind(argv[0], c, kind))
				return -1;
			continue;
		}
		if (c != 'o') {
			option_error(argv[0], c, argv, usage);
			return -1;
		}
		*out = optarg;
	}
	if (optind != argc - 1) {
		fprintf(stderr, "msrexit %s: expected exactly one input file\n\n%s", argv[0],
			usage);
		return -1;
	}
	*in = argv[optind];
	return 0;
}

/* To stdout, errors are finish_stdout's: a flush here would lose their errno. */
static int write_out(const char *path, const void *buf, size_t len)
{
	FILE *f;
	int bad;

	if (!path) {
		fwrite(buf, 1, len, stdout);
		return 0;
	}
	f = fopen(path, "wb");
	if (!f) {
		fprintf(stderr, "%s: cannot write: %s\n", path, strerror(errno));
		return EXIT_BAD_INPUT;
	}
	bad = fwrite(buf, 1, len, f) != len;
	if (fclose(f) || bad) {
		fprintf(stderr, "%s: write failed: %s\n", path, strerror(errno));
		return EXIT_BAD_INPUT;
	}
	return 0;
}

int cmd_asm(int argc, char **argv)
{
	static struct program p;
	static uint8_t buf[1 << 16];
	const char *in, *out;
	enum prog_file_kind kind;
	size_t len;

	if (wants_help(argc, argv, asm_usage))
		return 0;
	if (parse_io(argc, argv, asm_usage, &in, &out, &kind))
		return EXIT_BAD_INPUT;
	if (load_program_or_say(in, kind, &p))
		return EXIT_BAD_INPUT;
	len = program_encode(&p, buf, sizeof(buf));
	if (!len) {
		fprintf(stderr, "%s: program too large to encode\n", in);
		return EXIT_BAD_INPUT;
	}
	return write_out(out, buf, len);
}

int cmd_disasm(int argc, char **argv)
{
	static struct program p;
	static char text[1 << 18];
	const char *in, *out;
	enum prog_file_kind kind;
	int len;

	if (wants_help(argc, argv, disasm_usage))
		return 0;
	if (parse_io(argc, argv, disasm_usage, &in, &out, &kind))
		return EXIT_BAD_INPUT;
	if (load_program_or_say(in, kind, &p))
		return EXIT_BAD_INPUT;
	len = program_format(&p, text, sizeof(text));
	if (len < 0) {
		fprintf(stderr, "%s: program text too large\n", in);
		return EXIT_BAD_INPUT;
	}
	return write_out(out, text, (size_t)len);
}

static const char facts_usage[] =
    "usage: msrexit facts\n\n"
    "Probes this kernel's KVM as the oracle sees it and prints it:\n"
    "version, module parameters, CPUID bits, and per known MSR how a\n"
    "guest read and a host read fare, with the initial value.\n";

int cmd_facts(int argc, char **argv)
{
	const struct kernel_facts *f;
	int st;

	if (wants_help(argc, argv, facts_usage))
		return 0;
	if (argc > 1) {
		fputs(facts_usage, stderr);
		return EXIT_BAD_INPUT;
	}
	f = facts_get(&st);
	if (!f) {
		fprintf(stderr, "msrexit facts: %s\n", kvm_last_error());
		return st;
	}
	facts_print(f, stdout);
	return 0;
}
