/* kvm.h - /dev/kvm access with clear errors: open, capabilities, module parameters, named ioctls. */
#ifndef MSREXIT_KVM_H
#define MSREXIT_KVM_H

#include <stdbool.h>
#include <stdint.h>

/* Exit statuses shared by every command (kselftest convention for "skip"). */
#define EXIT_OK 0
#define EXIT_MISMATCH 1
#define EXIT_BAD_INPUT 2
#define EXIT_NO_KVM 4

/*
 * The last error of this thread, in words: which ioctl, its arguments, errno.
 * Every public harness call that can set it clears it first, so it only ever
 * says why the latest such call failed; after one that succeeded it is "".
 */
const char *kvm_last_error(void);
void kvm_set_error(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void kvm_clear_error(void);

/*
 * ioctl that records "NAME(args): strerror" as the last error on failure.
 * Use for set-up; a host step whose errno is the observation calls ioctl().
 * A building block: it does not clear the error (the call using it did), and
 * a failure the caller goes on from must use ioctl() instead.
 */
long kvm_ioctl_named(int fd, unsigned long req, void *arg, const char *name, const char *args);
#define KVM_IOCTL(fd, req, arg, args) kvm_ioctl_named(fd, req, arg, #req, args)

struct kvm_sys {
	int fd;
	int run_size;
	struct kvm_cpuid2 *cpuid; /* KVM_GET_SUPPORTED_CPUID */
	bool has_sync_regs;
};

/*
 * Open /dev/kvm and check what msrexit needs. Returns 0, or EXIT_NO_KVM /
 * EXIT_BAD_INPUT with kvm_last_error() saying why (absent, permission,
 * capability missing).
 */
int kvm_sys_open(struct kvm_sys *sys);
void kvm_sys_close(struct kvm_sys *sys);
/* The process-wide instance, opened on first use; NULL with kvm_last_error() set. */
struct kvm_sys *kvm_sys_get(int *status);

/* A kvm module parameter as an integer (Y=1, N=0); -1 if unreadable. */
int kvm_param(const char *name);

const struct kvm_cpuid_entry2 *cpuid_find(const struct kvm_cpuid2 *c, uint32_t fn, uint32_t idx);

#endif
