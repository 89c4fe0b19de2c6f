/*
 * emit_c_runtime.c - the fixed part of every C reproducer that `msrexit repro --emit-c` writes.
 *
 * Not compiled into msrexit: tools/emit_c.c copies this file verbatim into
 * each reproducer, after the #defines, guest memory and register values it
 * generates from our build (stub_abi.h, guest_code.h, vm.c) and before the
 * program's own part. Only libc and the kernel's UAPI headers are used.
 *
 * It does what harness/kvm/vm.c (set-up), execute.c and execute_guest.c (how
 * a batch of guest code runs and each exit is answered) and compare.c (what
 * matches an expectation) do; the integration test that every seed and
 * conformance program gives the same verdict both ways keeps them in step.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <linux/kvm.h>
#include <signal.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/time.h>
#include <unistd.h>

#define RT static __attribute__((unused))

/* Exit statuses: the finding reproduces (1) or not (0); set-up failed (2); no KVM (4). */
#define REPRO_NOT_REPRODUCED 0
#define REPRO_REPRODUCED 1
#define REPRO_SETUP_FAILED 2
#define REPRO_NO_KVM 4

struct mem_chunk {
	uint32_t gpa, len;
	const uint8_t *bytes;
};

/* What vm.c sets in each vCPU (as read back from a VM our build made). */
struct vcpu_init {
	struct kvm_segment cs, ss, ds, es, fs, gs, tr;
	struct kvm_dtable gdt, idt;
	uint64_t cr0, cr3, cr4, efer;
	struct kvm_regs regs;
};

/* One access of a batch, where our guest code put it (guest addresses). */
struct access {
	int op; /* the program step */
	uint64_t site, end, after_exit, landing, limit; /* [site, limit): its bytes and pad */
	int long_form; /* longer than 2 bytes: its successor saves RSI */
	int fep;
	uint64_t rax, rdx, rcx; /* its operands */
	uint8_t reply_error, reply_flags;
	uint64_t reply_data;
};

#define REPLY_HOLD 0x1u
#define REPLY_SCRIBBLE 0x2u
#define REPLY_UNTOUCHED 0x4u

struct batch {
	int vcpu, first, n; /* program steps [first, first + n) */
	int hold_last; /* the last access's exit stays pending for the host steps after it */
	const uint8_t *code, *slots, *frames;
	uint32_t code_len, slots_len, frames_len;
	const struct access *access; /* n + 1 entries: the last is the batch's end */
};

struct range_desc {
	uint32_t flags, nmsrs, base;
	int fault; /* pass an unreadable bitmap address */
	uint64_t pattern; /* byte k of the bitmap is byte k % 8 of this */
};

struct filter_desc {
	uint32_t flags;
	unsigned nranges;
	struct range_desc range[16];
};

/* What happened to one guest access (as harness/model/trace.h records it). */
struct guest_obs {
	int ran, exited;
	uint32_t exit_reason, reason, index;
	uint8_t exit_error;
	int exit_pad_dirty;
	uint64_t data;
	int64_t exit_rip;
	int faulted;
	uint8_t vector;
	uint32_t error_code;
	int64_t rip;
	int stray;
	uint64_t rax, rdx, rcx;
};

struct host_obs {
	int ran;
	long ret;
	int err;
	unsigned nvals;
	uint64_t vals[8];
};

/* One outcome the specification allows for a guest access (harness/model/trace.h). */
struct alt {
	uint32_t exit; /* 0, KVM_EXIT_X86_RDMSR or KVM_EXIT_X86_WRMSR */
	uint32_t reason;
	uint64_t exit_data;
	int gp, ud, data_any;
	uint64_t rax, rdx;
};

struct guest_expect {
	int op, rdmsr;
	uint64_t rcx, rax, rdx; /* the operands */
	int rip_after, fault_rip;
	unsigned nalt;
	struct alt alt[4];
};

struct host_expect {
	int op, ret_any;
	long ret;
	int err;
	unsigned nvals, val_any;
	uint64_t vals[8];
};

struct vcpu {
	int fd, id, held;
	struct kvm_run *run;
	const struct batch *b;
	int next, exited, exited_in_regs;
	uint64_t last_insn;
};

struct vm {
	int sys_fd, fd, run_size, has_sync_regs, nvcpus;
	struct kvm_cpuid2 *cpuid;
	uint8_t *mem;
	struct vcpu vcpu[2];
};

