/* stub_abi.h - the contract between the host and the guest: memory layout, ports, code shapes. */
#ifndef MSREXIT_STUB_ABI_H
#define MSREXIT_STUB_ABI_H

#define STUB_ABI_VERSION 3
#define STUB_MAGIC 0x5453584d /* "MXST" */

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
 * One 1 MiB area per vCPU. The host writes each batch of accesses there as
 * straight-line code (harness/kvm/guest_code.c) with its slots and IRET frames;
 * the CPU switches to the RSP0 stack on a fault from CPL3.
 */
#define GUEST_VCPU_AREA(v) (0x100000u + (unsigned)(v)*0x100000u)
#define VCPU_AREA_SIZE 0x100000u
#define AREA_SLOTS 0x1000u /* offset: struct code_slot[STUB_MAX_OPS + 1] */
#define AREA_FRAMES 0x3000u /* offset: one IRET frame (5 quadwords) per CPL3 access */
#define AREA_STACK_TOP 0x80000u /* offset: CPL0 stack */
#define AREA_RSP0_TOP 0xa0000u /* offset: TSS.RSP0 */
#define AREA_USER_STACK_TOP 0xc0000u /* offset: CPL3 stack */
#define AREA_CODE 0xd0000u /* offset: the batch's code */
#define AREA_CODE_SIZE 0x20000u

/* GDT selectors. */
#define SEL_KERNEL_CS 0x08
#define SEL_KERNEL_DS 0x10
#define SEL_USER_DS 0x18
#define SEL_USER_CS 0x20
#define SEL_TSS(v) (0x28 + (v)*0x10)

/*
 * I/O ports the guest exits through (never an MSR: that would disturb the
 * test). One-byte port numbers, so that "out imm8, al" changes no register.
 */
#define PORT_BATCH_DONE 0xe0
#define PORT_EXCEPTION_BASE 0xc0 /* + vector: the exception handlers */

#define STUB_MAX_OPS 64
#define STUB_NR_VECTORS 32

/* The forced-emulation prefix, ud2; 'k' 'v' 'm': KVM emulates what follows, if enabled. */
#define STUB_FEP_LEN 5

/*
 * RSI holds this across every access. A kernel that resumed a few bytes
 * into an instruction can run into the landing jump through bytes that
 * decode as instructions (WRMSRNS's "01 c6" is ADD ESI, EAX): a changed RSI
 * gives that away.
 */
#define STUB_RSI_CANARY 0x51c0ffee51c0ffee

#ifndef __ASSEMBLER__
#include <stdint.h>

/*
 * Before a batch: slot k holds access k's RAX, RDX and RCX. The code before
 * access k swaps them into the registers, which leaves access k-1's
 * results in the slot (and RSI, after a long form).
 */
struct code_slot {
	uint64_t rax, rdx, rcx, rsi;
};

/* At the start of the image: what the host needs to know about it. */
struct stub_header {
	uint32_t magic;
	uint32_t abi_version;
	uint64_t idle; /* where a vCPU waits with no batch: it exits PORT_BATCH_DONE */
	uint64_t isr[STUB_NR_VECTORS]; /* each exits PORT_EXCEPTION_BASE + vector */
};
#endif

#endif
