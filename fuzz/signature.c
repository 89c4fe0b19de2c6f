/* signature.c - one short stable line per finding, so the engines' crashes can be deduplicated. */
#include <stdio.h>
#include <string.h>

#include "signature.h"

struct word {
	const char *text; /* what the message starts with (abort) or holds (health) */
	const char *word;
};

/* harness/kvm's exec_abort() messages; the most specific first */
static const struct word abort_words[] = {
	{ "KVM_EXIT_INTERNAL_ERROR", "internal-error" },
	{ "KVM_EXIT_FAIL_ENTRY", "fail-entry" },
	{ "a second MSR exit", "second-exit" },
	{ "MSR exit (index", "stray-exit" },
	{ "exception vector", "guest-exception" },
	{ "KVM_RUN with immediate_exit", "immediate-exit-ran" },
	{ "KVM_RUN(", "kvm-run-error" },
	{ "more than", "exit-loop" },
	{ "watchdog: the guest did not finish", "watchdog" },
	{ "watchdog:", "harness-timer" },
	{ "unexpected I/O exit", "io-exit" },
	{ "unexpected exit reason", "unexpected-exit" },
	{ "set-up:", "setup-failed" },
};

/* health.c's reports: a log line holding one of these, or changed taint flags */
static const struct word health_words[] = {
	{ "taint flags changed", "taint" },
	{ "unreadable", "log-unreadable" },
	{ "KASAN", "kasan" },
	{ "UBSAN", "ubsan" },
	{ "general protection fault", "gpf" },
	{ "kernel BUG", "bug" },
	{ "BUG:", "bug" },
	{ "Oops", "oops" },
	{ "WARNING:", "warning" },
	{ "refcount_t:", "refcount" },
	{ "corruption", "list-corruption" },
	{ "stack-protector", "stack-protector" },
	{ "RCU detected stall", "rcu-stall" },
	{ "soft lockup", "soft-lockup" },
	{ "hung_task", "hung-task" },
};

#define NWORDS(a) (sizeof(a) / sizeof((a)[0]))

const char *fuzz_abort_word(const char *msg)
{
	for (unsigned i = 0; i < NWORDS(abort_words); i++)
		if (!strncmp(msg, abort_words[i].text, strlen(abort_words[i].text)))
			return abort_words[i].word;
	return "abort";
}

const char *fuzz_health_word(const char *report)
{
	for (unsigned i = 0; i < NWORDS(health_words); i++)
		if (strstr(report, health_words[i].text))
			return health_words[i].word;
	return "other";
}

void fuzz_health_signature(const char *report, char *sig)
{
	snprintf(sig, FUZZ_SIG_MAX, "kernel/health/%s", fuzz_health_word(report));
}

void fuzz_mismatch_signature(const struct mismatch *m, const struct trace *t, char *sig)
{
	const char *abort = "-expected-got-abort";
	size_t n = strlen(m->signature), k = strlen(abort);

	if (!strcmp(m->field, "run") && n > k && !strcmp(m->signature + n - k, abort))
		snprintf(sig, FUZZ_SIG_MAX, "%.*s-expected-got-%s", (int)(n - k), m->signature,
			 fuzz_abort_word(t->abort_msg));
	else
		snprintf(sig, FUZZ_SIG_MAX, "%s", m->signature);
}
