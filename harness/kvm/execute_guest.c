/*
 * execute_guest.c - one batch of guest accesses on one vCPU: load it, answer its exits, read results.
 *
 * The guest code (guest_code.c) leaves each access's results in one of three
 * places, and this file knows which: in the next slot (the kernel completed
 * it), in R8-R10 at the vCPU's next exit (it exited; the host steered it
 * past the slot swap), or in the registers and the exception frame (it
 * faulted, or ran on into its pad). Every exit is one KVM_RUN: registers
 * come and go through the synced registers (KVM_CAP_SYNC_REGS).
 */
#include <errno.h>
#include <linux/kvm.h>
#include <string.h>
#include <sys/ioctl.h>

#include "execute_guest.h"
#include "execute_host.h"
#include "guest_code.h"
#include "inject_deep.h"

/* Vectors for which the CPU pushes an error code. */
#define VECTORS_WITH_ERROR_CODE                                                                    \
	((1u << 8) | (1u << 10) | (1u << 11) | (1u << 12) | (1u << 13) | (1u << 14) | (1u << 17) | \
	 (1u << 21) | (1u << 29) | (1u << 30))

/* This exit's registers: the synced copy, or one more ioctl where the kernel has none. */
static struct kvm_regs *regs_get(struct vcpu *vc)
{
	struct kvm_regs *r = &vc->run->s.regs.regs;

	if (!(vc->run->kvm_valid_regs & KVM_SYNC_X86_REGS) && ioctl(vc->fd, KVM_GET_REGS, r) < 0)
		memset(r, 0xff, sizeof(*r)); /* reported as wrong values, never hidden */
	return r;
}

/*
 * Registers for the next KVM_RUN: with it, through the synced copy, or by
 * ioctl. 0, or -errno with kvm_last_error() naming KVM_SET_REGS.
 */
static int regs_put(struct vcpu *vc, struct kvm_regs *r)
{
	char args[16];

	if (vc->run->kvm_valid_regs & KVM_SYNC_X86_REGS) {
		if (r != &vc->run->s.regs.regs)
			vc->run->s.regs.regs = *r;
		vc->run->kvm_dirty_regs |= KVM_SYNC_X86_REGS;
		return 0;
	}
	snprintf(args, sizeof(args), "vcpu %d", vc->id);
	return KVM_IOCTL(vc->fd, KVM_SET_REGS, r, args);
}

static uint64_t area_gpa(const struct vcpu *vc)
{
	return GUEST_VCPU_AREA(vc->id);
}

/* Access k's operands into R8-R10, for its after_exit entry (the end takes none). */
static void hand_operands(const struct vcpu *vc, const struct program *p, int k, struct kvm_regs *r)
{
	if (k < vc->code.n) {
		const struct guest_step *g = &p->steps[vc->seg_start + k].g;

		r->r8 = g->rax;
		r->r9 = g->rdx;
		r->r10 = g->rcx;
	}
}

/* Access k (k < n) or the end (k == n) goes next, from its after_exit entry. */
static void go_on_at(struct vcpu *vc, const struct program *p, int k, struct kvm_regs *r)
{
	r->rip = vc->code.access[k].after_exit;
	r->rsp = area_gpa(vc) + AREA_STACK_TOP;
	r->rflags = 0x2;
	r->rsi = STUB_RSI_CANARY;
	hand_operands(vc, p, k, r);
}

int batch_load(struct vm *vm, struct vcpu *vc, const struct program *p, int start, int end,
	       const struct exec_opts *o, struct trace *t)
{
	struct kvm_regs r = { 0 };

	if (guest_code_write(vc->area, area_gpa(vc), p, start, end, &vc->code)) {
		exec_abort(t, start, "a batch of %d guest steps does not fit the code area",
			   end - start);
		return -1;
	}
	if (o->inject == INJECT_HANG)
		for (int k = 0; k < vc->code.n; k++)
			if (!vc->code.access[k].long_form)
				guest_code_set_landing(vm->mem, &vc->code, k, LANDING_HANG);
	vc->seg_start = start;
	vc->seg_end = end;
	vc->next = 0;
	vc->exited = -1;
	vc->exited_in_regs = false;
	vc->last_insn = vc->code.access[end - start - 1].site;
	go_on_at(vc, p, 0, &r);
	if (regs_put(vc, &r)) {
		exec_abort(t, start, "%s", kvm_last_error());
		return -1;
	}
	return 0;
}

