/* test_step_kinds.c - the step-kind table: consistent, every kind round-trips, old inputs decode as before. */
#include <dirent.h>
#include <string.h>

#include "codec_check.h"
#include "guest_code.h"
#include "requirements.h"
#include "trace.h"
#include "unit.h"

#define GPA 0x100000u

/*
 * What the binary format and the executor fixed before the table: never
 * changes. fd and touches: where the executor sends a step that names no fd,
 * and what the VM pool resets after it.
 */
static const struct pinned {
	uint8_t kind, slot, nslots, fep_slot;
	const char *name, *insn;
	bool write;
	enum step_fd fd;
	enum step_touch touches;
} pinned[] = {
	{ 0x01, 0x00, 6, 0x0d, "rdmsr", "\x0f\x32", false, STEP_FD_VCPU, STEP_TOUCH_VCPU_RUN },
	{ 0x02, 0x06, 6, 0x0e, "wrmsr", "\x0f\x30", true, STEP_FD_VCPU, STEP_TOUCH_VCPU_RUN },
	{ 0x03, 0x0c, 1, 0x0f, "wrmsrns", "\x0f\x01\xc6", true, STEP_FD_VCPU, STEP_TOUCH_VCPU_RUN },
	{ 0x40, 0x10, 1, NO_SLOT, "host-mask", "", false, STEP_FD_VM, STEP_TOUCH_VM_MASK },
	{ 0x41, 0x11, 1, NO_SLOT, "host-filter", "", false, STEP_FD_VM, STEP_TOUCH_VM_FILTER },
	{ 0x42, 0x12, 1, NO_SLOT, "host-get", "", false, STEP_FD_VCPU, STEP_TOUCH_NONE },
	{ 0x43, 0x13, 1, NO_SLOT, "host-set", "", false, STEP_FD_VCPU, STEP_TOUCH_VCPU_MSRS },
	{ 0x44, 0x14, 1, NO_SLOT, "host-immediate-exit", "", false, STEP_FD_VCPU,
	  STEP_TOUCH_VCPU_RUN },
	{ 0x45, 0x15, 1, NO_SLOT, "host-regs", "", false, STEP_FD_VCPU, STEP_TOUCH_NONE },
	{ 0x46, 0x16, 1, NO_SLOT, "host-events", "", false, STEP_FD_VCPU, STEP_TOUCH_NONE },
	{ 0x47, 0x17, 1, NO_SLOT, "host-check-cap", "", false, STEP_FD_VM, STEP_TOUCH_NONE },
};

static uint64_t rng_state = 0x6a09e667f3bcc908ull;

static uint64_t rnd(void)
{
	rng_state ^= rng_state >> 12;
	rng_state ^= rng_state << 25;
	rng_state ^= rng_state >> 27;
	return rng_state * 0x2545f4914f6cdd1dull;
}

static void test_pinned(void)
{
	unsigned n = sizeof(pinned) / sizeof(pinned[0]);

	for (unsigned i = 0; i < n; i++) {
		const struct pinned *w = &pinned[i];
		const struct step_kind_desc *d = step_kind_desc(w->kind);

		CHECK(d, "kind 0x%x has no description", w->kind);
		if (!d)
			continue;
		CHECK(!strcmp(d->name, w->name), "kind 0x%x is %s", w->kind, d->name);
		CHECK(d->slot == w->slot && d->nslots == w->nslots && d->fep_slot == w->fep_slot,
		      "%s: slots 0x%x+%u fep 0x%x", w->name, d->slot, d->nslots, d->fep_slot);
		CHECK(d->insn_len == strlen(w->insn) && !memcmp(d->insn, w->insn, d->insn_len),
		      "%s: instruction bytes", w->name);
		CHECK_EQ(d->write, w->write);
		CHECK(d->fd == w->fd && d->touches == w->touches, "%s: fd %u touches %u", w->name,
		      d->fd, d->touches);
	}
	/* a new kind is a new line in step_kinds.h and a new row here */
	CHECK_EQ(step_kind_count, n);
}

static unsigned described(void)
{
	unsigned n = 0;

	for (unsigned k = 0; k < STEP_KIND_LIMIT; k++)
		n += step_kinds[k].name != NULL;
	return n;
}

