/*
 * emit_c.c - writes a standalone C reproducer: guest memory, registers and code from our build, the program as commented blocks.
 *
 * Nothing of the guest is typed here: the memory image and the registers are
 * read from a VM that harness/kvm/vm.c made, and each batch's code is what
 * harness/kvm/guest_code.c writes for it; the layout constants come from
 * stub_abi.h and guest_code.h. What runs that code (tools/emit_c_runtime*.[ch])
 * is copied in verbatim; the expectations are the oracle's on this kernel.
 */
#include <errno.h>
#include <inttypes.h>
#include <linux/kvm.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>

#include "emit_c.h"
#include "execute.h"
#include "facts_probe.h"
#include "filter.h"
#include "guest_code.h"
#include "kvm.h"
#include "oracle.h"
#include "vm.h"

/* tools/emit_c_runtime.h, _vm.c and _run.c, embedded by tools/emit_c_embed.S */
extern const char emit_c_runtime_types[], emit_c_runtime_vm[], emit_c_runtime_run[];

#define PAGE 4096u
#define WATCHDOG_MS 2000u /* msrexit run's default --timeout */

struct ec {
	FILE *out;
	const char *source;
	const struct program *p;
	const struct kernel_facts *f;
	struct expected e;
	struct vm vm;
	struct kvm_sregs sregs[PROG_MAX_VCPUS];
	struct kvm_regs regs[PROG_MAX_VCPUS];
	char text[65536]; /* the canonical program */
	const char *op_text[PROG_MAX_STEPS];
	int nbatches;
	struct batch_plan batch[PROG_MAX_STEPS];
};

/* ---- the plan: the batches execute.c makes of the program ---- */

static void plan_batches(struct ec *c)
{
	const struct program *p = c->p;

	for (int n = 0; n < p->nsteps;) {
		struct batch_plan *b;
		const struct step *last;

		if (!step_is_guest(p->steps[n].kind)) {
			n++;
			continue;
		}
		b = &c->batch[c->nbatches++];
		b->start = n;
		b->end = exec_batch_end(p, n);
		b->vcpu = p->steps[n].vcpu;
		last = &p->steps[b->end - 1];
		b->hold_last = (last->g.reply_flags & REPLY_HOLD) && b->end < p->nsteps &&
			       !step_is_guest(p->steps[b->end].kind);
		n = b->end;
	}
}

/* One line of the canonical text per step: the steps are its last nsteps lines. */
static int split_text(struct ec *c)
{
	int len = program_format(c->p, c->text, sizeof(c->text));
	char *line, *save = NULL;
	int nlines = 0, first;
	char *lines[PROG_MAX_STEPS + 2 * PROG_MAX_FILTERS * (PROG_MAX_RANGES + 2) + 2];
	static char copy[sizeof(c->text)];

	if (len < 0)
		return -1;
	memcpy(copy, c->text, (size_t)len + 1);
	for (line = strtok_r(copy, "\n", &save); line; line = strtok_r(NULL, "\n", &save))
		lines[nlines++] = line;
	first = nlines - c->p->nsteps;
	for (int i = 0; i < c->p->nsteps; i++)
		c->op_text[i] = lines[first + i];
	return first < 0 ? -1 : 0;
}

/* ---- the VM our build makes: memory and registers after vm_create ---- */

static int dump_vm(struct ec *c)
{
	struct kvm_sys *sys;
	int st;

	sys = kvm_sys_get(&st);
	if (!sys) {
		fprintf(stderr, "msrexit repro: %s\n", kvm_last_error());
		return st;
	}
	if (__vm_create(&c->vm, sys, c->p->nvcpus) < 0) {
		fprintf(stderr, "msrexit repro: cannot make a VM: %s\n", kvm_last_error());
		return EXIT_BAD_INPUT;
	}
	for (int v = 0; v < c->p->nvcpus; v++) {
		if (ioctl(c->vm.vcpu[v].fd, KVM_GET_SREGS, &c->sregs[v]) < 0 ||
		    ioctl(c->vm.vcpu[v].fd, KVM_GET_REGS, &c->regs[v]) < 0) {
			fprintf(stderr, "msrexit repro: reading vCPU %d's registers: %s\n", v,
				strerror(errno));
			vm_destroy(&c->vm);
			return EXIT_BAD_INPUT;
		}
	}
	return EXIT_OK;
}

