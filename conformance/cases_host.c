/* cases_host.c - host-initiated KVM_GET_MSRS/KVM_SET_MSRS: feature MSRs, round trips, versions (§6). */
#include <errno.h>
#include <linux/kvm.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>

#include "conform.h"
#include "filter.h"
#include "execute.h"
#include "msr_table.h"
#include "program_build.h"

/* KVM_GET_MSRS on /dev/kvm reads every MSR of KVM_GET_MSR_FEATURE_INDEX_LIST. */
static int feature_msrs(struct case_ctx *c)
{
	struct kvm_msr_list *list = calloc(1, sizeof(*list) + 1024 * sizeof(__u32));
	struct kvm_msrs *m =
	    calloc(1, sizeof(*m) + (MAX_IO_MSRS - 1) * sizeof(struct kvm_msr_entry));
	int r, n;

	if (!list || !m)
		return case_fail(c, "out of memory");
	list->nmsrs = 1024;
	if (ioctl(c->sys->fd, KVM_GET_MSR_FEATURE_INDEX_LIST, list) < 0) {
		case_fail(c, "KVM_GET_MSR_FEATURE_INDEX_LIST: %s", strerror(errno));
		goto out;
	}
	n = list->nmsrs < MAX_IO_MSRS - 1 ? (int)list->nmsrs : MAX_IO_MSRS - 1;
	case_diag(c, "%u feature MSRs listed", list->nmsrs);
	m->nmsrs = (__u32)n;
	for (int i = 0; i < n; i++)
		m->entries[i].index = list->indices[i];
	r = ioctl(c->sys->fd, KVM_GET_MSRS, m);
	CASE_EXPECT(c, r == n, "reading the %d listed feature MSRs: ret %d errno %d", n, r,
		    r < 0 ? errno : 0);
	/*
	 * EFER is not a feature MSR: the system fd refuses it (0 done), and
	 * since 6.8 the failed entry's data is zeroed, not kernel stack.
	 */
	m->nmsrs = 1;
	m->entries[0].index = 0xc0000080;
	m->entries[0].data = 0x5a5a5a5a5a5a5a5aull;
	r = ioctl(c->sys->fd, KVM_GET_MSRS, m);
	CASE_EXPECT(c, r == 0, "EFER on /dev/kvm: ret %d, want 0 entries done", r);
	case_diag(c, "expectation: %s",
		  kernel_at_least(c->facts, 6, 8) ?
		      "kernel >= 6.8: a failed feature read's data is 0" :
		      "kernel < 6.8: a failed feature read's data may be stale");
	CASE_EXPECT(c, !kernel_at_least(c->facts, 6, 8) || m->entries[0].data == 0,
		    "failed feature read left data 0x%llx, want 0 since 6.8",
		    (unsigned long long)m->entries[0].data);
out:
	free(list);
	free(m);
	return CASE_PASS;
}

static bool roundtrip_candidate(const struct kernel_facts *f, unsigned i)
{
	const struct msr_info *m = &msr_table[i];

	return m->kind == MSR_STORAGE && m->nvalid >= 2 && f->msr[i].host_read_ok &&
	       f->msr[i].guest_read == ACC_OK && m->support != SUPPORT_NEVER;
}

/* A value the host writes is what the guest reads, and the other way round, per known MSR. */
static int known_msr_roundtrip(struct case_ctx *c)
{
	static struct program p;
	unsigned done = 0;

	pb_init(&p, 1, REASON_VALID_MASK);
	for (unsigned i = 0; i < msr_table_len; i++) {
		const struct msr_info *m = &msr_table[i];

		if (!roundtrip_candidate(c->facts, i))
			continue;
		if (p.nsteps + 4 > PROG_MAX_STEPS) {
			case_run(c, &p);
			pb_init(&p, 1, REASON_VALID_MASK);
		}
		pb_host_msrs(&p, STEP_HOST_SET_MSRS, 1, &m->index, &m->valid[0]);
		pb_rdmsr(&p, m->index);
		pb_wrmsr(&p, m->index, m->valid[1]);
		pb_host_msrs(&p, STEP_HOST_GET_MSRS, 1, &m->index, NULL);
		done++;
	}
	if (p.nsteps)
		case_run(c, &p);
	case_diag(c, "%u MSRs round-tripped", done);
	CASE_EXPECT(c, done >= 8, "only %u MSRs qualified", done);
	return CASE_PASS;
}

/* A failed host read's data: 0 since 6.12 (6.8 for feature MSRs); older kernels may leave it. */
static int failed_read_data(struct case_ctx *c)
{
	static struct program p;
	uint32_t idx[3] = { 0xc0000080, 0x12345678, 0xc0000081 };
	uint64_t sentinel[3] = { 0x1111, 0x7777777777777777ull, 0x3333 };

	case_diag(c, "kernel %u.%u", c->facts->kver_major, c->facts->kver_minor);
	pb_init(&p, 1, 0);
	pb_host_msrs(&p, STEP_HOST_GET_MSRS, 3, idx, sentinel);
	case_run(c, &p);
	return CASE_PASS;
}