static void check_desc(const struct step_kind_desc *d, unsigned k)
{
	struct step s;

	CHECK_EQ(d->kind, k);
	CHECK(!strcmp(step_name((uint8_t)k), d->name), "step_name(0x%x)", k);
	CHECK_EQ(d->guest, k < STEP_FIRST_HOST);
	CHECK_EQ(step_is_guest((uint8_t)k), d->guest);
	CHECK_EQ(step_is_write((uint8_t)k), d->write);
	CHECK(d->guest || (!d->write && !d->insn_len && d->fep_slot == NO_SLOT),
	      "%s: a host kind has no instruction", d->name);
	CHECK(!d->guest || d->insn_len >= 2, "%s: a guest kind has an instruction", d->name);
	CHECK(d->guest ? !strcmp(d->word, d->name) :
			 !strncmp(d->name, "host-", 5) && !strcmp(d->word, d->name + 5),
	      "%s: its statement keyword is '%s'", d->name, d->word);
	CHECK(d->req < REQ_COUNT, "%s: requirement %u", d->name, d->req);
	CHECK(d->decode && d->encode && d->parse && d->format && d->trace, "%s: handlers", d->name);
	CHECK(d->guest ? d->predict.guest != NULL : d->predict.host != NULL, "%s: predict",
	      d->name);
	memset(&s, 0, sizeof(s));
	s.kind = (uint8_t)k;
	s.g.fep = 1;
	if (d->guest)
		CHECK_EQ(step_insn_len(&s), d->insn_len + PROG_FEP_LEN);
}

/* Every number, name, keyword and slot belongs to one kind; the list is the table. */
static void test_consistent(void)
{
	uint8_t slot_owner[32] = { 0 };
	bool fep;

	CHECK_EQ(described(), step_kind_count);
	for (unsigned i = 0; i < step_kind_count; i++) {
		unsigned k = step_kind_list[i];
		const struct step_kind_desc *d = step_kind_desc(k);

		CHECK(d, "listed kind 0x%x has no description", k);
		if (!d)
			continue;
		check_desc(d, k);
		for (unsigned j = 0; j < i; j++) {
			const struct step_kind_desc *o = &step_kinds[step_kind_list[j]];

			CHECK(o->kind != d->kind, "kind 0x%x listed twice", k);
			CHECK(strcmp(o->name, d->name), "name %s twice", d->name);
		}
		CHECK(step_kind_by_word(d->word, (unsigned)strlen(d->word), d->guest) == d,
		      "%s: found by its keyword", d->name);
		for (unsigned op = 0; op < 32; op++) {
			bool mine =
			    (op >= d->slot && op < d->slot + d->nslots) || op == d->fep_slot;

			if (!mine)
				continue;
			CHECK(!slot_owner[op], "slot 0x%x: 0x%x and 0x%x", op, slot_owner[op], k);
			slot_owner[op] = (uint8_t)k;
			CHECK(step_kind_by_slot(op, &fep) == d && fep == (op == d->fep_slot),
			      "slot 0x%x", op);
		}
	}
	for (unsigned op = 0; op < 32; op++)
		if (!slot_owner[op])
			CHECK(!step_kind_by_slot(op, &fep), "free slot 0x%x is reserved", op);
	CHECK(!strcmp(step_name(0), "unknown") && !step_kind_desc(0) && !step_kind_desc(0xff),
	      "no kind 0");
}

/* A frame of kind d at op, the rest random bytes a fuzzer would write. */
static size_t frame_of(uint8_t *b, unsigned op)
{
	size_t n = 0, len = 4 + rnd() % 40;

	b[n++] = (uint8_t)(op | (rnd() % 8) << 5);
	while (n < len) {
		uint8_t v = (uint8_t)rnd();

		b[n++] = v == 0x7e ? 0 : rnd() % 4 ? v : (uint8_t)(rnd() % 8);
	}
	return n;
}

