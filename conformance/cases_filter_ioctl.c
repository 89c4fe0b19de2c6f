/* cases_filter_ioctl.c - KVM_X86_SET_MSR_FILTER validation loops the program format cannot say (§3). */
#include <errno.h>
#include <linux/kvm.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <unistd.h>

#include "conform.h"
#include "execute.h"
#include "filter.h"
#include "msr_index.h"
#include "program_build.h"

/* A VM with "deny guest reads of EFER" installed, and a program that shows it is in force. */
static void deny_efer_vm(struct case_ctx *c, struct vm *vm, struct program *p)
{
	pb_init(p, 1, REASON_FILTER);
	pb_range(pb_filter(p, 0, 0), RANGE_READ, MSR_EFER, 1, 0);
	p->setup_filter = 0;
	pb_rdmsr(p, MSR_EFER)->g.reply_data = 0x1234;
	pb_rdmsr(p, 0xc0000081); /* STAR: still allowed */
	vm_create(vm, c->sys, 1);
	vm_enable_cap_fd(vm->fd, 0, REASON_FILTER);
	filter_install(vm->fd, &p->filters[0]);
}

/*
 * The refused filters differ from the installed one where the guest looks:
 * they deny STAR reads and allow EFER. A kernel that installed one anyway
 * (say with the bad bit masked off) would turn both of the program's reads.
 */
static struct prog_filter other_filter(void)
{
	struct prog_filter f;

	memset(&f, 0, sizeof(f));
	pb_range(&f, RANGE_READ, 0xc0000081, 1, 0);
	return f;
}

static void expect_einval(struct case_ctx *c, int fd, const struct prog_filter *f, const char *what,
			  unsigned bit)
{
	int r = __filter_install(fd, f);

	CASE_EXPECT(c, r == -EINVAL, "%s bit %u: %d (%s), want -EINVAL", what, bit, r,
		    r ? kvm_last_error() : "ok");
}

/* Filter flags outside DEFAULT_DENY (bits 1..31): EINVAL, and the old filter stays. */
static int bad_filter_flags(struct case_ctx *c)
{
	static struct program p;
	struct prog_filter bad;
	struct vm vm;

	deny_efer_vm(c, &vm, &p);
	for (unsigned bit = 1; bit < 32; bit++) {
		bad = other_filter();
		bad.flags = 1u << bit;
		expect_einval(c, vm.fd, &bad, "filter flags", bit);
	}
	case_run_on(c, &vm, &p, true);
	vm_destroy(&vm);
	return CASE_PASS;
}

/* Range flags 0 and each of bits 2..31 (on a non-empty range): EINVAL, old filter stays. */
static int bad_range_flags(struct case_ctx *c)
{
	static struct program p;
	struct prog_filter bad;
	struct vm vm;

	deny_efer_vm(c, &vm, &p);
	bad = other_filter();
	bad.ranges[0].flags = 0;
	expect_einval(c, vm.fd, &bad, "range flags zero,", 0);
	for (unsigned bit = 2; bit < 32; bit++) {
		bad = other_filter();
		bad.ranges[0].flags = RANGE_READ | (1u << bit);
		expect_einval(c, vm.fd, &bad, "range flags", bit);
	}
	case_run_on(c, &vm, &p, true);
	vm_destroy(&vm);
	return CASE_PASS;
}

/* A bad range after good ones, in any of the 16 slots, refuses the whole filter. */
static int bad_range_in_any_slot(struct case_ctx *c)
{
	static struct program p;
	struct prog_filter bad;
	struct vm vm;

	deny_efer_vm(c, &vm, &p);
	for (unsigned slot = 0; slot < PROG_MAX_RANGES; slot++) {
		memset(&bad, 0, sizeof(bad));
		for (unsigned k = 0; k <= slot; k++)
			pb_range(&bad, RANGE_READ | RANGE_WRITE, 0x10 + k * 64, 64, ~0ull);
		bad.ranges[slot].nmsrs = 12289;
		expect_einval(c, vm.fd, &bad, "oversized range in slot", slot);
	}
	case_run_on(c, &vm, &p, true);
	vm_destroy(&vm);
	return CASE_PASS;
}

/* The filter ioctl is a VM ioctl: on a vCPU fd or /dev/kvm it is EINVAL, even when valid. */
static int wrong_fds(struct case_ctx *c)
{
	static struct program p;
	struct vm vm;
	int r;

	deny_efer_vm(c, &vm, &p);
	r = __filter_install(vm.vcpu[0].fd, NULL);
	CASE_EXPECT(c, r == -EINVAL, "vCPU fd: %d (%s)", r, r ? kvm_last_error() : "ok");
	r = __filter_install(c->sys->fd, NULL);
	CASE_EXPECT(c, r == -EINVAL, "/dev/kvm: %d (%s)", r, r ? kvm_last_error() : "ok");
	/* neither cleared the VM's filter */
	case_run_on(c, &vm, &p, true);
	vm_destroy(&vm);
	return CASE_PASS;
}

/* xorshift64: a fixed sequence, so a failure reproduces */
static uint64_t next_random(uint64_t *x)
{
	*x ^= *x << 13;
	*x ^= *x >> 7;
	*x ^= *x << 17;
	return *x;
}

#define ARB_BASE 0x7ffe0000u /* a region KVM has never known: allowed reads exit UNKNOWN */

/*
 * Programs describe bitmaps as a repeating 64-bit pattern; this case installs
 * full-size random bitmaps directly and reads the kernel's decision, index
 * by index, from the exit reason: UNKNOWN (allowed, then KVM did not know
 * it) or FILTER (denied).
 */
