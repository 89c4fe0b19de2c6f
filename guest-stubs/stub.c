/* stub.c - the guest: an interpreter of RDMSR/WRMSR operations the host writes into its mailbox. */
#include <stddef.h>
#include <stdint.h>

#include "stub_abi.h"

#define STR_(x) #x
#define STR(x) STR_(x)

/* The frame isr_common builds: saved registers, then what the CPU pushed. */
struct exc_frame {
	uint64_t rsi, rcx, rdx, rax;
	uint64_t vector, error_code;
	uint64_t rip, cs, rflags, rsp, ss;
};

void stub_main(struct stub_mailbox *mb);
uint64_t stub_exception(struct exc_frame *f);
void stub_enter(uint64_t target, uint64_t to_cpl3, uint64_t *saved_rsp, const uint64_t regs[3],
		uint64_t user_rsp);

/*
 * stub_enter loads RCX/RAX/RDX and jumps to an instruction site, at CPL0
 * directly or at CPL3 through IRETQ (INT n is not usable on every backend).
 * It "returns" only through stub_resume, from the exception handler.
 */
asm(".text\n"
    ".global stub_enter\n"
    "stub_enter:\n"
    "	push %rbx\n	push %rbp\n	push %r12\n	push %r13\n	push %r14\n	push %r15\n"
    "	mov %rsp, (%rdx)\n"
    "	mov %rdi, %r9\n"
    "	mov %rcx, %r10\n"
    "	test %rsi, %rsi\n"
    "	jnz 1f\n"
    "	mov 0(%r10), %rcx\n	mov 8(%r10), %rax\n	mov 16(%r10), %rdx\n"
    "	movabs $" STR(
	STUB_RSI_CANARY) ", %rsi\n"
			 "	jmp *%r9\n"
			 "1:	pushq $(" STR(
			     SEL_USER_DS) " | 3)\n"
					  "	push %r8\n"
					  "	pushq $2\n"
					  "	pushq $(" STR(
					      SEL_USER_CS) " | 3)\n"
							   "	push %r9\n"
							   "	mov 0(%r10), %rcx\n	mov 8(%r10), %rax\n	mov 16(%r10), %rdx\n"
							   "	movabs $" STR(
							       STUB_RSI_CANARY) ", %rsi\n"
										"	iretq\n"
										".global stub_resume\n"
										"stub_resume:\n"
										"	pop %r15\n	pop %r14\n	pop %r13\n	pop %r12\n	pop %rbp\n	pop %rbx\n"
										"	ret\n");

/*
 * The instruction sites. After each comes a landing pad of 0xd6 bytes, a
 * one-byte opcode that is #UD in 64-bit mode, so execution that continues
 * anywhere but exactly past the instruction raises #UD where it landed: the
 * RIP is exact even if a kernel skipped a wrong number of bytes, odd or even.
 * (INT3 would do, but some backends cannot run INT n: docs/spec.md §9.)
 *
 * At CPL0, exactly past the instruction sits "eb d6": a jump back 42 bytes to
 * a recorder that names the landing address and goes to stub_landed, with no
 * exception (an exception costs a round trip on some backends). Its second
 * byte is 0xd6 itself, so a landing one byte late is still a clean #UD. At
 * CPL3 the pad alone: the recorder could not return to CPL0 from there.
 *
 * Sites: rd/wr/ns = RDMSR/WRMSR/WRMSRNS, 0/3 = CPL, f = forced-emulation prefix.
 */
#define SITE0(name, insn, len)                                                   \
	".balign 128, 0xd6\n"                                                    \
	"1:	lea 2f(%rip), %r11\n"                                                \
	"	.byte 0xe9\n	.long stub_landed - . - 4\n"                              \
	"	.fill 40 - 12 - " #len ", 1, 0xd6\n"                             \
	".global " #name "\n" #name ":\n	" insn "\n"                      \
	"2:	.byte 0xeb, 0xd6\n"                                                  \
	"	.fill 40, 1, 0xd6\n"                                                   \
	"	.if (2b + 2 - 42) - 1b\n	.error \"landing jump of " #name \
	" misplaced\"\n	.endif\n"