/* Index past the last non-zero byte of b[0..n), 0 if all are zero. */
static size_t used_len(const uint8_t *b, size_t n)
{
	while (n && !b[n - 1])
		n--;
	return n;
}

static const char *region_name(uint32_t gpa)
{
	static const struct {
		uint32_t start, end;
		const char *name;
	} regions[] = {
		{ GUEST_GDT, GUEST_IDT, "the GDT" },
		{ GUEST_IDT, GUEST_TSS, "the IDT: each vector's handler is in the stub" },
		{ GUEST_TSS, GUEST_PML4, "one TSS per vCPU" },
		{ GUEST_PML4, GUEST_PDPT, "the page tables: PML4" },
		{ GUEST_PDPT, GUEST_PD, "the page tables: PDPT" },
		{ GUEST_PD, GUEST_PD + PAGE, "the page tables: PD, 2 MiB pages mapping 1 GiB 1:1" },
		{ GUEST_IMAGE, GUEST_IMAGE + GUEST_IMAGE_MAX,
		  "the guest stub image (guest-stubs/stub.S): exception handlers, idle loop" },
	};

	for (unsigned i = 0; i < sizeof(regions) / sizeof(regions[0]); i++)
		if (gpa >= regions[i].start && gpa < regions[i].end)
			return regions[i].name;
	return "memory vm.c wrote";
}

/* Where the next chunk of non-zero bytes at or after *a ends (a run of ZERO_GAP zeros ends it). */
#define ZERO_GAP 256u
static uint32_t chunk_end(const uint8_t *mem, uint32_t a)
{
	uint32_t end = a, zeros = 0;

	while (end < GUEST_MEM_SIZE && zeros < ZERO_GAP) {
		zeros = mem[end] ? 0 : zeros + 1;
		end++;
	}
	return end - zeros;
}

static void emit_memory(struct ec *c)
{
	FILE *out = c->out;
	const uint8_t *mem = c->vm.mem;
	static uint32_t chunk[GUEST_MEM_SIZE / ZERO_GAP][2];
	unsigned n = 0;

	fprintf(out, "/* Guest memory as msrexit's vm.c writes it at VM creation (read back from "
		     "one). */\n");
	for (uint32_t a = 0; a < GUEST_MEM_SIZE; a++) {
		if (!mem[a])
			continue;
		a &= ~15u;
		chunk[n][0] = a;
		chunk[n][1] = chunk_end(mem, a) - a;
		fprintf(out, "\n/* 0x%x: %s */\nstatic const uint8_t mem_0x%x[] = {\n", a,
			region_name(a), a);
		ec_bytes(out, "\t", mem + a, chunk[n][1]);
		fprintf(out, "};\n");
		a += chunk[n++][1];
	}
	fprintf(out, "\nstatic const struct mem_chunk memory[] = {\n");
	for (unsigned i = 0; i < n; i++)
		fprintf(out, "\t{ 0x%x, sizeof(mem_0x%x), mem_0x%x },\n", chunk[i][0], chunk[i][0],
			chunk[i][0]);
	fprintf(out, "};\n\n");
}

static void emit_segment(FILE *out, const char *name, const struct kvm_segment *s)
{
	fprintf(out,
		"\t\t.%s = { .base = 0x%llx, .limit = 0x%x, .selector = 0x%x, .type = %u, "
		".present = %u, .dpl = %u, .db = %u, .s = %u, .l = %u, .g = %u, .avl = %u, "
		".unusable = %u },\n",
		name, (unsigned long long)s->base, s->limit, s->selector, s->type, s->present,
		s->dpl, s->db, s->s, s->l, s->g, s->avl, s->unusable);
}

