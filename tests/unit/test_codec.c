/* test_codec.c - unit tests of the binary codec: totality, round trips, locality; runs them all. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "msr_table.h"
#include "program.h"
#include "codec_check.h"
#include "unit.h"

#define SEP 0x7e
#define ESC 0x7d

static uint64_t rng_state = 0x9e3779b97f4a7c15ull;

static uint64_t rnd(void)
{
	rng_state ^= rng_state >> 12;
	rng_state ^= rng_state << 25;
	rng_state ^= rng_state >> 27;
	return rng_state * 0x2545f4914f6cdd1dull;
}

static unsigned rnd_below(unsigned n)
{
	return (unsigned)(rnd() % n);
}

/* ---- inputs ---- */

/* Bytes a fuzzer would find: small numbers, escapes, separators, class bytes. */
static uint8_t biased_byte(void)
{
	static const uint8_t special[] = {
		SEP, ESC, 0xe0, 0xff, 0xa0, 0xfe, 0x80, 0x03, 0x01, 0x02
	};

	switch (rnd_below(4)) {
	case 0:
		return (uint8_t)rnd_below(16);
	case 1:
		return special[rnd_below(sizeof(special))];
	default:
		return (uint8_t)rnd();
	}
}

/* Many short frames: decodes to rich programs. */
static size_t gen_framed(uint8_t *buf, size_t max)
{
	size_t n = 0, frames = 1 + rnd_below(80);

	if (rnd_below(2) && max >= 3) {
		memcpy(buf, "MX\x01", 3);
		n = 3;
	}
	for (size_t f = 0; f < frames && n < max; f++) {
		size_t len = rnd_below(f && f < 5 ? 120 : 30);

		for (size_t i = 0; i < len && n < max; i++) {
			buf[n] = biased_byte();
			n += buf[n] != SEP || !rnd_below(8);
		}
		if (n < max)
			buf[n++] = SEP;
	}
	return n;
}

static void check_decoded(const uint8_t *d, size_t n, struct program *p)
{
	const char *why = "";

	program_decode(d, n, p);
	if (!program_check(p, n != 3, &why)) { /* (the 16M inputs of 3 bytes: no tail checks) */
		CHECK(0, "decoded program invalid (%s), input length %zu", why, n);
		exit(unit_summary("codec"));
	}
}

/* ---- binary ---- */

static void test_decode_exhaustive(void)
{
	struct program p;
	uint8_t d[3] = { 0 };
	unsigned n = 0;

	check_decoded(d, 0, &p);
	for (unsigned len = 1; len <= 3; len++) {
		for (uint32_t v = 0; v < 1u << (8 * len); v++) {
			d[0] = (uint8_t)v;
			d[1] = (uint8_t)(v >> 8);
			d[2] = (uint8_t)(v >> 16);
			check_decoded(d, len, &p);
			n++;
		}
	}
	CHECK_EQ(n, 256 + 65536 + (1u << 24));
}

static void test_decode_random(void)
{
	static uint8_t buf[2048];
	struct program p;

	for (unsigned i = 0; i < 200000; i++) {
		size_t n = rnd_below((unsigned)(sizeof(buf) >> rnd_below(8)) + 1);

		if (i & 1) {
			n = gen_framed(buf, n);
		} else {
			for (size_t j = 0; j < n; j++)
				buf[j] = (uint8_t)rnd();
		}
		check_decoded(buf, n, &p);
	}
	CHECK(1, "200000 random inputs decoded");
}