int batch_current_step(const struct vcpu *vc)
{
	int k = vc->next < vc->code.n ? vc->next : vc->code.n - 1;

	return vc->seg_start + (k < 0 ? 0 : k);
}

static void observe_landed(const struct access_code *a, uint64_t rax, uint64_t rdx, uint64_t rcx,
			   uint64_t rsi, struct guest_obs *o)
{
	o->ran = true;
	o->faulted = false;
	o->vector = 0;
	o->error_code = 0;
	o->rip = (int64_t)(a->end - a->site);
	o->rax = rax;
	o->rdx = rdx;
	o->rcx = rcx;
	o->stray = rsi != STUB_RSI_CANARY;
}

/*
 * Every access before `upto` whose outcome is still open went on exactly
 * past its bytes: the one that exited left its results in R8-R10 (or, as the
 * batch's last, in RAX, RDX, RCX), the others in the following slot.
 */
static void settle(struct vm *vm, struct vcpu *vc, int upto, const struct kvm_regs *r,
		   struct trace *t)
{
	const struct code_slot *slot = (const struct code_slot *)(vm->mem + vc->code.slots);

	for (int k = vc->next; k < upto; k++) {
		const struct access_code *a = &vc->code.access[k];
		struct guest_obs *o = &t->g[vc->seg_start + k];

		if (k == vc->exited && vc->exited_in_regs && k + 1 == vc->code.n)
			observe_landed(a, r->rax, r->rdx, r->rcx, r->rsi, o);
		else if (k == vc->exited && vc->exited_in_regs)
			observe_landed(a, r->r8, r->r9, r->r10, r->rsi, o);
		else
			observe_landed(a, slot[k + 1].rax, slot[k + 1].rdx, slot[k + 1].rcx,
				       a->long_form ? slot[k + 1].rsi : STUB_RSI_CANARY, o);
	}
	if (upto > vc->next)
		vc->next = upto;
	if (vc->exited < vc->next)
		vc->exited = -1;
}

static void scribble(struct kvm_run *run, int is_write)
{
	run->exit_reason = 0x5a5a5a5a;
	run->msr.reason = 0xa5a5a5a5;
	run->msr.index = ~run->msr.index;
	memset(run->msr.pad, 0xcc, sizeof(run->msr.pad));
	if (is_write)
		run->msr.data = ~run->msr.data;
}

static bool pad_dirty(const struct kvm_run *run)
{
	for (unsigned i = 0; i < sizeof(run->msr.pad); i++)
		if (run->msr.pad[i])
			return true;
	return false;
}

/* A kernel that skips one byte too many, simulated: complete now, then move RIP on by one. */
static void inject_skip(struct vcpu *vc)
{
	struct kvm_regs regs;

	__vcpu_run_immediate_exit(vc);
	if (ioctl(vc->fd, KVM_GET_REGS, &regs) == 0) {
		regs.rip++;
		ioctl(vc->fd, KVM_SET_REGS, &regs);
	}
}

static void record_exit(const struct kvm_run *run, const struct access_code *a, uint64_t rip,
			struct guest_obs *o)
{
	o->exited = true;
	o->exit_reason = run->exit_reason;
	o->exit_error = run->msr.error;
	o->exit_pad_dirty = pad_dirty(run);
	o->reason = run->msr.reason;
	o->index = run->msr.index;
	o->data = run->msr.data;
	o->exit_rip = (int64_t)(rip - a->site);
}

static void reply(struct kvm_run *run, const struct guest_step *g, const struct exec_opts *o)
{
	if (!(g->reply_flags & REPLY_UNTOUCHED)) {
		run->msr.error = g->reply_error ^ (o->inject == INJECT_REPLY_ERROR);
		if (run->exit_reason == KVM_EXIT_X86_RDMSR)
			run->msr.data = g->reply_data ^ (o->inject == INJECT_REPLY_DATA);
	}
	if (g->reply_flags & REPLY_SCRIBBLE)
		scribble(run, run->exit_reason == KVM_EXIT_X86_WRMSR);
}

