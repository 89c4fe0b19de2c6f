/*
 * stub.S - the guest's fixed code: exception handlers and the idle loop.
 *
 * The accesses themselves are not here: the host writes each batch as
 * straight-line code (harness/kvm/guest_code.c). On a backend that emulates CPL0
 * code an instruction at a time, an exception that reaches the host in one
 * instruction is the cheapest there is, so every handler is a single
 * "out imm8, al": it changes no register, and the host reads the frame the
 * CPU pushed from guest memory and sets RIP where the batch goes on.
 */
#include "stub_abi.h"

	.section .header, "a"
	.long STUB_MAGIC
	.long STUB_ABI_VERSION
	.quad stub_idle
	.irp n, 0,1,2,3,4,5,6,7,8,9,10,11,12,13,14,15,16,17,18,19,20,21,22,23,24,25,26,27,28,29,30,31
	.quad isr\n
	.endr

	.section .text.entry, "ax"
	.global stub_idle
stub_idle:
	outb %al, $PORT_BATCH_DONE
	jmp stub_idle

	.text
	.irp n, 0,1,2,3,4,5,6,7,8,9,10,11,12,13,14,15,16,17,18,19,20,21,22,23,24,25,26,27,28,29,30,31
isr\n:
	outb %al, $(PORT_EXCEPTION_BASE + \n)
	jmp isr\n
	.endr

	.section .note.GNU-stack, "", @progbits