static void test_decode_examples(void)
{
	static const uint8_t one_rd[] = { 0x00, SEP, 0x00 };
	static const uint8_t reserved[] = { 0x00, SEP, 0x18, SEP, 0x1e, SEP, 0x1f, SEP };
	static const uint8_t forms[] = {
		0x00, SEP, 0x0c, SEP, 0x0d, SEP, 0x0e, SEP, 0x0f, SEP, 0x06
	};
	static const uint8_t wr[] = { 0x00, SEP, 0x06, 0x00, 0x00, 0x05, 0xd9, 0xa1, 0x00, 0x01 };
	static const uint8_t esc[] = { 'M', 'X', 9, 0x01, SEP, 0x00, 0x03, ESC, 0x5e, 0, 0, 0x01 };
	static const uint8_t host[] = { 0x00, SEP, 0x12, 0x85, 0x02, 0xe0, 0x00, 0x02, 0x02, 0x00 };
	struct program p;

	check_decoded(NULL, 0, &p);
	CHECK(p.nvcpus == 1 && !p.nsteps && !p.nfilters && p.setup_filter == HOST_FILTER_NONE, "");
	check_decoded(one_rd, sizeof(one_rd), &p);
	CHECK_EQ(p.nsteps, 1);
	CHECK_EQ(p.steps[0].kind, STEP_RDMSR);
	CHECK_EQ(p.steps[0].g.rcx, msr_table[0].index);
	CHECK_EQ(p.steps[0].g.rax, PROG_RDMSR_RAX_DEFAULT);
	check_decoded(reserved, sizeof(reserved), &p);
	CHECK_EQ(p.nsteps, 0);
	check_decoded(forms, sizeof(forms), &p); /* the instruction forms of docs/spec.md §7 */
	CHECK_EQ(p.nsteps, 5);
	CHECK(p.steps[0].kind == STEP_WRMSRNS && !p.steps[0].g.fep, "wrmsrns");
	CHECK(p.steps[1].kind == STEP_RDMSR && p.steps[1].g.fep, "fep rdmsr");
	CHECK(p.steps[2].kind == STEP_WRMSR && p.steps[2].g.fep, "fep wrmsr");
	CHECK(p.steps[3].kind == STEP_WRMSRNS && p.steps[3].g.fep, "fep wrmsrns");
	CHECK(p.steps[4].kind == STEP_WRMSR && !p.steps[4].g.fep, "wrmsr");
	check_decoded(wr, sizeof(wr), &p); /* WRMSR EFER, valid value 1, flags, error 2, data 1 */
	CHECK_EQ(p.steps[0].kind, STEP_WRMSR);
	CHECK_EQ(guest_wrmsr_value(&p.steps[0].g), msr_table[0].valid[1]);
	CHECK_EQ(p.steps[0].g.reply_flags, REPLY_HOLD);
	CHECK_EQ(p.steps[0].g.cpl, 3);
	CHECK_EQ(p.steps[0].vcpu, 0); /* one vCPU: the vcpu bit is masked */
	CHECK_EQ(p.steps[0].g.reply_error, 2);
	CHECK_EQ(p.steps[0].g.reply_data, 0);
	check_decoded(esc, sizeof(esc), &p); /* header, 2 vCPUs, RDMSR 0x0100007e */
	CHECK_EQ(p.nvcpus, 2);
	CHECK_EQ(p.steps[0].g.rcx, 0x0100007e);
	check_decoded(host, sizeof(host), &p); /* host get on=vcpu, nmsrs = 0x200 % 301 */
	CHECK_EQ(p.steps[0].kind, STEP_HOST_GET_MSRS);
	CHECK_EQ(p.steps[0].h.target, TARGET_VCPU);
	CHECK_EQ(p.steps[0].h.nlist, 2);
	CHECK_EQ(p.steps[0].h.nmsrs, 0x200 % 301);
}

