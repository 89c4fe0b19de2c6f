/*
 * emit_c_runtime_vm.c - the fixed part of every C reproducer: messages, the VM, host steps.
 *
 * Copied verbatim into each reproducer by tools/emit_c.c (see emit_c_runtime.h),
 * after the guest memory and registers; as harness/kvm/vm.c and execute_host.c.
 */

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
	static const int need[] = { KVM_CAP_X86_USER_SPACE_MSR, KVM_CAP_X86_MSR_FILTER,
				    KVM_CAP_IRQCHIP, KVM_CAP_IMMEDIATE_EXIT };

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
	struct kvm_enable_cap cap = { .cap = KVM_CAP_X86_USER_SPACE_MSR, .flags = flags };

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
