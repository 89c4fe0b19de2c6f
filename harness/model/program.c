/* program.c - program defaults, step names and the binary codec (every byte string decodes). */
#include <string.h>

#include "kvm_abi.h"
#include "msr_table.h"
#include "program.h"

/*
 * The body is a sequence of frames separated by BIN_SEP; inside a frame
 * BIN_ESC x stands for the byte x ^ BIN_XOR. Frame 0 is the setup, the next
 * nfilters frames are the filters, every later frame is one step. A frame
 * reads as zeros past its end. See docs/program-format.md.
 */
#define BIN_SEP 0x7e
#define BIN_ESC 0x7d
#define BIN_XOR 0x20

#define OP_SLOTS 32 /* a step frame's operation is op % 32: its slots are in step_kinds.h */
#define BYTE_ESCAPE 0xe0 /* a mask/flags byte at or above this: a full value follows */
/* CPL3 needs all three bits: an instant #GP should be a rare pick for a fuzzer */
#define GUEST_CPL3 0xc8
#define GUEST_VCPU 0x10
#define GUEST_EXTRA 0x20
#define ERROR_BASE 0x9f /* error bytes 0xa0..0xfe mean 1..0x5f; 0xff: literal byte follows */
#define NMSRS_ESCAPE 0xe0
#define BITMAP_BYTE_FAULT 0xff

/* Values a fuzzer reaches with one byte (class 3 of a value). Never reorder. */
/* clang-format off */
static const uint64_t interesting[16] = {
	0xffffffffffffffffull, 0x8000000000000000ull, 0x7fffffffffffffffull, 0xffffffffull,
	0x80000000ull,	       0x100000000ull,	      0x3000,		     0x3001,
	0x100,		       0xff,		      0x00007fffffffffffull, 0xffff800000000000ull,
	0x00ffffffffffffffull, 0xff00000000000000ull, 0xa5a5a5a5a5a5a5a5ull, 0xffffffff81000000ull
};
/* clang-format on */

void program_init(struct program *p)
{
	memset(p, 0, sizeof(*p));
	p->nvcpus = 1;
	p->setup_filter = HOST_FILTER_NONE;
}

void step_init(struct step *s, uint8_t kind)
{
	memset(s, 0, sizeof(*s));
	s->kind = kind;
	if (step_is_guest(kind) && !step_is_write(kind)) {
		s->g.rax = PROG_RDMSR_RAX_DEFAULT;
		s->g.rdx = PROG_RDMSR_RDX_DEFAULT;
	}
}

const char *step_name(uint8_t kind)
{
	const struct step_kind_desc *d = step_kind_desc(kind);

	return d ? d->name : "unknown";
}

/* ---- decoding ---- */

struct bin_rd {
	const uint8_t *p, *end;
};

static bool rd_frame_end(const struct bin_rd *r)
{
	return r->p == r->end || *r->p == BIN_SEP;
}

/* Next byte of the current frame, 0 once the frame is exhausted. */
static uint8_t rd_u8(struct bin_rd *r)
{
	if (rd_frame_end(r))
		return 0;
	if (*r->p != BIN_ESC)
		return *r->p++;
	r->p++;
	if (rd_frame_end(r))
		return 0;
	return *r->p++ ^ BIN_XOR;
}

/* Skips the rest of the current frame; false when no frame follows. */
static bool rd_next_frame(struct bin_rd *r)
{
	while (!rd_frame_end(r))
		r->p++;
	if (r->p == r->end)
		return false;
	r->p++;
	return true;
}

static uint64_t rd_le(struct bin_rd *r, unsigned n)
{
	uint64_t v = 0;

	for (unsigned i = 0; i < n; i++)
		v |= (uint64_t)rd_u8(r) << (8 * i);
	return v;
}

/*
 * What version 1 had, before rows had ids: a table byte or list selector
 * that names nothing decodes as it did then (docs/program-format.md,
 * "Compatibility"). Never change these.
 */
#define V1_UNKNOWNS 4
static const uint8_t v1_nvalid[MSR_V1_ROWS] = { 4, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2,
						1, 2, 0, 2, 0, 1, 0, 0, 0, 0, 0, 0 };
static const uint8_t v1_ninvalid[MSR_V1_ROWS] = { 2, 0, 2, 2, 0, 2, 2, 2, 0, 0, 0, 0,
						  0, 0, 1, 1, 0, 0, 0, 0, 0, 0, 0, 0 };

