/* kvm.c - /dev/kvm access with clear errors: open, capabilities, module parameters, named ioctls. */
#include <errno.h>
#include <fcntl.h>
#include <linux/kvm.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include "kvm.h"
#include "kvm_abi.h"

static __thread char last_error[512];

const char *kvm_last_error(void)
{
	return last_error;
}

void kvm_set_error(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(last_error, sizeof(last_error), fmt, ap);
	va_end(ap);
}

void kvm_clear_error(void)
{
	last_error[0] = 0;
}

int kvm_error(int err, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(last_error, sizeof(last_error), fmt, ap);
	va_end(ap);
	return -err;
}

int kvm_errno(const char *fmt, ...)
{
	int e = errno ? errno : EIO; /* a caller whose call failed without errno still fails */
	size_t n;
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(last_error, sizeof(last_error), fmt, ap);
	va_end(ap);
	n = strlen(last_error);
	snprintf(last_error + n, sizeof(last_error) - n, ": %s (errno %d)", strerror(e), e);
	return -e;
}

int kvm_ioctl_named(int fd, unsigned long req, void *arg, const char *name, const char *args)
{
	int r = ioctl(fd, req, arg);

	return r < 0 ? kvm_errno("%s(%s)", name, args ? args : "") : r;
}

static void __attribute__((noreturn)) fail_default(const char *msg)
{
	fprintf(stderr, "msrexit: %s\n", msg);
	exit(EXIT_BAD_INPUT);
}

static kvm_fail_hook fail_hook = fail_default;

void kvm_set_fail_hook(kvm_fail_hook hook)
{
	fail_hook = hook ? hook : fail_default;
}

void kvm_fail(const char *fmt, ...)
{
	char msg[sizeof(last_error)];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	memcpy(last_error, msg, sizeof(msg));
	fail_hook(msg);
	fail_default(msg);
}

int kvm_check(int r, const char *fn)
{
	if (r < 0)
		kvm_fail("%s: %s", fn, last_error);
	return r;
}

int kvm_param(const char *name)
{
	char path[128], buf[32];
	FILE *f;
	int v = -1;

	snprintf(path, sizeof(path), "/sys/module/kvm/parameters/%s", name);
	f = fopen(path, "r");
	if (!f)
		return -1;
	if (fgets(buf, sizeof(buf), f)) {
		if (buf[0] == 'Y' || buf[0] == 'y')
			v = 1;
		else if (buf[0] == 'N' || buf[0] == 'n')
			v = 0;
		else
			v = atoi(buf);
	}
	fclose(f);
	return v;
}

/* $MSREXIT_KVM_DEVICE, for tests of the no-KVM paths; /dev/kvm otherwise. */
static const char *kvm_device(void)
{
	const char *d = getenv("MSREXIT_KVM_DEVICE");

	return d && *d ? d : "/dev/kvm";
}

static int open_dev_kvm(struct kvm_sys *sys)
{
	const char *dev = kvm_device();
	int e;

	sys->fd = open(dev, O_RDWR | O_CLOEXEC);
	if (sys->fd >= 0)
		return 0;
	e = errno;
	if (e == ENOENT)
		return kvm_error(e,
				 "%s does not exist: KVM is not available on this machine (no kvm "
				 "module loaded, or not running on hardware/nested virtualization)",
				 dev);
	if (e == EACCES || e == EPERM)
		return kvm_error(e, "%s: permission denied: run as root or join the 'kvm' group",
				 dev);
	return kvm_errno("open(%s)", dev);
}

