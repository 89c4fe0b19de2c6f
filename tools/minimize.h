/* minimize.h - delta debugging over programs: fewer steps, filters, ranges and entries, simpler values. */
#ifndef MSREXIT_MINIMIZE_H
#define MSREXIT_MINIMIZE_H

#include <stdbool.h>
#include <stdint.h>

#include "program.h"

struct minimize_ops {
	void *ctx;
	/* true if p still shows the finding (same signature); p may be invalid: say false then */
	bool (*still_fails)(void *ctx, const struct program *p);
	/* after each pass that changed something (may be NULL) */
	void (*progress)(void *ctx, const char *pass, const struct program *p);
	/*
	 * The value an MSR written by the program is simplified toward (its
	 * initial value on this kernel; 0 if unknown). NULL: always 0.
	 */
	uint64_t (*base_value)(void *ctx, uint32_t index, unsigned vcpu);
};

/*
 * Shrinks p in place while ops->still_fails holds: drops steps (halves, then
 * smaller chunks), filters, ranges and host MSR entries, then simplifies
 * every field toward its canonical value (CPL0, no prefix, vCPU 0, default
 * registers, reply error 0 and data 0, no reply flags, the natural fd, one
 * vCPU, fewer mask bits, each written value bit by bit toward its base
 * value), and repeats until nothing changes. p must fail on entry.
 */
void minimize_program(struct program *p, const struct minimize_ops *ops);

struct program_size {
	unsigned steps, filters, ranges, entries, text_bytes;
};
void program_size(const struct program *p, struct program_size *s);

#endif