#define SITE3(name, insn) \
	".balign 128, 0xd6\n.global " #name "\n" #name ":\n	" insn "\n	.fill 40, 1, 0xd6\n"
#define FEP "ud2; .byte 0x6b, 0x76, 0x6d; "
#define RDMSR "rdmsr"
#define WRMSR "wrmsr"
#define WRMSRNS ".byte 0x0f, 0x01, 0xc6" /* binutils 2.40 does not know the mnemonic */
/* clang-format off */
asm(".text\n"
    SITE0(site_rd_0, RDMSR, 2) SITE3(site_rd_3, RDMSR)
    SITE0(site_rd_0f, FEP RDMSR, 7) SITE3(site_rd_3f, FEP RDMSR)
    SITE0(site_wr_0, WRMSR, 2) SITE3(site_wr_3, WRMSR)
    SITE0(site_wr_0f, FEP WRMSR, 7) SITE3(site_wr_3f, FEP WRMSR)
    SITE0(site_ns_0, WRMSRNS, 3) SITE3(site_ns_3, WRMSRNS)
    SITE0(site_ns_0f, FEP WRMSRNS, 8) SITE3(site_ns_3f, FEP WRMSRNS));
/* clang-format on */

/* A CPL0 access went on past its instruction: record it like an exception, vector LANDED. */
asm(".text\n"
    ".global stub_landed\n"
    "stub_landed:\n"
    "	pushq $0\n	pushq $0\n	pushq $0\n	pushq $0\n" /* ss, rsp, rflags, cs */
    "	push %r11\n" /* rip: where it landed */
    "	pushq $0\n" /* error code */
    "	pushq $" STR(STUB_VEC_LANDED) "\n"
				      "	jmp isr_common\n");

/* Exception entry points: push a dummy error code where the CPU pushes none. */
#define ISR_NOERR(n) \
	".global isr" #n "\nisr" #n ":\n	pushq $0\n	pushq $" #n "\n	jmp isr_common\n"
#define ISR_ERR(n) ".global isr" #n "\nisr" #n ":\n	pushq $" #n "\n	jmp isr_common\n"
asm(".text\n" ISR_NOERR(0) ISR_NOERR(1) ISR_NOERR(2) ISR_NOERR(3) ISR_NOERR(4) ISR_NOERR(5)
	ISR_NOERR(6) ISR_NOERR(7) ISR_ERR(8) ISR_NOERR(9) ISR_ERR(10) ISR_ERR(11) ISR_ERR(12)
	    ISR_ERR(13) ISR_ERR(14) ISR_NOERR(15) ISR_NOERR(16) ISR_ERR(17) ISR_NOERR(18)
		ISR_NOERR(19) ISR_NOERR(20) ISR_ERR(21) ISR_NOERR(22) ISR_NOERR(23) ISR_NOERR(24)
		    ISR_NOERR(25) ISR_NOERR(26) ISR_NOERR(27) ISR_NOERR(28) ISR_ERR(29) ISR_ERR(30)
			ISR_NOERR(31) "isr_common:\n"
				      "	push %rax\n	push %rdx\n	push %rcx\n	push %rsi\n"
				      "	mov %rsp, %rdi\n"
				      "	and $-16, %rsp\n"
				      "	call stub_exception\n"
				      "	mov %rax, %rsp\n"
				      "	jmp stub_resume\n");

extern char site_rd_0[], site_rd_3[], site_rd_0f[], site_rd_3f[], site_wr_0[], site_wr_3[],
    site_wr_0f[], site_wr_3f[], site_ns_0[], site_ns_3[], site_ns_0f[], site_ns_3f[];