static int check_caps(struct kvm_sys *sys)
{
	static const struct {
		int cap;
		const char *name;
	} need[] = {
		{ CAP_USER_SPACE_MSR, "KVM_CAP_X86_USER_SPACE_MSR" },
		{ CAP_MSR_FILTER, "KVM_CAP_X86_MSR_FILTER" },
		{ KVM_CAP_IRQCHIP, "KVM_CAP_IRQCHIP" },
		{ KVM_CAP_IMMEDIATE_EXIT, "KVM_CAP_IMMEDIATE_EXIT" },
	};

	if (ioctl(sys->fd, KVM_GET_API_VERSION, 0) != KVM_API_VERSION)
		return kvm_error(ENODEV, "%s is not a KVM device of API version %d", kvm_device(),
				 KVM_API_VERSION);
	for (unsigned i = 0; i < sizeof(need) / sizeof(need[0]); i++)
		if (ioctl(sys->fd, KVM_CHECK_EXTENSION, need[i].cap) <= 0)
			return kvm_error(ENODEV, "this kernel's KVM lacks %s (capability %d)",
					 need[i].name, need[i].cap);
	sys->has_sync_regs = ioctl(sys->fd, KVM_CHECK_EXTENSION, KVM_CAP_SYNC_REGS) > 0;
	return 0;
}

static int get_cpuid(struct kvm_sys *sys)
{
	for (int n = 64; n <= 4096; n *= 2) {
		struct kvm_cpuid2 *c = calloc(1, sizeof(*c) + n * sizeof(c->entries[0]));

		int e;

		if (!c)
			return kvm_error(ENOMEM, "out of memory");
		c->nent = n;
		if (ioctl(sys->fd, KVM_GET_SUPPORTED_CPUID, c) == 0) {
			sys->cpuid = c;
			return 0;
		}
		e = errno;
		free(c);
		if (e != E2BIG) /* E2BIG: more entries than n, try twice as many */
			return kvm_error(e, "KVM_GET_SUPPORTED_CPUID(%d entries): %s (errno %d)", n,
					 strerror(e), e);
	}
	return kvm_error(E2BIG, "KVM_GET_SUPPORTED_CPUID: too many entries");
}

int __kvm_sys_open(struct kvm_sys *sys)
{
	int r;

	kvm_clear_error();
	memset(sys, 0, sizeof(*sys));
	r = open_dev_kvm(sys);
	if (r)
		return r;
	r = check_caps(sys);
	if (!r) {
		sys->run_size = KVM_IOCTL(sys->fd, KVM_GET_VCPU_MMAP_SIZE, NULL, "");
		if (sys->run_size <= 0)
			r = sys->run_size ? sys->run_size :
					    kvm_error(ENODEV, "KVM_GET_VCPU_MMAP_SIZE() gave 0");
	}
	if (!r)
		r = get_cpuid(sys);
	if (r) {
		close(sys->fd);
		sys->fd = -1;
	}
	return r;
}

void kvm_sys_close(struct kvm_sys *sys)
{
	if (sys->fd >= 0)
		close(sys->fd);
	free(sys->cpuid);
	sys->cpuid = NULL;
	sys->fd = -1;
}

struct kvm_sys *kvm_sys_get(int *status)
{
	static struct kvm_sys sys = { .fd = -1 };
	static int opened, open_status;
	static char open_error[sizeof(last_error)];

	if (!opened) {
		int r = __kvm_sys_open(&sys);

		open_status = !r ? EXIT_OK : r == -ENOMEM ? EXIT_BAD_INPUT : EXIT_NO_KVM;
		snprintf(open_error, sizeof(open_error), "%s", last_error);
		opened = 1;
	}
	/* each call says why the open failed, not whatever failed since */
	kvm_set_error("%s", open_error);
	if (status)
		*status = open_status;
	return open_status ? NULL : &sys;
}

const struct kvm_cpuid_entry2 *cpuid_find(const struct kvm_cpuid2 *c, uint32_t fn, uint32_t idx)
{
	for (uint32_t i = 0; i < c->nent; i++) {
		const struct kvm_cpuid_entry2 *e = &c->entries[i];

		if (e->function == fn &&
		    (e->index == idx || !(e->flags & KVM_CPUID_FLAG_SIGNIFCANT_INDEX)))
			return e;
	}
	return NULL;
}
