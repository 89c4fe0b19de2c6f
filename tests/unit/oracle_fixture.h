/* oracle_fixture.h - hand-built programs and facts, and compact views of predictions. */
#ifndef MSREXIT_ORACLE_FIXTURE_H
#define MSREXIT_ORACLE_FIXTURE_H

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "facts.h"
#include "oracle.h"
#include "program.h"
#include "trace.h"
#include "unit.h"

/* Initial guest registers: garbage in the upper halves the CPU must ignore or keep. */
#define RAX0 0xaaaaaaaa11111111ull
#define RDX0 0xbbbbbbbb22222222ull

static struct program P;
static struct kernel_facts F;
static struct expected E;

static inline uint32_t fx_idx(const char *name)
{
	const struct msr_info *m = msr_by_name(name, (unsigned)strlen(name));

	if (!m) {
		fprintf(stderr, "fixture: no MSR %s\n", name);
		abort();
	}
	return m->index;
}

static inline void fx_initial(const char *name, uint64_t v0, uint64_t v1)
{
	int pos = msr_table_pos(fx_idx(name));

	F.msr[pos].initial[0] = v0;
	F.msr[pos].initial[1] = v1;
}

/* A 6.18 kernel, 57-bit guest, every table MSR usable and readable by the host. */
static inline void facts_reset(void)
{
	memset(&F, 0, sizeof(F));
	F.kver_major = 6;
	F.kver_minor = 18;
	F.va_bits = 57;
	for (unsigned i = 0; i < msr_table_len; i++) {
		F.msr[i].guest_read = ACC_OK;
		F.msr[i].host_read_ok = msr_table[i].support != SUPPORT_NEVER;
	}
	fx_initial("EFER", 0xd01, 0xd01);
	fx_initial("STAR", 0x0013000800000000ull, 0x0013000800000002ull);
	fx_initial("LSTAR", 0xffffffff81000000ull, 0xffffffff81000000ull);
	fx_initial("APIC_BASE", 0xfee00d00, 0xfee00c00);
	fx_initial("MISC_ENABLE", 0x1, 0x1);
	fx_initial("PAT", 0x0007040600070406ull, 0x0007040600070406ull);
	fx_initial("TSC", 12345, 12345);
	fx_initial("MTRR_DEF_TYPE", 0xc06, 0xc06);
	fx_initial("SFMASK", 0x47700, 0x47700);
	fx_initial("X2APIC_ID", 0, 1);
}

/* One vCPU, mask as given, no filter, no steps. (Not program_init: that is program.c's.) */
static inline void prog_reset(uint64_t mask)
{
	memset(&P, 0, sizeof(P));
	P.nvcpus = 2;
	P.mask = mask;
	P.setup_filter = HOST_FILTER_NONE;
}

static inline struct step *fx_add(uint8_t kind, uint8_t vcpu)
{
	struct step *s;

	if (P.nsteps >= PROG_MAX_STEPS) {
		fprintf(stderr, "fixture: too many steps\n");
		abort();
	}
	s = &P.steps[P.nsteps++];
	memset(s, 0, sizeof(*s));
	s->kind = kind;
	s->vcpu = vcpu;
	return s;
}

static inline int fx_rd_on(uint8_t vcpu, uint32_t index)
{
	struct step *s = fx_add(STEP_RDMSR, vcpu);

	s->g.rcx = index;
	s->g.rax = RAX0;
	s->g.rdx = RDX0;
	return P.nsteps - 1;
}

static inline int fx_rd(uint32_t index)
{
	return fx_rd_on(0, index);
}

/* EDX:EAX = value, with garbage in the upper halves. */
static inline int fx_wr_on(uint8_t vcpu, uint32_t index, uint64_t value)
{
	struct step *s = fx_add(STEP_WRMSR, vcpu);

	s->g.rcx = index;
	s->g.rax = 0x5555555500000000ull | (uint32_t)value;
	s->g.rdx = 0x6666666600000000ull | (value >> 32);
	return P.nsteps - 1;
}

static inline int fx_wr(uint32_t index, uint64_t value)
{
	return fx_wr_on(0, index, value);
}

static inline int fx_host_on(uint8_t kind, uint8_t vcpu, uint8_t target, uint64_t arg)
{
	struct step *s = fx_add(kind, vcpu);

	s->h.target = target;
	s->h.arg = arg;
	return P.nsteps - 1;
}

static inline int fx_host(uint8_t kind, uint64_t arg)
{
	return fx_host_on(kind, 0, TARGET_DEFAULT, arg);
}

/* GET/SET_MSRS on vCPU 0 with nmsrs entries from a list of (index, value) pairs. */
static inline int fx_msrs(uint8_t kind, uint16_t nmsrs, unsigned nlist, const uint32_t *idx,
			  const uint64_t *val)
{
	int i = fx_host(kind, 0);

	P.steps[i].h.nmsrs = nmsrs;
	P.steps[i].h.nlist = (uint8_t)nlist;
	for (unsigned k = 0; k < nlist; k++) {
		P.steps[i].h.list[k].index = idx[k];
		P.steps[i].h.list[k].value = val ? val[k] : 0x7700 + k;
	}
	return i;
}

static inline int fx_filter(uint32_t flags)
{
	struct prog_filter *f = &P.filters[P.nfilters];

	if (P.nfilters >= PROG_MAX_FILTERS) {
		fprintf(stderr, "fixture: too many filters\n");
		abort();
	}
	memset(f, 0, sizeof(*f));
	f->flags = flags;
	return P.nfilters++;
}

