/* step_kinds.h - every guest and host step kind, described once, and the table made from it. */
#ifndef MSREXIT_STEP_KINDS_H
#define MSREXIT_STEP_KINDS_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

/*
 * One line per step kind (docs/program-format.md, "Step kinds"). Columns:
 *
 *   ENUM   the kind is STEP_<ENUM>
 *   num    its number: guest kinds 0x01..0x3f, host kinds 0x40..0x7f. Part of
 *          the binary format: never change or reuse one
 *   class  guest (an access the guest executes) or host (an ioctl in between)
 *   slot, nslots  the binary operation slots (op & 0x1f) [slot, slot + nslots);
 *          part of the binary format like num. fep: the slot of the form
 *          behind the forced-emulation prefix, or NO_SLOT
 *   name   step_name(), in traces and signatures. The text statement is the
 *          name, or "host WORD" for a host kind named "host-WORD"
 *   insn   the guest instruction's bytes ("" for host kinds)
 *   write  a guest write: EDX:EAX is the value, the exit is a WRMSR exit
 *   req    the enum requirement (requirements.h) the kind needs of the kernel:
 *          the oracle expects #UD where it is unmet
 *   fd     the fd its ioctl goes to when the step names none (on=): VM, VCPU
 *          or SYSTEM (/dev/kvm), enum step_fd; guest kinds run on their vCPU
 *   touches  what of the VM it can change, for the VM pool's reset (enum
 *          step_touch): NONE, VCPU_MSRS (the MSRs of its list), VM_MASK,
 *          VM_FILTER, or VCPU_RUN (it enters KVM_RUN: the vCPU's registers
 *          and events; a guest write also changes its MSR)
 *   args   the arguments' shape, handled by step_decode_<args>, step_encode_<args>
 *          (program.c), step_parse_<args> (program_text.c), step_format_<args>
 *          (program_format.c) and step_trace_<args> (trace_text.c)
 *   stem   the behaviour: step_predict_<stem> (oracle.c, oracle_host.c) and, for
 *          host kinds, step_execute_<stem> (harness/kvm/execute_host.c)
 */
/* clang-format off */
#define STEP_KINDS(X)                                                                                                                                             \
	/* ENUM                num   class  slot  n  fep      name                   insn            write  req          fd    touches    args    stem */         \
	X(RDMSR,               0x01, guest, 0x00, 6, 0x0d,    "rdmsr",               "\x0f\x32",     false, REQ_NONE,    VCPU, VCPU_RUN,  access, access)         \
	X(WRMSR,               0x02, guest, 0x06, 6, 0x0e,    "wrmsr",               "\x0f\x30",     true,  REQ_NONE,    VCPU, VCPU_RUN,  access, access)         \
	X(WRMSRNS,             0x03, guest, 0x0c, 1, 0x0f,    "wrmsrns",             "\x0f\x01\xc6", true,  REQ_WRMSRNS, VCPU, VCPU_RUN,  access, access)         \
	X(HOST_MASK,           0x40, host,  0x10, 1, NO_SLOT, "host-mask",           "",             false, REQ_NONE,    VM,   VM_MASK,   mask,   mask)           \
	X(HOST_FILTER,         0x41, host,  0x11, 1, NO_SLOT, "host-filter",         "",             false, REQ_NONE,    VM,   VM_FILTER, filter, filter)         \
	X(HOST_GET_MSRS,       0x42, host,  0x12, 1, NO_SLOT, "host-get",            "",             false, REQ_NONE,    VCPU, NONE,      msrs,   get_msrs)       \
	X(HOST_SET_MSRS,       0x43, host,  0x13, 1, NO_SLOT, "host-set",            "",             false, REQ_NONE,    VCPU, VCPU_MSRS, msrs,   set_msrs)       \
	X(HOST_IMMEDIATE_EXIT, 0x44, host,  0x14, 1, NO_SLOT, "host-immediate-exit", "",             false, REQ_NONE,    VCPU, VCPU_RUN,  none,   immediate_exit) \
	X(HOST_GET_REGS,       0x45, host,  0x15, 1, NO_SLOT, "host-regs",           "",             false, REQ_NONE,    VCPU, NONE,      none,   get_regs)       \
	X(HOST_GET_EVENTS,     0x46, host,  0x16, 1, NO_SLOT, "host-events",         "",             false, REQ_NONE,    VCPU, NONE,      none,   get_events)     \
	X(HOST_CHECK_CAP,      0x47, host,  0x17, 1, NO_SLOT, "host-check-cap",      "",             false, REQ_NONE,    VM,   NONE,      cap,    check_cap)
/* clang-format on */

/*
 * The kinds' numbers. STEP_RDMSR..STEP_WRMSRNS are the guest's RDMSR (0f 32),
 * WRMSR (0f 30) and WRMSRNS (0f 01 c6: needs CPUID.(7,1):EAX[19], exits like
 * WRMSR); the host kinds are KVM_ENABLE_CAP(USER_SPACE_MSR), KVM_X86_SET_MSR_FILTER
 * with filter N or none, KVM_GET_MSRS, KVM_SET_MSRS, KVM_RUN with
 * immediate_exit = 1, KVM_GET_REGS (RIP relative, RAX, RDX),
 * KVM_GET_VCPU_EVENTS (the pending exception) and KVM_CHECK_EXTENSION.
 */
