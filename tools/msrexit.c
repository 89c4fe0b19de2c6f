/* msrexit.c - the msrexit command line: one tool, one subcommand per job. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "commands.h"
#include "execute.h"
#include "kvm.h"
#include "program.h"

static const struct {
	const char *name;
	int (*fn)(int, char **);
	const char *what;
} commands[] = {
	{ "run", cmd_run, "run programs on /dev/kvm and check them against the oracle" },
	{ "repro", cmd_repro, "replay one input with its whole trace; --emit-c writes it as C" },
	{ "minimize", cmd_minimize, "shrink a failing input, keeping its signature" },
	{ "campaign", cmd_campaign, "a time-boxed fuzzing campaign on a workdir, with a report" },
	{ "conform", cmd_conform, "run the named conformance suite (KTAP, JUnit)" },
	{ "asm", cmd_asm, "text program -> binary program" },
	{ "disasm", cmd_disasm, "binary (or text) program -> canonical text" },
	{ "facts", cmd_facts, "print what was probed about this kernel's KVM" },
	{ "bench", cmd_bench, "what each piece costs here: figures and ratios" },
};

#define NCOMMANDS (sizeof(commands) / sizeof(commands[0]))

static void usage(FILE *out)
{
	fprintf(out,
		"usage: msrexit COMMAND [ARGS]   (msrexit COMMAND --help for more)\n\n"
		"A conformance and fuzzing suite for KVM user-space MSR exits.\n\ncommands:\n");
	for (unsigned i = 0; i < NCOMMANDS; i++)
		fprintf(out, "  %-9s %s\n", commands[i].name, commands[i].what);
	fprintf(out, "\nexit status: 0 ok, 1 mismatch or failed case, 2 bad input or environment, "
		     "4 no KVM\n");
}

int wants_help(int argc, char **argv, const char *text)
{
	for (int i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "-h") || !strcmp(argv[i], "--help")) {
			fputs(text, stdout);
			return 1;
		}
	}
	return 0;
}

int load_program_or_say(const char *path, enum prog_file_kind kind, struct program *p)
{
	struct parse_error err;

	if (program_load_file(path, kind, p, &err) == 0)
		return 0;
	fprintf(stderr, "%s:%u:%u: error: %s\n", path, err.line, err.column, err.msg);
	return -1;
}

static int dispatch(int argc, char **argv)
{
	if (argc < 2) {
		usage(stderr);
		return EXIT_BAD_INPUT;
	}
	if (!strcmp(argv[1], "-h") || !strcmp(argv[1], "--help") || !strcmp(argv[1], "help")) {
		usage(stdout);
		return 0;
	}
	if (!exec_inject_env_valid()) {
		fprintf(stderr,
			"msrexit: MSREXIT_INJECT='%s' names no fault (reply-data, "
			"reply-error, hang, kmsg, skip, filter-after-gp, set-while-held, "
			"scribble-after-mask)\n",
			getenv("MSREXIT_INJECT"));
		return EXIT_BAD_INPUT;
	}
	for (unsigned i = 0; i < NCOMMANDS; i++)
		if (!strcmp(argv[1], commands[i].name))
			return commands[i].fn(argc - 1, argv + 1);
	fprintf(stderr, "msrexit: unknown command '%s'\n\n", argv[1]);
	usage(stderr);
	return EXIT_BAD_INPUT;
}

int main(int argc, char **argv)
{
	return finish_stdout(dispatch(argc, argv));
}
