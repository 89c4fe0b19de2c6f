/* vm.c - a VM with 1-2 vCPUs in long mode running the guest stub, ready for MSR tests. */
#include <errno.h>
#include <linux/kvm.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <unistd.h>

#include "kvm_abi.h"
#include "vm.h"

extern const uint8_t guest_image_start[], guest_image_end[];

const uint8_t *guest_image(unsigned long *size)
{
	*size = (unsigned long)(guest_image_end - guest_image_start);
	return guest_image_start;
}

int __msr_io_one(int fd, unsigned long req, uint32_t index, uint64_t *data)
{
	struct {
		struct kvm_msrs hdr;
		struct kvm_msr_entry e;
	} one = { .hdr.nmsrs = 1, .e.index = index, .e.data = *data };
	int r;

	kvm_clear_error();
	r = ioctl(fd, req, &one);
	if (r < 0)
		return kvm_errno("%s(MSR 0x%x)",
				 req == KVM_GET_MSRS ? "KVM_GET_MSRS" : "KVM_SET_MSRS", index);
	*data = one.e.data;
	return r;
}

int __vcpu_run_immediate_exit(struct vcpu *vc)
{
	char args[48];
	int r;

	kvm_clear_error();
	snprintf(args, sizeof(args), "vcpu %d, immediate_exit=1", vc->id);
	vc->run->immediate_exit = 1;
	r = KVM_IOCTL(vc->fd, KVM_RUN, 0, args);
	vc->run->immediate_exit = 0;
	return r;
}

int __vm_enable_cap_fd(int fd, uint32_t flags, uint64_t mask)
{
	struct kvm_enable_cap cap = { .cap = CAP_USER_SPACE_MSR, .flags = flags };
	char args[96];

	kvm_clear_error();
	cap.args[0] = mask;
	snprintf(args, sizeof(args), "KVM_CAP_X86_USER_SPACE_MSR, flags 0x%x, mask 0x%llx", flags,
		 (unsigned long long)mask);
	return KVM_IOCTL(fd, KVM_ENABLE_CAP, &cap, args);
}

void vm_enable_cap_fd(int fd, uint32_t flags, uint64_t mask)
{
	kvm_check(__vm_enable_cap_fd(fd, flags, mask), __func__);
}

static uint64_t gdt_code64(unsigned dpl)
{
	/* present, S, type execute/read, L */
	return (0xaull << 40) | (1ull << 44) | ((uint64_t)dpl << 45) | (1ull << 47) | (1ull << 53);
}

static uint64_t gdt_data(unsigned dpl)
{
	return (0x2ull << 40) | (1ull << 44) | ((uint64_t)dpl << 45) | (1ull << 47) | (1ull << 55) |
	       0xffffull | (0xfull << 48);
}

static void write_gdt(struct vm *vm)
{
	uint64_t *gdt = (uint64_t *)(vm->mem + GUEST_GDT);

	gdt[SEL_KERNEL_CS / 8] = gdt_code64(0);
	gdt[SEL_KERNEL_DS / 8] = gdt_data(0);
	gdt[SEL_USER_DS / 8] = gdt_data(3);
	gdt[SEL_USER_CS / 8] = gdt_code64(3);
	for (int v = 0; v < PROG_MAX_VCPUS; v++) {
		uint64_t base = GUEST_TSS + v * 0x100, limit = 0x67;
		uint64_t *d = &gdt[SEL_TSS(v) / 8];

		/* 64-bit available TSS (type 9), present */
		d[0] = (limit & 0xffff) | ((base & 0xffffff) << 16) | (0x9ull << 40) |
		       (1ull << 47) | ((base >> 24 & 0xff) << 56);
		d[1] = base >> 32;
	}
}

static void write_idt(struct vm *vm)
{
	uint64_t *idt = (uint64_t *)(vm->mem + GUEST_IDT);

	for (int n = 0; n < STUB_NR_VECTORS; n++) {
		uint64_t a = vm->stub->isr[n];

		/* present 64-bit interrupt gate, DPL0 */
		idt[2 * n] = (a & 0xffff) | ((uint64_t)SEL_KERNEL_CS << 16) | (0x8eull << 40) |
			     ((a >> 16 & 0xffff) << 48);
		idt[2 * n + 1] = a >> 32;
	}
}

static void write_tss_and_paging(struct vm *vm)
{
	uint64_t *pml4 = (uint64_t *)(vm->mem + GUEST_PML4);
	uint64_t *pdpt = (uint64_t *)(vm->mem + GUEST_PDPT);
	uint64_t *pd = (uint64_t *)(vm->mem + GUEST_PD);

	for (int v = 0; v < PROG_MAX_VCPUS; v++) {
		uint8_t *tss = vm->mem + GUEST_TSS + v * 0x100;
		uint64_t rsp0 = GUEST_VCPU_AREA(v) + AREA_RSP0_TOP;

		memcpy(tss + 4, &rsp0, 8);
		tss[0x66] = 0x68; /* I/O map base beyond the limit: no I/O bitmap */
	}
	/* present, writable, user: CPL3 operations run in the same pages */
	pml4[0] = GUEST_PDPT | 0x7;
	pdpt[0] = GUEST_PD | 0x7;
	for (int i = 0; i < 512; i++)
		pd[i] = ((uint64_t)i << 21) | 0x87; /* 2 MiB page */
}