/* ---- msrexit: the generated data goes here ---- */

static struct guest_obs gobs[NOPS];
static struct host_obs hobs[NOPS];
static unsigned nexits, differences;

/* ---- messages and verdict ---- */

RT const char *op_name(int op)
{
	return op >= 0 && op < NOPS ? op_text[op] : "the program";
}

RT void difference(int op, const char *fmt, ...)
{
	va_list ap;

	differences++;
	if (op < 0)
		printf("set-up: ");
	else
		printf("op %d (line %d: %s): ", op, op_line[op], op_name(op));
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	printf("\n");
}

RT int verdict(void)
{
	if (differences) {
		printf("REPRODUCED: %u difference%s from what the kernel should do\n", differences,
		       differences == 1 ? "" : "s");
		return REPRO_REPRODUCED;
	}
	printf("not reproduced: the kernel did what it should\n");
	return REPRO_NOT_REPRODUCED;
}

/* The run cannot go on (as execute.c's exec_abort): a finding, at op. */
RT void stop_run(int op, const char *fmt, ...)
{
	va_list ap;

	differences++;
	printf("op %d (line %d: %s): the run stopped: ", op, op >= 0 && op < NOPS ? op_line[op] : 0,
	       op_name(op));
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	printf("; expected the run to complete\n");
	exit(verdict());
}

RT void setup_failed(const char *what)
{
	printf("cannot set up the VM: %s: %s\n", what, strerror(errno));
	exit(REPRO_SETUP_FAILED);
}

/* ---- the VM (harness/kvm/vm.c) ---- */

static void open_kvm(struct vm *vm)
{
	static const int need[] = { 188 /* KVM_CAP_X86_USER_SPACE_MSR */,
				    189 /* KVM_CAP_X86_MSR_FILTER */, KVM_CAP_IRQCHIP,
				    KVM_CAP_IMMEDIATE_EXIT };

	vm->sys_fd = open("/dev/kvm", O_RDWR | O_CLOEXEC);
	if (vm->sys_fd < 0) {
		printf("SKIP: /dev/kvm: %s\n", strerror(errno));
		exit(REPRO_NO_KVM);
	}
	if (ioctl(vm->sys_fd, KVM_GET_API_VERSION, 0) != KVM_API_VERSION) {
		printf("SKIP: /dev/kvm is not a KVM device of API version %d\n", KVM_API_VERSION);
		exit(REPRO_NO_KVM);
	}
	for (unsigned i = 0; i < sizeof(need) / sizeof(need[0]); i++) {
		if (ioctl(vm->sys_fd, KVM_CHECK_EXTENSION, need[i]) <= 0) {
			printf("SKIP: this kernel's KVM lacks capability %d\n", need[i]);
			exit(REPRO_NO_KVM);
		}
	}
	vm->has_sync_regs = ioctl(vm->sys_fd, KVM_CHECK_EXTENSION, KVM_CAP_SYNC_REGS) > 0;
	vm->run_size = ioctl(vm->sys_fd, KVM_GET_VCPU_MMAP_SIZE, 0);
	if (vm->run_size <= 0)
		setup_failed("KVM_GET_VCPU_MMAP_SIZE");
	for (int n = 64; n <= 4096 && !vm->cpuid; n *= 2) {
		struct kvm_cpuid2 *c = calloc(1, sizeof(*c) + n * sizeof(c->entries[0]));

		if (!c)
			setup_failed("calloc");
		c->nent = n;
		if (ioctl(vm->sys_fd, KVM_GET_SUPPORTED_CPUID, c) == 0) {
			vm->cpuid = c;
			break;
		}
		if (errno != E2BIG)
			setup_failed("KVM_GET_SUPPORTED_CPUID");
		free(c);
	}
	if (!vm->cpuid)
		setup_failed("KVM_GET_SUPPORTED_CPUID (too many entries)");
}

