/* oracle_host.c - the reference model, host half: mask, filter, KVM_GET/SET_MSRS, regs, events. */
#include <errno.h>
#include <string.h>

#include "kvm_abi.h"
#include "oracle_int.h"

/*
 * Decisions where docs/spec.md is silent (the executor must agree):
 * - A filter number that names no filter (>= nfilters, not HOST_FILTER_NONE)
 *   is the empty filter, like HOST_FILTER_NONE: it clears the filter.
 * - KVM_GET_MSRS on /dev/kvm reads feature MSRs: ret and values are any.
 *   KVM_SET_MSRS on /dev/kvm: ret any.
 * - A host read of a table MSR the probe could not read (host_read_ok false)
 *   fails; an index outside the table makes the rest of the call unknowable.
 * - GET/SET_MSRS with nmsrs > 0 but an empty list: ret and values any.
 * - GET_REGS, GET_EVENTS and immediate exit sent to a non-vCPU fd: ret any;
 *   a held exit is then unsure (we do not know what the executor did).
 * - KVM_CHECK_EXTENSION on a vCPU fd: ret any.
 * - A host_target outside the enum, or a kind number no step kind has: ret
 *   any, no state change.
 */

static bool on_vm(const struct step *s)
{
	return step_fd(s) == STEP_FD_VM;
}

static bool on_vcpu(const struct step *s)
{
	return step_fd(s) == STEP_FD_VCPU;
}

static void set_err(struct host_exp *h, int err)
{
	h->ret = -1;
	h->err = err;
}

static void set_any(struct host_exp *h, unsigned nvals)
{
	h->ret_any = true;
	h->nvals = (uint8_t)nvals;
	h->val_any = (uint8_t)((1u << nvals) - 1);
}

void step_predict_mask(struct oracle_state *st, const struct step *s, struct host_exp *h)
{
	const struct host_step *hs = &s->h;

	if (!on_vm(s) || hs->flags || (hs->arg & ~(uint64_t)REASON_VALID_MASK)) {
		set_err(h, EINVAL);
		return;
	}
	st->mask = hs->arg;
}

void step_predict_filter(struct oracle_state *st, const struct step *s, struct host_exp *h)
{
	const struct host_step *hs = &s->h;
	unsigned nf = st->p->nfilters < PROG_MAX_FILTERS ? st->p->nfilters : PROG_MAX_FILTERS;
	int fnum = hs->arg < nf ? (int)hs->arg : -1;
	int err;

	if (!on_vm(s)) {
		set_err(h, EINVAL);
		return;
	}
	err = fnum >= 0 ? oracle_filter_check(&st->p->filters[fnum]) : 0;
	if (err) {
		set_err(h, err); /* the old filter stays */
		return;
	}
	/* DEFAULT_ALLOW without ranges also means "no filter": matching allows all */
	st->filter = fnum;
}

enum entry_result {
	ENTRY_OK,
	ENTRY_FAIL,
	ENTRY_UNSURE,
};

/* A host read that succeeds: one value, or any if the model allows several. */
static int read_entry(struct oracle_state *st, unsigned v, int pos, uint64_t *val, bool *any)
{
	uint64_t vals[MODEL_MAX_VALS];

	*any = oracle_model_read(st, v, pos, vals) != 1;
	*val = vals[0];
	return ENTRY_OK;
}

/* x2APIC MSRs follow the APIC mode, not the probe (lapic.c kvm_x2apic_msr_read). */
static int get_entry(struct oracle_state *st, unsigned v, uint32_t index, uint64_t *val, bool *any)
{
	int pos = oracle_table_pos(index);
	struct rule_ctx c;

	if (pos < 0)
		return ENTRY_UNSURE;
	if (msr_table[pos].support == SUPPORT_NEVER) {
		if (!st->f->ignore_msrs)
			return ENTRY_FAIL;
		*val = 0;
		return ENTRY_OK;
	}
	if (oracle_is_x2apic_msr(pos)) {
		enum x2apic_state mode = oracle_x2apic_mode(st, v);

		if (mode != X2APIC_ON)
			return mode == X2APIC_OFF ? ENTRY_FAIL : ENTRY_UNSURE;
	} else if (!st->f->msr[pos].host_read_ok) {
		return ENTRY_FAIL;
	}
	oracle_rule_ctx(st, v, true, &c);
	if (msr_rule_read(&msr_table[pos], &c) != WRITE_OK)
		return ENTRY_FAIL; /* write-only x2APIC registers */
	return read_entry(st, v, pos, val, any);
}