/* INDEX class 0: the row with id u, else (no such row) version 1's row u % 24. */
static uint32_t dec_table_index(uint8_t u)
{
	const struct msr_info *m = u < MSR_ID_LIMIT ? msr_by_id(u) : NULL;

	return (m ? m : msr_by_id(u % MSR_V1_ROWS))->index;
}

static uint32_t dec_index(struct bin_rd *r)
{
	uint8_t c = rd_u8(r), u;

	switch (c % 4) {
	case 0:
		return dec_table_index(rd_u8(r));
	case 1:
		u = rd_u8(r);
		return msr_unknown_indices[u < msr_unknown_len ? u : u % V1_UNKNOWNS];
	case 2:
		return X2APIC_FIRST + rd_u8(r);
	default:
		return (uint32_t)rd_le(r, 4);
	}
}

static uint64_t dec_value(struct bin_rd *r)
{
	uint8_t c = rd_u8(r);

	switch (c % 4) {
	case 0:
		return c >> 2;
	case 1:
		return rd_le(r, 4);
	case 2:
		return rd_le(r, 8);
	default:
		return interesting[(c >> 2) % 16];
	}
}

/*
 * Entry of a list for selector sel (n entries, version 1 had n1): the first
 * n1 keep their selectors, later entries take the selectors from
 * MSR_MAX_VALUES - 1 down (entry n1 is 55), so a selector keeps its version-1
 * meaning (entry sel % n1) until an entry takes it; -1: version 1 had no list.
 */
static int list_pick(unsigned sel, unsigned n, unsigned n1)
{
	unsigned k = n1 + (MSR_MAX_VALUES - 1 - sel);

	if (sel < n1)
		return (int)sel;
	if (sel < MSR_MAX_VALUES && k < n)
		return (int)k;
	return n1 ? (int)(sel % n1) : -1;
}

/* A value written to MSR index: small, one the table says is valid or invalid, or literal. */
static uint64_t dec_msr_value(struct bin_rd *r, uint32_t index)
{
	const struct msr_info *m = msr_lookup(index);
	bool v1 = m && m->id < MSR_V1_ROWS;
	uint8_t c = rd_u8(r);
	unsigned sel = c >> 2;
	int k;

	switch (c % 4) {
	case 0:
		return sel;
	case 1:
		k = m ? list_pick(sel, m->nvalid, v1 ? v1_nvalid[m->id] : 0) : -1;
		return k >= 0 ? m->valid[k] : sel;
	case 2:
		k = m ? list_pick(sel, m->ninvalid, v1 ? v1_ninvalid[m->id] : 0) : -1;
		return k >= 0 ? m->invalid[k] : interesting[sel % 16];
	default:
		return rd_le(r, 8);
	}
}

/* A byte below BYTE_ESCAPE gives byte & low; otherwise a full value follows. */
static uint64_t dec_small(struct bin_rd *r, uint64_t low)
{
	uint8_t b = rd_u8(r);

	return b < BYTE_ESCAPE ? (b & low) : dec_value(r);
}

static uint8_t dec_filter_ref(struct bin_rd *r, uint8_t nfilters)
{
	unsigned v = rd_u8(r) % (nfilters + 1u);

	return v ? (uint8_t)(v - 1) : HOST_FILTER_NONE;
}

static void dec_setup(struct bin_rd *r, struct program *p)
{
	uint8_t a = rd_u8(r);

	p->nvcpus = 1 + (a & 1);
	p->nfilters = (a >> 1) % (PROG_MAX_FILTERS + 1);
	p->mask = dec_small(r, REASON_VALID_MASK) & REASON_VALID_MASK; /* set-up must succeed */
	p->setup_filter = dec_filter_ref(r, p->nfilters);
}

static void dec_range(struct bin_rd *r, struct prog_range *g)
{
	uint8_t b = rd_u8(r);

	g->flags = b < BYTE_ESCAPE ? 1u + b % 3 : (uint32_t)dec_value(r);
	g->base = dec_index(r);
	g->nmsrs = (uint32_t)dec_value(r);
	b = rd_u8(r);
	if (b == BITMAP_BYTE_FAULT) {
		g->bitmap_kind = BITMAP_FAULT;
		return;
	}
	switch (b % 4) {
	case 0:
	case 1:
		g->pattern = ~0ull;
		break;
	case 2:
		g->pattern = 0;
		break;
	default:
		g->pattern = dec_value(r);
	}
}