/* The CPUID KVM supports, with this vCPU's APIC ID in it. */
static void set_cpuid(struct vm *vm, struct vcpu *vc)
{
	size_t sz = sizeof(*vm->cpuid) + vm->cpuid->nent * sizeof(vm->cpuid->entries[0]);
	struct kvm_cpuid2 *c = malloc(sz);

	if (!c)
		setup_failed("malloc");
	memcpy(c, vm->cpuid, sz);
	for (uint32_t i = 0; i < c->nent; i++) {
		struct kvm_cpuid_entry2 *e = &c->entries[i];

		if (e->function == 1)
			e->ebx = (e->ebx & 0x00ffffff) | ((uint32_t)vc->id << 24);
		if (e->function == 0xb || e->function == 0x1f)
			e->edx = (uint32_t)vc->id;
	}
	if (ioctl(vc->fd, KVM_SET_CPUID2, c) < 0)
		setup_failed("KVM_SET_CPUID2");
	free(c);
}

/* Long mode, the GDT, IDT and TSS msrexit built: the values its VM had after creation. */
static void set_registers(struct vcpu *vc, const struct vcpu_init *in)
{
	struct kvm_sregs sr;
	struct kvm_regs r = in->regs;

	if (ioctl(vc->fd, KVM_GET_SREGS, &sr) < 0)
		setup_failed("KVM_GET_SREGS");
	sr.cs = in->cs;
	sr.ss = in->ss;
	sr.ds = in->ds;
	sr.es = in->es;
	sr.fs = in->fs;
	sr.gs = in->gs;
	sr.tr = in->tr;
	sr.gdt = in->gdt;
	sr.idt = in->idt;
	sr.cr0 = in->cr0;
	sr.cr3 = in->cr3;
	sr.cr4 = in->cr4;
	sr.efer = in->efer;
	if (ioctl(vc->fd, KVM_SET_SREGS, &sr) < 0)
		setup_failed("KVM_SET_SREGS");
	if (ioctl(vc->fd, KVM_SET_REGS, &r) < 0)
		setup_failed("KVM_SET_REGS");
}

static void create_vcpu(struct vm *vm, int id)
{
	struct vcpu *vc = &vm->vcpu[id];

	vc->id = id;
	vc->fd = ioctl(vm->fd, KVM_CREATE_VCPU, (unsigned long)id);
	if (vc->fd < 0)
		setup_failed("KVM_CREATE_VCPU");
	vc->run = mmap(NULL, vm->run_size, PROT_READ | PROT_WRITE, MAP_SHARED, vc->fd, 0);
	if (vc->run == MAP_FAILED)
		setup_failed("mmap(kvm_run)");
	set_cpuid(vm, vc);
	set_registers(vc, &vcpu_init[id]);
	if (vm->has_sync_regs)
		vc->run->kvm_valid_regs = KVM_SYNC_X86_REGS;
	/* with the in-kernel local APIC, vCPUs other than 0 wait for INIT/SIPI */
	if (id) {
		struct kvm_mp_state mp = { .mp_state = KVM_MP_STATE_RUNNABLE };

		if (ioctl(vc->fd, KVM_SET_MP_STATE, &mp) < 0)
			setup_failed("KVM_SET_MP_STATE");
	}
}

