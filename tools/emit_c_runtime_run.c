/*
 * emit_c_runtime_run.c - the fixed part of every C reproducer: guest batches and the checks.
 *
 * Copied verbatim into each reproducer by tools/emit_c.c (see emit_c_runtime.h);
 * as harness/kvm/execute.c, execute_guest.c and harness/model/compare.c.
 */

/* ---- one batch of guest code on one vCPU (harness/kvm/execute_guest.c) ---- */

enum batch_result {
	RUN_DONE,
	RUN_HELD,
	RUN_GO_ON
};

static struct kvm_regs *regs_get(struct vcpu *vc)
{
	struct kvm_regs *r = &vc->run->s.regs.regs;

	if (!(vc->run->kvm_valid_regs & KVM_SYNC_X86_REGS) && ioctl(vc->fd, KVM_GET_REGS, r) < 0)
		memset(r, 0xff, sizeof(*r));
	return r;
}

/* Registers for the next KVM_RUN: through the synced copy, or by ioctl. */
static int regs_put(struct vcpu *vc, const struct kvm_regs *r)
{
	if (vc->run->kvm_valid_regs & KVM_SYNC_X86_REGS) {
		if (r != &vc->run->s.regs.regs)
			vc->run->s.regs.regs = *r;
		vc->run->kvm_dirty_regs |= KVM_SYNC_X86_REGS;
		return 0;
	}
	return ioctl(vc->fd, KVM_SET_REGS, r);
}

static uint64_t area_gpa(const struct vcpu *vc)
{
	return GUEST_VCPU_AREA(vc->id);
}

/* Access k's operands into R8-R10, for its after_exit entry (the end takes none). */
static void hand_operands(const struct vcpu *vc, int k, struct kvm_regs *r)
{
	if (k < vc->b->n) {
		r->r8 = vc->b->access[k].rax;
		r->r9 = vc->b->access[k].rdx;
		r->r10 = vc->b->access[k].rcx;
	}
}

static void go_on_at(struct vcpu *vc, int k, struct kvm_regs *r)
{
	r->rip = vc->b->access[k].after_exit;
	r->rsp = area_gpa(vc) + AREA_STACK_TOP;
	r->rflags = 0x2;
	r->rsi = STUB_RSI_CANARY;
	hand_operands(vc, k, r);
}

static int find_access(const struct vcpu *vc, uint64_t rip)
{
	for (int k = vc->next < 0 ? 0 : vc->next; k < vc->b->n; k++)
		if (rip >= vc->b->access[k].site && rip < vc->b->access[k].limit)
			return k;
	return -1;
}

static int current_op(const struct vcpu *vc)
{
	int k = vc->next < vc->b->n ? vc->next : vc->b->n - 1;

	return vc->b->first + (k < 0 ? 0 : k);
}

static void observe_landed(const struct access *a, uint64_t rax, uint64_t rdx, uint64_t rcx,
			   uint64_t rsi, struct guest_obs *o)
{
	o->ran = 1;
	o->faulted = 0;
	o->vector = 0;
	o->error_code = 0;
	o->rip = (int64_t)(a->end - a->site);
	o->rax = rax;
	o->rdx = rdx;
	o->rcx = rcx;
	o->stray = rsi != STUB_RSI_CANARY;
}

struct code_slot {
	uint64_t rax, rdx, rcx, rsi;
};

