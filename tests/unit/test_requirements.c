/* test_requirements.c - the requirements table: every token, each test on facts, reasons, list parsing. */
#include <string.h>

#include "requirements.h"
#include "unit.h"

/* Facts on which every requirement but those named "no-"/"not-" is unmet: nothing set. */
static const struct kernel_facts BARE = { .kver_major = 6, .kver_minor = 18 };

static void test_table(void)
{
	CHECK(requirement_table[REQ_NONE].token == NULL, "REQ_NONE has no token");
	CHECK(!requirement_unmet(&BARE, REQ_NONE), "REQ_NONE is always met");
	for (int r = REQ_NONE + 1; r < REQ_COUNT; r++) {
		const struct requirement_desc *d = &requirement_table[r];

		CHECK(d->token && d->met && d->reason && *d->reason, "entry %d complete", r);
		if (!d->token)
			continue;
		CHECK_EQ(requirement_lookup(d->token, strlen(d->token)), r);
		for (int s = REQ_NONE + 1; s < r; s++)
			CHECK(strcmp(d->token, requirement_table[s].token), "%s twice", d->token);
	}
	CHECK_EQ(requirement_lookup("wrmsrns", 7), REQ_WRMSRNS);
	CHECK_EQ(requirement_lookup("not-kvm_pvm", 11), REQ_NOT_KVM_PVM);
}

static void test_lookup_is_whole_words(void)
{
	CHECK_EQ(requirement_lookup("no-wrmsrns", 10), REQ_NO_WRMSRNS);
	CHECK_EQ(requirement_lookup("no-wrmsrns", 9), -1); /* "no-wrmsrn" */
	CHECK_EQ(requirement_lookup("wrmsrnsx", 8), -1);
	CHECK_EQ(requirement_lookup("wrmsrns force", 7), REQ_WRMSRNS); /* len decides */
	CHECK_EQ(requirement_lookup("", 0), -1);
	CHECK_EQ(requirement_lookup("WRMSRNS", 7), -1);
	CHECK_EQ(requirement_lookup("not-kvm-pvm", 11), -1);
}

/* r is met on f (want_met) or unmet with exactly its table reason. */
static void expect(const struct kernel_facts *f, enum requirement r, bool want_met)
{
	const char *why = requirement_unmet(f, r);

	if (want_met)
		CHECK(!why, "%s: met expected, got \"%s\"", requirement_table[r].token, why);
	else
		CHECK(why == requirement_table[r].reason, "%s: its reason expected, got \"%s\"",
		      requirement_table[r].token, why ? why : "(met)");
}

static void test_predicates(void)
{
	struct kernel_facts f = BARE;

	expect(&f, REQ_FORCE_EMULATION, false);
	expect(&f, REQ_NO_FORCE_EMULATION, true);
	expect(&f, REQ_WRMSRNS, false);
	expect(&f, REQ_NO_WRMSRNS, true);
	expect(&f, REQ_NO_IGNORE_MSRS, true);
	expect(&f, REQ_NOT_KVM_PVM, true); /* BACKEND_UNKNOWN */

	f.force_emulation_prefix = 1;
	f.has_wrmsrns = true;
	f.ignore_msrs = true;
	f.backend = BACKEND_KVM_PVM;
	expect(&f, REQ_FORCE_EMULATION, true);
	expect(&f, REQ_NO_FORCE_EMULATION, false);
	expect(&f, REQ_WRMSRNS, true);
	expect(&f, REQ_NO_WRMSRNS, false);
	expect(&f, REQ_NO_IGNORE_MSRS, false);
	expect(&f, REQ_NOT_KVM_PVM, false);

	f.force_emulation_prefix = 2; /* any non-zero value of the parameter */
	expect(&f, REQ_FORCE_EMULATION, true);
	f.backend = BACKEND_KVM_AMD;
	expect(&f, REQ_NOT_KVM_PVM, true);
	f.backend = BACKEND_KVM_INTEL;
	expect(&f, REQ_NOT_KVM_PVM, true);

	expect(&f, REQ_NOT_TCG, true);
	f.tcg = true;
	expect(&f, REQ_NOT_TCG, false);
}