static void emit_regs(FILE *out, const struct kvm_regs *r)
{
	const struct {
		const char *name;
		uint64_t v;
	} f[] = {
		{ "rax", r->rax }, { "rbx", r->rbx },	    { "rcx", r->rcx }, { "rdx", r->rdx },
		{ "rsi", r->rsi }, { "rdi", r->rdi },	    { "rsp", r->rsp }, { "rbp", r->rbp },
		{ "r8", r->r8 },   { "r9", r->r9 },	    { "r10", r->r10 }, { "r11", r->r11 },
		{ "r12", r->r12 }, { "r13", r->r13 },	    { "r14", r->r14 }, { "r15", r->r15 },
		{ "rip", r->rip }, { "rflags", r->rflags },
	};

	fprintf(out, "\t\t.regs = {");
	for (unsigned i = 0; i < sizeof(f) / sizeof(f[0]); i++)
		if (f[i].v)
			fprintf(out, " .%s = 0x%" PRIx64 ",", f[i].name, f[i].v);
	fprintf(out, " },\n");
}

static void emit_vcpu_init(struct ec *c)
{
	FILE *out = c->out;

	fprintf(out, "/* The registers vm.c sets in each vCPU (read back from its VM). */\n");
	fprintf(out, "static const struct vcpu_init vcpu_init[%u] = {\n", c->p->nvcpus);
	for (int v = 0; v < c->p->nvcpus; v++) {
		const struct kvm_sregs *s = &c->sregs[v];

		fprintf(out, "\t{ /* vCPU %d */\n", v);
		emit_segment(out, "cs", &s->cs);
		emit_segment(out, "ss", &s->ss);
		emit_segment(out, "ds", &s->ds);
		emit_segment(out, "es", &s->es);
		emit_segment(out, "fs", &s->fs);
		emit_segment(out, "gs", &s->gs);
		emit_segment(out, "tr", &s->tr);
		fprintf(out, "\t\t.gdt = { .base = 0x%llx, .limit = 0x%x },\n",
			(unsigned long long)s->gdt.base, s->gdt.limit);
		fprintf(out, "\t\t.idt = { .base = 0x%llx, .limit = 0x%x },\n",
			(unsigned long long)s->idt.base, s->idt.limit);
		fprintf(out, "\t\t.cr0 = 0x%llx, .cr3 = 0x%llx, .cr4 = 0x%llx, .efer = 0x%llx,\n",
			(unsigned long long)s->cr0, (unsigned long long)s->cr3,
			(unsigned long long)s->cr4, (unsigned long long)s->efer);
		emit_regs(out, &c->regs[v]);
		fprintf(out, "\t},\n");
	}
	fprintf(out, "};\n\n");
}

/* ---- the file's head, constants and per-step texts ---- */