#define STEP_KIND_ENUM(E, num, ...) STEP_##E = num,
enum step_kind {
	STEP_KINDS(STEP_KIND_ENUM)
};
#undef STEP_KIND_ENUM

/* The fd column: where a step's ioctl goes when it names none (step_fd()). */
enum step_fd {
	STEP_FD_VM = 1,
	STEP_FD_VCPU = 2,
	STEP_FD_SYSTEM = 3, /* /dev/kvm */
};

/* The touches column: what of the VM a step can change, which a reset must restore. */
enum step_touch {
	STEP_TOUCH_NONE,
	STEP_TOUCH_VCPU_MSRS, /* the MSRs of its list, on its vCPU */
	STEP_TOUCH_VM_MASK, /* the VM's reason mask */
	STEP_TOUCH_VM_FILTER, /* the VM's MSR filter */
	STEP_TOUCH_VCPU_RUN, /* it enters KVM_RUN: its vCPU's registers and events */
};

#define STEP_KIND_LIMIT 0x80 /* kind numbers are below this */
#define STEP_FIRST_HOST 0x40
#define NO_SLOT 0xff

struct step;
struct program;
struct bin_rd;
struct bin_wr;
struct text_parser;
struct text_out;
struct oracle_state;
struct guest_exp;
struct host_exp;

/*
 * A kind's handlers. The common part of a step is the caller's: the operation
 * byte (and a host step's H byte) of a frame, the statement's words (and a
 * host step's on= and vcpu= when printed), a trace line's name (and a host
 * step's vCPU and target). parse makes the step (new_step) itself, so that
 * the order of its errors is its own.
 */
typedef void step_decode_fn(struct bin_rd *r, const struct program *p, struct step *s);
typedef void step_encode_fn(struct bin_wr *w, const struct step *s);
typedef int step_parse_fn(struct text_parser *ps, uint8_t kind);
typedef void step_format_fn(struct text_out *o, const struct step *s);
typedef void step_trace_fn(FILE *out, const struct step *s);
typedef void step_predict_guest_fn(struct oracle_state *st, const struct step *s,
				   struct guest_exp *x);
typedef void step_predict_host_fn(struct oracle_state *st, const struct step *s,
				  struct host_exp *h);

struct step_kind_desc {
	const char *name; /* NULL: no kind has this number */
	const char *word; /* the text statement's keyword (after "host" for host kinds) */
	const char *insn;
	uint8_t kind;
	bool guest;
	bool write;
	uint8_t insn_len;
	uint8_t slot, nslots, fep_slot;
	uint8_t req; /* enum requirement */
	uint8_t fd; /* enum step_fd */
	uint8_t touches; /* enum step_touch */
	step_decode_fn *decode;
	step_encode_fn *encode;
	step_parse_fn *parse;
	step_format_fn *format;
	step_trace_fn *trace;
	union {
		step_predict_guest_fn *guest;
		step_predict_host_fn *host;
	} predict; /* the member the class names */
};

/* Indexed by kind number; entries of numbers no kind has are all zero. */
extern const struct step_kind_desc step_kinds[STEP_KIND_LIMIT];
/* The kinds' numbers, in the order of STEP_KINDS. */
extern const uint8_t step_kind_list[];
extern const unsigned step_kind_count;

/* The description of kind, or NULL if no kind has this number. */
static inline const struct step_kind_desc *step_kind_desc(unsigned kind)
{
	return kind < STEP_KIND_LIMIT && step_kinds[kind].name ? &step_kinds[kind] : NULL;
}

/* The kind whose operation slot op is (*fep: its forced-emulation form), or NULL. */
const struct step_kind_desc *step_kind_by_slot(unsigned op, bool *fep);
/* The guest kind (guest) or host kind whose statement keyword is s[0..len), or NULL. */
const struct step_kind_desc *step_kind_by_word(const char *s, unsigned len, bool guest);

/* The handlers' prototypes, so that every definition is checked against its use. */
#define STEP_KIND_PREDICT_guest(stem) step_predict_guest_fn step_predict_##stem;
#define STEP_KIND_PREDICT_host(stem) step_predict_host_fn step_predict_##stem;
#define STEP_KIND_HANDLERS(E, num, cls, slot, n, fep, name, insn, wr, req, fd, touches, args, \
			   stem)                                                              \
	step_decode_fn step_decode_##args;                                                    \
	step_encode_fn step_encode_##args;                                                    \
	step_parse_fn step_parse_##args;                                                      \
	step_format_fn step_format_##args;                                                    \
	step_trace_fn step_trace_##args;                                                      \
	STEP_KIND_PREDICT_##cls(stem)
STEP_KINDS(STEP_KIND_HANDLERS)

#endif
