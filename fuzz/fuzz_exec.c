/* fuzz_exec.c - msrexit-fuzz: the libFuzzer entry point; every input runs on the real /dev/kvm. */
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "target.h"

#define FEEDBACK_COUNTERS 16384

/* libFuzzer reads (and clears before each input) every counter in this section */
__attribute__((section("__libfuzzer_extra_counters"))) static uint8_t counters[FEEDBACK_COUNTERS];

static void print_stats(void)
{
	fuzz_print_stats(stderr);
}

/* MSREXIT_FUZZ_FEEDBACK=0 turns the semantic feedback off (to measure what it is worth). */
static bool feedback_wanted(void)
{
	const char *e = getenv("MSREXIT_FUZZ_FEEDBACK");

	return !e || strcmp(e, "0");
}

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	int st = fuzz_target_init("msrexit-fuzz");

	(void)argc;
	(void)argv;
	if (st)
		exit(st); /* 4 (no /dev/kvm) is a skip to ctest */
	if (feedback_wanted())
		fuzz_set_feedback_map(counters, sizeof(counters));
	atexit(print_stats);
	return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char sig[FUZZ_SIG_MAX];

	if (fuzz_run_input(data, size, sig))
		fuzz_finding(sig);
	return 0;
}