/* Inserting a byte after a step's operation byte disturbs no other step. */
static void check_locality(const struct program *p)
{
	static uint8_t buf[PROG_BIN_MAX_SIZE + 1];
	size_t n = program_encode(p, buf, sizeof(buf) - 1), frame = 0, pos, at;
	unsigned target = rnd_below(p->nsteps), nsep = 0, want = 1 + p->nfilters + target;
	struct program q;
	char why[256] = "";

	for (pos = 3; pos < n && nsep < want; pos++)
		nsep += buf[pos] == SEP;
	frame = pos; /* the step's operation byte */
	for (at = frame + 1; at < n && buf[at] != SEP; at++)
		;
	at = frame + 1 + rnd_below((unsigned)(at - frame));
	memmove(buf + at + 1, buf + at, n - at);
	do
		buf[at] = (uint8_t)rnd();
	while (buf[at] == SEP);
	program_decode(buf, n + 1, &q);
	CHECK_EQ(q.nsteps, p->nsteps);
	for (unsigned i = 0; i < p->nsteps && i < q.nsteps; i++)
		if (i != target)
			CHECK(step_equal(&p->steps[i], &q.steps[i], false, why), "step %u: %s", i,
			      why);
}

static void test_round_trips(void)
{
	static uint8_t buf[2048];
	struct program p;
	unsigned rich = 0;

	for (unsigned i = 0; i < 12000; i++) {
		size_t n = gen_framed(buf, rnd_below(sizeof(buf) + 1));

		check_decoded(buf, n, &p);
		rich += p.nsteps > 8 && p.nfilters > 0;
		check_bin_round_trip(&p);
		check_text_round_trip(&p);
		if (p.nsteps)
			check_locality(&p);
	}
	CHECK(rich > 600, "only %u rich programs", rich);
}

/* The largest encoding: every field at its longest, every byte escaped. */
static void test_encode_limits(void)
{
	static uint8_t buf[PROG_BIN_MAX_SIZE];
	static char text[TEXT_MAX];
	struct program p;
	size_t n;

	program_init(&p);
	p.nvcpus = 2;
	p.mask = REASON_VALID_MASK; /* a set-up mask is always valid */
	p.nfilters = PROG_MAX_FILTERS;
	for (unsigned i = 0; i < PROG_MAX_FILTERS; i++) {
		p.filters[i].flags = 0x7e7e7e7e;
		p.filters[i].nranges = PROG_MAX_RANGES;
		for (unsigned j = 0; j < PROG_MAX_RANGES; j++)
			p.filters[i].ranges[j] =
			    (struct prog_range){ 0x7e7e7e7e, 0x7e7e7e7e, 0x7e7e7e7e, BITMAP_PATTERN,
						 ~0ull - 0x81 };
	}
	p.nsteps = PROG_MAX_STEPS;
	for (unsigned i = 0; i < PROG_MAX_STEPS; i++) {
		struct step *s = &p.steps[i];

		step_init(s, STEP_HOST_SET_MSRS);
		s->vcpu = 1;
		s->h = (struct host_step){ TARGET_SYSTEM, 0, 0, PROG_HOST_NMSRS_MAX, 8, { { 0 } } };
		for (unsigned j = 0; j < 8; j++)
			s->h.list[j] = (struct host_msr){ 0x7e7e7e7e, 0x7d7d7d7d7d7d7d7dull };
	}
	n = program_encode(&p, buf, sizeof(buf));
	CHECK(n > 0, "the largest program does not fit in PROG_BIN_MAX_SIZE");
	check_bin_round_trip(&p);
	check_text_round_trip(&p);
	CHECK(program_format(&p, text, sizeof(text)) > 0, "text of the largest program");
	for (size_t k = 0; k < n; k += 97)
		CHECK_EQ(program_encode(&p, buf, k), 0);
	n = (size_t)program_format(&p, text, sizeof(text));
	CHECK_EQ(program_format(&p, text, n), -1);
	CHECK_EQ(program_format(&p, text, n + 1), n);
	CHECK_EQ(program_format(&p, NULL, 0), -1);
}

int main(void)
{
	test_decode_examples();
	test_decode_random();
	test_round_trips();
	test_encode_limits();
	test_text();
	test_decode_exhaustive();
	text_tests_counts(&unit_checked, &unit_failed);
	return unit_summary("codec");
}
