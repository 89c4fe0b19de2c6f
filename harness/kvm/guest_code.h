/* guest_code.h - the straight-line guest code the host writes for one batch of accesses. */
#ifndef MSREXIT_GUEST_CODE_H
#define MSREXIT_GUEST_CODE_H

#include <stdbool.h>
#include <stdint.h>

#include "program.h"
#include "stub_abi.h"

/*
 * Where the code of one access lies (guest addresses). An access ends in one
 * of three ways: an exception (the handler exits, the host goes on at the
 * next access's after_exit), an MSR exit (the host points the landing jump
 * at the next access's after_exit), or in the kernel (the landing jump goes
 * through the next access's slot swap).
 */
struct access_code {
	uint64_t site; /* first byte of the access (the prefix, with fep) */
	uint64_t end; /* exactly past the access: where execution goes on */
	uint64_t after_exit; /* entry that takes the access's operands from R8, R9, R10 */
	uint64_t landing; /* CPL0: the landing jump's displacement byte; 0 at CPL3 */
	bool cpl3;
	bool long_form; /* longer than 2 bytes: a late landing can run through it (RSI) */
};

/* A batch's code: access[n] is the end, whose after_exit exits PORT_BATCH_DONE. */
struct batch_code {
	int n;
	uint64_t slots; /* guest address of slot 0 */
	struct access_code access[STUB_MAX_OPS + 1];
};

/* Bytes of pad after an access and where the landing jump goes. */
#define LANDING_PAD 0x2f /* through the slot swap of the next access */
#define LANDING_AFTER_EXIT 0x61 /* straight to the next access's after_exit */
#define LANDING_HANG 0xfe /* jmp . (MSREXIT_INJECT=hang) */

/*
 * Writes guest steps [start, end) of p as code into the vCPU area `area`
 * (host pointer; guest address area_gpa), with their slots and IRET frames.
 * Returns 0, or -1 if the batch is not all guest steps or too long.
 */
int guest_code_write(uint8_t *area, uint64_t area_gpa, const struct program *p, int start, int end,
		     struct batch_code *bc);

/* Points access k's landing jump somewhere else (LANDING_*). */
void guest_code_set_landing(uint8_t *mem, const struct batch_code *bc, int k, uint8_t target);

/* The access whose bytes (access, landing jump and pad) hold rip, from `from` on; -1 if none. */
int guest_code_find(const struct batch_code *bc, int from, uint64_t rip);

#endif