static void emit_head(struct ec *c)
{
	FILE *out = c->out;
	const char *line = c->text, *nl;

	fprintf(out, "/*\n * A standalone reproducer written by `msrexit repro --emit-c %s`.\n *\n",
		c->source);
	fprintf(out, " * The program (msrexit's text format, docs/program-format.md):\n *\n");
	for (; *line; line = nl + 1) {
		nl = strchr(line, '\n');
		if (!nl)
			break;
		fprintf(out, " *     %.*s\n", (int)(nl - line), line);
	}
	fprintf(out,
		" *\n * Expectations: msrexit's oracle for kernel %u.%u, backend %s\n * "
		"(kvm.ignore_msrs=%s, force_emulation_prefix=%d, WRMSRNS %s).\n",
		c->f->kver_major, c->f->kver_minor, facts_backend_text(c->f),
		c->f->ignore_msrs ? "Y" : "N", c->f->force_emulation_prefix,
		c->f->has_wrmsrns ? "in CPUID" : "absent");
	for (unsigned i = 0; i < NOTE_COUNT; i++)
		if (c->e.notes & (1u << i))
			fprintf(out, " * Chosen for that kernel: %s.\n", expected_note(i));
	fprintf(out,
		" *\n * Build and run (root, or a user with access to /dev/kvm):\n"
		" *     cc -Wall -Werror -o repro repro.c && ./repro\n"
		" * Exit status: 1 the finding reproduces (each difference is printed), 0 it does "
		"not,\n * 2 the VM could not be set up, 4 no /dev/kvm (or a capability is "
		"missing).\n *\n"
		" * Only libc and the kernel's UAPI headers are used. The guest memory, registers "
		"and\n * guest code below are bytes msrexit's build produced; the runtime after "
		"them does\n * what msrexit's executor does (harness/kvm/execute_guest.c): each "
		"batch of guest\n * accesses runs as straight-line code, each MSR exit is "
		"answered with the program's\n * reply, and each access's result is read from "
		"the registers or from guest memory.\n */\n\n");
}

static void emit_defines(struct ec *c)
{
	FILE *out = c->out;
	int nops = c->p->nsteps ? c->p->nsteps : 1;

	fprintf(out, "/* The guest's layout (msrexit: guest-stubs/stub_abi.h, "
		     "harness/kvm/guest_code.h). */\n");
	fprintf(out, "#define GUEST_MEM_SIZE 0x%xu\n", GUEST_MEM_SIZE);
	fprintf(out, "#define GUEST_VCPU_AREA(v) (0x%xu + (unsigned)(v) * 0x%xu)\n",
		GUEST_VCPU_AREA(0), GUEST_VCPU_AREA(1) - GUEST_VCPU_AREA(0));
	fprintf(out, "#define AREA_SLOTS 0x%xu\n#define AREA_FRAMES 0x%xu\n", AREA_SLOTS,
		AREA_FRAMES);
	fprintf(out, "#define AREA_STACK_TOP 0x%xu\n#define AREA_CODE 0x%xu\n", AREA_STACK_TOP,
		AREA_CODE);
	fprintf(out, "#define PORT_BATCH_DONE 0x%x\n#define PORT_EXCEPTION_BASE 0x%x\n",
		PORT_BATCH_DONE, PORT_EXCEPTION_BASE);
	fprintf(out, "#define STUB_NR_VECTORS %u\n", STUB_NR_VECTORS);
	fprintf(out, "#define STUB_RSI_CANARY 0x%llxull\n", (unsigned long long)STUB_RSI_CANARY);
	fprintf(out, "#define LANDING_AFTER_EXIT 0x%x\n", LANDING_AFTER_EXIT);
	fprintf(out, "#define FILTER_BITMAP_BYTES %zu\n",
		sizeof(((struct filter_buf *)NULL)->bitmap[0]));
	fprintf(out, "\n/* This program: its steps, and the limits msrexit run puts on it. */\n");
	fprintf(out, "#define NOPS %d\n#define MAX_EXITS %uu\n#define WATCHDOG_MS %uu\n\n", nops,
		4u * c->p->nsteps + 16, WATCHDOG_MS);
}

static void emit_op_texts(struct ec *c)
{
	FILE *out = c->out;

	fprintf(out, "/* Each step as the program says it, and its line in %s. */\n", c->source);
	fprintf(out, "static const char *const op_text[NOPS] = {\n");
	for (int i = 0; i < c->p->nsteps; i++) {
		fprintf(out, "\t");
		ec_string(out, c->op_text[i]);
		fprintf(out, ",\n");
	}
	if (!c->p->nsteps)
		fprintf(out, "\t\"\",\n");
	fprintf(out, "};\nstatic const int op_line[NOPS] = {");
	for (int i = 0; i < c->p->nsteps; i++)
		fprintf(out, "%s%u", !i ? "\n\t" : i % 16 ? ", " : ",\n\t", c->p->steps[i].line);
	fprintf(out, "%s\n};\n\n", c->p->nsteps ? "," : "\n\t0,");
}