/* A program of steps of kind d only, from every slot of it: 2 vCPUs, 2 filters. */
static void program_of(const struct step_kind_desc *d, struct program *p)
{
	static const uint8_t head[] = { 0x05, 0x00, 0x01, 0x7e, 0x00, 0x00, 0x7e, 0x01, 0x00 };
	uint8_t buf[4096];
	size_t n = sizeof(head);

	memcpy(buf, head, n);
	for (unsigned i = 0; i < PROG_MAX_STEPS; i++) {
		unsigned op = d->slot + i % d->nslots;

		if (d->fep_slot != NO_SLOT && i % 3 == 0)
			op = d->fep_slot;
		buf[n++] = 0x7e;
		n += frame_of(buf + n, op);
	}
	program_decode(buf, n, p);
}

static void check_kind_round_trips(const struct step_kind_desc *d, const struct program *p)
{
	static char text[TEXT_MAX], again[TEXT_MAX];
	static uint8_t bin[PROG_BIN_MAX_SIZE];
	static struct program q;
	struct parse_error err;
	const char *why = "";
	char diff[256] = "";
	size_t n;

	CHECK(program_valid(p, &why), "%s: decoded program invalid: %s", d->name, why);
	CHECK_EQ(p->nsteps, PROG_MAX_STEPS);
	for (unsigned i = 0; i < p->nsteps; i++)
		CHECK(p->steps[i].kind == d->kind, "%s: step %u is 0x%x", d->name, i,
		      p->steps[i].kind);
	n = program_encode(p, bin, sizeof(bin));
	program_decode(bin, n, &q);
	CHECK(n && prog_equal(p, &q, false, diff), "%s: binary round trip: %s", d->name, diff);
	CHECK(program_format(p, text, sizeof(text)) > 0, "%s: format", d->name);
	CHECK(!program_parse(text, "t", &q, &err), "%s: parse: %u:%u: %s", d->name, err.line,
	      err.column, err.msg);
	CHECK(prog_equal(p, &q, false, diff), "%s: text round trip: %s", d->name, diff);
	CHECK(program_format(&q, again, sizeof(again)) > 0 && !strcmp(text, again),
	      "%s: the text is canonical", d->name);
}

/* The statement a line of the canonical text starts with, and the trace's name. */
static void check_words(const struct step_kind_desc *d, const struct program *p)
{
	static char text[TEXT_MAX];
	char want[64], *line;
	static struct trace t;
	size_t len = 0;
	char *out = NULL;
	FILE *f;

	snprintf(want, sizeof(want), "%s%s", d->guest ? "" : "host ", d->word);
	program_format(p, text, sizeof(text));
	text[strlen(text) - 1] = '\0';
	line = strrchr(text, '\n') + 1; /* the last step's */
	CHECK(!strncmp(line, want, strlen(want)) && line[strlen(want)] <= ' ',
	      "%s: a step's line starts '%.20s'", d->name, line);
	trace_init(&t);
	f = open_memstream(&out, &len);
	trace_print(p, &t, NULL, f);
	fclose(f);
	snprintf(want, sizeof(want), "  0 %s ", d->name);
	CHECK(!strncmp(out, want, strlen(want)), "%s: the trace starts '%.30s'", d->name, out);
	free(out);
}

static void test_round_trips(void)
{
	static struct program p;

	for (unsigned i = 0; i < step_kind_count; i++) {
		const struct step_kind_desc *d = &step_kinds[step_kind_list[i]];

		for (int r = 0; r < 50; r++) {
			program_of(d, &p);
			check_kind_round_trips(d, &p);
		}
		check_words(d, &p);
	}
}

