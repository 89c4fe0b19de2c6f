/*
 * guest_code.c - the straight-line guest code the host writes for one batch of accesses.
 *
 * Why this shape: on a backend that emulates CPL0 guest code (kvm_pvm) every
 * guest instruction costs 0.6-1.1 us, close to the 8 us of a whole MSR exit,
 * so the code between two accesses is what decides the speed (docs/executor.md).
 * Each access k is laid out as
 *
 *   swap(k):   xchg [slot k].rax, rax; xchg [slot k].rdx, rdx; xchg [slot k].rcx, rcx
 *              (mov [slot k].rsi, rsi after a long form); jmp access(k); filler
 *   after_exit(k): xchg rax, r8; xchg rdx, r9; xchg rcx, r10
 *   access(k): CPL0: [fep] RDMSR/WRMSR/WRMSRNS; eb 2f; 47 bytes of 0xd6
 *              CPL3: mov rsp, frame k; iretq; [fep] access; 49 bytes of 0xd6
 *
 * An access the kernel completes by itself goes on exactly past its bytes
 * into "eb 2f", whose jump lands on swap(k+1): three instructions save its
 * results into slot k+1 and load access k+1's operands from it. An access
 * that exits is answered by the host, which rewrites that jump to "eb 61"
 * (straight to after_exit(k+1)) and puts access k+1's operands in R8-R10
 * with the synced registers: the exit path costs three register swaps, and
 * the host reads the results from the registers at the vCPU's next exit.
 * An exception goes to a handler that exits at once; the host reads the
 * frame and goes on at after_exit(k+1).
 *
 * 0x2f and 0x61 are #UD in 64-bit mode (and on kvm_pvm, where 0x27, 0x37 and
 * 0x3f are internal errors): a kernel that resumes one byte late executes
 * the displacement and faults there, and one up to 48 bytes late hits the
 * pad. So the RIP after every access is exact, as with the old interpreter.
 */
#include <string.h>

#include "guest_code.h"

#define SWAP_LEN (LANDING_AFTER_EXIT - LANDING_PAD) /* swap(k) + filler: 50 bytes */
#define AFTER_EXIT_LEN 8
#define PAD_BYTE 0xd6 /* #UD in 64-bit mode */
#define FRAME_SIZE 40

struct emitter {
	uint8_t *buf; /* host pointer of guest address gpa */
	uint64_t gpa;
	uint32_t pos;
};

static uint64_t here(const struct emitter *e)
{
	return e->gpa + e->pos;
}

static void emit(struct emitter *e, const uint8_t *bytes, uint32_t n)
{
	memcpy(e->buf + e->pos, bytes, n);
	e->pos += n;
}

static void emit_fill(struct emitter *e, uint32_t until)
{
	memset(e->buf + e->pos, PAD_BYTE, until - e->pos);
	e->pos = until;
}

static void emit_u32(struct emitter *e, uint32_t v)
{
	emit(e, (const uint8_t *)&v, 4);
}

/* op [rip + to target], reg: three opcode bytes, then the 32-bit displacement. */
static void emit_rip_rel(struct emitter *e, uint8_t rex, uint8_t op, uint8_t modrm, uint64_t target)
{
	const uint8_t b[] = { rex, op, modrm };

	emit(e, b, 3);
	emit_u32(e, (uint32_t)(target - (here(e) + 4)));
}

static void emit_swap(struct emitter *e, uint64_t slot, bool save_rsi, uint32_t access_at)
{
	uint32_t start = e->pos;
	uint8_t jmp[2] = { 0xeb, 0 };

	emit_rip_rel(e, 0x48, 0x87, 0x05, slot + 0); /* xchg [slot].rax, rax */
	emit_rip_rel(e, 0x48, 0x87, 0x15, slot + 8); /* xchg [slot].rdx, rdx */
	emit_rip_rel(e, 0x48, 0x87, 0x0d, slot + 16); /* xchg [slot].rcx, rcx */
	if (save_rsi)
		emit_rip_rel(e, 0x48, 0x89, 0x35, slot + 24); /* mov [slot].rsi, rsi */
	jmp[1] = (uint8_t)(access_at - (e->pos + 2));
	emit(e, jmp, 2);
	emit_fill(e, start + SWAP_LEN);
}

static void emit_after_exit(struct emitter *e)
{
	static const uint8_t b[AFTER_EXIT_LEN] = {
		0x49, 0x90, /* xchg rax, r8 */
		0x4c, 0x87, 0xca, /* xchg rdx, r9 */
		0x4c, 0x87, 0xd1, /* xchg rcx, r10 */
	};

	emit(e, b, sizeof(b));
}

