/* junit.c - JUnit XML for the conformance results, as CI systems read it. */
#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "junit.h"

static void xml_text(FILE *f, const char *s)
{
	for (; s && *s; s++) {
		switch (*s) {
		case '<':
			fputs("&lt;", f);
			break;
		case '>':
			fputs("&gt;", f);
			break;
		case '&':
			fputs("&amp;", f);
			break;
		case '"':
			fputs("&quot;", f);
			break;
		default:
			if ((unsigned char)*s >= 0x20 || *s == '\n' || *s == '\t')
				fputc(*s, f);
		}
	}
}

static void write_case(FILE *f, const struct conform_case *cc, const struct case_outcome *oc)
{
	const char *dot = strchr(cc->name, '.');

	fprintf(f, "    <testcase classname=\"msrexit.%.*s\" name=\"",
		dot ? (int)(dot - cc->name) : 0, cc->name);
	xml_text(f, cc->name);
	fprintf(f, "\" time=\"%.3f\">\n", oc->secs);
	if (oc->result == CASE_SKIP) {
		fputs("      <skipped message=\"", f);
		xml_text(f, oc->skip);
		fputs("\"/>\n", f);
	} else if (oc->result == CASE_FAIL) {
		fputs("      <failure message=\"", f);
		xml_text(f, cc->desc);
		fputs("\">", f);
		xml_text(f, oc->diag);
		fputs("</failure>\n", f);
	}
	if (oc->diag && *oc->diag && oc->result != CASE_FAIL) {
		fputs("      <system-out>", f);
		xml_text(f, oc->diag);
		fputs("</system-out>\n", f);
	}
	fputs("    </testcase>\n", f);
}

static bool is_regular(FILE *f)
{
	struct stat st;

	return !fstat(fileno(f), &st) && S_ISREG(st.st_mode);
}

/* Until the results replace it: a run killed before its end leaves valid XML that says so. */
static const char unfinished[] =
    "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<testsuites>\n"
    "  <testsuite name=\"msrexit-conform\" tests=\"1\" failures=\"0\" errors=\"1\" "
    "skipped=\"0\" time=\"0\">\n"
    "    <testcase classname=\"msrexit\" name=\"conform\" time=\"0\">\n"
    "      <error message=\"the run did not finish: msrexit conform ended before it wrote "
    "its results\"/>\n"
    "    </testcase>\n  </testsuite>\n</testsuites>\n";

FILE *junit_open(const char *path)
{
	FILE *f = fopen(path, "w");

	if (f && is_regular(f) && (fputs(unfinished, f) < 0 || fflush(f))) {
		fclose(f);
		f = NULL;
	}
	if (!f)
		fprintf(stderr, "msrexit conform: cannot write %s: %s\n", path, strerror(errno));
	return f;
}

int junit_write(FILE *f, const struct conform_case *cases, const int *sel, int nsel,
		const struct case_outcome *outcomes, double secs)
{
	int fails = 0, skips = 0, bad;

	/* the placeholder goes: rewind alone would leave its tail after a shorter text */
	rewind(f);
	if (is_regular(f) && ftruncate(fileno(f), 0)) {
		fprintf(stderr, "msrexit conform: writing the JUnit file failed: %s\n",
			strerror(errno));
		fclose(f);
		return -1;
	}
	for (int k = 0; k < nsel; k++) {
		fails += outcomes[k].result == CASE_FAIL;
		skips += outcomes[k].result == CASE_SKIP;
	}
	fprintf(f,
		"<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<testsuites>\n"
		"  <testsuite name=\"msrexit-conform\" tests=\"%d\" failures=\"%d\" "
		"errors=\"0\" skipped=\"%d\" time=\"%.3f\">\n",
		nsel, fails, skips, secs);
	for (int k = 0; k < nsel; k++)
		write_case(f, &cases[sel[k]], &outcomes[k]);
	fputs("  </testsuite>\n</testsuites>\n", f);
	/* ferror too: a C library may drop bytes it failed to write, and fclose then succeeds */
	bad = ferror(f);
	if (fclose(f) || bad) {
		fprintf(stderr, "msrexit conform: writing the JUnit file failed: %s\n",
			strerror(errno));
		return -1;
	}
	return 0;
}
