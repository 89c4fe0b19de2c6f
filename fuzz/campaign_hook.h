/* campaign_hook.h - what a fuzz target leaves for `msrexit campaign`: the input about to run, kept where a dying kernel cannot take it, and each finding's signature. */
#ifndef MSREXIT_FUZZ_CAMPAIGN_HOOK_H
#define MSREXIT_FUZZ_CAMPAIGN_HOOK_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/*
 * The current-input file (MSREXIT_CURRENT_INPUT=PATH; a directory means
 * PATH/<pid>.input): a fixed header, then the input's bytes. Before each input
 * runs, header and bytes are written over the same, already allocated blocks
 * and synced, so the record is on the device before the kernel sees the input.
 */
#define CURRENT_INPUT_MAGIC "MXCURIN1"
#define CURRENT_INPUT_HEADER 64u
#define CURRENT_INPUT_CAPACITY (64u << 10) /* preallocated; grows for larger inputs */

enum current_input_state {
	CURRENT_INPUT_CLOSED = 0, /* the process ended knowingly: the input below ran last */
	CURRENT_INPUT_RUNNING = 1, /* the input below is running (or was, when all stopped) */
};

/*
 * How the record reaches the device (MSREXIT_CURRENT_INPUT_SYNC): none leaves
 * it in the page cache (survives the process, not the kernel); device writes
 * it out and waits, without a cache flush (survives the kernel dying: the
 * default); full is fdatasync (survives a power cut too).
 */
enum current_input_sync {
	CURRENT_INPUT_SYNC_NONE,
	CURRENT_INPUT_SYNC_DEVICE,
	CURRENT_INPUT_SYNC_FULL,
};

struct current_input_header {
	char magic[8];
	uint32_t state; /* enum current_input_state */
	uint32_t size; /* bytes of input after the header */
	uint64_t seq; /* inputs begun through this file, by every process that used it */
	uint64_t pid; /* the process that wrote it last */
	uint64_t hash; /* input_hash() of the bytes: a torn record does not match */
	uint8_t reserved[CURRENT_INPUT_HEADER - 40];
};

/* FNV-1a, 64 bits: names an input in the findings log and checks a record. */
uint64_t input_hash(const uint8_t *data, size_t size);

/* "none", "device", "full" (NULL: device); -1 for anything else. */
int current_input_sync_parse(const char *s);

/*
 * Called with each input before it runs. With MSREXIT_CURRENT_INPUT set, the
 * first call opens the file (a failure is said once on stderr and turns the
 * hook off); every call writes the record and syncs it.
 */
void campaign_hook_begin(const uint8_t *data, size_t size);

/*
 * A finding in the input of the last campaign_hook_begin(): with
 * MSREXIT_FINDINGS_LOG set, appends "HASH SIZE SIGNATURE" (hash in 16 hex
 * digits) to that file in one write; marks the current input closed, since
 * the engine keeps the input itself.
 */
void campaign_hook_finding(const char *sig);

/*
 * False when MSREXIT_ONLY_SIGNATURE names another signature: the input then
 * counts as no finding, so that the engines' minimizers (afl-tmin,
 * -minimize_crash), which keep any crash, keep the finding being minimized.
 */
bool campaign_hook_wanted(const char *sig);

/* Marks the current-input file closed, its last input kept (also done at exit). */
void campaign_hook_close(void);

/*
 * Reads a current-input file: 0 with *h filled and *data (malloc'd, h->size
 * bytes, to free) when it holds a whole record; -1 with errno (ENOENT,
 * EINVAL for no record or a torn one) otherwise.
 */
int current_input_read(const char *path, struct current_input_header *h, uint8_t **data);

#endif