static void dec_filter(struct bin_rd *r, struct prog_filter *f)
{
	f->flags = (uint32_t)dec_small(r, FILTER_DEFAULT_DENY);
	f->nranges = rd_u8(r) % (PROG_MAX_RANGES + 1);
	for (unsigned i = 0; i < f->nranges; i++)
		dec_range(r, &f->ranges[i]);
}

static uint8_t dec_error(struct bin_rd *r)
{
	uint8_t e = rd_u8(r);

	if (e == 0xff)
		return rd_u8(r);
	return e > ERROR_BASE ? e - ERROR_BASE : 0;
}

/* A guest access: INDEX [MVALUE] F ERROR VALUE [EXTRA]. */
void step_decode_access(struct bin_rd *r, const struct program *p, struct step *s)
{
	struct guest_step *g = &s->g;
	uint32_t index = dec_index(r);
	uint64_t value = 0, hi[3] = { 0 };
	uint8_t f;

	if (step_is_write(s->kind))
		value = dec_msr_value(r, index);
	f = rd_u8(r);
	g->reply_flags = f & (REPLY_HOLD | REPLY_SCRIBBLE | REPLY_UNTOUCHED);
	g->cpl = (f & GUEST_CPL3) == GUEST_CPL3 ? 3 : 0;
	s->vcpu = (f & GUEST_VCPU ? 1 : 0) & (p->nvcpus - 1);
	g->reply_error = dec_error(r);
	g->reply_data = dec_value(r);
	if (f & GUEST_EXTRA) {
		for (unsigned i = 0; i < 3; i++)
			hi[i] = dec_value(r);
		if (!step_is_write(s->kind)) {
			g->rax = hi[1];
			g->rdx = hi[2];
		}
	}
	g->rcx = index | (uint64_t)(uint32_t)hi[0] << 32;
	if (step_is_write(s->kind)) {
		g->rax = (uint32_t)value | (uint64_t)(uint32_t)hi[1] << 32;
		g->rdx = (value >> 32) | (uint64_t)(uint32_t)hi[2] << 32;
	}
}

static void dec_msr_list(struct bin_rd *r, struct host_step *h)
{
	unsigned v;

	h->nlist = rd_u8(r) % (PROG_MAX_HOST_MSRS + 1);
	h->nmsrs = h->nlist;
	if (rd_u8(r) >= NMSRS_ESCAPE && h->nlist) {
		v = (unsigned)rd_le(r, 2) % (PROG_HOST_NMSRS_MAX + 1);
		h->nmsrs = v < h->nlist ? h->nlist : v;
	}
	for (unsigned i = 0; i < h->nlist; i++) {
		h->list[i].index = dec_index(r);
		h->list[i].value = dec_msr_value(r, h->list[i].index);
	}
}

static uint64_t dec_cap(struct bin_rd *r)
{
	uint8_t c = rd_u8(r);

	switch (c % 4) {
	case 0:
		return CAP_USER_SPACE_MSR;
	case 1:
		return CAP_MSR_FILTER;
	case 2:
		return c >> 2;
	default:
		return dec_value(r);
	}
}

void step_decode_none(struct bin_rd *r, const struct program *p, struct step *s)
{
	(void)r;
	(void)p;
	(void)s;
}

void step_decode_mask(struct bin_rd *r, const struct program *p, struct step *s)
{
	(void)p;
	s->h.arg = dec_small(r, REASON_VALID_MASK);
	s->h.flags = (uint32_t)dec_value(r);
}

void step_decode_filter(struct bin_rd *r, const struct program *p, struct step *s)
{
	s->h.arg = dec_filter_ref(r, p->nfilters);
}

void step_decode_msrs(struct bin_rd *r, const struct program *p, struct step *s)
{
	(void)p;
	dec_msr_list(r, &s->h);
}

void step_decode_cap(struct bin_rd *r, const struct program *p, struct step *s)
{
	(void)p;
	s->h.arg = dec_cap(r);
}

/* H: bit 0 the vCPU, bit 7 set: the target is bits 1..2. */
static void dec_host_head(struct bin_rd *r, const struct program *p, struct step *s)
{
	uint8_t b = rd_u8(r);

	s->vcpu = (b & 1) & (p->nvcpus - 1);
	s->h.target = b & 0x80 ? (b >> 1) & 3 : TARGET_DEFAULT;
}

