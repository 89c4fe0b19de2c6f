/* test_guest_code.c - the batch code's layout: landing jumps, pads, entries, slots, frames. */
#include <string.h>

#include "guest_code.h"
#include "program_build.h"
#include "unit.h"

#define GPA 0x100000u
static uint8_t mem[GPA + VCPU_AREA_SIZE]; /* guest memory up to the end of vCPU 0's area */
static uint8_t *const area = mem + GPA;

static const uint8_t *at(uint64_t gpa)
{
	return area + (gpa - GPA);
}

/* Access k's landing: "eb 2f" exactly past it, then #UD bytes up to the next swap. */
static void check_landing(const struct batch_code *bc, int k)
{
	const struct access_code *a = &bc->access[k];
	const uint8_t *p = at(a->end);

	CHECK_EQ(a->landing, a->end + 1);
	CHECK_EQ(p[0], 0xeb);
	CHECK_EQ(p[1], LANDING_PAD);
	for (int i = 2; i < 2 + LANDING_PAD; i++)
		CHECK(p[i] == 0xd6, "access %d: pad byte %d is 0x%x", k, i, p[i]);
	/* the jump lands on the next swap, and the steered one on its after_exit */
	CHECK_EQ(a->end + 2 + LANDING_AFTER_EXIT, bc->access[k + 1].after_exit);
	CHECK_EQ(*at(a->end + 2 + LANDING_PAD), 0x48); /* xchg [slot], rax */
}

static void check_operands(const struct batch_code *bc, const struct program *p)
{
	const struct code_slot *slot = (const struct code_slot *)(area + AREA_SLOTS);

	CHECK_EQ(bc->slots, GPA + AREA_SLOTS);
	for (int k = 0; k < bc->n; k++) {
		CHECK_EQ(slot[k].rax, p->steps[k].g.rax);
		CHECK_EQ(slot[k].rdx, p->steps[k].g.rdx);
		CHECK_EQ(slot[k].rcx, p->steps[k].g.rcx);
	}
}

static void test_layout(void)
{
	static struct program p;
	struct batch_code bc;
	static const uint8_t after_exit[] = { 0x49, 0x90, 0x4c, 0x87, 0xca, 0x4c, 0x87, 0xd1 };

	pb_init(&p, 1, REASON_VALID_MASK);
	pb_rdmsr(&p, 0x12345678)->g.rcx |= 0xdead00000000ull;
	pb_wrmsr(&p, 0xc0000080, 0xd01);
	pb_host(&p, STEP_HOST_GET_REGS, 0);
	CHECK(guest_code_write(area, GPA, &p, 0, 3, &bc) == -1, "a host step in the batch");
	p.nsteps = 2;
	step_init(&p.steps[2], STEP_WRMSRNS);
	p.steps[2].g.fep = 1;
	step_init(&p.steps[3], STEP_RDMSR);
	p.steps[3].g.cpl = 3;
	p.nsteps = 4;
	CHECK(guest_code_write(area, GPA, &p, 0, 4, &bc) == 0, "four accesses");
	CHECK_EQ(bc.n, 4);
	CHECK(!memcmp(at(bc.access[0].site), "\x0f\x32", 2), "RDMSR at access 0's site");
	CHECK(!memcmp(at(bc.access[1].site), "\x0f\x30", 2), "WRMSR at access 1's site");
	CHECK(!memcmp(at(bc.access[2].site), "\x0f\x0bkvm\x0f\x01\xc6", 8), "fep WRMSRNS");
	CHECK(bc.access[2].long_form && !bc.access[0].long_form, "long forms");
	for (int k = 0; k < 3; k++)
		check_landing(&bc, k);
	for (int k = 0; k < 4; k++)
		CHECK(!memcmp(at(bc.access[k].after_exit), after_exit, sizeof(after_exit)),
		      "access %d: after_exit swaps R8-R10", k);
	check_operands(&bc, &p);
	/* CPL3: no landing jump; IRETQ through a frame whose RIP is the site */
	CHECK(bc.access[3].cpl3 && !bc.access[3].landing, "access 3 at CPL3");
	CHECK_EQ(*(const uint64_t *)(area + AREA_FRAMES + 3 * 40), bc.access[3].site);
	CHECK_EQ(*(const uint64_t *)(area + AREA_FRAMES + 3 * 40 + 8), SEL_USER_CS | 3);
	/* the end exits PORT_BATCH_DONE and loops there */
	CHECK(!memcmp(at(bc.access[4].after_exit), "\xe6\xe0\xeb\xfc", 4), "batch end");
}

static void test_find_and_steer(void)
{
	static struct program p;
	struct batch_code bc;

	pb_init(&p, 1, REASON_VALID_MASK);
	for (int k = 0; k < STUB_MAX_OPS; k++)
		pb_rdmsr(&p, (uint32_t)k);
	CHECK(guest_code_write(area, GPA, &p, 0, STUB_MAX_OPS, &bc) == 0, "a full batch");
	for (int k = 0; k < STUB_MAX_OPS; k++) {
		const struct access_code *a = &bc.access[k];

		CHECK_EQ(guest_code_find(&bc, 0, a->site), k);
		CHECK_EQ(guest_code_find(&bc, 0, a->end + 2 + LANDING_PAD - 1), k);
		CHECK_EQ(guest_code_find(&bc, k + 1, a->site), -1);
	}
	CHECK_EQ(guest_code_find(&bc, 0, bc.access[1].after_exit), -1);
	guest_code_set_landing(mem, &bc, 5, LANDING_AFTER_EXIT);
	CHECK_EQ(*at(bc.access[5].landing), LANDING_AFTER_EXIT);
	CHECK(bc.access[STUB_MAX_OPS].after_exit < GPA + AREA_CODE + AREA_CODE_SIZE, "fits");
	CHECK(guest_code_write(area, GPA, &p, 0, STUB_MAX_OPS + 1, &bc) == -1, "too long");
}

int main(void)
{
	test_layout();
	test_find_and_steer();
	return unit_summary("guest_code");
}