/* The texts the conformance report shows as skip reasons: unchanged from the old runner. */
static void test_reasons(void)
{
	static const struct {
		enum requirement r;
		const char *reason;
	} want[] = {
		{ REQ_FORCE_EMULATION,
		  "kvm.force_emulation_prefix=0: the guest cannot reach KVM's emulator path" },
		{ REQ_NO_FORCE_EMULATION,
		  "kvm.force_emulation_prefix is set: the prefix is not a plain #UD here" },
		{ REQ_WRMSRNS, "WRMSRNS is not in the guest CPUID (CPUID.(7,1):EAX[19])" },
		{ REQ_NO_WRMSRNS, "WRMSRNS is in the guest CPUID: it cannot be shown to be #UD" },
		{ REQ_NO_IGNORE_MSRS,
		  "kvm.ignore_msrs=Y: unknown MSRs succeed silently and never exit" },
		{ REQ_NOT_KVM_PVM,
		  "known deviation of the kvm_pvm backend (docs/spec.md §9, corpus/findings)" },
		{ REQ_NOT_TCG, "known deviation of QEMU's TCG CPU model under this kernel "
			       "(docs/spec.md §9, corpus/findings)" },
	};
	static const char *tokens[] = {
		[REQ_FORCE_EMULATION] = "force-emulation",
		[REQ_NO_FORCE_EMULATION] = "no-force-emulation",
		[REQ_WRMSRNS] = "wrmsrns",
		[REQ_NO_WRMSRNS] = "no-wrmsrns",
		[REQ_NO_IGNORE_MSRS] = "no-ignore-msrs",
		[REQ_NOT_KVM_PVM] = "not-kvm_pvm",
		[REQ_NOT_TCG] = "not-tcg",
	};

	CHECK_EQ(sizeof(want) / sizeof(want[0]), REQ_COUNT - 1);
	for (unsigned i = 0; i < sizeof(want) / sizeof(want[0]); i++) {
		const struct requirement_desc *d = &requirement_table[want[i].r];

		CHECK(!strcmp(d->reason, want[i].reason), "reason of %s: \"%s\"", d->token,
		      d->reason);
		CHECK(!strcmp(d->token, tokens[want[i].r]), "token %d: \"%s\"", want[i].r,
		      d->token);
	}
}

static void test_lists(void)
{
	struct kernel_facts f = BARE;
	const char *bad = "unset", *why;

	CHECK(!requirements_unmet(&f, NULL, &bad) && !bad, "no list");
	CHECK(!requirements_unmet(&f, "", &bad) && !bad, "empty list");
	CHECK(!requirements_unmet(&f, " ,\t, ", &bad) && !bad, "only separators");
	CHECK(!requirements_unmet(&f, "no-ignore-msrs no-wrmsrns", &bad) && !bad, "all met");
	CHECK(!requirements_unmet(&f, "no-ignore-msrs,no-wrmsrns,not-kvm_pvm", &bad) && !bad,
	      "commas");
	CHECK(!requirements_unmet(&f, "  no-ignore-msrs ,\tno-wrmsrns,  ", &bad) && !bad,
	      "spaces, commas and tabs around tokens");

	why = requirements_unmet(&f, "wrmsrns", &bad);
	CHECK(why == requirement_table[REQ_WRMSRNS].reason && !bad, "one unmet");
	why = requirements_unmet(&f, "no-wrmsrns, force-emulation, wrmsrns", &bad);
	CHECK(why == requirement_table[REQ_FORCE_EMULATION].reason && !bad,
	      "the first unmet one: %s", why ? why : "(met)");
	f.has_wrmsrns = true;
	why = requirements_unmet(&f, "no-wrmsrns", &bad);
	CHECK(why == requirement_table[REQ_NO_WRMSRNS].reason && !bad, "no-wrmsrns: %s",
	      why ? why : "(met)");
	f.force_emulation_prefix = 1;
	f.ignore_msrs = true;
	why = requirements_unmet(&f, "force-emulation no-ignore-msrs", &bad);
	CHECK(why == requirement_table[REQ_NO_IGNORE_MSRS].reason && !bad, "second token: %s",
	      why ? why : "(met)");
}

static void test_unknown_tokens(void)
{
	struct kernel_facts f = BARE;
	const char *list, *bad, *why;

	list = "no-ignore-msr";
	why = requirements_unmet(&f, list, &bad);
	CHECK(!why && bad == list, "typo at the start");
	list = "no-wrmsrns, force";
	why = requirements_unmet(&f, list, &bad);
	CHECK(!why && bad == list + 12, "typo after a comma: %s", bad ? bad : "(none)");
	/* an unmet token before a typo does not hide it: a typo fails on every kernel */
	list = "wrmsrns force";
	why = requirements_unmet(&f, list, &bad);
	CHECK(!why && bad == list + 8, "typo after an unmet token: %s", bad ? bad : "(none)");
	list = "not-kvm_pvm wrmsrns-please";
	why = requirements_unmet(&f, list, &bad);
	CHECK(!why && bad == list + 12, "token with a known prefix: %s", bad ? bad : "(none)");
}

int main(void)
{
	test_table();
	test_lookup_is_whole_words();
	test_predicates();
	test_reasons();
	test_lists();
	test_unknown_tokens();
	return unit_summary("requirements");
}