extern char isr0[], isr1[], isr2[], isr3[], isr4[], isr5[], isr6[], isr7[], isr8[], isr9[], isr10[],
    isr11[], isr12[], isr13[], isr14[], isr15[], isr16[], isr17[], isr18[], isr19[], isr20[],
    isr21[], isr22[], isr23[], isr24[], isr25[], isr26[], isr27[], isr28[], isr29[], isr30[],
    isr31[];

#define A(sym) ((uint64_t)(uintptr_t)(sym))

__attribute__((section(".header"), used)) const struct stub_header stub_header = {
	.magic = STUB_MAGIC,
	.abi_version = STUB_ABI_VERSION,
	.entry = A(stub_main),
	.isr = { A(isr0),  A(isr1),  A(isr2),  A(isr3),	 A(isr4),  A(isr5),  A(isr6),  A(isr7),
		 A(isr8),  A(isr9),  A(isr10), A(isr11), A(isr12), A(isr13), A(isr14), A(isr15),
		 A(isr16), A(isr17), A(isr18), A(isr19), A(isr20), A(isr21), A(isr22), A(isr23),
		 A(isr24), A(isr25), A(isr26), A(isr27), A(isr28), A(isr29), A(isr30), A(isr31) },
	.insn = { { { A(site_rd_0), A(site_rd_0f) }, { A(site_rd_3), A(site_rd_3f) } },
		  { { A(site_wr_0), A(site_wr_0f) }, { A(site_wr_3), A(site_wr_3f) } },
		  { { A(site_ns_0), A(site_ns_0f) }, { A(site_ns_3), A(site_ns_3f) } } },
};

static inline void outl(uint16_t port, uint32_t val)
{
	asm volatile("outl %0, %1" : : "a"(val), "Nd"(port) : "memory");
}

static struct stub_mailbox *mailbox_of(const void *stack_addr)
{
	return (struct stub_mailbox *)((uintptr_t)stack_addr & ~(uintptr_t)(VCPU_AREA_SIZE - 1));
}

/* An exception outside an operation is a harness or kernel bug: tell the host, never resume. */
static void __attribute__((noreturn)) stub_panic(uint32_t vector)
{
	for (;;) {
		outl(PORT_PANIC, vector);
		asm volatile("hlt");
	}
}

uint64_t stub_exception(struct exc_frame *f)
{
	struct stub_mailbox *mb = mailbox_of(f);
	struct stub_result *r;

	if (!mb->in_op || mb->cur >= STUB_MAX_OPS)
		stub_panic((uint32_t)f->vector);
	r = &mb->res[mb->cur];
	r->rax = f->rax;
	r->rdx = f->rdx;
	r->rcx = f->rcx;
	r->rsi = f->rsi;
	r->rip = f->rip;
	r->error_code = f->error_code;
	r->vector = (uint32_t)f->vector;
	r->done = 1;
	mb->in_op = 0;
	return mb->saved_rsp;
}

static void run_op(struct stub_mailbox *mb, uint32_t i)
{
	const struct stub_op *op = &mb->ops[i];
	uint64_t regs[3] = { op->rcx, op->rax, op->rdx };
	int cpl3 = op->cpl == 3;

	mb->res[i].done = 0;
	mb->cur = i;
	mb->in_op = 1;
	stub_enter(stub_header.insn[op->kind % STUB_NR_KINDS][cpl3][op->fep & 1], cpl3,
		   &mb->saved_rsp, regs, (uint64_t)(uintptr_t)mb + AREA_USER_STACK_TOP);
}

void __attribute__((noreturn, section(".text.entry"))) stub_main(struct stub_mailbox *mb)
{
	mb->magic = STUB_MAGIC;
	for (;;) {
		uint32_t n = mb->nops;

		for (uint32_t i = 0; i < n && i < STUB_MAX_OPS; i++)
			run_op(mb, i);
		mb->batches++;
		outl(PORT_BATCH_DONE, n);
	}
}
