/* feedback.h - semantic coverage without KCOV: one tuple per step that ran, hashed into a counter map. */
#ifndef MSREXIT_FEEDBACK_H
#define MSREXIT_FEEDBACK_H

#include <stddef.h>
#include <stdint.h>

#include "program.h"
#include "trace.h"

/* Index classes besides a msr_table position (0..63). */
#define FB_IDX_X2APIC 0x40 /* 0x800..0x8ff, outside the table */
#define FB_IDX_UNKNOWN 0x41 /* one of msr_unknown_indices */
#define FB_IDX_OTHER 0x42

/* Filter decision paths; a range that matched is FB_FILTER_RANGE + 2 * its position + allowed. */
#define FB_FILTER_NONE 0 /* no filter in force */
#define FB_FILTER_X2APIC 1 /* x2APIC registers are never filtered */
#define FB_FILTER_DEFAULT_ALLOW 2
#define FB_FILTER_DEFAULT_DENY 3
#define FB_FILTER_RANGE 4
#define FB_FILTER_TYPE_MISS 0x40 /* a range held the index but not this access type */

/* Outcomes; a host step's failure is FB_OUT_ERRNO + (errno & 0x3f). */
enum fb_outcome {
	FB_OUT_START = 0, /* "previous outcome" of the first step */
	FB_OUT_NOTRUN,
	FB_OUT_ABORT, /* the run stopped at this step */
	FB_OUT_SUCCESS,
	FB_OUT_GP,
	FB_OUT_UD,
	FB_OUT_FAULT, /* another vector, or a non-zero error code */
	FB_OUT_STRAY, /* execution ran through bytes it should not have */
	FB_OUT_HOST_ZERO, /* ioctl returned 0 */
	FB_OUT_HOST_COUNT, /* returned a positive count: + min(ret, 3) - 1 */
	FB_OUT_ERRNO = 0x40,
};

/* The reply class: bit 0 error != 0, bit 1 error > 1, bits 2..4 the reply flags. */
#define FB_REPLY_ERROR 0x1
#define FB_REPLY_ERROR_BIG 0x2
#define FB_REPLY_FLAGS_SHIFT 2

struct fb_tuple {
	uint8_t op; /* step kind; 0x80 set behind the forced-emulation prefix */
	uint8_t index_class; /* guest: FB_IDX_* or a table position; host: its target */
	uint8_t cpl;
	uint8_t mask; /* the reason mask in force (the low 3 bits; 0x80 if more were accepted) */
	uint8_t filter_path; /* guest: FB_FILTER_*; host: the filter in force + 1, 0 for none */
	uint8_t exit; /* guest: 0 no MSR exit, else the reason bits | 0x8 for WRMSR; host: held */
	uint8_t reply; /* FB_REPLY_*, 0 without an exit */
	uint8_t outcome; /* enum fb_outcome */
	uint8_t prev; /* the outcome of the step before, in program order */
};

/* The state the steps change as they run: what is in force for the next one. */
struct fb_walk {
	uint8_t mask;
	uint8_t filter; /* HOST_FILTER_NONE, or the filter in force */
	uint8_t prev;
	uint8_t held; /* bit v: vCPU v has an MSR exit pending (REPLY_HOLD) */
};

void fb_walk_init(struct fb_walk *w, const struct program *p, const struct trace *t);
/* The tuple of step n (call in program order); advances w past it. */
void fb_step_tuple(struct fb_walk *w, const struct program *p, const struct trace *t, int n,
		   struct fb_tuple *out);
uint32_t fb_tuple_hash(const struct fb_tuple *tp);

/*
 * The hashes of the tuples of every step that ran, the step that stopped the
 * run included; returns how many (at most PROG_MAX_STEPS).
 */
unsigned feedback_hashes(const struct program *p, const struct trace *t, uint32_t *hashes);
/*
 * Bumps map[hash % size] (saturating) for the tuple of every step that ran,
 * the step that stopped the run included; returns how many tuples it added.
 */
unsigned feedback_add(const struct program *p, const struct trace *t, uint8_t *map, size_t size);

#endif