static int set_entry(struct oracle_state *st, unsigned v, const struct host_msr *m)
{
	int pos = oracle_table_pos(m->index);

	if (pos < 0)
		return ENTRY_UNSURE;
	if (msr_table[pos].support == SUPPORT_NEVER)
		return st->f->ignore_msrs ? ENTRY_OK : ENTRY_FAIL;
	if (oracle_is_x2apic_msr(pos) ? oracle_x2apic_mode(st, v) != X2APIC_ON :
					oracle_probed_unsupported(st->f, pos))
		return ENTRY_UNSURE;
	switch (oracle_write_class(st, v, pos, m->value, true)) {
	case WRITE_OK:
		oracle_model_write(st, v, pos, m->value, true);
		return ENTRY_OK;
	case WRITE_INVAL:
		return ENTRY_FAIL;
	case WRITE_UNKNOWN:
		return st->f->ignore_msrs ? ENTRY_OK : ENTRY_FAIL;
	default:
		return ENTRY_UNSURE;
	}
}

static void record_val(struct host_exp *h, unsigned k, uint64_t val, bool any)
{
	if (k >= h->nvals)
		return;
	h->vals[k] = val;
	if (any)
		h->val_any |= (uint8_t)(1u << k);
}

/* GET stopped at entry k: its data is zeroed since 6.12; later entries are not touched. */
static void get_failed_tail(struct oracle_state *st, const struct host_step *hs, struct host_exp *h,
			    unsigned nl, unsigned k)
{
	bool zeroed = kernel_at_least(st->f, 6, 12);

	if (k < h->nvals)
		st->notes |= zeroed ? NOTE_FAILED_READ_ZERO : NOTE_FAILED_READ_STALE;
	record_val(h, k, 0, !zeroed);
	for (unsigned j = k + 1; j < h->nvals; j++)
		record_val(h, j, hs->list[j % nl].value, false);
}

/* SET became unsure at entry k: any later entry may have been written. */
static void set_unsure_tail(struct oracle_state *st, const struct host_step *hs, unsigned v,
			    unsigned nl, unsigned k)
{
	for (unsigned j = k; j < hs->nmsrs; j++)
		oracle_model_forget(st, v, oracle_table_pos(hs->list[j % nl].index));
}

static void walk_msrs(struct oracle_state *st, const struct step *s, struct host_exp *h, bool get)
{
	const struct host_step *hs = &s->h;
	unsigned nl = hs->nlist < PROG_MAX_HOST_MSRS ? hs->nlist : PROG_MAX_HOST_MSRS;
	unsigned v = step_vcpu(s);

	h->ret = hs->nmsrs;
	for (unsigned k = 0; k < hs->nmsrs; k++) {
		const struct host_msr *m = &hs->list[k % nl];
		uint64_t val = 0;
		bool any = false;
		int r = get ? get_entry(st, v, m->index, &val, &any) : set_entry(st, v, m);

		if (r == ENTRY_OK) {
			if (get)
				record_val(h, k, val, any);
			continue;
		}
		if (r == ENTRY_FAIL) {
			h->ret = k;
			if (get)
				get_failed_tail(st, hs, h, nl, k);
			return;
		}
		h->ret_any = true;
		if (get && k < h->nvals)
			h->val_any |= (uint8_t)(((1u << h->nvals) - 1) & ~((1u << k) - 1));
		else if (!get)
			set_unsure_tail(st, hs, v, nl, k);
		return;
	}
}

static void forget_all(struct oracle_state *st, unsigned v)
{
	for (unsigned pos = 0; pos < ORACLE_MAX_MSRS; pos++)
		oracle_model_forget(st, v, (int)pos);
}

