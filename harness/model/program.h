/* program.h - the one description of a test: VM setup, guest and host steps, exit replies. */
#ifndef MSREXIT_PROGRAM_H
#define MSREXIT_PROGRAM_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "kvm_abi.h"
#include "step_kinds.h"

#define PROG_MAX_STEPS 64
#define PROG_MAX_FILTERS 4
#define PROG_MAX_RANGES FILTER_MAX_RANGES
#define PROG_MAX_HOST_MSRS 8
#define PROG_MAX_VCPUS 2
#define PROG_FEP_LEN 5 /* the forced-emulation prefix: ud2; 'k' 'v' 'm' */
#define PROG_HOST_NMSRS_MAX 300 /* host get/set may claim more entries than listed (E2BIG) */

enum bitmap_kind {
	BITMAP_PATTERN = 0, /* byte k of the bitmap is byte (k % 8) of pattern */
	BITMAP_FAULT = 1, /* pass an unreadable address: the kernel must say EFAULT */
};

struct prog_range {
	uint32_t flags;
	uint32_t nmsrs;
	uint32_t base;
	uint8_t bitmap_kind;
	uint64_t pattern;
};

struct prog_filter {
	uint32_t flags;
	uint8_t nranges; /* ranges[0..nranges) are passed; the rest of the 16 are zero */
	struct prog_range ranges[PROG_MAX_RANGES];
};

/* The step kinds (enum step_kind), their numbers and handlers: step_kinds.h. */
static inline bool step_is_guest(uint8_t kind)
{
	const struct step_kind_desc *d = step_kind_desc(kind);

	return d && d->guest;
}

/* The guest steps that write an MSR (EDX:EAX is the value; the exit is a WRMSR exit). */
static inline bool step_is_write(uint8_t kind)
{
	const struct step_kind_desc *d = step_kind_desc(kind);

	return d && d->write;
}

/* Which fd a host step's ioctl goes to. */
enum host_target {
	TARGET_DEFAULT = 0, /* the kind's own fd (the fd column of STEP_KINDS) */
	TARGET_VM = 1,
	TARGET_VCPU = 2,
	TARGET_SYSTEM = 3, /* /dev/kvm */
};

/* Reply flags for an MSR exit. */
#define REPLY_HOLD 0x1u /* leave the exit pending while the following host steps run */
#define REPLY_SCRIBBLE 0x2u /* garbage in exit_reason, reason, index, pad (and WRMSR data) */
#define REPLY_UNTOUCHED 0x4u /* do not write kvm_run at all: the kernel's zeroed error/data */

struct guest_step {
	uint8_t cpl; /* 0 or 3 */
	uint8_t fep; /* 1: behind the forced-emulation prefix (ud2; 'kvm'): KVM's emulator */
	uint64_t rcx; /* low 32 bits = index; upper half is garbage the CPU must ignore */
	uint64_t rax; /* WRMSR value low half / RDMSR initial value */
	uint64_t rdx;
	/* the reply to the exit this access causes, if it causes one */
	uint8_t reply_error;
	uint64_t reply_data;
	uint8_t reply_flags;
};

struct host_msr {
	uint32_t index;
	uint64_t value; /* for SET */
};

struct host_step {
	uint8_t target; /* enum host_target */
	uint64_t arg; /* mask value, filter number (0xff = none), cap number */
	uint32_t flags; /* KVM_ENABLE_CAP flags */
	uint16_t nmsrs; /* entries passed to GET/SET_MSRS (>= nlist; the list repeats) */
	uint8_t nlist;
	struct host_msr list[PROG_MAX_HOST_MSRS];
};

#define HOST_FILTER_NONE 0xff

struct step {
	uint8_t kind; /* enum step_kind */
	uint8_t vcpu;
	uint32_t line; /* source line of a text program, 0 for binary */
	union {
		struct guest_step g;
		struct host_step h;
	};
};

struct program {
	uint8_t nvcpus; /* 1 or 2 */
	uint64_t mask; /* reason mask enabled at setup */
	uint8_t setup_filter; /* filter installed at setup, HOST_FILTER_NONE for none */
	uint8_t nfilters;
	struct prog_filter filters[PROG_MAX_FILTERS];
	uint16_t nsteps;
	struct step steps[PROG_MAX_STEPS];
};

void program_init(struct program *p);

/* What a guest RDMSR finds in RAX/RDX unless the program says otherwise. */
#define PROG_RDMSR_RAX_DEFAULT 0xa5a5a5a5a5a5a5a5ull
#define PROG_RDMSR_RDX_DEFAULT 0x5a5a5a5a5a5a5a5aull
/* A step of this kind with every default the text format leaves out; unused fields zero. */
void step_init(struct step *s, uint8_t kind);

/* Bytes of a guest step's access: its instruction's, plus the forced-emulation prefix. */
static inline uint8_t step_insn_len(const struct step *s)
{
	const struct step_kind_desc *d = step_kind_desc(s->kind);

	return (d ? d->insn_len : 0) + (s->g.fep ? PROG_FEP_LEN : 0);
}

/*
 * The fd a host step's ioctl goes to: the one its target names, or (target
 * TARGET_DEFAULT, or none of the enum) its kind's (STEP_KINDS' fd column).
 */
static inline enum step_fd step_fd(const struct step *s)
{
	const struct step_kind_desc *d = step_kind_desc(s->kind);

	switch (s->h.target) {
	case TARGET_VM:
		return STEP_FD_VM;
	case TARGET_VCPU:
		return STEP_FD_VCPU;
	case TARGET_SYSTEM:
		return STEP_FD_SYSTEM;
	default:
		return d ? (enum step_fd)d->fd : STEP_FD_VCPU;
	}
}

static inline uint32_t guest_index(const struct guest_step *g)
{
	return (uint32_t)g->rcx;
}

static inline uint64_t guest_wrmsr_value(const struct guest_step *g)
{
	return (g->rdx << 32) | (uint32_t)g->rax;
}

/* Binary codec (fuzzers): every byte string decodes to a valid, bounded program. */
#define PROG_BIN_MAGIC0 'M'
#define PROG_BIN_MAGIC1 'X'
#define PROG_BIN_VERSION 1
#define PROG_BIN_MAX_SIZE 20480 /* program_encode never needs more */
void program_decode(const uint8_t *data, size_t size, struct program *p);
/* Returns bytes written, or 0 if buf is too small. decode(encode(p)) == p. */
size_t program_encode(const struct program *p, uint8_t *buf, size_t size);

/* Text codec (people). */
struct parse_error {
	const char *file; /* the caller's file name, not a copy: a long path is never cut */
	unsigned line, column;
	char msg[256]; /* never quotes a path, and only printable ASCII */
};
/* Parses text[0..len); returns 0 on success, -1 with *err filled in. */
int program_parse_bytes(const char *text, size_t len, const char *filename, struct program *p,
			struct parse_error *err);
/* The same for a NUL-terminated text. */
int program_parse(const char *text, const char *filename, struct program *p,
		  struct parse_error *err);
/* Canonical text; returns length, or -1 if buf is too small. */
int program_format(const struct program *p, char *buf, size_t size);

/* How to read a program file: by its first bytes, or as the caller says (raw fuzzer inputs). */
enum prog_file_kind {
	PROG_FILE_AUTO, /* binary if it starts with the magic, else text */
	PROG_FILE_TEXT,
	PROG_FILE_BINARY, /* program_decode, as the fuzzers call it: magic or not */
};
int program_load_file(const char *path, enum prog_file_kind kind, struct program *p,
		      struct parse_error *err);

const char *step_name(uint8_t kind);

#endif