/* ---- filters and batches ---- */

static bool filter_used(const struct program *p, unsigned i)
{
	if (p->setup_filter == i)
		return true;
	for (int n = 0; n < p->nsteps; n++)
		if (p->steps[n].kind == STEP_HOST_FILTER && p->steps[n].h.arg == i)
			return true;
	return false;
}

static void emit_filters(struct ec *c)
{
	FILE *out = c->out;

	for (unsigned i = 0; i < c->p->nfilters; i++) {
		const struct prog_filter *f = &c->p->filters[i];

		if (!filter_used(c->p, i))
			continue;
		fprintf(out,
			"/* Filter %u, as KVM_X86_SET_MSR_FILTER takes it (a range's bitmap: byte "
			"k is byte k %% 8 of its pattern). */\n",
			i);
		fprintf(out, "static const struct filter_desc filter%u = {\n", i);
		fprintf(out, "\t.flags = 0x%" PRIx32 ", /* %s */\n\t.nranges = %u,\n", f->flags,
			f->flags == FILTER_DEFAULT_DENY ? "default deny" :
			!f->flags			? "default allow" :
							  "flags as the program says",
			f->nranges);
		fprintf(out, "\t.range = {\n");
		for (unsigned j = 0; j < f->nranges && j < PROG_MAX_RANGES; j++) {
			const struct prog_range *r = &f->ranges[j];

			fprintf(out,
				"\t\t{ .flags = 0x%" PRIx32 ", .nmsrs = %" PRIu32
				", .base = 0x%" PRIx32 ", .fault = %d, .pattern = 0x%" PRIx64
				" },\n",
				r->flags, r->nmsrs, r->base, r->bitmap_kind == BITMAP_FAULT,
				r->pattern);
		}
		fprintf(out, "\t},\n};\n\n");
	}
}

static void emit_access(FILE *out, const struct program *p, int op, const struct access_code *a)
{
	const struct guest_step *g = op >= 0 ? &p->steps[op].g : NULL;

	fprintf(
	    out,
	    "\t{ .op = %d, .site = 0x%" PRIx64 ", .end = 0x%" PRIx64 ", .after_exit = 0x%" PRIx64
	    ", .landing = 0x%" PRIx64 ", .limit = 0x%" PRIx64 ", .long_form = %d",
	    op, a->site, a->end, a->after_exit, a->landing, a->end + 2 + LANDING_PAD, a->long_form);
	if (g)
		fprintf(out,
			", .fep = %u, .rax = 0x%" PRIx64 ", .rdx = 0x%" PRIx64 ", .rcx = 0x%" PRIx64
			", .reply_error = %u, .reply_flags = 0x%x, .reply_data = 0x%" PRIx64,
			g->fep, g->rax, g->rdx, g->rcx, g->reply_error, g->reply_flags,
			g->reply_data);
	fprintf(out, " },\n");
}