/*
 * After the exit is answered, steer the access past the next slot swap and
 * hand the next access its operands in R8-R10, so that the exit path runs
 * three register swaps and no memory access. Not for an access behind the
 * forced-emulation prefix: the emulator's completion keeps its own copy of
 * the registers, which a register write while it is pending would disturb.
 */
static int steer_past_swap(struct vm *vm, struct vcpu *vc, const struct program *p, int k,
			   const struct exec_opts *o, struct kvm_regs *r)
{
	vc->exited = k;
	vc->exited_in_regs = false;
	if (p->steps[vc->seg_start + k].g.fep)
		return 0;
	if (o->inject != INJECT_HANG)
		guest_code_set_landing(vm->mem, &vc->code, k, LANDING_AFTER_EXIT);
	hand_operands(vc, p, k + 1, r);
	r->rsi = STUB_RSI_CANARY;
	vc->exited_in_regs = true;
	return regs_put(vc, r);
}

static enum batch_result on_msr_exit(struct vm *vm, struct vcpu *vc, const struct program *p,
				     const struct exec_opts *o, struct trace *t)
{
	struct kvm_run *run = vc->run;
	struct kvm_regs *r = regs_get(vc);
	int k = guest_code_find(&vc->code, vc->next, r->rip), n;

	if (k < 0) {
		exec_abort(t, batch_current_step(vc),
			   "MSR exit (index 0x%x) at RIP 0x%llx, outside the batch's accesses",
			   run->msr.index, (unsigned long long)r->rip);
		return RUN_ABORT;
	}
	n = vc->seg_start + k;
	if (t->g[n].exited) {
		exec_abort(t, n, "a second MSR exit for one access (index 0x%x)", run->msr.index);
		return RUN_ABORT;
	}
	settle(vm, vc, k, r, t);
	record_exit(run, &vc->code.access[k], r->rip, &t->g[n]);
	reply(run, &p->steps[n].g, o);
	inject_deep_reply(run, p, n, t);
	if (steer_past_swap(vm, vc, p, k, o, r)) {
		exec_abort(t, n, "%s", kvm_last_error());
		return RUN_ABORT;
	}
	if (o->inject == INJECT_SKIP)
		inject_skip(vc);
	if ((p->steps[n].g.reply_flags & REPLY_HOLD) && n == vc->seg_end - 1 && n + 1 < p->nsteps &&
	    !step_is_guest(p->steps[n + 1].kind))
		return RUN_HELD;
	return RUN_GO_ON;
}

/* The frame the CPU pushed for the exception, from the stack RSP points at. */
static int read_frame(const struct vm *vm, unsigned vector, uint64_t rsp, uint64_t *rip,
		      uint32_t *error_code)
{
	bool has_code = vector < 32 && (VECTORS_WITH_ERROR_CODE >> vector & 1);
	uint64_t q[2];

	if (rsp > GUEST_MEM_SIZE - sizeof(q) || rsp % 8)
		return -1;
	memcpy(q, vm->mem + rsp, sizeof(q));
	*error_code = has_code ? (uint32_t)q[0] : 0;
	*rip = has_code ? q[1] : q[0];
	return 0;
}

static void observe_exception(const struct access_code *a, unsigned vector, uint64_t rip,
			      uint32_t error_code, const struct kvm_regs *r, struct guest_obs *o)
{
	observe_landed(a, r->rax, r->rdx, r->rcx, r->rsi, o);
	o->vector = (uint8_t)vector;
	o->error_code = error_code;
	o->rip = (int64_t)(rip - a->site);
	/* #UD in the pad: execution went on, and that is where */
	o->faulted = !(vector == VEC_UD && rip >= a->end && rip < a->end + 2 + LANDING_PAD);
}

