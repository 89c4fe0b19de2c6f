/* test_requires.c - conformance `# requires:` tokens: whole words, clear reasons, typos refused. */
#include <string.h>

#include "conform.h"
#include "unit.h"

int main(void)
{
	struct kernel_facts f = { .kver_major = 6, .kver_minor = 18 };
	const char *why;

	CHECK(!case_requirement_unmet(&f, NULL), "no requirement");
	CHECK(!case_requirement_unmet(&f, "no-ignore-msrs no-wrmsrns"), "all met");
	why = case_requirement_unmet(&f, "wrmsrns");
	CHECK(why && strstr(why, "CPUID"), "wrmsrns: %s", why ? why : "met");
	/* "no-wrmsrns" is a word of its own, not "wrmsrns" inside it */
	f.has_wrmsrns = true;
	why = case_requirement_unmet(&f, "no-wrmsrns");
	CHECK(why && strstr(why, "in the guest CPUID"), "no-wrmsrns: %s", why ? why : "met");
	CHECK(!case_requirement_unmet(&f, "wrmsrns, no-ignore-msrs"), "commas");
	f.force_emulation_prefix = 1;
	CHECK(!case_requirement_unmet(&f, "force-emulation"), "fep on");
	CHECK(case_requirement_unmet(&f, "no-force-emulation") != NULL, "fep on: no-fep unmet");
	f.ignore_msrs = true;
	why = case_requirement_unmet(&f, "force-emulation no-ignore-msrs");
	CHECK(why && strstr(why, "ignore_msrs"), "second token: %s", why ? why : "met");
	CHECK(case_requirement_unmet(&f, "no-ignore-msr") == CASE_BAD_REQUIREMENT, "typo");
	CHECK(case_requirement_unmet(&f, "wrmsrns force") == CASE_BAD_REQUIREMENT, "typo 2");
	return unit_summary("requires");
}