static void dec_step(struct bin_rd *r, struct program *p)
{
	const struct step_kind_desc *d;
	struct step *s;
	bool fep;

	if (rd_frame_end(r))
		return; /* an empty frame is no step */
	d = step_kind_by_slot(rd_u8(r) % OP_SLOTS, &fep);
	if (!d)
		return; /* reserved operation */
	s = &p->steps[p->nsteps++];
	step_init(s, d->kind);
	if (d->guest)
		s->g.fep = fep;
	else
		dec_host_head(r, p, s);
	d->decode(r, p, s);
}

void program_decode(const uint8_t *data, size_t size, struct program *p)
{
	static const uint8_t empty[1];
	struct bin_rd r = { data ? data : empty, data ? data + size : empty };

	program_init(p);
	if (size >= 3 && data[0] == PROG_BIN_MAGIC0 && data[1] == PROG_BIN_MAGIC1)
		r.p += 3; /* every version byte decodes as version 1 for now */
	dec_setup(&r, p);
	rd_next_frame(&r);
	for (unsigned i = 0; i < p->nfilters; i++) {
		dec_filter(&r, &p->filters[i]);
		rd_next_frame(&r);
	}
	while (r.p != r.end && p->nsteps < PROG_MAX_STEPS) {
		dec_step(&r, p);
		rd_next_frame(&r);
	}
}

/* ---- encoding: literal classes, the inverse of the decoder ---- */

struct bin_wr {
	uint8_t *p, *end;
	bool ok;
};

static void wr_raw(struct bin_wr *w, uint8_t b)
{
	if (w->p == w->end) {
		w->ok = false;
		return;
	}
	*w->p++ = b;
}

static void wr_u8(struct bin_wr *w, uint8_t b)
{
	if (b == BIN_SEP || b == BIN_ESC) {
		wr_raw(w, BIN_ESC);
		b ^= BIN_XOR;
	}
	wr_raw(w, b);
}

static void wr_le(struct bin_wr *w, uint64_t v, unsigned n)
{
	for (unsigned i = 0; i < n; i++)
		wr_u8(w, (uint8_t)(v >> (8 * i)));
}

static void enc_index(struct bin_wr *w, uint32_t index)
{
	wr_u8(w, 3);
	wr_le(w, index, 4);
}

static void enc_value(struct bin_wr *w, uint64_t v)
{
	if (v < 64) {
		wr_u8(w, (uint8_t)(v << 2));
	} else if (v <= 0xffffffffull) {
		wr_u8(w, 1);
		wr_le(w, v, 4);
	} else {
		wr_u8(w, 2);
		wr_le(w, v, 8);
	}
}

static void enc_msr_value(struct bin_wr *w, uint64_t v)
{
	if (v < 64) {
		wr_u8(w, (uint8_t)(v << 2));
	} else {
		wr_u8(w, 3);
		wr_le(w, v, 8);
	}
}

static void enc_small(struct bin_wr *w, uint64_t v, uint64_t low)
{
	if (v <= low) {
		wr_u8(w, (uint8_t)v);
	} else {
		wr_u8(w, BYTE_ESCAPE);
		enc_value(w, v);
	}
}

static void enc_filter_ref(struct bin_wr *w, uint64_t ref)
{
	wr_u8(w, ref == HOST_FILTER_NONE ? 0 : (uint8_t)(ref + 1));
}

static void enc_range(struct bin_wr *w, const struct prog_range *g)
{
	if (g->flags >= 1 && g->flags <= 3) {
		wr_u8(w, (uint8_t)(g->flags - 1));
	} else {
		wr_u8(w, BYTE_ESCAPE);
		enc_value(w, g->flags);
	}
	enc_index(w, g->base);
	enc_value(w, g->nmsrs);
	if (g->bitmap_kind == BITMAP_FAULT) {
		wr_u8(w, BITMAP_BYTE_FAULT);
	} else if (g->pattern == ~0ull || g->pattern == 0) {
		wr_u8(w, g->pattern ? 0 : 2);
	} else {
		wr_u8(w, 3);
		enc_value(w, g->pattern);
	}
}

