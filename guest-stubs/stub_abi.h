/* stub_abi.h - the contract between the host harness and the guest stub: memory layout, mailbox. */
#ifndef MSREXIT_STUB_ABI_H
#define MSREXIT_STUB_ABI_H

#include <stdint.h>

#define STUB_ABI_VERSION 2
#define STUB_MAGIC 0x5453584du /* "MXST" */

/* Guest physical = guest virtual (identity map of the first 1 GiB, 2 MiB pages). */
#define GUEST_MEM_SIZE (8u << 20)
#define GUEST_GDT 0x1000u
#define GUEST_IDT 0x2000u
#define GUEST_TSS 0x3000u /* one 0x100-byte TSS per vCPU */
#define GUEST_PML4 0x4000u
#define GUEST_PDPT 0x5000u
#define GUEST_PD 0x6000u
#define GUEST_IMAGE 0x10000u
#define GUEST_IMAGE_MAX 0x70000u

/*
 * One 1 MiB area per vCPU, 1 MiB aligned so that exception handlers find the
 * mailbox by rounding RSP down. The main stack and the stack the CPU switches
 * to on a fault from CPL3 (TSS.RSP0) are apart, so a CPL3 fault never
 * overwrites the frames of the interpreter.
 */
#define GUEST_VCPU_AREA(v) (0x100000u + (uint32_t)(v)*0x100000u)
#define VCPU_AREA_SIZE 0x100000u
#define AREA_STACK_TOP 0x80000u /* offset: CPL0 stack of the interpreter */
#define AREA_RSP0_TOP 0xa0000u /* offset: TSS.RSP0 */
#define AREA_USER_STACK_TOP 0xc0000u /* offset: CPL3 stack */

/* GDT selectors. */
#define SEL_KERNEL_CS 0x08
#define SEL_KERNEL_DS 0x10
#define SEL_USER_DS 0x18
#define SEL_USER_CS 0x20
#define SEL_TSS(v) (0x28 + (v)*0x10)

/* I/O ports the stub uses to talk to the host (never an MSR: that would disturb the test). */
#define PORT_BATCH_DONE 0x7f0
#define PORT_PANIC 0x7f1 /* an exception outside an operation; EAX = vector */

#define STUB_MAX_OPS 64

enum stub_op_kind {
	STUB_OP_RDMSR = 0,
	STUB_OP_WRMSR = 1,
	STUB_OP_WRMSRNS = 2,
	STUB_NR_KINDS
};

/* The forced-emulation prefix, ud2; 'k' 'v' 'm': KVM emulates what follows, if enabled. */
#define STUB_FEP_LEN 5

struct stub_op {
	uint8_t kind; /* enum stub_op_kind */
	uint8_t cpl; /* 0 or 3 */
	uint8_t fep; /* 1: the site behind the forced-emulation prefix */
	uint8_t pad[5];
	uint64_t rcx, rax, rdx;
};

/*
 * Every operation ends in the handler: a fault at the instruction, #UD in the
 * landing pad (RIP = where execution continued), or at CPL0 a jump from
 * exactly past the instruction (vector STUB_VEC_LANDED, RIP = that address).
 * The handler records the registers and resumes the interpreter.
 */
/*
 * RSI holds this across every access. A kernel that resumed a few bytes
 * into an instruction can run into the landing jump through bytes that
 * decode as instructions (WRMSRNS's "01 c6" is ADD ESI, EAX): a changed RSI
 * gives that away.
 */
#define STUB_RSI_CANARY 0x51c0ffee51c0ffee
#define STUB_SITE_PAD 40 /* bytes of 0xd6 (#UD in 64-bit mode) after each instruction */
struct stub_result {
	uint64_t rax, rdx, rcx;
	uint64_t rsi; /* STUB_RSI_CANARY unless execution ran through bytes it should not have */
	uint64_t rip; /* RIP the exception frame holds */
	uint64_t error_code;
	uint32_t vector;
	uint32_t done; /* 1 once recorded */
};

struct stub_mailbox {
	uint32_t magic;
	uint32_t nops; /* host: operations in this batch */
	volatile uint32_t cur; /* guest: operation being executed */
	volatile uint32_t in_op;
	uint64_t saved_rsp; /* guest: interpreter stack to resume on */
	uint64_t batches; /* guest: batches completed */
	uint64_t pad;
	struct stub_op ops[STUB_MAX_OPS];
	struct stub_result res[STUB_MAX_OPS];
};

#define STUB_NR_VECTORS 32
/* Not a CPU vector: a CPL0 access that went on past its instruction (no exception). */
#define STUB_VEC_LANDED 32

/* At the start of the image: what the host needs to know about it. */
struct stub_header {
	uint32_t magic;
	uint32_t abi_version;
	uint64_t entry; /* interpreter; RDI = mailbox */
	uint64_t isr[STUB_NR_VECTORS];
	/* [op kind][cpl == 3][fep]: where the access starts (the prefix, with fep) */
	uint64_t insn[STUB_NR_KINDS][2][2];
};

#endif
