/* commands.h - the subcommands of the msrexit command line. */
#ifndef MSREXIT_COMMANDS_H
#define MSREXIT_COMMANDS_H

#include "program.h"

int cmd_run(int argc, char **argv);
int cmd_asm(int argc, char **argv);
int cmd_disasm(int argc, char **argv);
int cmd_facts(int argc, char **argv);
int cmd_conform(int argc, char **argv);
int cmd_bench(int argc, char **argv);
int cmd_repro(int argc, char **argv);
int cmd_minimize(int argc, char **argv);
int cmd_campaign(int argc, char **argv);

/* true if argv has -h or --help; prints usage then. */
int wants_help(int argc, char **argv, const char *usage);
/* Loads a program file; on error prints "file:line:col: error: msg" and returns -1. */
int load_program_or_say(const char *path, enum prog_file_kind kind, struct program *p);
/* --binary and --text, for every command that reads program files: getopt_long gives 'B', 'T'. */
/* clang-format off */
#define PROGRAM_KIND_OPTIONS \
	{ "binary", no_argument, NULL, 'B' }, { "text", no_argument, NULL, 'T' }
/* clang-format on */
#define PROGRAM_KIND_HELP                                                               \
	"  --binary        read FILE as a binary program even without the 'MX' magic\n" \
	"                  (a raw fuzzer input); --text reads it as text. Default: a\n" \
	"                  file starting with 'MX' is binary, any other is text\n"

/*
 * For getopt_long's 'B' (--binary) or 'T' (--text): sets *kind; both given
 * contradict each other, which is said on stderr and returns -1.
 */
int set_program_kind(const char *cmd, int c, enum prog_file_kind *kind);
/*
 * Parses s, the value of option opt of command cmd, as a decimal whole number
 * in [min, max]: digits only, nothing after them. Otherwise says so on stderr
 * ("msrexit bench: -n takes a whole number from 1 to 256, not '5abc'") and
 * returns -1.
 */
int parse_uint_option(const char *cmd, const char *opt, const char *s, unsigned long min,
		      unsigned long max, unsigned long *out);
/*
 * For getopt's '?' (unknown option) or ':' (missing value; the option string
 * starts with ':'): says which, prints usage to stderr, returns EXIT_BAD_INPUT.
 */
int option_error(const char *cmd, int c, char **argv, const char *usage);
/* The status of several outcomes: a finding (1) outranks bad input (2), which outranks skip (4). */
int worse_status(int a, int b);
/* Call last: flushes and closes stdout; a failed write makes the status at least 2. */
int finish_stdout(int status);

#endif