static int emit_batch(struct ec *c, int i, uint8_t *area)
{
	const struct batch_plan *b = &c->batch[i];
	uint64_t gpa = GUEST_VCPU_AREA(b->vcpu);
	FILE *out = c->out;
	struct batch_code bc;
	size_t code_len, slots_len, frames_len;

	memset(area, 0, VCPU_AREA_SIZE);
	if (guest_code_write(area, gpa, c->p, b->start, b->end, &bc)) {
		fprintf(stderr, "msrexit repro: steps %d-%d make no batch of guest code\n",
			b->start, b->end - 1);
		return EXIT_BAD_INPUT;
	}
	code_len = used_len(area + AREA_CODE, AREA_CODE_SIZE);
	slots_len = (size_t)(bc.n + 1) * sizeof(struct code_slot);
	frames_len = used_len(area + AREA_FRAMES, STUB_MAX_OPS * 64);
	fprintf(out, "/* Batch %d: op%s %d", i, b->end - b->start > 1 ? "s" : "", b->start);
	if (b->end - b->start > 1)
		fprintf(out, "-%d", b->end - 1);
	fprintf(out, " on vCPU %d, the guest code msrexit's guest_code.c writes for %s. */\n",
		b->vcpu, b->end - b->start > 1 ? "them" : "it");
	fprintf(out, "static const uint8_t batch%d_code[] = {\n", i);
	ec_bytes(out, "\t", area + AREA_CODE, code_len);
	fprintf(out,
		"};\n/* each access's operands (RAX, RDX, RCX, RSI), swapped in before it */\n");
	fprintf(out, "static const uint8_t batch%d_slots[] = {\n", i);
	ec_bytes(out, "\t", area + AREA_SLOTS, slots_len);
	fprintf(out, "};\n");
	if (frames_len) {
		fprintf(out, "/* the IRET frames that take CPL3 accesses to user mode */\n");
		fprintf(out, "static const uint8_t batch%d_frames[] = {\n", i);
		ec_bytes(out, "\t", area + AREA_FRAMES, frames_len);
		fprintf(out, "};\n");
	}
	fprintf(out, "static const struct access batch%d_access[] = {\n", i);
	for (int k = 0; k <= bc.n; k++)
		emit_access(out, c->p, k < bc.n ? b->start + k : -1, &bc.access[k]);
	fprintf(out, "};\n");
	fprintf(out,
		"static const struct batch batch%d = {\n\t.vcpu = %d, .first = %d, .n = %d, "
		".hold_last = %d,\n\t.code = batch%d_code, .code_len = sizeof(batch%d_code),\n"
		"\t.slots = batch%d_slots, .slots_len = sizeof(batch%d_slots),\n",
		i, b->vcpu, b->start, bc.n, b->hold_last, i, i, i, i);
	if (frames_len)
		fprintf(out, "\t.frames = batch%d_frames, .frames_len = sizeof(batch%d_frames),\n",
			i, i);
	fprintf(out, "\t.access = batch%d_access,\n};\n\n", i);
	return EXIT_OK;
}

static int emit_batches(struct ec *c)
{
	uint8_t *area = malloc(VCPU_AREA_SIZE);
	int st = EXIT_OK;

	if (!area) {
		fprintf(stderr, "msrexit repro: out of memory\n");
		return EXIT_BAD_INPUT;
	}
	for (int i = 0; i < c->nbatches && st == EXIT_OK; i++)
		st = emit_batch(c, i, area);
	free(area);
	return st;
}

int emit_c(FILE *out, const char *source, const struct program *p, const struct kernel_facts *f)
{
	static struct ec c;
	int st;

	memset(&c, 0, sizeof(c));
	c.out = out;
	c.source = source;
	c.p = p;
	c.f = f;
	oracle_predict(p, f, &c.e);
	if (split_text(&c)) {
		fprintf(stderr, "msrexit repro: the program has no canonical text\n");
		return EXIT_BAD_INPUT;
	}
	plan_batches(&c);
	st = dump_vm(&c);
	if (st)
		return st;
	emit_head(&c);
	emit_defines(&c);
	fputs(emit_c_runtime_types, out);
	emit_op_texts(&c);
	emit_memory(&c);
	emit_vcpu_init(&c);
	vm_destroy(&c.vm);
	fputs(emit_c_runtime_vm, out);
	fputs(emit_c_runtime_run, out);
	fprintf(out, "\n/* ---- the program ---- */\n\n");
	emit_filters(&c);
	st = emit_batches(&c);
	if (st)
		return st;
	ec_emit_main(out, p, &c.e, c.op_text, c.batch, c.nbatches);
	return EXIT_OK;
}
