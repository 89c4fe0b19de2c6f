/* cli_util.c - what every subcommand shares: strict numbers in options, option errors, statuses, checked output. */
#include <errno.h>
#include <getopt.h>
#include <limits.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "commands.h"
#include "kvm.h"

int parse_uint_option(const char *cmd, const char *opt, const char *s, unsigned long min,
		      unsigned long max, unsigned long *out)
{
	unsigned long v = 0;
	bool too_big = false;
	const char *d;

	/* digits only: strtoul would take spaces, a sign (-1 is ULONG_MAX) and a 0x prefix */
	for (d = s; *d >= '0' && *d <= '9'; d++) {
		unsigned digit = (unsigned)(*d - '0');

		if (v > (ULONG_MAX - digit) / 10)
			too_big = true;
		else
			v = v * 10 + digit;
	}
	if (d == s || *d || too_big || v < min || v > max) {
		fprintf(stderr, "msrexit %s: %s takes a whole number from %lu to %lu, not '%s'\n",
			cmd, opt, min, max, s);
		return -1;
	}
	*out = v;
	return 0;
}

int set_program_kind(const char *cmd, int c, enum prog_file_kind *kind)
{
	enum prog_file_kind want = c == 'B' ? PROG_FILE_BINARY : PROG_FILE_TEXT;

	if (*kind != PROG_FILE_AUTO && *kind != want) {
		fprintf(stderr, "msrexit %s: --binary and --text exclude each other\n", cmd);
		return -1;
	}
	*kind = want;
	return 0;
}

int option_error(const char *cmd, int c, char **argv, const char *usage)
{
	const char *arg = argv[optind - 1];
	bool is_long = !strncmp(arg, "--", 2);

	/* for --flag=VALUE, getopt_long gives the flag's short letter in optopt */
	if (c == ':' && is_long)
		fprintf(stderr, "msrexit %s: %s needs a value\n\n", cmd, arg);
	else if (c == ':')
		fprintf(stderr, "msrexit %s: -%c needs a value\n\n", cmd, optopt);
	else if (is_long && strchr(arg, '='))
		fprintf(stderr, "msrexit %s: '%s': no such option, or it takes no value\n\n", cmd,
			arg);
	else if (is_long && !optopt)
		fprintf(stderr, "msrexit %s: unknown option '%s'\n\n", cmd, arg);
	else
		fprintf(stderr, "msrexit %s: unknown option '-%c'\n\n", cmd, optopt);
	fputs(usage, stderr);
	return EXIT_BAD_INPUT;
}

int worse_status(int a, int b)
{
	static const int rank[5] = { 0, 3, 2, 0, 1 };

	if (a < 0 || a > 4 || b < 0 || b > 4)
		return a > b ? a : b;
	return rank[a] >= rank[b] ? a : b;
}

int finish_stdout(int status)
{
	int err = fflush(stdout) ? errno : 0;
	int bad = err || ferror(stdout);

	if (fclose(stdout) && !err) {
		err = errno;
		bad = 1;
	}
	if (!bad)
		return status;
	if (err)
		fprintf(stderr, "msrexit: write error on standard output: %s\n", strerror(err));
	else
		fprintf(stderr, "msrexit: write error on standard output\n");
	return worse_status(status, EXIT_BAD_INPUT);
}
