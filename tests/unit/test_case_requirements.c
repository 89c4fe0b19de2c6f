/* test_case_requirements.c - C conformance cases skip through the requirement table, with its reasons. */
#include <string.h>

#include "conform.h"
#include "requirements.h"
#include "unit.h"

/* Cases that need a requirement, the case array holding each, and the requirement. */
static const struct {
	const char *name;
	const struct conform_case *cases;
	enum requirement req;
} needs[] = {
	{ "vcpus.two_threads", vcpu_cases, REQ_NO_IGNORE_MSRS },
	{ "filter_ioctl.arbitrary_bitmap", filter_ioctl_cases, REQ_NO_IGNORE_MSRS },
	{ "reason_matrix.unknown_read", matrix_cases, REQ_NO_IGNORE_MSRS },
};

static const struct conform_case *find_case(const struct conform_case *cases, const char *name)
{
	for (; cases->name; cases++)
		if (!strcmp(cases->name, name))
			return cases;
	return NULL;
}

/* On a kernel that does not meet it, each skips before it touches KVM, saying the table's reason. */
static void test_unmet(void)
{
	static struct kernel_facts f;

	memset(&f, 0, sizeof(f));
	f.ignore_msrs = true;
	for (unsigned i = 0; i < sizeof(needs) / sizeof(needs[0]); i++) {
		const struct conform_case *cc = find_case(needs[i].cases, needs[i].name);
		struct case_ctx c = { .facts = &f, .arg = cc ? cc->arg : NULL };
		const char *why = requirement_unmet(&f, needs[i].req);

		CHECK(cc, "no case %s", needs[i].name);
		CHECK(why, "the facts meet requirement %d", needs[i].req);
		if (!cc || !why)
			continue;
		CHECK_EQ(cc->fn(&c), CASE_SKIP);
		CHECK(!strcmp(c.skip_reason, why), "%s skips saying '%s', not '%s'", cc->name,
		      c.skip_reason, why);
		free(c.diag);
	}
}

int main(void)
{
	test_unmet();
	return unit_summary("case_requirements");
}