static int load_stub(struct vm *vm)
{
	unsigned long size;
	const uint8_t *img = guest_image(&size);

	if (size < sizeof(struct stub_header) || size > GUEST_IMAGE_MAX)
		return kvm_error(ENOEXEC, "guest image has a bad size (%lu bytes)", size);
	memcpy(vm->mem + GUEST_IMAGE, img, size);
	/* the host reads the header from its own copy: the guest can write its memory */
	vm->stub = (const struct stub_header *)img;
	if (vm->stub->magic != STUB_MAGIC || vm->stub->abi_version != STUB_ABI_VERSION)
		return kvm_error(
		    ENOEXEC, "guest image header: magic 0x%x version %u, want 0x%x version %u",
		    vm->stub->magic, vm->stub->abi_version, STUB_MAGIC, STUB_ABI_VERSION);
	return 0;
}

int __vm_write_memory(struct vm *vm)
{
	int r;

	kvm_clear_error();
	r = load_stub(vm);
	if (r)
		return r;
	write_gdt(vm);
	write_idt(vm);
	write_tss_and_paging(vm);
	return 0;
}

void vm_write_memory(struct vm *vm)
{
	kvm_check(__vm_write_memory(vm), __func__);
}

static void seg(struct kvm_segment *s, uint16_t sel, int code, unsigned dpl)
{
	memset(s, 0, sizeof(*s));
	s->selector = sel;
	s->limit = 0xffffffff;
	s->type = code ? 0xb : 0x3;
	s->present = 1;
	s->dpl = dpl;
	s->s = 1;
	s->l = code;
	s->db = !code;
	s->g = 1;
}

static int setup_sregs(struct vm *vm, struct vcpu *vc)
{
	struct kvm_sregs sr;
	int r = KVM_IOCTL(vc->fd, KVM_GET_SREGS, &sr, "vcpu");

	if (r < 0)
		return r;
	seg(&sr.cs, SEL_KERNEL_CS, 1, 0);
	seg(&sr.ss, SEL_KERNEL_DS, 0, 0);
	/*
	 * Null data selectors: IRETQ to CPL3 would clear DPL0 ones, and on some
	 * CPUs their bases with them; FS_BASE/GS_BASE must only change by WRMSR.
	 */
	memset(&sr.ds, 0, sizeof(sr.ds));
	sr.ds.unusable = 1;
	sr.es = sr.fs = sr.gs = sr.ds;
	memset(&sr.tr, 0, sizeof(sr.tr));
	sr.tr.selector = SEL_TSS(vc->id);
	sr.tr.base = GUEST_TSS + vc->id * 0x100;
	sr.tr.limit = 0x67;
	sr.tr.type = 0xb; /* busy 64-bit TSS */
	sr.tr.present = 1;
	sr.gdt.base = GUEST_GDT;
	sr.gdt.limit = SEL_TSS(PROG_MAX_VCPUS) - 1;
	sr.idt.base = GUEST_IDT;
	sr.idt.limit = STUB_NR_VECTORS * 16 - 1;
	sr.cr0 = 0x80050033; /* PG WP NE ET MP PE */
	sr.cr3 = GUEST_PML4;
	sr.cr4 = 0x20; /* PAE */
	sr.efer = 0xd01; /* NXE LMA LME SCE */
	(void)vm;
	return KVM_IOCTL(vc->fd, KVM_SET_SREGS, &sr, "long mode");
}

static int setup_regs(struct vm *vm, struct vcpu *vc)
{
	struct kvm_regs r = { 0 };

	r.rip = vm->stub->idle;
	r.rsp = GUEST_VCPU_AREA(vc->id) + AREA_STACK_TOP;
	r.rdi = GUEST_VCPU_AREA(vc->id);
	r.rflags = 0x2;
	return KVM_IOCTL(vc->fd, KVM_SET_REGS, &r, "entry");
}

/* The CPUID KVM supports, with this vCPU's APIC ID in it. */
static int setup_cpuid(struct vm *vm, struct vcpu *vc)
{
	const struct kvm_cpuid2 *sup = vm->sys->cpuid;
	size_t sz = sizeof(*sup) + sup->nent * sizeof(sup->entries[0]);
	struct kvm_cpuid2 *c = malloc(sz);
	int r;

	if (!c)
		return kvm_error(ENOMEM, "out of memory");
	memcpy(c, sup, sz);
	for (uint32_t i = 0; i < c->nent; i++) {
		struct kvm_cpuid_entry2 *e = &c->entries[i];

		if (e->function == 1)
			e->ebx = (e->ebx & 0x00ffffff) | ((uint32_t)vc->id << 24);
		if (e->function == 0xb || e->function == 0x1f)
			e->edx = (uint32_t)vc->id;
	}
	r = KVM_IOCTL(vc->fd, KVM_SET_CPUID2, c, "supported CPUID");
	free(c);
	return r;
}

