/* fuzz_parse.c - msrexit-fuzz-parse (no KVM): any text parses to a valid program or to a well-formed error. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "model_check.h"

static void check_error(const struct parse_error *err, const char *text, size_t size)
{
	unsigned lines = 1;
	bool printable = err->msg[0] != 0;

	for (size_t i = 0; i < size; i++)
		lines += text[i] == '\n';
	for (const char *c = err->msg; *c; c++)
		printable &= *c >= 0x20 && *c < 0x7f;
	if (printable && err->line >= 1 && err->line <= lines && err->column >= 1 &&
	    !strcmp(err->file, "<fuzz>"))
		return;
	fprintf(stderr, "parse error at line %u (of %u) column %u in '%s': '%s'\n", err->line,
		lines, err->column, err->file, err->msg);
	fprintf(stderr, "msrexit-finding: model/parse/bad-error\n");
	abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct program p;
	struct parse_error err;

	if (program_parse_bytes((const char *)data, size, "<fuzz>", &p, &err)) {
		check_error(&err, (const char *)data, size);
		return 0;
	}
	model_check_program(&p, "parse");
	model_check_oracle(&p, model_seed(data, size));
	return 0;
}