/* The access: [fep] and the kind's instruction (step_kinds.h), its operands in RCX, RAX, RDX. */
static void emit_access_bytes(struct emitter *e, const struct step *s)
{
	static const uint8_t fep[STUB_FEP_LEN] = { 0x0f, 0x0b, 'k', 'v', 'm' };
	const struct step_kind_desc *d = step_kind_desc(s->kind);

	if (s->g.fep)
		emit(e, fep, sizeof(fep));
	emit(e, (const uint8_t *)d->insn, d->insn_len);
}

static void emit_to_cpl3(struct emitter *e, uint64_t frame)
{
	const uint8_t mov_rsp[3] = { 0x48, 0xc7, 0xc4 }, iretq[2] = { 0x48, 0xcf };

	emit(e, mov_rsp, 3);
	emit_u32(e, (uint32_t)frame);
	emit(e, iretq, 2);
}

static void write_frame(uint8_t *area, uint64_t area_gpa, int k, uint64_t rip)
{
	uint64_t f[5] = { rip, SEL_USER_CS | 3, 0x2, area_gpa + AREA_USER_STACK_TOP,
			  SEL_USER_DS | 3 };

	memcpy(area + AREA_FRAMES + k * FRAME_SIZE, f, sizeof(f));
}

static void emit_access(struct emitter *e, uint8_t *area, uint64_t area_gpa, int k,
			const struct step *s, struct access_code *a)
{
	static const uint8_t landing[2] = { 0xeb, LANDING_PAD };
	uint64_t frame = area_gpa + AREA_FRAMES + k * FRAME_SIZE;

	a->cpl3 = s->g.cpl == 3;
	if (a->cpl3)
		emit_to_cpl3(e, frame);
	a->site = here(e);
	emit_access_bytes(e, s);
	a->end = here(e);
	a->long_form = a->end - a->site > 2;
	a->landing = 0;
	if (!a->cpl3) {
		a->landing = here(e) + 1;
		emit(e, landing, 2);
	}
	emit_fill(e, (uint32_t)(a->end - e->gpa) + 2 + LANDING_PAD);
	if (a->cpl3)
		write_frame(area, area_gpa, k, a->site);
}

int guest_code_write(uint8_t *area, uint64_t area_gpa, const struct program *p, int start, int end,
		     struct batch_code *bc)
{
	struct emitter e = { area + AREA_CODE, area_gpa + AREA_CODE, 0 };
	struct code_slot *slot = (struct code_slot *)(area + AREA_SLOTS);
	int n = end - start;

	if (n < 1 || n > STUB_MAX_OPS)
		return -1;
	bc->n = n;
	bc->slots = area_gpa + AREA_SLOTS;
	for (int k = 0; k <= n; k++) {
		struct access_code *a = &bc->access[k];
		bool after_long = k > 0 && bc->access[k - 1].long_form;
		uint32_t access_at = e.pos + SWAP_LEN + (k < n ? AFTER_EXIT_LEN : 0);

		emit_swap(&e, bc->slots + k * sizeof(*slot), after_long, access_at);
		a->after_exit = here(&e);
		memset(&slot[k], 0, sizeof(slot[k]));
		if (k == n)
			break;
		if (!step_is_guest(p->steps[start + k].kind))
			return -1;
		slot[k].rax = p->steps[start + k].g.rax;
		slot[k].rdx = p->steps[start + k].g.rdx;
		slot[k].rcx = p->steps[start + k].g.rcx;
		emit_after_exit(&e);
		emit_access(&e, area, area_gpa, k, &p->steps[start + k], a);
	}
	/* the end: 1: out PORT_BATCH_DONE, al; jmp 1b */
	{
		static const uint8_t done[4] = { 0xe6, PORT_BATCH_DONE, 0xeb, 0xfc };

		emit(&e, done, sizeof(done));
	}
	bc->access[n] = (struct access_code){ .site = bc->access[n].after_exit,
					      .end = bc->access[n].after_exit,
					      .after_exit = bc->access[n].after_exit };
	return 0;
}

void guest_code_set_landing(uint8_t *mem, const struct batch_code *bc, int k, uint8_t target)
{
	if (bc->access[k].landing)
		mem[bc->access[k].landing] = target;
}

int guest_code_find(const struct batch_code *bc, int from, uint64_t rip)
{
	for (int k = from < 0 ? 0 : from; k < bc->n; k++)
		if (rip >= bc->access[k].site && rip < bc->access[k].end + 2 + LANDING_PAD)
			return k;
	return -1;
}