/* A VM with nvcpus vCPUs in long mode, its memory as msrexit writes it (vm_write_memory). */
RT void vm_create(struct vm *vm, int nvcpus)
{
	struct kvm_userspace_memory_region region = { .memory_size = GUEST_MEM_SIZE };

	memset(vm, 0, sizeof(*vm));
	open_kvm(vm);
	vm->fd = ioctl(vm->sys_fd, KVM_CREATE_VM, 0);
	if (vm->fd < 0)
		setup_failed("KVM_CREATE_VM");
	vm->mem = mmap(NULL, GUEST_MEM_SIZE, PROT_READ | PROT_WRITE,
		       MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
	if (vm->mem == MAP_FAILED)
		setup_failed("mmap(guest memory)");
	region.userspace_addr = (uint64_t)(uintptr_t)vm->mem;
	if (ioctl(vm->fd, KVM_SET_USER_MEMORY_REGION, &region) < 0)
		setup_failed("KVM_SET_USER_MEMORY_REGION");
	for (unsigned i = 0; i < sizeof(memory) / sizeof(memory[0]); i++)
		memcpy(vm->mem + memory[i].gpa, memory[i].bytes, memory[i].len);
	if (ioctl(vm->fd, KVM_CREATE_IRQCHIP, 0) < 0)
		setup_failed("KVM_CREATE_IRQCHIP");
	for (int id = 0; id < nvcpus && id < 2; id++) {
		create_vcpu(vm, id);
		vm->nvcpus = id + 1;
	}
}

/* ---- host steps (harness/kvm/execute_host.c) ---- */

static void record(struct host_obs *o, long r)
{
	o->ran = 1;
	o->ret = r;
	o->err = r < 0 ? errno : 0;
}

RT int enable_cap(int fd, uint32_t flags, uint64_t mask)
{
	struct kvm_enable_cap cap = { .cap = 188 /* KVM_CAP_X86_USER_SPACE_MSR */, .flags = flags };

	cap.args[0] = mask;
	return ioctl(fd, KVM_ENABLE_CAP, &cap);
}

/* KVM_X86_SET_MSR_FILTER with f, or with no filter (NULL). */
RT int set_filter(int fd, const struct filter_desc *f)
{
	static uint8_t bitmap[16][FILTER_BITMAP_BYTES];
	struct kvm_msr_filter kf;

	memset(&kf, 0, sizeof(kf));
	for (unsigned i = 0; f && i < f->nranges; i++) {
		const struct range_desc *d = &f->range[i];
		struct kvm_msr_filter_range *r = &kf.ranges[i];

		r->flags = d->flags;
		r->nmsrs = d->nmsrs;
		r->base = d->base;
		/* an address no process maps: the kernel must say EFAULT */
		r->bitmap = d->fault ? (uint8_t *)0x8 : bitmap[i];
		for (unsigned k = 0; !d->fault && k < FILTER_BITMAP_BYTES; k++)
			bitmap[i][k] = (uint8_t)(d->pattern >> (8 * (k % 8)));
	}
	kf.flags = f ? f->flags : 0;
	return ioctl(fd, KVM_X86_SET_MSR_FILTER, &kf);
}

struct msr_io {
	uint32_t index;
	uint64_t value;
};

/* KVM_GET_MSRS or KVM_SET_MSRS of nmsrs entries, the list repeating. */
RT void host_msrs(int op, int fd, unsigned long req, const struct msr_io *list, unsigned nlist,
		  unsigned nmsrs)
{
	struct kvm_msrs *m = calloc(1, sizeof(*m) + (nmsrs ? nmsrs : 1) * sizeof(m->entries[0]));
	struct host_obs *o = &hobs[op];

	if (!m)
		setup_failed("calloc");
	m->nmsrs = nmsrs;
	for (unsigned k = 0; k < nmsrs && nlist; k++) {
		m->entries[k].index = list[k % nlist].index;
		m->entries[k].data = list[k % nlist].value;
	}
	record(o, ioctl(fd, req, m));
	if (req == KVM_GET_MSRS) {
		o->nvals = nmsrs < 8 ? nmsrs : 8;
		for (unsigned k = 0; k < o->nvals; k++)
			o->vals[k] = m->entries[k].data;
	}
	free(m);
}

RT void host_regs(int op, struct vcpu *vc)
{
	struct kvm_regs regs;
	struct host_obs *o = &hobs[op];

	record(o, ioctl(vc->fd, KVM_GET_REGS, &regs));
	if (o->ret < 0)
		return;
	o->nvals = 3;
	o->vals[0] = regs.rip - vc->last_insn;
	o->vals[1] = regs.rax;
	o->vals[2] = regs.rdx;
}

RT void host_events(int op, struct vcpu *vc)
{
	struct kvm_vcpu_events ev;
	struct host_obs *o = &hobs[op];

	memset(&ev, 0, sizeof(ev));
	record(o, ioctl(vc->fd, KVM_GET_VCPU_EVENTS, &ev));
	if (o->ret < 0)
		return;
	o->nvals = 4;
	o->vals[0] = ev.exception.injected || ev.exception.pending;
	o->vals[1] = ev.exception.nr;
	o->vals[2] = ev.exception.has_error_code;
	o->vals[3] = ev.exception.error_code;
}

/* KVM_RUN with immediate_exit set: completes a pending exit and must not run the guest. */
RT void host_immediate_exit(int op, struct vcpu *vc)
{
	long r;

	vc->run->immediate_exit = 1;
	r = ioctl(vc->fd, KVM_RUN, 0);
	vc->run->immediate_exit = 0;
	record(&hobs[op], r);
	if (r >= 0)
		stop_run(op, "KVM_RUN with immediate_exit=1 ran the guest (exit reason %u)",
			 vc->run->exit_reason);
}

RT void host_call(int op, long r)
{
	record(&hobs[op], r);
}

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