void step_encode_access(struct bin_wr *w, const struct step *s)
{
	const struct guest_step *g = &s->g;
	bool rd = !step_is_write(s->kind);
	uint64_t hi[3] = { g->rcx >> 32, g->rax >> 32, g->rdx >> 32 };
	uint8_t f = g->reply_flags | (g->cpl ? GUEST_CPL3 : 0) | (s->vcpu ? GUEST_VCPU : 0);

	if (rd) {
		hi[1] = g->rax;
		hi[2] = g->rdx;
	}
	if (hi[0] || (rd ? hi[1] != PROG_RDMSR_RAX_DEFAULT || hi[2] != PROG_RDMSR_RDX_DEFAULT :
			   hi[1] || hi[2]))
		f |= GUEST_EXTRA;
	enc_index(w, guest_index(g));
	if (!rd)
		enc_msr_value(w, guest_wrmsr_value(g));
	wr_u8(w, f);
	if (g->reply_error && g->reply_error < 0xff - ERROR_BASE) {
		wr_u8(w, g->reply_error + ERROR_BASE);
	} else if (g->reply_error) {
		wr_u8(w, 0xff);
		wr_u8(w, g->reply_error);
	} else {
		wr_u8(w, 0);
	}
	enc_value(w, g->reply_data);
	for (unsigned i = 0; f & GUEST_EXTRA && i < 3; i++)
		enc_value(w, hi[i]);
}

static void enc_msr_list(struct bin_wr *w, const struct host_step *h)
{
	wr_u8(w, h->nlist);
	if (h->nmsrs != h->nlist) {
		wr_u8(w, NMSRS_ESCAPE);
		wr_le(w, h->nmsrs, 2);
	} else {
		wr_u8(w, 0);
	}
	for (unsigned i = 0; i < h->nlist && i < PROG_MAX_HOST_MSRS; i++) {
		enc_index(w, h->list[i].index);
		enc_msr_value(w, h->list[i].value);
	}
}

void step_encode_none(struct bin_wr *w, const struct step *s)
{
	(void)w;
	(void)s;
}

void step_encode_mask(struct bin_wr *w, const struct step *s)
{
	enc_small(w, s->h.arg, REASON_VALID_MASK);
	enc_value(w, s->h.flags);
}

void step_encode_filter(struct bin_wr *w, const struct step *s)
{
	enc_filter_ref(w, s->h.arg);
}

void step_encode_msrs(struct bin_wr *w, const struct step *s)
{
	enc_msr_list(w, &s->h);
}

void step_encode_cap(struct bin_wr *w, const struct step *s)
{
	if (s->h.arg == CAP_USER_SPACE_MSR || s->h.arg == CAP_MSR_FILTER) {
		wr_u8(w, (uint8_t)(s->h.arg - CAP_USER_SPACE_MSR));
	} else {
		wr_u8(w, 3);
		enc_value(w, s->h.arg);
	}
}

/* A step's frame: its operation, a host step's H, then its kind's fields. */
static void enc_step(struct bin_wr *w, const struct step *s)
{
	const struct step_kind_desc *d = step_kind_desc(s->kind);

	if (!d)
		return; /* not a valid program: the step is left out */
	wr_raw(w, BIN_SEP);
	wr_u8(w, d->guest && s->g.fep ? d->fep_slot : d->slot);
	if (!d->guest)
		wr_u8(w, (uint8_t)(s->vcpu | (s->h.target ? 0x80 | s->h.target << 1 : 0)));
	d->encode(w, s);
}

size_t program_encode(const struct program *p, uint8_t *buf, size_t size)
{
	struct bin_wr w = { buf, buf + size, true };

	wr_raw(&w, PROG_BIN_MAGIC0);
	wr_raw(&w, PROG_BIN_MAGIC1);
	wr_raw(&w, PROG_BIN_VERSION);
	wr_u8(&w, (uint8_t)((p->nvcpus - 1) | p->nfilters << 1));
	enc_small(&w, p->mask, REASON_VALID_MASK);
	enc_filter_ref(&w, p->setup_filter);
	for (unsigned i = 0; i < p->nfilters && i < PROG_MAX_FILTERS; i++) {
		const struct prog_filter *f = &p->filters[i];

		wr_raw(&w, BIN_SEP);
		enc_small(&w, f->flags, FILTER_DEFAULT_DENY);
		wr_u8(&w, f->nranges);
		for (unsigned j = 0; j < f->nranges && j < PROG_MAX_RANGES; j++)
			enc_range(&w, &f->ranges[j]);
	}
	for (unsigned i = 0; i < p->nsteps && i < PROG_MAX_STEPS; i++)
		enc_step(&w, &p->steps[i]);
	return w.ok ? (size_t)(w.p - buf) : 0;
}