static int arbitrary_bitmap(struct case_ctx *c)
{
	static struct filter_buf buf;
	static struct program p;
	static struct trace t;
	struct exec_opts o = { .timeout_ms = 2000, .setup_done = true };
	uint64_t x = 0x9e3779b97f4a7c15ull;
	struct vm vm;

	if (!case_needs(c, REQ_NO_IGNORE_MSRS))
		return CASE_SKIP;
	vm_create(&vm, c->sys, 1);
	memset(&buf.f, 0, sizeof(buf.f));
	buf.f.flags = FILTER_DEFAULT_DENY;
	buf.f.ranges[0] = (struct kvm_msr_filter_range){
		.flags = RANGE_READ,
		.nmsrs = RANGE_MAX_NMSRS,
		.base = ARB_BASE,
		.bitmap = buf.bitmap[0],
	};
	for (unsigned k = 0; k < FILTER_BITMAP_MAX; k++)
		buf.bitmap[0][k] = (uint8_t)next_random(&x);
	vm_enable_cap_fd(vm.fd, 0, REASON_UNKNOWN | REASON_FILTER);
	if (ioctl(vm.fd, KVM_X86_SET_MSR_FILTER, &buf.f)) {
		vm_destroy(&vm);
		return case_fail(c, "installing a random 12288-MSR bitmap: %s", strerror(errno));
	}
	pb_init(&p, 1, REASON_UNKNOWN | REASON_FILTER);
	for (unsigned k = 0; k < PROG_MAX_STEPS; k++)
		pb_rdmsr(&p, ARB_BASE + (uint32_t)(next_random(&x) % RANGE_MAX_NMSRS));
	execute(&vm, &p, &o, &t);
	vm_destroy(&vm);
	if (t.abort_step >= 0)
		return case_fail(c, "run stopped at step %d: %s", t.abort_step, t.abort_msg);
	for (unsigned k = 0; k < p.nsteps; k++) {
		uint32_t bit = guest_index(&p.steps[k].g) - ARB_BASE;
		bool allowed = buf.bitmap[0][bit / 8] >> (bit % 8) & 1;
		uint32_t want = allowed ? REASON_UNKNOWN : REASON_FILTER;

		CASE_EXPECT(c, t.g[k].exited && t.g[k].reason == want,
			    "index 0x%x (bit %u, %s): exited %d reason %u, want %u", ARB_BASE + bit,
			    bit, allowed ? "allowed" : "denied", t.g[k].exited, t.g[k].reason,
			    want);
	}
	return CASE_PASS;
}

/*
 * docs/spec.md §3: the kernel reads a range's bitmap as nmsrs rounded up to
 * whole 8-byte words. A bitmap whose word crosses into an unreadable page is
 * EFAULT even when the bits it needs are readable; one word before it is fine.
 */
static int bitmap_whole_words(struct case_ctx *c)
{
	long page = sysconf(_SC_PAGESIZE);
	uint8_t *mem = mmap(NULL, 2 * (size_t)page, PROT_READ | PROT_WRITE,
			    MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	struct kvm_msr_filter f = { .flags = 0 };
	struct vm vm;
	int r;

	if (mem == MAP_FAILED)
		return case_fail(c, "mmap: %s", strerror(errno));
	if (mprotect(mem + page, (size_t)page, PROT_NONE)) {
		munmap(mem, 2 * (size_t)page);
		return case_fail(c, "mprotect: %s", strerror(errno));
	}
	vm_create(&vm, c->sys, 1);
	memset(mem, 0xff, (size_t)page);
	f.ranges[0] =
	    (struct kvm_msr_filter_range){ .flags = RANGE_READ, .nmsrs = 1, .base = 0xc0000080 };
	for (unsigned back = 1; back <= 8; back++) {
		f.ranges[0].bitmap = mem + page - back; /* 'back' readable bytes, 1 needed */
		r = ioctl(vm.fd, KVM_X86_SET_MSR_FILTER, &f);
		if (back < 8)
			CASE_EXPECT(c, r == -1 && errno == EFAULT,
				    "1-MSR bitmap %u bytes before an unreadable page: ret %d errno "
				    "%d, want EFAULT (a whole 8-byte word is read)",
				    back, r, r ? errno : 0);
		else
			CASE_EXPECT(c, r == 0,
				    "1-MSR bitmap a word before the end: ret %d errno %d", r,
				    r ? errno : 0);
	}
	vm_destroy(&vm);
	munmap(mem, 2 * (size_t)page);
	return CASE_PASS;
}

const struct conform_case filter_ioctl_cases[] = {
	{ "filter_ioctl.bad_filter_flags", "3",
	  "each filter flag bit 1..31 is EINVAL and leaves the old filter in force",
	  bad_filter_flags, NULL },
	{ "filter_ioctl.bad_range_flags", "3",
	  "range flags 0 and each bit 2..31 are EINVAL and leave the old filter in force",
	  bad_range_flags, NULL },
	{ "filter_ioctl.bad_range_in_any_slot", "3",
	  "an oversized range in any of the 16 slots refuses the whole filter",
	  bad_range_in_any_slot, NULL },
	{ "filter_ioctl.arbitrary_bitmap", "3",
	  "a random full-size (12288-MSR) bitmap decides each index bit by bit", arbitrary_bitmap,
	  NULL },
	{ "filter_ioctl.bitmap_whole_words", "3",
	  "the bitmap is read in whole 8-byte words: a word crossing into an unreadable page is EFAULT",
	  bitmap_whole_words, NULL },
	{ "filter_ioctl.wrong_fds", "3",
	  "KVM_X86_SET_MSR_FILTER on a vCPU fd or /dev/kvm is EINVAL and changes nothing",
	  wrong_fds, NULL },
	{ 0 },
};