static enum batch_result on_exception(struct vm *vm, struct vcpu *vc, const struct program *p,
				      unsigned vector, struct trace *t)
{
	struct kvm_regs *r = regs_get(vc);
	uint64_t rip;
	uint32_t code;
	int k;

	if (read_frame(vm, vector, r->rsp, &rip, &code)) {
		exec_abort(t, batch_current_step(vc), "exception vector %u with RSP 0x%llx", vector,
			   (unsigned long long)r->rsp);
		return RUN_ABORT;
	}
	k = guest_code_find(&vc->code, vc->next, rip);
	if (k < 0) {
		exec_abort(t, batch_current_step(vc),
			   "exception vector %u at RIP 0x%llx, outside the batch's accesses",
			   vector, (unsigned long long)rip);
		return RUN_ABORT;
	}
	if (k == vc->exited)
		vc->exited = -1; /* the access that exited faulted: its results are here */
	settle(vm, vc, k, r, t);
	observe_exception(&vc->code.access[k], vector, rip, code, r, &t->g[vc->seg_start + k]);
	vc->next = k + 1;
	vc->exited = -1;
	go_on_at(vc, p, k + 1, r);
	if (regs_put(vc, r)) {
		exec_abort(t, vc->seg_start + k, "%s", kvm_last_error());
		return RUN_ABORT;
	}
	return RUN_GO_ON;
}

static enum batch_result on_io_exit(struct vm *vm, struct vcpu *vc, const struct program *p,
				    struct trace *t)
{
	struct kvm_run *run = vc->run;
	uint16_t port = run->io.port;

	if (run->io.direction == KVM_EXIT_IO_OUT && port == PORT_BATCH_DONE) {
		settle(vm, vc, vc->code.n, regs_get(vc), t);
		return RUN_DONE;
	}
	if (run->io.direction == KVM_EXIT_IO_OUT && port >= PORT_EXCEPTION_BASE &&
	    port < PORT_EXCEPTION_BASE + STUB_NR_VECTORS)
		return on_exception(vm, vc, p, port - PORT_EXCEPTION_BASE, t);
	exec_abort(t, batch_current_step(vc), "unexpected I/O exit, port 0x%x", port);
	return RUN_ABORT;
}

/*
 * The access an exit that stops the run belongs to, found by its RIP: the
 * accesses before it completed in the kernel and their results are in their
 * slots, so they are recorded, and the abort is not blamed on an earlier one.
 */
static int stopped_at(struct vm *vm, struct vcpu *vc, struct trace *t)
{
	const struct kvm_regs *r = regs_get(vc);
	int k = guest_code_find(&vc->code, vc->next, r->rip);

	if (k < 0)
		return batch_current_step(vc);
	settle(vm, vc, k, r, t);
	return vc->seg_start + k;
}

enum batch_result batch_on_exit(struct vm *vm, struct vcpu *vc, const struct program *p,
				const struct exec_opts *o, struct trace *t)
{
	struct kvm_run *run = vc->run;
	int n;

	switch (run->exit_reason) {
	case KVM_EXIT_X86_RDMSR:
	case KVM_EXIT_X86_WRMSR:
		return on_msr_exit(vm, vc, p, o, t);
	case KVM_EXIT_IO:
		return on_io_exit(vm, vc, p, t);
	}
	n = stopped_at(vm, vc, t);
	switch (run->exit_reason) {
	case KVM_EXIT_INTERNAL_ERROR:
		exec_abort(t, n, "KVM_EXIT_INTERNAL_ERROR suberror %u (data 0x%llx 0x%llx)",
			   run->internal.suberror, (unsigned long long)run->internal.data[0],
			   (unsigned long long)run->internal.data[1]);
		return RUN_ABORT;
	case KVM_EXIT_FAIL_ENTRY:
		exec_abort(t, n, "KVM_EXIT_FAIL_ENTRY hardware reason 0x%llx",
			   (unsigned long long)run->fail_entry.hardware_entry_failure_reason);
		return RUN_ABORT;
	default:
		exec_abort(t, n, "unexpected exit reason %u", run->exit_reason);
		return RUN_ABORT;
	}
}