/* Accesses before upto went on past their bytes: results in R8-R10, RAX.., or the next slot. */
static void settle(struct vm *vm, struct vcpu *vc, int upto, const struct kvm_regs *r)
{
	const struct code_slot *slot =
	    (const struct code_slot *)(vm->mem + area_gpa(vc) + AREA_SLOTS);
	const struct batch *b = vc->b;

	for (int k = vc->next; k < upto; k++) {
		const struct access *a = &b->access[k];
		struct guest_obs *o = &gobs[b->first + k];

		if (k == vc->exited && vc->exited_in_regs && k + 1 == b->n)
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

static void batch_load(struct vm *vm, struct vcpu *vc, const struct batch *b)
{
	uint8_t *area = vm->mem + area_gpa(vc);
	struct kvm_regs r;

	memcpy(area + AREA_CODE, b->code, b->code_len);
	memcpy(area + AREA_SLOTS, b->slots, b->slots_len);
	memcpy(area + AREA_FRAMES, b->frames, b->frames_len);
	vc->b = b;
	vc->next = 0;
	vc->exited = -1;
	vc->exited_in_regs = 0;
	vc->last_insn = b->access[b->n - 1].site;
	memset(&r, 0, sizeof(r));
	go_on_at(vc, 0, &r);
	if (regs_put(vc, &r))
		stop_run(b->first, "KVM_SET_REGS(vcpu %d): %s", vc->id, strerror(errno));
}

static int pad_dirty(const struct kvm_run *run)
{
	for (unsigned i = 0; i < sizeof(run->msr.pad); i++)
		if (run->msr.pad[i])
			return 1;
	return 0;
}

/* The program's reply to the exit, written into kvm_run before the next KVM_RUN. */
static void reply(struct kvm_run *run, const struct access *a)
{
	int is_write = run->exit_reason == KVM_EXIT_X86_WRMSR;

	if (!(a->reply_flags & REPLY_UNTOUCHED)) {
		run->msr.error = a->reply_error;
		if (run->exit_reason == KVM_EXIT_X86_RDMSR)
			run->msr.data = a->reply_data;
	}
	if (a->reply_flags & REPLY_SCRIBBLE) {
		/* garbage in every field the kernel must not read back */
		run->exit_reason = 0x5a5a5a5a;
		run->msr.reason = 0xa5a5a5a5;
		run->msr.index = ~run->msr.index;
		memset(run->msr.pad, 0xcc, sizeof(run->msr.pad));
		if (is_write)
			run->msr.data = ~run->msr.data;
	}
}

/*
 * After the exit is answered, the access is steered past the next slot swap
 * (its landing jump now goes straight to the next access's after_exit) and
 * the next access gets its operands in R8-R10. Not behind the forced
 * emulation prefix: the emulator's completion keeps its own register copy.
 */
static int steer_past_swap(struct vm *vm, struct vcpu *vc, int k, struct kvm_regs *r)
{
	vc->exited = k;
	vc->exited_in_regs = 0;
	if (vc->b->access[k].fep)
		return 0;
	if (vc->b->access[k].landing)
		vm->mem[vc->b->access[k].landing] = LANDING_AFTER_EXIT;
	hand_operands(vc, k + 1, r);
	r->rsi = STUB_RSI_CANARY;
	vc->exited_in_regs = 1;
	return regs_put(vc, r);
}

static enum batch_result on_msr_exit(struct vm *vm, struct vcpu *vc)
{
	struct kvm_run *run = vc->run;
	struct kvm_regs *r = regs_get(vc);
	int k = find_access(vc, r->rip), op;
	struct guest_obs *o;

	if (k < 0)
		stop_run(current_op(vc),
			 "MSR exit (index 0x%x) at RIP 0x%llx, outside the accesses",
			 run->msr.index, (unsigned long long)r->rip);
	op = vc->b->first + k;
	o = &gobs[op];
	if (o->exited)
		stop_run(op, "a second MSR exit (%s, index 0x%x, RIP %+lld) for one access",
			 run->exit_reason == KVM_EXIT_X86_RDMSR ? "RDMSR" : "WRMSR", run->msr.index,
			 (long long)(r->rip - vc->b->access[k].site));
	settle(vm, vc, k, r);
	o->exited = 1;
	o->exit_reason = run->exit_reason;
	o->exit_error = run->msr.error;
	o->exit_pad_dirty = pad_dirty(run);
	o->reason = run->msr.reason;
	o->index = run->msr.index;
	o->data = run->msr.data;
	o->exit_rip = (int64_t)(r->rip - vc->b->access[k].site);
	reply(run, &vc->b->access[k]);
	if (steer_past_swap(vm, vc, k, r))
		stop_run(op, "KVM_SET_REGS(vcpu %d): %s", vc->id, strerror(errno));
	if (vc->b->hold_last && k == vc->b->n - 1)
		return RUN_HELD;
	return RUN_GO_ON;
}

#define VECTORS_WITH_ERROR_CODE                                                                    \
	((1u << 8) | (1u << 10) | (1u << 11) | (1u << 12) | (1u << 13) | (1u << 14) | (1u << 17) | \
	 (1u << 21) | (1u << 29) | (1u << 30))

/* An exception: its handler exited at once; the frame the CPU pushed says where and why. */
static enum batch_result on_exception(struct vm *vm, struct vcpu *vc, unsigned vector)
{
	struct kvm_regs *r = regs_get(vc);
	int has_code = vector < 32 && (VECTORS_WITH_ERROR_CODE >> vector & 1);
	uint64_t q[2], rip;
	const struct access *a;
	struct guest_obs *o;
	int k;

	if (r->rsp > GUEST_MEM_SIZE - sizeof(q) || r->rsp % 8)
		stop_run(current_op(vc), "exception vector %u with RSP 0x%llx", vector,
			 (unsigned long long)r->rsp);
	memcpy(q, vm->mem + r->rsp, sizeof(q));
	rip = has_code ? q[1] : q[0];
	k = find_access(vc, rip);
	if (k < 0)
		stop_run(current_op(vc), "exception vector %u at RIP 0x%llx, outside the accesses",
			 vector, (unsigned long long)rip);
	if (k == vc->exited)
		vc->exited = -1; /* the access that exited faulted: its results are here */
	settle(vm, vc, k, r);
	a = &vc->b->access[k];
	o = &gobs[vc->b->first + k];
	observe_landed(a, r->rax, r->rdx, r->rcx, r->rsi, o);
	o->vector = (uint8_t)vector;
	o->error_code = has_code ? (uint32_t)q[0] : 0;
	o->rip = (int64_t)(rip - a->site);
	/* #UD in the pad: execution went on, and that is where */
	o->faulted = !(vector == 6 && rip >= a->end && rip < a->limit);
	vc->next = k + 1;
	vc->exited = -1;
	go_on_at(vc, k + 1, r);
	if (regs_put(vc, r))
		stop_run(vc->b->first + k, "KVM_SET_REGS(vcpu %d): %s", vc->id, strerror(errno));
	return RUN_GO_ON;
}

static enum batch_result batch_on_exit(struct vm *vm, struct vcpu *vc)
{
	struct kvm_run *run = vc->run;
	int k, op;

	if (run->exit_reason == KVM_EXIT_X86_RDMSR || run->exit_reason == KVM_EXIT_X86_WRMSR)
		return on_msr_exit(vm, vc);
	if (run->exit_reason == KVM_EXIT_IO && run->io.direction == KVM_EXIT_IO_OUT) {
		if (run->io.port == PORT_BATCH_DONE) {
			settle(vm, vc, vc->b->n, regs_get(vc));
			return RUN_DONE;
		}
		if (run->io.port >= PORT_EXCEPTION_BASE &&
		    run->io.port < PORT_EXCEPTION_BASE + STUB_NR_VECTORS)
			return on_exception(vm, vc, run->io.port - PORT_EXCEPTION_BASE);
	}
	/* the access the exit belongs to, by its RIP; the ones before it are settled */
	k = find_access(vc, regs_get(vc)->rip);
	op = current_op(vc);
	if (k >= 0) {
		settle(vm, vc, k, regs_get(vc));
		op = vc->b->first + k;
	}
	if (run->exit_reason == KVM_EXIT_IO)
		stop_run(op, "unexpected I/O exit, port 0x%x", run->io.port);
	if (run->exit_reason == KVM_EXIT_INTERNAL_ERROR)
		stop_run(op, "KVM_EXIT_INTERNAL_ERROR suberror %u (data 0x%llx 0x%llx)",
			 run->internal.suberror, (unsigned long long)run->internal.data[0],
			 (unsigned long long)run->internal.data[1]);
	if (run->exit_reason == KVM_EXIT_FAIL_ENTRY)
		stop_run(op, "KVM_EXIT_FAIL_ENTRY hardware reason 0x%llx",
			 (unsigned long long)run->fail_entry.hardware_entry_failure_reason);
	stop_run(op, "unexpected exit reason %u", run->exit_reason);
	return RUN_DONE;
}

/* A looping guest is stopped by a timer that sets immediate_exit (execute.c's watchdog). */
static struct kvm_run *volatile watched_run;
static volatile sig_atomic_t watchdog_fired;

static void watchdog(int sig)
{
	(void)sig;
	watchdog_fired = 1;
	if (watched_run)
		watched_run->immediate_exit = 1;
}

static void watchdog_arm(struct kvm_run *run, unsigned ms)
{
	struct sigaction sa = { .sa_handler = watchdog };
	struct itimerval it = { .it_value = { ms / 1000, (long)(ms % 1000) * 1000 } };

	sigemptyset(&sa.sa_mask);
	sigaction(SIGALRM, &sa, NULL);
	watched_run = run;
	watchdog_fired = 0;
	if (setitimer(ITIMER_REAL, &it, NULL))
		setup_failed("setitimer");
}

static void watchdog_disarm(void)
{
	struct itimerval it;

	memset(&it, 0, sizeof(it));
	setitimer(ITIMER_REAL, &it, NULL);
	watched_run = NULL;
}

/* Runs vc until its batch is done or an exit is held for the host steps after it. */
static enum batch_result run_vcpu(struct vm *vm, struct vcpu *vc)
{
	enum batch_result res;

	watchdog_arm(vc->run, WATCHDOG_MS);
	do {
		if (++nexits > MAX_EXITS)
			stop_run(current_op(vc), "more than %u exits: the guest loops", MAX_EXITS);
		if (ioctl(vc->fd, KVM_RUN, 0) < 0) {
			if (errno == EINTR && !watchdog_fired)
				res = RUN_GO_ON;
			else if (watchdog_fired)
				stop_run(current_op(vc),
					 "the guest did not finish its batch in %u ms",
					 WATCHDOG_MS);
			else
				stop_run(current_op(vc), "KVM_RUN(vcpu %d) failed: %s", vc->id,
					 strerror(errno));
			continue;
		}
		res = batch_on_exit(vm, vc);
	} while (res == RUN_GO_ON);
	watchdog_disarm();
	vc->run->immediate_exit = 0;
	return res;
}

/* Writes batch b as guest code into its vCPU's area and runs it (held: an exit stays pending). */
RT void run_batch(struct vm *vm, const struct batch *b)
{
	struct vcpu *vc = &vm->vcpu[b->vcpu];

	batch_load(vm, vc, b);
	vc->held = run_vcpu(vm, vc) == RUN_HELD;
}

/* Every held exit completes: its vCPU runs on to the end of its batch. */
RT void finish_held(struct vm *vm)
{
	for (int v = 0; v < vm->nvcpus; v++) {
		if (!vm->vcpu[v].held)
			continue;
		vm->vcpu[v].held = 0;
		if (run_vcpu(vm, &vm->vcpu[v]) != RUN_DONE)
			stop_run(current_op(&vm->vcpu[v]), "a held exit did not finish its batch");
	}
}

/* ---- checks (harness/model/compare.c) ---- */

static int at_insn(const struct guest_expect *x, int64_t rip)
{
	return rip == x->fault_rip;
}

static int exit_matches(const struct guest_expect *x, const struct alt *a,
			const struct guest_obs *o)
{
	if (!a->exit)
		return !o->exited;
	return o->exited && o->exit_reason == a->exit && o->reason == a->reason &&
	       o->index == (uint32_t)x->rcx && o->data == a->exit_data && !o->exit_error &&
	       !o->exit_pad_dirty && at_insn(x, o->exit_rip);
}

static int result_matches(const struct guest_expect *x, const struct alt *a,
			  const struct guest_obs *o)
{
	if (a->gp || a->ud)
		return o->faulted && o->vector == (a->gp ? 13 : 6) && o->error_code == 0 &&
		       at_insn(x, o->rip) && o->rax == x->rax && o->rdx == x->rdx;
	if (o->faulted || o->rip != x->rip_after)
		return 0;
	if (a->data_any)
		return !x->rdmsr || (!(o->rax >> 32) && !(o->rdx >> 32));
	return o->rax == a->rax && o->rdx == a->rdx;
}

static const char *reason_name(uint32_t r)
{
	return r == 1 ? "INVAL" : r == 2 ? "UNKNOWN" : r == 4 ? "FILTER" : "other";
}

static void print_alt(const struct guest_expect *x, const struct alt *a)
{
	if (a->exit)
		printf("exit %s reason %s data 0x%llx at RIP %+d, then ",
		       a->exit == KVM_EXIT_X86_RDMSR ? "RDMSR" : "WRMSR", reason_name(a->reason),
		       (unsigned long long)a->exit_data, x->fault_rip);
	else
		printf("no exit, ");
	if (a->gp || a->ud)
		printf("#%s at RIP %+d", a->gp ? "GP(0)" : "UD", x->fault_rip);
	else if (a->data_any || !x->rdmsr)
		printf("success, RIP %+d", x->rip_after);
	else
		printf("success rax 0x%llx rdx 0x%llx, RIP %+d", (unsigned long long)a->rax,
		       (unsigned long long)a->rdx, x->rip_after);
}

static void print_obs(const struct guest_obs *o)
{
	if (o->exited)
		printf("exit %s reason 0x%x (%s) index 0x%x data 0x%llx error %u%s at RIP %+lld, "
		       "then ",
		       o->exit_reason == KVM_EXIT_X86_RDMSR ? "RDMSR" :
		       o->exit_reason == KVM_EXIT_X86_WRMSR ? "WRMSR" :
							      "of another kind",
		       o->reason, reason_name(o->reason), o->index, (unsigned long long)o->data,
		       o->exit_error, o->exit_pad_dirty ? " pad dirty" : "",
		       (long long)o->exit_rip);
	else
		printf("no exit, ");
	if (o->faulted)
		printf("exception %u error code 0x%x at RIP %+lld", o->vector, o->error_code,
		       (long long)o->rip);
	else
		printf("success, RIP %+lld", (long long)o->rip);
	printf(", rax 0x%llx rdx 0x%llx rcx 0x%llx%s", (unsigned long long)o->rax,
	       (unsigned long long)o->rdx, (unsigned long long)o->rcx,
	       o->stray ? ", ran through stray bytes (RSI changed)" : "");
}

/* The access matches one of the outcomes the specification allows, or is reported. */
RT void check_guest(const struct guest_expect *x)
{
	const struct guest_obs *o = &gobs[x->op];

	if (!x->nalt)
		return; /* nothing is predicted for it */
	for (unsigned i = 0; o->ran && i < x->nalt; i++)
		if (exit_matches(x, &x->alt[i], o) && result_matches(x, &x->alt[i], o) &&
		    o->rcx == x->rcx && !o->stray)
			return;
	if (!o->ran) {
		difference(x->op, "did not run");
		return;
	}
	differences++;
	printf("op %d (line %d: %s):\n    expected: ", x->op, op_line[x->op], op_name(x->op));
	for (unsigned i = 0; i < x->nalt; i++) {
		printf("%s", i ? "\n          or: " : "");
		print_alt(x, &x->alt[i]);
	}
	printf("\n    got:      ");
	print_obs(o);
	printf("\n");
}

RT void check_host(const struct host_expect *x)
{
	const struct host_obs *o = &hobs[x->op];

	if (!o->ran) {
		difference(x->op, "did not run");
		return;
	}
	if (!x->ret_any && o->ret != x->ret) {
		if (x->ret < 0)
			difference(x->op, "expected ret -1 (errno %d, %s), got %ld%s%s", x->err,
				   strerror(x->err), o->ret, o->ret < 0 ? " " : "",
				   o->ret < 0 ? strerror(o->err) : "");
		else
			difference(x->op, "expected ret %ld, got %ld%s%s", x->ret, o->ret,
				   o->ret < 0 ? " " : "", o->ret < 0 ? strerror(o->err) : "");
		return;
	}
	if (!x->ret_any && x->ret < 0 && o->err != x->err) {
		difference(x->op, "expected errno %d (%s), got %d (%s)", x->err, strerror(x->err),
			   o->err, strerror(o->err));
		return;
	}
	for (unsigned i = 0; i < x->nvals; i++) {
		if (x->val_any & (1u << i))
			continue;
		if (i >= o->nvals) {
			difference(x->op, "expected %u values, got %u", x->nvals, o->nvals);
			return;
		}
		if (o->vals[i] != x->vals[i])
			difference(x->op, "value %u: expected 0x%llx, got 0x%llx", i,
				   (unsigned long long)x->vals[i], (unsigned long long)o->vals[i]);
	}
}

/* The set-up filter: installed (0), refused (an errno), or none asked for (-1). */
RT void check_setup_filter(int expected, int got)
{
	if (expected == got)
		return;
	difference(-1, "set-up filter: expected %s, got %s",
		   expected < 0 ? "none" :
		   expected	? strerror(expected) :
				  "installed",
		   got < 0 ? "none" :
		   got	   ? strerror(got) :
			     "installed");
}