/* The executor writes each guest kind's bytes from the table: [fep] then the instruction. */
static void test_guest_bytes(void)
{
	static uint8_t area[VCPU_AREA_SIZE];
	static struct program p;
	struct batch_code bc;
	unsigned n = sizeof(pinned) / sizeof(pinned[0]);

	program_init(&p);
	for (unsigned i = 0; i < n && p.nsteps + 2 <= STUB_MAX_OPS; i++) {
		if (pinned[i].kind >= STEP_FIRST_HOST)
			continue;
		step_init(&p.steps[p.nsteps++], pinned[i].kind);
		step_init(&p.steps[p.nsteps], pinned[i].kind);
		p.steps[p.nsteps++].g.fep = 1;
	}
	CHECK(guest_code_write(area, GPA, &p, 0, p.nsteps, &bc) == 0, "the batch");
	for (int k = 0; k < bc.n; k++) {
		const struct step *s = &p.steps[k];
		const struct pinned *w = &pinned[0];
		const uint8_t *site = area + (bc.access[k].site - GPA);

		while (w->kind != s->kind)
			w++;
		CHECK_EQ(bc.access[k].end - bc.access[k].site, step_insn_len(s));
		CHECK(!s->g.fep || !memcmp(site, "\x0f\x0bkvm", PROG_FEP_LEN), "%s: prefix",
		      w->name);
		CHECK(!memcmp(site + (s->g.fep ? PROG_FEP_LEN : 0), w->insn, strlen(w->insn)),
		      "%s%s: the instruction's bytes", w->name, s->g.fep ? " fep" : "");
	}
}

static size_t read_file(const char *path, char *buf, size_t size)
{
	FILE *f = fopen(path, "rb");
	size_t n;

	CHECK(f, "cannot open %s", path);
	if (!f)
		return 0;
	n = fread(buf, 1, size - 1, f);
	fclose(f);
	buf[n] = '\0';
	return n;
}

/*
 * tests/golden/decode: byte strings and the text `msrexit disasm --binary` made
 * of them before the table (seeds through `msrexit asm`, every slot a kind
 * has, fuzzer-like inputs). They must decode to exactly that text. They use no
 * reserved slot (18..1f), so a new kind taking one does not change them.
 */
static void test_golden(void)
{
	static char bin[PROG_BIN_MAX_SIZE], want[TEXT_MAX], got[TEXT_MAX];
	static struct program p;
	char path[512];
	unsigned files = 0;
	struct dirent *e;
	DIR *dir = opendir(GOLDEN_DIR);
	size_t n;

	CHECK(dir, "cannot open %s", GOLDEN_DIR);
	while (dir && (e = readdir(dir))) {
		size_t len = strlen(e->d_name);

		if (len < 5 || strcmp(e->d_name + len - 4, ".bin"))
			continue;
		snprintf(path, sizeof(path), "%s/%s", GOLDEN_DIR, e->d_name);
		n = read_file(path, bin, sizeof(bin));
		snprintf(path + strlen(path) - 4, 5, ".msr");
		read_file(path, want, sizeof(want));
		program_decode((const uint8_t *)bin, n, &p);
		program_format(&p, got, sizeof(got));
		CHECK(!strcmp(got, want), "%s decodes to\n%s\nnot\n%s", e->d_name, got, want);
		files++;
	}
	if (dir)
		closedir(dir);
	CHECK(files >= 13, "%u golden inputs", files);
}

/* A step's fd: the one on= names, else its kind's. */
static void test_step_fd(void)
{
	static const struct {
		uint8_t target;
		enum step_fd fd;
	} on[] = { { TARGET_VM, STEP_FD_VM },
		   { TARGET_VCPU, STEP_FD_VCPU },
		   { TARGET_SYSTEM, STEP_FD_SYSTEM } };
	struct step s;

	for (unsigned i = 0; i < step_kind_count; i++) {
		const struct step_kind_desc *d = &step_kinds[step_kind_list[i]];

		CHECK(d->fd >= STEP_FD_VM && d->fd <= STEP_FD_SYSTEM, "%s: fd %u", d->name, d->fd);
		CHECK(d->touches <= STEP_TOUCH_VCPU_RUN, "%s: touches %u", d->name, d->touches);
		if (d->guest)
			continue;
		step_init(&s, d->kind);
		CHECK_EQ(s.h.target, TARGET_DEFAULT);
		CHECK_EQ(step_fd(&s), d->fd);
		for (unsigned t = 0; t < sizeof(on) / sizeof(on[0]); t++) {
			s.h.target = on[t].target;
			CHECK(step_fd(&s) == on[t].fd, "%s on target %u", d->name, on[t].target);
		}
	}
}

int main(void)
{
	test_pinned();
	test_consistent();
	test_step_fd();
	test_round_trips();
	test_guest_bytes();
	test_golden();
	return unit_summary("step_kinds");
}