static inline void fx_range(int fnum, uint32_t flags, uint32_t base, uint32_t nmsrs,
			    uint64_t pattern)
{
	struct prog_filter *f = &P.filters[fnum];
	struct prog_range *r;

	if (f->nranges >= PROG_MAX_RANGES) {
		fprintf(stderr, "fixture: too many ranges\n");
		abort();
	}
	r = &f->ranges[f->nranges++];

	r->flags = flags;
	r->base = base;
	r->nmsrs = nmsrs;
	r->pattern = pattern;
}

static inline void predict(void)
{
	memset(&E, 0x5a, sizeof(E)); /* the oracle must fill everything it uses */
	oracle_predict(&P, &F, &E);
}

static inline const char *fx_reason(uint32_t r)
{
	return r == REASON_INVAL   ? "INVAL" :
	       r == REASON_UNKNOWN ? "UNKNOWN" :
	       r == REASON_FILTER  ? "FILTER" :
				     "?";
}

/* "gp", "ok *", "ok <rax>:<rdx>", prefixed by "exit <REASON> <data> -> " for an exit. */
static inline void fx_alt_str(const struct step *s, const struct guest_alt *a, char *buf, size_t n)
{
	bool same = a->rax == s->g.rax && a->rdx == s->g.rdx;
	uint32_t kind = s->kind == STEP_RDMSR ? EXIT_REASON_RDMSR : EXIT_REASON_WRMSR;
	char res[64];

	if (a->ud)
		snprintf(res, sizeof(res), "ud%s", same ? "" : " BADREGS");
	else if (a->gp || step_is_write(s->kind))
		snprintf(res, sizeof(res), "%s%s", a->gp ? "gp" : "ok", same ? "" : " BADREGS");
	else if (a->data_any)
		snprintf(res, sizeof(res), "ok *");
	else
		snprintf(res, sizeof(res), "ok %llx:%llx", (unsigned long long)a->rax,
			 (unsigned long long)a->rdx);
	if (a->exit)
		snprintf(buf, n, "exit%s %s %llx -> %s", a->exit == kind ? "" : " BADKIND",
			 fx_reason(a->reason), (unsigned long long)a->exit_data, res);
	else
		snprintf(buf, n, "%s", res);
}

static inline int fx_strcmp(const void *a, const void *b)
{
	return strcmp((const char *)a, (const char *)b);
}

/* The alternatives of guest step i, sorted, duplicates removed, joined by " | ". */
static inline const char *fx_alts(int i)
{
	static char out[512];
	char s[MAX_ALTS][96];
	unsigned n = E.g[i].nalt;

	out[0] = 0;
	if (n > MAX_ALTS)
		return "BAD-NALT";
	for (unsigned k = 0; k < n; k++)
		fx_alt_str(&P.steps[i], &E.g[i].alt[k], s[k], sizeof(s[k]));
	qsort(s, n, sizeof(s[0]), fx_strcmp);
	for (unsigned k = 0; k < n; k++) {
		if (k && !strcmp(s[k], s[k - 1]))
			continue;
		if (out[0])
			strcat(out, " | ");
		strcat(out, s[k]);
	}
	return out;
}

static inline const char *fx_errno(int err)
{
	switch (err) {
	case EINVAL:
		return "EINVAL";
	case E2BIG:
		return "E2BIG";
	case ENOTTY:
		return "ENOTTY";
	case EFAULT:
		return "EFAULT";
	case EINTR:
		return "EINTR";
	default:
		return "E?";
	}
}

/* "ret <n>", "ret -1 <errno>" or "ret *", then the values ("*" for any). */
static inline const char *fx_host_str(int i)
{
	static char out[256];
	const struct host_exp *h = &E.h[i];
	size_t len;

	if (h->ret_any)
		snprintf(out, sizeof(out), "ret *");
	else if (h->ret < 0)
		snprintf(out, sizeof(out), "ret %ld %s", h->ret, fx_errno(h->err));
	else
		snprintf(out, sizeof(out), "ret %ld", h->ret);
	for (unsigned k = 0; k < h->nvals && k < PROG_MAX_HOST_MSRS; k++) {
		len = strlen(out);
		if (h->val_any & (1u << k))
			snprintf(out + len, sizeof(out) - len, " *");
		else
			snprintf(out + len, sizeof(out) - len, " %llx",
				 (unsigned long long)h->vals[k]);
	}
	return out;
}

/* The bytes of the access: RDMSR/WRMSR 2, WRMSRNS 3, and the forced-emulation prefix 5. */
static inline int fx_insn_len(int i)
{
	return (P.steps[i].kind == STEP_WRMSRNS ? 3 : 2) + (P.steps[i].g.fep ? PROG_FEP_LEN : 0);
}

#define CHECK_ALTS(i, want)                                                                       \
	do {                                                                                      \
		const char *got_ = fx_alts(i);                                                    \
		CHECK(!strcmp(got_, want), "step %d: got '%s', want '%s'", (int)(i), got_, want); \
		CHECK_EQ(E.g[i].rip_after, fx_insn_len(i));                                       \
	} while (0)

#define CHECK_HOST(i, want)                                                                       \
	do {                                                                                      \
		const char *got_ = fx_host_str(i);                                                \
		CHECK(!strcmp(got_, want), "step %d: got '%s', want '%s'", (int)(i), got_, want); \
	} while (0)

#endif