/* With the in-kernel local APIC, vCPUs other than 0 wait for INIT/SIPI: start them directly. */
static int make_runnable(struct vcpu *vc)
{
	struct kvm_mp_state mp = { .mp_state = KVM_MP_STATE_RUNNABLE };

	if (vc->id == 0)
		return 0;
	return KVM_IOCTL(vc->fd, KVM_SET_MP_STATE, &mp, "RUNNABLE");
}

static int vcpu_create(struct vm *vm, int id)
{
	struct vcpu *vc = &vm->vcpu[id];
	char args[32];
	int r;

	snprintf(args, sizeof(args), "vcpu %d", id);
	vc->id = id;
	r = KVM_IOCTL(vm->fd, KVM_CREATE_VCPU, (void *)(long)id, args);
	if (r < 0)
		return r;
	vc->fd = r;
	vc->run = mmap(NULL, vm->sys->run_size, PROT_READ | PROT_WRITE, MAP_SHARED, vc->fd, 0);
	if (vc->run == MAP_FAILED) {
		vc->run = NULL;
		return kvm_errno("mmap(kvm_run of vcpu %d)", id);
	}
	vc->area = vm->mem + GUEST_VCPU_AREA(id);
	r = setup_cpuid(vm, vc);
	if (!r)
		r = setup_sregs(vm, vc);
	if (!r)
		r = setup_regs(vm, vc);
	if (r)
		return r;
	if (vm->sys->has_sync_regs)
		vc->run->kvm_valid_regs = KVM_SYNC_X86_REGS;
	return make_runnable(vc);
}

static int vm_memory(struct vm *vm)
{
	struct kvm_userspace_memory_region region = { .slot = 0, .guest_phys_addr = 0 };

	vm->mem = mmap(NULL, GUEST_MEM_SIZE, PROT_READ | PROT_WRITE,
		       MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
	if (vm->mem == MAP_FAILED) {
		vm->mem = NULL;
		return kvm_errno("mmap(guest memory, %u bytes)", GUEST_MEM_SIZE);
	}
	region.memory_size = GUEST_MEM_SIZE;
	region.userspace_addr = (uint64_t)(uintptr_t)vm->mem;
	return KVM_IOCTL(vm->fd, KVM_SET_USER_MEMORY_REGION, &region, "slot 0, 8 MiB at 0");
}

int __vm_create_bare(struct vm *vm, struct kvm_sys *sys)
{
	int r;

	kvm_clear_error();
	memset(vm, 0, sizeof(*vm));
	vm->sys = sys;
	for (int i = 0; i < PROG_MAX_VCPUS; i++)
		vm->vcpu[i].fd = -1;
	r = KVM_IOCTL(sys->fd, KVM_CREATE_VM, 0, "type 0");
	vm->fd = r < 0 ? -1 : r;
	if (r >= 0)
		r = vm_memory(vm);
	if (!r)
		r = __vm_write_memory(vm);
	if (!r)
		r = KVM_IOCTL(vm->fd, KVM_CREATE_IRQCHIP, 0, "");
	if (r < 0)
		vm_destroy(vm);
	return r < 0 ? r : 0;
}

void vm_create_bare(struct vm *vm, struct kvm_sys *sys)
{
	kvm_check(__vm_create_bare(vm, sys), __func__);
}

int __vm_add_vcpus(struct vm *vm, int nvcpus)
{
	int r;

	kvm_clear_error();
	if (nvcpus < 1 || vm->nvcpus + nvcpus > PROG_MAX_VCPUS)
		return kvm_error(EINVAL, "%d more vCPUs for a VM with %d: at most %d in all",
				 nvcpus, vm->nvcpus, PROG_MAX_VCPUS);
	for (int i = 0; i < nvcpus; i++, vm->nvcpus++) {
		r = vcpu_create(vm, vm->nvcpus);
		if (r)
			return r;
	}
	return 0;
}

void vm_add_vcpus(struct vm *vm, int nvcpus)
{
	kvm_check(__vm_add_vcpus(vm, nvcpus), __func__);
}

int __vm_create(struct vm *vm, struct kvm_sys *sys, int nvcpus)
{
	int r;

	kvm_clear_error();
	r = __vm_create_bare(vm, sys);
	if (r)
		return r;
	r = __vm_add_vcpus(vm, nvcpus);
	if (r)
		vm_destroy(vm);
	return r;
}

void vm_create(struct vm *vm, struct kvm_sys *sys, int nvcpus)
{
	kvm_check(__vm_create(vm, sys, nvcpus), __func__);
}

void vm_destroy(struct vm *vm)
{
	vm_snapshot_free(vm);
	for (int i = 0; i < PROG_MAX_VCPUS; i++) {
		struct vcpu *vc = &vm->vcpu[i];

		if (vc->run)
			munmap(vc->run, vm->sys->run_size);
		if (vc->fd >= 0)
			close(vc->fd);
		vc->run = NULL;
		vc->fd = -1;
	}
	if (vm->fd >= 0)
		close(vm->fd);
	if (vm->mem)
		munmap(vm->mem, GUEST_MEM_SIZE);
	vm->fd = -1;
	vm->mem = NULL;
}
