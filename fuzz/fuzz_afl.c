/* fuzz_afl.c - msrexit-afl: AFL++ persistent mode; every input runs on the real /dev/kvm. */
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "target.h"

#ifdef __AFL_COMPILER
/*
 * AFL++'s runtime (afl-compiler-rt) writes map[id] = val for us. Declaring
 * __afl_area_ptr here instead would collide with the instrumentation's own
 * declaration of it.
 */
void __afl_coverage_interesting(uint8_t val, uint32_t id);
extern uint32_t __afl_map_size;

/* The tuples share the map with the edges: hashed over all of it, like edges. */
static void afl_sink(uint32_t hash, uint8_t count)
{
	__afl_coverage_interesting(count, hash % __afl_map_size);
}
#else
/* Built without afl-clang-fast: one input from stdin, the same code path (replays). */
#define __AFL_FUZZ_INIT() static uint8_t stdin_buf[1 << 20]
#define __AFL_INIT() \
	do {         \
	} while (0)
#define __AFL_FUZZ_TESTCASE_BUF stdin_buf
#define __AFL_FUZZ_TESTCASE_LEN fread(stdin_buf, 1, sizeof(stdin_buf), stdin)
static int loop_once(void)
{
	static int done;

	return !done++;
}
#define __AFL_LOOP(n) loop_once()
#endif

__AFL_FUZZ_INIT();

/* MSREXIT_FUZZ_FEEDBACK=0 turns the semantic feedback off (to measure what it is worth). */
static void use_feedback_map(void)
{
	const char *e = getenv("MSREXIT_FUZZ_FEEDBACK");

	if (e && !strcmp(e, "0"))
		return;
#ifdef __AFL_COMPILER
	fuzz_set_feedback_sink(afl_sink);
#endif
}

int main(void)
{
	const uint8_t *buf;
	bool started = false;

	/*
	 * The fork server starts here: everything that touches /dev/kvm comes
	 * after it, since a forked child cannot use its parent's VM.
	 */
	__AFL_INIT();
	buf = __AFL_FUZZ_TESTCASE_BUF;
	while (__AFL_LOOP(10000)) {
		size_t len = __AFL_FUZZ_TESTCASE_LEN;
		char sig[FUZZ_SIG_MAX];

		if (!started) {
			int st = fuzz_target_init("msrexit-afl");

			if (st)
				exit(st);
			use_feedback_map();
			started = true;
		}
		if (fuzz_run_input(buf, len, sig))
			fuzz_finding(sig);
	}
	if (getenv("MSREXIT_FUZZ_STATS"))
		fuzz_print_stats(stderr);
	return 0;
}