static void host_msrs(struct oracle_state *st, const struct step *s, struct host_exp *h, bool get)
{
	const struct host_step *hs = &s->h;
	unsigned nvals = hs->nmsrs < PROG_MAX_HOST_MSRS ? hs->nmsrs : PROG_MAX_HOST_MSRS;

	if (on_vm(s)) {
		set_err(h, ENOTTY);
		return;
	}
	if (step_fd(s) == STEP_FD_SYSTEM && !get) {
		set_any(h, 0);
		return;
	}
	if (hs->nmsrs >= MAX_IO_MSRS) {
		set_err(h, E2BIG);
		return;
	}
	if (!get)
		nvals = 0;
	if (step_fd(s) == STEP_FD_SYSTEM || (hs->nmsrs && !hs->nlist)) {
		set_any(h, nvals);
		if (!get && step_fd(s) != STEP_FD_SYSTEM)
			forget_all(st, step_vcpu(s));
		return;
	}
	h->nvals = (uint8_t)nvals;
	walk_msrs(st, s, h, get);
}

void step_predict_get_msrs(struct oracle_state *st, const struct step *s, struct host_exp *h)
{
	host_msrs(st, s, h, true);
}

void step_predict_set_msrs(struct oracle_state *st, const struct step *s, struct host_exp *h)
{
	host_msrs(st, s, h, false);
}

static bool held_here(const struct oracle_state *st, const struct step *s)
{
	return st->hold.state != HOLD_NONE && st->hold.vcpu == step_vcpu(s);
}

void step_predict_immediate_exit(struct oracle_state *st, const struct step *s, struct host_exp *h)
{
	if (!on_vcpu(s)) {
		set_any(h, 0);
		if (st->hold.state != HOLD_NONE)
			st->hold.state = HOLD_UNSURE;
		return;
	}
	set_err(h, EINTR); /* completes a pending exit, never runs the guest */
	if (held_here(st, s) && st->hold.state == HOLD_PENDING)
		st->hold.state = HOLD_DONE;
}

static void set_vals3(struct host_exp *h, uint64_t a, uint64_t b, uint64_t c)
{
	h->vals[0] = a;
	h->vals[1] = b;
	h->vals[2] = c;
	h->val_any = 0;
}

/* {RIP relative to the held instruction, RAX, RDX}; any when nothing is held. */
void step_predict_get_regs(struct oracle_state *st, const struct step *s, struct host_exp *h)
{
	const struct held_exit *he = &st->hold;

	if (!on_vcpu(s)) {
		set_any(h, 0);
		return;
	}
	set_any(h, 3);
	h->ret_any = false;
	if (!held_here(st, s))
		return;
	if (he->state == HOLD_PENDING || (he->state == HOLD_DONE && he->error))
		set_vals3(h, 0, he->rax, he->rdx);
	else if (he->state == HOLD_DONE)
		set_vals3(h, he->len, he->done_rax, he->done_rdx);
}

/* {exception pending or injected, vector, has error code, error code}. */
void step_predict_get_events(struct oracle_state *st, const struct step *s, struct host_exp *h)
{
	const struct held_exit *he = &st->hold;

	if (!on_vcpu(s)) {
		set_any(h, 0);
		return;
	}
	set_any(h, 4);
	h->ret_any = false;
	if (held_here(st, s) && he->state == HOLD_UNSURE)
		return;
	h->val_any = 0xe;
	if (held_here(st, s) && he->state == HOLD_DONE && he->error) {
		h->vals[0] = 1;
		h->vals[1] = VEC_GP;
		h->vals[2] = 1;
		h->vals[3] = 0;
		h->val_any = 0;
	}
}

void step_predict_check_cap(struct oracle_state *st, const struct step *s, struct host_exp *h)
{
	const struct host_step *hs = &s->h;

	(void)st;
	if (on_vcpu(s) || (hs->arg != CAP_USER_SPACE_MSR && hs->arg != CAP_MSR_FILTER)) {
		set_any(h, 0);
		return;
	}
	h->ret = 1;
}

void oracle_predict_host(struct oracle_state *st, const struct step *s, struct host_exp *h)
{
	const struct step_kind_desc *d = step_kind_desc(s->kind);

	memset(h, 0, sizeof(*h));
	if (s->h.target > TARGET_SYSTEM || !d) {
		set_any(h, 0);
		return;
	}
	d->predict.host(st, s, h);
}