static bool advertised(struct kvm_sys *sys, uint32_t index)
{
	struct kvm_msr_list *list = calloc(1, sizeof(*list) + 4096 * sizeof(__u32));
	bool found = false;

	if (!list)
		return false;
	list->nmsrs = 4096;
	if (ioctl(sys->fd, KVM_GET_MSR_INDEX_LIST, list) == 0)
		for (unsigned i = 0; i < list->nmsrs && !found; i++)
			found = list->indices[i] == index;
	free(list);
	return found;
}

#define MSR_ARCH_CAPABILITIES 0x10a
#define ARCH_CAP_CPUID_BIT (1u << 29) /* CPUID.(7,0):EDX[29] */

/* Whether the vCPU's CPUID, as KVM holds it, still enumerates ARCH_CAPABILITIES: 1, 0, -1 unknown. */
static int arch_cap_enumerated(struct vm *vm)
{
	struct kvm_cpuid2 *cpuid = calloc(1, sizeof(*cpuid) + 512 * sizeof(cpuid->entries[0]));
	int on = -1;

	if (!cpuid)
		return -1;
	cpuid->nent = 512;
	if (ioctl(vm->vcpu[0].fd, KVM_GET_CPUID2, cpuid) == 0)
		for (unsigned i = 0; i < cpuid->nent; i++)
			if (cpuid->entries[i].function == 7 && cpuid->entries[i].index == 0)
				on = !!(cpuid->entries[i].edx & ARCH_CAP_CPUID_BIT);
	free(cpuid);
	return on;
}

/* The guest CPUID KVM supports, less the bit that enumerates ARCH_CAPABILITIES. */
static int hide_arch_capabilities(struct case_ctx *c, struct vm *vm)
{
	const struct kvm_cpuid2 *sup = c->sys->cpuid;
	size_t size = sizeof(*sup) + sup->nent * sizeof(sup->entries[0]);
	struct kvm_cpuid2 *cpuid = malloc(size);
	int r;

	if (!cpuid)
		return -1;
	memcpy(cpuid, sup, size);
	for (unsigned i = 0; i < cpuid->nent; i++)
		if (cpuid->entries[i].function == 7 && cpuid->entries[i].index == 0)
			cpuid->entries[i].edx &= ~ARCH_CAP_CPUID_BIT;
	r = ioctl(vm->vcpu[0].fd, KVM_SET_CPUID2, cpuid);
	free(cpuid);
	return r;
}

/* The guest's own read of the hidden MSR fails: an UNKNOWN or INVAL exit, with every reason on. */
static void expect_guest_refused(struct case_ctx *c, struct vm *vm)
{
	static struct program p;
	static struct trace t;
	struct exec_opts o = { .timeout_ms = 2000 };
	const struct guest_obs *g = &t.g[0];

	pb_init(&p, 1, REASON_VALID_MASK);
	pb_rdmsr(&p, MSR_ARCH_CAPABILITIES);
	execute(vm, &p, &o, &t);
	CASE_EXPECT(c,
		    t.abort_step < 0 && g->exited &&
			(g->reason == REASON_UNKNOWN || g->reason == REASON_INVAL),
		    "guest read of the hidden MSR: aborted %d exited %d reason %u, want an "
		    "UNKNOWN or INVAL exit",
		    t.abort_step >= 0, g->exited, g->reason);
}

/*
 * docs/spec.md §6 (6.12): a host read, and a host write of 0, of an MSR KVM
 * advertises (KVM_GET_MSR_INDEX_LIST) but the guest's CPUID hides, succeed;
 * the guest's own access still fails. Older kernels may refuse the host.
 */
static int advertised_hidden(struct case_ctx *c)
{
	bool new_rule = kernel_at_least(c->facts, 6, 12);
	uint64_t v = 0;
	struct vm vm;
	int r, enumerated;

	if (!advertised(c->sys, MSR_ARCH_CAPABILITIES))
		return case_skip(c, "KVM does not advertise ARCH_CAPABILITIES (0x10a) here");
	vm_create(&vm, c->sys, 1);
	if (hide_arch_capabilities(c, &vm)) {
		vm_destroy(&vm);
		return case_fail(c, "KVM_SET_CPUID2 without ARCH_CAPABILITIES: %s",
				 strerror(errno));
	}
	enumerated = arch_cap_enumerated(&vm);
	if (enumerated < 0) {
		vm_destroy(&vm);
		return case_fail(c, "KVM_GET_CPUID2 failed or has no leaf 7: %s", strerror(errno));
	}
	if (enumerated) {
		vm_destroy(&vm);
		return case_skip(
		    c, "this KVM keeps CPUID.(7,0):EDX[29] set after KVM_SET_CPUID2 "
		       "cleared it: ARCH_CAPABILITIES cannot be hidden from the guest here");
	}
	case_diag(c, "expectation: %s",
		  new_rule ? "kernel >= 6.12: the host accesses succeed" :
			     "kernel < 6.12: either outcome accepted");
	r = __msr_io_one(vm.vcpu[0].fd, KVM_GET_MSRS, MSR_ARCH_CAPABILITIES, &v);
	CASE_EXPECT(c, !new_rule || r == 1, "host read ret %d, want 1 since 6.12", r);
	v = 0;
	r = __msr_io_one(vm.vcpu[0].fd, KVM_SET_MSRS, MSR_ARCH_CAPABILITIES, &v);
	CASE_EXPECT(c, !new_rule || r == 1, "host write of 0 ret %d, want 1 since 6.12", r);
	expect_guest_refused(c, &vm);
	vm_destroy(&vm);
	return CASE_PASS;
}

/* The ONE_REG id of an MSR (uapi asm/kvm.h since the CET series; Debian's headers lack it). */
#define ONE_REG_TYPE_MSR 2ull
#define ONE_REG_MSR(index) (KVM_REG_X86 | ONE_REG_TYPE_MSR << 32 | KVM_REG_SIZE_U64 | (index))

static int one_reg(int fd, unsigned long req, uint32_t index, uint64_t *val)
{
	struct kvm_one_reg r = { .id = ONE_REG_MSR(index), .addr = (uint64_t)(uintptr_t)val };

	return ioctl(fd, req, &r);
}

/*
 * docs/spec.md §3 and §6: host-initiated KVM_GET_ONE_REG/KVM_SET_ONE_REG of MSRs
 * are not filtered and never exit, whatever the mask. A default-deny filter
 * and every reason on: the host reads EFER and writes STAR, the guest's own
 * reads of both exit FILTER, and KVM_GET_MSRS sees the value ONE_REG wrote.
 */
static int one_reg_bypass(struct case_ctx *c)
{
	static struct program p;
	uint32_t star = 0xc0000081;
	uint64_t efer = 0, val = 0x0023001000000000ull;
	struct vm vm;

	vm_create(&vm, c->sys, 1);
	if (one_reg(vm.vcpu[0].fd, KVM_GET_ONE_REG, 0xc0000080, &efer) < 0) {
		vm_destroy(&vm);
		return case_skip(c, "KVM_GET_ONE_REG has no MSR registers on this kernel (%s)",
				 strerror(errno));
	}
	pb_init(&p, 1, REASON_VALID_MASK);
	pb_range(pb_filter(&p, 0, FILTER_DEFAULT_DENY), RANGE_READ, 0x10, 1, ~0ull);
	vm_enable_cap_fd(vm.fd, 0, REASON_VALID_MASK);
	filter_install(vm.fd, &p.filters[0]);
	efer = 0;
	CASE_EXPECT(c, one_reg(vm.vcpu[0].fd, KVM_GET_ONE_REG, 0xc0000080, &efer) == 0,
		    "KVM_GET_ONE_REG(EFER) under a default-deny filter: %s", strerror(errno));
	CASE_EXPECT(c, efer == 0xd01, "EFER by ONE_REG 0x%llx, want 0xd01",
		    (unsigned long long)efer);
	CASE_EXPECT(c, one_reg(vm.vcpu[0].fd, KVM_SET_ONE_REG, star, &val) == 0,
		    "KVM_SET_ONE_REG(STAR) under a default-deny filter: %s", strerror(errno));
	/* KVM_GET_MSRS sees what ONE_REG wrote (the oracle cannot: checked here) */
	val = 0;
	CASE_EXPECT(c,
		    __msr_io_one(vm.vcpu[0].fd, KVM_GET_MSRS, star, &val) == 1 &&
			val == 0x0023001000000000ull,
		    "STAR by KVM_GET_MSRS after ONE_REG wrote it: 0x%llx", (unsigned long long)val);
	/* the guest is still filtered: both reads exit FILTER with the replies' data */
	p.setup_filter = 0;
	pb_rdmsr(&p, 0xc0000080)->g.reply_data = 0x11;
	pb_rdmsr(&p, star)->g.reply_data = 0x22;
	case_run_on(c, &vm, &p, true);
	vm_destroy(&vm);
	return CASE_PASS;
}

const struct conform_case host_cases[] = {
	{ "host_c.feature_msrs", "6", "KVM_GET_MSRS on /dev/kvm reads the feature MSRs it lists",
	  feature_msrs, NULL },
	{ "host_c.known_msr_roundtrip", "6",
	  "for every known MSR the host writes what the guest reads, and back", known_msr_roundtrip,
	  NULL },
	{ "host_c.advertised_hidden", "6,8",
	  "host read and write of 0 of ARCH_CAPABILITIES hidden by CPUID succeed (6.12)",
	  advertised_hidden, NULL },
	{ "host_c.one_reg_bypass", "3,6",
	  "KVM_GET/SET_ONE_REG of MSRs ignore a default-deny filter and the mask", one_reg_bypass,
	  NULL },
	{ "host_c.failed_read_data", "6,8",
	  "a failed host read's data, by kernel version (0 since 6.12); later entries untouched",
	  failed_read_data, NULL },
	{ 0 },
};
